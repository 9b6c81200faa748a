// What went wrong, as a code the front-ends switch on (the extension's fix-it buttons and
// welcome states, a CLI's exit), carried by the core's error classes and by source status
// events. The message stays for people; no front-end reads it to decide anything.

export type ProblemCode =
  /** No kubeconfig, no such context, or one that cannot be loaded. */
  | 'no-kubeconfig'
  /** The API refused the request (RBAC, HTTP 403). */
  | 'forbidden'
  /** The credentials were refused (HTTP 401). */
  | 'unauthorized'
  /** What was asked for does not exist (HTTP 404). */
  | 'not-found'
  /** The server could not be reached (DNS, refused, timeout). */
  | 'unreachable'
  /** The server answered with another error, or with something that is not an answer. */
  | 'server-error'
  /** Pod Security refused the capture container. */
  | 'pod-security'
  /** The capture container's image cannot be pulled or started. */
  | 'image'
  /** The ephemeral capture container cannot run here (disabled, refused, exited, too slow). */
  | 'capture-container'
  /** The pod is gone or not running. */
  | 'pod-gone'
  /** The capture cannot be planned (a name, a setting, a flag, the alert's context). */
  | 'plan'
  /** The capture filter does not compile. */
  | 'filter'
  /** No Falco pods match the selector. */
  | 'no-falco-pods'
  /** A capture's sidecar is not one falcoshark reads. */
  | 'sidecar'
  /** A request (to the recorder, from the network) is not one we accept. */
  | 'bad-request';

/** The base of the core's errors: each carries a code (and the facts in its own fields). */
export abstract class CodedError extends Error {
  abstract readonly code: ProblemCode;
}

/** The code of an error, when it has one. */
export function problemCode(e: unknown): ProblemCode | undefined {
  return e instanceof CodedError ? e.code : undefined;
}

/** The code for an HTTP status (undefined: no answer came). */
export function codeOfStatus(status: number | undefined): ProblemCode {
  if (status === undefined) return 'unreachable';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  return 'server-error';
}
