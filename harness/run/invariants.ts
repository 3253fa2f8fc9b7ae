// The invariants, checked after the last step by probing every ordered pair of live
// endpoints with an ICMP echo (ARPing first as the pod would): same VPC → the echo and its
// reply must both arrive ("reach"); other VPC → nothing may reach the other endpoint (a
// packet delivered to a same-address endpoint of the sender's own VPC is not a leak).
// The same probes fill the reachability matrix of the reports.
import type { ControlPlane, Endpoint } from '../../model/control/plane.ts';
import { ether } from '../../model/wire/builder.ts';
import type { CellDoc, CheckDoc, MatrixDoc, PacketDoc } from '../../report/json-schema/run-doc.ts';
import type { Invariant } from '../scenario/types.ts';
import type { Pods, Sent } from './pods.ts';

/** Pairs probed at most by default: every pair (a scenario's `pairs: N`, or `run --pairs N`, samples). */
export const DEFAULT_PAIR_LIMIT = Infinity;

/** The pair limit a scenario's `invariants: { pairs }` asks for. */
export function pairLimitOf(pairs: 'all' | number | undefined): number {
  return pairs === undefined || pairs === 'all' ? DEFAULT_PAIR_LIMIT : pairs;
}

export interface MatrixRun {
  readonly matrix: MatrixDoc;
  readonly checks: CheckDoc[];
  /** Packets of the failing probes only: a passing matrix would drown the report. */
  readonly kept: PacketDoc[];
}

const vpcOf = (e: Endpoint): string => e.network.vpc.name;

/** Round-robin over subnets so a sample still covers every subnet and VPC. */
function sample(eps: Endpoint[], pairLimit: number): Endpoint[] {
  if (eps.length * (eps.length - 1) <= pairLimit) return eps;
  const byNet = new Map<string, Endpoint[]>();
  for (const e of eps) {
    const k = `${vpcOf(e)}/${e.network.name}`;
    byNet.set(k, [...(byNet.get(k) ?? []), e]);
  }
  const out: Endpoint[] = [];
  const queues = [...byNet.values()];
  for (let round = 0; ; round++) {
    let added = false;
    for (const q of queues) {
      if (round < q.length && (out.length + 1) * out.length <= pairLimit) {
        out.push(q[round]);
        added = true;
      }
    }
    if (!added) return out;
  }
}

/** The probes' echo data, encoded once (the builder would encode the string on every probe). */
const PROBE_DATA = new TextEncoder().encode('twinplane-probe');

function probe(pods: Pods, a: Endpoint, b: Endpoint, id: number): { cell: CellDoc; sent: Sent[] } {
  const flow = `probe ${a.name} → ${b.name}`;
  const sent: Sent[] = [];
  // Untraced: a probe's packets are reported only when it fails, with their decision points.
  const r = pods.resolve(a.name, b.ip, flow, false);
  if (r.arp) sent.push(r.arp);
  let reachedB = false;
  let leak = false;
  let replied = false;
  if (r.mac !== undefined) {
    const frame = ether({ src: a.mac, dst: r.mac }).ipv4({ src: a.ip, dst: b.ip }).icmpEcho({ id, seq: 1 }).payload(PROBE_DATA).build();
    const s = pods.send(a.name, frame, flow, 'request', false);
    sent.push(s);
    const o = s.path.outcome;
    if (o.kind === 'delivered') {
      reachedB = o.pod === b.name;
      leak = vpcOf(pods.pod(o.pod)) !== vpcOf(a);
    }
    for (const x of pods.answer(s, flow, false)) {
      sent.push(x);
      const xo = x.path.outcome;
      if (x.role === 'reply' && xo.kind === 'delivered' && xo.pod === a.name) replied = true;
    }
  }
  const same = vpcOf(a) === vpcOf(b);
  const cell: CellDoc = same ? (reachedB && replied ? 'reach' : 'broken') : reachedB || leak ? 'leak' : 'blocked';
  return { cell, sent };
}

export function probeMatrix(pods: Pods, cp: ControlPlane, invariants: readonly Invariant[], pairLimit = DEFAULT_PAIR_LIMIT): MatrixRun {
  const all = [...cp.endpoints.values()];
  const eps = sample(all, pairLimit);
  const base = pods.nextId;
  const kept: PacketDoc[] = [];
  const leaks: string[] = [];
  const broken: string[] = [];
  let id = 0xa000;
  const cells = eps.map((a) =>
    eps.map((b): CellDoc => {
      if (a === b) return 'self';
      const { cell, sent } = probe(pods, a, b, id++ & 0xffff);
      if (cell === 'leak') leaks.push(`${a.name} → ${b.name}`);
      if (cell === 'broken') broken.push(`${a.name} → ${b.name}`);
      // Kept: the probes that failed, and any whose hops the kernel disagreed on.
      if (cell === 'leak' || cell === 'broken' || sent.some((s) => s.path.firstBad >= 0))
        for (const s of sent) kept.push({ ...s.doc, id: base + kept.length });
      return cell;
    }),
  );
  pods.nextId = base + kept.length;
  const totalPairs = all.length * (all.length - 1);
  const probedPairs = eps.length * (eps.length - 1);
  const note =
    eps.length < all.length
      ? `${all.length} endpoints: probed a sample of ${eps.length} covering every subnet (${probedPairs} of ${totalPairs} pairs)`
      : undefined;
  // Every message says whether it covers every pair or a sample, and how large.
  const scope =
    eps.length < all.length ? ` (a sample: ${probedPairs} of ${totalPairs} ordered pairs probed)` : ` (every ordered pair: ${totalPairs})`;
  const matrix: MatrixDoc = { endpoints: eps.map((e) => e.name), vpcs: eps.map(vpcOf), cells, ...(note ? { note } : {}) };
  const pairs = (f: (a: Endpoint, b: Endpoint) => boolean): number =>
    eps.reduce((n, a) => n + eps.filter((b) => a !== b && f(a, b)).length, 0);
  const checks: CheckDoc[] = [];
  const show = (xs: string[]): string => xs.slice(0, 10).join(', ') + (xs.length > 10 ? `, … (${xs.length} in all)` : '');
  if (invariants.includes('isolation')) {
    const n = pairs((a, b) => vpcOf(a) !== vpcOf(b));
    checks.push({
      id: 'invariant.isolation',
      kind: 'invariant',
      name: 'isolation: no endpoint reaches another VPC',
      ok: leaks.length === 0,
      message: (leaks.length === 0 ? `${n} cross-VPC pairs, none reached` : `reached across VPCs: ${show(leaks)}`) + scope,
    });
  }
  if (invariants.includes('reachability')) {
    const n = pairs((a, b) => vpcOf(a) === vpcOf(b));
    checks.push({
      id: 'invariant.reachability',
      kind: 'invariant',
      name: 'reachability: every endpoint reaches its own VPC',
      ok: broken.length === 0,
      message: (broken.length === 0 ? `${n} same-VPC pairs, every echo answered` : `no round trip: ${show(broken)}`) + scope,
    });
  }
  return { matrix, checks, kept };
}
