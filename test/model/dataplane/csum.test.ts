// The incremental checksum updates of the programs (model/dataplane/csum.ts = bpf/lib/csum.h):
// every one agrees with a full recompute, and the one's-complement zeros come out as Linux's
// csum_replace2/4 make them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csum_finish, csum_ipv4_hdr, csum_replace2, csum_replace4, l4_csum_addr, l4_csum_port } from '../../../model/dataplane/csum.ts';
import { ipv4HeaderChecksum, onesSum, pseudoHeaderSum, tcpChecksum, udpChecksum } from '../../../model/wire/checksum.ts';
import { hexBytes } from '../wire/laws.ts';

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

describe('incremental update (RFC 1624, as csum_replace2/4)', () => {
  it('fixes an IPv4 header checksum after a TTL change exactly as a full recompute', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat({ max: 255 }), (raw, newTtl) => {
        const h = raw.slice();
        put16(h, 10, ipv4HeaderChecksum(h));
        const check = u16(h, 10);
        const oldTtl = h[8];
        h[8] = newTtl;
        expect(csum_replace2(check, (oldTtl << 8) | h[9], (newTtl << 8) | h[9])).toBe(ipv4HeaderChecksum(h));
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
        const fixed = csum_replace4(u16(h, 10), from, to);
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
          check = l4_csum_addr(check, dst, newDst, isUdp);
          const oldPort = u16(seg, 2);
          put16(seg, 2, newPort);
          check = l4_csum_port(check, oldPort, newPort, isUdp);
          expect(check).toBe(full(newDst));
        },
      ),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('keeps a UDP checksum of 0 ("none") at 0', () => {
    expect(l4_csum_addr(0, 0x0a000001, 0x0a000002, true)).toBe(0);
    expect(l4_csum_port(0, 80, 8080, true)).toBe(0);
    expect(l4_csum_port(0, 80, 8080, false)).not.toBe(0);
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
    expect(csum_replace4(before, dst, newDst)).toBe(0);
    expect(l4_csum_addr(before, dst, newDst, true)).toBe(0xffff);
  });

  it("follows csum_replace2 on the one's-complement edge values", () => {
    // Worked by hand through csum16_add: both zeros normalise to 0x0000, except when every
    // operand is the negative zero, where the adder never carries.
    expect(csum_replace2(0x0000, 0x0000, 0x0000)).toBe(0x0000);
    expect(csum_replace2(0xffff, 0x0000, 0x0000)).toBe(0x0000);
    expect(csum_replace2(0xffff, 0xffff, 0x0000)).toBe(0xffff);
    expect(csum_replace2(0x1234, 0x4000, 0x4000)).toBe(0x1234);
    expect(csum_replace2(0x1234, 0x0000, 0x0001)).toBe(0x1233);
  });
});

describe('full IPv4 header sum (csum_ipv4_hdr, as outer_ip_csum and the VXLAN encapsulation use it)', () => {
  it('is the checksum a full recompute gives, whatever the checksum field holds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat({ max: 0xffff }), (hdr, field) => {
        const ip = new Uint8Array(4 + 20);
        ip.set(hdr, 4);
        put16(ip, 4 + 10, field);
        const zeroed = ip.slice(4);
        put16(zeroed, 10, 0);
        expect(csum_finish(csum_ipv4_hdr(ip, 4))).toBe(ipv4HeaderChecksum(zeroed));
      }),
      { seed: 0x7a6e0021, numRuns: 2000 },
    );
  });
});
