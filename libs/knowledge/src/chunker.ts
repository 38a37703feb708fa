/**
 * Splits text into chunks of at most `maxChars`, on paragraph then sentence boundaries, so a
 * chunk is a readable unit the agent can quote. Deterministic: same text, same chunks (re-ingest
 * is idempotent).
 */
export interface ChunkOptions {
  /** @default 1000 */
  readonly maxChars?: number;
}

export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const max = options.maxChars ?? 1000;
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/[ \t\f\v]+/g, ' ').trim())
    .filter((p) => p.length > 0);
  const pieces = paragraphs.flatMap((p) => (p.length <= max ? [p] : splitLong(p, max)));
  const chunks: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current && current.length + 2 + piece.length > max) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n\n${piece}` : piece;
  }
  if (current) chunks.push(current);
  return chunks;
}

function splitLong(paragraph: string, max: number): string[] {
  const sentences = paragraph.match(/[^.!?]+[.!?]+["')\]]*\s*|[^.!?]+$/g) ?? [paragraph];
  const out: string[] = [];
  let current = '';
  for (const raw of sentences) {
    const sentence = raw.trim();
    for (let i = 0; i < sentence.length; i += max) {
      const part = sentence.slice(i, i + max);
      if (current && current.length + 1 + part.length > max) {
        out.push(current);
        current = '';
      }
      current = current ? `${current} ${part}` : part;
    }
  }
  if (current) out.push(current);
  return out;
}
