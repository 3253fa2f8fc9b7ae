// The capture file sink appends every packet's block to one buffer it reuses across flushes:
// the file must hold exactly the bytes the whole-file encoder gives, whatever the comments
// (multi-byte text, lengths off the 4-byte grid), options and byte order, across flushes; a
// packet the encoder refuses leaves nothing of itself in the file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileSink } from '../../../report/capture/files.ts';
import { encodeCapture, xdpVerdict, type PacketToWrite, type WriterOptions } from '../../../report/capture/writer.ts';
import { parseCapture } from '../../../report/capture/reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'twinplane-files-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMMENTS = [
  '',
  'a',
  'ab',
  'abc',
  'hop 1/3 in: node-1 agent → node-2 [agent_iface → agent_eth]',
  'ünïcödé ✓',
  '😀 pair',
  'x'.repeat(701),
];

/** Enough packets of varied shapes to pass the sink's 1 MiB flush several times. */
function packets(): PacketToWrite[] {
  const out: PacketToWrite[] = [];
  for (let i = 0; i < 3000; i++) {
    const data = new Uint8Array(60 + ((i * 37) % 1400)).map((_, k) => (k * 13 + i) & 0xff);
    out.push({
      data,
      timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n,
      interfaceId: i % 3,
      comments: [COMMENTS[i % COMMENTS.length], ...(i % 5 === 0 ? [COMMENTS[(i + 3) % COMMENTS.length]] : [])],
      ...(i % 2 === 0 ? { flags: i % 4 === 0 ? 1 : 2 } : {}),
      verdicts:
        i % 7 === 0
          ? [
              { type: 'hardware', raw: Uint8Array.of(1, 2, 3) },
              { type: 'ebpf-tc', value: 5n },
              { type: 'unknown', code: 9, raw: new Uint8Array(0) },
            ]
          : [xdpVerdict(i % 5)],
    });
  }
  return out;
}

function viaSink(name: string, opts: WriterOptions, list: readonly PacketToWrite[]): Uint8Array {
  const path = join(dir, name);
  const sink = new CaptureFileSink(path, opts);
  for (const p of list) sink.write(p);
  expect(sink.packets).toBe(list.length);
  sink.close();
  return readFileSync(path);
}

describe('CaptureFileSink', () => {
  const list = packets();
  for (const littleEndian of [true, false]) {
    it(`writes the whole-file encoder's bytes for a pcapng past several flushes (${littleEndian ? 'little' : 'big'}-endian)`, () => {
      const opts: WriterOptions = {
        format: 'pcapng',
        littleEndian,
        interfaces: [{ name: 'a/agent' }, { name: 'b/transit', resolution: 'us' }, {}],
        application: 'twinplane test',
        comment: 'files.test',
      };
      const got = viaSink(`ng-${littleEndian}.pcapng`, opts, list);
      expect(got.length).toBeGreaterThan(2 << 20);
      expect(Buffer.compare(got, encodeCapture(opts, list))).toBe(0);
      const back = parseCapture(got);
      expect(back.error).toBeUndefined();
      expect(back.packets.map((p) => p.comments)).toEqual(list.map((p) => p.comments));
    });
  }

  it("writes the whole-file encoder's bytes for a classic pcap", () => {
    const opts: WriterOptions = { format: 'pcap', resolution: 'ns' };
    const plain = list.map((p) => ({ data: p.data, timestampNs: p.timestampNs }));
    expect(Buffer.compare(viaSink('classic.pcap', opts, plain), encodeCapture(opts, plain))).toBe(0);
  });

  it('leaves nothing of a packet the encoder refuses, and goes on', () => {
    const opts: WriterOptions = { format: 'pcapng' };
    const path = join(dir, 'refused.pcapng');
    const sink = new CaptureFileSink(path, opts);
    sink.write(list[3]);
    expect(() => sink.write({ data: new Uint8Array(60), comments: ['y'.repeat(70_000)] })).toThrow(/exceed the 65535/);
    expect(() => sink.write({ data: new Uint8Array(60), interfaceId: 4 })).toThrow(/names interface 4/);
    sink.write(list[6]);
    sink.close();
    expect(sink.packets).toBe(2);
    expect(Buffer.compare(readFileSync(path), encodeCapture(opts, [list[3], list[6]]))).toBe(0);
  });
});
