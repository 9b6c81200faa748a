// Bearer tokens → users → roles, and the apiserver's Forbidden messages.
import { randomBytes } from 'node:crypto';
import { ApiError } from './apiError.js';

export type RoleName = 'admin' | 'falcoshark' | 'readonly' | 'no-ephemeral';
export const ROLE_NAMES: RoleName[] = ['admin', 'falcoshark', 'readonly', 'no-ephemeral'];

interface Rule { groups: string[]; resources: string[]; verbs: string[] }

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
    && (r.verbs.includes('*') || r.verbs.includes(a.verb)));
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
