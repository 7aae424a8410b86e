import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors.ts';
import { authenticate, parseTokenRecords, type StoredToken } from './token-records.ts';
import { hashToken, newToken } from './tokens.ts';

const admin = newToken('admin');
const prober = newToken('prober');
const shim = newToken('shim');
const director = newToken('shim');
const stored: StoredToken[] = [
  { id: 'a', scope: 'admin', hash: hashToken(admin), cluster: '*' },
  { id: 'p', scope: 'prober', hash: hashToken(prober), cluster: 'prod', vantagePoint: 'dc1' },
  { id: 's', scope: 'shim', hash: hashToken(shim), cluster: 'prod' },
  { id: 'd', scope: 'shim', hash: hashToken(director), cluster: 'prod', director: 'lb1' },
];

function refusal(records: unknown): string {
  try {
    parseTokenRecords(JSON.stringify(records));
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('ERR_INTERNAL');
    return (err as VigilError).message;
  }
  throw new Error('the token list was accepted');
}

describe('token records', () => {
  it('accepts a token for its own scope and cluster and names what it is bound to', () => {
    expect(authenticate(prober, stored, { scopes: ['prober'], cluster: 'prod' })).toEqual({ ok: true, token: stored[1] });
    expect(authenticate(director, stored, { scopes: ['shim'], cluster: 'prod' })).toEqual({ ok: true, token: stored[3] });
    expect(authenticate(admin, stored, { scopes: ['shim'], cluster: 'anything' })).toMatchObject({ ok: true });
  });

  it('refuses the wrong scope or another cluster (403) and unknown or malformed tokens (401)', () => {
    expect(authenticate(shim, stored, { scopes: ['prober'], cluster: 'prod' })).toMatchObject({ ok: false, code: 'ERR_FORBIDDEN' });
    expect(authenticate(prober, stored, { scopes: ['admin'], cluster: 'prod' })).toMatchObject({ ok: false, code: 'ERR_FORBIDDEN' });
    expect(authenticate(prober, stored, { scopes: ['prober'], cluster: 'staging' })).toEqual({ ok: false, code: 'ERR_FORBIDDEN', message: 'this token is for cluster prod, not staging', path: 'cluster' });
    expect(authenticate(shim, stored, { scopes: ['shim'], cluster: 'staging' })).toMatchObject({ ok: false, code: 'ERR_FORBIDDEN', path: 'cluster' });
    expect(authenticate(newToken('admin'), stored, { scopes: ['admin'], cluster: 'prod' })).toEqual({ ok: false, code: 'ERR_UNAUTHORIZED' });
    expect(authenticate('vgl_admin_short', stored, { scopes: ['admin'], cluster: 'prod' })).toEqual({ ok: false, code: 'ERR_UNAUTHORIZED' });
    expect(authenticate(undefined, stored, { scopes: ['admin'], cluster: 'prod' })).toEqual({ ok: false, code: 'ERR_UNAUTHORIZED' });
  });

  it('a viewer token reads what allows viewers on its own cluster, and nothing a prober, shim or admin does', () => {
    const viewer = newToken('viewer');
    const list: StoredToken[] = [...stored, { id: 'v', scope: 'viewer', hash: hashToken(viewer), cluster: 'prod' }];
    expect(authenticate(viewer, list, { scopes: ['shim', 'viewer'], cluster: 'prod' })).toMatchObject({ ok: true, token: { scope: 'viewer' } });
    expect(authenticate(viewer, list, { scopes: ['shim', 'viewer'], cluster: 'staging' })).toMatchObject({ ok: false, code: 'ERR_FORBIDDEN', path: 'cluster' });
    for (const scopes of [['admin'], ['prober'], ['shim']] as const) {
      expect(authenticate(viewer, list, { scopes, cluster: 'prod' }), scopes[0]).toMatchObject({ ok: false, code: 'ERR_FORBIDDEN', message: `this token's scope (viewer) does not allow ${scopes[0]} requests` });
    }
    expect(refusal([{ id: 'v2', scope: 'viewer', hash: hashToken(viewer), cluster: '*' }])).toMatch(/record "v2": cluster: a viewer token names one cluster/);
    expect(refusal([{ id: 'v3', scope: 'viewer', hash: hashToken(viewer), cluster: 'prod', director: 'lb1' }])).toMatch(/record "v3": director/);
  });

  it('stores only hashes: no stored field contains the token', () => {
    for (const t of stored) expect(JSON.stringify(t)).not.toContain(admin.slice(10));
  });

  it('parses a list of scoped records', () => {
    expect(parseTokenRecords(JSON.stringify(stored))).toEqual(stored);
  });

  it('refuses, naming the record, a record from before tokens were scoped (no cluster) rather than reading it as every cluster', () => {
    const old = { id: 'prober-dc1', scope: 'prober', hash: hashToken(prober), vantagePoint: 'dc1' };
    const msg = refusal([stored[0], old]);
    expect(msg).toContain('record "prober-dc1"');
    expect(msg).toContain('cluster');
    expect(msg).toContain('"*" for an admin token');
    expect(refusal([{ id: 'root', scope: 'admin', hash: hashToken(admin) }])).toContain('record "root": cluster');
  });

  it('refuses "*" for any scope but admin, a prober without a vantage point, and bindings that belong to another scope', () => {
    expect(refusal([{ ...stored[1], cluster: '*' }])).toMatch(/record "p": cluster: .*admin tokens only/);
    expect(refusal([{ ...stored[2], cluster: '*' }])).toMatch(/record "s": cluster/);
    expect(refusal([{ id: 'p2', scope: 'prober', hash: hashToken(prober), cluster: 'prod' }])).toMatch(/record "p2": vantagePoint/);
    expect(refusal([{ ...stored[0], director: 'lb1' }])).toMatch(/record "a": director/);
    expect(refusal([{ ...stored[2], vantagePoint: 'dc1' }])).toMatch(/record "s": vantagePoint/);
    expect(refusal([{ scope: 'shim', hash: 'x' }])).toContain('record #0');
    expect(refusal([{ ...stored[2], oneTime: true }])).toMatch(/record "s": oneTime: only a viewer record/);
  });

  it('a one-time viewer code passes only where one is wanted (the exchange), and a plain viewer token never there', () => {
    const code = newToken('viewer');
    const viewer = newToken('viewer');
    const list: StoredToken[] = [...stored, { id: 'c', scope: 'viewer', hash: hashToken(code), cluster: 'prod', oneTime: true }, { id: 'v', scope: 'viewer', hash: hashToken(viewer), cluster: 'prod' }];
    expect(authenticate(code, list, { scopes: ['viewer'], cluster: 'prod' })).toMatchObject({ ok: false, code: 'ERR_ONE_TIME_CODE' });
    expect(authenticate(code, list, { scopes: ['viewer'], cluster: 'prod', oneTime: true })).toMatchObject({ ok: true, token: { id: 'c' } });
    expect(authenticate(viewer, list, { scopes: ['viewer'], cluster: 'prod', oneTime: true })).toEqual({ ok: false, code: 'ERR_UNAUTHORIZED' });
  });

  it('refuses a list that is not JSON or not an array', () => {
    expect(refusal('[')).toContain('not a JSON array');
    expect(() => parseTokenRecords('{')).toThrow('VIGIL_TOKENS is not JSON');
  });
});
