/**
 * Arm 2's "minimal Node HTTP proxy": node:http in front of the sandbox, every request forwarded
 * as it came over a keep-alive agent, the reply streamed back. It is the least work any Node
 * gateway can do per request, so the gateway's arms are compared with it.
 *
 * Configuration: PROXY_PORT (the port to serve), UPSTREAM_ORIGIN (e.g. http://127.0.0.1:4010).
 */
import http from 'node:http';

const port = Number(process.env['PROXY_PORT'] ?? 0);
const upstream = new URL(process.env['UPSTREAM_ORIGIN'] ?? 'http://127.0.0.1:4010');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((req, res) => {
  const forward = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
      agent,
    },
    (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    },
  );
  forward.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(forward);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
