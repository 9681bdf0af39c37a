/**
 * CPU time per upstream call of the gateway's HTTP client (src/datasources/http-client.ts) beside
 * the alternatives it was chosen over: node-fetch 2 over a keep-alive agent (skipped once it is no
 * longer installed), raw node:http over a keep-alive agent (the floor), and Node's global fetch
 * (undici); and, to price the WHATWG objects alone, raw node:http returning a WHATWG Response.
 * Each arm makes --calls GETs at --concurrency in flight against a node:http server in a
 * child process (so the server's CPU is not counted), reading every body in full; the CPU time
 * of this process (process.cpuUsage, user + system) over the calls, divided by their number, is
 * one round's figure. Arms take turns (order rotated each round) after one warm-up round; the
 * figure reported is the median of --rounds rounds.
 *
 *   npx tsx bench/http-client-cpu.ts                                  # 20,000 calls x 32 in flight, 5 rounds
 *   npx tsx bench/http-client-cpu.ts --calls 5000 --rounds 3 --framing chunked
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createZohoHttpClient } from '../src/datasources/http-client';

interface Options {
  calls: number;
  concurrency: number;
  rounds: number;
  framing: 'content-length' | 'chunked';
}

function parseOptions(argv: string[]): Options {
  const options: Options = { calls: 20_000, concurrency: 32, rounds: 5, framing: 'content-length' };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1] ?? ''];
    if (name === '--calls') options.calls = Number(value);
    else if (name === '--concurrency') options.concurrency = Number(value);
    else if (name === '--rounds') options.rounds = Number(value);
    else if (name === '--framing' && (value === 'chunked' || value === 'content-length')) options.framing = value;
    else throw new Error(`unknown option ${name} ${value}`);
  }
  return options;
}

/** A reply the size of a Zoho payment method (about 1 kB of JSON). */
const SERVER_SOURCE = `
const http = require('node:http');
const chunked = process.argv[1] === 'chunked';
const body = Buffer.from(JSON.stringify({ code: 0, message: 'success', payment_method: { payment_method_id: '173000002315115', type: 'card', status: 'active', card: { brand: 'visa', last_four_digits: '1111', expiry_month: '12', expiry_year: '2030', funding: 'credit' }, pad: 'x'.repeat(800) } }));
const server = http.createServer((req, res) => {
  if (chunked) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(body.subarray(0, 500));
    res.end(body.subarray(500));
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  }
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startServer(framing: Options['framing']): Promise<{ origin: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER_SOURCE, framing], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** One GET whose body is read in full; resolves with the body's length (checked, so nothing is skipped). */
type Call = (url: string) => Promise<number>;

interface Arm {
  name: string;
  call: Call;
  close(): void;
}

async function makeArms(origin: string, concurrency: number): Promise<Arm[]> {
  const arms: Arm[] = [];

  const client = createZohoHttpClient({ baseURL: origin, maxSockets: concurrency, env: {} });
  arms.push({
    name: 'new client (node:http fetcher)',
    call: async (url) => (await (await client.fetch(url, { method: 'GET', headers: { accept: 'application/json' } })).text()).length,
    close: () => client.close(),
  });

  try {
    // Optional: node-fetch is to be removed; then this arm is skipped. A computed specifier, so
    // the type check does not need node-fetch's types either.
    const specifier = 'node-fetch';
    type NodeFetch = (url: string, init: object) => Promise<{ text(): Promise<string> }>;
    const nodeFetch = ((await import(specifier)) as { default: NodeFetch }).default;
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    arms.push({
      name: 'node-fetch 2 (keep-alive agent)',
      call: async (url) => (await (await nodeFetch(url, { method: 'GET', headers: { accept: 'application/json' }, agent })).text()).length,
      close: () => agent.destroy(),
    });
  } catch {
    process.stderr.write('node-fetch is not installed: its arm is skipped\n');
  }

  const rawAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  arms.push({
    name: 'raw node:http (keep-alive agent)',
    call: (url) =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'GET', headers: { accept: 'application/json' }, agent: rawAgent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').length));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      }),
    close: () => rawAgent.destroy(),
  });

  // What the new client would cost returning a WHATWG Response instead of its plain object.
  const whatwgAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  arms.push({
    name: 'node:http + WHATWG Response',
    call: (url) =>
      new Promise<Response>((resolve, reject) => {
        const req = http.request(url, { method: 'GET', headers: { accept: 'application/json' }, agent: whatwgAgent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers }));
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      }).then(async (response) => (await response.text()).length),
    close: () => whatwgAgent.destroy(),
  });

  arms.push({
    name: "Node's global fetch (undici)",
    call: async (url) => (await (await fetch(url, { method: 'GET', headers: { accept: 'application/json' } })).text()).length,
    close: () => undefined,
  });
  return arms;
}

/** `calls` GETs, `concurrency` at a time; the CPU microseconds of this process per call. */
async function measure(arm: Arm, origin: string, options: Options): Promise<{ cpuUs: number; wallMs: number }> {
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < options.calls) {
      const i = next++;
      bytes += await arm.call(`${origin}/api/v1/paymentmethods/${i}?account_id=1000000001`);
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (bytes === 0) throw new Error(`${arm.name} read no bytes`);
  return { cpuUs: (cpu.user + cpu.system) / options.calls, wallMs };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const server = await startServer(options.framing);
  const arms = await makeArms(server.origin, options.concurrency);
  const results = new Map<string, { cpuUs: number[]; wallMs: number[] }>(arms.map((a) => [a.name, { cpuUs: [], wallMs: [] }]));
  try {
    // Warm-up: JIT, sockets and TLS-free pools filled for every arm before anything counts.
    for (const arm of arms) await measure(arm, server.origin, { ...options, calls: Math.min(options.calls, 5000) });
    for (let round = 0; round < options.rounds; round += 1) {
      const order = arms.map((_, i) => arms[(i + round) % arms.length]!);
      for (const arm of order) {
        const { cpuUs, wallMs } = await measure(arm, server.origin, options);
        results.get(arm.name)!.cpuUs.push(cpuUs);
        results.get(arm.name)!.wallMs.push(wallMs);
      }
    }
  } finally {
    for (const arm of arms) arm.close();
    server.stop();
  }
  const floor = median(results.get('raw node:http (keep-alive agent)')!.cpuUs);
  process.stdout.write(
    `Node ${process.version}, ${options.calls} GETs x ${options.concurrency} in flight, ${options.framing}, median of ${options.rounds} rounds\n\n` +
      '| arm | CPU per call (µs) | vs raw node:http | calls/s |\n| --- | ---: | ---: | ---: |\n',
  );
  for (const [name, { cpuUs, wallMs }] of results) {
    const cpu = median(cpuUs);
    const rate = options.calls / (median(wallMs) / 1000);
    process.stdout.write(`| ${name} | ${cpu.toFixed(1)} | ${(cpu / floor).toFixed(2)}x | ${Math.round(rate)} |\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
