// falcoshark command-line entry point. Each subcommand lives in its own module.
import { runCli } from './cli.js';

runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`falcoshark: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
