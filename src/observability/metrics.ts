/**
 * Prometheus metrics (prom-client), served at `GET /metrics`. One registry per gateway, so two
 * gateways in one process (tests) never mix their figures.
 *
 * Every label has a set of values bounded by the schema or the code, never by what a caller
 * sends: an operation is counted by its type and root field (operation-shape.ts: a root field of
 * the schema, `multiple` or `none`), never by its name (the caller's choice: it is in the log
 * line); an outcome is "ok", an error code (CLIENT_DISCONNECTED when the client left first); an
 * endpoint is one of the five Zoho endpoints; a status is an HTTP status or "error".
 *
 * What is counted on every operation and every upstream call is counted in series objects
 * (series.ts) looked up once per label set and kept, by the operation's shape object and by
 * endpoint and status: prom-client's own `inc` and `observe` validate and hash the labels on every
 * call. The rest (failures, unsent calls, circuits) is rare and uses prom-client as it is.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { UnsentCall, UpstreamCall } from '../datasources/ZohoPaymentsAPI';
import type { CircuitStateName } from '../datasources/upstream-policy';
import { BUDGET_NAMES, type BudgetName } from '../datasources/rate-budget';
import type { OperationShape } from './operation-shape';
import { DirectCounter, DirectHistogram, type CounterSeries, type HistogramSeries } from './series';

/** What an outcome label may be: "ok" or an error code; anything else (never expected) is "other". */
const OUTCOME = /^(?:ok|[A-Z][A-Z0-9_]{0,63})$/;

/** What the gateway uses Redis for: the `use` label of its failures. */
export type RedisUse = 'idempotency' | 'persisted_queries' | 'rate_budget';

const CIRCUIT_STATES: readonly CircuitStateName[] = ['closed', 'half-open', 'open'];

const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** An operation shape's series: its duration, and its count by outcome. */
interface ShapeSeries {
  duration: HistogramSeries;
  byOutcome: Map<string, CounterSeries>;
}

/** An endpoint's series: its duration, and its count by status. */
interface EndpointSeries {
  duration: HistogramSeries;
  byStatus: Map<number | 'error', CounterSeries>;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  /** By shape object (operation-shape.ts keeps one per operation node), then by its labels' text. */
  readonly #shapeSeries = new WeakMap<OperationShape, ShapeSeries>();
  readonly #shapeSeriesByLabels = new Map<string, ShapeSeries>();
  readonly #endpointSeries = new Map<string, EndpointSeries>();

  readonly #operations = new DirectCounter(
    'graphql_operations_total',
    'GraphQL operations, by operation type, root field (the one it selects; "multiple" or "none") and outcome ("ok" or the first error code).',
    this.registry,
  );

  readonly #operationDuration = new DirectHistogram(
    'graphql_operation_duration_seconds',
    'Time from the start of a GraphQL request to its response, by operation type and root field.',
    this.registry,
    DURATION_BUCKETS,
  );

  readonly #upstreamCalls = new DirectCounter(
    'zoho_upstream_requests_total',
    'HTTP calls to Zoho Payments (each retry counts), by endpoint and status ("error" when no reply came).',
    this.registry,
  );

  readonly #upstreamDuration = new DirectHistogram(
    'zoho_upstream_request_duration_seconds',
    'Duration of one HTTP call to Zoho Payments, by endpoint.',
    this.registry,
    DURATION_BUCKETS,
  );

  readonly #upstreamFailures = new Counter({
    name: 'zoho_upstream_failures_total',
    help: 'HTTP calls to Zoho Payments that got no usable reply, by endpoint and cause (refused, reset, dns, tls, timeout, redirect, too_large, proxy, aborted, other).',
    labelNames: ['endpoint', 'cause'] as const,
    registers: [this.registry],
  });

  readonly #unsentCalls = new Counter({
    name: 'zoho_upstream_unsent_total',
    help: 'Calls to Zoho Payments the gateway did not send, by endpoint and reason (circuit_open, caller_busy, rate_budget, operation_limit, token_rejected, cancelled).',
    labelNames: ['endpoint', 'reason'] as const,
    registers: [this.registry],
  });

  readonly #circuit = new Gauge({
    name: 'zoho_circuit_state',
    help: 'The gateway-wide circuit in front of Zoho Payments (open while Zoho fails for ZOHO_BREAKER_MIN_CALLERS callers or more): 1 for the state it is in, 0 for the others.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly #openCallerCircuits = new Gauge({
    name: 'zoho_caller_circuits_open',
    help: "Callers (token and account) whose own circuit is open: their calls fail fast, other callers' are unaffected.",
    registers: [this.registry],
  });

  readonly #rateBudgetRejections = new Counter({
    name: 'zoho_rate_budget_rejections_total',
    help: "Calls to Zoho Payments refused (RATE_LIMITED, not sent) because the gateway's rate budget was spent, by budget: account (ZOHO_RATE_LIMIT_PER_MINUTE) or unverified (ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE).",
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });

  readonly #rateBudgetFallback = new Gauge({
    name: 'zoho_rate_budget_fallback',
    help: '1 while Redis does not answer the rate budget and each replica keeps its own, per-process budget; 0 while it is shared (or kept in memory without REDIS_URL).',
    registers: [this.registry],
  });

  /** Registered by the first setRedisUp: a gateway without REDIS_URL has no such series (an alert on 0 would fire for it). */
  #redisUp: Gauge | undefined;

  readonly #redisFailures = new Counter({
    name: 'gateway_redis_failures_total',
    help: 'Redis commands that failed or timed out (REDIS_TIMEOUT_MS), by use (idempotency, persisted_queries, rate_budget).',
    labelNames: ['use'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.setCircuitState('closed');
    for (const budget of BUDGET_NAMES) this.#rateBudgetRejections.inc({ budget }, 0);
    this.#rateBudgetFallback.set(0);
  }

  /** Counts one call refused by the rate budget. */
  recordRateBudgetRejection(budget: BudgetName): void {
    this.#rateBudgetRejections.inc({ budget });
  }

  setRateBudgetFallback(fallback: boolean): void {
    this.#rateBudgetFallback.set(fallback ? 1 : 0);
  }

  /** Counts one finished operation. */
  recordOperation(shape: OperationShape, outcome: string, durationSeconds: number): void {
    const series = this.#seriesOfShape(shape);
    let count = series.byOutcome.get(outcome);
    if (!count) {
      const safeOutcome = OUTCOME.test(outcome) ? outcome : 'other';
      count =
        series.byOutcome.get(safeOutcome) ??
        this.#operations.series({ type: shape.type, root_field: shape.rootField, outcome: safeOutcome });
      series.byOutcome.set(safeOutcome, count);
      // Only valid outcomes are kept by their own text (the others, never expected, are looked up each time).
      if (safeOutcome === outcome) series.byOutcome.set(outcome, count);
    }
    count.inc();
    series.duration.observe(durationSeconds);
  }

  /** Counts one upstream HTTP call. */
  recordUpstreamCall(call: UpstreamCall): void {
    let series = this.#endpointSeries.get(call.endpoint);
    if (!series) {
      series = { duration: this.#upstreamDuration.series({ endpoint: call.endpoint }), byStatus: new Map() };
      this.#endpointSeries.set(call.endpoint, series);
    }
    let count = series.byStatus.get(call.status);
    if (!count) {
      count = this.#upstreamCalls.series({ endpoint: call.endpoint, status: String(call.status) });
      series.byStatus.set(call.status, count);
    }
    count.inc();
    series.duration.observe(call.durationMs / 1000);
    if (call.failure) this.#upstreamFailures.inc({ endpoint: call.endpoint, cause: call.failure });
  }

  #seriesOfShape(shape: OperationShape): ShapeSeries {
    let series = this.#shapeSeries.get(shape);
    if (!series) {
      const labels = `${shape.type} ${shape.rootField}`;
      series = this.#shapeSeriesByLabels.get(labels);
      if (!series) {
        series = { duration: this.#operationDuration.series({ type: shape.type, root_field: shape.rootField }), byOutcome: new Map() };
        this.#shapeSeriesByLabels.set(labels, series);
      }
      this.#shapeSeries.set(shape, series);
    }
    return series;
  }

  /** Counts one call the gateway did not send. */
  recordUnsentCall(call: UnsentCall): void {
    this.#unsentCalls.inc({ endpoint: call.endpoint, reason: call.reason });
  }

  setOpenCallerCircuits(count: number): void {
    this.#openCallerCircuits.set(count);
  }

  setCircuitState(state: CircuitStateName): void {
    for (const each of CIRCUIT_STATES) this.#circuit.set({ state: each }, each === state ? 1 : 0);
  }

  setRedisUp(up: boolean): void {
    this.#redisUp ??= new Gauge({
      name: 'gateway_redis_up',
      help: 'Whether the connection to Redis (REDIS_URL) is ready to serve commands: 1 or 0 (absent without REDIS_URL).',
      registers: [this.registry],
    });
    this.#redisUp.set(up ? 1 : 0);
  }

  /** Counts one Redis command that failed (an error reply, a timeout, no connection). */
  recordRedisFailure(use: RedisUse): void {
    this.#redisFailures.inc({ use });
  }

  /** The text exposition format, for `GET /metrics`. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
