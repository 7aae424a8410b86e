import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Stable API error codes: clients branch on `code`, never on the message. */
export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_config'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'upgrade_required'
  | 'internal';

const STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  invalid_config: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  internal: 500,
};

/** The JSON body of every error the API returns. */
export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  path?: string;
  /** For invalid_config: every diagnostic as `file:line:col: severity: message`. */
  errors?: string[];
}

/** An error that knows its own response; `app.onError` turns it into JSON with its status. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { path?: string; errors?: string[] } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }

  body(): ApiErrorBody {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

/** Board methods return results instead of throwing across RPC (an RPC exception loses its class). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

export function fail(code: ApiErrorCode, message: string, extra: { path?: string; errors?: string[] } = {}): { ok: false; error: ApiErrorBody } {
  return { ok: false, error: { code, message, ...extra } };
}

export function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  const { code, message, ...extra } = o.error;
  throw new ApiError(code, message, extra);
}
