/** The field-by-field comparison of two received mails (mailbox.ts), kept apart so the UML-side script never loads vitest. */
import { expect } from 'vitest';
import { subjectOf, type ReceivedMail } from './mailbox.ts';

/** keepalived's Date: strftime "%a, %d %b %Y %H:%M:%S %z". */
const DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/;

/** The shim's mail against keepalived's: envelope, header names in order, every header value but Date's (its format only), and the body byte for byte. */
export function expectSameMail(shim: ReceivedMail, keepalived: ReceivedMail): void {
  const what = subjectOf(keepalived);
  expect(shim.helo, `${what}: HELO name`).toBe(keepalived.helo);
  expect(shim.mailFrom, `${what}: MAIL FROM`).toBe(keepalived.mailFrom);
  expect(shim.rcptTos, `${what}: RCPT TO, in order`).toEqual(keepalived.rcptTos);
  expect(shim.headers.map(([k]) => k), `${what}: header names in order`).toEqual(keepalived.headers.map(([k]) => k));
  for (const [k, v] of keepalived.headers) {
    const mine = shim.headers.find(([n]) => n === k)?.[1];
    if (k === 'Date') {
      expect(v, 'keepalived Date format').toMatch(DATE);
      expect(mine, `${what}: Date format`).toMatch(DATE);
    } else expect(mine, `${what}: header ${k}`).toBe(v);
  }
  expect(JSON.stringify(shim.body), `${what}: body bytes`).toBe(JSON.stringify(keepalived.body));
}
