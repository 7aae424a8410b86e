import type { Hono } from 'hono';
import { DASHBOARD_ASSETS } from './dashboard-assets.gen.ts';

/**
 * A strict policy: scripts and styles only from this origin (no inline code,
 * no eval), connections (the API, the viewers' WebSocket) only to it, and the
 * page never framed. Images: the charts draw on canvas; data: for none but
 * the browser's own favicon fallback.
 */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The dashboard's page, script and style (workers/dashboard/, bundled into the Worker by infra/build/dashboard.mjs). */
export function dashboardRoutes(app: Hono<{ Bindings: Env }>): void {
  for (const [path, asset] of Object.entries(DASHBOARD_ASSETS)) {
    app.get(path, (c) => {
      const headers = {
        'Content-Type': asset.type,
        ETag: asset.etag,
        // Revalidated each load (the ETag makes that a 304), so a new deployment shows at once.
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': DASHBOARD_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
      };
      if (c.req.header('If-None-Match') === asset.etag) return c.body(null, 304, headers);
      return c.body(asset.body, 200, headers);
    });
  }
}
