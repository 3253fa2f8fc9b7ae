// Frames for the model tests: what pods send (via the cluster helpers) and Geneve frames as
// another host would put them on the underlay, plus decoders for the output checks.

import type { Book } from './addressbook.ts';
import { HOSTS } from './addressbook.ts';
import { type GeneveOptionSpec, ether } from '../../../model/wire/builder.ts';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { checksumValid } from '../../../model/wire/checksum.ts';
import { GeneveHeader, walkGeneveOptions } from '../../../model/wire/geneve.ts';
import { type HostLocationOption } from '../../../model/wire/geneve-options.ts';

export type HostName = keyof typeof HOSTS;

export function hostLocOf(h: HostName): HostLocationOption {
  return { kind: 'host-location', hostIp: ipv4(HOSTS[h].ip), hostMac: mac(HOSTS[h].mac) };
}

/** A Geneve frame from host `from` to host `to` carrying `inner`, as an agent would send it. */
export function geneve(
  from: HostName,
  to: HostName,
  vni: number,
  inner: Uint8Array,
  o: { options?: GeneveOptionSpec[]; ttl?: number; sport?: number } = {},
): Uint8Array {
  return ether({ src: HOSTS[from].mac, dst: HOSTS[to].mac })
    .ipv4({ src: HOSTS[from].ip, dst: HOSTS[to].ip, ttl: o.ttl ?? 64, df: true })
    .udp({ sport: o.sport ?? 0xc123, checksum: 0 })
    .geneve({ vni, options: o.options ?? [hostLocOf(from)] })
    .payload(inner)
    .build();
}

/** The outer headers of a frame we originate, decoded for assertions. */
export interface Outer {
  dstMac: string;
  srcMac: string;
  ipTotal: number;
  ident: number;
  flags: number;
  ttl: number;
  proto: number;
  ipCsumOk: boolean;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  udpLen: number;
  udpCsum: number;
  version: number;
  optLen: number;
  oam: boolean;
  critical: boolean;
  protocol: number;
  vni: number;
  options: Array<{ class: number; type: number; data: Uint8Array }>;
  inner: Uint8Array;
}

const hexMac = (b: Uint8Array, i: number): string => [...b.subarray(i, i + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
const dotted = (b: Uint8Array, i: number): string => `${b[i]}.${b[i + 1]}.${b[i + 2]}.${b[i + 3]}`;
const u16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];

/** Decodes an outer Ethernet/IPv4 (IHL 5)/UDP/Geneve frame; throws when it is not one. */
export function outer(f: Uint8Array | null): Outer {
  if (f === null) throw new Error('no output frame');
  if (u16(f, 12) !== 0x0800 || f[14] !== 0x45) throw new Error('not an outer IPv4 frame with IHL 5');
  const g = new GeneveHeader(f.subarray(42));
  const walked = walkGeneveOptions(g.optionBytes);
  return {
    dstMac: hexMac(f, 0),
    srcMac: hexMac(f, 6),
    ipTotal: u16(f, 16),
    ident: u16(f, 18),
    flags: u16(f, 20),
    ttl: f[22],
    proto: f[23],
    ipCsumOk: checksumValid(f.subarray(14, 34)),
    src: dotted(f, 26),
    dst: dotted(f, 30),
    sport: u16(f, 34),
    dport: u16(f, 36),
    udpLen: u16(f, 38),
    udpCsum: u16(f, 40),
    version: g.version,
    optLen: g.optLen,
    oam: g.oam,
    critical: g.critical,
    protocol: g.protocol,
    vni: g.vni,
    options: walked.options.map((o) => ({ class: o.class, type: o.type, data: o.data.slice() })),
    inner: f.slice(50 + g.optLen * 4),
  };
}

export { hexMac, dotted, u16 };
export type { Book };
