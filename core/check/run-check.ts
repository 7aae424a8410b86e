import type { Check } from '../config/checks.ts';
import type { EffectiveTiming } from '../config/effective.ts';
import { runDnsCheck } from './dns.ts';
import { runMiscCheck, runPingCheck, runUdpCheck } from './host-checks.ts';
import { runHttpCheck, type HttpTarget } from './http-get.ts';
import type { CheckPorts, RunContext } from './ports.ts';
import { failResult, type CheckResult } from './result.ts';
import { runSmtpCheck, runTcpCheck } from './tcp-smtp.ts';

/**
 * One run of one checker: (config, target, ports) → result. Never throws for
 * anything a backend can do; an unexpected exception is a bug and is reported
 * as protocol_error with its message rather than killing the prober loop.
 */
export async function runCheck(check: Check, target: HttpTarget, ports: CheckPorts, ctx: RunContext): Promise<CheckResult> {
  try {
    switch (check.type) {
      case 'HTTP_GET':
      case 'SSL_GET':
        return await runHttpCheck(check, target, ports, ctx);
      case 'TCP_CHECK':
        return await runTcpCheck(check, target, ports, ctx);
      case 'SMTP_CHECK':
        return await runSmtpCheck(check, target, ports, ctx);
      case 'DNS_CHECK':
        return await runDnsCheck(check, target, ports, ctx);
      case 'UDP_CHECK':
        return await runUdpCheck(check, target, ports, ctx);
      case 'PING_CHECK':
        return await runPingCheck(check, target, ports, ctx);
      case 'MISC_CHECK':
        return await runMiscCheck(check, ports, ctx);
      case 'FILE_CHECK':
      case 'BFD_CHECK':
        return failResult('unsupported', 0, `${check.type} is tracked on the director, not probed`);
    }
  } catch (err) {
    return failResult('protocol_error', 0, `internal error: ${(err as Error).message}`);
  }
}

/**
 * The deadline one run gets: connect_timeout for network checks (each phase,
 * see session.ts); for MISC_CHECK misc_timeout, else delay_loop, as keepalived.
 */
export function timeoutFor(check: Check, timing: Pick<EffectiveTiming, 'connectTimeoutMs' | 'delayLoopMs'>): number {
  if (check.type === 'MISC_CHECK') return check.miscTimeoutMs ?? timing.delayLoopMs;
  return timing.connectTimeoutMs;
}
