// The buttons an error message of a capture offers, chosen by the error's code (the message is
// for the person, never parsed). No `vscode` import: captureCommands.ts shows them.
import type { ProblemCode } from '../../core/util/problem.js';

/** A button of an error message: its title, and the command (`?arg` for one argument) it runs. */
export type Fix = [title: string, command: string];

/** The next steps an error offers, chosen by its code (the message is for the person). */
export function fixesFor(code: ProblemCode | undefined): Fix[] {
  const log: Fix = ['Show Log', 'falcoshark.showLog'];
  switch (code) {
    case 'no-kubeconfig': return [['Pick a Context', 'falcoshark.pickContext']];
    case 'forbidden': case 'unauthorized': return [['Pick Another Context', 'falcoshark.pickContext'], log];
    case 'image': return [['Set the Capture Image', 'workbench.action.openSettings?falcoshark.capture.image']];
    case 'pod-security': case 'capture-container': return [['Set the Capture Method', 'workbench.action.openSettings?falcoshark.capture.method'], log];
    case 'plan': case 'filter': return [['Open Settings', 'workbench.action.openSettings?falcoshark.capture']];
    case 'not-found': case 'unreachable': case 'server-error': case 'pod-gone': case 'no-falco-pods': case 'sidecar': case 'bad-request': case undefined: return [log];
    default: { const never: never = code; return never; }
  }
}

