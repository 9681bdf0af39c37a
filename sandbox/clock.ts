/**
 * The sandbox's clock (README.md, The clock). It runs on real time until the control API freezes,
 * sets or advances it, so that the seeds' examples can be replayed at their own moment (February
 * 2024, when the card expiring 01/26 was still good) and a session's hour or a card's expiry can
 * pass without waiting. Every time the sandbox reads (created_time, last_modified_time, session
 * and card expiry, the rate limit's minute, the journal) comes from here.
 */

/** What the control API answers about the clock. */
export interface ClockView {
  /** The clock's reading, ISO 8601 in UTC. */
  now: string;
  frozen: boolean;
  /** True when the clock is the source's own time: running, not set, not advanced. */
  real_time: boolean;
}

export class SandboxClock {
  readonly #source: () => number;
  /** Added to the source's time while running (set and advance move it). */
  #offsetMs = 0;
  /** The reading while frozen; undefined while running. */
  #frozenAtMs: number | undefined;

  /** `source`: real time, in epoch milliseconds (tests inject their own). */
  constructor(source: () => number = Date.now) {
    this.#source = source;
  }

  /** The reading, in epoch milliseconds. */
  now(): number {
    return this.#frozenAtMs ?? this.#source() + this.#offsetMs;
  }

  get frozen(): boolean {
    return this.#frozenAtMs !== undefined;
  }

  /** Stops the clock at `atMs` (default: where it is now). */
  freeze(atMs: number = this.now()): void {
    this.#frozenAtMs = atMs;
  }

  /** A frozen clock runs again from where it stopped (not from real time). */
  resume(): void {
    if (this.#frozenAtMs === undefined) return;
    this.#offsetMs = this.#frozenAtMs - this.#source();
    this.#frozenAtMs = undefined;
  }

  /** Sets the reading: a frozen clock stays frozen there, a running one runs on from there. */
  set(atMs: number): void {
    if (this.#frozenAtMs !== undefined) this.#frozenAtMs = atMs;
    else this.#offsetMs = atMs - this.#source();
  }

  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Back to real time: running, no offset. */
  reset(): void {
    this.#offsetMs = 0;
    this.#frozenAtMs = undefined;
  }

  view(): ClockView {
    return {
      now: new Date(this.now()).toISOString(),
      frozen: this.frozen,
      real_time: !this.frozen && this.#offsetMs === 0,
    };
  }
}
