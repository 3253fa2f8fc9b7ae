import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IcmpRepr, IcmpPacket, IcmpRepr as Icmp, icmpTypeName, parseIcmp } from '../../../model/wire/icmp.ts';
import { arbU16, arbU8, codecLaws, hexBytes } from './laws.ts';

// Windows ping: id 1, seq 1, the alphabet payload; Wireshark shows checksum 0x4d5a.
const alphabet = new TextEncoder().encode('abcdefghijklmnopqrstuvwabcdefghi');
const echo = new Uint8Array([...hexBytes('0800 4d5a 0001 0001'), ...alphabet]);

const arbData = fc.uint8Array({ maxLength: 64 });
const arbIcmp: fc.Arbitrary<IcmpRepr> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const),
    code: arbU8,
    ident: arbU16,
    seq: arbU16,
    data: arbData,
  }),
  fc.record({
    kind: fc.constantFrom('dest-unreachable' as const, 'time-exceeded' as const),
    code: arbU8,
    rest: fc.nat({ max: 0xffffffff }),
    data: arbData,
  }),
  fc.record({
    kind: fc.constant('other' as const),
    type: arbU8.filter((t) => ![0, 3, 8, 11].includes(t)),
    code: arbU8,
    rest: fc.nat({ max: 0xffffffff }),
    data: arbData,
  }),
);

codecLaws<IcmpPacket, IcmpRepr>({
  name: 'ICMP echo',
  golden: echo,
  expected: { kind: 'echo-request', code: 0, ident: 1, seq: 1, data: alphabet },
  checked: (b) => IcmpPacket.checked(b),
  parse: Icmp.parse,
  emit: Icmp.emit,
  bufferLen: Icmp.bufferLen,
  arbitrary: arbIcmp,
});

describe('ICMP', () => {
  it('keeps destination unreachable with its code, next-hop MTU and quoted datagram', () => {
    const quoted = hexBytes('4500 0030 0000 4000 4011 0000 0a000001 0a000002 c001 0035 001c 0000');
    const b = new Uint8Array(8 + quoted.length);
    Icmp.emit({ kind: 'dest-unreachable', code: 4, rest: 1400, data: quoted }, b, 0);
    expect(Array.from(b.subarray(0, 2))).toEqual([3, 4]);
    expect(Array.from(b.subarray(4, 8))).toEqual([0, 0, 0x05, 0x78]);
    const p = new IcmpPacket(b);
    expect(p.verifyChecksum()).toBe(true);
    expect(parseIcmp(b)).toEqual({ ok: true, value: { kind: 'dest-unreachable', code: 4, rest: 1400, data: quoted } });
  });

  it('keeps unknown types raw and names the known ones', () => {
    const b = echo.slice();
    b[0] = 42;
    expect(parseIcmp(b)).toMatchObject({ ok: true, value: { kind: 'other', type: 42, rest: 0x00010001 } });
    expect(icmpTypeName(8)).toBe('echo-request');
    expect(icmpTypeName(11)).toBe('time-exceeded');
    expect(icmpTypeName(42)).toBe('type-42');
  });

  it('notices a corrupted message', () => {
    const b = echo.slice();
    expect(new IcmpPacket(b).verifyChecksum()).toBe(true);
    b[20] ^= 0x10;
    expect(new IcmpPacket(b).verifyChecksum()).toBe(false);
    expect(parseIcmp(echo.subarray(0, 7))).toEqual({
      ok: false,
      error: { layer: 'ICMP', offset: 0, message: 'truncated: need 8 bytes, have 7' },
    });
  });
});
