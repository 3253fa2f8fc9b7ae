// Properties over random topologies (seeded): up to 3 VPCs that may share a CIDR, several
// subnets, bouncers, dividers, hosts, pods and services.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cluster, type Path } from '../../../model/cluster/cluster.ts';
import { icmpEcho, resolve, tcpFrame, udpFrame } from '../../../model/cluster/frames.ts';
import { ControlPlane } from '../../../model/control/plane.ts';
import { reasonName } from '../../../model/dataplane/tables.ts';

interface Topo {
  hosts: number;
  vpcs: Array<{
    cidrBase: number; // 0 or 1: VPCs may share 10.0.0.0/16
    dividers: number[];
    subnets: Array<{ bouncers: number[] }>;
    pods: Array<{ subnet: number; host: number }>;
    backends: number[]; // pod indexes of this VPC's service
  }>;
}

const topoArb: fc.Arbitrary<Topo> = fc.integer({ min: 3, max: 9 }).chain((hosts) =>
  fc.record({
    hosts: fc.constant(hosts),
    vpcs: fc.array(
      fc.record({
        cidrBase: fc.nat(1),
        dividers: fc.uniqueArray(fc.nat(hosts - 1), { minLength: 1, maxLength: 2 }),
        subnets: fc.array(fc.record({ bouncers: fc.uniqueArray(fc.nat(hosts - 1), { minLength: 1, maxLength: 2 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
        pods: fc.array(fc.record({ subnet: fc.nat(2), host: fc.nat(hosts - 1) }), { minLength: 2, maxLength: 6 }),
        backends: fc.uniqueArray(fc.nat(5), { maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);

interface Built {
  cp: ControlPlane;
  cl: Cluster;
  /** Pod names per VPC index. */
  pods: string[][];
  vips: number[];
}

function build(t: Topo): Built {
  const cp = new ControlPlane();
  for (let h = 0; h < t.hosts; h++) cp.createHost({ name: `h${h}`, ip: (0x0a640000 + h + 1) >>> 0 });
  const pods: string[][] = [];
  const vips: number[] = [];
  t.vpcs.forEach((v, vi) => {
    const base = (0x0a000000 + (v.cidrBase << 16)) >>> 0;
    cp.createVpc({ name: `v${vi}`, vni: 1000 + vi, cidr: { network: base, prefixLen: 16 }, dividers: v.dividers.map((d) => `h${d}`) });
    v.subnets.forEach((s, si) =>
      cp.createNetwork({
        name: `v${vi}s${si}`,
        vpc: `v${vi}`,
        cidr: { network: (base + (si << 8)) >>> 0, prefixLen: 24 },
        bouncers: s.bouncers.map((b) => `h${b}`),
      }),
    );
    pods.push(
      v.pods.map((p, pi) => {
        const si = p.subnet % v.subnets.length;
        const name = `v${vi}p${pi}`;
        cp.createEndpoint({ name, network: `v${vi}s${si}`, ip: (base + (si << 8) + 10 + pi) >>> 0, host: `h${p.host}` });
        return name;
      }),
    );
    const backends = v.backends.filter((b) => b < v.pods.length).map((b) => `v${vi}p${b}`);
    const vip = (base + 200) >>> 0; // in subnet 0
    cp.createService({
      name: `v${vi}web`,
      vpc: `v${vi}`,
      vip,
      ports: [
        { port: 80, protocol: 'tcp', targetPort: 8080 },
        { port: 53, protocol: 'udp' },
      ],
      backends,
    });
    vips.push(vip);
  });
  return { cp, cl: new Cluster(cp), pods, vips };
}

const vpcOf = (pod: string) => pod.slice(0, pod.indexOf('p'));

/** Nothing is ever delivered outside the sender's VPC, and no path hits the hop bound. */
function sane(from: string, p: Path): void {
  expect(p.outcome.kind, `path from ${from} must end before the hop bound`).not.toBe('hop-limit');
  expect(p.outcome.kind, `path from ${from} must not redirect to a veth nobody has`).not.toBe('no-veth');
  if (p.outcome.kind === 'delivered')
    expect(vpcOf(p.outcome.pod), `a frame from ${from} reached ${p.outcome.pod}: another VNI`).toBe(vpcOf(from));
}

function describePath(p: Path): string {
  return p.hops.map((h) => `${h.host}/${h.program}:${reasonName(h.verdict.reason)}`).join(' > ') + ` => ${p.outcome.kind}`;
}

describe('random topologies', () => {
  it('every pair in a VPC reaches each other (ARP, then ICMP/UDP/TCP), never another VNI, within the hop bound', () => {
    fc.assert(
      fc.property(topoArb, (t) => {
        const { cp, cl, pods } = build(t);
        for (const vpc of pods) {
          for (const a of vpc) {
            for (const b of vpc) {
              if (a === b) continue;
              const dst = cp.endpoint(b).ip;
              const arp = resolve(cl, a, dst);
              sane(a, arp);
              expect(
                arp.outcome.kind === 'delivered' && arp.outcome.pod === a,
                `ARP from ${a} for ${b}'s next hop is answered: ${describePath(arp)}`,
              ).toBe(true);
              const frames = [
                icmpEcho(cl, a, dst),
                udpFrame(cl, a, dst, { sport: 3000, dport: 4000 }),
                tcpFrame(cl, a, dst, { sport: 3001, dport: 4001 }),
              ];
              for (const f of frames) {
                const p = cl.send(a, f);
                sane(a, p);
                expect(p.outcome.kind === 'delivered' && p.outcome.pod === b, `${a} -> ${b}: ${describePath(p)}`).toBe(true);
                const sameSubnet = cp.endpoint(a).network === cp.endpoint(b).network;
                if (sameSubnet) {
                  const want = cp.endpoint(a).host === cp.endpoint(b).host ? 0 : 1;
                  expect(
                    p.underlayCrossings,
                    `after the ARP, ${a} -> ${b} in one subnet crosses the underlay ${want} time(s): ${describePath(p)}`,
                  ).toBe(want);
                }
              }
            }
          }
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('frames aimed at another VPC (same CIDR, MAC known) never reach it', () => {
    fc.assert(
      fc.property(topoArb, fc.nat(), (t, pick) => {
        const { cp, cl, pods } = build(t);
        if (pods.length < 2) return;
        for (let vi = 0; vi < pods.length; vi++) {
          const a = pods[vi][pick % pods[vi].length];
          for (const other of pods.filter((_, j) => j !== vi).flat()) {
            const target = cp.endpoint(other);
            const p = cl.send(a, icmpEcho(cl, a, target.ip, { dstMac: target.mac }));
            sane(a, p);
            expect(p.outcome.kind === 'delivered' && p.outcome.pod === other, `${a} reached ${other} of another VPC`).toBe(false);
          }
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('services: the first packet is bounced, later ones go direct to the same backend, replies come from the VIP', () => {
    fc.assert(
      fc.property(topoArb, (t) => {
        const { cp, cl, pods, vips } = build(t);
        pods.forEach((vpc, vi) => {
          const svc = cp.service(`v${vi}web`);
          for (const a of vpc) {
            const arp = resolve(cl, a, vips[vi]);
            sane(a, arp);
            const first = cl.send(a, tcpFrame(cl, a, vips[vi], { sport: 5555, dport: 80 }));
            sane(a, first);
            if (svc.backends.length === 0) {
              expect(
                first.outcome.kind === 'dropped' && reasonName(first.outcome.reason) === 'NO_BACKEND',
                `no backend: ${describePath(first)}`,
              ).toBe(true);
              continue;
            }
            expect(first.outcome.kind, `${a} -> VIP: ${describePath(first)}`).toBe('delivered');
            if (first.outcome.kind !== 'delivered') continue;
            const backend = first.outcome.pod;
            expect(svc.backends.map((b) => b.name)).toContain(backend);
            const second = cl.send(a, tcpFrame(cl, a, vips[vi], { sport: 5555, dport: 80, flags: 'A' }));
            expect(
              second.outcome.kind === 'delivered' && second.outcome.pod === backend,
              `the flow sticks to ${backend}: ${describePath(second)}`,
            ).toBe(true);
            expect(second.underlayCrossings, `later packets go direct: ${describePath(second)}`).toBeLessThanOrEqual(1);
            // Same-host replies skip transit_deliver and so the un-NAT (see the report).
            if (cp.endpoint(backend).host === cp.endpoint(a).host || backend === a) continue;
            resolve(cl, backend, cp.endpoint(a).ip);
            const reply = cl.send(backend, tcpFrame(cl, backend, cp.endpoint(a).ip, { sport: 8080, dport: 5555, flags: 'SA' }));
            sane(backend, reply);
            expect(reply.outcome.kind === 'delivered' && reply.outcome.pod === a, `reply ${backend} -> ${a}: ${describePath(reply)}`).toBe(
              true,
            );
            if (reply.outcome.kind === 'delivered') {
              const f = reply.outcome.frame;
              const src = ((f[26] << 24) | (f[27] << 16) | (f[28] << 8) | f[29]) >>> 0;
              expect(src, 'the reply is un-NATed to the VIP').toBe(vips[vi]);
              expect((f[34] << 8) | f[35], 'and to the VIP port').toBe(80);
            }
          }
        });
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('after a delete or a move, no frame reaches the old place', () => {
    fc.assert(
      fc.property(topoArb, fc.nat(), fc.nat(), fc.boolean(), (t, pi, hi, del) => {
        const { cp, cl, pods } = build(t);
        const vpc = pods[0];
        const victim = vpc[pi % vpc.length];
        const e = cp.endpoint(victim);
        const oldHost = e.host.name;
        const oldIfindex = e.ifindex;
        // Everyone talks to the victim first, so caches and flows are warm.
        for (const a of vpc) {
          if (a === victim) continue;
          resolve(cl, a, e.ip);
          cl.send(a, icmpEcho(cl, a, e.ip));
        }
        const newHost = `h${hi % t.hosts}`;
        if (del) cp.deleteEndpoint(victim);
        else cp.moveEndpoint(victim, newHost);
        for (const a of vpc) {
          if (a === victim) continue;
          const p = cl.send(a, icmpEcho(cl, a, e.ip));
          sane(a, p);
          const last = p.hops[p.hops.length - 1];
          const atOld =
            p.outcome.kind !== 'dropped' &&
            last.host === oldHost &&
            last.verdict.action === 'REDIRECT' &&
            last.verdict.target === oldIfindex &&
            (del || newHost !== oldHost);
          expect(atOld, `${a} -> ${victim} still reaches the old place: ${describePath(p)}`).toBe(false);
          if (del) expect(p.outcome.kind, `a deleted endpoint is not reached: ${describePath(p)}`).not.toBe('delivered');
          else
            expect(
              p.outcome.kind === 'delivered' && p.outcome.pod === victim && p.hops[p.hops.length - 1].host === newHost,
              `moved ${victim} is reached on ${newHost}: ${describePath(p)}`,
            ).toBe(true);
        }
      }),
      { seed: 42, numRuns: 80 },
    );
  });
});
