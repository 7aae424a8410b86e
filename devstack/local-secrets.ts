import { generateKeyPairSync } from 'node:crypto';
import { hashToken, newToken, type StoredToken } from '../core/auth/tokens.ts';

/**
 * Fresh secrets for one local run (tests, `npm start`): an Ed25519 signing key
 * and tokens of every scope. Generated at start-up and never written to the
 * repository; only hashes go into VIGIL_TOKENS, as in production.
 */
export interface LocalSecrets {
  signingKey: string;
  tokens: { admin: string; shim: string; probers: Record<string, string> };
  /** The VIGIL_TOKENS secret: hashed records only. */
  records: string;
}

export function localSecrets(proberVantagePoints: string[]): LocalSecrets {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signingKey = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const admin = newToken('admin');
  const shim = newToken('shim');
  const probers = Object.fromEntries(proberVantagePoints.map((vp) => [vp, newToken('prober')]));
  const records: StoredToken[] = [
    { id: 'admin', scope: 'admin', hash: hashToken(admin) },
    { id: 'shim', scope: 'shim', hash: hashToken(shim) },
    ...Object.entries(probers).map(([vp, t]) => ({ id: `prober-${vp}`, scope: 'prober' as const, hash: hashToken(t), vantagePoint: vp })),
  ];
  return { signingKey, tokens: { admin, shim, probers }, records: JSON.stringify(records) };
}
