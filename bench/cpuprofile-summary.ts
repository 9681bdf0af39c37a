/**
 * Where a CPU profile's time went, by package and by file: V8's `.cpuprofile` (what `node
 * --cpu-prof` and bench/profile.ts write) read, each sample's time given to the function it was
 * in (self time), and the functions grouped by where they live:
 *
 * - a package under `node_modules/` (by its name, `@scope/name` included);
 * - one of this project's files (`src/...`, `sandbox/...`, by path);
 * - one of Node's own modules (`node:_http_outgoing`, `node:internal/streams/writable`...);
 * - native code called from JS, which has no file: the socket writes (`writeUtf8String` and its
 *   kin, the syscall included: on this VM a write to a loopback socket is tens of microseconds),
 *   the microtask queue's own work, and the rest (V8's builtins: JSON, RegExp...; Node's bindings);
 * - V8's pseudo-nodes: `(garbage collector)`, `(program)` (native code outside any JS function:
 *   the event loop, libuv, reading sockets), `(idle)`.
 *
 * A bundle's functions (the bench runs the gateway as one, build-gateway.ts) are traced back to
 * their source files through the bundle's source map (node:module's SourceMap).
 *
 * Shares are of the busy time (all but idle, and but the profiler's own `node:inspector`).
 *
 *   npx tsx bench/cpuprofile-summary.ts FILE.cpuprofile [--top N] [--json]
 */
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Of the busy time. */
  share: number;
}

export interface ProfileSummary {
  /** Total and busy (not idle) time, ms. */
  totalMs: number;
  busyMs: number;
  /** Busy time by package, project file, Node module or V8 pseudo-node. */
  byPlace: Share[];
  /** The same, with Node's modules folded into a few groups and this project's files into folders. */
  byLayer: Share[];
  /** The gateway's parts (componentOf). */
  byComponent: Share[];
  /** The functions with the most self time. */
  topFunctions: Share[];
}

const REPO_ROOT = path.resolve(__dirname, '..');

/** Node's stream_base bindings: one write (a syscall) to a socket. */
const SOCKET_WRITES = new Set(['writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String', 'writeBuffer', 'writev']);

/** Where a function lives: a package, one of this project's files, a Node module or a V8 pseudo-node. */
export function placeOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName.startsWith('(')) return functionName;
    if (SOCKET_WRITES.has(functionName)) return '(native: socket writes)';
    if (functionName === 'runMicrotasks') return '(native: microtask queue)';
    return '(native: V8 builtins, Node bindings)';
  }
  if (url.startsWith('node:')) return url;
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const modules = file.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = file.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? file);
  }
  const relative = path.relative(REPO_ROOT, file) || file;
  // A baseline's checkout (bench/profile.ts --rev) lives elsewhere: its files by their path in it.
  return relative.startsWith('..') ? (/(?:^|\/)((?:src|sandbox|bench|scripts)\/.*)$/.exec(relative)?.[1] ?? relative) : relative;
}

/** Node's modules in a few groups; this project's files by folder; packages as they are. */
export function layerOf(place: string): string {
  if (place.startsWith('node:')) {
    const name = place.slice('node:'.length);
    if (/(^|\/)(_http_|http)/.test(name)) return 'node: http';
    if (/(^|\/)(net|stream_base_commons|dns)\b/.test(name) || name.startsWith('internal/net')) return 'node: net (sockets)';
    if (name.includes('streams/')) return 'node: streams';
    if (name.includes('async_hooks') || name.includes('async_context_frame') || name.includes('async_local_storage')) {
      return 'node: async hooks / AsyncLocalStorage';
    }
    if (name.includes('abort_controller') || name.includes('event_target') || name === 'events' || name.includes('events')) {
      return 'node: events, AbortSignal';
    }
    if (name.includes('timers')) return 'node: timers';
    if (name.includes('process/task_queues') || name.includes('promise')) return 'node: microtasks, promises';
    if (name.includes('crypto')) return 'node: crypto';
    if (name.includes('buffer') || name.includes('util') || name.includes('url')) return 'node: buffer, util, url';
    return 'node: other';
  }
  if (place.startsWith('src/')) {
    const parts = place.split('/');
    return parts.length > 2 ? `src/${parts[1]}/` : place;
  }
  return place;
}

/** The HTTP front's packages today (express 5 and what it pulls in for a JSON POST). */
const EXPRESS_FAMILY = new Set([
  'express', 'router', 'body-parser', 'raw-body', 'negotiator', 'content-type', 'type-is', 'cors', 'whatwg-mimetype',
  'iconv-lite', 'path-to-regexp', '@as-integrations/express5', 'accepts', 'mime-types', 'mime-db', 'media-typer',
  'parseurl', 'finalhandler', 'qs', 'vary', 'on-finished', 'depd', 'http-errors', 'statuses', 'encodeurl', 'escape-html',
  'content-disposition', 'fresh', 'proxy-addr', 'forwarded', 'ipaddr.js', 'range-parser', 'etag', 'send', 'unpipe',
  'bytes', 'safe-buffer', 'safer-buffer', 'setprototypeof', 'inherits', 'toidentifier', 'ee-first', 'merge-descriptors',
  'utils-merge', 'cookie', 'cookie-signature', 'object-assign', 'debug', 'ms',
]);

/**
 * The gateway's parts, as the issue names them: what each package or file belongs to. The layers
 * of this project are its own folders and files; Node's own code is split by what it does.
 */
export function componentOf(place: string): string {
  if (place === '(native: socket writes)') return 'socket writes (the reply, the upstream request)';
  if (place === '(garbage collector)') return 'garbage collection';
  if (place === '(native: microtask queue)' || place.includes('task_queues') || place.includes('promise')) return 'promises, microtasks';
  if (place.startsWith('node:')) {
    const layer = layerOf(place);
    if (layer === 'node: http' || layer === 'node: net (sockets)' || layer === 'node: streams') return 'node:http, net, streams';
    if (layer === 'node: async hooks / AsyncLocalStorage') return 'request scope (AsyncLocalStorage)';
    if (layer === 'node: events, AbortSignal' || layer === 'node: timers') return 'events, AbortSignal, timers';
    return 'node: other (buffer, url, crypto, modules...)';
  }
  if (EXPRESS_FAMILY.has(place) || place.startsWith('src/http/') || place === 'src/server.ts') return 'HTTP front (express family, src/http, src/server.ts)';
  if (place === 'graphql' || place === 'dataloader' || place === 'graphql-scalars') return 'graphql-js execution (and dataloader)';
  if (place.startsWith('@apollo/server') || place.startsWith('@apollo/utils') || place === '@apollo/subgraph' || place === 'lru-cache' || place === '@escape.tech/graphql-armor') {
    return 'Apollo Server (and its utils, subgraph)';
  }
  if (place === 'zod') return 'zod (Zoho reply checks)';
  if (
    place === '@apollo/datasource-rest' || place === 'http-cache-semantics' || place.startsWith('lodash') || place === 'cockatiel' ||
    place.startsWith('src/datasources/')
  ) {
    return 'upstream call (RESTDataSource, policy, HTTP client: src/datasources)';
  }
  if (['pino', 'sonic-boom', 'quick-format-unescaped', 'atomic-sleep', 'on-exit-leak-free', 'fast-redact', 'pino-std-serializers', 'safe-stable-stringify'].includes(place) || place === 'src/observability/logger.ts' || place === 'src/observability/redaction.ts') {
    return 'logs (pino, redaction)';
  }
  if (place === 'prom-client' || place === 'tdigest' || place === 'bintrees' || place === 'src/observability/metrics.ts') return 'metrics (prom-client)';
  if (place.startsWith('src/')) return 'this project: context, resolvers, mapping, errors, operation report';
  if (place === 'tsx' || place === 'get-tsconfig' || place === 'esbuild') return 'tsx (the bench runs the sources)';
  if (place.startsWith('(native')) return 'native: other (JSON, RegExp, bindings)';
  return place;
}

/** Source maps of the bundles in a profile, by the bundle's URL (null: it has none). */
const sourceMaps = new Map<string, { map: SourceMap; dir: string } | null>();

/** A bundled function's own file and line, through the bundle's `.map` beside it; others as they are. */
export function originalFrame(frame: CallFrame): CallFrame {
  const { url } = frame;
  const bundle = url.startsWith('file://') && /\.c?js$/.test(url) && (!url.includes('/node_modules/') || url.includes('/.cache/bench-gateways/'));
  if (!bundle) return frame;
  let entry = sourceMaps.get(frame.url);
  if (entry === undefined) {
    const file = decodeURIComponent(new URL(frame.url).pathname);
    try {
      entry = { map: new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as never), dir: path.dirname(file) };
    } catch {
      entry = null;
    }
    sourceMaps.set(frame.url, entry);
  }
  if (!entry) return frame;
  const found = entry.map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
  if (!found.originalSource) return frame;
  const source = path.resolve(entry.dir, found.originalSource.replace(/^file:\/\//, ''));
  return { ...frame, url: `file://${source}`, lineNumber: found.originalLine ?? frame.lineNumber };
}

export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, { ...node, callFrame: originalFrame(node.callFrame) }]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time from sample i-1 to sample i: the time up to a sample is the function's it landed in.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    totalUs += us;
    // The profiler's own session (bench/profile.ts stops it through node:inspector): not the gateway's work.
    if (frame.functionName === '(idle)' || frame.url === 'node:inspector') {
      idleUs += us;
      continue;
    }
    const place = placeOf(frame);
    places.set(place, (places.get(place) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${place}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const shares = (map: Map<string, number>, limit = Number.POSITIVE_INFINITY): Share[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: busyUs > 0 ? us / busyUs : 0 }));
  const layers = new Map<string, number>();
  const components = new Map<string, number>();
  for (const [place, us] of places) {
    layers.set(layerOf(place), (layers.get(layerOf(place)) ?? 0) + us);
    components.set(componentOf(place), (components.get(componentOf(place)) ?? 0) + us);
  }
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    byPlace: shares(places, top),
    byLayer: shares(layers),
    byComponent: shares(components),
    topFunctions: shares(functions, top),
  };
}

export function summaryTable(rows: Share[]): string {
  return [
    '| where | self ms | share of busy |',
    '| --- | ---: | ---: |',
    ...rows.map((row) => `| ${row.name.replace(/\|/g, '\\|')} | ${row.ms.toFixed(0)} | ${(row.share * 100).toFixed(1)}% |`),
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((arg) => !arg.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: npx tsx bench/cpuprofile-summary.ts FILE.cpuprofile [--top N] [--json]\n');
    process.exit(2);
  }
  const topAt = args.indexOf('--top');
  const top = topAt === -1 ? 25 : Number(args[topAt + 1]);
  const summary = summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, top);
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        `${file}: ${summary.totalMs} ms profiled, ${summary.busyMs} ms busy`,
        '',
        'By component:',
        '',
        summaryTable(summary.byComponent),
        '',
        'By layer:',
        '',
        summaryTable(summary.byLayer),
        '',
        `By package or file (top ${top}):`,
        '',
        summaryTable(summary.byPlace),
        '',
        `Functions (top ${top}):`,
        '',
        summaryTable(summary.topFunctions),
        '',
      ].join('\n'),
    );
  }
}
