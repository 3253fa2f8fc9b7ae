// Following a frame hop by hop when each hop is run by the caller (the kernel engines):
// the same rules as the model cluster's `send` — a REDIRECT to a veth delivers to that pod,
// a REDIRECT to the underlay NIC or a TX puts the frame on the one L2 segment, where the
// host owning the destination MAC runs transit on it.
import { DEFAULT_HOP_LIMIT, type PathOutcome } from '../../model/cluster/cluster.ts';
import type { ControlPlane, Host } from '../../model/control/plane.ts';
import { macToString } from '../../model/wire/addr.ts';
import type { EngineHop, EnginePath } from './engine.ts';

export type HopRunner = (host: Host, program: 'agent' | 'transit', ingress: number, frame: Uint8Array) => Omit<EngineHop, 'host' | 'program' | 'ingress' | 'frameIn'>;

export function walk(cp: ControlPlane, fromPod: string, frame: Uint8Array, runHop: HopRunner, hopLimit = DEFAULT_HOP_LIMIT): EnginePath {
  const byMac = new Map<string, Host>();
  for (const h of cp.hosts.values()) byMac.set(macToString(h.mac), h);
  const e = cp.endpoint(fromPod);
  const hops: EngineHop[] = [];
  let crossings = 0;
  let host = e.host;
  let program: 'agent' | 'transit' = 'agent';
  let ingress = e.ifindex;
  let cur = frame;
  const done = (outcome: PathOutcome): EnginePath => ({ hops, outcome, underlayCrossings: crossings });
  for (;;) {
    if (hops.length >= hopLimit) return done({ kind: 'hop-limit' });
    const r = runHop(host, program, ingress, cur);
    const hop: EngineHop = { host: host.name, program, ingress, frameIn: cur, ...r };
    hops.push(hop);
    const v = r.verdict;
    if (v.action === 'DROP' || v.action === 'ABORTED') return done({ kind: 'dropped', host: host.name, reason: v.reason });
    if (v.action === 'PASS') return done({ kind: 'passed', host: host.name, frame: v.output ?? cur });
    const out = v.output!;
    if (v.action === 'REDIRECT' && v.target !== host.underlayIfindex) {
      const pod = host.veths?.get(v.target);
      if (pod === undefined) return done({ kind: 'no-veth', host: host.name, ifindex: v.target });
      return done({ kind: 'delivered', pod: pod.name, host: host.name, frame: out });
    }
    crossings++;
    const dst = macToString(out.subarray(0, 6));
    const next = out.length >= 14 ? byMac.get(dst) : undefined;
    if (next === undefined) {
      hop.lost = true;
      return done({ kind: 'lost', host: host.name, mac: dst });
    }
    host = next;
    program = 'transit';
    ingress = next.underlayIfindex;
    cur = out;
  }
}
