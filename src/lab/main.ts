// Entry point of the lab process (bundled to dist/lab.js; under tsx: src/lab/main.ts):
//   lab.js run --name N [--kubeconfig FILE] [--no-scenario] [--beacon-every MS] [--traffic-every MS]
// Runs in the foreground until SIGTERM/SIGINT; prints "READY <server> <kubeconfig>" once the API answers.
import { Lab } from './lab.js';

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] !== 'run') {
    process.stderr.write('usage: lab.js run --name N [--kubeconfig FILE] [--no-scenario] [--beacon-every MS] [--traffic-every MS] [--verbose]\n');
    return 2;
  }
  const name = flag(argv, '--name') ?? 'demo';
  const num = (f: string): number | undefined => { const v = flag(argv, f); return v === undefined ? undefined : Number(v); };
  const verbose = argv.includes('--verbose');
  const lab = await Lab.start({
    name, kubeconfigPath: flag(argv, '--kubeconfig'), scenario: !argv.includes('--no-scenario'),
    beaconEveryMs: num('--beacon-every'), trafficEveryMs: num('--traffic-every'),
    log: verbose ? (l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`) : undefined,
  });
  process.stdout.write(`READY ${lab.server} ${lab.kubeconfigPath}\n`);
  await new Promise<void>((resolve) => {
    // `on`, not `once`: a second signal (e.g. timeout(1) signalling the whole group) must not
    // kill the process halfway through its cleanup.
    const stop = (): void => resolve();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', stop);
  });
  await lab.stop();
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; process.exit(); }, (e: unknown) => {
  process.stderr.write(`falcoshark lab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
