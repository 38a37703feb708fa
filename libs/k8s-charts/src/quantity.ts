/**
 * Kubernetes resource quantities (`500m`, `2`, `8Gi`, `1e3`). The API server rewrites them to a
 * canonical form (`1000m` → `1`, `0.5` → `500m`), so desired and live values are compared by
 * amount, never by spelling.
 */
const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

/** Amount of a quantity (cores, bytes, count), or undefined when the text is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? '']!;
}

/** True when both are quantities of the same amount (relative tolerance for float error). */
export function sameQuantity(a: string, b: string): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) return false;
  return x === y || Math.abs(x - y) <= Math.max(Math.abs(x), Math.abs(y)) * 1e-9;
}

/** The smaller of two quantities, keeping its original spelling. */
export const minQuantity = (a: string, b: string): string =>
  (parseQuantity(a) ?? Infinity) <= (parseQuantity(b) ?? Infinity) ? a : b;
