import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checksumValid,
  csumReplace16,
  csumReplace32,
  internetChecksum,
  ipv4CsumAfterTtl,
  ipv4HeaderChecksum,
  l4CsumAfterAddr,
  l4CsumAfterPort,
  onesSum,
  pseudoHeaderSum,
  tcpChecksum,
  udpChecksum,
} from '../../../model/wire/checksum.ts';
import { hexBytes } from './laws.ts';

const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const put16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v >> 8;
  b[o + 1] = v & 0xff;
};
const put32 = (b: Uint8Array, o: number, v: number): void => {
  put16(b, o, v >>> 16);
  put16(b, o + 2, v & 0xffff);
};

const arbIp = fc.nat({ max: 0xffffffff });
const arbPort = fc.nat({ max: 0xffff });

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

describe('incremental update (RFC 1624, as csum_replace2/4)', () => {
  it('fixes an IPv4 header checksum after a TTL change exactly as a full recompute', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat({ max: 255 }), (raw, newTtl) => {
        const h = raw.slice();
        put16(h, 10, ipv4HeaderChecksum(h));
        const check = u16(h, 10);
        const oldTtl = h[8];
        h[8] = newTtl;
        expect(ipv4CsumAfterTtl(check, oldTtl, newTtl, h[9])).toBe(ipv4HeaderChecksum(h));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('fixes an IPv4 header checksum after an address rewrite', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), arbIp, (raw, to) => {
        const h = raw.slice();
        put16(h, 10, ipv4HeaderChecksum(h));
        const from = ((h[16] << 24) | (h[17] << 16) | (h[18] << 8) | h[19]) >>> 0;
        const fixed = csumReplace32(u16(h, 10), from, to);
        put32(h, 16, to);
        expect(fixed).toBe(ipv4HeaderChecksum(h));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('fixes UDP and TCP checksums after a NAT-style address and port rewrite', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ minLength: 20, maxLength: 400 }),
        arbIp,
        arbIp,
        arbIp,
        arbPort,
        (isUdp, raw, src, dst, newDst, newPort) => {
          const seg = raw.slice();
          if (isUdp) put16(seg, 4, seg.length);
          const full = (d: number): number => (isUdp ? udpChecksum(src, d, seg) : tcpChecksum(src, d, seg));
          const at = isUdp ? 6 : 16;
          put16(seg, at, full(dst));
          let check = u16(seg, at);
          check = l4CsumAfterAddr(check, dst, newDst, isUdp);
          const oldPort = u16(seg, 2);
          put16(seg, 2, newPort);
          check = l4CsumAfterPort(check, oldPort, newPort, isUdp);
          expect(check).toBe(full(newDst));
        },
      ),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('keeps a UDP checksum of 0 ("none") at 0', () => {
    expect(l4CsumAfterAddr(0, 0x0a000001, 0x0a000002, true)).toBe(0);
    expect(l4CsumAfterPort(0, 80, 8080, true)).toBe(0);
    expect(l4CsumAfterPort(0, 80, 8080, false)).not.toBe(0);
  });

  it('turns a UDP update that lands on 0 into 0xffff, matching the full computation', () => {
    const src = 0x0a000001;
    const dst = 0x0a000002;
    const newDst = 0x0a000063;
    const d = hexBytes('1234 0050 000c 0000 0000 0000');
    // Make the checksum after the rewrite come out as 0 (sent as 0xffff).
    put16(d, 8, ~onesSum(d, pseudoHeaderSum(src, newDst, 17, d.length)) & 0xffff);
    expect(udpChecksum(src, newDst, d)).toBe(0xffff);
    const before = udpChecksum(src, dst, d);
    expect(csumReplace32(before, dst, newDst)).toBe(0);
    expect(l4CsumAfterAddr(before, dst, newDst, true)).toBe(0xffff);
  });

  it("follows csum_replace2 on the one's-complement edge values", () => {
    // Worked by hand through csum16_add: both zeros normalise to 0x0000, except when every
    // operand is the negative zero, where the adder never carries.
    expect(csumReplace16(0x0000, 0x0000, 0x0000)).toBe(0x0000);
    expect(csumReplace16(0xffff, 0x0000, 0x0000)).toBe(0x0000);
    expect(csumReplace16(0xffff, 0xffff, 0x0000)).toBe(0xffff);
    expect(csumReplace16(0x1234, 0x4000, 0x4000)).toBe(0x1234);
    expect(csumReplace16(0x1234, 0x0000, 0x0001)).toBe(0x1233);
  });
});
