import { describe, expect, it } from 'vitest';
import { minQuantity, parseQuantity, sameQuantity } from './quantity.js';

describe('quantities', () => {
  it('parses decimal, binary and exponent forms', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('8Gi')).toBe(8 * 2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('1.5k')).toBe(1500);
    expect(parseQuantity('abc')).toBeUndefined();
    expect(parseQuantity('1Gb')).toBeUndefined();
  });

  it('compares by amount, as the API server canonicalises the spelling', () => {
    expect(sameQuantity('1000m', '1')).toBe(true);
    expect(sameQuantity('0.5', '500m')).toBe(true);
    expect(sameQuantity('1024Mi', '1Gi')).toBe(true);
    expect(sameQuantity('1G', '1Gi')).toBe(false);
    expect(sameQuantity('x', 'x')).toBe(false);
    expect(minQuantity('500m', '4')).toBe('500m');
    expect(minQuantity('16Gi', '8Gi')).toBe('8Gi');
  });
});
