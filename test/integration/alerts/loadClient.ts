// Load generator run as a child process by load.test.ts (so it does not share the event loop
// being measured). Sends alerts at a fixed rate over loopback HTTP (one alert per POST, retrying
// 429s) or appends them to a file, then prints one JSON summary line.
import { Agent, request } from 'node:http';
import { appendFileSync } from 'node:fs';

const [mode, target, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg), seconds = Number(secondsArg);
const total = Math.round(rate * seconds);
const TICK_MS = 10;

function alert(seq: number): string {
  return JSON.stringify({
    hostname: 'node-1', time: new Date().toISOString().replace('Z', '123456Z'), rule: 'Unexpected outbound connection destination', priority: 'Notice', source: 'syscall',
    output: `load ${seq}`, tags: ['network'],
    output_fields: { 'evt.time': 'BIG', 'k8s.ns.name': 'load', 'k8s.pod.name': `pod-${seq % 500}`, 'container.id': '8700c08fabf5', 'fd.cip': '10.0.0.1', 'fd.cport': 1024 + (seq % 60000), 'fd.sip': '10.0.0.2', 'fd.sport': 443, 'fd.l4proto': 'tcp', 'proc.cmdline': 'curl http://x' },
  }).replace('"BIG"', '1764241146789112043');
}

async function runWebhook(port: number): Promise<Record<string, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 48 });
  let accepted = 0, retries429 = 0, errors = 0, inFlight = 0, healthMaxMs = 0, healthSamples = 0;
  const send = (body: string): Promise<void> => new Promise((resolve) => {
    const attempt = () => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 202) { accepted++; resolve(); }
          else if (res.statusCode === 429) { retries429++; setTimeout(attempt, 20); }
          else { errors++; resolve(); }
        });
      });
      req.on('error', () => { errors++; setTimeout(attempt, 50); });
      req.end(body);
    };
    attempt();
  });
  const health = setInterval(() => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => { healthSamples++; healthMaxMs = Math.max(healthMaxMs, performance.now() - t0); });
    });
    req.on('error', () => undefined);
    req.end();
  }, 500);
  const start = performance.now();
  let seq = 0;
  const pending: Promise<void>[] = [];
  // Time-bounded: whatever the receiver can take in `seconds` (at most rate × seconds) is sent.
  while (seq < total && performance.now() - start < seconds * 1000) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (seq < due && inFlight < 2000) {
      inFlight++;
      pending.push(send(alert(seq++)).then(() => { inFlight--; }));
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  clearInterval(health);
  agent.destroy();
  return { sent: seq, accepted, retries429, errors, seconds: elapsed, achievedRate: accepted / elapsed, healthMaxMs, healthSamples };
}

async function runFile(path: string): Promise<Record<string, number>> {
  const start = performance.now();
  let seq = 0;
  while (seq < total && performance.now() - start < seconds * 1000 + 1000) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    if (due > seq) {
      const lines: string[] = [];
      while (seq < due) lines.push(alert(seq++));
      appendFileSync(path, `${lines.join('\n')}\n`);
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const elapsed = (performance.now() - start) / 1000;
  return { sent: seq, seconds: elapsed, achievedRate: seq / elapsed };
}

(mode === 'webhook' ? runWebhook(Number(target)) : runFile(target)).then(
  (result) => { process.stdout.write(`${JSON.stringify(result)}\n`); },
  (err: unknown) => { process.stderr.write(`${String(err)}\n`); process.exitCode = 1; },
);
