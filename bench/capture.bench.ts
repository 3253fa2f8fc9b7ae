// Packets per second through the capture codecs: encoding (pcap and pcapng with a comment
// and an XDP verdict per packet), decoding from memory in 64 KiB chunks, and the file
// helpers end to end (write to and stream back from a temp file).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emit, note, rate } from './emit.ts';
import { CaptureReader } from '../report/capture/reader.ts';
import { createEncoder, encodeCapture, xdpVerdict, type PacketToWrite, type WriterOptions } from '../report/capture/writer.ts';
import { readCaptureFile, writeCaptureFile } from '../report/capture/files.ts';

const FRAME_BYTES = 128; // a small Geneve frame: outer headers plus a short inner packet
const BATCH = 1000;
const CHUNK = 64 * 1024;

const packets: PacketToWrite[] = Array.from({ length: BATCH }, (_, i) => ({
  data: new Uint8Array(FRAME_BYTES).map((_, j) => (i + j) & 0xff),
  timestampNs: 1_704_067_200_000_000_000n + BigInt(i) * 1000n,
  comments: ['agent: encapsulated to bouncer'],
  verdicts: [xdpVerdict(i % 5)],
}));

const formats: Record<string, WriterOptions> = {
  pcap: { format: 'pcap', resolution: 'ns' },
  pcapng: { format: 'pcapng', interfaces: [{ name: 'eth0' }] },
};

let sink = 0;
for (const [name, opts] of Object.entries(formats)) {
  const enc = createEncoder(opts);
  const w = rate(() => {
    for (const p of packets) sink += enc.packet(p).length;
    return BATCH;
  });
  emit({
    bench: 'capture',
    metric: `${name}_encode`,
    value: Math.round(w.opsPerSec),
    unit: 'packets/s',
    params: { frameBytes: FRAME_BYTES },
  });

  const file = encodeCapture(opts, packets);
  const r = rate(() => {
    const reader = new CaptureReader();
    let n = 0;
    for (let at = 0; at < file.length; at += CHUNK) for (const _ of reader.push(file.subarray(at, at + CHUNK))) n++;
    for (const _ of reader.finish()) n++;
    return n;
  });
  emit({
    bench: 'capture',
    metric: `${name}_decode`,
    value: Math.round(r.opsPerSec),
    unit: 'packets/s',
    params: { frameBytes: FRAME_BYTES, chunkBytes: CHUNK },
  });
}

// Files: 100k packets written with back-pressure, then streamed back.
const dir = mkdtempSync(join(tmpdir(), 'twinplane-bench-'));
try {
  const FILE_PACKETS = 100_000;
  for (const [name, opts] of Object.entries(formats)) {
    const path = join(dir, `bench.${name}`);
    function* many(): Generator<PacketToWrite> {
      for (let i = 0; i < FILE_PACKETS; i++) yield packets[i % BATCH];
    }
    let t = performance.now();
    await writeCaptureFile(path, opts, many());
    const writeMs = performance.now() - t;
    t = performance.now();
    let n = 0;
    for await (const _ of readCaptureFile(path)) n++;
    const readMs = performance.now() - t;
    if (n !== FILE_PACKETS) throw new Error(`read back ${n} packets, wrote ${FILE_PACKETS}`);
    emit({
      bench: 'capture',
      metric: `${name}_file_write`,
      value: Math.round((FILE_PACKETS * 1000) / writeMs),
      unit: 'packets/s',
      params: { packets: FILE_PACKETS, frameBytes: FRAME_BYTES },
    });
    emit({
      bench: 'capture',
      metric: `${name}_file_read`,
      value: Math.round((FILE_PACKETS * 1000) / readMs),
      unit: 'packets/s',
      params: { packets: FILE_PACKETS, frameBytes: FRAME_BYTES },
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
note(`capture bench done (checksum ${sink})`);
