/** A stand-in for fsync by path: records the paths it synced, and completes only once released. */
export function heldSync() {
  const synced: string[] = [];
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  return {
    synced,
    release: () => release(),
    sync: async (path: string) => {
      await held;
      synced.push(path);
    },
  };
}
