// Secrets are not in wrangler.jsonc, so `wrangler types` cannot see them; they join the generated Env here.
declare namespace Cloudflare {
  interface Env {
    /** Ed25519 private key, PKCS#8 DER, base64. */
    VIGIL_SIGNING_KEY: string;
    /** JSON array of hashed token records (core/auth/tokens.ts StoredToken). */
    VIGIL_TOKENS: string;
  }
}
