/** Turns texts into vectors. Every vector of one embedder has `dimensions` entries. */
export interface Embedder {
  /** Stable id stored with the index, so a changed embedder is detected instead of mixing spaces. */
  readonly id: string;
  readonly dimensions: number;
  /** true only for embedders that model meaning; the lexical one says false. */
  readonly semantic: boolean;
  embed(texts: readonly string[]): Promise<number[][]>;
}
