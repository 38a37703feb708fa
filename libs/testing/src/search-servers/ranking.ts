/** Exact ranking the fake search servers use: filtered cosine k-NN, BM25, reciprocal rank fusion. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * (b[i] ?? 0);
    na += a[i]! * a[i]!;
    nb += (b[i] ?? 0) * (b[i] ?? 0);
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const STOP = new Set([
  'a',
  'an',
  'the',
  'of',
  'to',
  'in',
  'on',
  'and',
  'or',
  'is',
  'for',
  'my',
  'me',
  'what',
  'how',
  'do',
  'i',
]);
export const terms = (text: string): string[] =>
  (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((t) => !STOP.has(t));

/** BM25 (k1 1.2, b 0.75) of `query` over the docs' text fields; only docs with a score > 0. */
export function bm25<T>(
  docs: readonly T[],
  text: (d: T) => string,
  query: string,
): { doc: T; score: number }[] {
  const q = [...new Set(terms(query))];
  if (q.length === 0) return [];
  const tokenized = docs.map((d) => terms(text(d)));
  const avg = tokenized.reduce((s, t) => s + t.length, 0) / Math.max(tokenized.length, 1);
  const df = new Map(q.map((t) => [t, tokenized.filter((d) => d.includes(t)).length]));
  return docs
    .map((doc, i) => {
      const toks = tokenized[i]!;
      let score = 0;
      for (const t of q) {
        const tf = toks.filter((x) => x === t).length;
        if (!tf) continue;
        const n = df.get(t)!;
        const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
        score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * toks.length) / Math.max(avg, 1)));
      }
      return { doc, score };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score);
}

export function knn<T>(
  docs: readonly T[],
  vec: (d: T) => readonly number[] | undefined,
  query: readonly number[],
  k: number,
): { doc: T; score: number }[] {
  return docs
    .flatMap((doc) => {
      const v = vec(doc);
      return v ? [{ doc, score: cosine(query, v) }] : [];
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

/** Reciprocal rank fusion with constant 60 over ranked lists of ids. */
export function rrf(lists: readonly (readonly string[])[], k = 60): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of lists) list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
