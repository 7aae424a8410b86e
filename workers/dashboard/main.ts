import './zod-jitless.ts';
import { DashboardView, TOKEN_PROTOCOL_PREFIX, VIEW_PROTOCOL, ViewerFrame } from '../../core/vote/dashboard-view.ts';
import { byId, duration } from './dom.ts';
import { renderTables } from './render.ts';
import { Timeline } from './timeline.ts';

/**
 * The dashboard: sign in with a viewer token (from the link's fragment, which
 * never reaches a server, or typed in), kept in sessionStorage for this tab
 * only; the first view over HTTP (so a refused token says why), then every
 * view pushed over the viewers' WebSocket.
 */
const SESSION_KEY = 'vigil.viewer';
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15_000;
const CLUSTER_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

interface Session {
  cluster: string;
  token: string;
}

const timeline = new Timeline();
let latest: { view: DashboardView; receivedAtMs: number } | null = null;
let socket: WebSocket | null = null;
let retryMs = RETRY_MIN_MS;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function status(text: string): void {
  byId('status').textContent = text;
}

function readSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Partial<Session> | null;
    return s && typeof s.cluster === 'string' && typeof s.token === 'string' ? { cluster: s.cluster, token: s.token } : null;
  } catch {
    return null;
  }
}

/**
 * `#cluster=C&code=K` (the link `npm start` prints: a one-time code) or
 * `#cluster=C&token=T` (a viewer token): wiped from the address bar and
 * history at once; a token goes to sessionStorage, a code is exchanged once.
 */
function fromFragment(): (Session & { code?: boolean }) | null {
  const p = new URLSearchParams(location.hash.slice(1));
  const code = p.get('code');
  const token = code ?? p.get('token');
  const cluster = p.get('cluster');
  if (location.hash) history.replaceState(null, '', location.pathname);
  if (!token || !cluster) return null;
  if (code) return { cluster, token: code, code: true };
  const s = { cluster, token };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  return s;
}

/** What the page says when the Board refuses: a used link or an expired session says what to do. */
function refusal(res: Response, body: unknown): string {
  const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ERR_ONE_TIME_CODE' || code === 'ERR_SESSION_EXPIRED') return 'Session expired: open a new link from npm start.';
  return `Refused (${res.status}): ${typeof message === 'string' ? message : 'no reason given'}.`;
}

/** The link's one-time code (in a POST body, never a URL) for a session token, then signed in with that. */
async function exchange(cluster: string, code: string): Promise<void> {
  if (!CLUSTER_RE.test(cluster)) return showSignIn('A cluster name is lower-case letters, digits, _ and -.');
  status(`signing in to ${cluster}…`);
  let res: Response;
  try {
    res = await fetch(`/v1/clusters/${cluster}/dashboard-session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code }), cache: 'no-store' });
  } catch (err) {
    return showSignIn(`The Board did not answer: ${(err as Error).message}`);
  }
  const body: unknown = await res.json().catch(() => null);
  const token = (body as { token?: unknown } | null)?.token;
  if (!res.ok || typeof token !== 'string') return showSignIn(refusal(res, body));
  return signIn({ cluster, token });
}

function showSignIn(error = ''): void {
  socket?.close(1000, 'signed out');
  socket = null;
  clearTimeout(retryTimer);
  latest = null;
  byId('board').hidden = true;
  byId('sign-out').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = error;
  status('not signed in');
}

function show(view: DashboardView): void {
  latest = { view, receivedAtMs: Date.now() };
  paint();
}

function paint(): void {
  if (!latest) return;
  const nowMs = latest.view.nowMs + (Date.now() - latest.receivedAtMs);
  renderTables(latest.view, nowMs);
  timeline.render(latest.view, nowMs);
}

async function signIn(s: Session): Promise<void> {
  if (!CLUSTER_RE.test(s.cluster)) return showSignIn('A cluster name is lower-case letters, digits, _ and -.');
  status(`signing in to ${s.cluster}…`);
  let res: Response;
  try {
    res = await fetch(`/v1/clusters/${s.cluster}/view`, { headers: { Authorization: `Bearer ${s.token}` }, cache: 'no-store' });
  } catch (err) {
    return showSignIn(`The Board did not answer: ${(err as Error).message}`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    sessionStorage.removeItem(SESSION_KEY);
    return showSignIn(refusal(res, body));
  }
  const view = DashboardView.safeParse(body);
  if (!view.success) return showSignIn(`The Board's answer is not a view this page understands (${view.error.issues[0]?.path.join('.') ?? ''}).`);
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  byId('sign-in').hidden = true;
  byId('board').hidden = false;
  byId('sign-out').hidden = false;
  show(view.data);
  connect(s);
}

function connect(s: Session): void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/clusters/${s.cluster}/watch`;
  const ws = new WebSocket(url, [VIEW_PROTOCOL, TOKEN_PROTOCOL_PREFIX + s.token]);
  socket = ws;
  ws.onopen = () => {
    retryMs = RETRY_MIN_MS;
    status(`live: cluster ${s.cluster}`);
  };
  ws.onmessage = (m) => {
    let doc: unknown = null;
    try {
      doc = typeof m.data === 'string' ? JSON.parse(m.data) : null;
    } catch {
      doc = null;
    }
    const frame = ViewerFrame.safeParse(doc);
    if (frame.success) show(frame.data.view);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    status(`connection lost; trying again in ${duration(retryMs)} (the figures below are from ${latest ? new Date(latest.receivedAtMs).toLocaleTimeString() : 'never'})`);
    // Back through signIn: a token revoked meanwhile is refused there, with its reason.
    retryTimer = setTimeout(() => void signIn(s), retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  };
}

function start(): void {
  byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const cluster = byId<HTMLInputElement>('cluster').value.trim();
    const token = byId<HTMLInputElement>('token').value.trim();
    byId<HTMLInputElement>('token').value = '';
    void signIn({ cluster, token });
  });
  byId('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(SESSION_KEY);
    showSignIn();
    // The button that had focus is hidden now: focus goes to the form, not to the page's start.
    byId('cluster').focus();
  });
  // Ages move on between pushes.
  setInterval(paint, 1000);
  const s = fromFragment() ?? readSession();
  if (s) {
    byId<HTMLInputElement>('cluster').value = s.cluster;
    void ('code' in s ? exchange(s.cluster, s.token) : signIn(s));
  } else showSignIn();
}

start();
