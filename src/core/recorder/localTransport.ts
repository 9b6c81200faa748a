// The recorder's own captures (its alert webhook): the same cut request as over HTTP, answered
// in-process by the recorder itself, so that a capture it keeps is made exactly as one serve
// asks for (recordedCapture.ts) — request checked, filter compiled, held part then live part.
import { nsToIso } from '../alerts/alertTime.js';
import { checkCutRequest, CutError, startCut } from './cut.js';
import type { FlightRecorder } from './flightRecorder.js';
import type { RecorderTransport, TransportResponse } from './recorderTransport.js';

const answer = (status: number, body: unknown): TransportResponse => ({
  status, header: () => undefined, body: (async function* () { /* empty */ })(), text: async () => JSON.stringify(body),
});

export function localTransport(recorder: FlightRecorder, node: string): RecorderTransport {
  return {
    describe: `this recorder (node ${node})`,
    async request(method, path, body, signal) {
      if (method !== 'POST' || path !== 'api/v1/cut') return answer(404, { error: 'not-found', reason: `no ${method} ${path}` });
      let cut;
      try {
        cut = await startCut(recorder, checkCutRequest(JSON.parse(body ?? 'null') as unknown, recorder.hostMode), { node });
      } catch (e) {
        if (e instanceof CutError) return answer(e.status, { error: e.code, reason: e.message });
        if (e instanceof SyntaxError) return answer(400, { error: 'bad-request', reason: e.message });
        throw e;
      }
      signal.addEventListener('abort', () => cut.cancel(), { once: true });
      const held = cut.info.heldFromNs !== undefined ? nsToIso(cut.info.heldFromNs) : undefined;
      return { status: 200, header: (n) => (n.toLowerCase() === 'x-falcoshark-held-from' ? held : undefined), body: cut.stream, text: async () => '' };
    },
  };
}
