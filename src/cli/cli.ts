// Dispatches `falcoshark <command> …` to the command modules.
export const USAGE = `usage: falcoshark <command> [options]

commands:
  analyze <file> [--json]     summarise the flows of a pcap or pcapng capture
`;

export async function runCli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`falcoshark: unknown command '${cmd}'\n${USAGE}`);
      void rest;
      return 2;
  }
}
