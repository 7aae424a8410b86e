import type { CheckPorts, RunScript } from '../../core/check/ports.ts';
import type { ScriptPolicy } from '../../core/check/script-policy.ts';
import { runProcess } from './node-process.ts';
import { prepareScript } from './script-security.ts';

/**
 * MISC_CHECK as a host runs it: as the user core's policy names, refused
 * (reason `script_refused`, with a log line saying why) when that user does
 * not exist or enable_script_security finds the path writable by others.
 */
export function scriptRunner(policy: ScriptPolicy, log?: (line: string) => void): RunScript {
  // Each refusal is logged once per runner (one per config), not at every delay_loop.
  const logged = new Set<string>();
  return async (o) => {
    const p = prepareScript(o.argv, { user: o.user, group: o.group }, policy);
    if (!p.ok) {
      const line = `script refused: ${o.argv[0] ?? ''}: ${p.message}`;
      if (!logged.has(line)) log?.(line);
      logged.add(line);
      return { kind: 'refused', message: p.message };
    }
    return runProcess({ argv: p.argv, timeoutMs: o.timeoutMs, signal: o.signal, uid: p.uid, gid: p.gid });
  };
}

/** A host that has not opted in: nothing runs, every script is `script_refused`. */
export function refuseScripts(message: string): RunScript {
  return async () => ({ kind: 'refused', message });
}

/** `ports` with scripts run under `policy` (a config's global_defs). */
export function withScripts(ports: CheckPorts, policy: ScriptPolicy, log?: (line: string) => void): CheckPorts {
  return { ...ports, runScript: scriptRunner(policy, log) };
}
