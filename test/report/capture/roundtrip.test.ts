import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCapture, CaptureReader } from '../../../report/capture/reader.ts';
import { encodeCapture, xdpVerdict, type PacketToWrite, type WriterOptions } from '../../../report/capture/writer.ts';
import type { CapturePacket } from '../../../report/capture/contents.ts';

const frame = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 7 + seed) & 0xff);

const packets: PacketToWrite[] = [
  { data: frame(60, 1), timestampNs: 1_700_000_000_123_456_789n },
  { data: frame(1514, 2), timestampNs: 1_700_000_000_999_999_999n, originalLength: 9000 },
  { data: frame(1, 3), timestampNs: 0n },
  { data: new Uint8Array(0), timestampNs: 4_294_967_295_000_000_000n }, // the last second pcap holds
];

function strip(p: CapturePacket) {
  return { data: p.data, ts: p.timestampNs, orig: p.originalLength, linktype: p.linktype };
}

describe('classic pcap round trip', () => {
  for (const littleEndian of [true, false]) {
    it(`keeps nanoseconds in an ns file (${littleEndian ? 'little' : 'big'}-endian)`, () => {
      const bytes = encodeCapture({ format: 'pcap', resolution: 'ns', littleEndian, linktype: 1 }, packets);
      const r = parseCapture(bytes);
      expect(r.error).toBeUndefined();
      expect(r.format).toBe('pcap');
      expect(r.packets.map(strip)).toEqual(
        packets.map((p) => ({ data: p.data, ts: p.timestampNs, orig: p.originalLength ?? p.data.length, linktype: 1 })),
      );
      expect(r.packets.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    });

    it(`truncates to microseconds in a µs file (${littleEndian ? 'little' : 'big'}-endian)`, () => {
      const bytes = encodeCapture({ format: 'pcap', resolution: 'us', littleEndian, linktype: 228 }, packets);
      // The magic says which: 0xa1b2c3d4 in the file's order.
      expect(Array.from(bytes.subarray(0, 4))).toEqual(littleEndian ? [0xd4, 0xc3, 0xb2, 0xa1] : [0xa1, 0xb2, 0xc3, 0xd4]);
      const r = parseCapture(bytes);
      expect(r.packets.map((p) => p.timestampNs)).toEqual(packets.map((p) => ((p.timestampNs ?? 0n) / 1000n) * 1000n));
      expect(r.packets.every((p) => p.linktype === 228)).toBe(true);
    });
  }

  it('writes the µs magic 0xa1b2c3d4 by default, the ns magic 0xa1b23c4d on request', () => {
    const bytes = encodeCapture({ format: 'pcap', littleEndian: false }, []);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xa1, 0xb2, 0xc3, 0xd4]);
    expect(bytes.length).toBe(24);
    const ns = encodeCapture({ format: 'pcap', littleEndian: false, resolution: 'ns' }, []);
    expect(Array.from(ns.subarray(0, 4))).toEqual([0xa1, 0xb2, 0x3c, 0x4d]);
  });
});

const multi: WriterOptions = {
  format: 'pcapng',
  application: 'twinplane test',
  comment: 'section comment',
  interfaces: [
    { name: 'underlay0', linktype: 1 },
    { name: 'veth-a', description: 'pod a', linktype: 1, resolution: 'us' },
    { linktype: 101 }, // raw IP, no name
  ],
};

const ngPackets: PacketToWrite[] = [
  { data: frame(60, 1), timestampNs: 1_700_000_000_123_456_789n, comments: ['first', 'ünïcode ✓'], verdicts: [xdpVerdict(2)] },
  { data: frame(75, 2), interfaceId: 1, timestampNs: 1_700_000_000_000_001_999n, verdicts: [xdpVerdict(1)], flags: 0x1 },
  { data: frame(3, 3), interfaceId: 2, timestampNs: 5n, originalLength: 40 },
  {
    data: frame(64, 4),
    comments: ['two verdicts'],
    verdicts: [
      xdpVerdict(4),
      { type: 'ebpf-tc', value: 0xffffffffffffffffn },
      { type: 'hardware', raw: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
    ],
  },
];

describe('pcapng round trip', () => {
  for (const littleEndian of [true, false]) {
    it(`keeps interfaces, comments, flags and verdicts (${littleEndian ? 'little' : 'big'}-endian)`, () => {
      const r = parseCapture(encodeCapture({ ...multi, littleEndian }, ngPackets));
      expect(r.error).toBeUndefined();
      expect(r.format).toBe('pcapng');
      expect(r.interfaces.map((i) => [i.id, i.name, i.description, i.linktype, i.unitsPerSecond])).toEqual([
        [0, 'underlay0', undefined, 1, 1_000_000_000n],
        [1, 'veth-a', 'pod a', 1, 1_000_000n],
        [2, undefined, undefined, 101, 1_000_000_000n],
      ]);
      const got = r.packets;
      expect(got.map((p) => p.interfaceId)).toEqual([0, 1, 2, 0]);
      expect(got.map((p) => p.interfaceName)).toEqual(['underlay0', 'veth-a', undefined, 'underlay0']);
      expect(got.map((p) => p.linktype)).toEqual([1, 1, 101, 1]);
      // Interface 1 keeps microseconds: the 999 ns are cut.
      expect(got.map((p) => p.timestampNs)).toEqual([1_700_000_000_123_456_789n, 1_700_000_000_000_001_000n, 5n, 0n]);
      expect(got.map((p) => p.data)).toEqual(ngPackets.map((p) => p.data));
      expect(got.map((p) => p.originalLength)).toEqual([60, 75, 40, 64]);
      expect(got.map((p) => p.comments)).toEqual([['first', 'ünïcode ✓'], [], [], ['two verdicts']]);
      expect(got.map((p) => p.flags)).toEqual([undefined, 1, undefined, undefined]);
      expect(got.map((p) => p.verdicts)).toEqual([
        [{ type: 'ebpf-xdp', value: 2n }],
        [{ type: 'ebpf-xdp', value: 1n }],
        undefined,
        [
          { type: 'ebpf-xdp', value: 4n },
          { type: 'ebpf-tc', value: 0xffffffffffffffffn },
          { type: 'hardware', raw: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
        ],
      ]);
    });
  }

  it("keeps blocks larger than the writer's first buffer (full-size frames, long comments)", () => {
    // Regression: the growing writer once wrote into its old buffer when a field made it grow.
    const sizes = [200, 229, 1514, 3000];
    const packets = sizes.map((n, i) => ({
      data: frame(n, i + 1),
      timestampNs: BigInt(i),
      comments: ['c'.repeat(300 + i)],
      verdicts: [xdpVerdict(i % 5)],
    }));
    for (const format of ['pcapng', 'pcap'] as const) {
      const r = parseCapture(encodeCapture({ format, interfaces: [{ name: 'big', linktype: 1 }] }, packets));
      expect(r.error, format).toBeUndefined();
      expect(
        r.packets.map((p) => p.data),
        format,
      ).toEqual(packets.map((p) => p.data));
      if (format === 'pcapng') {
        expect(r.packets.map((p) => p.comments)).toEqual(packets.map((p) => p.comments));
        expect(r.packets.map((p) => p.verdicts?.[0])).toEqual(packets.map((p) => p.verdicts[0]));
      }
    }
  });

  it('reads a second section with its own byte order and interfaces', () => {
    const a = encodeCapture({ format: 'pcapng', interfaces: [{ name: 'a', linktype: 1 }] }, [{ data: frame(10, 1), timestampNs: 1n }]);
    const b = encodeCapture({ format: 'pcapng', littleEndian: false, interfaces: [{ name: 'b', linktype: 101 }] }, [
      { data: frame(12, 2), timestampNs: 2n, comments: ['in b'] },
    ]);
    const joined = new Uint8Array([...a, ...b]);
    const r = parseCapture(joined);
    expect(r.error).toBeUndefined();
    expect(r.packets.map((p) => [p.index, p.interfaceName, p.linktype, p.comments])).toEqual([
      [0, 'a', 1, []],
      [1, 'b', 101, ['in b']],
    ]);
  });

  it('splits every 32-bit field at the right place (golden EPB bytes)', () => {
    const bytes = encodeCapture({ format: 'pcapng', interfaces: [{ resolution: 'us' }] }, [
      { data: Uint8Array.of(0xaa, 0xbb), timestampNs: 0x1_0000_0002n * 1000n, verdicts: [xdpVerdict(3)] },
    ]);
    const shbLen = 28; // SHB without options
    const idbLen = 20; // IDB without options
    const epb = bytes.subarray(shbLen + idbLen);
    const dv = new DataView(epb.buffer, epb.byteOffset);
    expect(dv.getUint32(0, true)).toBe(6); // EPB
    const len = dv.getUint32(4, true);
    expect(len).toBe(epb.length);
    expect(dv.getUint32(len - 4, true)).toBe(len);
    expect(dv.getUint32(12, true)).toBe(1); // timestamp high
    expect(dv.getUint32(16, true)).toBe(2); // timestamp low
    expect(Array.from(epb.subarray(28, 32))).toEqual([0xaa, 0xbb, 0, 0]); // data padded to 4
    // epb_verdict: code 7, length 9, type 2 (XDP), u64 3, 3 bytes of padding, then end of options.
    expect(Array.from(epb.subarray(32, 48))).toEqual([7, 0, 9, 0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(epb.subarray(48, 52))).toEqual([0, 0, 0, 0]);
  });
});

describe('streaming', () => {
  const whole = encodeCapture({ ...multi }, ngPackets);

  it('yields the same packets whatever the chunking', () => {
    const expected = parseCapture(whole).packets;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: whole.length }), { maxLength: 30 }), (cuts) => {
        const points = [...new Set(cuts)].sort((x, y) => x - y);
        const reader = new CaptureReader();
        const got: CapturePacket[] = [];
        let prev = 0;
        for (const c of [...points, whole.length]) {
          for (const p of reader.push(whole.subarray(prev, c))) got.push(p);
          prev = c;
        }
        for (const p of reader.finish()) got.push(p);
        expect(got).toEqual(expected);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('hands out each packet as soon as its block is complete', () => {
    const reader = new CaptureReader();
    const arrivedAt: number[] = [];
    for (let i = 0; i < whole.length; i++) {
      for (const _ of reader.push(whole.subarray(i, i + 1))) arrivedAt.push(i + 1);
      // Never ahead of the bytes: the offset only moves over complete blocks.
      expect(reader.offset).toBeLessThanOrEqual(i + 1);
    }
    expect([...reader.finish()]).toEqual([]);
    expect(arrivedAt.length).toBe(ngPackets.length);
    // The last block is a packet, so it must come out with the very last byte.
    expect(arrivedAt[arrivedAt.length - 1]).toBe(whole.length);
    expect(new Set(arrivedAt).size).toBe(arrivedAt.length);
  });
});
