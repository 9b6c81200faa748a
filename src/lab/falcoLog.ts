// The falco pod's log: Falco 0.40's startup text, then JSON alerts (json_output: true) for
// what the lab's agents report on their tap. Rule texts are those of the falcosecurity/rules
// files shipped with Falco 0.40 (see fixtures/falco/network-rules.txt).
import { falcoTime, nowNs } from './clock.js';

export interface TapConnect {
  evt: 'connect'; proto: string; lip: string; lport: number; rip: string; rport: number; domain?: string;
  pid?: number; ppid?: number; exe?: string; cmdline?: string;
}

export interface AlertContext {
  hostname: string; namespace: string; pod: string; container: string; containerId: string; image: string; parent: string;
}

export function falcoStartupLines(hostname: string, started = new Date()): string[] {
  const d = started.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, (_m, wd: string, day: string, mon: string, year: string, time: string) => `${wd} ${mon} ${day.padStart(2, ' ')} ${time} ${year}`);
  const lines = [
    'Falco version: 0.40.0 (x86_64)',
    'Falco initialized with configuration files:',
    '   /etc/falco/falco.yaml | schema validation: ok',
    'System info: Linux version 6.8.0-lab (buildd@lab) (gcc (Ubuntu 13.2.0) 13.2.0) #1 SMP PREEMPT_DYNAMIC',
    'Loading rules from:',
    '   /etc/falco/falco_rules.yaml | schema validation: ok',
    '   /etc/falco/falco-deprecated_rules.yaml | schema validation: ok',
    `Hostname value has been overridden via environment variable to: ${hostname}`,
    'The chosen syscall buffer dimension is: 8388608 bytes (8 MBs)',
    'Starting health webserver with threadiness 2, listening on 0.0.0.0:8765',
    'Loaded event sources: syscall',
    'Enabled event sources: syscall',
    'Opening \'syscall\' source with modern BPF probe.',
    'One ring buffer every \'2\' CPUs.',
  ];
  return lines.map((l) => `${d}: ${l}`);
}

const EVT_TIME = '@@falcoshark-lab-evt-time@@';

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** "Outbound Connection to C2 Servers" (falco-deprecated_rules.yaml, Warning) as Falco 0.40 prints it. */
export function c2Alert(ev: TapConnect, ctx: AlertContext, tsNs = nowNs()): string {
  const time = falcoTime(tsNs);
  const [repo, tag] = splitImage(ctx.image);
  const cid = ctx.containerId.replace(/^containerd:\/\//, '').slice(0, 12);
  const fdName = `${ev.lip}:${ev.lport}->${ev.rip}:${ev.rport}`;
  const exe = ev.exe ?? '/usr/bin/node';
  const procName = exe.split('/').pop() ?? 'node';
  const cmdline = `${procName} ${ev.cmdline ?? ''}`.trim();
  const f: Record<string, unknown> = {
    'container.id': cid, 'container.image.repository': repo, 'container.image.tag': tag, 'container.name': ctx.container,
    'evt.time': EVT_TIME, 'evt.type': 'connect',
    'fd.cip': ev.lip, 'fd.cport': ev.lport, 'fd.l4proto': ev.proto, 'fd.lport': ev.lport, 'fd.name': fdName, 'fd.rport': ev.rport,
    'fd.sip': ev.rip, 'fd.sip.name': ev.domain ?? '', 'fd.sport': ev.rport, 'fd.type': 'ipv4',
    'k8s.ns.name': ctx.namespace, 'k8s.pod.name': ctx.pod,
    'proc.cmdline': cmdline, 'proc.exepath': exe, 'proc.name': procName, 'proc.pname': ctx.parent, 'proc.tty': 0,
    'user.loginuid': -1, 'user.name': 'root', 'user.uid': 0,
  };
  const info = `container_id=${cid} container_image=${repo} container_image_tag=${tag} container_name=${ctx.container} k8s_ns=${ctx.namespace} k8s_pod_name=${ctx.pod}`;
  const output = `${time.slice(11, 29)}: Warning Outbound connection to C2 server (c2_domain=${ev.domain ?? ''} c2_addr=${ev.rip} connection=${fdName} lport=${ev.lport} rport=${ev.rport} fd_type=ipv4 fd_proto=fd.l4proto evt_type=connect user=root user_uid=0 user_loginuid=-1 process=${procName} proc_exepath=${exe} parent=${ctx.parent} command=${cmdline} terminal=0 ${info})`;
  // evt.time is a 19-digit integer (beyond 2^53): printed exactly, as Falco does.
  return JSON.stringify(sortKeys({
    hostname: ctx.hostname, output, output_fields: sortKeys(f), priority: 'Warning', rule: 'Outbound Connection to C2 Servers',
    source: 'syscall', tags: ['TA0011', 'container', 'host', 'maturity_deprecated', 'mitre_command_and_control', 'network'], time,
  })).replace(`"${EVT_TIME}"`, tsNs.toString());
}

function splitImage(image: string): [string, string] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
}
