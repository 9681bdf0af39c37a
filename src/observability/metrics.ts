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
 * Each label combination's child (prom-client's `labels()`) is looked up once and kept: `inc` and
 * `observe` with a label object hash the labels on every call.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UnsentCall, UpstreamCall } from '../datasources/ZohoPaymentsAPI';
import type { CircuitStateName } from '../datasources/upstream-policy';
import type { OperationShape } from './operation-shape';

/** What an outcome label may be: "ok" or an error code; anything else (never expected) is "other". */
const OUTCOME = /^(?:ok|[A-Z][A-Z0-9_]{0,63})$/;

const CIRCUIT_STATES: readonly CircuitStateName[] = ['closed', 'half-open', 'open'];

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #operationChildren = new Map<string, { count: CounterChild; duration: HistogramChild }>();
  readonly #upstreamChildren = new Map<string, { count: CounterChild; duration: HistogramChild }>();

  readonly #operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations, by operation type, root field (the one it selects; "multiple" or "none") and outcome ("ok" or the first error code).',
    labelNames: ['type', 'root_field', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly #operationDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Time from the start of a GraphQL request to its response, by operation type and root field.',
    labelNames: ['type', 'root_field'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly #upstreamCalls = new Counter({
    name: 'zoho_upstream_requests_total',
    help: 'HTTP calls to Zoho Payments (each retry counts), by endpoint and status ("error" when no reply came).',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });

  readonly #upstreamDuration = new Histogram({
    name: 'zoho_upstream_request_duration_seconds',
    help: 'Duration of one HTTP call to Zoho Payments, by endpoint.',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly #upstreamFailures = new Counter({
    name: 'zoho_upstream_failures_total',
    help: 'HTTP calls to Zoho Payments that got no usable reply, by endpoint and cause (refused, reset, dns, tls, timeout, redirect, too_large, proxy, aborted, other).',
    labelNames: ['endpoint', 'cause'] as const,
    registers: [this.registry],
  });

  readonly #unsentCalls = new Counter({
    name: 'zoho_upstream_unsent_total',
    help: 'Calls to Zoho Payments the gateway did not send, by endpoint and reason (circuit_open, caller_busy, operation_limit, token_rejected, cancelled).',
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

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.setCircuitState('closed');
  }

  /** Counts one finished operation. */
  recordOperation(shape: OperationShape, outcome: string, durationSeconds: number): void {
    const safeOutcome = OUTCOME.test(outcome) ? outcome : 'other';
    const key = `${shape.type} ${shape.rootField} ${safeOutcome}`;
    let child = this.#operationChildren.get(key);
    if (!child) {
      child = {
        count: this.#operations.labels({ type: shape.type, root_field: shape.rootField, outcome: safeOutcome }),
        duration: this.#operationDuration.labels({ type: shape.type, root_field: shape.rootField }),
      };
      this.#operationChildren.set(key, child);
    }
    child.count.inc();
    child.duration.observe(durationSeconds);
  }

  /** Counts one upstream HTTP call. */
  recordUpstreamCall(call: UpstreamCall): void {
    const key = `${call.endpoint} ${call.status}`;
    let child = this.#upstreamChildren.get(key);
    if (!child) {
      child = {
        count: this.#upstreamCalls.labels({ endpoint: call.endpoint, status: String(call.status) }),
        duration: this.#upstreamDuration.labels({ endpoint: call.endpoint }),
      };
      this.#upstreamChildren.set(key, child);
    }
    child.count.inc();
    child.duration.observe(call.durationMs / 1000);
    if (call.failure) this.#upstreamFailures.inc({ endpoint: call.endpoint, cause: call.failure });
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

  /** The text exposition format, for `GET /metrics`. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
