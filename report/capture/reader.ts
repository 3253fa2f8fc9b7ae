// Incremental reader for classic pcap (all four magics) and pcapng (SHB in either byte
// order, IDB, EPB, SPB, the obsolete PB; unknown blocks skipped). Push chunks as they
// arrive and iterate what each push returns: packets come out as soon as their record is
// complete, so a capture of any size is never held whole. Damage raises a CaptureError
// naming the byte offset, after every packet before it has been handed out.
import { ByteReader } from './bytes.ts';
import {
  BLOCK,
  BYTE_ORDER_MAGIC,
  EPB_FIXED,
  EPB_FLAGS,
  EPB_VERDICT,
  IDB_FIXED,
  IF_DESCRIPTION,
  IF_NAME,
  IF_TSOFFSET,
  IF_TSRESOL,
  MAX_BLOCK_LEN,
  OPB_FIXED,
  OPT_COMMENT,
  OPT_ENDOFOPT,
  PCAP_GLOBAL_HEADER_LEN,
  PCAP_MAGIC_NS,
  PCAP_MAGIC_US,
  PCAP_RECORD_HEADER_LEN,
  SHB_FIXED,
  SPB_FIXED,
  pad4,
} from './formats.ts';
import {
  CaptureError,
  VERDICT_TYPE,
  type CaptureFormat,
  type CaptureInterface,
  type CapturePacket,
  type CaptureVerdict,
} from './contents.ts';

const NS_PER_S = 1_000_000_000n;
const utf8 = new TextDecoder('utf-8', { fatal: false });

interface PcapState {
  readonly littleEndian: boolean;
  readonly nanos: boolean;
  readonly linktype: number;
}

interface RawOption {
  readonly code: number;
  readonly value: Uint8Array;
}

export class CaptureReader {
  /** Known once the first bytes are in. */
  format: CaptureFormat | null = null;
  /** Interfaces of the current pcapng section (one synthetic interface for pcap). */
  interfaces: CaptureInterface[] = [];
  /** opt_comment values of the current section header. */
  sectionComments: string[] = [];

  private buf = new Uint8Array(0);
  private start = 0; // first unconsumed byte in buf
  private end = 0; // one past the last byte in buf
  private base = 0; // file offset of buf[start]
  private ended = false;
  private failure: CaptureError | null = null;
  private index = 0;
  private pcap: PcapState | null = null;
  private littleEndian = true; // of the current pcapng section
  private sawSection = false;

  /** Bytes consumed so far: the file offset the next record starts at. */
  get offset(): number {
    return this.base;
  }

  /** Add bytes; the returned iterable yields every packet they complete. */
  push(chunk: Uint8Array): Iterable<CapturePacket> {
    if (this.ended) throw new Error('CaptureReader.push after finish');
    this.append(chunk);
    return this.drain();
  }

  /** No more bytes: yields what is left, then raises if the input stopped mid-record. */
  finish(): Iterable<CapturePacket> {
    this.ended = true;
    return this.drain();
  }

  private *drain(): Generator<CapturePacket> {
    for (;;) {
      if (this.failure) throw this.failure;
      let p: CapturePacket | null | undefined;
      try {
        p = this.step();
      } catch (e) {
        // Sticky: a damaged capture stays damaged however often it is asked.
        if (e instanceof CaptureError) this.failure = e;
        throw e;
      }
      if (p === null) return; // need more bytes (or done)
      if (p !== undefined) yield p;
    }
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      // Reuse the buffer when compacting frees enough; otherwise grow geometrically.
      const target =
        live + chunk.length <= this.buf.length ? this.buf : new Uint8Array(Math.max(this.buf.length * 2, live + chunk.length, 65536));
      target.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = target;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private get available(): number {
    return this.end - this.start;
  }

  private consume(n: number): void {
    this.start += n;
    this.base += n;
  }

  /** Parse one unit: a packet, undefined (a non-packet unit was consumed), or null (wait). */
  private step(): CapturePacket | null | undefined {
    if (this.format === null) return this.detect();
    return this.format === 'pcap' ? this.pcapRecord() : this.pcapngBlock();
  }

  private detect(): undefined | null {
    if (this.available < 4) {
      if (!this.ended) return null;
      if (this.base === 0 && this.available === 0) throw new CaptureError(0, 'empty file: no pcap or pcapng header');
      throw new CaptureError(0, `file header at byte 0: ${this.available} bytes, too short for a capture`);
    }
    const b = this.buf.subarray(this.start, this.start + 4);
    const le = new ByteReader(b, true).u32(0);
    const be = new ByteReader(b, false).u32(0);
    if (be === BLOCK.sectionHeader) {
      this.format = 'pcapng';
      return undefined;
    }
    for (const [value, littleEndian] of [
      [le, true],
      [be, false],
    ] as const) {
      if (value === PCAP_MAGIC_US || value === PCAP_MAGIC_NS) {
        return this.pcapHeader(littleEndian, value === PCAP_MAGIC_NS);
      }
    }
    throw new CaptureError(0, `file header at byte 0: magic 0x${be.toString(16).padStart(8, '0')} is neither pcap nor pcapng`);
  }

  // ---- classic pcap ------------------------------------------------------------------

  private pcapHeader(littleEndian: boolean, nanos: boolean): undefined | null {
    if (this.available < PCAP_GLOBAL_HEADER_LEN) {
      if (!this.ended) return null;
      throw new CaptureError(0, `truncated pcap header at byte 0: 24 bytes needed, file ends after ${this.available}`);
    }
    const r = this.view(littleEndian);
    const major = r.u16(this.start + 4);
    if (major !== 2) throw new CaptureError(4, `pcap header at byte 0: version ${major}.${r.u16(this.start + 6)} is not 2.x`);
    const snaplen = r.u32(this.start + 16);
    // Link type is the low 16 bits; the upper bits carry FCS information.
    const linktype = r.u32(this.start + 20) & 0xffff;
    this.format = 'pcap';
    this.pcap = { littleEndian, nanos, linktype };
    this.interfaces = [{ id: 0, linktype, snaplen, unitsPerSecond: nanos ? NS_PER_S : 1_000_000n, offsetSeconds: 0n }];
    this.consume(PCAP_GLOBAL_HEADER_LEN);
    return undefined;
  }

  private pcapRecord(): CapturePacket | null {
    const st = this.pcap!;
    const at = this.base;
    if (this.available < PCAP_RECORD_HEADER_LEN) {
      if (!this.ended || this.available === 0) return null;
      throw new CaptureError(at, `truncated packet record at byte ${at}: 16-byte record header, file ends after ${this.available}`);
    }
    const r = this.view(st.littleEndian);
    const s = this.start;
    const caplen = r.u32(s + 8);
    if (caplen > MAX_BLOCK_LEN) {
      throw new CaptureError(at, `packet record at byte ${at}: captured length ${caplen} is implausible (corrupt file?)`);
    }
    const total = PCAP_RECORD_HEADER_LEN + caplen;
    if (this.available < total) {
      if (!this.ended) return null;
      throw new CaptureError(
        at,
        `truncated packet record at byte ${at}: header says ${caplen} bytes, file ends after ${this.available - PCAP_RECORD_HEADER_LEN}`,
      );
    }
    const sec = BigInt(r.u32(s));
    const frac = BigInt(r.u32(s + 4));
    const packet: CapturePacket = {
      index: this.index++,
      interfaceId: 0,
      linktype: st.linktype,
      timestampNs: sec * NS_PER_S + (st.nanos ? frac : frac * 1000n),
      data: this.buf.slice(s + PCAP_RECORD_HEADER_LEN, s + total),
      originalLength: r.u32(s + 12),
      comments: [],
    };
    this.consume(total);
    return packet;
  }

  // ---- pcapng -----------------------------------------------------------------------

  private pcapngBlock(): CapturePacket | null | undefined {
    const at = this.base;
    const s = this.start;
    if (this.available < 12) {
      if (!this.ended || this.available === 0) return null;
      throw new CaptureError(at, `truncated pcapng block at byte ${at}: block header needs 12 bytes, file ends after ${this.available}`);
    }
    const type0 = new ByteReader(this.buf, false).u32(s);
    if (type0 === BLOCK.sectionHeader) {
      // The section's byte order is whatever makes the byte-order magic read right.
      const bom = new ByteReader(this.buf, true).u32(s + 8);
      if (bom === BYTE_ORDER_MAGIC) this.littleEndian = true;
      else if (bom === 0x4d3c2b1a) this.littleEndian = false;
      else
        throw new CaptureError(
          at,
          `pcapng section header at byte ${at}: byte-order magic 0x${bom.toString(16)} is not 0x1a2b3c4d in either order`,
        );
    } else if (!this.sawSection) {
      throw new CaptureError(at, `pcapng block at byte ${at}: the file must start with a section header block`);
    }
    const r = this.view(this.littleEndian);
    const type = r.u32(s);
    const length = r.u32(s + 4);
    if (length % 4 !== 0) throw new CaptureError(at, `pcapng block at byte ${at}: block length ${length} is not a multiple of 4`);
    if (length < 12)
      throw new CaptureError(at, `pcapng block at byte ${at}: block length ${length} is shorter than a block's 12-byte frame`);
    if (length > MAX_BLOCK_LEN)
      throw new CaptureError(at, `pcapng block at byte ${at}: block length ${length} is implausible (corrupt file?)`);
    if (this.available < length) {
      if (!this.ended) return null;
      throw new CaptureError(at, `truncated pcapng block at byte ${at}: header says ${length} bytes, file ends after ${this.available}`);
    }
    const trailer = r.u32(s + length - 4);
    if (trailer !== length) {
      throw new CaptureError(
        at + length - 4,
        `pcapng block at byte ${at}: trailing length ${trailer} differs from leading length ${length}`,
      );
    }
    const body = { r, at, s, length };
    let packet: CapturePacket | undefined;
    switch (type) {
      case BLOCK.sectionHeader:
        this.sectionHeader(body);
        break;
      case BLOCK.interfaceDescription:
        this.interfaceDescription(body);
        break;
      case BLOCK.enhancedPacket:
        packet = this.enhancedPacket(body);
        break;
      case BLOCK.simplePacket:
        packet = this.simplePacket(body);
        break;
      case BLOCK.obsoletePacket:
        packet = this.obsoletePacket(body);
        break;
      default:
        break; // statistics, name resolution, custom, ...: not ours to interpret
    }
    this.consume(length);
    return packet;
  }

  private sectionHeader({ r, at, s, length }: Block): void {
    if (length < 8 + SHB_FIXED + 4) throw new CaptureError(at, `pcapng section header at byte ${at}: block length ${length} is too short`);
    const major = r.u16(s + 12);
    if (major !== 1) throw new CaptureError(at + 12, `pcapng section header at byte ${at}: version ${major}.${r.u16(s + 14)} is not 1.x`);
    const opts = this.options(r, at, s + 8 + SHB_FIXED, s + length - 4);
    this.sectionComments = opts.filter((o) => o.code === OPT_COMMENT).map((o) => utf8.decode(o.value));
    this.interfaces = [];
    this.sawSection = true;
  }

  private interfaceDescription({ r, at, s, length }: Block): void {
    if (length < 8 + IDB_FIXED + 4) throw new CaptureError(at, `pcapng interface block at byte ${at}: block length ${length} is too short`);
    let unitsPerSecond = 1_000_000n; // the default when if_tsresol is absent
    let offsetSeconds = 0n;
    let name: string | undefined;
    let description: string | undefined;
    for (const o of this.options(r, at, s + 8 + IDB_FIXED, s + length - 4)) {
      if (o.code === IF_NAME) name = utf8.decode(o.value);
      else if (o.code === IF_DESCRIPTION) description = utf8.decode(o.value);
      else if (o.code === IF_TSRESOL && o.value.length >= 1) {
        const v = o.value[0];
        // High bit clear: 10^-v seconds; set: 2^-(v & 0x7f).
        unitsPerSecond = v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v);
      } else if (o.code === IF_TSOFFSET && o.value.length >= 8) {
        offsetSeconds = new ByteReader(o.value, r.littleEndian).i64(0);
      }
    }
    this.interfaces.push({
      id: this.interfaces.length,
      linktype: r.u16(s + 8),
      snaplen: r.u32(s + 12),
      ...(name !== undefined && { name }),
      ...(description !== undefined && { description }),
      unitsPerSecond,
      offsetSeconds,
    });
  }

  private iface(id: number, at: number, what: string): CaptureInterface {
    const i = this.interfaces[id];
    if (!i) {
      throw new CaptureError(
        at,
        `pcapng ${what} at byte ${at}: interface ${id} is not described (the section has ${this.interfaces.length})`,
      );
    }
    return i;
  }

  private enhancedPacket(b: Block): CapturePacket {
    return this.timedPacket(b, 'enhanced packet block', b.r.u32(b.s + 8), EPB_FIXED);
  }

  private obsoletePacket(b: Block): CapturePacket {
    return this.timedPacket(b, 'packet block', b.r.u16(b.s + 8), OPB_FIXED);
  }

  /** EPB and the obsolete PB: the same layout after their interface field. */
  private timedPacket({ r, at, s, length }: Block, what: string, ifId: number, fixed: number): CapturePacket {
    if (length < 8 + fixed + 4) throw new CaptureError(at, `pcapng ${what} at byte ${at}: block length ${length} is too short`);
    const iface = this.iface(ifId, at, what);
    const caplen = r.u32(s + 20);
    const dataAt = s + 8 + fixed;
    const optsAt = dataAt + pad4(caplen);
    if (caplen > length || optsAt > s + length - 4) {
      throw new CaptureError(at + 20, `pcapng ${what} at byte ${at}: captured length ${caplen} overruns the ${length}-byte block`);
    }
    const comments: string[] = [];
    const verdicts: CaptureVerdict[] = [];
    let flags: number | undefined;
    for (const o of this.options(r, at, optsAt, s + length - 4)) {
      if (o.code === OPT_COMMENT) comments.push(utf8.decode(o.value));
      else if (o.code === EPB_FLAGS && o.value.length >= 4) flags = new ByteReader(o.value, r.littleEndian).u32(0);
      else if (o.code === EPB_VERDICT && fixed === EPB_FIXED && o.value.length >= 1) verdicts.push(verdict(o.value, r.littleEndian));
    }
    const units = r.u32pair(s + 12);
    return {
      index: this.index++,
      interfaceId: ifId,
      linktype: iface.linktype,
      timestampNs: (units * NS_PER_S) / iface.unitsPerSecond + iface.offsetSeconds * NS_PER_S,
      data: this.buf.slice(dataAt, dataAt + caplen),
      originalLength: r.u32(s + 24),
      comments,
      ...(iface.name !== undefined && { interfaceName: iface.name }),
      ...(flags !== undefined && { flags }),
      ...(verdicts.length > 0 && { verdicts }),
    };
  }

  private simplePacket({ r, at, s, length }: Block): CapturePacket {
    if (length < 8 + SPB_FIXED + 4)
      throw new CaptureError(at, `pcapng simple packet block at byte ${at}: block length ${length} is too short`);
    const iface = this.iface(0, at, 'simple packet block');
    const originalLength = r.u32(s + 8);
    // The captured length is implied: the original length cut to the snap length and
    // to what the block holds.
    let caplen = Math.min(originalLength, length - 8 - SPB_FIXED - 4);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    const dataAt = s + 8 + SPB_FIXED;
    return {
      index: this.index++,
      interfaceId: 0,
      linktype: iface.linktype,
      timestampNs: 0n, // an SPB carries no timestamp
      data: this.buf.slice(dataAt, dataAt + caplen),
      originalLength,
      comments: [],
      ...(iface.name !== undefined && { interfaceName: iface.name }),
    };
  }

  /** Options between `from` and `to` (absolute buffer positions) of the block at file offset `at`. */
  private options(r: ByteReader, at: number, from: number, to: number): RawOption[] {
    const out: RawOption[] = [];
    let p = from;
    // Some writers omit opt_endofopt; fewer than 4 bytes left cannot hold an option.
    while (p + 4 <= to) {
      const code = r.u16(p);
      const len = r.u16(p + 2);
      if (code === OPT_ENDOFOPT) break;
      if (p + 4 + len > to) {
        const where = at + (p - this.start);
        throw new CaptureError(where, `pcapng block at byte ${at}: option ${code} at byte ${where} (${len} bytes) overruns the block`);
      }
      out.push({ code, value: this.buf.subarray(p + 4, p + 4 + len) });
      p += 4 + pad4(len);
    }
    return out;
  }

  private view(littleEndian: boolean): ByteReader {
    return new ByteReader(this.buf, littleEndian);
  }
}

interface Block {
  readonly r: ByteReader;
  /** File offset of the block. */
  readonly at: number;
  /** Buffer position of the block. */
  readonly s: number;
  readonly length: number;
}

function verdict(v: Uint8Array, littleEndian: boolean): CaptureVerdict {
  const type = v[0];
  if (type === VERDICT_TYPE.hardware) return { type: 'hardware', raw: v.slice(1) };
  if ((type === VERDICT_TYPE.ebpfTc || type === VERDICT_TYPE.ebpfXdp) && v.length >= 9) {
    return { type: type === VERDICT_TYPE.ebpfTc ? 'ebpf-tc' : 'ebpf-xdp', value: new ByteReader(v.subarray(1, 9), littleEndian).u64(0) };
  }
  return { type: 'unknown', code: type, raw: v.slice(1) };
}

/** Everything in `bytes` at once: the packets before any damage, and the damage itself. */
export function parseCapture(bytes: Uint8Array): {
  format: CaptureFormat | null;
  packets: CapturePacket[];
  interfaces: CaptureInterface[];
  error?: CaptureError;
} {
  const reader = new CaptureReader();
  const packets: CapturePacket[] = [];
  try {
    for (const p of reader.push(bytes)) packets.push(p);
    for (const p of reader.finish()) packets.push(p);
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    return { format: reader.format, packets, interfaces: reader.interfaces, error: e };
  }
  return { format: reader.format, packets, interfaces: reader.interfaces };
}
