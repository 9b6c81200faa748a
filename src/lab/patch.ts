// The three patch formats of PATCH requests: JSON Patch (RFC 6902), JSON merge patch
// (RFC 7386) and a strategic merge patch for the Pod fields that carry merge keys.
import { ApiError } from './apiError.js';
import { clone, isRecord } from './types.js';

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'];

function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

function unescape(tok: string): string {
  return tok.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw unprocessable(`invalid JSON pointer "${p}"`);
  return p.slice(1).split('/').map(unescape);
}

type Container = Record<string, unknown> | unknown[];

function resolveParent(doc: unknown, toks: string[]): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const t of toks.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isRecord(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw unprocessable(`doc is missing path: "/${toks.join('/')}": missing value`);
  }
  if (!Array.isArray(cur) && !isRecord(cur)) throw unprocessable(`doc is missing path: "/${toks.join('/')}": missing value`);
  return { parent: cur, key: toks[toks.length - 1] };
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isRecord(cur)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target);
  for (const raw of patch) {
    if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw unprocessable('invalid JSON Patch operation');
    const op = raw.op;
    const toks = parsePointer(raw.path);
    if (toks.length === 0) {
      if (op === 'replace' || op === 'add') { doc = clone(raw.value); continue; }
      throw unprocessable(`unsupported operation on the document root: ${op}`);
    }
    const value = (): unknown => (op === 'move' || op === 'copy' ? clone(getAt(doc, String(raw.from))) : clone(raw.value));
    const { parent, key } = resolveParent(doc, toks);
    switch (op) {
      case 'add': case 'copy': case 'move': {
        const v = value();
        if (v === undefined) throw unprocessable(`Unable to ${op}: missing value`);
        if (op === 'move') removeAt(doc, parsePointer(String(raw.from)));
        if (Array.isArray(parent)) {
          const i = key === '-' ? parent.length : Number(key);
          if (!Number.isInteger(i) || i < 0 || i > parent.length) throw unprocessable(`Unable to access invalid index: ${key}`);
          parent.splice(i, 0, v);
        } else parent[key] = v;
        break;
      }
      case 'remove': removeAt(doc, toks); break;
      case 'replace': {
        if (Array.isArray(parent)) {
          const i = Number(key);
          if (!(i >= 0 && i < parent.length)) throw unprocessable(`replace operation does not apply: doc is missing key: ${raw.path}: missing value`);
          parent[i] = clone(raw.value);
        } else {
          if (!(key in parent)) throw unprocessable(`replace operation does not apply: doc is missing key: ${raw.path}: missing value`);
          parent[key] = clone(raw.value);
        }
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) throw unprocessable(`testing value ${raw.path} failed: test failed`);
        break;
      default: throw unprocessable(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

function removeAt(doc: unknown, toks: string[]): void {
  const { parent, key } = resolveParent(doc, toks);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) throw unprocessable(`Unable to remove nonexistent key: ${key}: missing value`);
    parent.splice(i, 1);
  } else {
    if (!(key in parent)) throw unprocessable(`Unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
  }
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const out: Record<string, unknown> = isRecord(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** Lists merged by key in a strategic merge patch (field name → merge key), per the Pod schema. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', volumes: 'name', env: 'name',
  volumeMounts: 'mountPath', ports: 'containerPort', ownerReferences: 'uid', conditions: 'type', tolerations: 'key',
};

export function applyStrategicMerge(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) throw new ApiError(400, 'BadRequest', 'strategic merge patch must be a JSON object');
  const out: Record<string, unknown> = isRecord(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k.startsWith('$deleteFromPrimitiveList/')) continue;
    if (k === '$patch' || v === undefined) continue;
    if (v === null) { delete out[k]; continue; }
    const mk = MERGE_KEYS[k];
    if (mk && Array.isArray(v)) {
      const cur = Array.isArray(out[k]) ? (out[k] as unknown[]).map((x) => clone(x)) : [];
      for (const item of v) {
        if (!isRecord(item)) throw unprocessable(`${k}: merge list items must be objects with "${mk}"`);
        const idx = cur.findIndex((c) => isRecord(c) && c[mk] === item[mk]);
        if (item.$patch === 'delete') { if (idx >= 0) cur.splice(idx, 1); continue; }
        if (idx >= 0) cur[idx] = applyStrategicMerge(cur[idx], item);
        else cur.push(applyStrategicMerge({}, item));
      }
      out[k] = cur;
    } else if (isRecord(v)) {
      if (v.$patch === 'replace') { const r = clone(v); delete r.$patch; out[k] = r; } else out[k] = applyStrategicMerge(out[k], v);
    } else out[k] = clone(v);
  }
  return out;
}

export function applyPatch(contentType: string, target: unknown, patch: unknown): unknown {
  const ct = contentType.split(';')[0].trim().toLowerCase();
  switch (ct) {
    case 'application/json-patch+json': return applyJsonPatch(target, patch);
    case 'application/merge-patch+json': return applyMergePatch(target, patch);
    case 'application/strategic-merge-patch+json': return applyStrategicMerge(target, patch);
    default:
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`);
  }
}
