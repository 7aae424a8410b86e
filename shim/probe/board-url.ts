/**
 * Why a Board URL given on the command line cannot be used, or null. A URL
 * that carries a user or password is refused (the token goes in the
 * Authorization header, from --token, a token file or the environment), and
 * the answer never repeats the URL, so the secret reaches no log.
 */
export function boardUrlProblem(raw: string, flag = '--board'): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `${flag} is not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${flag} must be an http(s) URL`;
  if (u.username || u.password) return `${flag} must not carry credentials (user:password@); give the token with --token, a token file or the environment`;
  return null;
}

/** The URL as it may be logged: scheme, host and path only (no credentials, no query). */
export function loggableUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
