// The lab's certificates, made with openssl (argv arrays only): one CA per lab, a serving
// certificate for the apiserver and one for the kubelet, a client certificate per component
// (the identities the Node and RBAC authorizers expect) and for the lab's admin, and the
// service-account signing key pair.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.js';

export interface ClientCert { file: string; cn: string; o?: string }

/** Client identities: file stem → subject (O is the group). */
export const CLIENTS: ClientCert[] = [
  { file: 'admin', cn: 'falcoshark-lab-admin', o: 'system:masters' },
  { file: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', o: 'system:masters' },
  { file: 'controller-manager', cn: 'system:kube-controller-manager' },
  { file: 'scheduler', cn: 'system:kube-scheduler' },
  { file: 'kube-proxy', cn: 'system:kube-proxy', o: 'system:node-proxier' },
];

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function sign(dir: string, stem: string, subj: string, ext: string): Promise<void> {
  const p = (f: string): string => join(dir, f);
  await run(['openssl', 'req', ...EC, '-keyout', p(`${stem}.key`), '-out', p(`${stem}.csr`), '-subj', subj]);
  await writeFile(p(`${stem}.ext`), ext);
  await run(['openssl', 'x509', '-req', '-in', p(`${stem}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p(`${stem}.crt`), '-days', '365', '-extfile', p(`${stem}.ext`)]);
}

const subject = (cn: string, o?: string): string => (o ? `/O=${o}/CN=${cn}` : `/CN=${cn}`);

export interface PkiOptions { dir: string; labName: string; nodeName: string; nodeIp: string; serviceIp: string }

export async function makePki(o: PkiOptions): Promise<void> {
  const p = (f: string): string => join(o.dir, f);
  await run(['openssl', 'req', '-x509', ...EC, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '365',
    '-subj', `/CN=falcoshark-lab-${o.labName}-ca`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const serverExt = (san: string): string => `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`;
  const clientExt = 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  await sign(o.dir, 'apiserver', '/CN=kube-apiserver', serverExt([
    'IP:127.0.0.1', `IP:${o.nodeIp}`, `IP:${o.serviceIp}`, 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local',
  ].join(',')));
  await sign(o.dir, 'kubelet-serving', `/O=system:nodes/CN=system:node:${o.nodeName}`, serverExt(`IP:${o.nodeIp},DNS:${o.nodeName}`));
  await sign(o.dir, 'kubelet-client', `/O=system:nodes/CN=system:node:${o.nodeName}`, clientExt);
  for (const c of CLIENTS) await sign(o.dir, c.file, subject(c.cn, c.o), clientExt);
  await run(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', p('sa.key')]);
  await run(['openssl', 'pkey', '-in', p('sa.key'), '-pubout', '-out', p('sa.pub')]);
}
