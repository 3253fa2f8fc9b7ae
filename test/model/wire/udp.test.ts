import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../../model/wire/addr.ts';
import { type UdpRepr, UdpPacket, UdpRepr as Udp, parseUdp } from '../../../model/wire/udp.ts';
import { arbU16, codecLaws, hexBytes } from './laws.ts';

// A DNS-sized datagram header (port 49153 → 53, length 12) with a stored checksum.
const golden = hexBytes('c001 0035 000c 1234 deadbeef');

codecLaws<UdpPacket, UdpRepr>({
  name: 'UDP',
  golden,
  expected: { srcPort: 49153, dstPort: 53, payloadLen: 4, checksum: 0x1234 },
  checked: (b) => UdpPacket.checked(b),
  parse: Udp.parse,
  emit: Udp.emit,
  bufferLen: Udp.bufferLen,
  trailerLen: (r) => r.payloadLen,
  arbitrary: fc.record({ srcPort: arbU16, dstPort: arbU16, payloadLen: fc.nat({ max: 300 }), checksum: arbU16 }),
});

describe('UdpPacket', () => {
  const src = ipv4('10.0.0.1');
  const dst = ipv4('10.0.0.2');

  it('fills a checksum that verifies, treats 0 as none, and notices corruption', () => {
    const p = new UdpPacket(golden.slice());
    p.checksum = 0;
    expect(p.verifyChecksum(src, dst)).toBe(true);
    p.fillChecksum(src, dst);
    expect(p.checksum).not.toBe(0);
    expect(p.verifyChecksum(src, dst)).toBe(true);
    expect(p.verifyChecksum(src, ipv4('10.0.0.3'))).toBe(false);
    p.bytes[9] ^= 1;
    expect(p.verifyChecksum(src, dst)).toBe(false);
  });

  it('bounds the payload by the length field', () => {
    const b = new Uint8Array(20);
    b.set(golden);
    expect(new UdpPacket(b).payload.length).toBe(4);
  });

  it('rejects lying lengths', () => {
    const short = golden.slice();
    short[5] = 7;
    expect(parseUdp(short)).toEqual({ ok: false, error: { layer: 'UDP', field: 'length', offset: 4, message: 'length 7 < 8' } });
    const long = golden.slice();
    long[5] = 13;
    expect(parseUdp(long, 34)).toEqual({
      ok: false,
      error: { layer: 'UDP', field: 'length', offset: 38, message: 'truncated: need 13 bytes, have 12' },
    });
    expect(parseUdp(golden.subarray(0, 7)).ok).toBe(false);
  });
});
