// falcoshark command-line entry point. Each subcommand lives in its own module.
import { runCli } from './cli.js';

// `falcoshark analyze --json f | head`: a closed pipe ends the program quietly, as for any Unix tool.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`falcoshark: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
