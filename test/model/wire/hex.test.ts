// The one hex formatter: every length (short keys are built by pieces, frames by one decode of
// their digits' bytes) gives each byte as two lowercase digits, and fromHex reads it back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, hexByte, toHex } from '../../../model/wire/hex.ts';

/** The plain definition, byte by byte. */
const reference = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('toHex', () => {
  it('writes each byte as two lowercase digits, whatever the length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 5000 }), (b) => {
        expect(toHex(b)).toBe(reference(b));
        expect(fromHex(toHex(b))).toEqual(b);
      }),
      { seed: 11, numRuns: 400 },
    );
  });

  it('is exact at the lengths where it changes method and where its scratch grows', () => {
    for (const n of [0, 1, 11, 12, 13, 2047, 2048, 2049, 4097, 9000]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 151 + 7) & 0xff);
      expect(toHex(b)).toBe(reference(b));
    }
    // A view into a larger buffer: only its own bytes.
    const big = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(toHex(big.subarray(20, 40))).toBe(reference(big.subarray(20, 40)));
    // A long string first, then a short one: nothing of the first is left in the second.
    toHex(new Uint8Array(3000).fill(0xff));
    expect(toHex(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13))).toBe('0102030405060708090a0b0c0d');
    expect(hexByte(0x1ab)).toBe('ab');
  });
});
