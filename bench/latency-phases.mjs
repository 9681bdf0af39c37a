/* global process, performance */
// Loaded into a gateway with `node --import` by bench/latency-phases.ts: where one operation's
// time goes at one connection, from Node's own HTTP diagnostics channels (no code of the gateway's
// changes). Per request: when it arrived, when its first upstream request was written,
// when the last upstream reply's headers came, and when its reply was written (res.end returned). Only the
// requests after the bench asks (SIGUSR2) are recorded; written to LATENCY_PHASES_OUT at exit.
import dc from 'node:diagnostics_channel';
import fs from 'node:fs';
import http from 'node:http';

const rows = [];
const started = new WeakMap();
let recording = false;
let current;
process.on('SIGUSR2', () => {
  recording = true;
});
dc.subscribe('http.server.request.start', ({ request }) => {
  // The gateway's /graphql, or any request the minimal proxy relays (not its health probe).
  if (!recording || request.url.startsWith('/readyz') || request.url.startsWith('/__sandbox/health')) return;
  current = { arrived: performance.now() };
  started.set(request, current);
});
dc.subscribe('http.client.request.start', () => {
  if (current && current.upstreamSent === undefined) current.upstreamSent = performance.now();
});
dc.subscribe('http.client.response.finish', () => {
  if (current) current.upstreamAnswered = performance.now();
});
// The reply's last write (its bytes reach the caller's socket then), not the response's 'finish'
// event, which waits for work the gateway runs after the write (the log line).
const end = http.ServerResponse.prototype.end;
http.ServerResponse.prototype.end = function endAndRecord(...args) {
  const row = started.get(this.req);
  const result = end.apply(this, args);
  if (row && row.replied === undefined) {
    row.replied = performance.now();
    rows.push(row);
  }
  return result;
};
process.on('exit', () => fs.writeFileSync(process.env.LATENCY_PHASES_OUT, JSON.stringify(rows)));
