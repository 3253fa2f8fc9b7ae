// What a pod's Linux stack accepts of a frame delivered to its interface (docs/dataplane.md
// section 7, "Pods"): the receive-path rules that decide whether a packet the data plane
// delivered is seen by the pod at all. A packet the pod drops here is as lost as one the
// data plane dropped, so the model cluster and the scenario runner's pods both ask this
// before they answer. The rules are the kernel's (net/ipv4/ip_input.c, route.c,
// fib_frontend.c) with a pod's defaults: ip_forward 0, accept_local 0, route_localnet 0.
import { readIpv4 } from '../wire/addr.ts';

export type PodVerdict = { readonly accept: true } | { readonly accept: false; readonly why: string };

const ACCEPT: PodVerdict = { accept: true };
const drop = (why: string): PodVerdict => ({ accept: false, why });

/** The pod, as its stack knows itself: its interface's address and MAC. */
export interface PodSelf {
  readonly ip: number;
  readonly mac: Uint8Array;
}

function isBroadcastOrMulticastMac(f: Uint8Array): boolean {
  return (f[0] & 1) === 1;
}

function macIs(f: Uint8Array, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (f[i] !== mac[i]) return false;
  return true;
}

/** Sum of the IPv4 header's 16-bit words: 0xffff when its checksum is right. */
function headerSum(f: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (f[off + i] << 8) | f[off + i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/**
 * Whether the pod's stack takes `frame` in. Ethernet: a unicast frame for another MAC is
 * dropped (PACKET_OTHERHOST). ARP is accepted (its own rules do not matter here). IPv4: a
 * header that is truncated, not version 4, shorter than 20 bytes or with a wrong checksum
 * is dropped (ip_rcv); a martian source — the pod's own address, 0.0.0.0/8, 127.0.0.0/8,
 * multicast or the limited broadcast — is dropped (ip_route_input: a local source fails
 * fib_validate_source without accept_local); a destination that is not the pod's address,
 * a broadcast or multicast is not for it and, without forwarding, dropped. Anything else
 * (not IPv4, not ARP) reaches no protocol and is dropped.
 */
export function podAccepts(frame: Uint8Array, self: PodSelf): PodVerdict {
  if (frame.length < 14) return drop('runt frame');
  if (!isBroadcastOrMulticastMac(frame) && !macIs(frame, self.mac)) return drop('unicast frame for another MAC (PACKET_OTHERHOST)');
  const type = (frame[12] << 8) | frame[13];
  if (type === 0x0806) return ACCEPT;
  if (type !== 0x0800) return drop(`EtherType 0x${type.toString(16).padStart(4, '0')}: no protocol takes it`);
  if (frame.length < 34) return drop('truncated IPv4 header');
  const ihl = (frame[14] & 0x0f) * 4;
  if (frame[14] >> 4 !== 4 || ihl < 20 || 14 + ihl > frame.length) return drop('bad IPv4 header');
  const total = (frame[16] << 8) | frame[17];
  if (total < ihl || 14 + total > frame.length) return drop('IPv4 total length lies');
  if (headerSum(frame, 14, ihl) !== 0xffff) return drop('bad IPv4 header checksum');
  const src = readIpv4(frame, 26);
  const dst = readIpv4(frame, 30);
  const top = src >>> 24;
  if (src === self.ip >>> 0) return drop('martian source: its own address');
  if (top === 0 || top === 127 || (top & 0xf0) === 0xe0 || src === 0xffffffff) return drop('martian source');
  const forMe = dst === self.ip >>> 0 || dst === 0xffffffff || dst >>> 28 === 0xe;
  if (!forMe) return drop('not addressed to the pod (no forwarding)');
  return ACCEPT;
}
