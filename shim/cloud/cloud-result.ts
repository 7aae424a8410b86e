/**
 * What a cloud call can come back with. Backends return these values; only
 * programming errors throw. The code is decided once, here, from AWS's
 * error code and HTTP status (and `retryable` from the code, core/errors.ts),
 * so withRetry never parses messages.
 */
import { isRetryable, type VigilErrorCode } from '../../core/errors.ts';

export type CloudErrorCode = Extract<
  VigilErrorCode,
  /** The director's lease is gone (or was never held): no call was made. */
  | 'ERR_LEASE_LOST'
  /** RequestLimitExceeded and its kin: back off and retry. */
  | 'ERR_CLOUD_THROTTLED'
  /** 5xx from the API: retry. */
  | 'ERR_CLOUD_SERVER'
  /** The call's own deadline passed or it was aborted. */
  | 'ERR_CLOUD_TIMEOUT'
  /** Any 4xx that retrying cannot fix (NotFound, bad parameter, no permission). */
  | 'ERR_CLOUD_REQUEST'
>;

export interface CloudFailure {
  code: CloudErrorCode;
  /** AWS's own error code when there was one (InvalidAllocationID.NotFound, …). */
  awsCode?: string;
  message: string;
  retryable: boolean;
}

export type CloudResult<T> = { ok: true; value: T } | { ok: false; error: CloudFailure };

export const ok = <T>(value: T): CloudResult<T> => ({ ok: true, value });
export const fail = (code: CloudErrorCode, message: string, awsCode?: string): CloudResult<never> => ({
  ok: false,
  error: { code, message, awsCode, retryable: isRetryable(code) },
});

const THROTTLE_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException']);

/** Maps an error thrown by @aws-sdk/client-ec2 (or by an aborted fetch) to a failure value. */
export function classifySdkError(err: unknown, action: string): CloudResult<never> {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const message = `${action}: ${name}: ${e?.message ?? String(err)}`;
  if (name === 'AbortError' || name === 'TimeoutError') return fail('ERR_CLOUD_TIMEOUT', message);
  if (THROTTLE_CODES.has(name)) return fail('ERR_CLOUD_THROTTLED', message, name);
  if (status !== undefined && status >= 500) return fail('ERR_CLOUD_SERVER', message, name);
  // No HTTP status at all: the connection failed before an answer (reset, refused); worth retrying.
  if (status === undefined) return fail('ERR_CLOUD_SERVER', message, name);
  return fail('ERR_CLOUD_REQUEST', message, name);
}
