// The plan of a capture cut from the recorder: the window around the alert's time, the session's
// clock for the rest of it, and the exact alerted connection marked (a live capture marks every
// connection to the alerted server, since the alerted one is over by the time it starts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlert } from '../../../src/core/alerts/alertParser.js';
import { planFromAlert } from '../../../src/core/capture/capturePlan.js';
import { makeFlowMatcher } from '../../../src/core/capture/flowMatcher.js';
import { planComment } from '../../../src/core/capture/planText.js';
import { recordedPlan, RecorderError } from '../../../src/core/recorder/recordedCapture.js';
import { directTransport } from '../../../src/core/recorder/recorderTransport.js';

const line = JSON.stringify({ time: '2026-12-01T08:16:05.123456789Z', rule: 'Outbound Connection to C2 Servers', priority: 'Warning', source: 'syscall',
  output: 'x', output_fields: { 'fd.name': '10.244.0.12:56116->203.0.113.66:4444', 'fd.l4proto': 'tcp', 'k8s.ns.name': 'shop', 'k8s.pod.name': 'api-7d9c', 'evt.time': 1 } });
const EP = { transport: directTransport('http://10.98.0.2:2803/', 't'.repeat(20)), name: 'falcoshark/falcoshark-recorder-x on node n1', node: 'n1' };

describe('recordedPlan', () => {
  const p = parseAlert(line);
  assert.ok(p.ok);
  const alert = p.alert;
  const live = planFromAlert(alert);

  it('cuts 60 s before → 30 s after the alert, with the session\'s clock set to what is left of it', () => {
    const plan = recordedPlan(live, alert, EP, { beforeSeconds: 60, afterSeconds: 30 }, Date.parse('2026-12-01T08:16:10Z'));
    assert.equal(plan.method, 'recorder');
    assert.deepEqual(plan.recorded, { recorder: EP.name, alertTime: '2026-12-01T08:16:05.123456789Z', beforeSeconds: 60, afterSeconds: 30,
      from: '2026-12-01T08:15:05.123456789Z', to: '2026-12-01T08:16:35.123456789Z' });
    assert.equal(plan.caps.durationSeconds, 26 + 10);
    assert.equal(plan.target.kind === 'pod' && plan.target.node, 'n1');
    assert.equal(plan.filter.bpf, live.filter.bpf, 'the capture filter is the live one: the server and DNS');
    assert.match(planComment(plan).join('\n'), /recorded: 60 s before → 30 s after the alert at 2026-12-01T08:16:05\.123456789Z/);
  });

  it('marks the exact alerted connection and gives Wireshark its display filter', () => {
    const plan = recordedPlan(live, alert, EP, { beforeSeconds: 60, afterSeconds: 30 }, 0);
    assert.equal(plan.filter.display, 'ip.addr==10.244.0.12 && ip.addr==203.0.113.66 && tcp.port==56116 && tcp.port==4444');
    assert.equal(plan.flow?.client?.port, 56116);
    assert.equal(live.flow?.client?.port, undefined, 'the live plan marks the server\'s connections');
    assert.ok(makeFlowMatcher(plan.flow!));
  });

  it('refuses an alert without a time: there is no window', () => {
    assert.throws(() => recordedPlan(live, { ...alert, time: null }, EP, { beforeSeconds: 60, afterSeconds: 30 }, 0), RecorderError);
  });
});
