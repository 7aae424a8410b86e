/**
 * The one seam between the movers and @aws-sdk/client-ec2: a `Caller` runs
 * one API call with an AbortSignal and returns a result value. Behaviour is
 * added by wrapping (withLeaseGuard, withRetry), never by flags inside.
 */
import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { classifySdkError, ok, type CloudResult } from './cloud-result.ts';
import { deadline } from '../ports/deadline.ts';

export interface Ec2Call<O> {
  /** The API action's name, for logs and errors. */
  action: string;
  mutating: boolean;
  run: (client: EC2Client, signal: AbortSignal) => Promise<O>;
}

export type Caller = <O>(call: Ec2Call<O>, signal: AbortSignal) => Promise<CloudResult<O>>;

/** A single call has at most this long, whatever the lease leaves: a hung connection must not hold the loop. */
export const CALL_TIMEOUT_MS = 5_000;

/**
 * Credentials and endpoint come from the SDK's default chain (environment,
 * shared config, instance role; AWS_ENDPOINT_URL_EC2 for a private endpoint).
 * The SDK's own retries are off (maxAttempts 1): withRetry retries instead,
 * because every attempt must pass the lease check first.
 * The user agent names the director so CloudTrail (and the test endpoint) can tell callers apart.
 */
export function createEc2Client(opts: { region?: string; directorId: string; overrides?: Partial<EC2ClientConfig> }): EC2Client {
  return new EC2Client({
    region: opts.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
    maxAttempts: 1,
    customUserAgent: `vigil-director/${opts.directorId}`,
    ...opts.overrides,
  });
}

export function sdkCaller(client: EC2Client, callTimeoutMs = CALL_TIMEOUT_MS): Caller {
  return async (call, signal) => {
    const bounded = deadline(callTimeoutMs, call.action, signal);
    try {
      return ok(await call.run(client, bounded.signal));
    } catch (err) {
      return classifySdkError(err, call.action);
    } finally {
      bounded.clear();
    }
  };
}
