// The internet checksum (RFC 1071) and its incremental update (RFC 1624). The incremental
// helpers reproduce Linux's csum_replace2/csum_replace4 step by step, because the XDP
// programs use those: the model must produce the same bytes, including which of the two
// one's-complement zeros (0x0000 / 0xffff) comes out.

import type { Ipv4 } from './addr.ts';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/**
 * One's-complement sum of `bytes[start, end)` as big-endian 16-bit words (an odd last byte
 * is padded with zero), added to `initial`, folded to 16 bits. Not complemented.
 */
export function onesSum(bytes: Uint8Array, initial = 0, start = 0, end = bytes.length): number {
  let sum = initial;
  let i = start;
  // Folding every 2^16 words keeps the sum an exact small integer in a double.
  for (; i + 1 < end; i += 2) {
    sum += (bytes[i] << 8) | bytes[i + 1];
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (i < end) sum += bytes[i] << 8;
  return fold(sum);
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value for `bytes` (with the field itself zeroed or skipped). */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesSum(bytes, initial) & 0xffff;
}

/** Sum over `bytes` leaving out the 16-bit field at `skipAt` (as if it were zero). */
function sumSkipping(bytes: Uint8Array, skipAt: number, initial: number): number {
  const a = onesSum(bytes, initial, 0, Math.min(skipAt, bytes.length));
  return onesSum(bytes, a, Math.min(skipAt + 2, bytes.length), bytes.length);
}

/** IPv4 header checksum over `header` (exactly the IHL*4 bytes); the stored field is ignored. */
export function ipv4HeaderChecksum(header: Uint8Array): number {
  return ~sumSkipping(header, 10, 0) & 0xffff;
}

/** The IPv4 pseudo-header of UDP and TCP, summed. `length` is the L4 length. */
export function pseudoHeaderSum(src: Ipv4, dst: Ipv4, protocol: number, length: number): number {
  return fold((src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + (length & 0xffff));
}

/**
 * UDP checksum of `datagram` (header and payload; the stored field is ignored). 0 on the
 * wire means "no checksum", so a computed 0 is sent as 0xffff (RFC 768).
 */
export function udpChecksum(src: Ipv4, dst: Ipv4, datagram: Uint8Array): number {
  const c = ~sumSkipping(datagram, 6, pseudoHeaderSum(src, dst, IPPROTO_UDP, datagram.length)) & 0xffff;
  return c === 0 ? 0xffff : c;
}

export function tcpChecksum(src: Ipv4, dst: Ipv4, segment: Uint8Array): number {
  return ~sumSkipping(segment, 16, pseudoHeaderSum(src, dst, IPPROTO_TCP, segment.length)) & 0xffff;
}

export function icmpChecksum(message: Uint8Array): number {
  return ~sumSkipping(message, 2, 0) & 0xffff;
}

/** Data with a valid checksum stored in it sums to 0xffff (negative zero). */
export function checksumValid(bytes: Uint8Array, initial = 0): boolean {
  return onesSum(bytes, initial) === 0xffff;
}

// --- Incremental update, mirroring include/net/checksum.h ---------------------------------

/** csum16_add: 16-bit one's-complement add with end-around carry. */
function csum16Add(csum: number, addend: number): number {
  const res = (csum + addend) & 0xffff;
  return (res + (res < addend ? 1 : 0)) & 0xffff;
}

/**
 * RFC 1624 eqn. 3 as csum_replace2 does it: HC' = ~(~HC + ~m + m'), for a 16-bit field
 * changing from `from` to `to` under checksum `check`.
 */
export function csumReplace16(check: number, from: number, to: number): number {
  return ~csum16Add(csum16Add(~check & 0xffff, ~from & 0xffff), to & 0xffff) & 0xffff;
}

/** 32-bit one's-complement add with end-around carry (csum_add). */
function csumAdd32(a: number, b: number): number {
  const res = (a + b) >>> 0;
  return (res + (res < b ? 1 : 0)) >>> 0;
}

/** csum_fold: 32-bit partial sum to a complemented 16-bit checksum. */
function csumFold(sum: number): number {
  const s = (sum + (((sum >>> 16) | (sum << 16)) >>> 0)) >>> 0;
  return ~(s >>> 16) & 0xffff;
}

/** csum_replace4: a 32-bit field (an IPv4 address) changes from `from` to `to`. */
export function csumReplace32(check: number, from: number, to: number): number {
  const unfolded = ~(check & 0xffff) >>> 0;
  const tmp = csumAdd32(unfolded, ~from >>> 0);
  return csumFold(csumAdd32(tmp, to >>> 0));
}

/** IPv4 header checksum after the TTL byte changes; TTL shares its 16-bit word with the protocol. */
export function ipv4CsumAfterTtl(check: number, oldTtl: number, newTtl: number, protocol: number): number {
  return csumReplace16(check, ((oldTtl & 0xff) << 8) | (protocol & 0xff), ((newTtl & 0xff) << 8) | (protocol & 0xff));
}

/**
 * UDP keeps 0 ("no checksum") as 0 and never lets an update produce 0: the kernel's
 * CSUM_MANGLED_0 rule. TCP and ICMP take the update as it comes.
 */
function l4Fixup(check: number, updated: number, isUdp: boolean): number {
  if (!isUdp) return updated;
  if (check === 0) return 0;
  return updated === 0 ? 0xffff : updated;
}

/** L4 checksum after an IPv4 address in the pseudo-header (or in the segment) is rewritten. */
export function l4CsumAfterAddr(check: number, from: Ipv4, to: Ipv4, isUdp: boolean): number {
  if (isUdp && check === 0) return 0;
  return l4Fixup(check, csumReplace32(check, from, to), isUdp);
}

/** L4 checksum after a port (any 16-bit field inside the segment) is rewritten. */
export function l4CsumAfterPort(check: number, from: number, to: number, isUdp: boolean): number {
  if (isUdp && check === 0) return 0;
  return l4Fixup(check, csumReplace16(check, from, to), isUdp);
}
