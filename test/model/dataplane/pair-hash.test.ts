// docs/dataplane.md section 2: bouncer and divider choice hash the address pair only, and
// the same in both directions, so a request and its reply cross the same bouncer of a
// subnet (and the same divider of a VPC).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../model/cluster/cluster.ts';
import { icmpEcho } from '../../../model/cluster/frames.ts';
import { ControlPlane } from '../../../model/control/plane.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { pair_hash } from '../../../model/dataplane/parse.ts';
import { mac } from '../../../model/wire/addr.ts';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('pair_hash', () => {
  it('is symmetric in the two addresses and ignores protocol and ports', () => {
    fc.assert(
      fc.property(u32, u32, u32, fc.nat({ max: 255 }), fc.nat({ max: 0xffff }), fc.nat({ max: 0xffff }), (a, b, seed, proto, sp, dp) => {
        const ab = pair_hash({ saddr: a, daddr: b, sport: sp, dport: dp, proto }, seed);
        const ba = pair_hash({ saddr: b, daddr: a, sport: dp, dport: sp, proto: 0 }, seed);
        expect(ba).toBe(ab);
      }),
      { seed: 0x7a6e0005, numRuns: 2000 },
    );
  });

  it('a request and its reply cross the same one of four bouncers, for every pair of pods', () => {
    const cp = new ControlPlane();
    const hosts = ['h1', 'h2', 'b1', 'b2', 'b3', 'b4'];
    hosts.forEach((name, i) => cp.createHost({ name, ip: `10.0.0.${i + 1}` }));
    cp.createVpc({ name: 'v', vni: 7, cidr: '192.168.0.0/16' });
    cp.createNetwork({ name: 'n', vpc: 'v', cidr: '192.168.1.0/24', bouncers: ['b1', 'b2', 'b3', 'b4'] });
    const pods = Array.from({ length: 12 }, (_, i) =>
      cp.createEndpoint({ name: `p${i}`, network: 'n', ip: `192.168.1.${10 + i}`, host: i % 2 ? 'h2' : 'h1' }),
    );
    const cl = new Cluster(cp);
    const bouncerOf = (from: number, to: number): string => {
      // Nothing cached (delivery learns the sender's host): the packet goes to a bouncer.
      for (const h of cp.hosts.values()) if (h.state.has('ep_cache')) h.state.map('ep_cache').clear();
      const path = cl.send(`p${from}`, icmpEcho(cl, `p${from}`, pods[to].ip, { dstMac: mac('0a:ff:ff:ff:ff:ff') }));
      expect(path.outcome.kind, `p${from} -> p${to}`).toBe('delivered');
      return path.hops[1].host;
    };
    let pairs = 0;
    for (let a = 0; a < pods.length; a++) {
      for (let b = a + 1; b < pods.length; b++) {
        if (pods[a].host === pods[b].host) continue;
        expect(bouncerOf(b, a), `reply p${b} -> p${a} uses the bouncer of p${a} -> p${b}`).toBe(bouncerOf(a, b));
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(30);
    expect(CONSTS.MAX_BOUNCERS).toBe(4);
  });
});
