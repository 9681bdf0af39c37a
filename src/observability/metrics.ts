/**
 * Prometheus metrics (prom-client), served at `GET /metrics`. One registry per gateway, so two
 * gateways in one process (tests) never mix their figures.
 *
 * Every label has a bounded set of values: an operation name is the caller's choice, so only the
 * first `MAX_OPERATION_NAMES` distinct, well-formed names get their own series and the rest count
 * as "other"; an outcome is "ok", a contract error code, or CLIENT_DISCONNECTED (the client left first); an endpoint is one of the five Zoho
 * endpoints; a status is an HTTP status or "error".
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UnsentCall, UpstreamCall } from '../datasources/ZohoPaymentsAPI';
import type { CircuitStateName } from '../datasources/upstream-policy';
import { containsSecrets } from './redaction';

const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

const CIRCUIT_STATES: readonly CircuitStateName[] = ['closed', 'half-open', 'open'];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #names = new Set<string>();

  readonly #operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations, by operation name and outcome ("ok" or the first error code).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly #operationDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Time from the start of a GraphQL request to its response, by operation name.',
    labelNames: ['operation'] as const,
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
  recordOperation(operationName: string | null | undefined, outcome: string, durationSeconds: number): void {
    const operation = this.#operationLabel(operationName);
    this.#operations.inc({ operation, outcome });
    this.#operationDuration.observe({ operation }, durationSeconds);
  }

  /** Counts one upstream HTTP call. */
  recordUpstreamCall(call: UpstreamCall): void {
    this.#upstreamCalls.inc({ endpoint: call.endpoint, status: String(call.status) });
    this.#upstreamDuration.observe({ endpoint: call.endpoint }, call.durationMs / 1000);
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

  #operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name) || containsSecrets(name)) return 'other';
    if (this.#names.has(name)) return name;
    if (this.#names.size >= MAX_OPERATION_NAMES) return 'other';
    this.#names.add(name);
    return name;
  }
}
