/** A command's failure exit status, thrown by commands and turned into the exit code by src/cli.ts. */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
    this.name = "ExitStatus";
  }
}

/**
 * A start refused before anything was written (the data directory cannot be written, is in use
 * by another g6, the disk is full): exit status 2 with this one-line message.
 */
export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartError";
  }
}

/** A file-system error in words for people ("no space left on device"), without a stack. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? "";
  const words: Record<string, string> = {
    ENOSPC: "no space left on device",
    EDQUOT: "disk quota exceeded",
    EROFS: "read-only file system",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOTDIR: "a path component is not a directory",
    EISDIR: "is a directory",
    EIO: "input/output error",
  };
  return words[code] ?? (err instanceof Error ? err.message : String(err));
}
