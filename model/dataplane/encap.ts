// Outer headers of docs section 2: Ethernet / IPv4 (IHL 5, DF, fresh TTL) / UDP (checksum
// 0) / Geneve, written at an absolute index. And the outer rewrite of transit_send.

import * as constsNs from './consts.ts';
import * as parseNs from './parse.ts';

// Hot imports are bound to locals once: the dev loader (tsx) compiles every imported
// binding into a getter call, which dominated the per-packet cost.
const { CONSTS } = constsNs;
const { ETH_HLEN, ETH_P_IP, IPPROTO_UDP, wr16, wr32, wrMac } = parseNs;

export const OUTER_IP_LEN = 20;
export const UDP_LEN = 8;
export const GENEVE_LEN = 8;
/** Ethernet + IPv4 + UDP + Geneve header, before the options. */
export const OUTER_FIXED = ETH_HLEN + OUTER_IP_LEN + UDP_LEN + GENEVE_LEN; // 50

export interface OuterSpec {
  dstMac: Uint8Array;
  srcMac: Uint8Array;
  srcIp: number;
  dstIp: number;
  sport: number;
  vni: number;
  /** Option bytes that follow the Geneve header (a multiple of 4). */
  optBytes: number;
  critical: boolean;
  /** Bytes of the inner frame after the options. */
  innerLen: number;
}

/** Writes the 50 fixed bytes at b[at]; the options and inner frame follow at b[at + 50]. */
export function writeOuter(b: Uint8Array, at: number, o: OuterSpec): void {
  wrMac(b, at, o.dstMac);
  wrMac(b, at + 6, o.srcMac);
  wr16(b, at + 12, ETH_P_IP);
  const ip = at + ETH_HLEN;
  const udpLen = UDP_LEN + GENEVE_LEN + o.optBytes + o.innerLen;
  b[ip] = 0x45;
  b[ip + 1] = 0;
  wr16(b, ip + 2, OUTER_IP_LEN + udpLen);
  wr16(b, ip + 4, 0);
  wr16(b, ip + 6, 0x4000);
  b[ip + 8] = CONSTS.OUTER_TTL;
  b[ip + 9] = IPPROTO_UDP;
  wr16(b, ip + 10, 0);
  wr32(b, ip + 12, o.srcIp);
  wr32(b, ip + 16, o.dstIp);
  wr16(b, ip + 10, headerChecksum(b, ip, OUTER_IP_LEN));
  const udp = ip + OUTER_IP_LEN;
  wr16(b, udp, o.sport);
  wr16(b, udp + 2, CONSTS.GENEVE_PORT);
  wr16(b, udp + 4, udpLen);
  wr16(b, udp + 6, 0);
  const g = udp + UDP_LEN;
  b[g] = (o.optBytes / 4) & 0x3f;
  b[g + 1] = o.critical ? 0x40 : 0;
  wr16(b, g + 2, CONSTS.ETH_P_TEB);
  b[g + 4] = o.vni >>> 16;
  b[g + 5] = o.vni >>> 8;
  b[g + 6] = o.vni;
  b[g + 7] = 0;
}

/**
 * The IPv4 header checksum (RFC 1071) of b[ip, ip + len) with the checksum field zero, as
 * ipv4HeaderChecksum computes it, without a subarray per packet.
 */
function headerChecksum(b: Uint8Array, ip: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) if (i !== 10) sum += (b[ip + i] << 8) | b[ip + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Outer UDP source port from a flow hash: the dynamic range 49152-65535. */
export function outerSport(hash: number): number {
  return CONSTS.SPORT_BASE | (hash & CONSTS.SPORT_MASK);
}

/**
 * transit_send's outer rewrite on a frame whose outer IPv4 header (IHL*4 bytes) is at
 * b[ip]: addresses, then the header checksum recomputed in full.
 */
export function rewriteOuter(b: Uint8Array, eth: number, srcMac: Uint8Array, dstMac: Uint8Array, srcIp: number, dstIp: number): void {
  wrMac(b, eth, dstMac);
  wrMac(b, eth + 6, srcMac);
  const ip = eth + ETH_HLEN;
  const hl = (b[ip] & 0x0f) * 4;
  wr32(b, ip + 12, srcIp);
  wr32(b, ip + 16, dstIp);
  wr16(b, ip + 10, 0);
  wr16(b, ip + 10, headerChecksum(b, ip, hl));
}
