// docs/dataplane.md section 5, "Learnt state": after every control-plane step, no host holds
// a learnt entry the control plane would not produce from scratch. Random sequences of pod
// churn (create, delete, move), backend changes and traffic (ARP, pings, UDP to pods and to
// a VIP, and the replies) run on the model cluster, which learns as the data plane does; after
// each control-plane step every learnt entry of every host must be *justified*:
//
// - the host takes part in the entry's VPC (hosts one of its endpoints, or is its divider):
//   only those hosts learn anything about it, so a host that left must have forgotten it;
// - ep_cache (vni, ip) -> loc: ip is a live endpoint of the VPC and loc is its host or one
//   of the VPC's dividers (a divider puts itself in the host-location option), never the
//   learning host itself;
// - flows (vni, C, VIP, sport, port, proto) -> fwd: C is a live endpoint of the VPC on this
//   host, the VIP a service of the VPC with that port, and fwd names a current backend of it:
//   its address, target port, MAC and host;
// - rflows (vni, B, X, bport, sport, proto) -> rev: B is a current backend of a service with
//   rev's VIP and port, and the client — X, or rev.daddr for a hairpin — a live endpoint on
//   this host.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../model/cluster/cluster.ts';
import { arpRequest, icmpEcho, udpFrame } from '../../../model/cluster/frames.ts';
import { ControlPlane, type Endpoint, type Host } from '../../../model/control/plane.ts';
import { ipv4ToString } from '../../../model/wire/addr.ts';

const SVC_PORT = 53;

function build(): { cp: ControlPlane; cl: Cluster } {
  const cp = new ControlPlane();
  for (let i = 0; i < 5; i++) cp.createHost({ name: `h${i}`, ip: `10.9.0.${i + 1}` });
  // Two tenants on the same CIDR; h4 divides v1 and h0 divides v2; bouncers fixed.
  cp.createVpc({ name: 'v1', vni: 1, cidr: '172.16.0.0/16', dividers: ['h4'] });
  cp.createVpc({ name: 'v2', vni: 2, cidr: '172.16.0.0/16', dividers: ['h0'] });
  for (const v of ['v1', 'v2']) {
    cp.createNetwork({ name: `${v}-a`, vpc: v, cidr: '172.16.1.0/24', bouncers: ['h1'] });
    cp.createNetwork({ name: `${v}-b`, vpc: v, cidr: '172.16.2.0/24', bouncers: ['h2'] });
    cp.createService({ name: `${v}-svc`, vpc: v, vip: '172.16.250.1', ports: [{ port: SVC_PORT, protocol: 'udp' }] });
  }
  return { cp, cl: new Cluster(cp) };
}

type Step =
  | { t: 'create'; vpc: number; net: number; host: number }
  | { t: 'delete'; ep: number }
  | { t: 'move'; ep: number; host: number }
  | { t: 'backend'; ep: number; add: boolean }
  | { t: 'send'; from: number; to: number; vip: boolean; icmp: boolean; sport: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('create' as const), vpc: fc.nat({ max: 1 }), net: fc.nat({ max: 1 }), host: fc.nat({ max: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), ep: fc.nat({ max: 30 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('move' as const), ep: fc.nat({ max: 30 }), host: fc.nat({ max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('backend' as const), ep: fc.nat({ max: 30 }), add: fc.boolean() }) },
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('send' as const),
      from: fc.nat({ max: 30 }),
      to: fc.nat({ max: 30 }),
      vip: fc.boolean(),
      icmp: fc.boolean(),
      sport: fc.nat({ max: 3 }),
    }),
  },
);

/** The hosts that may hold learnt state about VPC `vni`: hosts of its endpoints, its dividers. */
function members(cp: ControlPlane, vni: number): Set<Host> {
  const v = cp.vpcsByVni.get(vni)!;
  return new Set([...v.endpointHosts.keys(), ...v.dividers]);
}

/** Every learnt entry of every host that the control plane would not produce from scratch. */
function unjustified(cp: ControlPlane): string[] {
  const bad: string[] = [];
  const live = (vni: number, ip: number): Endpoint | undefined =>
    [...cp.endpoints.values()].find((e) => e.network.vpc.vni === vni && e.ip === ip);
  const services = (vni: number) => [...cp.services.values()].filter((s) => s.vpc.vni === vni);
  for (const h of cp.hosts.values()) {
    const where = (what: string): string => `${h.name} ${what}`;
    for (const [k, loc] of h.state.map('ep_cache').entries()) {
      const e = live(k.vni, k.ip);
      const v = cp.vpcsByVni.get(k.vni);
      const ok =
        v !== undefined &&
        members(cp, k.vni).has(h) &&
        e !== undefined &&
        loc.ip !== h.ip &&
        (loc.ip === e.host.ip || v.dividers.some((d) => d.ip === loc.ip));
      if (!ok) bad.push(where(`ep_cache vni=${k.vni} ${ipv4ToString(k.ip)} -> ${ipv4ToString(loc.ip)}`));
    }
    for (const [k, f] of h.state.map('flows').entries()) {
      const c = live(k.vni, k.saddr);
      const s = services(k.vni).find(
        (x) => x.vip === k.daddr && ((k.proto === 1 && k.dport === 0) || x.ports.some((p) => p.proto === k.proto && p.port === k.dport)),
      );
      const b = s?.backends.find((x) => x.ip === f.daddr);
      const ok =
        members(cp, k.vni).has(h) && c?.host === h && b !== undefined && b.host.ip === f.host.ip && b.mac.every((x, j) => x === f.dmac[j]);
      if (!ok)
        bad.push(
          where(
            `flows vni=${k.vni} ${ipv4ToString(k.saddr)}:${k.sport} -> ${ipv4ToString(k.daddr)}:${k.dport} => ${ipv4ToString(f.daddr)} on ${ipv4ToString(f.host.ip)}`,
          ),
        );
    }
    for (const [k, r] of h.state.map('rflows').entries()) {
      const client = live(k.vni, r.daddr !== 0 ? r.daddr : k.daddr);
      const s = services(k.vni).find((x) => x.vip === r.saddr);
      const b = s?.backends.find((x) => x.ip === k.saddr);
      const ok = members(cp, k.vni).has(h) && client?.host === h && b !== undefined;
      if (!ok) bad.push(where(`rflows vni=${k.vni} ${ipv4ToString(k.saddr)}:${k.sport} -> ${ipv4ToString(k.daddr)}:${k.dport}`));
    }
  }
  return bad;
}

/** Runs the steps; returns the first control-plane step after which some entry is unjustified. */
function run(steps: Step[]): string | null {
  const { cp, cl } = build();
  const eps = (): Endpoint[] => [...cp.endpoints.values()];
  const pick = (i: number): Endpoint | undefined => (eps().length === 0 ? undefined : eps()[i % eps().length]);
  let n = 0;
  for (const [i, s] of steps.entries()) {
    if (s.t === 'send') {
      const a = pick(s.from);
      const b = pick(s.to);
      if (a === undefined || b === undefined) continue;
      const vpc = a.network.vpc;
      const svc = [...vpc.services][0];
      const dst = s.vip ? svc.vip : b.ip;
      const onLink = !s.vip && b.network === a.network && b.network.vpc === vpc;
      cl.send(a.name, arpRequest(cl, a.name, onLink ? dst : a.network.gatewayIp));
      const dmac = onLink ? b.mac : a.network.gatewayMac;
      const sport = 40000 + s.sport;
      const frame = s.icmp
        ? icmpEcho(cl, a.name, dst, { dstMac: dmac })
        : udpFrame(cl, a.name, dst, { sport, dport: SVC_PORT, dstMac: dmac });
      const p = cl.send(a.name, frame);
      // The receiver answers (a UDP reply, ports swapped), so both ends learn.
      if (p.outcome.kind === 'delivered' && !s.icmp) {
        const r = cp.endpoint(p.outcome.pod);
        const replyDst = a.ip;
        const rOnLink = r.network === a.network;
        cl.send(r.name, udpFrame(cl, r.name, replyDst, { sport: SVC_PORT, dport: sport, dstMac: rOnLink ? a.mac : r.network.gatewayMac }));
      }
      continue;
    }
    let did = false;
    if (s.t === 'create') {
      const v = `v${s.vpc + 1}`;
      const net = cp.network(`${v}-${s.net === 0 ? 'a' : 'b'}`);
      const used = new Set(
        eps()
          .filter((e) => e.network === net)
          .map((e) => e.ip),
      );
      let ip = net.cidr.network + 10;
      while (used.has(ip)) ip++;
      cp.createEndpoint({ name: `e${n++}`, network: net.name, ip, host: `h${s.host}` });
      did = true;
    } else {
      const e = pick(s.ep);
      if (e === undefined) continue;
      const svc = [...e.network.vpc.services][0];
      if (s.t === 'delete') cp.deleteEndpoint(e.name);
      else if (s.t === 'move' && e.host.name !== `h${s.host}`) cp.moveEndpoint(e.name, `h${s.host}`);
      else if (s.t === 'backend' && s.add && !svc.backends.includes(e)) cp.addBackend(svc.name, e.name);
      else if (s.t === 'backend' && !s.add && svc.backends.includes(e)) cp.removeBackend(svc.name, e.name);
      else continue;
      did = true;
    }
    if (did) {
      const bad = unjustified(cp);
      if (bad.length > 0) return `after step ${i} (${JSON.stringify(s)}): ${bad.join('; ')}`;
    }
  }
  return null;
}

describe('learnt state follows the control plane', () => {
  it("the issue's sequence: a host that left the VPC keeps nothing, so a later move leaves no stale entry", () => {
    const { cp, cl } = build();
    const p = cp.createEndpoint({ name: 'p', network: 'v1-a', ip: '172.16.1.10', host: 'h0' });
    cp.createEndpoint({ name: 'x', network: 'v1-a', ip: '172.16.1.11', host: 'h3' });
    // x (on h3, "H") talks to p (on h0, "A"): h3 learns p -> h0.
    cl.send('x', arpRequest(cl, 'x', p.ip));
    cl.send('x', udpFrame(cl, 'x', p.ip, { sport: 1, dport: 2, dstMac: p.mac }));
    expect(cp.host('h3').state.map('ep_cache').peek({ vni: 1, ip: p.ip })?.ip).toBe(cp.host('h0').ip);
    cp.moveEndpoint('x', 'h0'); // h3 leaves the VPC ...
    expect([...cp.host('h3').state.map('ep_cache').entries()], '... and forgets what it learnt about it').toEqual([]);
    cp.moveEndpoint('p', 'h1'); // p moves from A to B: the invalidation no longer reaches h3
    expect(unjustified(cp)).toEqual([]);
    // A new pod of the VPC on h3, in the other subnet, reaches p through the divider (h4), routed.
    cp.createEndpoint({ name: 'y', network: 'v1-b', ip: '172.16.2.10', host: 'h3' });
    const gw = cp.network('v1-b');
    const path = cl.send('y', icmpEcho(cl, 'y', p.ip, { dstMac: gw.gatewayMac }));
    expect(path.hops.map((h) => h.host)).toEqual(['h3', 'h2', 'h4', 'h1']);
    expect(path.outcome.kind === 'delivered' && path.outcome.frame[22], 'routed once: inner TTL 63').toBe(63);
  });

  it('property: after every control-plane step of random churn and traffic, every learnt entry is justified', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        expect(run(steps)).toBeNull();
      }),
      { seed: 0x7a6e0001, numRuns: 150 },
    );
  });

  it('the check can fail: an entry a host would never learn is reported', () => {
    const { cp } = build();
    cp.createEndpoint({ name: 'p', network: 'v1-a', ip: '172.16.1.10', host: 'h2' });
    cp.host('h2')
      .state.map('ep_cache')
      .set({ vni: 1, ip: cp.endpoint('p').ip }, cp.host('h3').loc);
    expect(unjustified(cp)).toEqual(['h2 ep_cache vni=1 172.16.1.10 -> 10.9.0.4']);
  });
});
