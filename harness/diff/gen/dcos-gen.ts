// Generators and the comparison of the DC/OS differential suites: a random small cluster
// (agents, containers, VIPs with weights, unreachable agents, a tight MTU sometimes), and
// sequences of frames for agent a0's dcos_egress or dcos_ingress, valid and damaged. Value
// sets are small on purpose (three client ports, the backends' own ports) so flows, their
// replies and NAT entries meet within a case.
import fc from 'fast-check';
import { DcosControlPlane } from '../../../model/dcos/dcos-control.ts';
import type { DcosRunResult } from '../../../model/dcos/dcos-verdict.ts';
import type { DcosKernelRun } from '../../dataplane/dcos-instance.ts';
import { DCOS } from '../../../model/dcos/dcos-consts.ts';
import { ether } from '../../../model/wire/builder.ts';
import { macToString } from '../../../model/wire/addr.ts';
import { vxlanHeaderBytes } from '../../../model/wire/vxlan.ts';
import { toHex } from '../../../model/wire/hex.ts';
import { reasonName, pointName } from '../../../model/dataplane/tables.ts';

/** Every ingress ifindex a case can use: underlay NICs (2), veths (102-109) and one nobody owns (150). */
export const DCOS_IFINDEX_POOL = [2, 102, 103, 104, 105, 106, 107, 108, 109, 150] as const;

export interface TopoSpec {
  agents: number;
  /** Agent index of each container (the first is always on a0). */
  containers: number[];
  vips: { named: boolean; udp: boolean; backends: number[]; weights: boolean[] }[];
  unreachable: boolean[];
  smallMtu: boolean;
}

export const topoArb: fc.Arbitrary<TopoSpec> = fc
  .record({
    agents: fc.integer({ min: 2, max: 4 }),
    containers: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 5 }),
    vips: fc.array(
      fc.record({
        named: fc.boolean(),
        udp: fc.boolean(),
        backends: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
        weights: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      }),
      { minLength: 0, maxLength: 2 },
    ),
    unreachable: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    smallMtu: fc.boolean(),
  })
  .map((t) => ({ ...t, containers: [0, ...t.containers.map((a) => a % t.agents)] }));

/** The cluster a spec describes; a0 is the agent under test. */
export function buildTopo(t: TopoSpec): DcosControlPlane {
  const cp = new DcosControlPlane();
  for (let i = 0; i < t.agents; i++) cp.addAgent({ name: `a${i}`, ip: `10.0.0.${i + 1}`, mtu: i === 0 && t.smallMtu ? 150 : 1500 });
  t.containers.forEach((a, i) => cp.addContainer({ name: `c${i}`, agent: `a${a}` }));
  t.vips.forEach((v, i) => {
    const backends = v.backends.filter((b) => b < t.containers.length).map((b) => ({ container: `c${b}`, port: v.udp ? 5353 : 8080 }));
    cp.addVip({ name: `v${i}`, vip: v.named ? `svc${i}:80` : `11.0.9.${i + 1}:80`, protocol: v.udp ? 'udp' : 'tcp', backends });
    backends.forEach((b, j) => {
      if (!v.weights[j]) cp.setBackendWeight(`v${i}`, b.container, 0);
    });
  });
  t.unreachable.forEach((u, i) => {
    if (u && i < t.agents && i > 0) cp.setAgentReachable(`a${i}`, false);
  });
  return cp;
}

/** A damage to a frame: cut it, flip a byte, or leave it. */
export type Damage = { kind: 'none' } | { kind: 'cut'; at: number } | { kind: 'flip'; at: number; xor: number };
export const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Damage>({ kind: 'none' }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat(120) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(120), xor: fc.integer({ min: 1, max: 255 }) }) },
);

export function damage(f: Uint8Array, d: Damage): Uint8Array {
  if (d.kind === 'cut') return f.slice(0, Math.max(14, Math.min(f.length, 14 + d.at)));
  if (d.kind === 'flip') {
    const g = f.slice();
    g[d.at % g.length] ^= d.xor;
    return g;
  }
  return f;
}

/** One packet a container of a0 (or a lying ifindex) sends. */
export interface EgressPkt {
  from: number;
  lyingIfindex: boolean;
  spoofMac: boolean;
  spoofIp: boolean;
  kind: 'icmp' | 'udp' | 'tcp' | 'arp' | 'ipv6' | 'vlan';
  /** 0 local container, 1 remote container, 2 VIP, 3 gateway, 4 remote agent IP, 5 overlay unknown, 6 outside, 7 a masquerade reply, 8 a remote VTEP. */
  dst: number;
  pick: number;
  sport: number;
  dport: number;
  flags: number;
  big: boolean;
  ttl: number;
  damage: Damage;
}

/** Mostly 64; 1 and 2 around the routed hops' TTL check. */
const ttlArb = fc.oneof({ weight: 8, arbitrary: fc.constant(64) }, { weight: 2, arbitrary: fc.constantFrom(0, 1, 2) });

const TCP_FLAGS = [0x02, 0x12, 0x10, 0x11, 0x04, 0x18, 0x14, 0x00] as const;
export const egressPktArb: fc.Arbitrary<EgressPkt> = fc.record({
  from: fc.nat(5),
  lyingIfindex: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  spoofMac: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  spoofIp: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  kind: fc.oneof(
    { weight: 3, arbitrary: fc.constant('tcp' as const) },
    { weight: 3, arbitrary: fc.constant('udp' as const) },
    { weight: 2, arbitrary: fc.constant('icmp' as const) },
    { weight: 1, arbitrary: fc.constantFrom('arp' as const, 'ipv6' as const, 'vlan' as const) },
  ),
  dst: fc.nat(8),
  pick: fc.nat(7),
  sport: fc.constantFrom(5000, 5001, 5002, 8080, 5353),
  dport: fc.constantFrom(80, 8080, 5353, 5000, 5001),
  flags: fc.constantFrom(...TCP_FLAGS),
  big: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  ttl: ttlArb,
  damage: damageArb,
});

function l4(b: ReturnType<typeof ether>, kind: string, sport: number, dport: number, flags: number, payload: Uint8Array): Uint8Array {
  if (kind === 'tcp') return b.tcp({ sport, dport, flags, seq: 1 }).payload(payload).build();
  if (kind === 'udp') return b.udp({ sport, dport }).payload(payload).build();
  return b.icmpEcho({ id: sport, seq: dport }).payload(payload).build();
}

/** The frame and ingress ifindex of an egress packet on a0 of `cp`. */
export function egressFrame(cp: DcosControlPlane, p: EgressPkt): { frame: Uint8Array; ifindex: number } {
  const a0 = cp.agent('a0');
  const locals = cp.containers().filter((c) => c.agent === a0);
  const c = locals[p.from % locals.length];
  const remote = cp.containers().filter((x) => x.agent !== a0);
  const others = cp.agents().filter((a) => a !== a0);
  const vips = cp.vips();
  const gw = macToString(a0.state.maps.cfg.bridge_mac);
  let dst: number;
  let dport = p.dport;
  let sport = p.sport;
  let src = c.ip;
  switch (p.dst) {
    case 0:
      dst = locals[p.pick % locals.length].ip;
      break;
    case 1:
      dst = remote.length > 0 ? remote[p.pick % remote.length].ip : (a0.gateway + 50) >>> 0;
      break;
    case 2: {
      const v = vips.length > 0 ? vips[p.pick % vips.length] : undefined;
      dst = v?.address ?? 0x0b000909;
      dport = v?.port ?? 80;
      break;
    }
    case 3:
      dst = a0.gateway;
      break;
    case 4:
      dst = others[p.pick % others.length].ip;
      break;
    case 5:
      dst = (0x09000000 + 0x100 * (20 + p.pick) + 7) >>> 0;
      break;
    case 6:
      dst = (0x08080800 + p.pick) >>> 0;
      break;
    case 8:
      dst = others[p.pick % others.length].vtepIp;
      break;
    default:
      // A backend on a0 answering a masqueraded client: to the gateway, from its service port.
      dst = a0.gateway;
      sport = p.kind === 'udp' ? 5353 : 8080;
      dport = [5000, 5001, 5002][p.pick % 3];
  }
  if (p.spoofIp) src = (src + 1) >>> 0;
  const smac = p.spoofMac ? '02:00:00:00:00:99' : macToString(c.mac);
  const payload = new Uint8Array(p.big ? 200 : 6).fill(0x5a);
  let frame: Uint8Array;
  if (p.kind === 'arp') {
    frame = ether({ src: smac, dst: 'ff:ff:ff:ff:ff:ff' }).arp({ op: 'request', sha: smac, spa: src, tpa: dst }).build();
  } else if (p.kind === 'ipv6') {
    frame = ether({ src: smac, dst: gw, type: 0x86dd }).payload(payload).build();
  } else {
    const base = ether({ src: smac, dst: gw, ...(p.kind === 'vlan' ? { vlan: { vid: 5 } } : {}) }).ipv4({ src, dst, ttl: p.ttl });
    frame = l4(base, p.kind === 'vlan' ? 'udp' : p.kind, sport, dport, p.flags, payload);
  }
  return { frame: damage(frame, p.damage), ifindex: p.lyingIfindex ? 150 : c.ifindex };
}

/** One frame arriving on a0's underlay NIC. */
export interface IngressPkt {
  vxlan: boolean;
  toOther: boolean;
  port: number;
  flags: number;
  vni: number;
  innerDstMac: boolean;
  innerIpv6: boolean;
  /** 0 a local container, 1 the agent, 2 the gateway, 3 unknown, 4 the agent's VTEP; src: a remote container. */
  dst: number;
  pick: number;
  kind: 'icmp' | 'udp' | 'tcp';
  sport: number;
  dport: number;
  flags4: number;
  ttl: number;
  outerKind: 'udp' | 'tcp' | 'arp' | 'frag';
  damage: Damage;
}

export const ingressPktArb: fc.Arbitrary<IngressPkt> = fc.record({
  vxlan: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  toOther: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  port: fc.oneof({ weight: 9, arbitrary: fc.constant(DCOS.VXLAN_PORT) }, { weight: 1, arbitrary: fc.constantFrom(4789, 6081, 53) }),
  flags: fc.oneof({ weight: 9, arbitrary: fc.constant(0x08) }, { weight: 1, arbitrary: fc.constantFrom(0x00, 0x0c, 0x80) }),
  vni: fc.oneof({ weight: 9, arbitrary: fc.constant(DCOS.VNI) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 1025) }),
  innerDstMac: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  innerIpv6: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  dst: fc.nat(4),
  pick: fc.nat(7),
  kind: fc.constantFrom('icmp' as const, 'udp' as const, 'tcp' as const),
  sport: fc.constantFrom(8080, 5353, 5000),
  dport: fc.constantFrom(5000, 5001, 5002, 80),
  flags4: fc.constantFrom(...TCP_FLAGS),
  ttl: ttlArb,
  outerKind: fc.oneof(
    { weight: 19, arbitrary: fc.constant('udp' as const) },
    { weight: 1, arbitrary: fc.constantFrom('tcp' as const, 'arp' as const, 'frag' as const) },
  ),
  damage: damageArb,
});

/** The frame a remote agent's dcos_egress would send to a0 (or damaged, or not VXLAN at all). */
export function ingressFrame(cp: DcosControlPlane, p: IngressPkt): Uint8Array {
  const a0 = cp.agent('a0');
  const others = cp.agents().filter((a) => a !== a0);
  const peer = others[p.pick % others.length];
  const locals = cp.containers().filter((c) => c.agent === a0);
  const remote = cp.containers().filter((c) => c.agent !== a0);
  const src = remote.length > 0 ? remote[p.pick % remote.length].ip : (peer.gateway + 9) >>> 0;
  const dst = [locals[p.pick % locals.length].ip, a0.ip, a0.gateway, (a0.gateway + 77) >>> 0, a0.vtepIp][p.dst];
  const innerBase = ether({ src: macToString(peer.vtepMac), dst: p.innerDstMac ? macToString(a0.vtepMac) : '02:11:22:33:44:55' });
  const payload = new Uint8Array(8).fill(0x33);
  const inner = p.innerIpv6
    ? ether({ src: macToString(peer.vtepMac), dst: macToString(a0.vtepMac), type: 0x86dd })
        .payload(payload)
        .build()
    : l4(innerBase.ipv4({ src, dst, ttl: p.ttl }), p.kind, p.sport, p.dport, p.flags4, payload);
  const outer = ether({ src: macToString(peer.mac), dst: macToString(a0.mac) });
  const outerDst = p.toOther ? peer.ip : a0.ip;
  let frame: Uint8Array;
  if (p.outerKind === 'arp') frame = outer.arp({ op: 'request', sha: macToString(peer.mac), spa: peer.ip, tpa: a0.ip }).build();
  else if (p.outerKind === 'tcp')
    frame = outer.ipv4({ src: peer.ip, dst: outerDst }).tcp({ sport: 1, dport: DCOS.VXLAN_PORT }).payload(inner).build();
  else {
    const ip = outer.ipv4({ src: peer.ip, dst: outerDst, df: true, ...(p.outerKind === 'frag' ? { mf: true } : {}) });
    const udp = ip.udp({ sport: 49999, dport: p.vxlan ? p.port : 53, checksum: 0 });
    frame = (p.vxlan ? udp.payload(vxlanHeaderBytes(p.vni, p.flags)) : udp).payload(inner).build();
  }
  return damage(frame, p.damage);
}

/** Whether the two runs agree on everything runDiffs compares but the learnt maps, without building text (the hot path). */
export function runsAgree(m: DcosRunResult, k: DcosKernelRun): boolean {
  if (m.action !== k.action || m.reason !== k.reason || m.target !== k.target || m.learnt !== k.learnt || m.nPoints !== k.nPoints)
    return false;
  if (k.recordAction !== k.retval && k.action !== 'REDIRECT') return false;
  if (m.points.length !== k.points.length) return false;
  for (let i = 0; i < m.points.length; i++) if (m.points[i] !== k.points[i]) return false;
  if (m.output === null) return true;
  if (m.output.length !== k.output.length) return false;
  for (let i = 0; i < m.output.length; i++) if (m.output[i] !== k.output[i]) return false;
  return true;
}

/** Every difference between the model's and the kernel's run, one line each. */
export function runDiffs(m: DcosRunResult, k: DcosKernelRun, mLearnt: string[][], kLearnt: string[][]): string[] {
  const out: string[] = [];
  if (m.action !== k.action) out.push(`action: model ${m.action}, kernel ${k.action}`);
  if (k.recordAction !== k.retval && k.action !== 'REDIRECT') out.push(`kernel record action ${k.recordAction} != retval ${k.retval}`);
  if (m.reason !== k.reason) out.push(`reason: model ${reasonName(m.reason)}, kernel ${reasonName(k.reason)}`);
  if (m.target !== k.target) out.push(`target: model ${m.target}, kernel ${k.target}`);
  if (m.points.join(',') !== k.points.join(',') || m.nPoints !== k.nPoints)
    out.push(`points: model ${m.points.map(pointName).join(' ')}, kernel ${k.points.map(pointName).join(' ')}`);
  if (m.learnt !== k.learnt) out.push(`learnt writes: model ${m.learnt}, kernel ${k.learnt}`);
  if (m.output !== null && toHex(m.output) !== toHex(k.output))
    out.push(`output:\n  model  ${toHex(m.output)}\n  kernel ${toHex(k.output)}`);
  const names = ['dcos_flow', 'dcos_nat', 'dcos_conns'];
  names.forEach((n, i) => {
    if (mLearnt[i].join(' ') !== kLearnt[i].join(' '))
      out.push(`${n}:\n  model  ${mLearnt[i].join(' ')}\n  kernel ${kLearnt[i].join(' ')}`);
  });
  return out;
}
