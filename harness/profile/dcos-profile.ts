// The second profile: DC/OS container networking (docs/dcos.md) — a VXLAN overlay with one
// VNI, a /24 per agent routed through per-remote-agent entries, and a Minuteman-style L4
// load balancer on every agent. A mizar scenario is mapped onto it as docs/profiles.md says:
// hosts become agents, pods containers on the same host (addressed by DC/OS's own IPAM),
// services named VIPs; VPCs have no counterpart, and the notes and the isolation probes say so.
import { DcosControlPlane } from '../../model/dcos/dcos-control.ts';
import { DCOS } from '../../model/dcos/dcos-consts.ts';
import { type DcosHop, type DcosOutcome, walkDcos } from '../../model/dcos/dcos-walk.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import { type Ipv4, MAC_BROADCAST, ipv4ToString } from '../../model/wire/addr.ts';
import { ether } from '../../model/wire/builder.ts';
import type { DcosWriteCounter } from '../../model/dcos/dcos-writes.ts';
import type { Scenario } from '../scenario/types.ts';
import {
  type CompareFlow,
  type FlowFigures,
  type PacketFigures,
  type Profile,
  type ProfileCluster,
  ProfileError,
  type ScalePoint,
  type WriteFigures,
  playFlow,
} from './profile.ts';
import { podsOf } from './scenario-parts.ts';

/**
 * Writes and hosts touched by `fn`, from the counter's totals before and after. The counter
 * settles an agent's share of overlay writes lazily (model/dcos/dcos-writes.ts): settled on
 * both sides, so the hosts a join reached are counted.
 */
function measure(w: DcosWriteCounter, fn: () => void): WriteFigures {
  w.settle();
  const total = w.total;
  const before = new Map(w.byHost);
  fn();
  w.settle();
  let hosts = 0;
  for (const [h, n] of w.byHost) if (before.get(h) !== n) hosts++;
  return { writes: w.total - total, hosts };
}

/** The control plane's refusals, as the scenario's problem. */
function attempt<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProfileError) throw e;
    throw new ProfileError(`dcos cannot build ${what}: ${(e as Error).message}`);
  }
}

export function dcosPacket(p: { hops: DcosHop[]; outcome: DcosOutcome }, sent: Uint8Array): PacketFigures {
  let overhead = 0;
  for (const h of p.hops) if (h.program === 'dcos_ingress') overhead = Math.max(overhead, h.frameIn.length - sent.length);
  const o = p.outcome;
  return {
    delivered: o.kind === 'delivered',
    to: o.kind === 'delivered' ? o.container : null,
    outcome:
      o.kind === 'dropped'
        ? `dropped: ${reasonName(o.reason)}`
        : o.kind === 'delivered'
          ? `delivered to ${o.container}`
          : o.kind === 'passed'
            ? `passed to ${o.agent}'s stack: ${reasonName(p.hops[p.hops.length - 1].reason)}`
            : o.kind,
    underlayHops: p.hops.filter((h) => h.program === 'dcos_ingress').length,
    programRuns: p.hops.length,
    hostsTouched: new Set(p.hops.map((h) => h.agent)).size,
    overheadBytes: overhead,
  };
}

/** A named VIP's label: the service name made a DNS label, and its port when it has several. */
function vipLabel(service: string, port: number, ports: number): string {
  const base =
    service
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'svc';
  return ports > 1 ? `${base}-${port}` : base;
}

class DcosCluster implements ProfileCluster {
  readonly profile = 'dcos' as const;
  readonly notes: string[] = [];
  readonly hostWrites: WriteFigures[] = [];
  readonly podWrites: WriteFigures[] = [];
  readonly serviceWrites: WriteFigures[] = [];
  readonly cp = new DcosControlPlane();
  private readonly tenants = new Map<string, string>();

  constructor(private readonly s: Scenario) {
    const cp = this.cp;
    for (const h of s.hosts)
      this.hostWrites.push(
        attempt(`host ${h.name}`, () => measure(cp.writes, () => cp.addAgent({ name: h.name, ip: h.ip, mac: h.mac, mtu: h.mtu }))),
      );
    const pods = podsOf(s);
    const addPod = (e: (typeof pods)[number]): void => {
      this.podWrites.push(attempt(`pod ${e.name}`, () => measure(cp.writes, () => cp.addContainer({ name: e.name, agent: e.host.name }))));
      this.tenants.set(e.name, e.vpc.name);
    };
    // Services before the provisioned pods, as on mizar: their backends are pods created up front.
    for (const e of s.endpoints) addPod(e);
    for (const svc of s.services) {
      let w: WriteFigures = { writes: 0, hosts: 0 };
      for (const p of svc.ports) {
        const label = vipLabel(svc.name, p.port, svc.ports.length);
        const name = `${svc.name}:${p.port}`;
        const one = attempt(`service ${svc.name}`, () =>
          measure(cp.writes, () =>
            cp.addVip({
              name,
              vip: `${label}:${p.port}`,
              protocol: p.protocol,
              backends: svc.backends.map((b) => ({ container: b.name, port: p.targetPort })),
            }),
          ),
        );
        w = { writes: w.writes + one.writes, hosts: Math.max(w.hosts, one.hosts) };
      }
      this.serviceWrites.push(w);
    }
    for (const e of pods.slice(s.endpoints.length)) addPod(e);
    const vpcs = new Set(pods.map((e) => e.vpc.name));
    this.notes.push(
      `hosts are agents (a /24 of ${ipv4ToString(cp.agents()[0]?.subnet.network ?? 0)}/8 each, in file order); pods are containers on the same host, addressed by DC/OS's IPAM (the scenario's addresses are not kept).`,
    );
    if (s.services.length > 0) this.notes.push('services are named VIPs (<service>:<port> in 11.0.0.0/8), programmed on every agent.');
    if (vpcs.size > 1)
      this.notes.push(
        `${vpcs.size} VPCs share one overlay and one VNI (${DCOS.VNI}): DC/OS has no tenancy, subnets are told apart by routing only.`,
      );
  }

  hosts(): string[] {
    return this.s.hosts.map((h) => h.name);
  }
  pods(): string[] {
    return podsOf(this.s).map((e) => e.name);
  }
  tenantOf(pod: string): string {
    return this.tenants.get(pod) ?? '';
  }
  stateEntries(host: string): number {
    return this.cp.stateEntries(host);
  }

  /** Frames a container sends: to its agent's bridge, whatever the destination (its default route). */
  private frame(cp: DcosControlPlane, f: { from: string; proto: CompareFlow['proto'] }, dst: Ipv4, port: number, n: number): Uint8Array {
    const c = cp.container(f.from);
    const e = ether({ src: c.mac, dst: c.agent.state.maps.cfg.bridge_mac }).ipv4({ src: c.ip, dst, ttl: 64 });
    if (f.proto === 'icmp') return e.icmpEcho({ type: 'request', id: 1, seq: n }).payload('twinplane').build();
    if (f.proto === 'udp') return e.udp({ sport: 40000, dport: port }).payload('twinplane').build();
    return e
      .tcp({ sport: 40000, dport: port, flags: n === 1 ? 'S' : 'A', seq: n, ack: 0 })
      .payload('twinplane')
      .build();
  }

  flow(f: CompareFlow): FlowFigures {
    const fresh = new DcosCluster(this.s);
    const cp = fresh.cp;
    const dst =
      f.to.kind === 'pod'
        ? { ip: cp.container(f.to.name).ip, port: f.port }
        : { ip: cp.vip(`${f.to.name}:${f.port}`).address, port: f.port };
    // The container's ARP for its gateway: the agent's bridge answers it (dcos_egress passes ARP to the host).
    const c = cp.container(f.from);
    const arp = ether({ src: c.mac, dst: MAC_BROADCAST }).arp({ op: 'request', sha: c.mac, spa: c.ip, tpa: c.agent.gateway }).build();
    const a = dcosPacket(walkDcos(cp, f.from, arp), arp);
    return playFlow(f, a, (n) => {
      const frame = this.frame(cp, f, dst.ip, dst.port, n);
      return dcosPacket(walkDcos(cp, f.from, frame), frame);
    });
  }

  probe(from: string, to: string): { delivered: boolean; to: string | null } {
    const fresh = new DcosCluster(this.s);
    const f = this.frame(fresh.cp, { from, proto: 'icmp' }, fresh.cp.container(to).ip, 0, 1);
    const p = walkDcos(fresh.cp, from, f);
    return { delivered: p.outcome.kind === 'delivered', to: p.outcome.kind === 'delivered' ? p.outcome.container : null };
  }
}

/** Address pools wide enough for a million agents: DC/OS's own hold 4,094 (its VTEP pool /20). */
const WIDE_POOLS = { overlay: '8.0.0.0/7', vtepPool: '44.0.0.0/8' };

function scale(hosts: number, o: { podsPerHost: number; backends: number }): ScalePoint {
  // Past DC/OS's limit the pools are widened, so the rules a real cluster follows are counted, not extrapolated.
  const wide = hosts + 1 > DCOS_HOST_LIMIT;
  const cp = new DcosControlPlane(wide ? WIDE_POOLS : {});
  for (let i = 0; i < hosts; i++) cp.addAgent({ name: `h${i}`, ip: (0x64000000 + i + 1) >>> 0 });
  let next = 0;
  const place = (host: number): string => cp.addContainer({ name: `e${next++}`, agent: `h${host}` }).name;
  for (let h = 0; h < hosts; h++) for (let k = 0; k < o.podsPerHost; k++) place(h);
  const backends = Array.from({ length: o.backends }, (_, k) => place(k % hosts));
  cp.addVip({ name: 's', vip: 'svc:80', protocol: 'tcp', backends: backends.slice(0, -1).map((c) => ({ container: c, port: 8080 })) });
  const entries = cp.stateEntries(`h${hosts - 1}`);
  const hostJoin = measure(cp.writes, () => cp.addAgent({ name: 'joining', ip: (0x64000000 + hosts + 1) >>> 0 }));
  const podCreate = measure(cp.writes, () => place(hosts - 1));
  const backendAdd = measure(cp.writes, () => cp.addBackend('s', { container: backends[backends.length - 1], port: 8080 }));
  const how = wide
    ? `built and counted with the pools widened (overlay ${WIDE_POOLS.overlay}, VTEPs ${WIDE_POOLS.vtepPool})`
    : 'built and counted';
  return { hosts, hostJoin, podCreate, backendAdd, stateEntriesPerHost: entries, measured: true, how };
}

const DCOS_HOST_LIMIT = 4_094;

export const DCOS_PROFILE: Profile = {
  name: 'dcos',
  title: 'DC/OS container networking (VXLAN VNI 1024, per-agent /24 routes, Minuteman-style L4 load balancer)',
  spec: 'docs/dcos.md',
  bpfObject: 'build/bpf/dcos.o',
  programs: [
    { name: 'dcos_egress', attach: "each container's host-side veth" },
    { name: 'dcos_ingress', attach: "the agent's underlay NIC" },
  ],
  encapsulation: { kind: 'vxlan', udpPort: DCOS.VXLAN_PORT, baseOverhead: DCOS.ENCAP_LEN, vni: `one VNI (${DCOS.VNI}) for everything` },
  tenancy: 'none: one VNI, one address space; networks are told apart by routing only',
  // The control plane counts a join's overlay writes without visiting every agent, so even
  // 100,000 agents build in seconds; past 4,094 with widened pools, and marked as past the limit.
  maxMeasuredHosts: 1_000_000,
  hostLimit: { hosts: DCOS_HOST_LIMIT, why: 'the VTEP pool 44.128.0.0/20 holds 4,094 addresses' },
  build: (s) => new DcosCluster(s),
  scale,
};
