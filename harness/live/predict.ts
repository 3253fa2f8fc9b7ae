// The model's prediction for a send, next to what the kernel and the real stacks did.
// Packets are paired by shape (frame-view.ts shapeKey: what the stack chose must not matter), in
// order; each pair must cross the same hosts in the same order with the same encapsulation
// on every hop: VNI, outer MACs and addresses, outer TTL, host-location and service-rewrite
// options, the inner frame's MACs, TTL and shape, and the outer UDP source port when the
// flow's ports are fixed (ICMP and ARP always; TCP/UDP when the client bound the scenario's
// source port). IP ids, ICMP ids, TCP sequence numbers and checksums are not compared —
// except where the pod's frame was the model's own (injected: raw, forged and ARP sends),
// where every wire frame must be the model's byte for byte.
//
// The third referee's other two: the kernel's run of the same path (a `both` run: each hop
// of the model's packet carries the kernel's verdict and its disagreements), and the
// verdicts the live programs counted (per-reason counters per host, the only verdicts a
// live run can observe) against the verdicts of the model's hops.
import { REASONS } from '../../model/dataplane/tables.ts';
import type { PacketDoc } from '../../report/json-schema/run-doc.ts';
import { docHosts } from '../run/docs.ts';
import type { ObservedPacket, WireHop } from './observe.ts';
import { innerLine, shapeKey, summarizeGeneve, summarizeInner, type GeneveSummary } from './frame-view.ts';
import { fromHex } from '../../model/wire/hex.ts';

export interface PredictedPacket {
  readonly doc: PacketDoc;
  readonly shape: string;
  readonly line: string;
  readonly path: string[];
  readonly wire: Array<{ from: string; to: string; frame: GeneveSummary; hex: string }>;
}

export function predict(doc: PacketDoc, optionClass?: number): PredictedPacket | undefined {
  const first = doc.hops[0];
  const inner = first ? summarizeInner(fromHex(first.frameIn)) : undefined;
  if (!inner) return undefined;
  const wire: PredictedPacket['wire'] = [];
  for (const h of doc.hops) {
    const leaves = h.action === 'TX' || (h.action === 'REDIRECT' && h.targetName === 'underlay');
    if (!leaves || h.frameOut === null) continue;
    const g = summarizeGeneve(fromHex(h.frameOut), optionClass);
    if (g) wire.push({ from: h.host, to: h.nextHost ?? g.dstMac, frame: g, hex: h.frameOut });
  }
  return { doc, shape: shapeKey(inner), line: innerLine(inner), path: docHosts(doc), wire };
}

export interface PairResult {
  readonly model: PredictedPacket;
  readonly live: ObservedPacket;
  readonly livePath: string[];
  /** Empty when the live packet did what the model predicted. */
  readonly diffs: string[];
  /** The kernel's disagreements with the model on this packet's hops (test run, same input). */
  readonly kernel: string[];
}

export interface SendComparison {
  readonly pairs: PairResult[];
  /** Predicted packets the live run did not show (a stack that had an ARP entry cached, fewer TCP segments). */
  readonly modelOnly: PredictedPacket[];
  /** Live packets the model has no counterpart for (the stacks' own extras). */
  readonly liveOnly: ObservedPacket[];
}

function hopDiffs(i: number, m: PredictedPacket['wire'][number], l: WireHop, sport: boolean, exact: boolean): string[] {
  const out: string[] = [];
  const cmp = (what: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`hop ${i + 1} ${what}: model ${JSON.stringify(a)}, live ${JSON.stringify(b)}`);
  };
  const mf = m.frame;
  const lf = l.frame;
  cmp('hosts', `${m.from}→${m.to}`, `${l.from}→${l.to}`);
  cmp('VNI', mf.vni, lf.vni);
  cmp('outer MACs', `${mf.srcMac}>${mf.dstMac}`, `${lf.srcMac}>${lf.dstMac}`);
  cmp('outer IPs', `${mf.srcIp}>${mf.dstIp}`, `${lf.srcIp}>${lf.dstIp}`);
  cmp('outer TTL', mf.ttl, lf.ttl);
  if (sport) cmp('UDP source port', mf.sport, lf.sport);
  cmp('host location', mf.hostLoc ?? null, lf.hostLoc ?? null);
  cmp('service rewrite', mf.svc ?? null, lf.svc ?? null);
  cmp('inner MACs', `${mf.inner.srcMac}>${mf.inner.dstMac}`, `${lf.inner.srcMac}>${lf.inner.dstMac}`);
  cmp('inner packet', shapeKey(mf.inner), shapeKey(lf.inner));
  if (mf.inner.ttl !== undefined) cmp('inner TTL', mf.inner.ttl, lf.inner.ttl);
  if (exact && out.length === 0 && m.hex !== l.hex) out.push(`hop ${i + 1} bytes: model ${m.hex}, live ${l.hex}`);
  return out;
}

/**
 * Pairs predicted and observed packets of one send. `deliveredTo(model)` names the pod the
 * model delivered it to (compared with the pods that saw it arrive live).
 */
export function compareSend(
  model: readonly PacketDoc[],
  live: readonly ObservedPacket[],
  opts: { senderHost: (p: ObservedPacket) => string; fixedPorts: boolean; optionClass?: number },
): SendComparison {
  const left = [...live];
  const pairs: PairResult[] = [];
  const modelOnly: PredictedPacket[] = [];
  for (const doc of model) {
    const m = predict(doc, opts.optionClass);
    if (!m) continue;
    const i = left.findIndex((l) => l.shape === m.shape);
    if (i < 0) {
      modelOnly.push(m);
      continue;
    }
    const [l] = left.splice(i, 1);
    const livePath = observedHosts(l, opts.senderHost(l));
    const diffs: string[] = [];
    const sport = opts.fixedPorts || m.shape.startsWith('icmp') || m.shape.startsWith('arp');
    if (livePath.join('>') !== m.path.join('>')) diffs.push(`path: model [${m.path.join(', ')}], live [${livePath.join(', ')}]`);
    if (m.wire.length !== l.hops.length) diffs.push(`wire frames: model ${m.wire.length}, live ${l.hops.length}`);
    // The pod's frame was the model's own: the wire must carry the model's bytes.
    const exact = l.sentHex !== undefined && l.sentHex === doc.hops[0]?.frameIn;
    for (let k = 0; k < Math.min(m.wire.length, l.hops.length); k++) diffs.push(...hopDiffs(k, m.wire[k], l.hops[k], sport, exact));
    const o = doc.outcome;
    const want = o.kind === 'delivered' ? [o.endpoint] : [];
    const got = l.deliveredTo;
    if (want.join(',') !== got.join(',')) diffs.push(`reached: model [${want.join(', ')}], live [${got.join(', ')}]`);
    if (!l.chained) diffs.push('live frames do not form one chain from the sender’s host');
    const kernel = doc.hops.flatMap((h, j) =>
      h.kernel && h.kernel.mismatches.length ? [`hop ${j + 1} ${h.host} ${h.program}: ${h.kernel.mismatches.join('; ')}`] : [],
    );
    pairs.push({ model: m, live: l, livePath, diffs, kernel });
  }
  return { pairs, modelOnly, liveOnly: left };
}

/** Hosts a live packet crossed (its sender's host first). */
export function observedHosts(p: ObservedPacket, senderHost: string): string[] {
  const out = [p.hops[0]?.from ?? senderHost];
  for (const h of p.hops) out.push(h.to);
  // A frame a host sends to itself never reaches the wire: collapse repeats as docHosts does.
  return out.filter((h, i) => i === 0 || h !== out[i - 1]);
}

/** Verdicts per host and reason name, counted: what the model's hops decided, or what the live counters say. */
export type Tally = Record<string, Record<string, number>>;

export function modelTally(docs: readonly PacketDoc[]): Tally {
  const out: Tally = {};
  for (const d of docs) for (const h of d.hops) (out[h.host] ??= {})[h.reason] = (out[h.host]?.[h.reason] ?? 0) + 1;
  return out;
}

const KIND = new Map<string, string>(REASONS.map((r) => [r.name, r.kind]));

/**
 * Where the live programs' verdicts (counter deltas) disagree with the model's: a verdict
 * the model's hops reached more often than the live programs did, or a drop only the live
 * programs made. Live forwards and passes beyond the model's are the stacks' own extras
 * (an ARP refresh, a TCP retransmission), not disagreements.
 */
export function tallyDiffs(model: Tally, live: Tally): string[] {
  const out: string[] = [];
  for (const [host, reasons] of Object.entries(model))
    for (const [r, n] of Object.entries(reasons)) {
      const got = live[host]?.[r] ?? 0;
      if (got < n) out.push(`${host} ${r}: model ${n}, live ${got}`);
    }
  for (const [host, reasons] of Object.entries(live))
    for (const [r, n] of Object.entries(reasons))
      if (KIND.get(r) === 'drop' && (model[host]?.[r] ?? 0) === 0) out.push(`${host} ${r}: model 0, live ${n}`);
  return out;
}
