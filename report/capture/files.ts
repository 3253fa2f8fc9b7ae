// The capture codecs on files, streamed through node:fs: reading yields packets while the
// file is still being read (memory stays at one read chunk plus one record), and writing
// respects the stream's back-pressure. The codecs themselves stay free of Node APIs.
import { closeSync, createReadStream, createWriteStream, openSync, writeSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { ByteWriter } from './bytes.ts';
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

/** A file sink writes once this much is pending. */
const FLUSH_AT = 1 << 20;

/**
 * A capture file written as packets come, synchronously (each packet is encoded before the
 * call returns, and the file gets them a MiB at a time and at close): for producers that are
 * not async, such as the scenario runner, whose packets must leave memory as they are made.
 */
export class CaptureFileSink {
  private count = 0;
  private readonly fd: number;
  private readonly encoder: CaptureEncoder;
  // Blocks appended to one buffer up to 1 MiB, then written in one syscall and the buffer
  // reused: no allocation per packet.
  private readonly pending: ByteWriter;

  constructor(path: string, opts: WriterOptions) {
    this.encoder = createEncoder(opts);
    this.pending = new ByteWriter(opts.littleEndian ?? true, FLUSH_AT + 64 * 1024);
    this.fd = openSync(path, 'w');
    this.pending.raw(this.encoder.header());
  }

  /** Packets written so far. */
  get packets(): number {
    return this.count;
  }

  /** Appends one packet; one the encoder refuses (RangeError) leaves nothing of itself behind. */
  write(p: PacketToWrite): void {
    const at = this.pending.length;
    try {
      this.encoder.packetInto(p, this.pending);
    } catch (e) {
      this.pending.truncate(at);
      throw e;
    }
    this.count++;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    const all = this.pending.written();
    for (let off = 0; off < all.length;) off += writeSync(this.fd, all, off);
    this.pending.reset();
  }
}
