// Traffic for the differential suites, as shrinkable data: what a pod sends (ARP, ICMP,
// UDP, TCP to endpoints on the same host, same subnet, other subnets, other VPCs, gateways,
// VIPs and unknown addresses), crafted Geneve frames for transit, and the mutations that
// turn valid frames into adversarial ones (bit flips, truncation, lying lengths, VLAN tags).
import fc from 'fast-check';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { ether, type GeneveOptionSpec, type PacketBuilder } from '../../../model/wire/builder.ts';
import type { Endpoint } from '../../../model/control/plane.ts';
import { MAX_FRAME, MIN_FRAME } from '../../testrun.ts';
import { OTHER_PORTS, SPORTS, SVC_PORTS, type Topology } from './random-topology.ts';
import { macToString } from '../../../model/wire/addr.ts';

export interface PodPkt {
  src: number;
  kind: 'arp' | 'icmp' | 'udp' | 'tcp';
  dst: { t: 'ep' | 'gw' | 'vip' | 'raw'; i: number; raw: number };
  dmac: 'right' | 'bcast' | 'rand';
  ttl: number;
  sport: number;
  dport: number;
  payload: number;
  frag: 'none' | 'mf' | 'off';
  arpOp: number;
  /** IPv4 options (IHL 6 or 7): every L4 offset moves. */
  ipOpts: number;
  /** UDP sent without a checksum (0), which rewrites must keep 0. */
  udpCsum0: boolean;
  /**
   * IPv4 total length cut to leave only this many bytes of L4 header (0: whole): at least
   * the 4 bytes of ports the flow tuple reads, short of what a rewrite needs (TCP 20, UDP 8),
   * so a rewrite drops L4_MALFORMED.
   */
  l4Short: number;
  /**
   * The IPv4 and L4 checksum fields as sent: 'real', or one of the one's-complement zeros
   * (0x0000, 0xffff), the edge of every incremental update (RFC 1624), or 0x0001 (a UDP
   * checksum one above "none", which the update must not take for 0). Inner checksums are
   * not verified (docs section 7), so the update runs on the given value.
   */
  csum: 'real' | 0 | 0xffff | 1;
}

export function podPkt(): fc.Arbitrary<PodPkt> {
  return fc.record({
    src: fc.nat({ max: 6 }),
    kind: fc.constantFrom('icmp' as const, 'udp' as const, 'tcp' as const, 'arp' as const),
    dst: fc.record({
      t: fc.constantFrom('ep' as const, 'ep' as const, 'gw' as const, 'vip' as const, 'raw' as const),
      i: fc.nat({ max: 6 }),
      raw: fc.integer({ min: 0, max: 0xffffffff }),
    }),
    dmac: fc.constantFrom('right' as const, 'right' as const, 'bcast' as const, 'rand' as const),
    ttl: fc.constantFrom(64, 64, 2, 1, 0),
    sport: fc.oneof(
      { weight: 3, arbitrary: fc.nat({ max: SPORTS.length - 1 }) },
      { weight: 1, arbitrary: fc.nat({ max: SPORTS.length + 5 }) },
    ),
    dport: fc.oneof(
      { weight: 3, arbitrary: fc.nat({ max: SVC_PORTS.length + OTHER_PORTS.length - 1 }) },
      { weight: 1, arbitrary: fc.nat({ max: SVC_PORTS.length + OTHER_PORTS.length + 1 }) },
    ),
    // On a 200-byte underlay a pod's IP packet may be 200 - 102 = 98 bytes: 58/59 (TCP) and
    // 70/71 (UDP, ICMP) put it at and just past that limit.
    payload: fc.constantFrom(0, 4, 16, 60, 200, 58, 59, 70, 71),
    frag: fc.constantFrom('none' as const, 'none' as const, 'none' as const, 'mf' as const, 'off' as const),
    arpOp: fc.constantFrom(1, 1, 1, 2, 3),
    ipOpts: fc.constantFrom(0, 0, 0, 0, 4, 8),
    udpCsum0: fc.constantFrom(false, false, true),
    l4Short: fc.constantFrom(0, 0, 0, 0, 0, 0, 4, 7, 19),
    csum: fc.constantFrom<PodPkt['csum']>('real', 'real', 'real', 0, 0xffff, 1),
  });
}

/** Traffic a well-behaved pod sends: live TTL, right MACs, no fragments, ARP requests only. */
export function validPodPkt(): fc.Arbitrary<PodPkt> {
  return podPkt().map((p) => ({
    ...p,
    ttl: 64,
    dmac: 'right' as const,
    frag: 'none' as const,
    arpOp: 1,
    ipOpts: 0,
    l4Short: 0,
    dst: p.dst.t === 'raw' ? { ...p.dst, t: 'ep' as const } : p.dst,
  }));
}

const PORTS = [...SVC_PORTS.map((p) => p.port), ...OTHER_PORTS];

/** Destination address and MAC of a pod packet in a topology. */
function destination(t: Topology, src: Endpoint, p: PodPkt): { ip: number; mac: string } {
  const vpc = src.network.vpc;
  const nets = [...vpc.networks];
  if (p.dst.t === 'ep' && t.eps.length > 0) {
    const e = t.eps[p.dst.i % t.eps.length];
    // Off-subnet traffic goes to the gateway's MAC, as a pod's routing table would.
    const onLink = e.network === src.network;
    return { ip: e.ip, mac: macToString(onLink ? e.mac : src.network.gatewayMac) };
  }
  if (p.dst.t === 'gw' && nets.length > 0) {
    const n = nets[p.dst.i % nets.length];
    return { ip: n.gatewayIp, mac: macToString(n.gatewayMac) };
  }
  if (p.dst.t === 'vip' && vpc.services.size > 0) {
    const s = [...vpc.services][p.dst.i % vpc.services.size];
    return { ip: s.vip, mac: macToString(src.network.gatewayMac) };
  }
  return { ip: p.dst.raw >>> 0, mac: macToString(src.network.gatewayMac) };
}

/** The frame `p` as the source pod's stack would send it (before any mutation). */
export function podFrame(t: Topology, p: PodPkt): { ep: Endpoint; frame: Uint8Array } | null {
  if (t.eps.length === 0) return null;
  const ep = t.eps[p.src % t.eps.length];
  const d = destination(t, ep, p);
  const dmac = p.dmac === 'right' ? d.mac : p.dmac === 'bcast' ? 'ff:ff:ff:ff:ff:ff' : '02:99:00:00:00:01';
  const src = macToString(ep.mac);
  if (p.kind === 'arp') {
    const frame = ether({ src, dst: 'ff:ff:ff:ff:ff:ff' }).arp({ op: p.arpOp, sha: src, spa: ep.ip, tpa: d.ip }).build();
    return { ep, frame };
  }
  // Options: NOPs then end-of-list, a legal header that moves every L4 offset.
  const options = p.ipOpts > 0 ? new Uint8Array(p.ipOpts).fill(1).map((b, i) => (i === p.ipOpts - 1 ? 0 : b)) : undefined;
  const ipSpec = {
    src: ep.ip,
    dst: d.ip,
    ttl: p.ttl,
    mf: p.frag === 'mf',
    fragOffset: p.frag === 'off' ? 8 : 0,
    df: p.frag === 'none',
    ...(options ? { options } : {}),
  };
  const payload = new Uint8Array(p.payload).map((_, i) => (i * 7 + 1) & 255);
  let b: PacketBuilder = ether({ src, dst: dmac }).ipv4(ipSpec);
  // Indexes past the usual lists swap the roles: a backend answering from its (target) port to
  // a client's source port, the tuple a reverse flow (rflows) is keyed by.
  const sport = p.sport < SPORTS.length ? SPORTS[p.sport] : PORTS[p.sport % PORTS.length];
  const dport = p.dport < PORTS.length ? PORTS[p.dport] : SPORTS[p.dport % SPORTS.length];
  if (p.kind === 'icmp') b = b.icmpEcho({ id: sport, seq: 1 });
  else if (p.kind === 'udp') b = b.udp({ sport, dport, ...(p.udpCsum0 ? { checksum: 0 } : {}) });
  else b = b.tcp({ sport, dport, flags: 'S', seq: 1000 });
  let frame = b.payload(payload).build();
  const ihl = (frame[14] & 15) * 4;
  const l4 = 14 + ihl;
  if (p.l4Short > 0 && p.kind !== 'icmp') {
    // Total length and frame end inside the L4 header (checksum fixed below).
    const tot = ihl + p.l4Short;
    frame = frame.slice(0, 14 + tot);
    frame[16] = tot >> 8;
    frame[17] = tot & 255;
  }
  if (p.csum !== 'real') {
    const c = p.csum;
    const at = p.kind === 'tcp' ? l4 + 16 : p.kind === 'udp' ? l4 + 6 : l4 + 2;
    if (at + 2 <= frame.length && !(p.kind === 'udp' && p.udpCsum0)) putField(frame, at, 2, c);
    putField(frame, 24, 2, c);
  } else if (p.l4Short > 0) {
    putField(frame, 24, 2, 0);
    putField(frame, 24, 2, ipHeaderChecksum(frame, ihl));
  }
  return { ep, frame };
}

/** The IPv4 header checksum of the header at 14 (its checksum field read as it is: zero it first). */
function ipHeaderChecksum(f: Uint8Array, ihl: number): number {
  let s = 0;
  for (let i = 14; i < 14 + ihl; i += 2) s += (f[i] << 8) | f[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

// --- crafted Geneve frames (transit) -------------------------------------------------------

export type OptSpec =
  { t: 'hl'; host: number } | { t: 'svc'; svc: number; be: number; port: number } | { t: 'unk'; cls: number; type: number; words: number };

export interface CraftSpec {
  to: number;
  from: number;
  /** Index into the topology's VNIs, or a random VNI when past them. */
  vni: number;
  rawVni: number;
  /** A host-location option first (naming host `loc`), or none when -1. */
  loc: number;
  options: OptSpec[];
  inner: PodPkt;
  /** Where the inner frame claims to come from and go to (an endpoint of any host). */
  ttl: number;
  notForHost: boolean;
  /** Words of non-critical filler options appended (0 = none): reaches the 63-word limit. */
  fill: number;
  /** Outer IPv4 options (bytes, 0 = none): IHL > 5 on the underlay. */
  outerOpts: number;
  /** One-word options (header only) appended, this many. */
  tiny: number;
  /** The inner frame is its Ethernet header alone (14 bytes, EtherType IPv6): the inner length boundary. */
  ethOnly?: boolean;
}

export function craftSpec(): fc.Arbitrary<CraftSpec> {
  const opt: fc.Arbitrary<OptSpec> = fc.oneof(
    { weight: 1, arbitrary: fc.record({ t: fc.constant('hl' as const), host: fc.nat({ max: 4 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({ t: fc.constant('svc' as const), svc: fc.nat({ max: 1 }), be: fc.nat({ max: 6 }), port: fc.nat({ max: 3 }) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('unk' as const),
        // Our class (as an unknown type of ours), the original system's (foreign by default), others.
        cls: fc.constantFrom(CONSTS.OPT_CLASS_DEFAULT, CONSTS.OPT_CLASS_DEFAULT, CONSTS.OPT_CLASS_MIZAR, 0x0102, 0xffff),
        type: fc.constantFrom(0x01, 0x82, 0x02, 0x85, 0x7f, 0x80),
        words: fc.constantFrom(0, 1, 3, 8, 2, 20, 31),
      }),
    },
  );
  return fc.record({
    to: fc.nat({ max: 4 }),
    from: fc.nat({ max: 4 }),
    vni: fc.nat({ max: 2 }),
    rawVni: fc.integer({ min: 0, max: 0xffffff }),
    loc: fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 4 }) }, { weight: 1, arbitrary: fc.constant(-1) }),
    options: fc.array(opt, { maxLength: 3 }),
    inner: podPkt(),
    ttl: fc.constantFrom(64, 64, 2, 1, 0),
    notForHost: fc.constantFrom(false, false, false, false, true),
    // With the host-location option (4 words): 54 words leave exactly room for the rewrite
    // option (9) within opt_len's 63, 55 is one word past it; 63 fills opt_len to its limit.
    fill: fc.constantFrom(0, 0, 0, 0, 0, 0, 45, 46, 47, 50, 51, 52, 55, 59),
    /** Fill with one-word options (no data): the walk's bound of 63 options, reached exactly. */
    tiny: fc.constantFrom(0, 0, 0, 0, 0, 50, 59, 63),
    // Every legal length of outer IPv4 options (IHL 6..15).
    outerOpts: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40),
  });
}

/**
 * Crafted frames at the edges: a first packet to a VIP, at some host, whose options leave
 * exactly room for the rewrite option or one word less (OPT_NO_ROOM), or that already carry
 * a rewrite option (SVC_LOOP); an inner frame of its Ethernet header alone; a host-location
 * option that is not the first (a divider must rewrite it where it is). The other fields as
 * craftSpec draws them.
 */
export function edgeCraftSpec(): fc.Arbitrary<CraftSpec> {
  return fc
    .record({
      c: craftSpec(),
      edge: fc.constantFrom('room' as const, 'noRoom' as const, 'loop' as const, 'ethOnly' as const, 'hlLate' as const),
      tcp: fc.boolean(),
    })
    .map(({ c, edge, tcp }) =>
      edge === 'hlLate'
        ? // The host-location option after a foreign one: a divider rewrites it where it is.
          {
            ...c,
            loc: -1,
            ttl: 64,
            notForHost: false,
            tiny: 0,
            fill: 0,
            options: [
              { t: 'unk' as const, cls: 0x0102, type: 0x02, words: 1 },
              { t: 'hl' as const, host: Math.max(0, c.loc) },
            ],
          }
        : {
            ...c,
            loc: c.loc < 0 ? 0 : c.loc,
            ttl: 64,
            notForHost: false,
            tiny: 0,
            ethOnly: edge === 'ethOnly',
            // hl (4 words) + 50 = 54: the rewrite's 9 words fit exactly; + 51 = 55: one word past.
            fill: edge === 'loop' ? 0 : edge === 'room' ? 50 : 51,
            options: edge === 'loop' ? [{ t: 'svc' as const, svc: 0, be: 0, port: 0 }] : [],
            inner: {
              ...c.inner,
              dst: { ...c.inner.dst, t: 'vip' as const },
              kind: tcp ? ('tcp' as const) : ('udp' as const),
              dport: tcp ? 0 : 1,
              dmac: 'right' as const,
              ttl: 64,
              frag: 'none' as const,
              l4Short: 0,
            },
          },
    );
}

function optionBytes(t: Topology, o: OptSpec): GeneveOptionSpec {
  if (o.t === 'hl') {
    const h = t.hosts[o.host % t.hosts.length];
    return { kind: 'host-location', hostIp: h.ip, hostMac: h.mac };
  }
  if (o.t === 'svc' && t.svcs.length > 0 && t.eps.length > 0) {
    const s = t.svcs[o.svc % t.svcs.length];
    const be = s.backends[o.be % Math.max(1, s.backends.length)] ?? t.eps[o.be % t.eps.length];
    const p = PORTS[o.port % PORTS.length];
    const proto = o.port % 2 === 0 ? 6 : 17;
    return {
      kind: 'service-rewrite',
      vip: s.vip,
      backendIp: be.ip,
      vipPort: p,
      backendPort: p === 80 ? 8080 : p,
      protocol: proto,
      backendMac: be.mac,
      backendHostIp: be.host.ip,
      backendHostMac: be.host.mac,
    };
  }
  const u = o.t === 'unk' ? o : { cls: 0x0102, type: 0x02, words: 1 };
  return { class: u.cls, type: u.type, data: new Uint8Array(u.words * 4).fill(0xa5) };
}

/** Non-critical unknown options totalling `words` words (headers included), in chunks of <= 32. */
function filler(words: number): GeneveOptionSpec[] {
  const out: GeneveOptionSpec[] = [];
  for (let left = words; left > 0;) {
    const w = Math.min(32, left);
    out.push({ class: 0x0200, type: 0x11, data: new Uint8Array((w - 1) * 4).fill(0x33) });
    left -= w;
  }
  return out;
}

/** Keeps options while they fit Geneve's 252 bytes (the builder refuses more, as the wire must). */
function fitOptions(opts: GeneveOptionSpec[]): GeneveOptionSpec[] {
  const size = (o: GeneveOptionSpec): number => ('kind' in o ? (o.kind === 'host-location' ? 16 : 36) : 4 + o.data.length);
  const out: GeneveOptionSpec[] = [];
  let total = 0;
  for (const o of opts) {
    if (total + size(o) > 252) continue;
    total += size(o);
    out.push(o);
  }
  return out;
}

/** A Geneve frame from host `from` to host `to` carrying an inner pod frame. */
export function craftFrame(t: Topology, c: CraftSpec): { host: number; frame: Uint8Array } | null {
  const inner = podFrame(t, c.inner);
  if (inner === null) return null;
  const to = t.hosts[c.to % t.hosts.length];
  const from = t.hosts[c.from % t.hosts.length];
  const vnis = [...t.cp.vpcs.values()].map((v) => v.vni);
  const vni = c.vni < vnis.length ? inner.ep.network.vpc.vni : c.rawVni;
  const frame = ether({ src: macToString(from.mac), dst: macToString(to.mac) })
    .ipv4({
      src: from.ip,
      dst: c.notForHost ? (to.ip ^ 0x100) >>> 0 : to.ip,
      ttl: c.ttl,
      df: true,
      ...(c.outerOpts > 0 ? { options: new Uint8Array(c.outerOpts).fill(1) } : {}),
    })
    .udp({ sport: 0xc123, checksum: 0 })
    .geneve({
      vni,
      options: fitOptions([
        ...(c.loc >= 0 ? [optionBytes(t, { t: 'hl', host: c.loc })] : []),
        ...c.options.map((o) => optionBytes(t, o)),
        ...filler(c.fill),
        // The 63rd one-word option critical: only a walk that reaches the last option refuses it.
        ...Array.from({ length: c.tiny }, (_, i) => ({ class: 0x0201, type: i === 62 ? 0x92 : 0x12, data: new Uint8Array(0) })),
      ]),
    })
    .payload(c.ethOnly ? Uint8Array.from([...inner.frame.subarray(0, 12), 0x86, 0xdd]) : inner.frame)
    .build();
  return { host: t.hosts.indexOf(to), frame };
}

// --- mutations -------------------------------------------------------------------------

export type Mutation =
  | { m: 'none' }
  | { m: 'flip'; at: number; bit: number }
  | { m: 'byte'; at: number; v: number }
  | { m: 'trunc'; n: number }
  | { m: 'grow'; n: number }
  | { m: 'lie'; field: number; v: number }
  | { m: 'vlan'; tpid: number; vid: number }
  /** The first IPv4 header's total length := its header length + k: every length check's boundary. */
  | { m: 'ipLen'; k: number }
  /** Geneve opt_len := what the UDP length leaves for options, + d words: the overrun boundary. */
  | { m: 'optLen'; d: number }
  | { m: 'innerLie'; field: number; v: number };

/** Fields of the innermost IPv4 header (and its L4 header) worth lying about: [offset, width]. */
export const INNER_FIELDS: ReadonlyArray<readonly [number, 1 | 2]> = [
  [0, 1],
  [2, 2],
  [6, 2],
  [8, 1],
  [9, 1],
  [20, 2],
  [22, 2],
  [24, 2],
  [32, 1],
];

/** Where the innermost IPv4 header starts: after the Geneve options for our encapsulation. */
function innerIp(f: Uint8Array): number {
  if (f.length >= 50 && f[12] === 8 && f[13] === 0 && f[23] === 17 && f[36] === 0x17 && f[37] === 0xc1) return 50 + (f[42] & 0x3f) * 4 + 14;
  return 14;
}

/** Offsets worth lying about, with their widths: outer/pod IPv4, UDP, Geneve, options, inner. */
export const LIE_FIELDS: ReadonlyArray<readonly [number, 1 | 2]> = [
  [12, 2],
  [14, 1],
  [16, 2],
  [20, 2],
  [22, 1],
  [23, 1],
  [36, 2],
  [38, 2],
  [42, 1],
  [43, 1],
  [44, 2],
  [50, 2],
  [52, 1],
  [53, 1],
  [62, 2],
  [66, 2],
  [76, 2],
  [80, 1],
  [82, 2],
  [88, 1],
  [90, 2],
  [104, 2],
  [18, 2],
  [20, 1],
  [21, 1],
  [34, 2],
  [24, 2],
  [29, 1],
];

export function mutation(): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ m: 'none' as const }) },
    { weight: 2, arbitrary: fc.record({ m: fc.constant('flip' as const), at: fc.nat({ max: 200 }), bit: fc.nat({ max: 7 }) }) },
    { weight: 1, arbitrary: fc.record({ m: fc.constant('byte' as const), at: fc.nat({ max: 200 }), v: fc.nat({ max: 255 }) }) },
    { weight: 2, arbitrary: fc.record({ m: fc.constant('trunc' as const), n: fc.nat({ max: 200 }) }) },
    { weight: 1, arbitrary: fc.record({ m: fc.constant('grow' as const), n: fc.integer({ min: 1, max: 40 }) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        m: fc.constant('lie' as const),
        field: fc.nat({ max: LIE_FIELDS.length - 1 }),
        v: fc.oneof(
          fc.constantFrom(0, 1, 2, 4, 5, 8, 15, 16, 20, 24, 28, 32, 36, 40, 48, 0x40, 0x45, 0x46, 0x80, 0xff, 0x2000, 0xffff),
          fc.nat({ max: 0xffff }),
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ m: fc.constant('vlan' as const), tpid: fc.constantFrom(0x8100, 0x88a8), vid: fc.nat({ max: 4095 }) }),
    },
    // UDP/Geneve/inner boundaries of the outer (or pod's) IPv4 length: 0, 4 (ports), 7, 8 (UDP), 9, 15, 16 (+ Geneve), 17.
    { weight: 1, arbitrary: fc.record({ m: fc.constant('ipLen' as const), k: fc.constantFrom(0, 3, 4, 7, 8, 9, 15, 16, 17, 19, 20) }) },
    { weight: 1, arbitrary: fc.record({ m: fc.constant('optLen' as const), d: fc.integer({ min: -1, max: 5 }) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        m: fc.constant('innerLie' as const),
        field: fc.nat({ max: INNER_FIELDS.length - 1 }),
        v: fc.oneof(
          fc.constantFrom(0, 1, 5, 20, 21, 23, 24, 28, 32, 36, 39, 40, 0x20, 0x2000, 0x45, 0x46, 0x4f, 0xffff),
          fc.nat({ max: 0xffff }),
        ),
      }),
    },
  );
}

/** A 1- or 2-byte big-endian field at `at`, when the frame reaches that far. */
function putField(out: Uint8Array, at: number, w: number, v: number): void {
  if (at + w > out.length) return;
  if (w === 1) out[at] = v & 255;
  else {
    out[at] = (v >> 8) & 255;
    out[at + 1] = v & 255;
  }
}

/** Applies `m` to a copy of `f`; the result stays within what a test run accepts (14..3520). */
export function mutate(f: Uint8Array, m: Mutation): Uint8Array {
  let out = f.slice();
  switch (m.m) {
    case 'none':
      break;
    case 'flip':
      out[m.at % out.length] ^= 1 << m.bit;
      break;
    case 'byte':
      out[m.at % out.length] = m.v;
      break;
    case 'trunc':
      out = out.slice(0, Math.max(MIN_FRAME, out.length - 1 - (m.n % out.length)));
      break;
    case 'grow': {
      const g = new Uint8Array(out.length + m.n);
      g.set(out);
      g.fill(0x5a, out.length);
      out = g;
      break;
    }
    case 'lie': {
      const [at, w] = LIE_FIELDS[m.field];
      putField(out, at, w, m.v);
      break;
    }
    case 'ipLen':
      if (out.length >= 18) putField(out, 16, 2, (out[14] & 15) * 4 + m.k);
      break;
    case 'optLen': {
      // Our encapsulation (IHL 5): UDP length at 38, Geneve at 42.
      if (out.length < 50) break;
      const room = Math.floor((((out[38] << 8) | out[39]) - 16) / 4) + m.d;
      out[42] = (out[42] & 0xc0) | (Math.max(0, Math.min(63, room)) & 0x3f);
      break;
    }
    case 'innerLie': {
      const [rel, w] = INNER_FIELDS[m.field];
      putField(out, innerIp(out) + rel, w, m.v);
      break;
    }
    case 'vlan': {
      const g = new Uint8Array(out.length + 4);
      g.set(out.subarray(0, 12));
      g[12] = m.tpid >> 8;
      g[13] = m.tpid & 255;
      g[14] = m.vid >> 8;
      g[15] = m.vid & 255;
      g.set(out.subarray(12), 16);
      out = g;
      break;
    }
  }
  return out.length > MAX_FRAME ? out.slice(0, MAX_FRAME) : out;
}
