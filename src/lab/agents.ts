// Small Node programs the demo's containers run (host `node`, inside the pod's netns). They
// are written to the lab's state dir at start. Each keeps its traffic light (a few req/s).
// The api server's beacon reports what it did on fd 3 (the lab's "syscall tap"), which the
// lab turns into Falco alerts with the real addresses and ports.

const WEB = String.raw`'use strict';
const http = require('http'); const net = require('net'); const dgram = require('dgram'); const fs = require('fs');
const a = {}; for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const name = a.name || 'web';
function log(s) { process.stdout.write(new Date().toISOString() + ' ' + name + ' ' + s + '\n'); }
function tap(o) { try { fs.writeSync(3, JSON.stringify(o) + '\n'); } catch (e) { /* no tap */ } }
function dbQuery(cb) {
  const [h, p] = a.db.split(':'); const s = net.connect(Number(p), h); let out = '';
  s.setTimeout(2000, () => s.destroy()); s.on('error', (e) => cb('db error ' + e.code));
  s.on('connect', () => s.write('SELECT id, name FROM items LIMIT 3;\n'));
  s.on('data', (d) => { out += d; if (out.includes('\n')) { s.end(); cb(out.trim()); } });
}
if (a.listen) {
  http.createServer((req, res) => {
    const done = (body) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ from: name, path: req.url, body })); log(req.socket.remoteAddress + ' "' + req.method + ' ' + req.url + '" 200'); };
    if (a.db) dbQuery(done); else done('ok');
  }).listen(Number(a.listen), '0.0.0.0', () => log('listening on :' + a.listen));
}
if (a.upstream) {
  setInterval(() => {
    const req = http.get(a.upstream, { timeout: 2000 }, (res) => { res.resume(); res.on('end', () => log('GET ' + a.upstream + ' -> ' + res.statusCode)); });
    req.on('error', (e) => log('GET ' + a.upstream + ' failed: ' + e.code)); req.on('timeout', () => req.destroy());
  }, Number(a.every || 2000));
}
function dnsQuery(server, qname, cb) {
  const id = Math.floor(Math.random() * 65535);
  const labels = qname.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const q = Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  const s = dgram.createSocket('udp4'); let answered = false;
  const t = setTimeout(() => { if (!answered) { s.close(); cb(null); } }, 2000);
  s.on('message', (m) => {
    answered = true; clearTimeout(t); const local = s.address(); s.close();
    const an = m.readUInt16BE(6); let ip = null;
    if (an > 0 && m.length >= q.length + 16) { const o = q.length + 12; ip = [m[o], m[o + 1], m[o + 2], m[o + 3]].join('.'); }
    cb(ip, local);
  });
  s.bind(0, () => { const l = s.address(); tap({ evt: 'sendto', proto: 'udp', lip: a.ip || '', lport: l.port, rip: server, rport: 53, query: qname }); s.send(q, 53, server); });
}
if (a.beacon) {
  const [domain, port] = a.beacon.split(':');
  const beacon = () => dnsQuery(a.dns, domain, (ip) => {
    if (!ip) { log('update check: cannot resolve ' + domain); return; }
    const s = net.connect(Number(port), ip);
    s.setTimeout(2000, () => s.destroy());
    s.on('connect', () => {
      tap({ evt: 'connect', proto: 'tcp', lip: s.localAddress, lport: s.localPort, rip: ip, rport: Number(port), domain, pid: process.pid, ppid: process.ppid, exe: process.execPath, cmdline: process.argv.slice(1).join(' ') });
      s.end('BEACON ' + name + ' ' + Date.now() + '\n');
    });
    s.on('data', () => undefined); s.on('error', () => undefined);
  });
  setTimeout(beacon, 500); setInterval(beacon, Number(a['beacon-every'] || 10000));
}
process.on('SIGTERM', () => process.exit(0));
`;

const DB = String.raw`'use strict';
const net = require('net');
net.createServer((s) => {
  s.on('data', (d) => { s.write('3 rows\n'); process.stdout.write(new Date().toISOString() + ' query from ' + s.remoteAddress + ': ' + String(d).trim() + '\n'); });
  s.on('error', () => undefined);
}).listen(Number(process.argv[2] || 5432), '0.0.0.0', () => process.stdout.write('database system is ready to accept connections\n'));
process.on('SIGTERM', () => process.exit(0));
`;

const DNS = String.raw`'use strict';
const dgram = require('dgram'); const fs = require('fs');
const zone = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
// One socket per local address: a reply must come from the address it was sent to (the
// service's ClusterIP), which a socket bound to 0.0.0.0 does not guarantee.
function serve(addr) {
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => {
  if (m.length < 17) return;
  let o = 12; const parts = [];
  while (o < m.length && m[o] !== 0) { parts.push(m.subarray(o + 1, o + 1 + m[o]).toString()); o += m[o] + 1; }
  const qname = parts.join('.').toLowerCase(); const qtype = m.readUInt16BE(o + 1); const qEnd = o + 5;
  const ip = qtype === 1 ? zone[qname] : undefined;
  const hdr = Buffer.from([m[0], m[1], 0x85, ip ? 0x80 : (zone[qname] ? 0x80 : 0x83), 0, 1, 0, ip ? 1 : 0, 0, 0, 0, 0]);
  const parts2 = [hdr, m.subarray(12, qEnd)];
  if (ip) parts2.push(Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, ...ip.split('.').map(Number)]));
  const out = Buffer.concat(parts2);
  s.send(out, r.port, r.address);
  process.stdout.write('[INFO] ' + r.address + ':' + r.port + ' - ' + m.readUInt16BE(0) + ' "' + (qtype === 1 ? 'A' : 'TYPE' + qtype) + ' IN ' + qname + '. udp ' + m.length + ' false 512" ' + (ip || zone[qname] ? 'NOERROR' : 'NXDOMAIN') + ' qr,aa,rd ' + out.length + ' 0.0001s\n');
});
s.bind(53, addr);
}
const addrs = Object.values(require('os').networkInterfaces()).flat().filter((i) => i.family === 'IPv4').map((i) => i.address);
addrs.forEach(serve);
process.stdout.write('.:53\nCoreDNS-1.11.3 (lab)\nlinux/amd64, go1.23, lab\n');
process.on('SIGTERM', () => process.exit(0));
`;

const C2 = String.raw`'use strict';
const net = require('net');
net.createServer((s) => { s.on('data', () => s.end('OK\n')); s.on('error', () => undefined); }).listen(Number(process.argv[2] || 4444), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

export const AGENTS: Record<string, string> = { 'web.js': WEB, 'db.js': DB, 'dns.js': DNS, 'c2.js': C2 };
