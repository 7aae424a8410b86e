/**
 * keepalived's smtp_alert mail for a real server that fails and comes back, the
 * shim's (`vigil shim --local`) against Debian's keepalived 2.2.7 -C, both
 * checking a real TCP listener that the scenario closes and reopens, inside a
 * User-Mode Linux kernel (keepalived's checker will not start without IPVS).
 * A real SMTP server (python3-aiosmtpd) receives both; each mail is compared
 * field by field, the Date's value aside. See inside/rs-mail-steps.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { nodeInUml, steps, umlUnavailable, type UmlRun } from '../ipvs/uml.ts';
import { keepalivedUnavailable } from '../vrrp/lab.ts';
import { aiosmtpdUnavailable, subjectOf, type ReceivedMail } from './mailbox.ts';
import { DOWN, QUORUM_DOWN, QUORUM_UP, UP } from './inside/rs-subjects.ts';
import { expectSameMail } from './same-mail.ts';

const skip = umlUnavailable() ?? keepalivedUnavailable() ?? aiosmtpdUnavailable();

describe.skipIf(!!skip)(skipTitle('smtp_alert mail for a real server down and up, as keepalived 2.2.7 -C sends it (UML kernel)', skip), () => {
  let run: UmlRun;
  let mails: Map<string, ReceivedMail[]>;
  let metrics: string[];

  beforeAll(async () => {
    run = await nodeInUml('test/mail/inside/rs-mail-steps.ts', [], { timeoutMs: 200_000, addrs: ['192.168.0.254/16'] });
    const got = steps(run.stdout);
    mails = new Map(got.map((s) => [String(s.name), s.mails as ReceivedMail[]]));
    metrics = (got.find((s) => s.name === 'shim')?.metrics as string[] | undefined) ?? [];
  }, 240_000);

  const why = () => `exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${run.stderr.slice(-6000)}`;
  /** Mail with one subject in the order it arrived (keepalived sends the quorum's and the server's at once, on two connections). */
  const bySubject = (kind: string, subject: string) => (mails.get(kind) ?? []).filter((m) => subjectOf(m) === subject);

  it('the shim sends the mails keepalived sends, as many of each', () => {
    const count = (kind: string) => Object.fromEntries([...new Set((mails.get(kind) ?? []).map(subjectOf))].sort().map((s) => [s, bySubject(kind, s).length]));
    expect(count('keepalived'), why()).toMatchObject({ [DOWN]: 1, [UP]: 1, [QUORUM_DOWN]: 1 });
    expect(count('shim'), why()).toEqual(count('keepalived'));
  });

  for (const subject of [DOWN, QUORUM_DOWN, UP, QUORUM_UP]) {
    it(`"${subject}": each of the shim's mails is keepalived's`, () => {
      const theirs = bySubject('keepalived', subject);
      const ours = bySubject('shim', subject);
      expect(theirs.length, `keepalived's mail; ${why()}`).toBeGreaterThan(0);
      expect(ours.length, `the shim's mail; ${why()}`).toBe(theirs.length);
      theirs.forEach((m, i) => expectSameMail(ours[i]!, m));
    });
  }

  it('the shim counts what it sent in /metrics', () => {
    expect(metrics.join('\n'), why()).toMatch(/^vigil_shim_mail_sent_total [4-9]/m);
  });
});
