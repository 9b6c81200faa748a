// Errors answered as metav1.Status objects, with the reasons and messages of kube-apiserver.

export interface StatusDetails { name?: string; group?: string; kind?: string; causes?: { reason?: string; message: string; field?: string }[] }

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: StatusDetails) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    const s: Record<string, unknown> = {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason,
    };
    if (this.details) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

/** "pods" + "x" → `pods "x"`; resource names are the plural, with group as real errors print it. */
function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(resource: string, group: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`,
    { name, ...(group ? { group } : {}), kind: resource });
}

export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`,
    { name, ...(group ? { group } : {}), kind: resource });
}

export function conflict(resource: string, group: string, name: string): ApiError {
  return new ApiError(409, 'Conflict',
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...(group ? { group } : {}), kind: resource });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export interface FieldError { type: 'Required' | 'Invalid' | 'Forbidden' | 'Duplicate' | 'NotFound' | 'NotSupported'; field: string; detail: string }

/** 422, formatted like apimachinery's field.ErrorList aggregation. */
export function invalid(kind: string, name: string, errs: FieldError[]): ApiError {
  const text = (e: FieldError): string => {
    switch (e.type) {
      case 'Required': return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
      case 'Forbidden': return `${e.field}: Forbidden: ${e.detail}`;
      case 'Duplicate': return `${e.field}: Duplicate value: ${e.detail}`;
      case 'NotFound': return `${e.field}: Not found: ${e.detail}`;
      case 'NotSupported': return `${e.field}: Unsupported value: ${e.detail}`;
      default: return `${e.field}: Invalid value: ${e.detail}`;
    }
  };
  const parts = errs.map(text);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, {
    name, kind, causes: errs.map((e) => ({ reason: `Field${e.type === 'Required' ? 'ValueRequired' : e.type === 'Invalid' ? 'ValueInvalid' : `Value${e.type}`}`, message: text(e).slice(e.field.length + 2), field: e.field })),
  });
}

export function unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
  return new ApiError(415, 'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    contentType ? undefined : undefined);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}
