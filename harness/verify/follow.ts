// Follows one frame of a class to its end through the one engine, and puts the learnt maps
// back as they were at the checkpoint afterwards: every class is judged from the state the
// scenario step left, never from what an earlier class taught the hosts. The observation is
// what the properties and the uniformity suite read: the path, its signature (what must be
// equal for every frame of a class), the learnt writes, and the facts refinement needs.
import type { EnginePath, Engine } from '../engine/engine.ts';
import type { EngineHop } from '../engine/hop.ts';
import { keyBytes } from '../engine/hop.ts';
import type { DataplaneInstance } from '../dataplane/instance.ts';
import { LEARNT_MAPS, type LearntBytes, modelLearnt, restoreLearnt } from '../dataplane/mapwriter.ts';
import { fromHex, toHex } from '../../model/wire/hex.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import { POINT, REASON, reasonName } from '../../model/dataplane/tables.ts';
import type { MapUpdate } from '../../model/dataplane/verdict.ts';
import { ipv4ToString } from '../../model/wire/addr.ts';
import type { ClassFrame } from './class-frame.ts';

/** One learnt write of the path, with the host that made it. */
export interface Learnt {
  readonly host: string;
  readonly update: MapUpdate;
}

export interface Observation {
  readonly path: EnginePath;
  /** Hops, verdicts, points, learnt writes (by map, VNI and what they point at) and the outcome. */
  readonly signature: string;
  /** The same from the kernel's side of each hop ('' when the kernel did not run). */
  readonly kernelSignature: string;
  readonly learnt: readonly Learnt[];
  /** Some hop decremented the inner TTL (a route): TTL is read on this path. */
  readonly routed: boolean;
  /** The MTU of the first host that encapsulated the frame (0: none did, or unchecked). */
  readonly encapMtu: number;
  /** Hosts the path visited, in order. */
  readonly hosts: readonly string[];
  /** Bytes a transit hop added to the frame before putting it on the underlay (the service option). */
  readonly growth: number;
}

/** Offset of the inner Ethernet header of a Geneve frame, or -1. */
export function innerOffset(f: Uint8Array): number {
  if (f.length < 14 + 20 || f[12] !== 0x08 || f[13] !== 0x00) return -1;
  const ihl = (f[14] & 0x0f) * 4;
  if (f[14 + 9] !== 17 || f.length < 14 + ihl + 16) return -1;
  const u = 14 + ihl;
  if (((f[u + 2] << 8) | f[u + 3]) !== 6081) return -1;
  const opt = (f[u + 8] & 0x3f) * 4;
  const at = u + 16 + opt;
  return at + 14 <= f.length ? at : -1;
}

/** The TTL of the (inner, when Geneve) IPv4 packet, or -1. */
export function innerTtl(f: Uint8Array): number {
  const io = innerOffset(f);
  const at = io >= 0 ? io : 0;
  if (f.length < at + 14 + 20 || f[at + 12] !== 0x08 || f[at + 13] !== 0x00) return -1;
  return f[at + 14 + 8];
}

/** What a learnt value points at, by name where it is a host: equal for every frame of a class. */
function learntShape(cp: ControlPlane, l: Learnt): string {
  const u = l.update;
  const hostName = (ip: number): string => cp.hostsByIp.get(ip)?.name ?? ipv4ToString(ip);
  switch (u.map) {
    case 'ep_cache':
      return `${l.host}:ep_cache[vni ${u.key.vni}]→${hostName(u.value.ip)}`;
    case 'flows':
      return `${l.host}:flows[vni ${u.key.vni}]→${ipv4ToString(u.value.daddr)}:${u.value.dport}@${hostName(u.value.host.ip)}`;
    case 'rflows':
      // The reverse entry's VIP is the frame's own destination: data, not a decision.
      return `${l.host}:rflows[vni ${u.key.vni}]→:${u.value.sport}`;
  }
}

function outcomeText(p: EnginePath): string {
  const o = p.outcome;
  switch (o.kind) {
    case 'delivered':
      return `delivered:${o.pod}`;
    case 'dropped':
      return `dropped@${o.host}:${reasonName(o.reason)}`;
    case 'passed':
      return `passed@${o.host}`;
    case 'lost':
      return `lost@${o.host}`;
    case 'no-veth':
      return `no-veth@${o.host}`;
    case 'hop-limit':
      return 'hop-limit';
    case 'failed':
      return `failed@${o.host}`;
  }
}

function hopText(h: EngineHop, kernel: boolean): string {
  if (kernel) {
    const k = h.kernel;
    if (k === null) return `${h.host}/${h.program}:-`;
    return `${h.host}/${h.program}:${k.action}:${reasonName(k.reason)}:${k.points.join(',')}:${k.learnt}`;
  }
  const v = h.verdict;
  return `${h.host}/${h.program}:${v.action}:${reasonName(v.reason)}:${v.points.join(',')}`;
}

/**
 * The learnt state of every host at the checkpoint, and how to go back to it: the model's
 * maps by the keys a path wrote, the kernel's the same way (target both) or whole for the
 * hosts a path touched (target xdp, where only the kernel ran and its writes are unknown).
 */
export class Checkpoint {
  private readonly base = new Map<string, LearntBytes>();

  constructor(
    readonly cp: ControlPlane,
    private readonly target: 'model' | 'xdp' | 'both',
    private readonly insts: ReadonlyMap<string, DataplaneInstance>,
  ) {
    for (const h of cp.hosts.values()) this.base.set(h.name, modelLearnt(h.state));
  }

  /** Puts back what `path` changed. */
  undo(path: EnginePath, learnt: readonly Learnt[]): void {
    for (const l of learnt) {
      const h = this.cp.host(l.host);
      const b = this.base.get(l.host)!;
      const kb = keyBytes(l.update);
      const key = toHex(kb);
      const was = b[l.update.map].get(key);
      const m = h.state.raw(l.update.map);
      if (was === undefined) m.rawDelete(kb);
      else m.rawSet(kb, fromHex(was));
      if (this.target === 'both') {
        const km = this.insts.get(l.host)?.map(l.update.map);
        if (km !== undefined) {
          if (was === undefined) km.delete(kb);
          else km.update(kb, fromHex(was));
        }
      }
    }
    if (this.target === 'xdp') {
      for (const name of new Set(path.hops.map((x) => x.host))) {
        const inst = this.insts.get(name);
        if (inst !== undefined) restoreLearnt(inst, this.base.get(name)!);
      }
    }
  }

  /** Puts back everything, whole (after a flood, whose evictions the key-wise undo cannot see). */
  restoreAll(): void {
    for (const h of this.cp.hosts.values()) {
      const b = this.base.get(h.name)!;
      for (const name of LEARNT_MAPS) {
        const m = h.state.raw(name);
        m.clear();
        for (const [k, v] of b[name]) m.rawSet(fromHex(k), fromHex(v));
      }
      const inst = this.insts.get(h.name);
      if (inst !== undefined && this.target !== 'model') restoreLearnt(inst, b);
    }
  }

  baseOf(host: string): LearntBytes {
    return this.base.get(host)!;
  }
}

const ENCAP = POINT.agent_encap;

/** Sends one frame, observes it, and undoes its learnt writes. */
export function follow(engine: Engine, ck: Checkpoint, f: ClassFrame, traced = false): Observation {
  const path = typeof f.start === 'string' ? engine.send(f.start, f.frame, { traced }) : engine.sendFrom(f.start, f.frame, { traced });
  const cp = engine.cp;
  const learnt: Learnt[] = [];
  let routed = false;
  let encapMtu = 0;
  let growth = 0;
  for (const h of path.hops) {
    if (h.model !== null) for (const u of h.model.updates) learnt.push({ host: h.host, update: u });
    const out = h.verdict.output;
    if (out !== null && h.verdict.action !== 'PASS') {
      const a = innerTtl(h.frameIn);
      const b = innerTtl(out);
      if (a >= 0 && b >= 0 && b < a) routed = true;
    }
    // The divider reads the inner TTL when the packet crosses subnets, even if it then drops.
    if (h.verdict.reason === REASON.INNER_TTL_EXCEEDED || h.verdict.points.includes(POINT.transit_route)) routed = true;
    if (h.program === 'transit' && out !== null && h.verdict.action === 'TX') growth = Math.max(growth, out.length - h.frameIn.length);
    if (encapMtu === 0 && h.program === 'agent' && h.verdict.points.includes(ENCAP)) encapMtu = cp.host(h.host).mtu;
  }
  ck.undo(path, learnt);
  // The signatures are built only when asked for (the uniformity check): most classes never are.
  let sig: string | undefined;
  let ksig: string | undefined;
  return {
    path,
    get signature() {
      return (sig ??= `${path.hops.map((h) => hopText(h, false)).join(' | ')} || ${learnt
        .map((l) => learntShape(cp, l))
        .sort()
        .join(' ')} || ${outcomeText(path)}`);
    },
    get kernelSignature() {
      return (ksig ??= path.hops.some((h) => h.kernel !== null)
        ? `${path.hops.map((h) => hopText(h, true)).join(' | ')} || ${outcomeText(path)}`
        : '');
    },
    learnt,
    routed,
    encapMtu,
    hosts: path.hops.map((h) => h.host),
    growth,
  };
}
