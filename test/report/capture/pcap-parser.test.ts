// An independent reader beside ours: pcap-parser (npm, classic pcap only) reads every
// classic pcap twinplane ships or writes, and the two agree packet for packet — header,
// timestamps, lengths and bytes. Classic pcap is written with microsecond timestamps by
// default for exactly this reason: the nanosecond magic is opt-in, and pcap-parser (like
// older readers) refuses it, as the last test shows.
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runAll } from '../../../harness/run/run-all.ts';
import { parseCapture } from '../../../report/capture/reader.ts';
import { encodeCapture, type PacketToWrite } from '../../../report/capture/writer.ts';
import { fromHex } from '../../../model/wire/hex.ts';

interface TheirPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
interface TheirHeader {
  majorVersion: number;
  minorVersion: number;
  snapshotLength: number;
  linkLayerType: number;
}
interface Parser {
  on(e: 'globalHeader', f: (h: TheirHeader) => void): Parser;
  on(e: 'packet', f: (p: TheirPacket) => void): Parser;
  on(e: 'end', f: () => void): Parser;
  on(e: 'error', f: (err: Error) => void): Parser;
}
const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(input: Readable): Parser };

/** What pcap-parser reads from these bytes (or the error it stops with). */
function theirs(bytes: Uint8Array): Promise<{ header?: TheirHeader; packets: TheirPacket[]; error?: string }> {
  return new Promise((resolve) => {
    const out: { header?: TheirHeader; packets: TheirPacket[]; error?: string } = { packets: [] };
    const p = pcapParser.parse(Readable.from([Buffer.from(bytes)]));
    p.on('globalHeader', (h) => (out.header = h));
    p.on('packet', (x) => out.packets.push(x));
    p.on('error', (e) => (out.error = e.message));
    p.on('end', () => resolve(out));
  });
}

/** Ours, in pcap-parser's terms. */
function ours(bytes: Uint8Array) {
  const r = parseCapture(bytes);
  expect(r.error).toBeUndefined();
  expect(r.format).toBe('pcap');
  return {
    linktype: r.interfaces[0].linktype,
    snaplen: r.interfaces[0].snaplen,
    packets: r.packets.map((p) => ({
      seconds: Number(p.timestampNs / 1_000_000_000n),
      micros: Number((p.timestampNs % 1_000_000_000n) / 1000n),
      captured: p.data.length,
      original: p.originalLength,
      data: Buffer.from(p.data),
    })),
  };
}

async function agree(bytes: Uint8Array, count: number): Promise<void> {
  const t = await theirs(bytes);
  expect(t.error).toBeUndefined();
  const o = ours(bytes);
  expect(o.packets).toHaveLength(count);
  expect([t.header?.majorVersion, t.header?.minorVersion, t.header?.linkLayerType, t.header?.snapshotLength]).toEqual([
    2,
    4,
    o.linktype,
    o.snaplen,
  ]);
  expect(
    t.packets.map((p) => ({
      seconds: p.header.timestampSeconds,
      micros: p.header.timestampMicroseconds,
      captured: p.header.capturedLength,
      original: p.header.originalLength,
      data: Buffer.from(p.data),
    })),
  ).toEqual(o.packets);
}

/** Every frame of every hop of the demo and the adversarial scenario: what the runner makes. */
function runFrames(): PacketToWrite[] {
  const doc = runAll(
    ['scenarios/demo.yaml', 'scenarios/adversarial.yaml'].map((f) => loadScenario(f)),
    {
      target: 'model',
      engine: (cp) => new Engine(cp, 'model'),
    },
  );
  const frames = doc.runs.flatMap((r) => r.packets.flatMap((p) => p.hops.flatMap((h) => [h.frameIn, ...(h.frameOut ? [h.frameOut] : [])])));
  return frames.map((hex, i) => ({ data: fromHex(hex), timestampNs: 1_700_000_000_123_456_789n + BigInt(i) * 1_000_001_337n }));
}

/** Records at the edges: empty, one byte, a jumbo frame, longer than Ethernet carries, a snapped one. */
const EDGES: PacketToWrite[] = [
  { data: new Uint8Array(0) },
  { data: Uint8Array.of(0xff), timestampNs: 999n },
  { data: new Uint8Array(9018).fill(0xab), timestampNs: 4_294_967_295_999_999_999n },
  { data: new Uint8Array(70_000).map((_, i) => i & 0xff), timestampNs: 1n },
  { data: new Uint8Array(60), originalLength: 1514, timestampNs: 1_000_000_000n },
];

describe('pcap-parser and our reader agree on every classic pcap twinplane ships or writes', () => {
  it('the shipped sample (pcaps/sample-geneve.pcap)', async () => {
    const bytes = new Uint8Array(readFileSync('pcaps/sample-geneve.pcap'));
    await agree(bytes, parseCapture(bytes).packets.length);
    expect(parseCapture(bytes).packets.length).toBe(9);
  });

  it.each([true, false])('every frame of two scenario runs, the writer default (little-endian %s)', async (littleEndian) => {
    const frames = runFrames();
    expect(frames.length).toBeGreaterThan(100);
    await agree(encodeCapture({ format: 'pcap', littleEndian }, frames), frames.length);
  });

  it.each([true, false])(
    'records at the edges: 0 bytes, 1 byte, 9,018 and 70,000 bytes, snapped (little-endian %s)',
    async (littleEndian) => {
      await agree(encodeCapture({ format: 'pcap', littleEndian }, EDGES), EDGES.length);
    },
  );

  it('nanosecond pcap is opt-in: pcap-parser refuses its magic, which is why it is not the default', async () => {
    const ns = encodeCapture({ format: 'pcap', resolution: 'ns' }, EDGES);
    expect((await theirs(ns)).error).toBe('unknown magic number: 4d3cb2a1');
    expect(parseCapture(ns).packets).toHaveLength(EDGES.length);
    expect(new DataView(encodeCapture({ format: 'pcap' }, []).buffer).getUint32(0, true)).toBe(0xa1b2c3d4);
  });
});
