import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type GeneveRepr,
  GeneveHeader,
  GeneveRepr as Geneve,
  isCriticalOption,
  parseGeneve,
  walkGeneveOptions,
} from '../../../model/wire/geneve.ts';
import { arbU16, arbU8, codecLaws, hexBytes } from './laws.ts';

// Written out from RFC 8926 §3.4/§3.5 with our host-location option (class 0xfff0, type
// 0x01, 3 words): VNI 100, protocol 0x6558, opt_len 4 words, then 6 bytes of inner frame.
const hostLocData = hexBytes('0a000001 020000000001 0000');
const withHostLoc = hexBytes('04 00 6558 000064 00' + 'fff0 01 03' + '0a000001 020000000001 0000' + '020000000102');

// O and C set, VNI 0x123456, reserved byte 0xff, a service-rewrite option (critical, 8 words)
// and an unknown option with one reserved bit set: opt_len 4 + 32 + 4 + 4 = 44 bytes = 11 words.
const svcData = hexBytes('0a010064 0a010005 0050 1f90 06 00 020000000105 0a000003 020000000003 0000');
const busy = hexBytes(
  '0b c0 6558 123456 ff' +
    'fff0 82 08' +
    '0a010064 0a010005 0050 1f90 06 00 020000000105 0a000003 020000000003 0000' +
    '0102 85 21 cafef00d',
);

const codec = {
  checked: (b: Uint8Array) => GeneveHeader.checked(b),
  parse: (h: GeneveHeader) => Geneve.parse(h),
  emit: Geneve.emit,
  bufferLen: Geneve.bufferLen,
};

const arbOption = fc.record({
  class: arbU16,
  type: arbU8,
  data: fc.nat({ max: 31 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })),
});

codecLaws<GeneveHeader, GeneveRepr>({
  name: 'Geneve with host-location',
  golden: withHostLoc,
  expected: {
    version: 0,
    oam: false,
    critical: false,
    reservedFlags: 0,
    protocol: 0x6558,
    vni: 100,
    reserved: 0,
    options: [{ class: 0xfff0, type: 0x01, data: hostLocData }],
  },
  ...codec,
  arbitrary: fc.record({
    version: fc.nat({ max: 3 }),
    oam: fc.boolean(),
    critical: fc.boolean(),
    reservedFlags: fc.nat({ max: 0x3f }),
    protocol: arbU16,
    vni: fc.nat({ max: 0xffffff }),
    reserved: arbU8,
    options: fc.array(arbOption, { maxLength: 4 }).filter((os) => os.reduce((n, o) => n + 4 + o.data.length, 0) <= 252),
  }),
});

codecLaws<GeneveHeader, GeneveRepr>({
  name: 'Geneve with O, C, reserved bits and two options',
  golden: busy,
  expected: {
    version: 0,
    oam: true,
    critical: true,
    reservedFlags: 0,
    protocol: 0x6558,
    vni: 0x123456,
    reserved: 0xff,
    options: [
      { class: 0xfff0, type: 0x82, data: svcData },
      { class: 0x0102, type: 0x85, data: hexBytes('cafef00d'), reserved: 1 },
    ],
  },
  ...codec,
});

describe('Geneve', () => {
  it('reads the header fields and finds the inner frame', () => {
    const h = new GeneveHeader(withHostLoc);
    expect(h.optLen).toBe(4);
    expect(h.headerLen).toBe(24);
    expect(Array.from(h.payload)).toEqual([2, 0, 0, 0, 1, 2]);
    h.vni = 0xabcdef;
    expect(h.vni).toBe(0xabcdef);
  });

  it('refuses an opt_len that overruns the packet', () => {
    expect(parseGeneve(withHostLoc.subarray(0, 20), 42)).toEqual({
      ok: false,
      error: {
        layer: 'Geneve',
        field: 'optLen',
        offset: 42,
        message: 'opt_len 4 words (16 bytes) overruns the packet: need 24 bytes, have 20',
      },
    });
    expect(parseGeneve(withHostLoc.subarray(0, 5)).ok).toBe(false);
  });

  it('refuses an option that overruns opt_len, but reports the options before it', () => {
    const b = busy.slice();
    b[0] = 0x0a; // one word short: the unknown option's data no longer fits
    const r = parseGeneve(b);
    expect(r).toMatchObject({
      ok: false,
      error: { field: 'options', offset: 44, message: 'option at +36 (length 1 words) overruns opt_len by 4 bytes' },
    });
    const walked = walkGeneveOptions(new GeneveHeader(b).optionBytes);
    expect(walked.options.map((o) => o.type)).toEqual([0x82]);
    const half = busy.slice();
    half[0] = 0x09; // opt area ends exactly after svc-rewrite: fine
    expect(parseGeneve(half).ok).toBe(true);
  });

  it('tells critical option types apart', () => {
    expect(isCriticalOption(0x82)).toBe(true);
    expect(isCriticalOption(0x01)).toBe(false);
  });

  it('pads option data to whole words and refuses more than 124 bytes', () => {
    const repr: GeneveRepr = { ...parsed(withHostLoc), options: [{ class: 1, type: 2, data: new Uint8Array([9, 9, 9, 9, 9]) }] };
    expect(Geneve.bufferLen(repr)).toBe(8 + 4 + 8);
    const b = new Uint8Array(20);
    Geneve.emit(repr, b, 0);
    expect(b[0]).toBe(3);
    expect(b[11]).toBe(2);
    expect(Array.from(b.subarray(12))).toEqual([9, 9, 9, 9, 9, 0, 0, 0]);
    expect(() => Geneve.emit({ ...repr, options: [{ class: 1, type: 2, data: new Uint8Array(125) }] }, new Uint8Array(200), 0)).toThrow(
      RangeError,
    );
  });
});

function parsed(b: Uint8Array): GeneveRepr {
  const r = parseGeneve(b);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
