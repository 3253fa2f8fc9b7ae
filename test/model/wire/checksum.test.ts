import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checksumValid,
  internetChecksum,
  ipv4HeaderChecksum,
  onesSum,
  pseudoHeaderSum,
  udpChecksum,
} from '../../../model/wire/checksum.ts';
import { hexBytes } from './laws.ts';

const put16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v >> 8;
  b[o + 1] = v & 0xff;
};

describe('internet checksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    const b = hexBytes('0001 f203 f4f5 f6f7');
    expect(onesSum(b)).toBe(0xddf2);
    expect(internetChecksum(b)).toBe(0x220d);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(onesSum(hexBytes('0001 f203 f4f5 f6f7 01'))).toBe(onesSum(hexBytes('0001 f203 f4f5 f6f7 0100')));
  });

  it('makes data sum to 0xffff once stored, whatever the data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 3000 }), (data) => {
        const b = data.length % 2 ? new Uint8Array([...data, 0]) : data.slice();
        put16(b, 0, 0);
        put16(b, 0, internetChecksum(b));
        return checksumValid(b);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('agrees with the Wikipedia IPv4 header example', () => {
    expect(ipv4HeaderChecksum(hexBytes('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7'))).toBe(0xb861);
  });

  it('sends a computed UDP checksum of 0 as 0xffff', () => {
    // Choose the last payload word so the full sum is 0xffff: the complement is then 0.
    const d = hexBytes('1234 5678 000a 0000 0000');
    const src = 0x0a000001;
    const dst = 0x0a000002;
    put16(d, 8, ~onesSum(d, pseudoHeaderSum(src, dst, 17, d.length)) & 0xffff);
    expect(udpChecksum(src, dst, d)).toBe(0xffff);
  });
});
