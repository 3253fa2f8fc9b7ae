import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCapture, CaptureReader } from '../../../report/capture/reader.ts';
import { encodeCapture, xdpVerdict, type PacketToWrite } from '../../../report/capture/writer.ts';
import { CaptureError } from '../../../report/capture/contents.ts';

const frame = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + seed) & 0xff);
const three: PacketToWrite[] = [
  { data: frame(98, 1), timestampNs: 1n, comments: ['a'], verdicts: [xdpVerdict(2)] },
  { data: frame(98, 2), timestampNs: 2n },
  { data: frame(98, 3), timestampNs: 3n },
];

describe('truncated captures', () => {
  it('pcap: yields the packets before, then names the record and how much is missing', () => {
    const bytes = encodeCapture({ format: 'pcap' }, three);
    // Global header 24, two records of 16 + 98, the third cut 40 bytes into its data.
    const cut = 24 + 2 * 114 + 16 + 40;
    const r = parseCapture(bytes.subarray(0, cut));
    expect(r.packets.length).toBe(2);
    expect(r.error).toBeInstanceOf(CaptureError);
    expect(r.error!.offset).toBe(24 + 2 * 114);
    expect(r.error!.message).toBe('truncated packet record at byte 252: header says 98 bytes, file ends after 40');
  });

  it('pcap: a cut inside a record header is reported too', () => {
    const bytes = encodeCapture({ format: 'pcap' }, three);
    const r = parseCapture(bytes.subarray(0, 24 + 114 + 5));
    expect(r.packets.length).toBe(1);
    expect(r.error!.offset).toBe(138);
    expect(r.error!.message).toMatch(/truncated packet record at byte 138/);
  });

  it('pcap: a cut at a record boundary is a complete, shorter capture', () => {
    const bytes = encodeCapture({ format: 'pcap' }, three);
    const r = parseCapture(bytes.subarray(0, 24 + 114));
    expect(r.error).toBeUndefined();
    expect(r.packets.length).toBe(1);
  });

  it('pcapng: yields the packets before the cut block and names its offset', () => {
    const bytes = encodeCapture({ format: 'pcapng' }, three);
    const full = parseCapture(bytes);
    const lastLen = new DataView(bytes.buffer).getUint32(bytes.length - 4, true);
    const lastAt = bytes.length - lastLen;
    const r = parseCapture(bytes.subarray(0, bytes.length - 10));
    expect(r.packets).toEqual(full.packets.slice(0, 2));
    expect(r.error!.offset).toBe(lastAt);
    expect(r.error!.message).toBe(
      `truncated pcapng block at byte ${lastAt}: header says ${lastLen} bytes, file ends after ${lastLen - 10}`,
    );
  });

  it('a streaming reader raises only at finish(), after handing out what it could', () => {
    const bytes = encodeCapture({ format: 'pcapng' }, three);
    const reader = new CaptureReader();
    const got = [...reader.push(bytes.subarray(0, bytes.length - 1))];
    expect(got.length).toBe(2);
    expect(() => [...reader.finish()]).toThrow(CaptureError);
    // Sticky: asking again gives the same error, not a different one from a later byte.
    expect(() => [...reader.finish()]).toThrow(/truncated pcapng block/);
  });

  it('an empty file and a file too short for a header are errors at byte 0', () => {
    expect(parseCapture(new Uint8Array(0)).error?.message).toBe('empty file: no pcap or pcapng header');
    expect(parseCapture(Uint8Array.of(0xd4, 0xc3)).error?.offset).toBe(0);
    expect(parseCapture(encodeCapture({ format: 'pcap' }, []).subarray(0, 20)).error?.message).toMatch(/truncated pcap header/);
  });
});

describe('corrupt captures', () => {
  const ng = (): Uint8Array => encodeCapture({ format: 'pcapng' }, three);
  const setU32 = (b: Uint8Array, at: number, v: number): void => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
  const blockStarts = (b: Uint8Array): number[] => {
    const out: number[] = [];
    for (let at = 0; at < b.length; at += new DataView(b.buffer, b.byteOffset).getUint32(at + 4, true)) out.push(at);
    return out;
  };

  it('a block length that is not a multiple of 4', () => {
    const b = ng();
    const at = blockStarts(b)[3]; // SHB, IDB, EPB, EPB <- this one
    setU32(b, at + 4, 9);
    const r = parseCapture(b);
    expect(r.packets.length).toBe(1);
    expect(r.error!.offset).toBe(at);
    expect(r.error!.message).toBe(`pcapng block at byte ${at}: block length 9 is not a multiple of 4`);
  });

  it('a trailing length that disagrees with the leading one', () => {
    const b = ng();
    const [, , epb] = blockStarts(b);
    const len = new DataView(b.buffer).getUint32(epb + 4, true);
    setU32(b, epb + len - 4, len + 4);
    const r = parseCapture(b);
    expect(r.packets.length).toBe(0);
    expect(r.error!.offset).toBe(epb + len - 4);
    expect(r.error!.message).toMatch(/trailing length .* differs from leading length/);
  });

  it('a captured length that overruns its block', () => {
    const b = ng();
    const [, , , epb] = blockStarts(b);
    setU32(b, epb + 20, 4000);
    const r = parseCapture(b);
    expect(r.packets.length).toBe(1);
    expect(r.error!.message).toMatch(new RegExp(`enhanced packet block at byte ${epb}: captured length 4000 overruns`));
  });

  it('an option that overruns its block', () => {
    const b = ng();
    const [, , epb] = blockStarts(b);
    const optAt = epb + 28 + 100; // after 98 bytes of data padded to 100
    expect(new DataView(b.buffer).getUint16(optAt, true)).toBe(1); // opt_comment
    new DataView(b.buffer).setUint16(optAt + 2, 500, true);
    const r = parseCapture(b);
    expect(r.error!.offset).toBe(optAt);
    expect(r.error!.message).toMatch(/option 1 at byte \d+ \(500 bytes\) overruns the block/);
  });

  it('a packet on an interface the section never described', () => {
    const b = ng();
    const [, , epb] = blockStarts(b);
    setU32(b, epb + 8, 7);
    expect(parseCapture(b).error!.message).toMatch(/interface 7 is not described \(the section has 1\)/);
  });

  it('an unknown magic, and a pcapng without its section header', () => {
    expect(parseCapture(new TextEncoder().encode('GIF89a.........................')).error!.message).toMatch(/neither pcap nor pcapng/);
    const b = ng();
    const [, idb] = blockStarts(b);
    const headless = new Uint8Array([...b.subarray(0, 4), ...b.subarray(idb + 4)]); // keep the SHB type, drop the rest of it
    expect(parseCapture(headless).error).toBeInstanceOf(CaptureError);
  });

  it('skips blocks it does not know', () => {
    const b = ng();
    const [, , epb] = blockStarts(b);
    // A 16-byte block of made-up type 0x0bad between IDB and the first EPB.
    const unknown = new Uint8Array(16);
    setU32(unknown, 0, 0x0bad);
    setU32(unknown, 4, 16);
    setU32(unknown, 12, 16);
    const spliced = new Uint8Array([...b.subarray(0, epb), ...unknown, ...b.subarray(epb)]);
    const r = parseCapture(spliced);
    expect(r.error).toBeUndefined();
    expect(r.packets.length).toBe(3);
  });
});

describe('untrusted bytes never throw anything but CaptureError', () => {
  const check = (bytes: Uint8Array): boolean => {
    try {
      parseCapture(bytes);
      return true;
    } catch {
      return false; // parseCapture turns CaptureError into `error`; anything else escapes
    }
  };

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512, size: 'max' }), check), { seed: 42, numRuns: 2000 });
  });

  it('random bytes after a valid header (pcap and pcapng, both byte orders)', () => {
    const headers = [
      encodeCapture({ format: 'pcap' }, []),
      encodeCapture({ format: 'pcap', littleEndian: false, resolution: 'us' }, []),
      encodeCapture({ format: 'pcapng' }, []),
      encodeCapture({ format: 'pcapng', littleEndian: false }, []),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 512, size: 'max' }), (h, tail) =>
        check(new Uint8Array([...h, ...tail])),
      ),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('truncations and byte flips of a valid capture keep a prefix of its packets', () => {
    const files = [encodeCapture({ format: 'pcapng', interfaces: [{ name: 'x' }] }, three), encodeCapture({ format: 'pcap' }, three)];
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (which, cutAt, flips) => {
          const file = files[which];
          const original = parseCapture(file).packets;
          const b = file.slice(0, cutAt % (file.length + 1));
          const r0 = parseCapture(b);
          // A plain truncation yields a prefix of the packets and errors unless cut on a boundary.
          expect(r0.packets).toEqual(original.slice(0, r0.packets.length));
          if (r0.error) expect(r0.error.offset).toBeLessThanOrEqual(b.length);
          for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
          return check(b);
        },
      ),
      { seed: 42, numRuns: 2000 },
    );
  });
});
