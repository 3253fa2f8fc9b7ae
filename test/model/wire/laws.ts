// The codec laws every wire module must obey, as one reusable suite (the smoltcp pattern):
// golden bytes parse to the expected repr, emitting that repr into a 0xa5-filled buffer
// reproduces the golden header byte for byte (a forgotten field leaves 0xa5 behind), emit
// writes exactly bufferLen bytes, works at any offset, and repr → bytes → repr is identity.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Parsed } from '../../../model/wire/result.ts';

export interface CodecUnderTest<V, R> {
  readonly name: string;
  /** A whole packet: header (what emit writes) followed by any payload. */
  readonly golden: Uint8Array;
  readonly expected: R;
  readonly checked: (bytes: Uint8Array) => Parsed<V>;
  readonly parse: (view: V) => Parsed<R>;
  readonly emit: (repr: R, buf: Uint8Array, offset: number) => void;
  readonly bufferLen: (repr: R) => number;
  /** Bytes after the emitted part that parse needs to see (e.g. a payload the length counts). */
  readonly trailerLen?: (repr: R) => number;
  /** Random valid reprs for the round-trip property. */
  readonly arbitrary?: fc.Arbitrary<R>;
}

export const FILL = 0xa5;

function unwrap<T>(p: Parsed<T>): T {
  if (!p.ok) throw new Error(`expected ok, got ${JSON.stringify(p.error)}`);
  return p.value;
}

export function parseBytes<V, R>(c: CodecUnderTest<V, R>, bytes: Uint8Array): R {
  return unwrap(c.parse(unwrap(c.checked(bytes))));
}

/** Emits `repr` then appends `trailerLen` zero bytes, so parse sees a whole packet. */
export function emitWhole<V, R>(c: CodecUnderTest<V, R>, repr: R): Uint8Array {
  const len = c.bufferLen(repr);
  const out = new Uint8Array(len + (c.trailerLen?.(repr) ?? 0));
  c.emit(repr, out, 0);
  return out;
}

export function codecLaws<V, R>(c: CodecUnderTest<V, R>): void {
  describe(`${c.name} codec laws`, () => {
    it('parses the golden bytes to the expected repr', () => {
      expect(parseBytes(c, c.golden)).toEqual(c.expected);
    });

    it('emits the golden header into a 0xa5-filled buffer, writing exactly bufferLen bytes', () => {
      const len = c.bufferLen(c.expected);
      expect(len).toBeLessThanOrEqual(c.golden.length);
      const buf = new Uint8Array(len + 8).fill(FILL);
      c.emit(c.expected, buf, 0);
      expect(Array.from(buf.subarray(0, len))).toEqual(Array.from(c.golden.subarray(0, len)));
      expect(Array.from(buf.subarray(len))).toEqual(new Array(8).fill(FILL));
    });

    it('emits at a non-zero offset without touching the bytes around it', () => {
      const len = c.bufferLen(c.expected);
      const off = 7;
      const buf = new Uint8Array(off + len + 5).fill(FILL);
      c.emit(c.expected, buf, off);
      expect(Array.from(buf.subarray(0, off))).toEqual(new Array(off).fill(FILL));
      expect(Array.from(buf.subarray(off, off + len))).toEqual(Array.from(c.golden.subarray(0, len)));
      expect(Array.from(buf.subarray(off + len))).toEqual(new Array(5).fill(FILL));
    });

    it('round-trips golden bytes → repr → bytes → repr', () => {
      const repr = parseBytes(c, c.golden);
      const len = c.bufferLen(repr);
      const again = c.golden.slice();
      again.fill(FILL, 0, len);
      c.emit(repr, again, 0);
      expect(Array.from(again)).toEqual(Array.from(c.golden));
      expect(parseBytes(c, again)).toEqual(repr);
    });

    if (c.arbitrary) {
      const arb = c.arbitrary;
      it('round-trips random reprs', () => {
        fc.assert(
          fc.property(arb, (repr) => {
            expect(parseBytes(c, emitWhole(c, repr))).toEqual(repr);
          }),
          { seed: 42, numRuns: 300 },
        );
      });
    }
  });
}

export function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const arbMac = fc.uint8Array({ minLength: 6, maxLength: 6 });
export const arbIpv4 = fc.nat({ max: 0xffffffff });
export const arbU16 = fc.nat({ max: 0xffff });
export const arbU8 = fc.nat({ max: 0xff });
