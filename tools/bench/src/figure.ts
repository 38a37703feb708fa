/** One measured figure, as printed (one JSON line each) and stored in bench/results/latest.json. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
}
export interface BenchModule {
  run(): Promise<Figure[]>;
}

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
};

/** Samples peak RSS of this process while `fn` runs (every 50 ms). */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRssMb: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
