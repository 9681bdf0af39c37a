/**
 * Fault injection: "the next N calls of this endpoint are slow, fail, or break". The gateway's
 * resilience tests and the benchmarks arrange upstream trouble with it (README.md, Faults).
 */
import { z } from 'zod';

export const ENDPOINTS = [
  'createPaymentMethodSession',
  'retrievePaymentMethodSession',
  'retrievePaymentMethod',
  'updatePaymentMethod',
  'deletePaymentMethod',
] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

const base = {
  endpoint: z.enum([...ENDPOINTS, '*']),
  count: z.number().int().min(1).max(1_000_000).default(1),
  account_id: z.string().regex(/^\d{1,19}$/).optional(),
};

/** A fault as the control API accepts it. */
export const faultSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('latency'), latency_ms: z.number().int().min(0).max(120_000) }),
  z.object({ ...base, type: z.literal('status'), status: z.union([z.literal(500), z.literal(502), z.literal(503)]) }),
  z.object({ ...base, type: z.literal('rate_limit'), retry_after: z.number().int().min(0).max(86_400).default(1) }),
  z.object({ ...base, type: z.literal('drop') }),
  z.object({ ...base, type: z.literal('malformed_json') }),
  z.object({ ...base, type: z.literal('unexpected_shape') }),
]);
export type Fault = z.infer<typeof faultSchema>;

export interface QueuedFault {
  id: number;
  fault: Fault;
  remaining: number;
}

export class FaultQueue {
  #queued: QueuedFault[] = [];
  #nextId = 1;

  add(fault: Fault): QueuedFault {
    const queued = { id: this.#nextId++, fault, remaining: fault.count };
    this.#queued.push(queued);
    return queued;
  }

  /** The first queued fault matching this call, with one use taken from it. */
  take(endpoint: EndpointName, accountId: string | undefined): Fault | undefined {
    const index = this.#queued.findIndex(
      ({ fault }) =>
        (fault.endpoint === '*' || fault.endpoint === endpoint) &&
        (fault.account_id === undefined || fault.account_id === accountId),
    );
    const queued = this.#queued[index];
    if (!queued) return undefined;
    queued.remaining -= 1;
    if (queued.remaining === 0) this.#queued.splice(index, 1);
    return queued.fault;
  }

  list(): QueuedFault[] {
    return this.#queued.map((queued) => ({ ...queued }));
  }

  clear(): void {
    this.#queued = [];
  }
}

/** One call of an emulated endpoint, as the journal keeps it: never a token or a body. */
export interface JournalEntry {
  endpoint: EndpointName;
  method: string;
  path: string;
  account_id: string | null;
  status: number | 'dropped';
  fault: Fault['type'] | null;
  at: string;
}

/**
 * The last calls of the emulated endpoints, for tests that count upstream calls: a ring of
 * `capacity` entries, so recording a call costs the same however long the sandbox has run.
 */
export class Journal {
  readonly #ring: Array<JournalEntry | undefined>;
  /** Where the next entry goes. */
  #next = 0;
  #size = 0;

  constructor(private readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('a journal holds at least one entry');
    this.#ring = new Array<JournalEntry | undefined>(capacity);
  }

  record(entry: JournalEntry): void {
    this.#ring[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  /** The kept entries, oldest first. */
  list(): JournalEntry[] {
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    return Array.from({ length: this.#size }, (_, i) => this.#ring[(start + i) % this.capacity] as JournalEntry);
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}
