// From one step's captures to "what happened to each packet": which pod sent it, the
// Geneve frames it became on the wire (host to host, in order), and which pods it reached.
//
// Where the evidence is (see tap.ts): each host's bridge port shows every frame that host
// put on the wire (it arrives there, through the pass program, into the stack), and what
// we injected from the underlay towards that host; each pod's own interface shows what the
// pod sent (its kernel's frames, and the frames we injected as the pod) and what reached it. Frames on a bridge port
// whose source MAC is its host's are that host's transmissions; the destination MAC names
// the next host. A packet's frames are tied together by fields no rewrite touches
// (identityKey) and chained from the sender's host, each next frame leaving the host the
// previous one went to (timestamps of separate captures may tie).
import { identityKey, shapeKey, summarizeGeneve, summarizeInner, type GeneveSummary, type InnerSummary } from './frame-view.ts';
import type { TapFrame } from './tap.ts';
import { toHex } from '../../model/wire/hex.ts';

/** Where a frame injected from the underlay comes from, in hop records. */
export const UNDERLAY = 'underlay';

export interface WireHop {
  /** Host that put the frame on the wire, or UNDERLAY for a frame we injected there. */
  readonly from: string;
  /** Host owning the destination MAC, or the MAC itself when no host has it. */
  readonly to: string;
  /** performance.now() ms when a tap saw it. */
  readonly t: number;
  readonly frame: GeneveSummary;
  /** The frame's bytes, hex (compared byte for byte where the sender's frame was the model's own). */
  readonly hex: string;
}

export interface ObservedPacket {
  /** The pod that sent it, or undefined for frames that started elsewhere. */
  readonly from?: string;
  readonly inner: InnerSummary;
  readonly shape: string;
  readonly t: number;
  /** We put it on the pod's interface (an injected frame), rather than the pod's kernel. */
  readonly injected: boolean;
  readonly hops: WireHop[];
  /** Pods whose interface saw it arrive (an ARP request: the asker, when the reply came). */
  readonly deliveredTo: string[];
  /** False when some frame could not be chained from the sender's host. */
  readonly chained: boolean;
  /** ARP: the hardware address the reply that reached the asker carried. */
  readonly arpAnswer?: string;
  /** The sender's frame, hex, as it left the pod. */
  readonly sentHex?: string;
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
  readonly frames: readonly TapFrame[];
}

const BROADCAST = 'ff:ff:ff:ff:ff:ff';

/** `optionClass`: the class of our Geneve options on the cluster's hosts (default 0xFFF0). */
export function observe(captures: readonly CaptureRole[], optionClass?: number): ObservedPacket[] {
  const hostByMac = new Map<string, string>();
  for (const c of captures) if (c.kind === 'host') hostByMac.set(c.mac, c.name);
  interface Acc {
    from?: string;
    fromHost?: string;
    inner: InnerSummary;
    t: number;
    injected: boolean;
    sentHex?: string;
    hops: WireHop[];
    deliveredTo: Set<string>;
    arpAnswer?: string;
    arrivals: Array<{ pod: string; inner: InnerSummary }>;
  }
  const byKey = new Map<string, Acc>();
  const order: Acc[] = [];
  const acc = (key: string, inner: InnerSummary, t: number): Acc => {
    let a = byKey.get(key);
    if (!a) {
      a = { inner, t, injected: false, hops: [], deliveredTo: new Set(), arrivals: [] };
      byKey.set(key, a);
      order.push(a);
    }
    return a;
  };
  // Pods' own sends first: they define each packet (its sender and shape).
  for (const c of captures) {
    if (c.kind !== 'pod') continue;
    for (const p of c.frames) {
      const i = summarizeInner(p.data);
      // Injected frames are the pod's whatever their source MAC says (spoofing is the point);
      // the kernel's own carry its MAC and never its MAC as destination (a hairpin arrival
      // does: it came back to the pod with the pod's own source MAC).
      if (!i || (!p.injected && (i.srcMac !== c.mac || i.dstMac === c.mac))) continue;
      const a = acc(identityKey(i), i, p.t);
      if (a.from === undefined || p.t < a.t)
        Object.assign(a, { from: c.name, fromHost: c.host, inner: i, t: p.t, injected: p.injected, sentHex: toHex(p.data) });
    }
  }
  for (const c of captures) {
    if (c.kind === 'host') {
      for (const p of c.frames) {
        const g = summarizeGeneve(p.data, optionClass);
        if (!g) continue;
        if (p.injected) {
          acc(identityKey(g.inner), g.inner, p.t).hops.push({ from: UNDERLAY, to: c.name, t: p.t, frame: g, hex: toHex(p.data) });
          continue;
        }
        if (g.srcMac !== c.mac) continue;
        acc(identityKey(g.inner), g.inner, p.t).hops.push({
          from: c.name,
          to: hostByMac.get(g.dstMac) ?? g.dstMac,
          t: p.t,
          frame: g,
          hex: toHex(p.data),
        });
      }
    } else {
      for (const p of c.frames) {
        const i = summarizeInner(p.data);
        const sent = i !== undefined && i.srcMac === c.mac && i.dstMac !== c.mac;
        if (!i || p.injected || sent || (i.dstMac !== c.mac && i.dstMac !== BROADCAST)) continue;
        const a = acc(identityKey(i), i, p.t);
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
        injected: a.injected,
        hops,
        deliveredTo: [...a.deliveredTo].sort(),
        chained,
        arrivals: a.arrivals,
      };
      return {
        ...base,
        ...(a.from !== undefined ? { from: a.from } : {}),
        ...(a.sentHex !== undefined ? { sentHex: a.sentHex } : {}),
        ...(a.arpAnswer !== undefined ? { arpAnswer: a.arpAnswer } : {}),
      };
    })
    .sort((x, y) => x.t - y.t);
}

/** Orders a packet's frames by causality: each next frame leaves where the previous went. */
function chain(frames: readonly WireHop[], start: string | undefined): { hops: WireHop[]; chained: boolean } {
  const left = [...frames].sort((a, b) => a.t - b.t);
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
