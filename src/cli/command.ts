// The shape of one CLI subcommand.
export interface CliCommand {
  /** The word after `falcoshark`. */
  name: string;
  /** One-line synopsis, e.g. "analyze <file> [--json]". */
  usage: string;
  summary: string;
  /** Runs the command; resolves to the process exit code (0 ok, 1 failure, 2 usage). */
  run(argv: string[]): Promise<number>;
}

/** An error whose message is meant for the user as is (one line, no stack). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
