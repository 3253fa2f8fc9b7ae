// The flood class of state isolation: one pod opens more service flows than its host's flow
// tables hold, and no entry of any other VNI, on any host, may change or go. It runs on each
// side on its own — the model through a model engine, the kernel through a kernel-only
// engine — because the kernel's LRU evicts early and by its own order (docs/live.md): the two
// sides' tables differ by design after a flood, but neither may touch another tenant's.
import { Engine } from '../engine/engine.ts';
import type { DataplaneInstance } from '../dataplane/instance.ts';
import { LEARNT_MAPS, type LearntBytes, kernelLearnt, modelLearnt } from '../dataplane/mapwriter.ts';
import type { ControlPlane, Endpoint, Service } from '../../model/control/plane.ts';
import { MAP_SPECS } from '../../model/dataplane/state.ts';
import { cidrContains } from '../../model/wire/addr.ts';
import { ether } from '../../model/wire/builder.ts';
import type { Checkpoint } from './follow.ts';
import type { Violation } from './properties.ts';

export interface FloodPlan {
  readonly pod: Endpoint;
  readonly service: Service;
  readonly port: number;
  readonly proto: number;
  readonly flows: number;
}

export interface FloodResult {
  readonly plan: FloodPlan | undefined;
  readonly frames: number;
  readonly hops: number;
  /** Entries of other VNIs there were to keep (per side). */
  readonly watched: number;
  readonly violations: Violation[];
  readonly note?: string;
}

/**
 * The flooding pod: one whose host holds the most learnt entries of other VNIs (the state a
 * flood would hurt), in a VPC with a service that has backends. `flows` defaults to one more
 * than the flows map holds.
 */
export function floodPlan(cp: ControlPlane, flows?: number, pod?: string): FloodPlan | undefined {
  const n = flows ?? MAP_SPECS.flows.maxEntries + 1;
  let best: { plan: FloodPlan; victims: number } | undefined;
  for (const e of cp.endpoints.values()) {
    if (pod !== undefined && e.name !== pod) continue;
    const s = [...e.network.vpc.services].find((x) => x.backends.length > 0 && x.ports.some((p) => p.proto === 6 || p.proto === 17));
    if (s === undefined) continue;
    const port = s.ports.find((p) => p.proto === 6 || p.proto === 17)!;
    let victims = 0;
    for (const name of LEARNT_MAPS)
      if (e.host.state.has(name)) for (const [k] of e.host.state.map(name).entries()) if (k.vni !== e.network.vpc.vni) victims++;
    if (best === undefined || victims > best.victims)
      best = { plan: { pod: e, service: s, port: port.port, proto: port.proto, flows: n }, victims };
  }
  return best?.plan;
}

/** Entries of every VNI but `vni`, per host. */
function others(l: LearntBytes, vni: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of LEARNT_MAPS)
    for (const [k, v] of l[name]) {
      // Every learnt key starts with the 32-bit VNI, little-endian.
      const kv = Buffer.from(k.slice(0, 8), 'hex').readUInt32LE(0);
      if (kv !== vni) out.set(`${name} ${k}`, v);
    }
  return out;
}

function frames(plan: FloodPlan): Uint8Array[] {
  const e = plan.pod;
  const s = plan.service;
  const n = e.network;
  const dmac = cidrContains(n.cidr, s.vip) ? s.mac : n.gatewayMac;
  const out: Uint8Array[] = [];
  for (let i = 0; i < plan.flows; i++) {
    const sport = 1024 + (i % 64000);
    const b = ether({ src: e.mac, dst: dmac }).ipv4({ src: e.ip, dst: s.vip, id: i & 0xffff });
    out.push(
      plan.proto === 6
        ? b.tcp({ sport, dport: plan.port, flags: 'S', seq: i + 1 }).build()
        : b.udp({ sport, dport: plan.port }).payload('flood').build(),
    );
  }
  return out;
}

function compare(
  side: string,
  before: Map<string, Map<string, string>>,
  after: (h: string) => Map<string, string>,
  plan: FloodPlan,
): Violation[] {
  const out: Violation[] = [];
  for (const [h, was] of before) {
    const now = after(h);
    let gone = 0;
    let changed = 0;
    let example = '';
    for (const [k, v] of was) {
      const nv = now.get(k);
      if (nv === undefined) gone++;
      else if (nv !== v) changed++;
      if ((nv === undefined || nv !== v) && example === '') example = k.split(' ')[0];
    }
    if (gone + changed > 0)
      out.push({
        property: 'state-isolation',
        classId: `flood ${plan.pod.name} → ${plan.service.name} ×${plan.flows}`,
        message: `${side}: ${plan.flows} flows from ${plan.pod.name} (VNI ${plan.pod.network.vpc.vni}) evicted ${gone} and changed ${changed} of ${was.size} entries of other VNIs on ${h} (${example} among them)`,
      });
  }
  return out;
}

/** Runs the flood on each side from the checkpoint, judges it, and puts every map back. */
export function runFlood(
  cp: ControlPlane,
  target: 'model' | 'xdp' | 'both',
  insts: ReadonlyMap<string, DataplaneInstance>,
  ck: Checkpoint,
  plan: FloodPlan | undefined,
): FloodResult {
  if (plan === undefined)
    return {
      plan,
      frames: 0,
      hops: 0,
      watched: 0,
      violations: [],
      note: 'no pod is in a VPC with a TCP/UDP service that has backends: no flood to run',
    };
  const fs = frames(plan);
  const violations: Violation[] = [];
  let hops = 0;
  let watched = 0;
  const vni = plan.pod.network.vpc.vni;
  if (target !== 'xdp') {
    const before = new Map([...cp.hosts.values()].map((h) => [h.name, others(modelLearnt(h.state), vni)]));
    for (const m of before.values()) watched += m.size;
    const eng = new Engine(cp, 'model');
    for (const f of fs) eng.send(plan.pod.name, f, { traced: false });
    hops += eng.hops;
    violations.push(...compare('model', before, (h) => others(modelLearnt(cp.host(h).state), vni), plan));
    ck.restoreAll();
  }
  if (target !== 'model') {
    const before = new Map([...cp.hosts.values()].map((h) => [h.name, others(kernelLearnt(insts.get(h.name)!), vni)]));
    for (const m of before.values()) watched += m.size;
    const eng = new Engine(cp, 'xdp', { instances: [...cp.hosts.values()].map((h) => insts.get(h.name)!) });
    for (const f of fs) eng.send(plan.pod.name, f, { traced: false });
    hops += eng.hops;
    violations.push(...compare('kernel', before, (h) => others(kernelLearnt(insts.get(h)!), vni), plan));
    ck.restoreAll();
  }
  return { plan, frames: fs.length * (target === 'both' ? 2 : 1), hops, watched, violations };
}
