import { describe, expect, it } from 'vitest';
import { parseVigilJson } from '../config/json.ts';
import { ok, readText } from '../../test/helpers/read-config.ts';
import { printKeepalivedConfig } from './printer.ts';

const BASE = `virtual_server 192.0.2.10 80 {
    protocol TCP
    real_server 10.0.0.5 8080 {
    }
}
`;
const withVigil = (...lines: string[]) => `${BASE}vigil {\n${lines.join('\n')}\n}\n`;

describe('alert_webhook in the vigil block', () => {
  it('reads url, events (all three by default) and the name of the Worker secret, and prints back to the same model', () => {
    const c = ok(readText(withVigil('alert_webhook ops {', '  url https://hooks.example.com/vigil?team=lb', '  events verdict_change lease_moved', '  secret_env VIGIL_WEBHOOK_OPS', '}', 'alert_webhook local {', '  url http://127.0.0.1:9000/hook', '  secret_env VIGIL_WEBHOOK_LOCAL', '}')));
    expect(c.vigil.alertWebhooks).toEqual([
      { name: 'ops', url: 'https://hooks.example.com/vigil?team=lb', events: ['verdict_change', 'lease_moved'], secretEnv: 'VIGIL_WEBHOOK_OPS' },
      { name: 'local', url: 'http://127.0.0.1:9000/hook', events: ['verdict_change', 'vantage_point_silent', 'lease_moved'], secretEnv: 'VIGIL_WEBHOOK_LOCAL' },
    ]);
    expect(ok(readText(printKeepalivedConfig(c))).vigil.alertWebhooks).toEqual(c.vigil.alertWebhooks);
  });

  it('refuses plain http off loopback, a secret name outside VIGIL_WEBHOOK_ (the signing key, the tokens), an unknown event and a missing secret, each at its line', () => {
    const r = readText(withVigil('alert_webhook a {', '  url http://203.0.113.9/hook', '  secret_env VIGIL_SIGNING_KEY', '}', 'alert_webhook b {', '  url https://x.example/h', '  events verdict_change reboot', '  secret_env VIGIL_WEBHOOK_B', '}', 'alert_webhook c {', '  url https://x.example/h', '}'));
    expect(r.ok).toBe(false);
    expect(r.lines).toEqual([
      'keepalived.conf:7:1: error: vigil.alertWebhooks.0.url: an https:// URL (http:// only to a loopback address)',
      'keepalived.conf:7:1: error: vigil.alertWebhooks.0.secretEnv: the name of a Worker secret starting VIGIL_WEBHOOK_ (upper case, digits, _)',
      "keepalived.conf:13:25: error: event: 'reboot' is not one of verdict_change|vantage_point_silent|lease_moved",
      "keepalived.conf:16:1: error: alert_webhook c needs 'secret_env VIGIL_WEBHOOK_…' (a Worker secret holding the signing secret)",
    ]);
  });

  it('the JSON form is strict: an unknown field in a webhook (a secret pasted in clear) is refused by path', () => {
    const doc = { vigil: { alertWebhooks: [{ name: 'ops', url: 'https://x.example/h', secretEnv: 'VIGIL_WEBHOOK_OPS', secret: 'hunter2' }] } };
    const r = parseVigilJson('c.json', JSON.stringify(doc));
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toMatch(/vigil\.alertWebhooks\.0/);
  });
});
