import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import { nodeConfigHost } from '../config/node-host.ts';
import { createIpvsBackend } from '../ipvs/create-backend.ts';
import { loadBoardKeys } from './board-keys.ts';
import { Metrics, serveMetrics } from './metrics.ts';

/** What start-up refuses crosses into the CLI as a VigilError with a stable code, its message as before. */
async function refusal(p: Promise<unknown> | (() => unknown)): Promise<VigilError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    return err as VigilError;
  }
  throw new Error('expected a refusal, got none');
}

describe('start-up refusals carry VigilError codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-start-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--board-key: a missing file, text that is not JSON, and a JWK that is not Ed25519 are usage errors', async () => {
    const missing = await refusal(loadBoardKeys(join(dir, 'nope.json')));
    expect(missing).toMatchObject({ code: 'ERR_USAGE', path: '--board-key', retryable: false, message: `--board-key: no such file ${join(dir, 'nope.json')}` });
    writeFileSync(join(dir, 'bad.json'), 'not json');
    expect(await refusal(loadBoardKeys(join(dir, 'bad.json')))).toMatchObject({ code: 'ERR_USAGE', message: '--board-key: not JSON (a JWK or {"keys": [...]})' });
    const wrong = await refusal(loadBoardKeys('{"kty":"RSA","kid":"k"}'));
    expect(wrong.code).toBe('ERR_USAGE');
    expect(wrong.message).toMatch(/^--board-key: /);
  });

  it('--metrics-listen: a malformed address is a usage error; a port already taken is the host refusing', async () => {
    expect(await refusal(serveMetrics('9100', new Metrics()))).toMatchObject({ code: 'ERR_USAGE', path: '--metrics-listen', message: '--metrics-listen: expected host:port, got 9100' });
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const { port } = taken.address() as AddressInfo;
      const e = await refusal(serveMetrics(`127.0.0.1:${port}`, new Metrics()));
      expect(e).toMatchObject({ code: 'ERR_CONFIG_IO', path: '--metrics-listen' });
      expect(e.message).toContain('EADDRINUSE');
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  it('a metric used before it is defined is a bug, said so', async () => {
    expect(await refusal(() => new Metrics().inc('vigil_nope_total'))).toMatchObject({ code: 'ERR_INTERNAL', message: 'metric vigil_nope_total is not defined' });
  });

  it('--ipvs-backend: an unknown kind is refused, never defaulted', async () => {
    expect(await refusal(() => createIpvsBackend('recording'))).toMatchObject({ code: 'ERR_USAGE', path: '--ipvs-backend', message: 'unknown IPVS backend "recording" (known: auto, netlink, ipvsadm, dry-run)' });
  });

  it('a config path that is a directory is a host error naming the path', async () => {
    expect(await refusal(() => nodeConfigHost.readFile(dir))).toMatchObject({ code: 'ERR_CONFIG_IO', path: dir, message: 'is a directory' });
  });
});
