/**
 * The director's Board token, from where the operator put it: --token (seen
 * in ps, so the help steers away from it), --token-file, or VIGIL_SHIM_TOKEN.
 * A secret: read, trimmed, never logged. One place for the three commands
 * that need it (the Board subscriber, the cloud side, `vigil status`).
 */
import { readFileSync } from 'node:fs';
import { VigilError } from '../../core/errors.ts';

export interface TokenOptions {
  token?: string;
  tokenFile?: string;
}

/** Whether a token was given at all (for the start-up check that names what is missing). */
export const hasShimToken = (o: TokenOptions): boolean => !!(o.token || o.tokenFile || process.env.VIGIL_SHIM_TOKEN);

/** The words the start-up checks use for a missing token. */
export const TOKEN_OPTIONS = '--token/--token-file/VIGIL_SHIM_TOKEN';

/** The token; an unreadable --token-file is an error naming the file and why, never the content. */
export function shimToken(o: TokenOptions): string {
  if (o.token !== undefined) return o.token.trim();
  if (o.tokenFile) {
    try {
      return readFileSync(o.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new VigilError('ERR_CONFIG', `cannot read --token-file ${o.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: 'tokenFile' });
    }
  }
  return (process.env.VIGIL_SHIM_TOKEN ?? '').trim();
}
