/**
 * LocalLexicalEmbedder: hashed word, word-bigram and character-trigram features, sublinear term
 * weights, signed feature hashing, L2-normalised. It matches shared words and spellings, not
 * meaning — it is LEXICAL, never semantic. It exists so the pipeline, the ACL filter and the
 * cascade run for real where no embedding model can be downloaded (tests, `npm start`).
 */
import type { Embedder } from './embedder.port.js';

export interface LocalLexicalEmbedderOptions {
  /** @default 256 */
  readonly dimensions?: number;
}

const fnv1a = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

/** Whole words count most; bigrams add phrase order; trigrams tolerate inflections and typos. */
const WEIGHT: Record<string, number> = { w: 1, b: 0.5, c: 0.25 };

export function lexicalTokens(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

export class LocalLexicalEmbedder implements Embedder {
  readonly dimensions: number;
  readonly semantic = false;
  readonly id: string;

  constructor(options: LocalLexicalEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    if (!Number.isInteger(this.dimensions) || this.dimensions < 16 || this.dimensions > 4096)
      throw new RangeError('dimensions must be an integer in 16..4096');
    this.id = `local-lexical-v1-${this.dimensions}`;
  }

  embed(texts: readonly string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((t) => this.embedOne(t)));
  }

  embedOne(text: string): number[] {
    const counts = new Map<string, number>();
    const add = (f: string) => counts.set(f, (counts.get(f) ?? 0) + 1);
    const words = lexicalTokens(text);
    words.forEach((w, i) => {
      add(`w:${w}`);
      if (i > 0) add(`b:${words[i - 1]} ${w}`);
      const padded = `^${w}$`;
      for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`);
    });
    const v = new Array<number>(this.dimensions).fill(0);
    for (const [feature, count] of counts) {
      const h = fnv1a(feature);
      const sign = h & 0x80000000 ? -1 : 1;
      v[h % this.dimensions]! += sign * WEIGHT[feature[0]!]! * (1 + Math.log(count));
    }
    const norm = Math.hypot(...v);
    // An empty text still gets a unit vector so cosine distance stays defined.
    if (norm === 0) {
      v[0] = 1;
      return v;
    }
    return v.map((x) => x / norm);
  }
}
