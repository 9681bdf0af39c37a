/**
 * Counters and histograms for the metrics counted on every operation and every upstream call,
 * registered in a prom-client Registry (which formats them for `/metrics` exactly as its own) but
 * counted without it: prom-client's `inc` and `observe` validate and hash the label set on every
 * call, even through a `labels()` child. Here each label set is a series object the caller looks
 * up once and keeps; counting is a field increment, and prom-client reads the series at scrape
 * time. Label values are the caller's to bound (metrics.ts).
 */
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

/** What prom-client's Registry reads from a metric (its own metrics' `getForPromString`/`get` shape). */
interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  sharedLabels?: Labels;
}

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(): void {
    this.value += 1;
  }
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative), by upper bound's index. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length);
  }
  observe(value: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i += 1;
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

abstract class DirectMetric<S> {
  readonly aggregator = 'sum';
  protected readonly all: S[] = [];
  abstract readonly type: 'counter' | 'histogram';

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    // prom-client's metric interface is its own classes'; the Registry reads only what is here.
    registry.registerMetric(this as never);
  }

  protected abstract values(): MetricValue[];

  /** What the registry formats for `/metrics`. */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }

  /** The JSON form (`registry.getMetricsAsJSON`), labels merged as prom-client's own do. */
  async get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } })),
    };
  }

  abstract reset(): void;
}

export class DirectCounter extends DirectMetric<CounterSeries> {
  readonly type = 'counter';

  series(labels: Labels): CounterSeries {
    const series = new CounterSeries(labels);
    this.all.push(series);
    return series;
  }

  protected values(): MetricValue[] {
    return this.all.map((series) => ({ value: series.value, labels: { ...series.labels } }));
  }

  reset(): void {
    for (const series of this.all) series.value = 0;
  }
}

export class DirectHistogram extends DirectMetric<HistogramSeries> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    registry: Registry,
    private readonly upperBounds: readonly number[],
  ) {
    super(name, help, registry);
  }

  series(labels: Labels): HistogramSeries {
    const series = new HistogramSeries(labels, this.upperBounds);
    this.all.push(series);
    return series;
  }

  /** As prom-client's Histogram exports: cumulative buckets, +Inf, sum and count, per series. */
  protected values(): MetricValue[] {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const series of this.all) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        values.push({ value: cumulative, labels: { le }, metricName: bucket, sharedLabels: series.labels });
      });
      values.push(
        { value: series.count, labels: { le: '+Inf' }, metricName: bucket, sharedLabels: series.labels },
        { value: series.sum, labels: {}, metricName: `${this.name}_sum`, sharedLabels: series.labels },
        { value: series.count, labels: {}, metricName: `${this.name}_count`, sharedLabels: series.labels },
      );
    }
    return values;
  }

  reset(): void {
    for (const series of this.all) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
