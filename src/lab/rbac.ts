// Bearer tokens → users → roles, and the apiserver's Forbidden messages.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ApiError } from './apiError.js';

export type RoleName = 'admin' | 'falcoshark' | 'readonly' | 'no-ephemeral' | 'serve';
export const ROLE_NAMES: RoleName[] = ['admin', 'falcoshark', 'readonly', 'no-ephemeral', 'serve'];

/** A rule; `namespaces` set when it comes from a namespaced Role (else it applies everywhere). */
interface Rule { groups: string[]; resources: string[]; verbs: string[]; namespaces?: string[] }

/** The rules of the ClusterRoles and Roles in a manifest file (deploy/rbac.yaml): the `serve`
 *  role of the lab is exactly what falcoshark serve's manifests grant. */
export function rulesFromManifest(file: string): Rule[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return []; }
  const rules: Rule[] = [];
  for (const doc of parseAllDocuments(text)) {
    const d = doc.toJSON() as { kind?: string; metadata?: { namespace?: string }; rules?: { apiGroups?: string[]; resources?: string[]; verbs?: string[] }[] } | null;
    if (!d || (d.kind !== 'ClusterRole' && d.kind !== 'Role')) continue;
    for (const r of d.rules ?? []) {
      rules.push({ groups: r.apiGroups ?? [], resources: r.resources ?? [], verbs: r.verbs ?? [],
        ...(d.kind === 'Role' ? { namespaces: [d.metadata?.namespace ?? 'default'] } : {}) });
    }
  }
  return rules;
}

// From src/lab (tsx) or from dist/ (bundled).
const DEPLOY_RBAC = [resolve(__dirname, '..', '..', 'deploy', 'rbac.yaml'), resolve(__dirname, '..', 'deploy', 'rbac.yaml')]
  .find((f) => existsSync(f)) ?? 'deploy/rbac.yaml';

const READ = ['get', 'list', 'watch'];
const ALL_READ: Rule[] = [
  { groups: [''], resources: ['namespaces', 'nodes', 'pods', 'services', 'events', 'pods/log', 'pods/status', 'pods/ephemeralcontainers'], verbs: READ },
  { groups: ['apps'], resources: ['deployments', 'replicasets', 'daemonsets'], verbs: READ },
  { groups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
];

/** Rules per role; k8s-protocol.md §8 lists what falcoshark needs. */
export const ROLE_RULES: Record<RoleName, Rule[]> = {
  admin: [{ groups: ['*'], resources: ['*'], verbs: ['*'] }],
  falcoshark: [
    ...ALL_READ,
    { groups: [''], resources: ['pods/exec', 'pods/attach'], verbs: ['get', 'create'] },
    { groups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch', 'update'] },
  ],
  readonly: ALL_READ,
  'no-ephemeral': [
    ...ALL_READ,
    { groups: [''], resources: ['pods/exec', 'pods/attach'], verbs: ['get', 'create'] },
  ],
  serve: rulesFromManifest(DEPLOY_RBAC),
};

export interface LabUser { name: string; role: RoleName; token: string; groups: string[] }

export function makeUsers(namespace = 'lab'): LabUser[] {
  return ROLE_NAMES.map((role) => ({
    name: `system:serviceaccount:${namespace}:${role}`,
    role,
    token: `${role}-${randomBytes(16).toString('hex')}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  }));
}

export interface Attributes {
  verb: string;
  group: string;
  resource: string;        // plural
  subresource?: string;
  namespace?: string;
  name?: string;
}

export function allowed(role: RoleName, a: Attributes): boolean {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return ROLE_RULES[role].some((r) =>
    (r.groups.includes('*') || r.groups.includes(a.group))
    && (r.resources.includes('*') || r.resources.includes(res))
    && (r.verbs.includes('*') || r.verbs.includes(a.verb))
    && (r.namespaces === undefined || (a.namespace !== undefined && r.namespaces.includes(a.namespace))));
}

/** The exact Forbidden Status of the RBAC authorizer (apiserver's NewForbidden + authorizer reason). */
export function forbidden(user: LabUser, a: Attributes): ApiError {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const gr = a.group ? `${a.resource}.${a.group}` : a.resource;
  const subject = a.name ? `${gr} "${a.name}"` : gr;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const msg = `${subject} is forbidden: User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`;
  return new ApiError(403, 'Forbidden', msg, { ...(a.name ? { name: a.name } : {}), ...(a.group ? { group: a.group } : {}), kind: a.resource });
}

export function authorize(user: LabUser, a: Attributes): void {
  if (!allowed(user.role, a)) throw forbidden(user, a);
}
