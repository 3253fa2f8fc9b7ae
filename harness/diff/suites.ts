// The per-program properties, shared by the differential suites, the broken-program test and
// the coverage test: an arbitrary (one topology, a list of cases) and a check that runs every
// case in the model and the kernel and returns the first new mismatch.
import fc from 'fast-check';
import type { ProgramSuite } from './suite.ts';
import type { Failure } from './property.ts';
import { IFINDEX_POOL, type TopoSpec, applyOp, buildTopology, describeTopology, topoSpec } from './gen/random-topology.ts';
import type { DataplaneInstance, KernelRun } from '../dataplane/instance.ts';
import type { Coverage } from './coverage.ts';
import type { KnownTracker } from './known.ts';
import { type BatchFinding, Engine, type EnginePath } from '../engine/engine.ts';
import type { EngineHop } from '../engine/hop.ts';
import { type ProgramCase, hopSides } from '../engine/program.ts';
import type { HostState } from '../../model/dataplane/state.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import { type Mutation, type PodPkt, mutate, mutation, podFrame, podPkt, validPodPkt } from './gen/packets.ts';
import { type TransitCase, TransitSource, transitCase } from './gen/transit-cases.ts';
import { type RandomFrame, type RandomState, buildRandomState, frameFor, randomFrame, randomState } from './gen/random-state.ts';

export interface AgentCase {
  pkt: PodPkt;
  mut: Mutation;
  ingress: number | null;
}

export function agentArb(casesPerRun: number): fc.Arbitrary<{ topo: TopoSpec; cases: AgentCase[] }> {
  const c = fc.record({ pkt: podPkt(), mut: mutation(), ingress: fc.option(fc.nat({ max: IFINDEX_POOL.length - 1 }), { freq: 12 }) });
  return fc.record({ topo: topoSpec(), cases: fc.array(c, { minLength: 1, maxLength: casesPerRun, size: 'max' }) });
}

/**
 * Runs a check's cases (ProgramSuite.runAll) and judges them in order: the first new
 * mismatch, or null. `where[i]` says where case i ran, for its report.
 */
function firstFailure(
  suite: ProgramSuite,
  runs: ReadonlyArray<{ h: number; state: HostState; c: ProgramCase }>,
  where: ReadonlyArray<() => string>,
  context: () => string[],
): Failure | null {
  const outcomes = suite.runAll(runs);
  for (let i = 0; i < outcomes.length; i++) {
    // judge() passes an agreeing outcome: the text is built only for one that differs.
    const f = outcomes[i].diffs.length === 0 ? null : suite.judge(outcomes[i], where[i](), context);
    if (f !== null) return f;
  }
  return null;
}

export function agentCheck(suite: ProgramSuite): (t: { topo: TopoSpec; cases: AgentCase[] }) => Failure | null {
  return ({ topo: spec, cases }) => {
    const t = buildTopology(spec);
    suite.reset();
    const runs: Array<{ h: number; state: HostState; c: ProgramCase }> = [];
    const where: Array<() => string> = [];
    // A topology without pods has no frame to send: nothing runs (as the first case finds).
    let complete = true;
    for (const c of cases) {
      const pf = podFrame(t, c.pkt);
      if (pf === null) {
        complete = false;
        break;
      }
      const ingress = c.ingress === null ? pf.ep.ifindex : IFINDEX_POOL[c.ingress];
      runs.push({
        h: t.hosts.indexOf(pf.ep.host),
        state: pf.ep.host.state,
        c: { program: 'agent', ingress, frame: mutate(pf.frame, c.mut) },
      });
      where.push(() => `agent on ${pf.ep.host.name} (ingress ${ingress}, pod ${pf.ep.name}), case ${JSON.stringify(c)}`);
    }
    const bad = firstFailure(suite, runs, where, () => describeTopology(t));
    if (bad !== null || !complete) return bad;
    return suite.endBatch(() => describeTopology(t));
  };
}

/** Random host states (records no control plane writes) and frames aimed at them, through both programs. */
export function randomArb(casesPerRun: number): fc.Arbitrary<{ state: RandomState; frames: RandomFrame[] }> {
  return fc.record({ state: randomState(), frames: fc.array(randomFrame(), { minLength: 1, maxLength: casesPerRun, size: 'max' }) });
}

export function randomCheck(suite: ProgramSuite): (t: { state: RandomState; frames: RandomFrame[] }) => Failure | null {
  const text = (state: RandomState): string[] => [
    `state ${JSON.stringify(state, (_k, v: unknown) => (v instanceof Uint8Array ? [...v].join('.') : v))}`,
  ];
  return ({ state, frames }) => {
    const h = buildRandomState(state);
    suite.reset();
    const runs: Array<{ h: number; state: HostState; c: ProgramCase }> = [];
    const where: Array<() => string> = [];
    for (const f of frames) {
      const { ingress, frame } = frameFor(state, f);
      runs.push({ h: 0, state: h, c: { program: f.program, ingress, frame } });
      where.push(() => `${f.program} (ingress ${ingress}) on a random state, frame ${JSON.stringify({ ...f, bytes: undefined })}`);
    }
    return firstFailure(suite, runs, where, () => text(state)) ?? suite.endBatch(() => text(state));
  };
}

export function transitArb(casesPerRun: number): fc.Arbitrary<{ topo: TopoSpec; cases: TransitCase[] }> {
  return fc.record({ topo: topoSpec(), cases: fc.array(transitCase(), { minLength: 1, maxLength: casesPerRun, size: 'max' }) });
}

export function transitCheck(suite: ProgramSuite): (t: { topo: TopoSpec; cases: TransitCase[] }) => Failure | null {
  return ({ topo: spec, cases }) => {
    const t = buildTopology(spec);
    // Frames come from a second build of the same topology: the model cluster learns as it
    // walks, and the states under test must stay as the control plane wrote them.
    const src = new TransitSource(buildTopology(spec));
    suite.reset();
    const runs: Array<{ h: number; state: HostState; c: ProgramCase }> = [];
    const where: Array<() => string> = [];
    for (const c of cases) {
      const f = src.frame(c);
      if (f === null) continue;
      const host = t.hosts[f.host];
      runs.push({ h: f.host, state: host.state, c: { program: 'transit', ingress: f.ingress, frame: f.frame } });
      where.push(() => `transit on ${host.name} (ingress ${f.ingress}), case ${JSON.stringify(c)}`);
    }
    return firstFailure(suite, runs, where, () => describeTopology(t)) ?? suite.endBatch(() => describeTopology(t));
  };
}

// --- paths -------------------------------------------------------------------------------

export type PathStep =
  { t: 'send'; pkt: PodPkt; mut: Mutation } | { t: 'reply' } | { t: 'repeat' } | { t: 'op'; op: TopoSpec['ops'][number] };

export function pathArb(steps: number): fc.Arbitrary<{ topo: TopoSpec; steps: PathStep[] }> {
  const rareMutation = fc.oneof({ weight: 8, arbitrary: fc.constant<Mutation>({ m: 'none' }) }, { weight: 1, arbitrary: mutation() });
  const step: fc.Arbitrary<PathStep> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('send' as const), pkt: validPodPkt(), mut: fc.constant<Mutation>({ m: 'none' }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('send' as const), pkt: podPkt(), mut: rareMutation }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('reply' as const) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('repeat' as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('op' as const),
        op: fc.record({
          op: fc.constantFrom('delete' as const, 'move' as const, 'removeBackend' as const),
          ep: fc.nat({ max: 6 }),
          host: fc.nat({ max: 3 }),
          svc: fc.nat({ max: 1 }),
        }),
      }),
    },
  );
  return fc.record({ topo: topoSpec(), steps: fc.array(step, { minLength: 1, maxLength: steps, size: 'max' }) });
}

/** What a pod's stack sends back for a frame it received: addresses and ports swapped. */
export function replyTo(frame: Uint8Array): Uint8Array | null {
  if (frame.length < 34 || frame[12] !== 0x08 || frame[13] !== 0x00) return null;
  const r = frame.slice();
  r.set(frame.subarray(6, 12), 0);
  r.set(frame.subarray(0, 6), 6);
  // Swapping addresses (and ports) keeps every checksum: the ones' complement sum is the same.
  r.set(frame.subarray(26, 30), 30);
  r.set(frame.subarray(30, 34), 26);
  r[22] = 64;
  r[24] = 0;
  r[25] = 0;
  const ihl = (frame[14] & 15) * 4;
  let s = 0;
  for (let i = 14; i < 14 + ihl && i + 1 < r.length; i += 2) s += (r[i] << 8) | r[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  r[24] = (~s >> 8) & 255;
  r[25] = ~s & 255;
  const l4 = 14 + ihl;
  const proto = frame[23];
  if ((proto === 6 || proto === 17) && r.length >= l4 + 4) {
    r.set(frame.subarray(l4, l4 + 2), l4 + 2);
    r.set(frame.subarray(l4 + 2, l4 + 4), l4);
  } else if (proto === 1 && r.length >= l4 + 4 && frame[l4] === 8) {
    r[l4] = 0;
    // Echo reply: type 8 -> 0 changes the checksum by 0x0800 (RFC 1624).
    let c = ((r[l4 + 2] << 8) | r[l4 + 3]) + 0x0800;
    c = (c & 0xffff) + (c >>> 16);
    r[l4 + 2] = c >> 8;
    r[l4 + 3] = c & 255;
  }
  return r;
}

export interface PathSuiteState {
  instances: readonly DataplaneInstance[];
  coverage: Coverage;
  known: KnownTracker;
  hops: number;
  sends: number;
}

/** Text of a path's two sides, one line per hop (then the kernel's own continuation), for reports. */
export function describePaths(c: EnginePath): string[] {
  const lines: string[] = [];
  const side = (h: EngineHop, k: KernelRun | null): string =>
    `${h.program}@${h.host} ${k === null ? (h.note ?? 'not run') : `${k.action} ${reasonName(k.reason)}`}`;
  c.hops.forEach((h, i) => {
    const m = h.model;
    const mv = m !== null ? `${h.program}@${h.host} ${m.action} ${reasonName(m.reason)}` : '-';
    lines.push(`${i === c.firstBad ? '≠' : ' '} hop ${i}: model ${mv} | kernel ${side(h, h.kernel)}`);
  });
  c.kernelTail.forEach((h, i) => lines.push(`  then the kernel alone, hop ${c.firstBad + 1 + i}: ${side(h, h.kernel)}`));
  lines.push(`model outcome: ${JSON.stringify(c.outcome, (_k, v) => (v instanceof Uint8Array ? `${v.length} bytes` : v))}`);
  return lines;
}

function batchFailure(found: readonly BatchFinding[], t: ReturnType<typeof buildTopology>, when: string): Failure | null {
  const f = found[0];
  if (f === undefined) return null;
  const c = f.culprit;
  if (c !== undefined) {
    const at = c.path.firstBad >= 0 ? c.path.firstBad : c.path.hops.length - 1;
    const h = c.path.hops[at];
    return {
      where: `${when}: send ${c.index} of the batch (from pod ${c.pod}) left learnt entries behind (found by the end-of-batch read, then replayed send by send)`,
      input: h?.frameIn ?? c.frame,
      ...(h !== undefined ? hopSides(h) : { model: { error: 'no hop' }, kernel: { error: 'no hop' } }),
      diffs: f.diffs,
      context: [...describePaths(c.path), ...describeTopology(t)],
    };
  }
  return {
    where: `${when}: learnt entries no send accounted for (no single send reproduces them)`,
    input: new Uint8Array(14),
    model: { error: 'see the learnt maps' },
    kernel: { error: 'see the learnt maps' },
    diffs: f.diffs,
    context: describeTopology(t),
  };
}

/**
 * One scenario: a topology, then steps (pod sends, replies to what was delivered, repeats,
 * control-plane operations). Learnt state carries over between steps, as in a cluster; the
 * engine's batch ends before every control-plane operation and at the end.
 */
export function pathCheck(s: PathSuiteState, suiteName: string): (t: { topo: TopoSpec; steps: PathStep[] }) => Failure | null {
  return ({ topo: spec, steps }) => {
    const t = buildTopology(spec);
    const e = new Engine(t.cp, 'both', { instances: s.instances });
    let last: { pod: string; frame: Uint8Array } | null = null;
    let delivered: { pod: string; frame: Uint8Array } | null = null;
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i];
      let send: { pod: string; frame: Uint8Array } | null = null;
      if (st.t === 'op') {
        const bad = batchFailure(e.endBatch(), t, `before step ${i} (${JSON.stringify(st.op)})`);
        if (bad !== null) return bad;
        if (applyOp(t, st.op)) {
          t.eps = t.eps.filter((x) => t.cp.endpoints.has(x.name));
          e.sync();
        }
        continue;
      }
      if (st.t === 'send') {
        const pf = podFrame(t, st.pkt);
        if (pf !== null) send = { pod: pf.ep.name, frame: mutate(pf.frame, st.mut) };
      } else if (st.t === 'repeat') {
        send = last !== null && t.cp.endpoints.has(last.pod) ? last : null;
      } else if (delivered !== null && t.cp.endpoints.has(delivered.pod)) {
        const r = replyTo(delivered.frame);
        if (r !== null) send = { pod: delivered.pod, frame: r };
      }
      if (send === null) continue;
      last = send;
      s.sends++;
      const c = e.send(send.pod, send.frame, { traced: true, kernelTail: true });
      s.hops += c.hops.length;
      for (const h of c.hops) s.coverage.add(h.model?.points ?? [], h.kernel?.points ?? [], [h.verdict.reason]);
      for (const h of c.kernelTail) s.coverage.add([], h.kernel?.points ?? []);
      if (c.outcome.kind === 'delivered') delivered = { pod: c.outcome.pod, frame: c.outcome.frame };
      if (c.firstBad < 0) continue;
      const h = c.hops[c.firstBad];
      const sides = hopSides(h);
      const known = s.known.explain({
        suite: suiteName,
        program: h.program,
        ingress: h.ingress,
        input: h.frameIn,
        ...sides,
        diffs: h.diffs,
      });
      if (known !== undefined) return null; // the scenario's state has diverged: stop it here
      return {
        where: `step ${i} (${st.t}) from pod ${send.pod}, hop ${c.firstBad} (${h.program} on ${h.host})`,
        input: h.frameIn,
        ...sides,
        diffs: h.diffs,
        context: [...describePaths(c), ...describeTopology(t), `steps ${JSON.stringify(steps.slice(0, i + 1))}`],
      };
    }
    const bad = batchFailure(e.endBatch(), t, 'end of scenario');
    if (bad !== null) return bad;
    const counters = e.compareCounters();
    if (counters.length > 0) {
      return {
        where: 'end of scenario: counters of every host',
        input: new Uint8Array(14),
        model: { error: 'see counters' },
        kernel: { error: 'see counters' },
        diffs: counters,
        context: describeTopology(t),
      };
    }
    return null;
  };
}
