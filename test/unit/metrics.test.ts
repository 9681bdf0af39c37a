/**
 * The operation metrics' labels are bounded by the schema (src/observability/operation-shape.ts):
 * an operation counts by its type and root field, never by its name, which is the caller's
 * choice and stays in the log line. Real Apollo Server over the real schema and the real
 * operation-report plugin; no upstream call is made (no credentials, or none needed).
 */
import { Writable } from 'node:stream';
import { ApolloServer } from '@apollo/server';
import { Counter, Histogram, Registry } from 'prom-client';
import { buildContext, type GatewayContext } from '../../src/context';
import { createLogger } from '../../src/observability/logger';
import { GatewayMetrics } from '../../src/observability/metrics';
import { operationReportPlugin } from '../../src/observability/operation-report';
import { DirectCounter, DirectHistogram } from '../../src/observability/series';
import { buildSchema } from '../../src/schema';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (.+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

const operations = (text: string) => samples(text).filter((s) => s.name === 'graphql_operations_total');

function setUp() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'info' }, sink);
  const metrics = new GatewayMetrics({ processMetrics: false });
  const server = new ApolloServer<GatewayContext>({
    schema: buildSchema(),
    plugins: [operationReportPlugin(metrics)],
    logger: createLogger({ level: 'warn' }),
  });
  const run = async (query: string, headers: Record<string, string> = {}) => {
    const contextValue = buildContext(headers, {
      zohoApiUrl: 'http://127.0.0.1:9/api/v1',
      zohoTimeoutMs: 1000,
      fetcher: () => Promise.reject(new Error('no upstream call is expected in these tests')),
      logger,
    });
    return server.executeOperation({ query }, { contextValue });
  };
  const text = async () => (await metrics.exposition()).body;
  return { server, run, text, lines };
}

test('200 unauthenticated `query JunkN { __typename }` take no label slot: they are one series, __typename', async () => {
  const { server, run, text, lines } = setUp();
  await server.start();
  try {
    for (let i = 0; i < 200; i++) await run(`query Junk${i} { __typename }`);
    // Then a real operation still gets its own series.
    await run('query MyOperation { paymentMethod(id: "1987000000724211") { id } }');

    const exposition = await text();
    expect(exposition).not.toMatch(/Junk/);
    expect(exposition).not.toMatch(/MyOperation/);
    expect(operations(exposition)).toEqual([
      { name: 'graphql_operations_total', labels: { type: 'query', root_field: '__typename', outcome: 'ok' }, value: 200 },
      { name: 'graphql_operations_total', labels: { type: 'query', root_field: 'paymentMethod', outcome: 'UNAUTHENTICATED' }, value: 1 },
    ]);
    const durations = samples(exposition).filter((s) => s.name === 'graphql_operation_duration_seconds_count');
    expect(durations.map((s) => [s.labels, s.value])).toEqual([
      [{ type: 'query', root_field: '__typename' }, 200],
      [{ type: 'query', root_field: 'paymentMethod' }, 1],
    ]);

    // The names stay in the log line, one per operation.
    const reports = lines.filter((line) => line['msg'] === 'graphql operation');
    expect(reports).toHaveLength(201);
    expect(reports.slice(0, 3).map((line) => line['operationName'])).toEqual(['Junk0', 'Junk1', 'Junk2']);
    expect(reports.at(-1)?.['operationName']).toBe('MyOperation');
  } finally {
    await server.stop();
  }
});

test('the root field is found by field name, through aliases and fragments; several are "multiple"', async () => {
  const { server, run, text } = setUp();
  await server.start();
  try {
    await run('{ card4111111111111111: paymentMethod(id: "1") { id } }');
    await run('query Q { ...Root } fragment Root on Query { ... on Query { paymentMethodSession(id: "1") { id } } }');
    await run('{ __typename paymentMethods(ids: ["1"]) { id } }');
    await run('{ a: paymentMethod(id: "1") { id } b: paymentMethod(id: "2") { id } }');
    await run('{ paymentMethod(id: "1") { id } paymentMethodSession(id: "1") { id } }');
    await run('{ _service { sdl } }');
    await run('mutation M { deletePaymentMethod(input: { id: "1" }) { userErrors { message } } }');

    const byLabels = Object.fromEntries(operations(await text()).map((s) => [`${s.labels['type']} ${s.labels['root_field']}`, s.value]));
    expect(byLabels).toEqual({
      'query paymentMethod': 2,
      'query paymentMethodSession': 1,
      'query paymentMethods': 1,
      'query multiple': 1,
      'query _service': 1,
      'mutation deletePaymentMethod': 1,
    });
    expect(await text()).not.toContain('4111111111111111');
  } finally {
    await server.stop();
  }
});

test('a request with no operation (it does not parse, or fails validation) is "none", whatever it names', async () => {
  const { server, run, text } = setUp();
  await server.start();
  try {
    await run('query Broken4111111111111111 {');
    await run('query NoSuchField { junkFieldChosenByTheCaller }');
    const exposition = await text();
    expect(exposition).not.toMatch(/Broken|junkField|NoSuchField|4111111111111111/);
    expect(operations(exposition).map((s) => s.labels)).toEqual([
      { type: 'none', root_field: 'none', outcome: 'GRAPHQL_PARSE_FAILED' },
      { type: 'none', root_field: 'none', outcome: 'GRAPHQL_VALIDATION_FAILED' },
    ]);
  } finally {
    await server.stop();
  }
});

test('an outcome that is not an error code is counted as "other"', async () => {
  const metrics = new GatewayMetrics({ processMetrics: false });
  metrics.recordOperation({ type: 'query', rootField: 'paymentMethod' }, 'not a code 4111111111111111', 0.01);
  metrics.recordOperation({ type: 'query', rootField: 'paymentMethod' }, 'UPSTREAM_ERROR', 0.01);
  metrics.recordOperation({ type: 'query', rootField: 'paymentMethod' }, 'UPSTREAM_ERROR', 0.01);
  const exposition = (await metrics.exposition()).body;
  expect(exposition).not.toContain('4111111111111111');
  expect(operations(exposition).map((s) => [s.labels['outcome'], s.value])).toEqual([
    ['other', 1],
    ['UPSTREAM_ERROR', 2],
  ]);
});

test("the series counted without prom-client's per-call label hashing read exactly as prom-client's own metrics in /metrics", async () => {
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const theirs = new Registry();
  const ours = new Registry();
  const counter = new Counter({ name: 'c_total', help: 'a counter', labelNames: ['a', 'b'], registers: [theirs] });
  const histogram = new Histogram({ name: 'h_seconds', help: 'a histogram', labelNames: ['a'], buckets, registers: [theirs] });
  const directCounter = new DirectCounter('c_total', 'a counter', ours);
  const directHistogram = new DirectHistogram('h_seconds', 'a histogram', ours, buckets);
  const labelSets = [
    { a: 'x', b: 'ok' },
    { a: 'y "quoted"\\n', b: 'UPSTREAM_ERROR' },
  ];
  const values = [0, 0.004, 0.005, 0.0051, 0.3, 2.5, 9.99, 10, 11, 120];
  for (const labels of labelSets) {
    const series = directCounter.series(labels);
    const timing = directHistogram.series({ a: labels.a });
    for (const value of values) {
      counter.inc(labels);
      series.inc();
      histogram.observe({ a: labels.a }, value);
      timing.observe(value);
    }
  }
  expect(await ours.metrics()).toBe(await theirs.metrics());
  // The JSON form too, but for prom-client's empty exemplar fields (no exemplars are kept).
  const withoutExemplars = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
    metrics.map((metric) => ({
      ...metric,
      values: metric.values.map((value) => Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'exemplar'))),
    }));
  expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
  ours.resetMetrics();
  theirs.resetMetrics();
  // prom-client forgets a reset series; a kept series reads 0 until counted again.
  expect((await ours.getMetricsAsJSON()).flatMap((m) => m.values).every((v) => v.value === 0)).toBe(true);
});
