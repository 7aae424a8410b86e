/**
 * Vigil's one error type. Whatever crosses a module boundary as an error is a
 * VigilError with a stable code: callers, API clients and tests branch on
 * `code`, never on message text. Expected outcomes (a check that fails, a
 * stale verdict, a config warning, a refused snapshot) stay values in result
 * unions; this is for what a caller cannot carry on from.
 *
 * The API's error body is `{ code, message, path? }` with these same codes,
 * and each code knows its HTTP status, so one `onError` answers for all.
 */
const CODES = {
  // Requests and their bodies (the API, the CLI).
  ERR_BAD_REQUEST: { status: 400, retryable: false },
  ERR_CONFIG: { status: 400, retryable: false },
  ERR_UNAUTHORIZED: { status: 401, retryable: false },
  /** A dashboard link's one-time code used twice, or presented as a bearer token. */
  ERR_ONE_TIME_CODE: { status: 401, retryable: false },
  /** A dashboard session token past its expiry. */
  ERR_SESSION_EXPIRED: { status: 401, retryable: false },
  ERR_FORBIDDEN: { status: 403, retryable: false },
  ERR_NOT_FOUND: { status: 404, retryable: false },
  ERR_PRECONDITION_FAILED: { status: 412, retryable: false },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  ERR_UPGRADE_REQUIRED: { status: 426, retryable: false },
  ERR_USAGE: { status: 400, retryable: false },
  // Files and the host.
  ERR_CONFIG_IO: { status: 500, retryable: false },
  // The Board as a client sees it: an answer that is not a known error body, or none in time.
  ERR_BOARD_HTTP: { status: 502, retryable: true },
  ERR_BOARD_TIMEOUT: { status: 504, retryable: true },
  // Checks.
  ERR_PROBE_TIMEOUT: { status: 504, retryable: true },
  ERR_TLS: { status: 502, retryable: true },
  // The kernel's IPVS table.
  ERR_IPVS_READ: { status: 500, retryable: true },
  ERR_IPVS_APPLY: { status: 500, retryable: true },
  ERR_IPVS_PARSE: { status: 500, retryable: true },
  ERR_IPVS_TIMEOUT: { status: 504, retryable: true },
  // Cloud address moves and their leases.
  ERR_CLOUD_REQUEST: { status: 400, retryable: false },
  ERR_CLOUD_SERVER: { status: 502, retryable: true },
  ERR_CLOUD_THROTTLED: { status: 429, retryable: true },
  ERR_CLOUD_TIMEOUT: { status: 504, retryable: true },
  ERR_LEASE_LOST: { status: 409, retryable: false },
  // A bug or a broken deployment (a secret that does not parse).
  ERR_INTERNAL: { status: 500, retryable: false },
} as const;

export type VigilErrorCode = keyof typeof CODES;
export const VIGIL_ERROR_CODES = Object.keys(CODES) as [VigilErrorCode, ...VigilErrorCode[]];

/** What an error says about itself on the wire: `path` names the offending field or `file:line:col`. */
export interface VigilErrorBody {
  code: VigilErrorCode;
  message: string;
  path?: string;
  /** For ERR_CONFIG: every diagnostic as `file:line:col: severity: message`. */
  errors?: string[];
}

export interface VigilErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  path?: string;
  errors?: string[];
}

export class VigilError extends Error {
  readonly code: VigilErrorCode;
  readonly retryable: boolean;
  override readonly cause?: unknown;
  readonly path?: string;
  readonly errors?: string[];

  constructor(code: VigilErrorCode, message: string, opts: VigilErrorOptions = {}) {
    super(message);
    this.name = 'VigilError';
    this.code = code;
    this.retryable = opts.retryable ?? CODES[code].retryable;
    this.cause = opts.cause;
    if (opts.path !== undefined) this.path = opts.path;
    if (opts.errors !== undefined) this.errors = opts.errors;
  }

  /** The HTTP status an API answers this error with. */
  get status(): number {
    return CODES[this.code].status;
  }

  body(): VigilErrorBody {
    return { code: this.code, message: this.message, ...(this.path !== undefined ? { path: this.path } : {}), ...(this.errors !== undefined ? { errors: this.errors } : {}) };
  }

  static fromBody(b: VigilErrorBody, cause?: unknown): VigilError {
    return new VigilError(b.code, b.message, { path: b.path, errors: b.errors, cause });
  }
}

/** Whether trying the same thing again may succeed: decided here, once per code. */
export function isRetryable(code: VigilErrorCode): boolean {
  return CODES[code].retryable;
}

export function isVigilErrorCode(code: unknown): code is VigilErrorCode {
  return typeof code === 'string' && Object.hasOwn(CODES, code);
}

/**
 * What a Durable Object's RPC method returns instead of throwing: an RPC
 * exception reaches the caller without its class, so the error travels as its
 * body and is raised again on the near side (unwrap).
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: VigilErrorBody };

export function fail(code: VigilErrorCode, message: string, extra: { path?: string; errors?: string[] } = {}): { ok: false; error: VigilErrorBody } {
  return { ok: false, error: { code, message, ...extra } };
}

export function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  throw VigilError.fromBody(o.error);
}
