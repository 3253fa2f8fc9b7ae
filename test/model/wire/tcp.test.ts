import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../../model/wire/addr.ts';
import { type TcpRepr, TcpFlag, TcpPacket, TcpRepr as Tcp, parseTcp, tcpFlagsString } from '../../../model/wire/tcp.ts';
import { arbU16, codecLaws, hexBytes } from './laws.ts';

// A Linux SYN: MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
const syn = hexBytes('a3c2 0050 5e3a7b11 00000000 a002 faf0 1234 0000 020405b4 0402080a 009a2b3c 00000000 01030307');

codecLaws<TcpPacket, TcpRepr>({
  name: 'TCP',
  golden: syn,
  expected: {
    srcPort: 41922,
    dstPort: 80,
    seq: 0x5e3a7b11,
    ack: 0,
    flags: TcpFlag.SYN,
    window: 64240,
    checksum: 0x1234,
    urgent: 0,
    options: hexBytes('020405b4 0402080a 009a2b3c 00000000 01030307'),
  },
  checked: (b) => TcpPacket.checked(b),
  parse: Tcp.parse,
  emit: Tcp.emit,
  bufferLen: Tcp.bufferLen,
  arbitrary: fc.record({
    srcPort: arbU16,
    dstPort: arbU16,
    seq: fc.nat({ max: 0xffffffff }),
    ack: fc.nat({ max: 0xffffffff }),
    flags: fc.nat({ max: 0xfff }),
    window: arbU16,
    checksum: arbU16,
    urgent: arbU16,
    options: fc.nat({ max: 10 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })),
  }),
});

describe('TcpPacket', () => {
  it('keeps the data offset when flags change', () => {
    const p = new TcpPacket(syn.slice());
    p.flags = TcpFlag.SYN | TcpFlag.ACK;
    expect(p.dataOffset).toBe(10);
    expect(p.flags).toBe(0x12);
  });

  it('fills and verifies the checksum with the pseudo-header', () => {
    const src = ipv4('10.1.0.2');
    const dst = ipv4('10.1.0.3');
    const p = new TcpPacket(syn.slice());
    expect(p.verifyChecksum(src, dst)).toBe(false);
    p.fillChecksum(src, dst);
    expect(p.verifyChecksum(src, dst)).toBe(true);
    p.dstPort = 8080;
    expect(p.verifyChecksum(src, dst)).toBe(false);
  });

  it('rejects a data offset below 5 or beyond the segment', () => {
    const low = syn.slice();
    low[12] = 0x40;
    expect(parseTcp(low)).toMatchObject({ ok: false, error: { field: 'dataOffset', message: 'header length 16 < 20' } });
    expect(parseTcp(syn.subarray(0, 30))).toMatchObject({
      ok: false,
      error: { field: 'dataOffset', message: 'truncated: need 40 bytes, have 30' },
    });
  });

  it('spells flags as tcpdump does', () => {
    expect(tcpFlagsString(TcpFlag.SYN)).toBe('[S]');
    expect(tcpFlagsString(TcpFlag.SYN | TcpFlag.ACK)).toBe('[S.]');
    expect(tcpFlagsString(TcpFlag.PSH | TcpFlag.ACK)).toBe('[P.]');
    expect(tcpFlagsString(TcpFlag.RST)).toBe('[R]');
    expect(tcpFlagsString(0)).toBe('[none]');
  });
});
