// The capture codecs on files, streamed through node:fs: reading yields packets while the
// file is still being read (memory stays at one read chunk plus one record), and writing
// respects the stream's back-pressure. The codecs themselves stay free of Node APIs.
import { closeSync, createReadStream, createWriteStream, openSync, writeSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { CaptureReader } from './reader.ts';
import { createEncoder, type CaptureEncoder, type PacketToWrite, type WriterOptions } from './writer.ts';
import type { CapturePacket } from './contents.ts';

export interface CaptureFileReader extends AsyncIterable<CapturePacket> {
  /** The reader behind the iteration: format, the section's interfaces, the offset reached. */
  readonly reader: CaptureReader;
}

/**
 * Packets of the capture at `path`, as the file is read. Iteration throws CaptureError
 * at the first damage (after yielding every packet before it) and the file system's own
 * error (ENOENT, EISDIR, ...) when the file cannot be read.
 */
export function readCaptureFile(path: string, opts: { chunkSize?: number } = {}): CaptureFileReader {
  const reader = new CaptureReader();
  return {
    reader,
    async *[Symbol.asyncIterator]() {
      const stream = createReadStream(path, { highWaterMark: opts.chunkSize ?? 1 << 16 });
      try {
        for await (const chunk of stream) yield* reader.push(chunk as Buffer);
        yield* reader.finish();
      } finally {
        stream.destroy();
      }
    },
  };
}

/** Streams packets into a pcap or pcapng file. `close()` must be awaited. */
export class CaptureFileWriter {
  private count = 0;
  private constructor(
    private readonly out: WriteStream,
    private readonly encoder: CaptureEncoder,
  ) {}

  static async open(path: string, opts: WriterOptions): Promise<CaptureFileWriter> {
    const encoder = createEncoder(opts);
    const out = createWriteStream(path);
    await once(out, 'open');
    const w = new CaptureFileWriter(out, encoder);
    await w.put(encoder.header());
    return w;
  }

  /** Packets written so far. */
  get packets(): number {
    return this.count;
  }

  async write(p: PacketToWrite): Promise<void> {
    await this.put(this.encoder.packet(p));
    this.count++;
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
  }

  private async put(bytes: Uint8Array): Promise<void> {
    // Wait only when the stream asks us to; otherwise writes queue without a round trip.
    if (!this.out.write(bytes)) await once(this.out, 'drain');
  }
}

/** Writes a whole capture; returns the number of packets. */
export async function writeCaptureFile(
  path: string,
  opts: WriterOptions,
  packets: Iterable<PacketToWrite> | AsyncIterable<PacketToWrite>,
): Promise<number> {
  const w = await CaptureFileWriter.open(path, opts);
  try {
    for await (const p of packets) await w.write(p);
  } finally {
    await w.close();
  }
  return w.packets;
}

/**
 * A capture file written as packets come, synchronously (each packet goes to the file before
 * the call returns): for producers that are not async, such as the scenario runner, whose
 * packets must leave memory as they are made.
 */
export class CaptureFileSink {
  private count = 0;
  private readonly fd: number;
  private readonly encoder: CaptureEncoder;
  // Blocks gathered up to 1 MiB, then written in one syscall.
  private pending: Uint8Array[] = [];
  private size = 0;

  constructor(path: string, opts: WriterOptions) {
    this.encoder = createEncoder(opts);
    this.fd = openSync(path, 'w');
    this.put(this.encoder.header());
  }

  /** Packets written so far. */
  get packets(): number {
    return this.count;
  }

  write(p: PacketToWrite): void {
    this.put(this.encoder.packet(p));
    this.count++;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private put(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.size += bytes.length;
    if (this.size >= 1 << 20) this.flush();
  }

  private flush(): void {
    const all = Buffer.concat(this.pending);
    this.pending = [];
    this.size = 0;
    for (let off = 0; off < all.length;) off += writeSync(this.fd, all, off);
  }
}
