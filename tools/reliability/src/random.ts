/**
 * Seeded randomness for property-style tests (no fast-check here): the same seed replays the same
 * cases, and every suite prints its seed. `RELIABILITY_SEED` overrides it.
 */
export interface Random {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  shuffle<T>(items: readonly T[]): T[];
  string(length: number, alphabet?: string): string;
}

export function seededRandom(seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 2 ** 31)): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    chance: (p) => next() < p,
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    string: (length, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-') =>
      Array.from({ length }, () => alphabet[int(0, alphabet.length - 1)]).join(''),
  };
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The final line every suite prints: `[reliability] <suite>: k=v, k=v`. */
export function report(suite: string, counts: Record<string, number | string>): string {
  const line = `[reliability] ${suite}: ${Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}`;
  console.log(line);
  return line;
}
