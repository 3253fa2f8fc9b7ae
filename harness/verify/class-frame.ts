// The frames of a class: its representative (every cell's representative value, every free
// byte fixed) or a random member (every cell drawn, free bytes random), built with
// model/wire/builder.ts exactly as a pod or an underlay sender would put them on the wire.
import type { ControlPlane, Endpoint, Host } from '../../model/control/plane.ts';
import type { WalkStart } from '../../model/cluster/walk.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import { MAC_BROADCAST, type Mac, cidrContains, writeIpv4 } from '../../model/wire/addr.ts';
import { icmpChecksum, ipv4HeaderChecksum, tcpChecksum, udpChecksum } from '../../model/wire/checksum.ts';
import { type GeneveOptionSpec, ether } from '../../model/wire/builder.ts';
import { type Cell, type Rng, range, rep, sample } from './cells.ts';
import type { HeaderClass } from './class-types.ts';
import { ROGUE_IP, ROGUE_MAC, forgedBackend } from './underlay-classes.ts';

/** Lookups every frame needs, built once per checkpoint. */
export class FrameCtx {
  /** VNI → address → the MAC an ARP for it would answer (endpoint, gateway, VIP). */
  private readonly macs = new Map<number, Map<number, Mac>>();
  /** Underlay frame templates (see templated): the frame and where its destination goes. */
  readonly templates = new Map<string, { base: Uint8Array; at: number[] }>();
  constructor(readonly cp: ControlPlane) {
    for (const v of cp.vpcs.values()) this.macs.set(v.vni, new Map());
    for (const e of cp.endpoints.values()) this.macs.get(e.network.vpc.vni)?.set(e.ip, e.mac);
    for (const n of cp.networks.values()) this.macs.get(n.vpc.vni)?.set(n.gatewayIp, n.gatewayMac);
    for (const s of cp.services.values()) this.macs.get(s.vpc.vni)?.set(s.vip, s.mac);
  }

  macOf(vni: number, ip: number): Mac | undefined {
    return this.macs.get(vni)?.get(ip);
  }

  /** The MAC a pod's stack puts on a frame to `dst`: the ARP answer in its subnet, else its gateway's. */
  nextHopMac(e: Endpoint, dst: number): Mac {
    const n = e.network;
    if (cidrContains(n.cidr, dst)) return this.macOf(n.vpc.vni, dst) ?? n.gatewayMac;
    return n.gatewayMac;
  }
}

export interface ClassFrame {
  /** A pod's name (its veth), or an underlay NIC. */
  readonly start: string | WalkStart;
  readonly frame: Uint8Array;
}

/** Draws (rng) or takes the representative (no rng) of a cell. */
function val(c: Cell | undefined, rng: Rng | undefined, fallback: number): number {
  if (c === undefined) return fallback;
  return (rng ? sample(c, rng) : rep(c)) ?? fallback;
}

const IP_OPT_BYTES = new Uint8Array([0x01, 0x01, 0x01, 0x00]);
const OTHER_MAC = new Uint8Array([0x02, 0x00, 0xde, 0xad, 0xbe, 0xef]);

function randomUnicast(rng: Rng | undefined, not: Mac): Mac {
  if (rng === undefined) return OTHER_MAC;
  for (;;) {
    const m = new Uint8Array(6);
    for (let i = 0; i < 6; i++) m[i] = rng.below(256);
    m[0] = (m[0] & 0xfe) | 0x02;
    if (m.some((b, i) => b !== not[i])) return m;
  }
}

function bytes(n: number, rng: Rng | undefined, fill = 0x74): Uint8Array {
  const b = new Uint8Array(Math.max(0, n));
  for (let i = 0; i < b.length; i++) b[i] = rng ? rng.below(256) : fill;
  return b;
}

/** An ICMP echo / TCP / UDP / other-protocol IP packet from the class fields (ipv4 onwards). */
export function ipFrame(
  src: Mac,
  dstMac: Mac,
  saddr: number,
  daddr: number,
  f: HeaderClass['fields'],
  rng: Rng | undefined,
  over?: { version?: number; ihl?: number; totalLength?: number; vlan?: { vid: number; tpid?: number } },
): Uint8Array {
  const proto = val(f.proto, rng, 1);
  const ipopt = val(f.ipopt, rng, 0);
  const frag = val(f.frag, rng, 0);
  const ttl = val(f.ttl, rng, 64);
  const tos = val(f.tos, rng, 0);
  const size = val(f.size, rng, 84);
  const l4h = proto === 6 ? 20 : proto === 17 || proto === 1 ? 8 : 0;
  const payload = bytes(size - 20 - ipopt * 4 - l4h, rng);
  const b = ether({ src, dst: dstMac, ...(over?.vlan ? { vlan: over.vlan } : {}) }).ipv4({
    src: saddr,
    dst: daddr,
    ttl,
    tos,
    id: rng ? rng.below(65536) : 1,
    df: frag === 0,
    mf: frag === 1,
    fragOffset: frag === 2 ? 1 + (rng ? rng.below(100) : 0) : 0,
    ...(ipopt ? { options: IP_OPT_BYTES } : {}),
    ...(proto !== 1 && proto !== 6 && proto !== 17 ? { proto } : {}),
    ...(over?.version !== undefined ? { version: over.version } : {}),
    ...(over?.ihl !== undefined ? { ihl: over.ihl } : {}),
    ...(over?.totalLength !== undefined ? { totalLength: over.totalLength } : {}),
  });
  const sport = val(f.sport, rng, 40000);
  const dport = val(f.dport, rng, 80);
  if (proto === 1)
    return b
      .icmpEcho({ id: rng ? rng.below(65536) : 1, seq: rng ? rng.below(65536) : 1 })
      .payload(payload)
      .build();
  if (proto === 6)
    return b
      .tcp({ sport, dport, flags: rng ? rng.pick(['S', 'SA', 'PA', 'FA', 'R', 'A']) : 'S', seq: rng ? rng.next() : 1 })
      .payload(payload)
      .build();
  if (proto === 17)
    return b
      .udp({ sport, dport, ...(rng && rng.below(4) === 0 ? { checksum: 0 } : {}) })
      .payload(payload)
      .build();
  return b.payload(payload).build();
}

/**
 * The same frames as ipFrame without the layered builder, for the bulk of the classes (a
 * pod's IP frame with no header override): written byte by byte, checksums included. A test
 * checks the two agree byte for byte.
 */
export function fastIpFrame(
  src: Mac,
  dstMac: Mac,
  saddr: number,
  daddr: number,
  f: HeaderClass['fields'],
  rng: Rng | undefined,
): Uint8Array {
  const proto = val(f.proto, rng, 1);
  const ipopt = val(f.ipopt, rng, 0);
  const frag = val(f.frag, rng, 0);
  const ttl = val(f.ttl, rng, 64);
  const tos = val(f.tos, rng, 0);
  const size = val(f.size, rng, 84);
  const ihl = 20 + ipopt * 4;
  const l4h = proto === 6 ? 20 : proto === 17 || proto === 1 ? 8 : 0;
  const payload = Math.max(0, size - ihl - l4h);
  const total = ihl + l4h + payload;
  const b = new Uint8Array(14 + total);
  const ip = 14;
  const l4 = ip + ihl;
  const data = l4 + l4h;
  // Draws in ipFrame's order (payload, id, offset, ports, then L4 fields): the same seed
  // gives the same frame.
  for (let i = data; i < b.length; i++) b[i] = rng ? rng.below(256) : 0x74;
  b.set(dstMac, 0);
  b.set(src, 6);
  b[12] = 0x08;
  b[ip] = 0x40 | (ihl >> 2);
  b[ip + 1] = tos;
  b[ip + 2] = total >> 8;
  b[ip + 3] = total & 0xff;
  const id = rng ? rng.below(65536) : 1;
  b[ip + 4] = id >> 8;
  b[ip + 5] = id & 0xff;
  const off = frag === 2 ? 1 + (rng ? rng.below(100) : 0) : 0;
  const flags = (frag === 0 ? 0x4000 : 0) | (frag === 1 ? 0x2000 : 0) | off;
  b[ip + 6] = flags >> 8;
  b[ip + 7] = flags & 0xff;
  b[ip + 8] = ttl;
  b[ip + 9] = proto;
  writeIpv4(b, ip + 12, saddr);
  writeIpv4(b, ip + 16, daddr);
  if (ipopt) b.set(IP_OPT_BYTES, ip + 20);
  const sport = val(f.sport, rng, 40000);
  const dport = val(f.dport, rng, 80);
  const w16 = (at: number, v: number): void => {
    b[at] = (v >> 8) & 0xff;
    b[at + 1] = v & 0xff;
  };
  if (proto === 1) {
    b[l4] = 8;
    w16(l4 + 4, rng ? rng.below(65536) : 1);
    w16(l4 + 6, rng ? rng.below(65536) : 1);
    w16(l4 + 2, icmpChecksum(b.subarray(l4)));
  } else if (proto === 6) {
    w16(l4, sport);
    w16(l4 + 2, dport);
    b[l4 + 13] = rng ? rng.pick([0x02, 0x12, 0x18, 0x11, 0x04, 0x10]) : 0x02;
    writeIpv4(b, l4 + 4, rng ? rng.next() : 1);
    b[l4 + 12] = 0x50;
    w16(l4 + 14, 0xffff);
    w16(l4 + 16, tcpChecksum(saddr, daddr, b.subarray(l4)));
  } else if (proto === 17) {
    w16(l4, sport);
    w16(l4 + 2, dport);
    w16(l4 + 4, l4h + payload);
    const none = rng !== undefined && rng.below(4) === 0;
    w16(l4 + 6, none ? 0 : udpChecksum(saddr, daddr, b.subarray(l4)));
  }
  w16(ip + 10, ipv4HeaderChecksum(b.subarray(ip, ip + ihl)));
  return b;
}

function podFrame(ctx: FrameCtx, cls: HeaderClass, e: Endpoint, rng: Rng | undefined): Uint8Array {
  const f = cls.fields;
  const vni = e.network.vpc.vni;
  const dst = val(f.dst, rng, e.network.gatewayIp);
  const hop = ctx.nextHopMac(e, dst);
  const dmacOf = (c: Cell | undefined): Mac => {
    const k = val(c, rng, 0);
    return k === 0 ? hop : k === 1 ? MAC_BROADCAST : randomUnicast(rng, hop);
  };
  const ipTo = (src: Mac, saddr: number, over?: Parameters<typeof ipFrame>[6]): Uint8Array =>
    ipFrame(src, hop, saddr, dst, { ...f, proto: f.proto ?? { label: 'icmp', ranges: [[1, 1]] } }, rng, over);
  const arp = (op: number, sha: Mac, spa: number, o: { htype?: number; cut?: number } = {}): Uint8Array => {
    const fr = ether({ src: e.mac, dst: MAC_BROADCAST })
      .arp({ op, sha, spa, tpa: dst, ...(o.htype !== undefined ? { htype: o.htype } : {}) })
      .build();
    return o.cut !== undefined ? fr.subarray(0, o.cut) : fr;
  };
  switch (cls.shape) {
    case 'eth-truncated':
      return bytes(rng ? 1 + rng.below(13) : 10, rng, 0x02);
    case 'eth-vlan':
      return ipTo(e.mac, e.ip, { vlan: { vid: val(undefined, rng, rng ? 1 + rng.below(4094) : 20) } });
    case 'eth-qinq':
      return ipTo(e.mac, e.ip, { vlan: { vid: rng ? 1 + rng.below(4094) : 20, tpid: 0x88a8 } });
    case 'eth-src-foreign':
      return ipTo(randomUnicast(rng, e.mac), e.ip);
    case 'eth-src-broadcast':
      return ipTo(MAC_BROADCAST, e.ip);
    case 'eth-other': {
      const types = [0x86dd, 0x88cc, 0x8847, 0x0842, 0x9000, 0x88e5];
      const t = rng ? rng.pick(types) : 0x86dd;
      return ether({ src: e.mac, dst: hop, type: t })
        .payload(bytes(rng ? rng.below(200) : 40, rng))
        .build();
    }
    case 'arp-malformed':
      return rng && rng.below(2) === 0 ? arp(1, e.mac, e.ip, { cut: 14 + rng.below(28) }) : arp(1, e.mac, e.ip, { htype: 6 });
    case 'arp-reply':
      return arp(2, e.mac, e.ip);
    case 'arp-op-other':
      return arp(rng ? 3 + rng.below(65533) : 3, e.mac, e.ip);
    case 'arp-spoof-sha':
      return arp(1, randomUnicast(rng, e.mac), e.ip);
    case 'arp-spoof-spa':
      return arp(1, e.mac, val(f.src, rng, 0));
    case 'arp-request': {
      const k = val(f.dmac, rng, 0);
      const fr = ether({
        src: e.mac,
        dst: k === 0 ? MAC_BROADCAST : k === 1 ? (ctx.macOf(vni, dst) ?? MAC_BROADCAST) : randomUnicast(rng, e.mac),
      })
        .arp({ op: 1, sha: e.mac, spa: e.ip, tpa: dst })
        .build();
      return fr;
    }
    case 'ip-bad-version':
      return ipTo(e.mac, e.ip, { version: rng ? rng.pick([0, 1, 5, 6, 7, 15]) : 6 });
    case 'ip-bad-ihl':
      return ipTo(e.mac, e.ip, { ihl: rng ? rng.below(5) : 4 });
    case 'ip-truncated':
      return ipTo(e.mac, e.ip, { totalLength: rng ? 200 + rng.below(60000) : 1000 });
    case 'ip-spoof':
      return ipTo(e.mac, val(f.src, rng, 0));
    case 'ip':
      return fastIpFrame(e.mac, dmacOf(f.dmac), e.ip, dst, f, rng);
    default:
      throw new Error(`not a pod shape: ${cls.shape}`);
  }
}

/** The host-location option naming (ip, mac). */
function hl(ip: number, mac: Mac): GeneveOptionSpec {
  return { kind: 'host-location', hostIp: ip, hostMac: mac };
}

function underlayFrame(ctx: FrameCtx, cls: HeaderClass, h: Host, rng: Rng | undefined): Uint8Array {
  if (cls.source.kind !== 'underlay') throw new Error('not an underlay class');
  const cp = ctx.cp;
  const f = cls.fields;
  const fromHost = cls.source.from === 'rogue' ? undefined : cp.host(cls.source.from);
  const sip = fromHost?.ip ?? ROGUE_IP;
  const smac = fromHost?.mac ?? ROGUE_MAC;
  const named = fromHost ?? [...cp.hosts.values()].find((x) => x !== h) ?? h;
  const vni = val(f.vni, rng, 1);
  const v = cp.vpcsByVni.get(vni);
  const dst = val(f.dst, rng, 0);
  const src = val(f.src, rng, v ? (v.cidr.network + 7) >>> 0 : 0x0a000007);
  const smacIn = ctx.macOf(vni, src) ?? OTHER_MAC;
  const dmacIn = ctx.macOf(vni, dst) ?? MAC_BROADCAST;
  const otos = val(f.otos, rng, 0);
  const oopt = val(f.oopt, rng, 0);
  const cls0 = h.optClass;
  const sport = rng ? 0xc000 | rng.below(0x4000) : 0xc123;
  const outer = (o: { dstIp?: number; proto?: number; mf?: boolean } = {}) =>
    ether({ src: smac, dst: h.mac }).ipv4({
      src: sip,
      dst: o.dstIp ?? h.ip,
      ttl: 64,
      tos: otos,
      df: !o.mf,
      mf: o.mf === true,
      ...(oopt ? { options: IP_OPT_BYTES } : {}),
      ...(o.proto !== undefined ? { proto: o.proto } : {}),
    });
  const innerIcmp = (): Uint8Array =>
    ether({ src: smacIn, dst: dmacIn })
      .ipv4({ src, dst, ttl: val(f.ttl, rng, 64) })
      .icmpEcho({ id: rng ? rng.below(65536) : 7, seq: 1 })
      .payload(bytes(rng ? rng.below(64) : 16, rng))
      .build();
  const gnv = (
    options: GeneveOptionSpec[],
    inner: Uint8Array,
    g: { version?: number; oam?: boolean; protocol?: number; optLen?: number } = {},
    o: Parameters<typeof outer>[0] = {},
  ) =>
    outer(o)
      .udp({ sport, dport: CONSTS.GENEVE_PORT, checksum: 0 })
      .geneve({ vni, options, ...g })
      .payload(inner)
      .build();
  const hlHost = hl(named.ip, named.mac);
  const unknown = (critical: boolean): GeneveOptionSpec => ({
    class: cls0,
    type: (critical ? CONSTS.OPT_CRITICAL : 0) | (rng ? 0x10 + rng.below(0x60) : 0x11),
    data: bytes(4, rng),
  });
  switch (cls.shape) {
    case 'u-not-ipv4':
      return rng && rng.below(2) === 0
        ? ether({ src: smac, dst: h.mac, type: 0x86dd }).payload(bytes(60, rng)).build()
        : ether({ src: smac, dst: MAC_BROADCAST }).arp({ op: 1, sha: smac, spa: sip, tpa: h.ip }).build();
    case 'u-not-udp':
      return outer()
        .tcp({ sport: rng ? rng.below(65536) : 40000, dport: rng ? rng.below(65536) : 22, flags: 'S' })
        .payload(bytes(8, rng))
        .build();
    case 'u-not-geneve': {
      const ports = [67, 68, 53, 123, 4789, 6080, 6082];
      const dport = rng ? rng.pick(ports) : 68;
      return outer()
        .udp({ sport: 67, dport })
        .payload(bytes(rng ? rng.below(300) : 40, rng))
        .build();
    }
    case 'u-not-for-host': {
      // Geneve, or any other UDP (a DHCP reply to the broadcast address), for another address.
      const others = [0xffffffff, ...[...cp.hosts.values()].filter((x) => x !== h).map((x) => x.ip), (h.ip + 1) >>> 0];
      const to = rng ? rng.pick(others) : others[0];
      if (rng && rng.below(2) === 0)
        return outer({ dstIp: to })
          .udp({ sport: 67, dport: 68 })
          .payload(bytes(rng.below(300), rng))
          .build();
      return gnv([hlHost], innerIcmp(), {}, { dstIp: to });
    }
    case 'u-outer-fragment':
      return gnv([hlHost], innerIcmp(), {}, { mf: true });
    case 'u-gnv-bad-version':
      return gnv([hlHost], innerIcmp(), { version: rng ? 1 + rng.below(3) : 1 });
    case 'u-gnv-oam':
      return gnv([hlHost], innerIcmp(), { oam: true });
    case 'u-gnv-bad-proto':
      return gnv([hlHost], innerIcmp(), { protocol: rng ? rng.pick([0x0800, 0x86dd, 0x0000, 0x8847]) : 0x0800 });
    case 'u-gnv-optlen-overrun': {
      // opt_len claims more option bytes than the whole rest of the packet.
      return gnv([hlHost], bytes(rng ? rng.below(20) : 8, rng), { optLen: 40 + (rng ? rng.below(23) : 0) });
    }
    case 'u-opt-critical-unknown':
      return gnv([unknown(true), hlHost], innerIcmp());
    case 'u-opt-overrun': {
      // An option whose length runs past opt_len: the header says 5 words, opt_len covers 2.
      const bad: GeneveOptionSpec = { class: cls0, type: 0x21, data: bytes(4, rng) };
      const fr = gnv([bad], innerIcmp());
      const at = 14 + 20 + (oopt ? 4 : 0) + 8 + 8 + 3;
      fr[at] = (fr[at] & 0xe0) | 5;
      return fr;
    }
    case 'u-opt-duplicate-hl':
      return gnv([hlHost, hlHost], innerIcmp());
    case 'u-inner-bad-ethertype': {
      // IPv6 whose bytes, read as IPv4, name the destination (Mizar read the type from the outer header).
      const inner = ether({ src: smacIn, dst: dmacIn, type: rng ? rng.pick([0x86dd, 0x8100, 0x0842]) : 0x86dd })
        .payload(bytes(40, rng))
        .build();
      const d = [...cp.endpoints.values()].find((e) => e.host === h) ?? [...cp.endpoints.values()][0];
      if (d !== undefined) {
        inner[14] = 0x45;
        inner.set([d.ip >>> 24, (d.ip >>> 16) & 0xff, (d.ip >>> 8) & 0xff, d.ip & 0xff], 14 + 16);
      }
      return gnv([hlHost], inner);
    }
    case 'u-geneve':
      break;
    default:
      throw new Error(`not an underlay shape: ${cls.shape}`);
  }
  let inner: Uint8Array;
  if (cls.inner === 'arp-request')
    inner = ether({ src: smacIn, dst: MAC_BROADCAST }).arp({ op: 1, sha: smacIn, spa: src, tpa: dst }).build();
  else if (cls.inner === 'arp-reply')
    inner = ether({ src: smacIn, dst: dmacIn }).arp({ op: 2, sha: smacIn, spa: src, tha: dmacIn, tpa: dst }).build();
  else inner = innerIcmp();
  const svcOpt = (b: Endpoint | undefined): GeneveOptionSpec[] => {
    if (b === undefined) return [hlHost];
    return [
      {
        kind: 'service-rewrite',
        vip: dst,
        backendIp: b.ip,
        vipPort: 0,
        backendPort: 0,
        protocol: 1,
        backendMac: b.mac,
        backendHostIp: b.host.ip,
        backendHostMac: b.host.mac,
      },
      hlHost,
    ];
  };
  let options: GeneveOptionSpec[];
  switch (cls.options) {
    case 'none':
      options = [];
      break;
    case 'hl-nonhost':
      options = [hl(ROGUE_IP, ROGUE_MAC)];
      break;
    case 'hl-self':
      options = [hl(h.ip, h.mac)];
      break;
    case 'hl-after-unknown':
      options = [unknown(false), hlHost];
      break;
    case 'svc-own':
      options = svcOpt(forgedBackend(cp, vni, false));
      break;
    case 'svc-foreign':
      options = svcOpt(forgedBackend(cp, vni, true));
      break;
    default:
      options = [hlHost];
  }
  return gnv(options, inner);
}

/**
 * A representative of a well-formed underlay Geneve class differs from its siblings (same
 * host, sender, VNI, inner kind and options) only in the inner destination: the frame is
 * built once per template and the destination written in (address, MAC, the forged
 * option's VIP, the inner IPv4 checksum). A test checks it against building it whole.
 */
function templated(ctx: FrameCtx, cls: HeaderClass, h: Host): Uint8Array {
  const dst = rep(cls.fields.dst!) ?? 0;
  const key = `${cls.source.kind === 'underlay' ? cls.source.from : ''}|${h.name}|${cls.vni}|${cls.inner}|${cls.options}|${cls.fields.src ? rep(cls.fields.src) : ''}|${rep(cls.fields.ttl ?? range('x', 64, 64)) ?? ''}`;
  let t = ctx.templates.get(key);
  if (t === undefined) {
    // Built with a destination no other field can equal, then located by searching for it.
    const marker = 0xfefdfcfb;
    const base = underlayFrame(ctx, { ...cls, fields: { ...cls.fields, dst: range('marker', marker, marker) } }, h, undefined);
    const at: number[] = [];
    for (let i = 0; i + 4 <= base.length; i++)
      if (base[i] === 0xfe && base[i + 1] === 0xfd && base[i + 2] === 0xfc && base[i + 3] === 0xfb) at.push(i);
    t = { base, at };
    ctx.templates.set(key, t);
  }
  const f = t.base.slice();
  for (const i of t.at) writeIpv4(f, i, dst);
  const io = innerStart(f);
  const vni = cls.fields.vni ? (rep(cls.fields.vni) ?? 0) : 0;
  const dmac = ctx.macOf(vni, dst) ?? MAC_BROADCAST;
  if (cls.inner !== 'arp-request') f.set(dmac, io);
  if (cls.inner === 'arp-reply') f.set(dmac, io + 14 + 18);
  if (cls.inner === 'ip') {
    const ip = io + 14;
    f[ip + 10] = 0;
    f[ip + 11] = 0;
    const c = ipv4HeaderChecksum(f.subarray(ip, ip + (f[ip] & 0x0f) * 4));
    f[ip + 10] = c >> 8;
    f[ip + 11] = c & 0xff;
  }
  return f;
}

/** Where a Geneve frame's inner Ethernet header starts. */
function innerStart(f: Uint8Array): number {
  const u = 14 + (f[14] & 0x0f) * 4;
  return u + 16 + (f[u + 8] & 0x3f) * 4;
}

/** The representative (no rng) or a random member of `cls`. */
export function classFrame(ctx: FrameCtx, cls: HeaderClass, rng?: Rng): ClassFrame {
  if (cls.source.kind === 'pod') {
    const e = ctx.cp.endpoint(cls.source.pod);
    return { start: e.name, frame: podFrame(ctx, cls, e, rng) };
  }
  const h = ctx.cp.host(cls.source.host);
  const start = { host: h, program: 'transit' as const, ingress: h.underlayIfindex };
  if (rng === undefined && cls.shape === 'u-geneve' && cls.fields.dst !== undefined && ctx.templates !== undefined)
    return { start, frame: templated(ctx, cls, h) };
  return { start, frame: underlayFrame(ctx, cls, h, rng) };
}

/** The frame built whole (no template): what the template test compares with. */
export function classFrameWhole(ctx: FrameCtx, cls: HeaderClass): Uint8Array {
  if (cls.source.kind === 'pod') return podFrame(ctx, cls, ctx.cp.endpoint(cls.source.pod), undefined);
  return underlayFrame(ctx, cls, ctx.cp.host(cls.source.host), undefined);
}
