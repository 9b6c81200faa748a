// pods/ephemeralcontainers: PATCH (json, merge, strategic) and PUT, with the apiserver's
// validation (422), resourceVersion conflicts (409), Pod Security admission (403).
import { ApiError, conflict, invalid, type FieldError } from './apiError.js';
import { parseJson } from './http.js';
import { applyPatch } from './patch.js';
import { PODS, type PodRuntime } from './podRuntime.js';
import type { LabUser } from './rbac.js';
import { findResourceType } from './resources.js';
import { isRecord, type ContainerSpec, type KObject } from './types.js';

const NAMESPACES = findResourceType('', 'v1', 'namespaces') as NonNullable<ReturnType<typeof findResourceType>>;
const BASELINE_CAPS = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function patchEphemeral(rt: PodRuntime, ns: string, name: string, method: 'PATCH' | 'PUT', contentType: string, body: Buffer, _user: LabUser): KObject {
  const cur = rt.store.mustGet(PODS, ns, name);
  let next: KObject;
  let expectedRv: string | undefined;
  if (method === 'PUT') {
    const ct = contentType.split(';')[0].trim();
    if (ct && ct !== 'application/json') throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
    const b = parseJson(body);
    if (!isRecord(b) || !isRecord(b.metadata) || !isRecord(b.spec)) throw new ApiError(400, 'BadRequest', 'the body must be a Pod');
    next = b as unknown as KObject;
    if (next.metadata.name !== name) throw new ApiError(400, 'BadRequest', `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`);
    expectedRv = typeof next.metadata.resourceVersion === 'string' ? next.metadata.resourceVersion : undefined;
  } else {
    const patched = applyPatch(contentType, cur, parseJson(body));
    if (!isRecord(patched) || !isRecord(patched.metadata)) throw new ApiError(422, 'Invalid', 'the patch produced an object without metadata');
    next = patched as unknown as KObject;
    expectedRv = next.metadata.resourceVersion !== cur.metadata.resourceVersion ? next.metadata.resourceVersion : undefined;
  }
  // As in the apiserver's store, the resourceVersion precondition is checked before validation.
  if (expectedRv && expectedRv !== cur.metadata.resourceVersion) throw conflict('pods', '', name);
  const oldEph = (cur.spec?.ephemeralContainers as ContainerSpec[] | undefined) ?? [];
  const newEphRaw = next.spec?.ephemeralContainers;
  const newEph = (Array.isArray(newEphRaw) ? newEphRaw : []) as ContainerSpec[];
  const errs = validate(cur, oldEph, newEph);
  if (errs.length) throw invalid('Pod', name, errs);
  const added = newEph.filter((e) => !oldEph.some((o) => o.name === e.name));
  podSecurity(rt, ns, name, added);
  for (const e of added) {
    e.terminationMessagePath ??= '/dev/termination-log';
    e.terminationMessagePolicy ??= 'File';
    e.imagePullPolicy ??= 'IfNotPresent';
    e.resources ??= {};
  }
  // Only spec.ephemeralContainers changes through this subresource; the rest is the stored pod.
  const stored = rt.store.mustGet(PODS, ns, name);
  stored.spec = { ...stored.spec, ephemeralContainers: newEph };
  const result = rt.store.update(PODS, stored, expectedRv ?? undefined);
  for (const e of added) rt.startEphemeral(ns, name, e);
  return result;
}

function validate(pod: KObject, oldEph: ContainerSpec[], newEph: ContainerSpec[]): FieldError[] {
  const errs: FieldError[] = [];
  const regular = ((pod.spec?.containers as ContainerSpec[] | undefined) ?? []).map((c) => c.name);
  const seen = new Set<string>(regular);
  newEph.forEach((e, i) => {
    const f = `spec.ephemeralContainers[${i}]`;
    if (!isRecord(e)) { errs.push({ type: 'Invalid', field: f, detail: 'must be an object' }); return; }
    if (!e.name) errs.push({ type: 'Required', field: `${f}.name`, detail: '' });
    else if (!NAME_RE.test(e.name)) errs.push({ type: 'Invalid', field: `${f}.name`, detail: `"${e.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character` });
    else if (seen.has(e.name)) errs.push({ type: 'Duplicate', field: `${f}.name`, detail: `"${e.name}"` });
    if (e.name) seen.add(e.name);
    if (!e.image) errs.push({ type: 'Required', field: `${f}.image`, detail: '' });
    if (e.targetContainerName && !regular.includes(e.targetContainerName)) errs.push({ type: 'NotFound', field: `${f}.targetContainerName`, detail: `"${e.targetContainerName}"` });
    for (const k of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle']) {
      if (e[k] !== undefined) errs.push({ type: 'Forbidden', field: `${f}.${k}`, detail: 'cannot be set for an Ephemeral Container' });
    }
  });
  for (const o of oldEph) {
    const n = newEph.find((e) => e.name === o.name);
    if (!n) errs.push({ type: 'Forbidden', field: 'spec.ephemeralContainers', detail: `existing ephemeral containers "${o.name}" may not be removed` });
    else if (canonical(stripDefaults(n)) !== canonical(stripDefaults(o))) errs.push({ type: 'Forbidden', field: 'spec.ephemeralContainers', detail: `existing ephemeral containers "${o.name}" may not be changed` });
  }
  return errs;
}

/** JSON with sorted keys, so that equal containers compare equal whatever the key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function stripDefaults(c: ContainerSpec): ContainerSpec {
  const { terminationMessagePath: _a, terminationMessagePolicy: _b, imagePullPolicy: _c, resources: _d, ...rest } = c;
  return rest as ContainerSpec;
}

/** Pod Security admission (baseline/restricted) for the new ephemeral containers. */
function podSecurity(rt: PodRuntime, ns: string, pod: string, added: ContainerSpec[]): void {
  const nsObj = rt.store.get(NAMESPACES, undefined, ns);
  const level = nsObj?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
  if (level !== 'baseline' && level !== 'restricted') return;
  const version = nsObj?.metadata.labels?.['pod-security.kubernetes.io/enforce-version'] ?? 'latest';
  const reasons: string[] = [];
  const priv = added.filter((c) => c.securityContext?.privileged === true).map((c) => `container "${c.name}" must not set securityContext.privileged=true`);
  if (priv.length) reasons.push(`privileged (${priv.join(', ')})`);
  const caps = added.map((c) => ({ c, bad: (c.securityContext?.capabilities?.add ?? []).filter((x) => !BASELINE_CAPS.includes(x)) })).filter((x) => x.bad.length);
  if (caps.length) {
    reasons.push(`non-default capabilities (${caps.map(({ c, bad }) => `container "${c.name}" must not include ${[...bad].sort().map((b) => `"${b}"`).join(', ')} in securityContext.capabilities.add`).join('; ')})`);
  }
  if (reasons.length) {
    throw new ApiError(403, 'Forbidden', `pods "${pod}" is forbidden: violates PodSecurity "${level}:${version}": ${reasons.join(', ')}`, { name: pod, kind: 'pods' });
  }
}
