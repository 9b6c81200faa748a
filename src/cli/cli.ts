// Dispatches `falcoshark <command> …` to the command modules. Each command is one module
// under src/cli/ exporting a `CliCommand`; add a line to COMMANDS to register one.
import type { CliCommand } from './command.js';
import { analyzeCommand } from './analyzeCommand.js';
import { labCommand } from './labCommand.js';
import { captureCommand } from './captureCommand.js';
import { serveCommand } from './serveCommand.js';
import { watchCommand } from './watchCommand.js';

const COMMANDS: CliCommand[] = [
  analyzeCommand,
  labCommand,
  captureCommand,
  serveCommand,
  watchCommand,
];

export function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(60)} ${c.summary}`);
  return `usage: falcoshark <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`falcoshark: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return cmd.run(rest);
}
