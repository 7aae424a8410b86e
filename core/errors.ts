/** Stable error codes: callers branch on `code`, never on message text. */
export type VigilErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_CONFIG_IO'
  | 'ERR_USAGE'
  | 'ERR_INTERNAL';

export class VigilError extends Error {
  readonly code: VigilErrorCode;
  readonly retryable: boolean;
  override readonly cause?: unknown;

  constructor(code: VigilErrorCode, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message);
    this.name = 'VigilError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.cause = opts.cause;
  }
}
