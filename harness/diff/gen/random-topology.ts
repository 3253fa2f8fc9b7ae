// Random topologies as plain, shrinkable data (fast-check), built through the model's own
// control plane, so the host states under test are the ones production would write.
// Everything is small on purpose: a few hosts, VPCs that share one CIDR (tenant isolation
// is by VNI), subnets with 0-2 bouncers, a service or two, then control-plane operations
// (delete, move, backend removal) and learnt entries seeded the way the data plane learns.
import fc from 'fast-check';
import { ControlPlane, type Endpoint, type Host, type Service } from '../../../model/control/plane.ts';
import { type HostState, flowKey } from '../../../model/dataplane/state.ts';

export interface TopoSpec {
  hosts: Array<{ mtu: number }>;
  vpcs: Array<{ vni: number; dividers: number[] }>;
  nets: Array<{ vpc: number; bouncers: number[] }>;
  eps: Array<{ net: number; host: number }>;
  svcs: Array<{ vpc: number; backends: number[]; targetPort: number }>;
  ops: Array<{ op: 'delete' | 'move' | 'removeBackend'; ep: number; host: number; svc: number }>;
  seeds: Array<{ kind: 'ep_cache' | 'flow'; host: number; a: number; b: number; c: number }>;
}

export const MAX_HOSTS = 4;
/** Ports traffic uses: few, so seeded flows and service ports are hit often. */
export const SPORTS = [1234, 40000] as const;
export const SVC_PORTS = [
  { port: 80, protocol: 'tcp' as const },
  { port: 53, protocol: 'udp' as const },
];
export const OTHER_PORTS = [7, 8080] as const;
/** Ingress ifindexes any case may use: underlay 2, veths from 100, and spares. */
export const IFINDEX_POOL = [2, 3, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110] as const;

const idx = (n: number): fc.Arbitrary<number> => fc.nat({ max: n - 1 });
const subset = (n: number, max: number): fc.Arbitrary<number[]> => fc.uniqueArray(idx(n), { maxLength: max });

export function topoSpec(): fc.Arbitrary<TopoSpec> {
  return fc
    .record({
      nHosts: fc.integer({ min: 1, max: MAX_HOSTS }),
      vnis: fc.uniqueArray(fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 0xffffff })), {
        minLength: 1,
        maxLength: 2,
      }),
    })
    .chain(({ nHosts, vnis }) =>
      fc.record({
        hosts: fc.array(fc.record({ mtu: fc.constantFrom(0, 0, 1500, 200) }), { minLength: nHosts, maxLength: nHosts }),
        vpcs: fc.tuple(...vnis.map((vni) => fc.record({ vni: fc.constant(vni), dividers: subset(nHosts, 2) }))),
        nets: fc.array(
          fc.record({
            vpc: idx(vnis.length),
            bouncers: fc.oneof(
              { weight: 6, arbitrary: fc.uniqueArray(idx(nHosts), { minLength: 1, maxLength: 2 }) },
              { weight: 1, arbitrary: fc.constant<number[]>([]) },
            ),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        eps: fc.array(fc.record({ net: fc.nat(), host: idx(nHosts) }), { minLength: 1, maxLength: 7 }),
        svcs: fc.array(
          fc.record({
            vpc: idx(vnis.length),
            backends: fc.uniqueArray(fc.nat({ max: 6 }), { maxLength: 3 }),
            targetPort: fc.constantFrom(0, 8080),
          }),
          { maxLength: 2 },
        ),
        ops: fc.array(
          fc.record({
            op: fc.constantFrom('delete' as const, 'move' as const, 'removeBackend' as const),
            ep: fc.nat({ max: 6 }),
            host: idx(nHosts),
            svc: fc.nat({ max: 1 }),
          }),
          { maxLength: 2 },
        ),
        seeds: fc.array(
          fc.record({
            kind: fc.constantFrom('ep_cache' as const, 'flow' as const),
            host: idx(nHosts),
            a: fc.nat({ max: 6 }),
            b: fc.nat({ max: 6 }),
            c: fc.nat({ max: 7 }),
          }),
          { maxLength: 3 },
        ),
      }),
    )
    .map((s) => ({ ...s, vpcs: [...s.vpcs] }));
}

export interface Topology {
  spec: TopoSpec;
  cp: ControlPlane;
  hosts: Host[];
  /** Endpoints still alive, in spec order. */
  eps: Endpoint[];
  svcs: Service[];
}

const hostIp = (i: number): string => `192.168.1.${i + 1}`;

/**
 * A fixed topology with every role: 4 hosts (one with an MTU), two VPCs, bouncers, a divider
 * and a service (the diff bench's workload, the per-program stretches' test).
 */
export const EVERY_ROLE: TopoSpec = {
  hosts: [{ mtu: 0 }, { mtu: 0 }, { mtu: 0 }, { mtu: 1500 }],
  vpcs: [
    { vni: 7, dividers: [2] },
    { vni: 8, dividers: [] },
  ],
  nets: [
    { vpc: 0, bouncers: [0] },
    { vpc: 0, bouncers: [1] },
    { vpc: 1, bouncers: [3] },
  ],
  eps: [
    { net: 0, host: 0 },
    { net: 0, host: 1 },
    { net: 1, host: 2 },
    { net: 1, host: 3 },
    { net: 2, host: 0 },
    { net: 0, host: 3 },
  ],
  svcs: [{ vpc: 0, backends: [1, 2], targetPort: 8080 }],
  ops: [],
  seeds: [],
};

/** Builds the spec through the control plane; impossible parts (full VPC, bad backend) are skipped. */
export function buildTopology(spec: TopoSpec): Topology {
  const cp = new ControlPlane();
  const hosts = spec.hosts.map((h, i) => cp.createHost({ name: `h${i}`, ip: hostIp(i), mtu: h.mtu }));
  spec.vpcs.forEach((v, i) => cp.createVpc({ name: `v${i}`, vni: v.vni, cidr: '10.0.0.0/16', dividers: v.dividers.map((d) => `h${d}`) }));
  const perVpc = spec.vpcs.map(() => 0);
  const nets = spec.nets.map((n, i) => {
    const k = perVpc[n.vpc]++;
    return cp.createNetwork({ name: `n${i}`, vpc: `v${n.vpc}`, cidr: `10.0.${k}.0/24`, bouncers: n.bouncers.map((b) => `h${b}`) });
  });
  const perNet = nets.map(() => 0);
  const eps: Endpoint[] = [];
  spec.eps.forEach((e, i) => {
    const net = e.net % nets.length;
    const k = perNet[net]++;
    eps.push(
      cp.createEndpoint({
        name: `e${i}`,
        network: `n${net}`,
        ip: `10.0.${(nets[net].cidr.network >>> 8) & 255}.${10 + k}`,
        host: `h${e.host}`,
      }),
    );
  });
  const svcs: Service[] = [];
  spec.svcs.forEach((s, i) => {
    const backends = s.backends.filter((b) => b < eps.length && eps[b].network.vpc.name === `v${s.vpc}`).map((b) => `e${b}`);
    svcs.push(
      cp.createService({
        name: `s${i}`,
        vpc: `v${s.vpc}`,
        vip: `10.0.250.${1 + i}`,
        ports: SVC_PORTS.map((p) => ({ ...p, targetPort: s.targetPort })),
        backends,
      }),
    );
  });
  const topo: Topology = { spec, cp, hosts, eps, svcs };
  seed(topo);
  for (const o of spec.ops) applyOp(topo, o);
  topo.eps = topo.eps.filter((e) => cp.endpoints.has(e.name));
  return topo;
}

/** One control-plane operation; ignored when it does not apply (the spec is random). */
export function applyOp(t: Topology, o: TopoSpec['ops'][number]): boolean {
  const e = t.eps[o.ep % Math.max(1, t.eps.length)];
  if (e === undefined || !t.cp.endpoints.has(e.name)) return false;
  if (o.op === 'delete') {
    t.cp.deleteEndpoint(e.name);
    return true;
  }
  if (o.op === 'move') {
    const to = t.hosts[o.host % t.hosts.length];
    if (e.host === to) return false;
    t.cp.moveEndpoint(e.name, to.name);
    return true;
  }
  const s = t.svcs[o.svc % Math.max(1, t.svcs.length)];
  if (s === undefined || !s.backends.includes(e)) return false;
  t.cp.removeBackend(s.name, e.name);
  return true;
}

/**
 * Learnt entries as the data plane would have made them (ep_cache locations, possibly stale;
 * service flows), only where the host has the VPC's partition: elsewhere it cannot learn.
 */
function seed(t: Topology): void {
  for (const s of t.spec.seeds) {
    const h = t.hosts[s.host % t.hosts.length];
    const a = t.eps[s.a % t.eps.length];
    if (s.kind === 'ep_cache') {
      // Often the learning host itself: a stale entry that sends a divider's route back to
      // itself, the self-loop only the tail-call bound stops (TAIL_CALL_FAILED).
      const where = s.b % 3 === 0 ? h : t.hosts[s.b % t.hosts.length];
      if (h.state.learnt('ep_cache').partition(a.network.vpc.vni) === undefined) continue;
      h.state.map('ep_cache').set({ vni: a.network.vpc.vni, ip: a.ip }, where.loc);
      continue;
    }
    const svc = t.svcs[s.b % Math.max(1, t.svcs.length)];
    if (svc === undefined) continue;
    const be = svc.backends[s.c % Math.max(1, svc.backends.length)] ?? t.eps[s.c % t.eps.length];
    const p = svc.ports[s.c % svc.ports.length];
    const sport = SPORTS[s.c % SPORTS.length];
    const bport = p.targetPort || p.port;
    const client = a.host.state;
    if (client.learnt('flows').partition(svc.vpc.vni) === undefined) continue;
    seedFlow(client, svc.vpc.vni, a.ip, svc.vip, sport, p.port, p.proto, be, bport, svc.mac);
  }
}

function seedFlow(
  st: HostState,
  vni: number,
  client: number,
  vip: number,
  sport: number,
  vport: number,
  proto: number,
  be: Endpoint,
  bport: number,
  vipMac: Uint8Array,
): void {
  st.map('flows').set(flowKey(vni, client, vip, sport, vport, proto), { daddr: be.ip, dport: bport, dmac: be.mac, host: be.host.loc });
  st.map('rflows').set(flowKey(vni, be.ip, client, bport, sport, proto), {
    saddr: vip,
    sport: vport,
    smac: vipMac,
    daddr: 0,
    dport: 0,
    dmac: ZERO_MAC,
  });
}

const ZERO_MAC = new Uint8Array(6);

/** Short description for reports. */
export function describeTopology(t: Topology): string[] {
  const out: string[] = [];
  for (const h of t.hosts) out.push(`host ${h.name} ${hostIp(t.hosts.indexOf(h))} mtu=${h.mtu}`);
  for (const v of t.cp.vpcs.values()) out.push(`vpc ${v.name} vni=${v.vni} dividers=[${v.dividers.map((d) => d.name)}]`);
  for (const n of t.cp.networks.values())
    out.push(`net ${n.name} ${n.vpc.name} net_id=${n.netId} bouncers=[${n.bouncers.map((b) => b.name)}]`);
  for (const e of t.eps)
    out.push(
      `ep ${e.name} ${e.network.name} ${e.ip >>> 24}.${(e.ip >>> 16) & 255}.${(e.ip >>> 8) & 255}.${e.ip & 255} on ${e.host.name} if${e.ifindex}`,
    );
  for (const s of t.svcs) out.push(`svc ${s.name} ${s.vpc.name} svc_id=${s.svcId} backends=[${s.backends.map((b) => b.name)}]`);
  out.push(`spec ${JSON.stringify(t.spec)}`);
  return out;
}

/** Remembers every host's learnt maps; the returned function puts them back (cheap: small maps). */
export function snapshotLearnt(t: Topology): () => void {
  const names = ['ep_cache', 'flows', 'rflows'] as const;
  const saved = t.hosts.map((h) => names.map((n) => h.state.raw(n).rawEntries()));
  return () => {
    t.hosts.forEach((h, i) =>
      names.forEach((n, j) => {
        if (!h.state.has(n) && saved[i][j].length === 0) return;
        const m = h.state.raw(n);
        m.clear();
        for (const [k, v] of saved[i][j]) m.rawSet(k, v);
      }),
    );
  };
}
