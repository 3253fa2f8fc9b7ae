// The internet checksum (RFC 1071) of whole headers and segments, for building and checking
// frames. The incremental updates the programs make (RFC 1624, as Linux's csum_replace2/4)
// live beside them in model/dataplane/csum.ts.

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
