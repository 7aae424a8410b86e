/**
 * The receiving end of the mail tests: Debian's python3-aiosmtpd (smtp-sink.py)
 * writes each accepted message with its envelope to a folder; this reads them
 * back and takes them apart for a field-by-field comparison.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../helpers/eventually.ts';

export const SINK = join(import.meta.dirname, 'smtp-sink.py');
/** Debian's interpreter, where python3-aiosmtpd is installed (a PATH python may be another one). */
export const PYTHON = '/usr/bin/python3';

export function aiosmtpdUnavailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { timeout: 10_000 });
  return r.status === 0 ? null : 'python3-aiosmtpd is not installed (infra/install-test-deps.sh)';
}

export interface ReceivedMail {
  helo: string;
  mailFrom: string;
  rcptTos: string[];
  /** Header lines in order, as [name, value]. */
  headers: Array<[string, string]>;
  /** Everything after the blank line, exactly as received. */
  body: string;
}

export function readMailbox(dir: string): ReceivedMail[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((n) => {
    const r = JSON.parse(readFileSync(join(dir, n), 'utf8')) as { helo: string; mailFrom: string; rcptTos: string[]; data: string };
    const split = r.data.indexOf('\r\n\r\n');
    const head = split < 0 ? r.data : r.data.slice(0, split);
    const headers = head.split('\r\n').map((l): [string, string] => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1).replace(/^ /, '')];
    });
    return { helo: r.helo, mailFrom: r.mailFrom, rcptTos: r.rcptTos, headers, body: split < 0 ? '' : r.data.slice(split + 4) };
  });
}

export const subjectOf = (m: ReceivedMail) => m.headers.find(([k]) => k === 'Subject')?.[1] ?? '';

/** Waits until mail with each of these subjects has arrived in `dir`; returns them in that order. */
export async function waitForMail(dir: string, subjects: string[], timeoutMs: number, detail: () => string): Promise<ReceivedMail[]> {
  return eventually(
    `mail with subjects ${JSON.stringify(subjects)} in ${dir}`,
    () => {
      const got = readMailbox(dir);
      const found = subjects.map((s) => got.find((m) => subjectOf(m) === s));
      return found.every(Boolean) ? (found as ReceivedMail[]) : false;
    },
    { timeoutMs, intervalMs: 100, detail: () => `received: ${JSON.stringify(readMailbox(dir).map(subjectOf))}\n${detail()}` },
  );
}
