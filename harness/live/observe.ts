// From one step's captures to "what happened to each packet": which pod sent it, the
// Geneve frames it became on the wire (host to host, in order), and which pods it reached.
//
// Where the evidence is (see capture.ts): each host's bridge port shows every frame that
// host put on the wire (it arrives there, through the pass program, into the stack); each
// pod's own interface shows what the pod sent and what reached it. Frames on a bridge port
// whose source MAC is its host's are that host's transmissions; the destination MAC names
// the next host. A packet's frames are tied together by fields no rewrite touches
// (identityKey) and chained from the sender's host, each next frame leaving the host the
// previous one went to (timestamps of separate captures may tie).
import type { CapturePacket } from '../../report/capture/types.ts';
import { identityKey, shapeKey, summarizeGeneve, summarizeInner, type GeneveSummary, type InnerSummary } from './frame-view.ts';

export interface WireHop {
  readonly from: string;
  /** Host owning the destination MAC, or the MAC itself when no host has it. */
  readonly to: string;
  readonly t: bigint;
  readonly frame: GeneveSummary;
}

export interface ObservedPacket {
  /** The pod that sent it, or undefined for frames that started elsewhere. */
  readonly from?: string;
  readonly inner: InnerSummary;
  readonly shape: string;
  readonly t: bigint;
  readonly hops: WireHop[];
  /** Pods whose interface saw it arrive (an ARP request: the asker, when the reply came). */
  readonly deliveredTo: string[];
  /** False when some frame could not be chained from the sender's host. */
  readonly chained: boolean;
  /** ARP: the hardware address the reply that reached the asker carried. */
  readonly arpAnswer?: string;
  /** Each arrival as the receiving pod saw it (after any un-NAT). */
  readonly arrivals: Array<{ readonly pod: string; readonly inner: InnerSummary }>;
}

export interface CaptureRole {
  readonly kind: 'host' | 'pod';
  /** Host or pod name. */
  readonly name: string;
  /** The host's MAC (bridge port) or the pod's MAC. */
  readonly mac: string;
  /** Pods: the host they live on (where their packets start). */
  readonly host?: string;
  readonly packets: readonly CapturePacket[];
}

const BROADCAST = 'ff:ff:ff:ff:ff:ff';

export function observe(captures: readonly CaptureRole[]): ObservedPacket[] {
  const hostByMac = new Map<string, string>();
  for (const c of captures) if (c.kind === 'host') hostByMac.set(c.mac, c.name);
  interface Acc {
    from?: string;
    fromHost?: string;
    inner: InnerSummary;
    t: bigint;
    hops: WireHop[];
    deliveredTo: Set<string>;
    arpAnswer?: string;
    arrivals: Array<{ pod: string; inner: InnerSummary }>;
  }
  const byKey = new Map<string, Acc>();
  const order: Acc[] = [];
  const acc = (key: string, inner: InnerSummary, t: bigint): Acc => {
    let a = byKey.get(key);
    if (!a) {
      a = { inner, t, hops: [], deliveredTo: new Set(), arrivals: [] };
      byKey.set(key, a);
      order.push(a);
    }
    return a;
  };
  // Pods' own sends first: they define each packet (its sender and shape).
  for (const c of captures) {
    if (c.kind !== 'pod') continue;
    for (const p of c.packets) {
      const i = summarizeInner(p.data);
      if (!i || i.srcMac !== c.mac) continue;
      const a = acc(identityKey(i), i, p.timestampNs);
      if (a.from === undefined || p.timestampNs < a.t) Object.assign(a, { from: c.name, fromHost: c.host, inner: i, t: p.timestampNs });
    }
  }
  for (const c of captures) {
    if (c.kind === 'host') {
      for (const p of c.packets) {
        const g = summarizeGeneve(p.data);
        if (!g || g.srcMac !== c.mac) continue;
        acc(identityKey(g.inner), g.inner, p.timestampNs).hops.push({
          from: c.name,
          to: hostByMac.get(g.dstMac) ?? g.dstMac,
          t: p.timestampNs,
          frame: g,
        });
      }
    } else {
      for (const p of c.packets) {
        const i = summarizeInner(p.data);
        if (!i || i.srcMac === c.mac || (i.dstMac !== c.mac && i.dstMac !== BROADCAST)) continue;
        const a = acc(identityKey(i), i, p.timestampNs);
        a.deliveredTo.add(c.name);
        a.arrivals.push({ pod: c.name, inner: i });
        if (i.kind === 'arp' && i.op === 2) a.arpAnswer ??= i.sha;
      }
    }
  }
  return order
    .map((a) => {
      const { hops, chained } = chain(a.hops, a.fromHost);
      const base = {
        inner: a.inner,
        shape: shapeKey(a.inner),
        t: a.t,
        hops,
        deliveredTo: [...a.deliveredTo].sort(),
        chained,
        arrivals: a.arrivals,
      };
      return {
        ...base,
        ...(a.from !== undefined ? { from: a.from } : {}),
        ...(a.arpAnswer !== undefined ? { arpAnswer: a.arpAnswer } : {}),
      };
    })
    .sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : 0));
}

/** Orders a packet's frames by causality: each next frame leaves where the previous went. */
function chain(frames: readonly WireHop[], start: string | undefined): { hops: WireHop[]; chained: boolean } {
  const left = [...frames].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const out: WireHop[] = [];
  let at = start ?? left[0]?.from;
  let chained = true;
  while (left.length > 0) {
    let i = left.findIndex((h) => h.from === at);
    if (i < 0) {
      chained = false;
      i = 0;
    }
    const [h] = left.splice(i, 1);
    out.push(h);
    at = h.to;
  }
  return { hops: out, chained };
}
