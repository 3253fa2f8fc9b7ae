// Frames a pod would send, built with model/wire/builder.ts. The destination MAC comes from
// the pod's ARP cache (its own subnet: the target; elsewhere: its gateway), as a real
// stack would do it; `resolve` sends the ARP request that fills it.

import { type Ipv4, MAC_BROADCAST, type Mac, cidrContains, ipv4ToString } from '../wire/addr.ts';
import { ether } from '../wire/builder.ts';
import type { Cluster, Path } from './cluster.ts';

/** The canary every helper frame carries unless told otherwise: easy to spot in a dump. */
export const CANARY = 'twinplane-canary:0123456789abcdef';

export interface L3Options {
  /** Destination MAC; default from the pod's ARP cache (throws if it has none). */
  dstMac?: Mac;
  ttl?: number;
  payload?: Uint8Array | string;
}

/** The address the pod must ARP for to reach `dst`: dst itself in its subnet, else its gateway. */
export function nextHopIp(cl: Cluster, from: string, dst: Ipv4): Ipv4 {
  const n = cl.pod(from).network;
  return cidrContains(n.cidr, dst) ? dst >>> 0 : n.gatewayIp;
}

export function nextHopMac(cl: Cluster, from: string, dst: Ipv4): Mac {
  const hop = nextHopIp(cl, from, dst);
  const m = cl.stack(from).arp.get(hop);
  if (m === undefined)
    throw new Error(`pod ${from} has no ARP entry for ${ipv4ToString(hop)} (to reach ${ipv4ToString(dst)}): resolve it first`);
  return m;
}

export function arpRequest(cl: Cluster, from: string, target: Ipv4): Uint8Array {
  const p = cl.pod(from);
  return ether({ src: p.mac, dst: MAC_BROADCAST }).arp({ op: 'request', sha: p.mac, spa: p.ip, tpa: target }).build();
}

/** Sends the ARP request for the next hop towards `dst` (what the pod's stack would do). */
export function resolve(cl: Cluster, from: string, dst: Ipv4): Path {
  return cl.send(from, arpRequest(cl, from, nextHopIp(cl, from, dst)));
}

export function icmpEcho(
  cl: Cluster,
  from: string,
  dst: Ipv4,
  o: L3Options & { id?: number; seq?: number; type?: 'request' | 'reply' } = {},
): Uint8Array {
  const p = cl.pod(from);
  return ether({ src: p.mac, dst: o.dstMac ?? nextHopMac(cl, from, dst) })
    .ipv4({ src: p.ip, dst, ttl: o.ttl ?? 64 })
    .icmpEcho({ type: o.type ?? 'request', id: o.id ?? 1, seq: o.seq ?? 1 })
    .payload(o.payload ?? CANARY)
    .build();
}

export function udpFrame(cl: Cluster, from: string, dst: Ipv4, o: L3Options & { sport: number; dport: number }): Uint8Array {
  const p = cl.pod(from);
  return ether({ src: p.mac, dst: o.dstMac ?? nextHopMac(cl, from, dst) })
    .ipv4({ src: p.ip, dst, ttl: o.ttl ?? 64 })
    .udp({ sport: o.sport, dport: o.dport })
    .payload(o.payload ?? CANARY)
    .build();
}

export function tcpFrame(
  cl: Cluster,
  from: string,
  dst: Ipv4,
  o: L3Options & { sport: number; dport: number; flags?: string; seq?: number; ack?: number },
): Uint8Array {
  const p = cl.pod(from);
  return ether({ src: p.mac, dst: o.dstMac ?? nextHopMac(cl, from, dst) })
    .ipv4({ src: p.ip, dst, ttl: o.ttl ?? 64 })
    .tcp({ sport: o.sport, dport: o.dport, flags: o.flags ?? 'S', seq: o.seq ?? 1, ack: o.ack ?? 0 })
    .payload(o.payload ?? CANARY)
    .build();
}
