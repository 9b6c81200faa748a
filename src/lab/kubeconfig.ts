// The kubeconfig a lab writes: one cluster, one user and one context per role.
import type { LabUser } from './rbac.js';

export function kubeconfigYaml(labName: string, server: string, caPem: string, users: LabUser[], current = 'falcoshark'): string {
  const ca = Buffer.from(caPem).toString('base64');
  const cluster = `lab-${labName}`;
  const lines = [
    'apiVersion: v1', 'kind: Config', 'preferences: {}',
    'clusters:', `- name: ${cluster}`, '  cluster:', `    server: ${server}`, `    certificate-authority-data: ${ca}`,
    'users:',
    ...users.flatMap((u) => [`- name: ${cluster}-${u.role}`, '  user:', `    token: ${u.token}`]),
    'contexts:',
    ...users.flatMap((u) => [`- name: ${u.role === current ? `lab-${labName}` : `lab-${labName}-${u.role}`}`, '  context:', `    cluster: ${cluster}`, `    user: ${cluster}-${u.role}`, '    namespace: shop']),
    `current-context: lab-${labName}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The context name of a role in a lab's kubeconfig. */
export function contextName(labName: string, role: string, current = 'falcoshark'): string {
  return role === current ? `lab-${labName}` : `lab-${labName}-${role}`;
}
