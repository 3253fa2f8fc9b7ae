// Transit inputs: frames as they really arrive at a host — taken from the model cluster's
// own paths (agent output at a bouncer, a bouncer's bounce at the client host, a divider's
// route, an ARP reply...) — and crafted Geneve frames with chosen options, both mutated.
import fc from 'fast-check';
import { Cluster } from '../../../model/cluster/cluster.ts';
import { IFINDEX_POOL, type Topology, snapshotLearnt } from './random-topology.ts';
import {
  type CraftSpec,
  type Mutation,
  type PodPkt,
  craftFrame,
  craftSpec,
  edgeCraftSpec,
  mutate,
  mutation,
  podFrame,
  podPkt,
} from './packets.ts';

export type TransitCase =
  | { src: 'path'; pkt: PodPkt; hop: number; mut: Mutation; ingress: number | null }
  | { src: 'craft'; craft: CraftSpec; mut: Mutation; ingress: number | null };

export function transitCase(): fc.Arbitrary<TransitCase> {
  const ingress = fc.option(fc.nat({ max: IFINDEX_POOL.length - 1 }), { freq: 10 });
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ src: fc.constant('path' as const), pkt: podPkt(), hop: fc.nat({ max: 7 }), mut: mutation(), ingress }),
    },
    { weight: 2, arbitrary: fc.record({ src: fc.constant('craft' as const), craft: craftSpec(), mut: mutation(), ingress }) },
    {
      weight: 1,
      arbitrary: fc.record({
        src: fc.constant('craft' as const),
        craft: edgeCraftSpec(),
        mut: fc.constant<Mutation>({ m: 'none' }),
        ingress,
      }),
    },
  );
}

/** Generates transit frames from a topology of its own (the model learns while it walks). */
export class TransitSource {
  private readonly cluster: Cluster;
  private readonly restore: () => void;
  constructor(readonly gen: Topology) {
    this.cluster = new Cluster(gen.cp);
    this.restore = snapshotLearnt(gen);
  }

  /** (host index, ingress, frame) for the case, or null when the topology has no such frame. */
  frame(c: TransitCase): { host: number; ingress: number; frame: Uint8Array } | null {
    let host: number;
    let frame: Uint8Array;
    if (c.src === 'craft') {
      const f = craftFrame(this.gen, c.craft);
      if (f === null) return null;
      host = f.host;
      frame = f.frame;
    } else {
      const pf = podFrame(this.gen, c.pkt);
      if (pf === null) return null;
      const path = this.cluster.send(pf.ep.name, pf.frame);
      this.restore();
      const hops = path.hops.filter((h) => h.program === 'transit');
      if (hops.length > 0) {
        const hop = hops[c.hop % hops.length];
        host = this.gen.hosts.findIndex((h) => h.name === hop.host);
        frame = hop.frameIn;
      } else {
        // No transit hop (dropped or delivered by the agent): its output, if any, at some host.
        const out = path.hops[0]?.frameOut;
        if (out === null || out === undefined || out.length < 14) return null;
        host = c.hop % this.gen.hosts.length;
        frame = out;
      }
    }
    const h = this.gen.hosts[host];
    return { host, ingress: c.ingress === null ? h.underlayIfindex : IFINDEX_POOL[c.ingress], frame: mutate(frame, c.mut) };
  }
}
