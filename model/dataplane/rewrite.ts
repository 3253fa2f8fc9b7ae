// The rewrites of docs section 4.3 on an inner (or local) IPv4 packet. Checksums change
// incrementally (RFC 1624, as Linux's csum_replace2/4 do it, see model/wire/checksum.ts) and
// unconditionally: the update runs even when the old and new values are equal, so both
// implementations take the same branch-free path and produce the same one's-complement zero.

import * as checksumNs from '../wire/checksum.ts';
import type { FlowTuple } from './parse.ts';
import * as parseNs from './parse.ts';

// Hot imports are bound to locals once: the dev loader (tsx) compiles every imported
// binding into a getter call, which dominated the per-packet cost.
const { csumReplace32, ipv4CsumAfterTtl, l4CsumAfterAddr, l4CsumAfterPort } = checksumNs;
const { IPPROTO_TCP, IPPROTO_UDP, hasPorts, rd16, rd32, wr16, wr32, wrMac } = parseNs;

/** Offset of the L4 checksum field in its header. */
function l4CsumAt(proto: number): number {
  return proto === IPPROTO_TCP ? 16 : 6;
}

/**
 * Rewrites one address (12 = source, 16 = destination, from the IP header at b[ip]), the
 * matching port (0 = source, 2 = destination, for unfragmented TCP/UDP) and the Ethernet
 * address (b[eth + 0] destination, b[eth + 6] source). Callers have checked l4HeaderOk.
 */
function rewrite(b: Uint8Array, eth: number, ip: number, t: FlowTuple, addrAt: 12 | 16, addr: number, port: number, mac: Uint8Array): void {
  const oldAddr = rd32(b, ip + addrAt);
  wr32(b, ip + addrAt, addr);
  wr16(b, ip + 10, csumReplace32(rd16(b, ip + 10), oldAddr, addr >>> 0));
  if (hasPorts(t)) {
    const isUdp = t.proto === IPPROTO_UDP;
    const ck = t.l4 + l4CsumAt(t.proto);
    const portAt = t.l4 + (addrAt === 12 ? 0 : 2);
    const oldPort = rd16(b, portAt);
    wr16(b, portAt, port);
    let sum = rd16(b, ck);
    sum = l4CsumAfterAddr(sum, oldAddr, addr >>> 0, isUdp);
    sum = l4CsumAfterPort(sum, oldPort, port, isUdp);
    wr16(b, ck, sum);
  }
  wrMac(b, eth + (addrAt === 12 ? 6 : 0), mac);
}

/** "rewrite destination": daddr, dport (TCP/UDP), destination MAC. Updates the tuple too. */
export function rewriteDst(b: Uint8Array, eth: number, ip: number, t: FlowTuple, daddr: number, dport: number, dmac: Uint8Array): void {
  rewrite(b, eth, ip, t, 16, daddr, dport, dmac);
  t.daddr = daddr >>> 0;
  if (hasPorts(t)) t.dport = dport;
}

/** "rewrite source": saddr, sport (TCP/UDP), source MAC. Updates the tuple too. */
export function rewriteSrc(b: Uint8Array, eth: number, ip: number, t: FlowTuple, saddr: number, sport: number, smac: Uint8Array): void {
  rewrite(b, eth, ip, t, 12, saddr, sport, smac);
  t.saddr = saddr >>> 0;
  if (hasPorts(t)) t.sport = sport;
}

/**
 * "route": inner TTL - 1 with the checksum updated incrementally and the source MAC set to
 * the destination subnet's gateway MAC. False (nothing changed) when the TTL is <= 1.
 */
export function route(b: Uint8Array, eth: number, ip: number, gwMac: Uint8Array): boolean {
  const ttl = b[ip + 8];
  if (ttl <= 1) return false;
  b[ip + 8] = ttl - 1;
  wr16(b, ip + 10, ipv4CsumAfterTtl(rd16(b, ip + 10), ttl, ttl - 1, b[ip + 9]));
  wrMac(b, eth + 6, gwMac);
  return true;
}
