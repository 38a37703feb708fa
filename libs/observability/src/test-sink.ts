/**
 * Capturing what a process writes, for tests that assert on logs (no raw e-mail, no secret,
 * a correlation id on every line): a pino destination that keeps every line, and a capture of
 * process.stdout/stderr for code that writes there directly (console.log, dev outbox, Nest).
 */
import type { DestinationStream } from 'pino';

export interface TestLogSink {
  /** Pass as `createLogger({ destination })`. */
  readonly destination: DestinationStream;
  /** Every line written so far, in order (one pino record each). */
  readonly lines: readonly string[];
  /** The lines parsed as JSON (lines that are not JSON are skipped). */
  records(): Array<Record<string, unknown>>;
  /** Everything written, as one string. */
  text(): string;
  clear(): void;
}

export function createTestLogSink(): TestLogSink {
  const lines: string[] = [];
  let partial = '';
  const destination: DestinationStream = {
    write(chunk: string) {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        lines.push(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    },
  };
  return {
    destination,
    lines,
    records: () =>
      lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    text: () => lines.join('\n') + (partial ? `\n${partial}` : ''),
    clear: () => {
      lines.length = 0;
      partial = '';
    },
  };
}

export interface OutputCapture {
  /** Everything written to stdout and stderr since the capture started. */
  text(): string;
  /** Restores the original writers; the text stays readable. */
  restore(): void;
}

/**
 * Captures process.stdout and process.stderr writes (still passing them through when `echo`),
 * for in-process tests of code that does not take a log destination.
 */
export function captureProcessOutput(options: { echo?: boolean } = {}): OutputCapture {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((stream, i) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      if (options.echo) return (originals[i] as (...a: unknown[]) => boolean)(chunk, ...rest);
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  });
  let restored = false;
  return {
    text: () => chunks.join(''),
    restore: () => {
      if (restored) return;
      restored = true;
      streams.forEach((stream, i) => (stream.write = originals[i] as typeof stream.write));
    },
  };
}
