// Bounds-checked packet access and the parsing both programs share (bpf/lib/parse.h, line for
// line): Ethernet, ARP, the IPv4 checks of agent step 4 (transit applies them to the inner
// frame), the flow tuple and the two hashes taken over it (docs/dataplane.md section 2,
// "Hashes"). Offsets are relative to the start of the frame, as in C; `pkt_ptr` answers an
// absolute index into the context's buffer, or -1 where the C gets NULL.

import { jhash2words, jhash3words } from '../hash/jhash.ts';
import { CONSTS } from './consts.ts';

const { ETH_ALEN, IPPROTO_TCP, IPPROTO_UDP, IPV4_HLEN, L4_PORTS_LEN, PKT_OFF_MAX } = CONSTS;

/**
 * struct xdp_md with the frame it describes: the bytes live in b[data, data_end), inside the
 * run's room b[data_hard_start, frame_end) (the kernel's xdp_buff: data_hard_start, frame_sz).
 * bpf_xdp_adjust_head with a negative delta moves `data` down, adjust_tail moves `data_end`.
 */
export interface XdpCtx {
  b: Uint8Array;
  data: number;
  data_end: number;
  ingress_ifindex: number;
  data_hard_start: number;
  frame_end: number;
}

/**
 * Room in front of the frame: more than the most a run grows one (the encapsulation, 66, plus
 * a service-rewrite option, 36), as the kernel's 256 bytes are. Half the kernel's: every
 * run's room is carved from the slab, and smaller rooms fill it slower.
 */
export const HEADROOM = 128;
/**
 * The transit's room in front: the most it grows a frame is one service-rewrite option
 * (encap_insert_svc), and most of its runs grow nothing. Every byte of a room is fresh slab
 * memory, so 88 bytes fewer than HEADROOM are less work on every run. The room is only ever a
 * cost, never a limit: a run that grows past it moves to a larger one (helpers.ts moveTo), so
 * no verdict depends on its size.
 */
export const TRANSIT_HEADROOM = (CONSTS.OPT_SVC_LEN + 7) & ~7;
/** Room behind the frame for bpf_xdp_adjust_tail (the runs never grow a frame's tail much). */
export const TAILROOM = 128;

// Packet buffers are carved from 64 KiB slabs that are never reused once handed out: a view
// costs far less than a fresh ArrayBuffer per run, and a slab is freed once no output refers
// to it. A run works in the slab itself: its frame is copied in once, and the frame it sends
// is handed out as a view of the same bytes; what it does not send goes back to the slab.
// 64 KiB, not the 1 MiB it was: one output a caller keeps pins its whole slab, and a slab
// this size stays in L2 while runs fill it (no run-rate difference measured either way).
const SLAB = 1 << 16;
let slab = new Uint8Array(SLAB);
// slab.buffer, kept: the buffer getter is a call on every output view made.
let slabBuffer = slab.buffer;
let slabUsed = 0;

function newSlab(): void {
  slab = new Uint8Array(SLAB);
  slabBuffer = slab.buffer;
  slabUsed = 0;
}

const align8 = (n: number): number => (n + 7) & ~7;

/** A zeroed buffer of n bytes, never handed out twice. */
export function allocBuffer(n: number): Uint8Array {
  if (n > SLAB >> 4) return new Uint8Array(n);
  if (slabUsed + n > SLAB) newSlab();
  // A view built on the buffer: subarray() goes through the species lookup and costs more.
  const b = new Uint8Array(slabBuffer, slabUsed, n);
  slabUsed += align8(n);
  return b;
}

// Typed-array methods called through the prototype's own functions: in optimized code V8
// does not fold `b.set` or `b.copyWithin` to the builtin, and looks the method up with a
// generic LoadIC on every call (a sixth of a bare 100-byte b.set(), measured with perf); a
// call of a constant function through Function.prototype.call compiles to a direct call.
const U8_SET = Uint8Array.prototype.set;
const U8_COPY_WITHIN = Uint8Array.prototype.copyWithin;

/** `b.set(src, at)`: `src` copied into b at index `at`. */
function bytes_set(b: Uint8Array, src: ArrayLike<number>, at: number): void {
  U8_SET.call(b, src, at);
}

/** `b.copyWithin(to, start, end)`: b[start, end) moved to index `to` (the ranges may overlap). */
export function bytes_move(b: Uint8Array, to: number, start: number, end: number): void {
  U8_COPY_WITHIN.call(b, to, start, end);
}

// One context serves every run (runs never overlap: a tail call continues the same run).
const theCtx: XdpCtx = { b: slab, data: 0, data_end: 0, ingress_ifindex: 0, data_hard_start: 0, frame_end: 0 };

/**
 * The context of a run on `frame` arriving on `ingress_ifindex` (the frame is copied in),
 * `headroom` bytes of room in front of it.
 */
export function xdp_ctx(frame: Uint8Array, ingress_ifindex: number, headroom = HEADROOM): XdpCtx {
  const room = headroom + frame.length + TAILROOM;
  const ctx = theCtx;
  if (room > SLAB >> 4) {
    ctx.b = new Uint8Array(room);
    ctx.data_hard_start = 0;
  } else {
    if (slabUsed + room > SLAB) newSlab();
    ctx.b = slab;
    ctx.data_hard_start = slabUsed;
    // The room is the run's until it ends (a helper's allocBuffer lands after it).
    slabUsed += room;
  }
  ctx.data = ctx.data_hard_start + headroom;
  ctx.data_end = ctx.data + frame.length;
  ctx.frame_end = ctx.data_hard_start + room;
  bytes_set(ctx.b, frame, ctx.data);
  ctx.ingress_ifindex = ingress_ifindex;
  return ctx;
}

/**
 * The frame as it stands, handed out (the run is over: its room outside the frame goes
 * back to the slab, so the next run's room starts right after this frame).
 */
export function pkt_bytes(ctx: XdpCtx): Uint8Array {
  const b = ctx.b;
  if (b !== slab) return new Uint8Array(b.buffer, b.byteOffset + ctx.data, ctx.data_end - ctx.data);
  const out = new Uint8Array(slabBuffer, ctx.data, ctx.data_end - ctx.data);
  if (slabUsed === ctx.frame_end) slabUsed = align8(ctx.data_end);
  return out;
}

/** The run is over and sends nothing: its whole room goes back to the slab. */
export function pkt_release(ctx: XdpCtx): void {
  if (ctx.b === slab && slabUsed === ctx.frame_end) slabUsed = ctx.data_hard_start;
}

/** Frame length in bytes. */
export function pkt_len(ctx: XdpCtx): number {
  return ctx.data_end - ctx.data;
}

/** Index of `len` bytes at `off` of the frame in ctx.b, or -1 when they are not all inside it. */
export function pkt_ptr(ctx: XdpCtx, off: number, len: number): number {
  if (off > PKT_OFF_MAX) return -1;
  const p = ctx.data + off;
  if (p + len > ctx.data_end) return -1;
  return p;
}

export function rd16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

export function wr16(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 8;
  b[p + 1] = v;
}

/** A network-order 32-bit field as its numeric value (the model keeps every __be32 so). */
export function rd_be32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

export function wr_be32(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/** Whether the 6 bytes at b[p] equal `mac`. */
export function mac_eq(b: Uint8Array, p: number, mac: Uint8Array): boolean {
  return b[p] === mac[0] && b[p + 1] === mac[1] && b[p + 2] === mac[2] && b[p + 3] === mac[3] && b[p + 4] === mac[4] && b[p + 5] === mac[5];
}

/** Writes `mac` at b[p]. */
export function mac_copy(b: Uint8Array, p: number, mac: Uint8Array): void {
  b[p] = mac[0];
  b[p + 1] = mac[1];
  b[p + 2] = mac[2];
  b[p + 3] = mac[3];
  b[p + 4] = mac[4];
  b[p + 5] = mac[5];
}

// MACs copied out of frames live in small blocks of their own: a slice() would allocate an
// ArrayBuffer per MAC, and a view of the packet slab would keep a whole 64 KiB slab alive for
// as long as a learnt entry holds the MAC. A 4 KiB block pins at most 4 KiB.
const MAC_BLOCK = 4096;
let macBlock = new ArrayBuffer(MAC_BLOCK);
let macUsed = 0;

/** The 6 bytes at b[p] as a MAC of their own (what C copies into a struct field). */
export function mac_read(b: Uint8Array, p: number): Uint8Array {
  if (macUsed + ETH_ALEN > MAC_BLOCK) {
    macBlock = new ArrayBuffer(MAC_BLOCK);
    macUsed = 0;
  }
  const m = new Uint8Array(macBlock, macUsed, ETH_ALEN);
  macUsed += ETH_ALEN;
  return mac_load(m, b, p);
}

/** Copies the 6 bytes at b[p] into `m` (the C's mac_copy into a struct field) and returns m. */
export function mac_load(m: Uint8Array, b: Uint8Array, p: number): Uint8Array {
  m[0] = b[p];
  m[1] = b[p + 1];
  m[2] = b[p + 2];
  m[3] = b[p + 3];
  m[4] = b[p + 4];
  m[5] = b[p + 5];
  return m;
}

/** The flow tuple (section 2): ports are 0 unless TCP/UDP, unfragmented, 4 bytes of L4. */
export interface Tuple {
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  proto: number;
}

/** What the parse of a (possibly inner) ARP or IPv4 frame found: struct tp_pkt. */
export interface PktInfo {
  t: Tuple;
  /** Offset of the ARP / IPv4 header in the frame. */
  l3_off: number;
  /** IPv4 header length in bytes. */
  ihl4: number;
  /** IPv4 total length. */
  tot_len: number;
  /** ARP operation. */
  arp_op: number;
  is_arp: boolean;
  /** IPv4 MF set or offset != 0. */
  frag: boolean;
  ttl: number;
  /** ARP sender hardware address. */
  sha: Uint8Array;
}

const NO_MAC = new Uint8Array(ETH_ALEN);

// tp_pkt.sha lives in the C's stack: here one buffer serves every run (runs never overlap,
// and a tail call's run replaces its caller's, which reads it no more). Nothing keeps it
// past the run (it is compared and written into the frame), so no run allocates a MAC for it.
const ARP_SHA = new Uint8Array(ETH_ALEN);

/** A zeroed tp_pkt (C: `struct tp_pkt p = {}`). */
export function pkt_info(): PktInfo {
  return {
    t: { saddr: 0, daddr: 0, sport: 0, dport: 0, proto: 0 },
    l3_off: 0,
    ihl4: 0,
    tot_len: 0,
    arp_op: 0,
    is_arp: false,
    frag: false,
    ttl: 0,
    sha: NO_MAC,
  };
}

/** `p` zeroed, as pkt_info() builds it (C: `struct tp_pkt p = {}`) on a record that serves every run. */
export function pkt_reset(p: PktInfo): PktInfo {
  const t = p.t;
  t.saddr = t.daddr = t.sport = t.dport = t.proto = 0;
  p.l3_off = p.ihl4 = p.tot_len = p.arp_op = p.ttl = 0;
  p.is_arp = p.frag = false;
  p.sha = NO_MAC;
  return p;
}

/** ARP at l3_off: -1 unless 28 bytes of Ethernet/IPv4 ARP. Fills tuple (spa, tpa), op, sha. */
export function parse_arp(ctx: XdpCtx, l3_off: number, p: PktInfo): number {
  if (pkt_len(ctx) < l3_off + CONSTS.ARP_LEN) return -1;
  const arp = pkt_ptr(ctx, l3_off, CONSTS.ARP_LEN);
  if (arp < 0) return -1;
  const b = ctx.b;
  if (rd16(b, arp) !== CONSTS.ARP_HTYPE_ETH || rd16(b, arp + 2) !== CONSTS.ETH_P_IP || b[arp + 4] !== ETH_ALEN || b[arp + 5] !== 4)
    return -1;
  p.is_arp = true;
  p.l3_off = l3_off;
  p.arp_op = rd16(b, arp + 6);
  p.sha = mac_load(ARP_SHA, b, arp + 8);
  p.t.saddr = rd_be32(b, arp + 14);
  p.t.daddr = rd_be32(b, arp + 24);
  p.t.sport = 0;
  p.t.dport = 0;
  p.t.proto = 0;
  return 0;
}

/**
 * IPv4 at l3_off, the checks of agent step 4: at least 20 bytes, version 4, IHL >= 5,
 * IHL*4 <= total length <= bytes after the Ethernet header. -1 when any fails. Fills the
 * header facts and the flow tuple.
 */
export function parse_ipv4(ctx: XdpCtx, l3_off: number, p: PktInfo): number {
  const avail = pkt_len(ctx) - l3_off; // callers guarantee l3_off <= frame length
  if (pkt_len(ctx) < l3_off + IPV4_HLEN) return -1;
  const ip = pkt_ptr(ctx, l3_off, IPV4_HLEN);
  if (ip < 0) return -1;
  const b = ctx.b;
  const ihl4 = (b[ip] & 0x0f) * 4;
  const tot_len = rd16(b, ip + 2);
  if (b[ip] >> 4 !== 4 || ihl4 < IPV4_HLEN || ihl4 > tot_len || tot_len > avail) return -1;
  p.is_arp = false;
  p.l3_off = l3_off;
  p.ihl4 = ihl4;
  p.tot_len = tot_len;
  p.frag = (rd16(b, ip + 6) & CONSTS.IP_MF_OFFSET) !== 0;
  p.ttl = b[ip + 8];
  p.t.proto = b[ip + 9];
  p.t.saddr = rd_be32(b, ip + 12);
  p.t.daddr = rd_be32(b, ip + 16);
  p.t.sport = 0;
  p.t.dport = 0;
  if ((p.t.proto === IPPROTO_TCP || p.t.proto === IPPROTO_UDP) && !p.frag && ihl4 + L4_PORTS_LEN <= tot_len) {
    const l4 = pkt_ptr(ctx, l3_off + ihl4, L4_PORTS_LEN);
    if (l4 < 0) return -1; // unreachable: total length lies inside the frame
    p.t.sport = rd16(b, l4);
    p.t.dport = rd16(b, l4 + 2);
  }
  return 0;
}

/**
 * flow_hash(seed) = jhash_3words(saddr, daddr, sport << 16 | dport, seed ^ proto).
 *
 * A caller that takes a remainder of this or pair_hash writes `(hash >>> 0) % n`, as the C's
 * u32 does. Not for the value, which is a u32 already: V8 does not inline the hash, so at the
 * call site it knows only a number, and a number's remainder is the x87 fprem of two doubles
 * (a quarter of transit_service's time, measured); after `>>> 0` it is an integer division.
 */
export function flow_hash(t: Tuple, seed: number): number {
  return jhash3words(t.saddr, t.daddr, ((t.sport << 16) | t.dport) >>> 0, (seed ^ t.proto) >>> 0);
}

/**
 * pair_hash(seed) = jhash_2words(lo, hi, seed) with lo/hi the smaller/larger of the two
 * addresses (numeric values): the addresses only, whatever the protocol and ports, and the
 * same in both directions.
 */
export function pair_hash(t: Tuple, seed: number): number {
  const lo = t.saddr < t.daddr ? t.saddr : t.daddr;
  const hi = t.saddr < t.daddr ? t.daddr : t.saddr;
  return jhash2words(lo, hi, seed);
}

/** The outer UDP source port of a flow: 49152 + 14 bits of its hash. */
export function flow_sport(t: Tuple): number {
  return CONSTS.SPORT_BASE | (flow_hash(t, CONSTS.SEED_SPORT) & CONSTS.SPORT_MASK);
}
