import { PROCESS_QUORUM_MAX, type VrrpTrackProcess } from '../config/track-process.ts';
import { q, seconds, words, type Writer } from './print-writer.ts';

/** `vrrp_track_process` blocks that read back to the same model (read-track-process.ts). */
export function printTrackProcesses(w: Writer, list: VrrpTrackProcess[]): void {
  for (const p of list) {
    w.block(`vrrp_track_process ${q(p.name)}`, () => {
      w.line(words('process', q(p.process), ...p.params.map(q)));
      // Parameters imply param_match exact and full_command; write only what they do not imply.
      if (p.paramMatch === 'partial' || p.paramMatch === 'initial') w.line(`param_match ${p.paramMatch}`);
      else if (p.paramMatch === 'exact' && p.params.length === 0) w.line('param_match');
      else if (p.fullCommand && p.paramMatch === 'none') w.line('full_command');
      if (p.weight !== 0) w.line(words('weight', String(p.weight), p.reverse ? 'reverse' : ''));
      // quorum_max first: each is checked against the other as it is read.
      if (p.quorumMax !== PROCESS_QUORUM_MAX) w.line(`quorum_max ${p.quorumMax}`);
      if (p.quorum !== 1 && p.quorumMax !== 0) w.line(`quorum ${p.quorum}`);
      if (p.terminateDelayMs > 0 && p.terminateDelayMs === p.forkDelayMs) w.line(`delay ${seconds(p.terminateDelayMs)}`);
      else {
        w.timer('terminate_delay', p.terminateDelayMs, 0);
        w.timer('fork_delay', p.forkDelayMs, 0);
      }
    });
  }
}
