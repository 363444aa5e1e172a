/**
 * A stand-in for fsync by path: records the paths it was asked to sync, and completes only once
 * released, then through `then` (e.g. the real fsync; default: nothing).
 */
export function heldSync(then: (path: string) => Promise<void> = async () => {}) {
  const synced: string[] = [];
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  return {
    synced,
    release: () => release(),
    sync: async (path: string) => {
      await held;
      synced.push(path);
      await then(path);
    },
  };
}
