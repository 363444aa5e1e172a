/** A command's failure exit status, thrown by commands and turned into the exit code by src/cli.ts. */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
    this.name = "ExitStatus";
  }
}
