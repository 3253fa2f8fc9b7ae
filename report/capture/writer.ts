// Encoders for classic pcap (µs or ns, either byte order) and pcapng (SHB, IDBs with
// name and link type, EPBs with opt_comment, epb_flags and epb_verdict). An encoder turns
// one packet into bytes at a time, so the file writer can stream; `encodeCapture` is the
// whole-file convenience. The verdict option uses type 2 (eBPF XDP) with the action as a
// u64, as xdpdump writes it, so Wireshark shows frame.verdict.ebpf_xdp.
import { ByteWriter } from './bytes.ts';
import {
  BLOCK,
  BYTE_ORDER_MAGIC,
  EPB_FLAGS,
  EPB_VERDICT,
  IF_DESCRIPTION,
  IF_NAME,
  IF_TSRESOL,
  OPT_COMMENT,
  OPT_ENDOFOPT,
  PCAPNG_VERSION,
  PCAP_MAGIC_NS,
  PCAP_MAGIC_US,
  PCAP_VERSION,
  SHB_USERAPPL,
} from './formats.ts';
import { LINKTYPE_ETHERNET, VERDICT_TYPE, type CaptureFormat, type CaptureVerdict } from './contents.ts';

/** Big enough for any frame we build; what tcpdump uses by default. */
const DEFAULT_SNAPLEN = 262144;
const NS_PER_S = 1_000_000_000n;
const utf8 = new TextEncoder();

export type TimeResolution = 'us' | 'ns';

export interface PcapWriterOptions {
  readonly format: 'pcap';
  /**
   * Default 'us': the magic every classic reader knows (tcpdump of old, pcap-parser); 'ns'
   * on request. pcapng keeps nanoseconds by default (if_tsresol says so).
   */
  readonly resolution?: TimeResolution;
  /** Default true (what every common writer produces). */
  readonly littleEndian?: boolean;
  readonly linktype?: number;
  readonly snaplen?: number;
}

export interface InterfaceSpec {
  readonly name?: string;
  readonly description?: string;
  readonly linktype?: number;
  readonly snaplen?: number;
  /** Default 'ns'. */
  readonly resolution?: TimeResolution;
}

export interface PcapngWriterOptions {
  readonly format: 'pcapng';
  readonly littleEndian?: boolean;
  /** Default: one Ethernet interface. Packets name theirs by index. */
  readonly interfaces?: readonly InterfaceSpec[];
  /** shb_userappl: the writing application. */
  readonly application?: string;
  /** opt_comment on the section header. */
  readonly comment?: string;
}

export type WriterOptions = PcapWriterOptions | PcapngWriterOptions;

export interface PacketToWrite {
  readonly data: Uint8Array;
  /** Nanoseconds since the Unix epoch; default 0. */
  readonly timestampNs?: bigint;
  /** Default data.length. */
  readonly originalLength?: number;
  /** pcapng only. Default 0. */
  readonly interfaceId?: number;
  /** pcapng only: one opt_comment each. */
  readonly comments?: readonly string[];
  /** pcapng only: epb_verdict options (see `xdpVerdict`). */
  readonly verdicts?: readonly CaptureVerdict[];
  /** pcapng only: epb_flags. */
  readonly flags?: number;
}

/** The epb_verdict xdpdump writes: type eBPF XDP, the action (0 aborted … 4 redirect). */
export function xdpVerdict(action: number | bigint): CaptureVerdict {
  return { type: 'ebpf-xdp', value: BigInt(action) };
}

export interface CaptureEncoder {
  readonly format: CaptureFormat;
  /** The file header: pcap's global header, or pcapng's SHB and IDBs. */
  header(): Uint8Array;
  packet(p: PacketToWrite): Uint8Array;
  /** The same bytes as packet(p), appended to `w` (a file sink's one buffer: no copy per packet). */
  packetInto(p: PacketToWrite, w: ByteWriter): void;
}

export function createEncoder(opts: WriterOptions): CaptureEncoder {
  return opts.format === 'pcap' ? pcapEncoder(opts) : pcapngEncoder(opts);
}

/** Header and every packet as one byte array. */
export function encodeCapture(opts: WriterOptions, packets: Iterable<PacketToWrite>): Uint8Array {
  const enc = createEncoder(opts);
  const parts = [enc.header()];
  for (const p of packets) parts.push(enc.packet(p));
  return concat(parts);
}

function checkTimestamp(ts: bigint): void {
  if (ts < 0n) throw new RangeError(`capture timestamp ${ts} ns is before 1970`);
}

function pcapEncoder(opts: PcapWriterOptions): CaptureEncoder {
  const le = opts.littleEndian ?? true;
  const nanos = (opts.resolution ?? 'us') === 'ns';
  const enc: CaptureEncoder = {
    format: 'pcap',
    header() {
      return new ByteWriter(le, 24)
        .u32(nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US)
        .u16(PCAP_VERSION.major)
        .u16(PCAP_VERSION.minor)
        .u32(0) // thiszone: timestamps are UTC
        .u32(0) // sigfigs: always 0 in practice
        .u32(opts.snaplen ?? DEFAULT_SNAPLEN)
        .u32(opts.linktype ?? LINKTYPE_ETHERNET)
        .bytes();
    },
    packet(p) {
      const w = new ByteWriter(le, 16 + p.data.length);
      enc.packetInto(p, w);
      return w.bytes();
    },
    packetInto(p, w) {
      if (w.littleEndian !== le) throw new RangeError('packetInto: the buffer is in the other byte order than the capture');
      const ts = p.timestampNs ?? 0n;
      checkTimestamp(ts);
      const sec = ts / NS_PER_S;
      if (sec > 0xffffffffn) throw new RangeError(`capture timestamp ${ts} ns is past what pcap's u32 seconds hold`);
      const frac = ts % NS_PER_S;
      w.u32(Number(sec))
        .u32(Number(nanos ? frac : frac / 1000n))
        .u32(p.data.length)
        .u32(p.originalLength ?? p.data.length)
        .raw(p.data);
    },
  };
  return enc;
}

function optionTooLong(code: number, length: number): RangeError {
  return new RangeError(`pcapng option ${code}: ${length} bytes exceed the 65535 an option holds`);
}

/** Appends one option (code, length, value, padding). */
function option(w: ByteWriter, code: number, value: Uint8Array): void {
  if (value.length > 0xffff) throw optionTooLong(code, value.length);
  w.u16(code).u16(value.length).raw(value).pad4();
}

/** Appends one option whose value is `text` as UTF-8, encoded in place. */
function textOption(w: ByteWriter, code: number, text: string): void {
  const at = w.length;
  w.u16(code).u16(0);
  const n = w.utf8(text);
  if (n > 0xffff) throw optionTooLong(code, n);
  w.patchU16(at + 2, n);
  w.pad4();
}

/** Appends a block: type, total length, body, total length again. */
function blockInto(w: ByteWriter, type: number, body: (w: ByteWriter) => void): void {
  const start = w.length;
  w.u32(type).u32(0);
  body(w);
  w.pad4();
  const total = w.length - start + 4;
  w.u32(total);
  w.patchU32(start + 4, total);
}

/** A block on its own. */
function block(le: boolean, type: number, body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(le);
  blockInto(w, type, body);
  return w.bytes();
}

function pcapngEncoder(opts: PcapngWriterOptions): CaptureEncoder {
  const le = opts.littleEndian ?? true;
  const ifaces = opts.interfaces && opts.interfaces.length > 0 ? opts.interfaces : [{}];
  const unitsPerSecond = ifaces.map((i) => ((i.resolution ?? 'ns') === 'ns' ? NS_PER_S : 1_000_000n));
  const enc: CaptureEncoder = {
    format: 'pcapng',
    header() {
      const parts: Uint8Array[] = [];
      parts.push(
        block(le, BLOCK.sectionHeader, (w) => {
          w.u32(BYTE_ORDER_MAGIC).u16(PCAPNG_VERSION.major).u16(PCAPNG_VERSION.minor);
          w.i64(-1n); // section length unknown: we stream
          const hasOpts = opts.comment !== undefined || opts.application !== undefined;
          if (opts.comment !== undefined) option(w, OPT_COMMENT, utf8.encode(opts.comment));
          if (opts.application !== undefined) option(w, SHB_USERAPPL, utf8.encode(opts.application));
          if (hasOpts) w.u32(OPT_ENDOFOPT);
        }),
      );
      for (const i of ifaces) {
        parts.push(
          block(le, BLOCK.interfaceDescription, (w) => {
            w.u16(i.linktype ?? LINKTYPE_ETHERNET)
              .u16(0)
              .u32(i.snaplen ?? DEFAULT_SNAPLEN);
            if (i.name !== undefined) option(w, IF_NAME, utf8.encode(i.name));
            if (i.description !== undefined) option(w, IF_DESCRIPTION, utf8.encode(i.description));
            // 10^-9 seconds; 10^-6 is the default and needs no option.
            if ((i.resolution ?? 'ns') === 'ns') option(w, IF_TSRESOL, Uint8Array.of(9));
            if (i.name !== undefined || i.description !== undefined || (i.resolution ?? 'ns') === 'ns') w.u32(OPT_ENDOFOPT);
          }),
        );
      }
      return concat(parts);
    },
    packet(p) {
      // Room for the frame and a few hundred bytes of comments: one buffer, rarely grown.
      const w = new ByteWriter(le, 512 + p.data.length);
      enc.packetInto(p, w);
      return w.bytes();
    },
    packetInto(p, w) {
      if (w.littleEndian !== le) throw new RangeError('packetInto: the buffer is in the other byte order than the capture');
      const ifId = p.interfaceId ?? 0;
      if (!Number.isInteger(ifId) || ifId < 0 || ifId >= ifaces.length) {
        throw new RangeError(`packet names interface ${ifId}, but the writer has ${ifaces.length}`);
      }
      const ts = p.timestampNs ?? 0n;
      checkTimestamp(ts);
      const units = (ts * unitsPerSecond[ifId]) / NS_PER_S;
      blockInto(w, BLOCK.enhancedPacket, () => {
        w.u32(ifId)
          .u32(Number(units >> 32n))
          .u32(Number(units & 0xffffffffn))
          .u32(p.data.length)
          .u32(p.originalLength ?? p.data.length)
          .raw(p.data)
          .pad4();
        let any = false;
        for (const c of p.comments ?? []) {
          textOption(w, OPT_COMMENT, c);
          any = true;
        }
        if (p.flags !== undefined) {
          w.u16(EPB_FLAGS).u16(4).u32(p.flags);
          any = true;
        }
        for (const v of p.verdicts ?? []) {
          verdictOption(w, v);
          any = true;
        }
        if (any) w.u32(OPT_ENDOFOPT);
      });
    },
  };
  return enc;
}

/** An epb_verdict option: the verdict type, then its value, written in place. */
function verdictOption(w: ByteWriter, v: CaptureVerdict): void {
  switch (v.type) {
    case 'hardware':
    case 'unknown':
      if (v.raw.length + 1 > 0xffff) throw optionTooLong(EPB_VERDICT, v.raw.length + 1);
      w.u16(EPB_VERDICT)
        .u16(v.raw.length + 1)
        .u8(v.type === 'hardware' ? VERDICT_TYPE.hardware : v.code)
        .raw(v.raw);
      break;
    case 'ebpf-tc':
    case 'ebpf-xdp':
      // The u64 is in the section's byte order, like every other pcapng number.
      w.u16(EPB_VERDICT)
        .u16(9)
        .u8(v.type === 'ebpf-tc' ? VERDICT_TYPE.ebpfTc : VERDICT_TYPE.ebpfXdp)
        .u64(v.value);
      break;
  }
  w.pad4();
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of parts) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
