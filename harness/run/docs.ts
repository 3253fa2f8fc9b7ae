// Turns an engine's path into the report's PacketDoc, right after the path ran: interface
// and host names are resolved against the cluster as it is then (a pod deleted later
// still shows by name in this packet's trace).
import type { ControlPlane, Host } from '../../model/control/plane.ts';
import type { MapUpdate } from '../../model/dataplane/verdict.ts';
import { pointName, reasonName } from '../../model/dataplane/tables.ts';
import { ipv4ToString, macEquals, macToString } from '../../model/wire/addr.ts';
import type { HopDoc, OutcomeDoc, PacketDoc, PacketRole } from '../../report/json-schema/run-doc.ts';
import { packetSummary } from '../../report/trace/frame.ts';
import { toHex } from '../../model/wire/hex.ts';
import type { EnginePath } from '../engine/engine.ts';
import { type EngineHop, kernelAsRun } from '../engine/hop.ts';

const IP_FIELDS = new Set(['ip', 'saddr', 'daddr', 'vip', 'host_ip']);

function fieldText(name: string, v: unknown): string | undefined {
  if (name === 'pad' || name.startsWith('pad')) return undefined;
  if (v instanceof Uint8Array) return v.length === 6 ? macToString(v) : toHex(v);
  if (typeof v === 'number' && IP_FIELDS.has(name)) return ipv4ToString(v);
  if (typeof v === 'object' && v !== null) return `{${recordText(v as Record<string, unknown>)}}`;
  return String(v);
}

function recordText(r: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    const t = fieldText(k, v);
    if (t !== undefined) parts.push(`${k}=${t}`);
  }
  return parts.join(' ');
}

export function updateText(u: MapUpdate): string {
  return `${u.map} ${u.op} ${recordText(u.key)}${u.value ? ` → ${recordText(u.value)}` : ''}`;
}

export class Names {
  constructor(private readonly cp: ControlPlane) {}

  /** The class of our Geneve options on this cluster's hosts. */
  get optionClass(): number {
    return this.cp.optionClass;
  }

  host(name: string): Host {
    return this.cp.host(name);
  }

  iface(host: Host, ifindex: number): string {
    if (ifindex === host.underlayIfindex) return 'underlay';
    const pod = host.veths?.get(ifindex);
    return pod ? `veth ${pod.name}` : `ifindex ${ifindex}`;
  }

  /** The host a frame on the underlay is addressed to (by destination MAC), if any. */
  hostByMac(frame: Uint8Array): string | undefined {
    if (frame.length < 14) return undefined;
    // Bytes against bytes: a MAC's text per host per hop was a tenth of a streamed run's time.
    for (const h of this.cp.hosts.values()) if (macEquals(frame, h.mac)) return h.name; // the destination: the first six bytes
    return undefined;
  }
}

export function hopDoc(hop: EngineHop, names: Names): HopDoc {
  const host = names.host(hop.host);
  const v = hop.verdict;
  const leaves = v.action === 'TX' || (v.action === 'REDIRECT' && v.target === host.underlayIfindex);
  const next = leaves && v.output ? names.hostByMac(v.output) : undefined;
  // The kernel's side, next to the model's (target both); on xdp the verdict is the kernel's.
  // A hop the kernel could not run has none: the packet's notes say why (packetDoc).
  const k = hop.model !== null ? hop.kernel : null;
  const frameOut = hop.frameOut ? toHex(hop.frameOut) : null;
  // One literal, the optional fields undefined where absent (JSON.stringify leaves them out,
  // in this order where present): conditional spreads cost a shape each, per hop.
  return {
    host: hop.host,
    program: hop.program,
    ingress: hop.ingress,
    ingressName: names.iface(host, hop.ingress),
    action: v.action,
    reason: reasonName(v.reason),
    target: v.target,
    targetName: v.action === 'REDIRECT' ? names.iface(host, v.target) : undefined,
    nextHost: next,
    // The run's own lookup records (made for this run, never written again): no copy each.
    points: v.points.map((id, i) => ({ name: pointName(id), lookups: v.lookups?.[i] ?? [] })),
    updates: v.updates.map(updateText),
    // Under the point that made each (a write past the stored points goes after them all).
    updateAt: v.updates.length > 0 && v.updates.every((u) => u.point < v.points.length) ? v.updates.map((u) => u.point) : undefined,
    tailCalls: v.tailCalls,
    frameIn: toHex(hop.frameIn),
    frameOut,
    kernel:
      k !== null
        ? {
            action: kernelAsRun(k).action,
            reason: reasonName(k.reason),
            target: k.action === 'REDIRECT' ? k.target : 0,
            points: k.points.map(pointName),
            // The kernel's output is often the model's own array (instance.ts shares equal bytes).
            frameOut: k.action === 'DROP' || k.action === 'ABORTED' ? null : k.output === hop.frameOut ? frameOut : toHex(k.output),
            mismatches: hop.diffs.map((d) => d.text),
          }
        : undefined,
  };
}

export function outcomeDoc(path: EnginePath): OutcomeDoc {
  const o = path.outcome;
  const last = path.hops[path.hops.length - 1];
  switch (o.kind) {
    case 'delivered':
      return { kind: 'delivered', endpoint: o.pod, host: o.host };
    case 'dropped':
      if (last?.verdict.action === 'ABORTED') return { kind: 'aborted', reason: reasonName(o.reason), host: o.host };
      return { kind: 'dropped', reason: reasonName(o.reason), host: o.host, program: last?.program ?? 'agent' };
    case 'passed':
      return { kind: 'passed', reason: reasonName(last?.verdict.reason ?? 0), host: o.host };
    case 'lost':
      return { kind: 'lost', why: `${o.host} sent it to ${o.mac} on the underlay, where no host has that MAC` };
    case 'no-veth':
      return { kind: 'lost', why: `${o.host} redirected it to ifindex ${o.ifindex}, where no pod is` };
    case 'hop-limit':
      return { kind: 'lost', why: `still travelling after ${path.hops.length} hops (the simulator's hop limit)` };
    case 'failed':
      return { kind: 'lost', why: `${o.host} could not run the hop: ${o.error}` };
  }
}

export interface PacketMeta {
  readonly id: number;
  readonly flow: string;
  readonly role: PacketRole;
  readonly from: string;
}

export function packetDoc(meta: PacketMeta, frame: Uint8Array, path: EnginePath, names: Names): PacketDoc {
  // Hops the kernel could not run (frames its test run cannot take): the model's verdict stood.
  const notes = path.hops.flatMap((h, i) => (h.note !== undefined ? [`hop ${i + 1} on ${h.host}: ${h.note}`] : []));
  return {
    ...meta,
    summary: packetSummary(frame, { optionClass: names.optionClass }),
    hops: path.hops.map((h) => hopDoc(h, names)),
    outcome: outcomeDoc(path),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/** Hosts a documented packet crossed, first to last (a tail call stays on one host: one entry). */
export function docHosts(p: PacketDoc): string[] {
  const out: string[] = [];
  for (const h of p.hops) if (out[out.length - 1] !== h.host) out.push(h.host);
  return out;
}
