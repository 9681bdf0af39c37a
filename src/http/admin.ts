/**
 * The admin listener (ADMIN_PORT, docs/operations.md): `/metrics` (Prometheus), and
 * `/healthz` and `/readyz` as on the gateway's port, for probes that stay off the public port.
 * `/metrics` is served here only: what it shows (traffic, error rates, circuits) is for the
 * operator, not for callers. It binds HOST like the gateway's port, so keep it unreachable from
 * outside (a firewall or a Kubernetes NetworkPolicy; expose only PORT through the ingress).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger';
import type { Health, JsonReply } from './health';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-scope';

const JSON_TYPE = 'application/json; charset=utf-8';
const NOT_FOUND = JSON.stringify({ error: 'Not found: this port serves /metrics, /healthz and /readyz.' });
const NOT_ALLOWED = JSON.stringify({ error: 'Method not allowed: use GET.' });

export function createAdminListener(options: {
  health: Health;
  /** The Prometheus text exposition. */
  metrics: () => Promise<{ contentType: string; body: string }>;
  logger: Logger;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { health, metrics, logger } = options;

  const reply = (res: ServerResponse, requestId: string, status: number, contentType: string, body: string, extra: string[] = []) => {
    res.writeHead(status, [REQUEST_ID_HEADER, requestId, ...extra, 'content-type', contentType, 'content-length', String(Buffer.byteLength(body))]);
    res.end(body);
  };
  const json = (res: ServerResponse, requestId: string, { status, body }: JsonReply) => reply(res, requestId, status, JSON_TYPE, body);

  return (req, res) => {
    const requestId = requestIdFrom(req.headers);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
    if (!known) return json(res, requestId, { status: 404, body: NOT_FOUND });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return reply(res, requestId, 405, JSON_TYPE, NOT_ALLOWED, ['allow', 'GET, HEAD']);
    }
    if (path === '/healthz') return json(res, requestId, health.healthz());
    if (path === '/readyz') return json(res, requestId, health.readyz());
    metrics().then(
      ({ contentType, body }) => reply(res, requestId, 200, contentType, body),
      (error: unknown) => {
        logger.error({ err: error }, 'could not collect the metrics');
        json(res, requestId, { status: 500, body: JSON.stringify({ error: 'The metrics could not be collected.' }) });
      },
    );
  };
}
