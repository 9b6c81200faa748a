// Dispatches `falcoshark <command> …` to the command modules. Each command is one module
// under src/cli/ exporting a `CliCommand`. Modules are loaded only when their command runs:
// `analyze` does not pay for the Kubernetes client that `capture`, `watch`, `serve` and `lab`
// load (about 0.1 s and 25 MB of start-up). The help line of each command is here, so that
// `falcoshark --help` loads none of them (a test checks it matches the module's own).
import type { CliCommand } from './command.js';

export interface CommandEntry {
  name: string;
  usage: string;
  summary: string;
  load(): Promise<CliCommand>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'analyze', usage: 'analyze <file> [--json] [--top N]', summary: 'summarise the flows of a pcap or pcapng capture',
    load: async () => (await import('./analyzeCommand.js')).analyzeCommand },
  { name: 'lab', usage: 'lab up|down|status [--name N]', summary: 'a real single-node Kubernetes built on this machine, with the demo and Falco alerts (needs root)',
    load: async () => (await import('./labCommand.js')).labCommand },
  { name: 'capture', usage: 'capture (--alert FILE | --pod NS/NAME | --workload K/NAME | --selector SEL | --service NS/NAME | --local) [opts]', summary: 'capture the traffic an alert is about, with its context',
    load: async () => (await import('./captureCommand.js')).captureCommand },
  { name: 'serve', usage: 'serve [--webhook-port N] [--port N] [--policy FILE] …', summary: 'capture automatically on alerts and serve the captures',
    load: async () => (await import('./serveCommand.js')).serveCommand },
  { name: 'recorder', usage: 'recorder [--node N] [--window S] [--budget B] [--host-mode|--netns NS] …', summary: 'the flight recorder: a bounded rolling capture of the node\'s pods, cut on alert',
    load: async () => (await import('./recorderCommand.js')).recorderCommand },
  { name: 'watch', usage: 'watch [--context C] [--webhook PORT] [--sidekick-ui URL] [--file F|-] [--json]', summary: 'print Falco alerts live (cluster, webhook, falcosidekick-ui, file)',
    load: async () => (await import('./watchCommand.js')).watchCommand },
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
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`falcoshark: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return (await entry.load()).run(rest);
}
