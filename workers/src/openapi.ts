import * as z from 'zod';
import { VIGIL_ERROR_CODES } from '../../core/errors.ts';
import { Snapshot } from '../../core/vote/snapshot.ts';
import { StoredEvent } from './board-store.ts';
import { DashboardView, ViewerFrame } from '../../core/vote/dashboard-view.ts';
import { ConfigAccepted, StreamMessage, VoteBatch, VoteDetail, VotesAccepted } from './schemas.ts';

/**
 * The API's OpenAPI 3.1 description. Schemas come from the same zod objects
 * the handlers parse with, so the document cannot drift from the code.
 */
const ErrorBody = z.object({
  code: z.enum(VIGIL_ERROR_CODES),
  message: z.string(),
  path: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: 'error', content: json('Error') }]));
const cluster = { name: 'cluster', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } };
const sec = (...scopes: string[]) => scopes.map((scope) => ({ bearer: [scope] }));

let doc: unknown;

export function openApiDocument(): unknown {
  doc ??= {
    openapi: '3.1.0',
    info: { title: 'Vigil edge control plane', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'vgl_<scope>_… tokens; scopes admin ⊃ prober, shim, viewer (read-only: verdict, votes, events, view, the redacted config); a vgs_… dashboard session acts as a viewer token for its cluster' } },
      schemas: { Error: schema(ErrorBody), VoteBatch: schema(VoteBatch), VotesAccepted: schema(VotesAccepted), Snapshot: schema(Snapshot), StreamMessage: schema(StreamMessage), ConfigAccepted: schema(ConfigAccepted), Event: schema(StoredEvent), VoteDetail: schema(VoteDetail), DashboardView: schema(DashboardView), ViewerFrame: schema(ViewerFrame) },
    },
    paths: {
      '/v1/keys': { get: { summary: 'Public Ed25519 key(s) as JWK', responses: { '200': { description: '{ keys: JWK[] }' } } } },
      '/v1/clusters/{cluster}/config': {
        put: {
          summary: 'Replace the config (keepalived.conf as text/plain, Vigil JSON as application/json)',
          security: sec('admin'),
          parameters: [cluster, { name: 'If-Match', in: 'header', schema: { type: 'string' } }, { name: 'config_id', in: 'query', schema: { type: 'string' } }],
          requestBody: { content: { 'text/plain': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } } },
          responses: { '200': { description: 'applied', content: json('ConfigAccepted') }, '201': { description: 'first config', content: json('ConfigAccepted') }, ...errors(400, 401, 403, 412, 413) },
        },
        get: { summary: 'The running config and its ETag; a viewer token gets the model as JSON with every script command, password and carried-through keyword redacted, never the source', security: [{ bearer: ['admin'] }, { bearer: ['viewer'] }], parameters: [cluster], responses: { '200': { description: 'config source (admin) or redacted model (viewer)' }, ...errors(401, 403, 404) } },
      },
      '/v1/clusters/{cluster}/assignment': {
        get: { summary: "A self-hosted vantage point's targets and the config", security: sec('prober'), parameters: [cluster, { name: 'vantage', in: 'query', required: true, schema: { type: 'string' } }], responses: { '200': { description: '{ version, etag, config, targets }' }, ...errors(400, 401, 403, 404) } },
      },
      '/v1/clusters/{cluster}/votes': {
        post: { summary: 'A batch of votes from a self-hosted prober', security: sec('prober'), parameters: [cluster], requestBody: { content: json('VoteBatch') }, responses: { '200': { description: 'ingested', content: json('VotesAccepted') }, ...errors(400, 401, 403, 404, 413, 415) } },
        get: { summary: 'What each vantage point said about each real server at the latest fold (kept out of the signed snapshot)', security: sec('shim', 'viewer'), parameters: [cluster], responses: { '200': { description: 'detail', content: json('VoteDetail') }, ...errors(401, 403, 404) } },
      },
      '/v1/clusters/{cluster}/verdict': {
        get: {
          summary: 'Long-poll for the next signed snapshot (header Vigil-Signature over the exact body bytes)',
          security: sec('shim', 'viewer'),
          parameters: [cluster, { name: 'since', in: 'query', schema: { type: 'integer', minimum: 0 } }, { name: 'wait', in: 'query', schema: { type: 'number', minimum: 0, maximum: 55 } }],
          responses: { '200': { description: 'snapshot', content: json('Snapshot') }, '204': { description: 'nothing newer within wait' }, ...errors(400, 401, 403, 404) },
        },
      },
      '/v1/clusters/{cluster}/stream': {
        get: { summary: 'WebSocket: every new snapshot pushed as a StreamMessage; send {"type":"ping"} to keep alive', security: sec('shim'), parameters: [cluster], responses: { '101': { description: 'switching protocols' }, ...errors(401, 403, 404, 426) } },
      },
      '/v1/clusters/{cluster}/metrics': {
        get: { summary: 'Prometheus text exposition (0.0.4): real-server state-sets, quorum, vote ages per vantage point, vote counters, snapshot sequence and age, config version, lease holders and fencing tokens', security: sec('viewer'), parameters: [cluster], responses: { '200': { description: 'text/plain; version=0.0.4' }, ...errors(401, 403, 404) } },
      },
      '/v1/clusters/{cluster}/webhooks': {
        get: { summary: "Alert webhooks (URL origin only), their deliveries by state (pending, delivered, failed) and the newest deliveries with attempts, next attempt and last error", security: sec('viewer'), parameters: [cluster], responses: { '200': { description: '{ webhooks, droppedSinceStart, deliveries }' }, ...errors(401, 403, 404) } },
      },
      '/v1/clusters/{cluster}/view': {
        get: { summary: "What the dashboard shows: config summary and warnings, the snapshot's desired state, each vantage point's vote, six hours of events, leases (bounded)", security: sec('viewer'), parameters: [cluster], responses: { '200': { description: 'view', content: json('DashboardView') }, ...errors(401, 403, 404) } },
      },
      '/v1/clusters/{cluster}/dashboard-session': {
        post: {
          summary: "The dashboard link's one-time code, in the body as {\"code\"} (never a URL), for a 12-hour viewer session token {token: vgs_…, expiresAt}; a code works once (401 ERR_ONE_TIME_CODE after, and always as a bearer token); an expired session answers 401 ERR_SESSION_EXPIRED",
          parameters: [cluster],
          requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] } } } },
          responses: { '200': { description: '{ token, expiresAt }' }, ...errors(400, 401, 403, 413) },
        },
      },
      '/v1/clusters/{cluster}/watch': {
        get: {
          summary: 'WebSocket for viewers: a ViewerFrame now and after each fold (at most one a second, at once on a verdict change). Offer subprotocols vigil.view.v1 and vigil.token.<token> (or send Authorization); never a token in the URL',
          security: sec('viewer'),
          parameters: [cluster],
          responses: { '101': { description: 'switching protocols (Sec-WebSocket-Protocol: vigil.view.v1)', content: json('ViewerFrame') }, ...errors(401, 403, 404, 426) },
        },
      },
      '/v1/clusters/{cluster}/events': {
        get: { summary: 'Verdict history with what each vantage point said', security: sec('shim', 'viewer'), parameters: [cluster, { name: 'since', in: 'query', schema: { type: 'integer' } }, { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 1000 } }], responses: { '200': { description: '{ events: Event[] }' }, ...errors(400, 401, 403, 404) } },
      },
    },
  };
  return doc;
}
