import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../../model/wire/addr.ts';
import { ipv4HeaderChecksum } from '../../../model/wire/checksum.ts';
import { type Ipv4Repr, Ipv4Packet, Ipv4Repr as Ip, ipProtocolName, parseIpv4Packet } from '../../../model/wire/ipv4.ts';
import { arbIpv4, arbU16, arbU8, codecLaws, emitWhole, hexBytes } from './laws.ts';

// The worked example from Wikipedia's "IPv4 header checksum" article: checksum 0xb861.
const plain = hexBytes('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7' + '00'.repeat(0x73 - 20));

// IHL 6 with a Router Alert option (RFC 2113), as IGMP reports carry, MF set, fragment offset 5.
const withOptions = (() => {
  const b = hexBytes('4600 0020 1234 2005 0102 0000 c0a8 010a e000 00fb 9404 0000' + '1600 0904 e000 00fb');
  b.set([0, 0], 10);
  const c = ipv4HeaderChecksum(b.subarray(0, 24));
  b[10] = c >> 8;
  b[11] = c & 0xff;
  return b;
})();

const codec = {
  checked: (b: Uint8Array) => Ipv4Packet.checked(b),
  parse: (p: Ipv4Packet) => Ip.parse(p),
  emit: Ip.emit,
  bufferLen: Ip.bufferLen,
  trailerLen: (r: Ipv4Repr) => r.payloadLen,
};

const arbIpv4Repr: fc.Arbitrary<Ipv4Repr> = fc
  .record({
    tos: arbU8,
    ident: arbU16,
    df: fc.boolean(),
    mf: fc.boolean(),
    fragOffset: fc.nat({ max: 0x1fff }),
    ttl: arbU8,
    protocol: arbU8,
    src: arbIpv4,
    dst: arbIpv4,
    options: fc.nat({ max: 10 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })),
    payloadLen: fc.nat({ max: 200 }),
    rf: fc.boolean(),
  })
  .map(({ rf, ...r }) => (rf ? { ...r, reservedFlag: true } : r));

codecLaws<Ipv4Packet, Ipv4Repr>({
  name: 'IPv4',
  golden: plain,
  expected: {
    tos: 0,
    ident: 0,
    df: true,
    mf: false,
    fragOffset: 0,
    ttl: 64,
    protocol: 17,
    src: ipv4('192.168.0.1'),
    dst: ipv4('192.168.0.199'),
    options: new Uint8Array(0),
    payloadLen: 0x73 - 20,
  },
  ...codec,
  arbitrary: arbIpv4Repr,
});

codecLaws<Ipv4Packet, Ipv4Repr>({
  name: 'IPv4 with options',
  golden: withOptions,
  expected: {
    tos: 0,
    ident: 0x1234,
    df: false,
    mf: true,
    fragOffset: 5,
    ttl: 1,
    protocol: 2,
    src: ipv4('192.168.1.10'),
    dst: ipv4('224.0.0.251'),
    options: hexBytes('94040000'),
    payloadLen: 8,
  },
  ...codec,
});

describe('Ipv4Packet', () => {
  it('verifies and recomputes the header checksum', () => {
    const p = new Ipv4Packet(plain.slice());
    expect(p.verifyChecksum()).toBe(true);
    expect(p.computeChecksum()).toBe(0xb861);
    p.ttl = 63;
    expect(p.verifyChecksum()).toBe(false);
    p.fillChecksum();
    expect(p.verifyChecksum()).toBe(true);
  });

  it('bounds the payload by the total length, not the buffer (Ethernet padding)', () => {
    const b = new Uint8Array(60);
    Ip.emit({ ...parse(plain), payloadLen: 6 }, b, 0);
    const p = new Ipv4Packet(b);
    expect(p.check()).toBeUndefined();
    expect(p.payload.length).toBe(6);
  });

  it('rejects truncation and lying lengths, naming the field', () => {
    expect(parseIpv4Packet(plain.subarray(0, 19))).toEqual({
      ok: false,
      error: { layer: 'IPv4', offset: 0, message: 'truncated: need 20 bytes, have 19' },
    });
    const shortTotal = plain.slice();
    shortTotal[3] = 19;
    expect(err(shortTotal)).toMatchObject({ field: 'totalLen', offset: 2, message: 'total length 19 < header length 20' });
    expect(err(plain.subarray(0, 100))).toMatchObject({ field: 'totalLen', message: 'truncated: need 115 bytes, have 100' });
    const badIhl = plain.slice();
    badIhl[0] = 0x44;
    expect(err(badIhl)).toMatchObject({ field: 'ihl', message: 'header length 16 < 20' });
    const bigIhl = plain.slice(0, 24);
    bigIhl[0] = 0x4f;
    expect(err(bigIhl)).toMatchObject({ field: 'ihl', message: 'truncated: need 60 bytes, have 24' });
  });

  it('parses only version 4', () => {
    const v6 = plain.slice();
    v6[0] = 0x65;
    expect(err(v6)).toMatchObject({ field: 'version', message: 'version 6, expected 4' });
  });

  it('pads options to a multiple of 4 and refuses more than 40 bytes', () => {
    const r = { ...parse(plain), options: new Uint8Array([1, 1, 1]), payloadLen: 0 };
    expect(Ip.bufferLen(r)).toBe(24);
    const b = emitWhole({ ...codec, name: '', golden: plain, expected: r }, r);
    expect(Array.from(b.subarray(20, 24))).toEqual([1, 1, 1, 0]);
    expect(new Ipv4Packet(b).ihl).toBe(6);
    expect(() => Ip.emit({ ...r, options: new Uint8Array(41) }, new Uint8Array(80), 0)).toThrow(RangeError);
  });

  it('names protocols and keeps unknown ones', () => {
    expect(ipProtocolName(17)).toBe('UDP');
    expect(ipProtocolName(6)).toBe('TCP');
    expect(ipProtocolName(1)).toBe('ICMP');
    expect(ipProtocolName(253)).toBe('0xfd');
  });
});

function parse(b: Uint8Array): Ipv4Repr {
  const r = parseIpv4Packet(b);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function err(b: Uint8Array): unknown {
  const r = parseIpv4Packet(b);
  return r.ok ? 'parsed' : r.error;
}
