// The falcoshark.autoCapture.* settings and how they become a capture policy. No `vscode`
// import: autoCapture.ts hands a getter over, tests hand a plain object. A setting that does
// not make a valid policy turns automatic capture off with the setting's name in the reason
// (a half-understood policy must not start captures).
import { checkPolicy, DEFAULT_POLICY, PolicyError, type CapturePolicyConfig } from '../core/capture/capturePolicy.js';
import type { PlanSettings } from '../core/capture/capturePlan.js';
import type { Getter, Settings } from './settings.js';

export type AutoCaptureConfig =
  | { state: 'off' }
  | { state: 'on'; policy: CapturePolicyConfig }
  | { state: 'invalid'; setting: string; reason: string };

const P = 'falcoshark.autoCapture';
/** The setting (under falcoshark.autoCapture) of each policy field whose name differs. */
const SETTING_OF: Record<string, string> = { 'perPod.max': 'perPodMax', 'perPod.windowSeconds': 'perPodWindowSeconds', diskBudgetBytes: 'diskBudgetMB' };

class SettingError extends Error {
  constructor(readonly setting: string, reason: string) { super(reason); }
}

function names(get: Getter, key: string): string[] | undefined {
  const v = get(`autoCapture.${key}`);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) {
    throw new SettingError(`${P}.${key}`, `must be a list of strings, not ${JSON.stringify(v).slice(0, 80)}`);
  }
  const list = v.map((x) => x.trim()).filter((x) => x !== '');
  return list.length ? [...new Set(list)] : undefined;
}

function count(get: Getter, key: string, dflt: number, max: number): number {
  const v = get(`autoCapture.${key}`);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new SettingError(`${P}.${key}`, `must be a whole number from 1 to ${max}, not ${JSON.stringify(v)}`);
  }
  return v;
}

/** Reads falcoshark.autoCapture.*: off unless `enabled` is true; a bad value names its setting. */
export function readAutoCaptureConfig(get: Getter): AutoCaptureConfig {
  if (get('autoCapture.enabled') !== true) return { state: 'off' };
  try {
    const minPriority = get('autoCapture.minPriority') ?? DEFAULT_POLICY.minPriority;
    if (typeof minPriority !== 'string') throw new SettingError(`${P}.minPriority`, `must be a Falco priority, not ${JSON.stringify(minPriority)}`);
    const include = names(get, 'namespaces.include');
    const exclude = names(get, 'namespaces.exclude');
    const raw: Partial<CapturePolicyConfig> = {
      minPriority: minPriority as CapturePolicyConfig['minPriority'],
      requireNetworkContext: true,
      maxConcurrent: count(get, 'maxConcurrent', DEFAULT_POLICY.maxConcurrent, 20),
      perPod: {
        max: count(get, 'perPodMax', DEFAULT_POLICY.perPod.max, 1000),
        windowSeconds: count(get, 'perPodWindowSeconds', DEFAULT_POLICY.perPod.windowSeconds, 7 * 86_400),
      },
      dedupWindowSeconds: count(get, 'dedupWindowSeconds', DEFAULT_POLICY.dedupWindowSeconds, 7 * 86_400),
      diskBudgetBytes: count(get, 'diskBudgetMB', DEFAULT_POLICY.diskBudgetBytes / (1024 * 1024), 1024 * 1024) * 1024 * 1024,
    };
    const rules = names(get, 'rules');
    const tags = names(get, 'tags');
    if (rules) raw.rules = rules;
    if (tags) raw.tags = tags;
    if (include || exclude) raw.namespaces = { ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) };
    try {
      return { state: 'on', policy: checkPolicy(raw) };
    } catch (e) {
      // checkPolicy names the policy field: the setting it came from is named instead.
      if (!(e instanceof PolicyError)) throw e;
      throw new SettingError(`${P}.${SETTING_OF[e.field] ?? e.field}`, e.message.replace(/^policy \S+ /, ''));
    }
  } catch (e) {
    if (e instanceof SettingError) return { state: 'invalid', setting: e.setting, reason: e.message };
    throw e;
  }
}

/** The policy in one line, for the log. */
export function describePolicy(p: CapturePolicyConfig): string {
  const parts = [`priority ≥ ${p.minPriority}`];
  if (p.rules?.length) parts.push(`rules ${p.rules.map((r) => JSON.stringify(r)).join(', ')}`);
  if (p.tags?.length) parts.push(`tags ${p.tags.join(', ')}`);
  if (p.namespaces?.include?.length) parts.push(`namespaces ${p.namespaces.include.join(', ')}`);
  if (p.namespaces?.exclude?.length) parts.push(`not in ${p.namespaces.exclude.join(', ')}`);
  parts.push(`≤ ${p.maxConcurrent} at once`, `≤ ${p.perPod.max} per pod in ${p.perPod.windowSeconds} s`,
    `same alert once in ${p.dedupWindowSeconds} s`, `disk budget ${Math.round(p.diskBudgetBytes / (1024 * 1024))} MB`);
  return parts.join('; ');
}

/** The plan settings of a capture, the same for manual and automatic captures. */
export function planSettingsOf(s: Settings): PlanSettings {
  return { method: s.capture.method, tool: s.capture.tool, image: s.capture.image, caps: s.capture.caps, maxCaps: s.capture.maxCaps,
    ...(s.context ? { context: s.context } : {}) };
}
