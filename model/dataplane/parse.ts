// Bounds-checked reads and the flow tuple. Programs work on a `Pkt`: the frame copied into a
// buffer with headroom, so prepending headers (bpf_xdp_adjust_head with a negative delta)
// moves `start` instead of copying. Every read is preceded by the same length check the C
// needs for the verifier; out-of-range typed-array reads never happen.

import * as jhashNs from '../hash/jhash.ts';

// Hot imports are bound to locals once: the dev loader (tsx) compiles every imported
// binding into a getter call, which dominated the per-packet cost.
const { jhash2words, jhash3words } = jhashNs;

/** Room in front of the frame: the encapsulation (66) plus a service-rewrite option (36). */
export const HEADROOM = 128;

export interface Pkt {
  b: Uint8Array;
  /** Index of the first byte of the frame in b. */
  s: number;
  /** Index past the last byte. */
  e: number;
}

// Packet buffers are carved from 1 MiB slabs that are never reused: a view costs far less
// than a fresh ArrayBuffer per run, and a slab is freed once no output refers to it.
const SLAB = 1 << 20;
let slab = new Uint8Array(SLAB);
let slabUsed = 0;

/** A zeroed buffer of n bytes, never handed out twice. */
export function allocBuffer(n: number): Uint8Array {
  if (n > SLAB >> 4) return new Uint8Array(n);
  if (slabUsed + n > SLAB) {
    slab = new Uint8Array(SLAB);
    slabUsed = 0;
  }
  // A view built on the buffer: subarray() goes through the species lookup and costs more.
  const b = new Uint8Array(slab.buffer, slabUsed, n);
  slabUsed += (n + 7) & ~7;
  return b;
}

export function pktFrom(frame: Uint8Array): Pkt {
  const b = allocBuffer(HEADROOM + frame.length);
  b.set(frame, HEADROOM);
  return { b, s: HEADROOM, e: HEADROOM + frame.length };
}

export function pktLen(p: Pkt): number {
  return p.e - p.s;
}

/** bpf_xdp_adjust_head(delta): negative grows the front. */
export function adjustHead(p: Pkt, delta: number): void {
  const ns = p.s + delta;
  if (ns < 0) {
    // Headroom ran out (only after many tail calls): move the frame to a larger buffer.
    const nb = allocBuffer(HEADROOM - delta + (p.e - p.s));
    nb.set(p.b.subarray(p.s, p.e), HEADROOM - delta);
    p.e = HEADROOM - delta + (p.e - p.s);
    p.s = HEADROOM;
    p.b = nb;
    return;
  }
  p.s = ns;
}

/** Cut the frame to `len` bytes (bpf_xdp_adjust_tail with a negative delta). */
export function cutTo(p: Pkt, len: number): void {
  if (p.s + len < p.e) p.e = p.s + len;
}

/** The frame as it stands: a view of this run's own buffer (no copy; nothing reuses it). */
export function output(p: Pkt): Uint8Array {
  return p.b.subarray(p.s, p.e);
}

// --- Byte access on absolute indexes of p.b (callers have checked the bounds) -----------

export function rd16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
export function rd32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}
export function wr16(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 8;
  b[i + 1] = v;
}
export function wr32(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = v >>> 16;
  b[i + 2] = v >>> 8;
  b[i + 3] = v;
}
export function macEq(b: Uint8Array, i: number, m: Uint8Array): boolean {
  return b[i] === m[0] && b[i + 1] === m[1] && b[i + 2] === m[2] && b[i + 3] === m[3] && b[i + 4] === m[4] && b[i + 5] === m[5];
}
export function wrMac(b: Uint8Array, i: number, m: Uint8Array): void {
  b[i] = m[0];
  b[i + 1] = m[1];
  b[i + 2] = m[2];
  b[i + 3] = m[3];
  b[i + 4] = m[4];
  b[i + 5] = m[5];
}
export function rdMac(b: Uint8Array, i: number): Uint8Array {
  return b.slice(i, i + 6);
}

export const ETH_HLEN = 14;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const ARP_LEN = 28;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/**
 * The checks of agent step 4 on an IPv4 header at b[ip], with `avail` bytes from there to
 * the end of the frame: enough bytes, version 4, IHL >= 5, IHL*4 <= total length <= avail.
 */
export function ipv4Ok(b: Uint8Array, ip: number, avail: number): boolean {
  if (avail < 20) return false;
  const vihl = b[ip];
  if (vihl >> 4 !== 4) return false;
  const hl = (vihl & 0x0f) * 4;
  if (hl < 20) return false;
  const tot = rd16(b, ip + 2);
  return hl <= tot && tot <= avail;
}

/** The flow tuple of section 2, plus where the L4 header is and whether it is a fragment. */
export interface FlowTuple {
  saddr: number;
  daddr: number;
  proto: number;
  sport: number;
  dport: number;
  /** MF set or fragment offset non-zero. */
  frag: boolean;
  /** Absolute index of the L4 header in b (IPv4 only). */
  l4: number;
  /** IP total length (IPv4 only). */
  tot: number;
}

/** Tuple of a checked IPv4 header at b[ip]. */
export function ipv4Tuple(b: Uint8Array, ip: number): FlowTuple {
  const hl = (b[ip] & 0x0f) * 4;
  const tot = rd16(b, ip + 2);
  const proto = b[ip + 9];
  const frag = (rd16(b, ip + 6) & 0x3fff) !== 0;
  let sport = 0;
  let dport = 0;
  if ((proto === IPPROTO_TCP || proto === IPPROTO_UDP) && !frag && hl + 4 <= tot) {
    sport = rd16(b, ip + hl);
    dport = rd16(b, ip + hl + 2);
  }
  return { saddr: rd32(b, ip + 12), daddr: rd32(b, ip + 16), proto, sport, dport, frag, l4: ip + hl, tot };
}

/** ARP's tuple: (spa, tpa, 0, 0, 0); b[arp] is a checked 28-byte ARP body. */
export function arpTuple(b: Uint8Array, arp: number): FlowTuple {
  return { saddr: rd32(b, arp + 14), daddr: rd32(b, arp + 24), proto: 0, sport: 0, dport: 0, frag: false, l4: 0, tot: 0 };
}

export function flowHash(t: FlowTuple, seed: number): number {
  return jhash3words(t.saddr, t.daddr, ((t.sport << 16) | t.dport) >>> 0, (seed ^ t.proto) >>> 0);
}

export function pairHash(t: FlowTuple, seed: number): number {
  return jhash2words(t.saddr, t.daddr, seed);
}

/** ARP for Ethernet/IPv4: htype 1, ptype 0x0800, hlen 6, plen 4 (b[arp] has 28 bytes). */
export function arpEthIpv4(b: Uint8Array, arp: number): boolean {
  return rd16(b, arp) === 1 && rd16(b, arp + 2) === ETH_P_IP && b[arp + 4] === 6 && b[arp + 5] === 4;
}

/** Rewrites of TCP/UDP ports and L4 checksums apply to unfragmented TCP and UDP only. */
export function hasPorts(t: FlowTuple): boolean {
  return (t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP) && !t.frag;
}

/** The L4 header a rewrite needs (TCP 20, UDP 8 bytes) lies inside the IP total length. */
export function l4HeaderOk(b: Uint8Array, ip: number, t: FlowTuple): boolean {
  if (!hasPorts(t)) return true;
  const need = t.proto === IPPROTO_TCP ? 20 : 8;
  return t.l4 - ip + need <= t.tot;
}
