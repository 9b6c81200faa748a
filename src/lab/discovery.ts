// Discovery documents (legacy, non-aggregated: clients fall back to them when the
// response Content-Type is plain application/json) and /version.
import { RESOURCE_TYPES, apiVersionOf } from './resources.js';

export const SERVER_VERSION = {
  major: '1', minor: '32', gitVersion: 'v1.32.4', gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean', buildDate: '2025-04-22T16:02:27Z', goVersion: 'go1.23.6', compiler: 'gc', platform: 'linux/amd64',
};

const AUTHZ_GROUP = 'authorization.k8s.io';

export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of RESOURCE_TYPES) if (t.group) seen.set(`${t.group}/${t.version}`, { group: t.group, version: t.version });
  seen.set(`${AUTHZ_GROUP}/v1`, { group: AUTHZ_GROUP, version: 'v1' });
  return [...seen.values()];
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(): Record<string, unknown> {
  const groups = groupVersions().map(({ group, version }) => {
    const gv = { groupVersion: `${group}/${version}`, version };
    return { name: group, versions: [gv], preferredVersion: gv };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(group: string): Record<string, unknown> | undefined {
  const g = groupVersions().find((x) => x.group === group);
  if (!g) return undefined;
  const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: g.group, versions: [gv], preferredVersion: gv };
}

export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const groupVersion = group ? `${group}/${version}` : version;
  if (group === AUTHZ_GROUP && version === 'v1') {
    return {
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion,
      resources: [{ name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] }],
    };
  }
  const types = RESOURCE_TYPES.filter((t) => apiVersionOf(t) === groupVersion);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}), ...(t.categories ? { categories: t.categories } : {}),
    });
    for (const s of t.subresources ?? []) {
      resources.push({ name: `${t.resource}/${s.name}`, singularName: '', namespaced: t.namespaced, kind: s.kind, verbs: s.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}
