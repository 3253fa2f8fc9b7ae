// The first profile: the Mizar-style overlay of docs/dataplane.md (Geneve, a VNI per VPC,
// bouncers, dividers, services at the bouncers). A scenario is its native language, so it
// maps one to one; flows are played on the model's cluster (model/cluster), and every
// control-plane operation is measured by the control plane's own write counter.
import { Cluster, type Path } from '../../model/cluster/cluster.ts';
import { icmpEcho, resolve, tcpFrame, udpFrame } from '../../model/cluster/frames.ts';
import { ControlPlane } from '../../model/control/plane.ts';
import type { WriteCounter } from '../../model/control/writes.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import type { Ipv4 } from '../../model/wire/addr.ts';
import { createEndpoint, createService, createVpc } from '../run/apply.ts';
import type { Scenario } from '../scenario/types.ts';
import { podsOf } from './scenario-parts.ts';
import {
  type CompareFlow,
  type FlowFigures,
  type PacketFigures,
  type Profile,
  type ProfileCluster,
  type ScalePoint,
  type WriteFigures,
  playFlow,
} from './profile.ts';

const figures = (w: WriteCounter): WriteFigures => ({ writes: w.total, hosts: w.hosts });

/**
 * What one walked path cost: underlay frames, program runs, hosts, and the encapsulation on
 * the wire — the largest frame a transit program took in (every one came off the underlay or
 * was tail-called with its outer headers on) less the frame the pod sent.
 */
export function mizarPacket(p: Path, sent: Uint8Array): PacketFigures {
  let overhead = 0;
  for (const h of p.hops) if (h.program === 'transit') overhead = Math.max(overhead, h.frameIn.length - sent.length);
  const o = p.outcome;
  return {
    delivered: o.kind === 'delivered',
    to: o.kind === 'delivered' ? o.pod : null,
    outcome: o.kind === 'dropped' ? `dropped: ${reasonName(o.reason)}` : o.kind === 'delivered' ? `delivered to ${o.pod}` : o.kind,
    underlayHops: p.underlayCrossings,
    programRuns: p.hops.length,
    hostsTouched: new Set(p.hops.map((h) => h.host)).size,
    overheadBytes: overhead,
  };
}

class MizarCluster implements ProfileCluster {
  readonly profile = 'mizar' as const;
  readonly notes: string[] = [];
  readonly hostWrites: WriteFigures[] = [];
  readonly podWrites: WriteFigures[] = [];
  readonly serviceWrites: WriteFigures[] = [];
  private readonly cp: ControlPlane;

  constructor(private readonly s: Scenario) {
    this.cp = new ControlPlane(s.optionClass);
    for (const h of s.hosts)
      this.hostWrites.push(figures(this.cp.measure(() => this.cp.createHost({ name: h.name, ip: h.ip, mac: h.mac, mtu: h.mtu }))));
    for (const v of s.vpcs) this.cp.measure(() => createVpc(this.cp, v));
    // Services before the provisioned pods: a service's backends are pods created up front.
    for (const e of s.endpoints) this.podWrites.push(figures(this.cp.measure(() => createEndpoint(this.cp, e))));
    for (const svc of s.services) this.serviceWrites.push(figures(this.cp.measure(() => createService(this.cp, svc))));
    for (const e of podsOf(s).slice(s.endpoints.length)) this.podWrites.push(figures(this.cp.measure(() => createEndpoint(this.cp, e))));
    this.notes.push(`${s.vpcs.length} VPCs, each its own VNI: the scenario as written.`);
  }

  hosts(): string[] {
    return this.s.hosts.map((h) => h.name);
  }
  pods(): string[] {
    return podsOf(this.s).map((e) => e.name);
  }
  tenantOf(pod: string): string {
    return this.cp.endpoint(pod).network.vpc.name;
  }
  stateEntries(host: string): number {
    let n = 0;
    for (const [, m] of this.cp.host(host).state.presentMaps()) n += m.size;
    return n;
  }

  /** A fresh cluster for each flow: learnt state of another flow must not shorten this one's first packet. */
  private fresh(): Cluster {
    const f = new MizarCluster(this.s);
    return new Cluster(f.cp);
  }

  private destination(cl: Cluster, f: CompareFlow): { ip: Ipv4; port: number } {
    if (f.to.kind === 'pod') return { ip: cl.cp.endpoint(f.to.name).ip, port: f.port };
    return { ip: cl.cp.service(f.to.name).vip, port: f.port };
  }

  private frame(cl: Cluster, f: CompareFlow, dst: Ipv4, port: number, n: number): Uint8Array {
    if (f.proto === 'icmp') return icmpEcho(cl, f.from, dst, { seq: n });
    if (f.proto === 'udp') return udpFrame(cl, f.from, dst, { sport: 40000, dport: port });
    return tcpFrame(cl, f.from, dst, { sport: 40000, dport: port, flags: n === 1 ? 'S' : 'A', seq: n });
  }

  flow(f: CompareFlow): FlowFigures {
    const cl = this.fresh();
    const { ip, port } = this.destination(cl, f);
    const arp = resolve(cl, f.from, ip);
    const a = mizarPacket(arp, arp.hops[0].frameIn);
    return playFlow(f, a, (n) => {
      const frame = this.frame(cl, f, ip, port, n);
      return mizarPacket(cl.send(f.from, frame), frame);
    });
  }

  probe(from: string, to: string): { delivered: boolean; to: string | null } {
    const cl = this.fresh();
    const ip = cl.cp.endpoint(to).ip;
    resolve(cl, from, ip);
    if (!cl.stack(from).arp.size) return { delivered: false, to: null };
    const p = cl.send(from, icmpEcho(cl, from, ip));
    return { delivered: p.outcome.kind === 'delivered', to: p.outcome.kind === 'delivered' ? p.outcome.pod : null };
  }
}

/** Bouncers per subnet and pods per subnet of the scale clusters (a /18 keeps every bouncer under its 16,384 endpoints). */
const SCALE_BOUNCERS = 2;
const SCALE_PER_SUBNET = 10_000;

function scale(hosts: number, o: { podsPerHost: number; backends: number }): ScalePoint {
  const cp = new ControlPlane();
  for (let i = 0; i < hosts; i++) cp.createHost({ name: `h${i}`, ip: (0x64000000 + i + 1) >>> 0 });
  cp.createVpc({ name: 'v', vni: 1, cidr: '10.0.0.0/8' });
  const pods = hosts * o.podsPerHost;
  const subnets = Math.max(1, Math.ceil((pods + o.backends + 1) / SCALE_PER_SUBNET));
  for (let s = 0; s < subnets; s++) {
    const bouncers = Array.from({ length: SCALE_BOUNCERS }, (_, k) => `h${(s * SCALE_BOUNCERS + k) % hosts}`);
    cp.createNetwork({
      name: `n${s}`,
      vpc: 'v',
      cidr: { network: (0x0a000000 + s * (1 << 14)) >>> 0, prefixLen: 18 },
      bouncers: [...new Set(bouncers)],
    });
  }
  let next = 0;
  const place = (host: number): string => {
    const j = next++;
    const s = j % subnets;
    const ip = (0x0a000000 + s * (1 << 14) + 2 + Math.floor(j / subnets)) >>> 0;
    cp.createEndpoint({ name: `e${j}`, network: `n${s}`, ip, host: `h${host}` });
    return `e${j}`;
  };
  for (let h = 0; h < hosts; h++) for (let k = 0; k < o.podsPerHost; k++) place(h);
  const backends = Array.from({ length: o.backends }, (_, k) => place(k % hosts));
  cp.createService({ name: 's', vpc: 'v', vip: '10.255.255.1', ports: [{ port: 80, protocol: 'tcp' }], backends: backends.slice(0, -1) });
  // A typical host: the last one (bouncers are the first hosts, and it holds no backend unless every host does).
  const typical = cp.host(`h${hosts - 1}`);
  let entries = 0;
  for (const [, m] of typical.state.presentMaps()) entries += m.size;
  const hostJoin = figures(cp.measure(() => cp.createHost({ name: 'joining', ip: (0x64000000 + hosts + 1) >>> 0 })));
  const podCreate = figures(cp.measure(() => place(hosts - 1)));
  const last = backends[backends.length - 1];
  const backendAdd = figures(cp.measure(() => cp.addBackend('s', last)));
  return { hosts, hostJoin, podCreate, backendAdd, stateEntriesPerHost: entries, measured: true, how: 'built and counted' };
}

export const MIZAR: Profile = {
  name: 'mizar',
  title: 'Mizar-style overlay (Geneve, VNI per VPC, bouncers and dividers, XDP services)',
  spec: 'docs/dataplane.md',
  bpfObject: 'build/bpf/dataplane.o',
  programs: [
    { name: 'agent', attach: "each pod's host-side veth" },
    { name: 'transit', attach: "the host's underlay NIC" },
  ],
  encapsulation: { kind: 'geneve', udpPort: 6081, baseOverhead: 50, vni: 'one VNI per VPC' },
  tenancy: 'a VNI per VPC: no frame, learnt entry or service rewrite crosses VNIs',
  maxMeasuredHosts: 100_000,
  build: (s) => new MizarCluster(s),
  scale,
};
