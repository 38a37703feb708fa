/** Durations in configuration: `500ms`, `30s`, `15m`, `12h`, `7d`, or `0`. */
const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_RE = /^(\d{1,9})(ms|s|m|h|d)$/;

export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const m = DURATION_RE.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2] as keyof typeof UNITS] : undefined;
}
