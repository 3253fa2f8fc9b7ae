// The one model-vs-kernel engine for paths: a frame leaves a pod and is followed across the
// cluster by the underlay rules of model/cluster/walk.ts, every hop on its host — in the
// model (target model), in that host's own loaded kernel instance (xdp), or in both on the
// same input (both: the model's verdict drives the path, every difference is recorded on
// the hop). The scenario runner, trace, replay, demo and the path suites all run on it.
//
// The fast path per hop is runHop's: the test run, the verdict record from shared memory,
// learnt writes counted and checked by the keys the model wrote. Whole learnt maps are
// read only when something disagrees and at the end of a batch (`endBatch`: the runner calls
// it before each control-plane change and at the end of a scenario; the engine ends one by
// itself, see batchLimitFor), for the hosts the batch touched. A difference found there is
// traced to its packet: the batch replayed from its starting state and searched (attribute).
import { Cluster, DEFAULT_HOP_LIMIT } from '../../model/cluster/cluster.ts';
import { type HopRunner, type PathOutcome, type WalkStart, type Walked, walk, walkFrom } from '../../model/cluster/walk.ts';
import type { ControlPlane, Host } from '../../model/control/plane.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import { type DataplaneInstance, loadInstances } from '../dataplane/instance.ts';
import {
  LEARNT_MAPS,
  type LearntEntries,
  kernelLearnt,
  learntBytesOf,
  learntEntries,
  restoreLearnt,
  writeHostState,
} from '../dataplane/mapwriter.ts';
import { ensureIfindexes } from '../netns.ts';
import type { Difference } from './differences.ts';
import { type EngineHop, type HopSides, compareLearntWhole, counterShadowOf, resetCounterShadow, runHop } from './hop.ts';
import { fromHex } from '../../model/wire/hex.ts';

export type EngineTarget = 'model' | 'xdp' | 'both';

export interface EnginePath extends Walked<EngineHop> {
  /** Index of the first hop whose two sides differ, or -1. */
  firstBad: number;
  /**
   * When asked for (`kernelTail`) and a hop disagreed: the kernel's own path after that hop,
   * following the kernel's verdict there, on the kernel alone (for mismatch reports).
   */
  kernelTail: EngineHop[];
}

export interface SendOptions {
  /** Record the model's lookups on every hop (traces). Default true. */
  traced?: boolean;
  /** Follow the kernel's own path after a disagreement (mismatch reports). Default false. */
  kernelTail?: boolean;
}

export interface EngineOptions {
  /** Kernel instances to play the hosts (in control-plane order); loaded by the engine when absent. */
  instances?: readonly DataplaneInstance[];
  /** The compiled data plane the engine loads (default build/bpf/dataplane.o): a mutant, in tests. */
  object?: string;
  hopLimit?: number;
  /** Sends after which a batch ends by itself, whatever the learnt state (default: batchLimitFor's rule). */
  batchSends?: number;
}

/** What the end of a batch found, traced to the send that left it when one does. */
export interface BatchFinding {
  diffs: Difference[];
  /**
   * The send after which the difference first shows (the batch replayed one by one); `index`
   * counts the sends since the previous endBatch(), batches the engine ended by itself included.
   */
  culprit?: { index: number; pod: string; frame: Uint8Array; path: EnginePath };
}

/** Sends after which the engine ends a batch by itself, at least (bounds what a replay must redo). */
export const BATCH_SENDS = 10_000;
/**
 * ...and at least this many per learnt entry the hosts held when the batch began. The end of
 * a batch costs in proportion to that state (the model's snapshot at its start, the kernel's
 * maps read whole and compared at its end: ~1.7 µs an entry here), so a batch of a fixed
 * length cost more per send the more the hosts had learnt: in the all-pairs probes on both,
 * 0.9 µs a pair at 500 pods and 1.4 µs at 1,000 (of ~17 µs). With the length following the
 * state, the end of a batch costs at most ~0.2 µs a send at any size.
 */
export const BATCH_SENDS_PER_ENTRY = 8;
/** ...but a batch keeps its frames for a replay: it ends by itself past this many bytes of them. */
export const BATCH_FRAME_BYTES = 64 << 20;

/** Sends after which a batch that began with `held` learnt entries (all hosts) ends by itself. */
export function batchLimitFor(held: number): number {
  return Math.max(BATCH_SENDS, BATCH_SENDS_PER_ENTRY * held);
}

/** A path outcome's host, for reports. */
export function outcomeHost(o: PathOutcome): string | undefined {
  return 'host' in o ? o.host : undefined;
}

export class Engine {
  readonly cluster: Cluster;
  readonly hopLimit: number;
  /** Hops run since the engine started. */
  hops = 0;
  private readonly insts = new Map<string, DataplaneInstance>();
  private readonly owned: DataplaneInstance[] = [];
  private readonly ifindexes = new Set<number>();
  /** Hosts a kernel hop ran on since the last end of batch. */
  private readonly touched = new Set<string>();
  /** The sends of this batch and the model's learnt state when it began (target both). */
  private batch: Array<{ start: string | WalkStart; frame: Uint8Array }> = [];
  // Each host's learnt entries when the batch began, as bytes (hex only if a replay needs them).
  private batchStart = new Map<string, LearntEntries>();
  /** Findings of batches the engine ended by itself, for the next endBatch. */
  private pending: BatchFinding[] = [];
  /** Sends of the batches ended by the engine itself since the last endBatch(). */
  private batchBase = 0;
  /** Bytes of the frames of this batch (its sends' frames are kept for a replay). */
  private batchBytes = 0;
  /** Sends after which this batch ends by itself (set when it begins). */
  private batchLimit = BATCH_SENDS;
  private readonly batchSends: number | undefined;
  /** A culprit search is replaying its batch. */
  private replaying = false;

  constructor(
    readonly cp: ControlPlane,
    readonly target: EngineTarget,
    opts: EngineOptions = {},
  ) {
    this.cluster = new Cluster(cp);
    this.hopLimit = opts.hopLimit ?? DEFAULT_HOP_LIMIT;
    this.batchSends = opts.batchSends;
    this.tracedSides = { model: target !== 'xdp', kernel: target !== 'model', traced: true };
    this.untracedSides = { ...this.tracedSides, traced: false };
    this.sides = this.tracedSides;
    if (target === 'model') return;
    const hosts = [...cp.hosts.values()];
    let insts = opts.instances;
    if (insts === undefined) {
      // The object's own map sizes, and the spec's for the learnt partitions the harness
      // creates: the model's learnt maps evict at the kernel's limits.
      this.owned.push(
        ...loadInstances(
          hosts.map((h) => h.name),
          { ifindexes: this.wantedIfindexes(), maxEntries: {}, ...(opts.object !== undefined ? { object: opts.object } : {}) },
        ),
      );
      insts = this.owned;
    } else if (hosts.length > insts.length) {
      throw new Error(`${hosts.length} hosts but ${insts.length} kernel instances`);
    }
    hosts.forEach((h, i) => this.insts.set(h.name, insts[i]));
    for (const i of this.wantedIfindexes()) this.ifindexes.add(i);
    this.sync();
  }

  /** Every ifindex a run may name as ingress: underlay NICs and veths (they must exist). */
  private wantedIfindexes(): number[] {
    const s = new Set<number>();
    for (const h of this.cp.hosts.values()) {
      s.add(h.underlayIfindex);
      for (const i of h.veths?.keys() ?? []) s.add(i);
    }
    return [...s].sort((a, b) => a - b);
  }

  private inst(h: Host): DataplaneInstance {
    const i = this.insts.get(h.name);
    if (i === undefined) throw new Error(`no kernel instance for host ${h.name} (hosts are fixed when the engine starts)`);
    return i;
  }

  /**
   * Writes the model's state of the named hosts (default: every host) into their kernel
   * instances after a control-plane change (the runner names the hosts the change wrote
   * to), and starts a new batch.
   */
  sync(hosts?: Iterable<string>): void {
    if (this.target === 'model') return;
    const missing = this.wantedIfindexes().filter((i) => !this.ifindexes.has(i));
    if (missing.length > 0) {
      ensureIfindexes(missing);
      for (const i of missing) this.ifindexes.add(i);
    }
    for (const n of hosts ?? this.cp.hosts.keys()) {
      const h = this.cp.host(n);
      writeHostState(this.inst(h), h.state, { counters: false });
    }
    this.beginBatch();
  }

  private beginBatch(): void {
    this.batch = [];
    this.batchBytes = 0;
    this.batchStart = new Map();
    if (this.target !== 'both') return;
    this.batchStart = this.learntNow();
    let held = 0;
    for (const e of this.batchStart.values()) for (const name of LEARNT_MAPS) held += e[name].length;
    this.batchLimit = this.batchSends ?? batchLimitFor(held);
  }

  /** A send of this batch (target both), after ending the batch by itself when it is due. */
  private record(start: string | WalkStart, frame: Uint8Array): void {
    if (this.batch.length >= this.batchLimit || this.batchBytes >= BATCH_FRAME_BYTES) {
      const sent = this.batch.length;
      this.pending.push(this.finishBatch());
      this.batchBase += sent;
    }
    this.batch.push({ start, frame });
    this.batchBytes += frame.length;
  }

  /**
   * One program run on one host, outside any path (replay): the same hop as on a path, and
   * the host's learnt state carries to the next one as on a real host.
   */
  hop(hostName: string, program: 'agent' | 'transit', ingress: number, frame: Uint8Array, opts: { traced?: boolean } = {}): EngineHop {
    const host = this.cp.host(hostName);
    const sides: HopSides = { model: this.target !== 'xdp', kernel: this.target !== 'model', traced: opts.traced !== false };
    const hop = runHop(host.name, this.target === 'model' ? null : this.inst(host), host.state, program, ingress, frame, sides);
    if (hop.kernel !== null) this.touched.add(host.name);
    this.hops++;
    return hop;
  }

  /** Sends `frame` from pod `fromPod` and follows it to its end. */
  send(fromPod: string, frame: Uint8Array, opts: SendOptions = {}): EnginePath {
    if (this.target === 'both') this.record(fromPod, frame);
    return this.walk(fromPod, frame, opts);
  }

  /**
   * Follows `frame` from any interface: a host's underlay NIC (transit) or a pod's veth
   * (agent). `trace --frame` starts there; a pod's own sends start with `send`.
   */
  sendFrom(start: WalkStart, frame: Uint8Array, opts: SendOptions = {}): EnginePath {
    if (this.target === 'both') this.record(start, frame);
    return this.walk(start, frame, opts);
  }

  // The sides of the walk in progress and the hop runner, made once: a closure per send
  // costs more than it looks under tsx, whose transform names every function it creates.
  private readonly tracedSides: HopSides;
  private readonly untracedSides: HopSides;
  private sides: HopSides;
  private readonly runner: HopRunner<EngineHop> = (host, program, ingress, input) => {
    const hop = runHop(host.name, this.target === 'model' ? null : this.inst(host), host.state, program, ingress, input, this.sides);
    if (hop.kernel !== null) this.touched.add(host.name);
    this.hops++;
    return { hop, step: hop.verdict };
  };

  private walk(from: string | WalkStart, frame: Uint8Array, opts: SendOptions): EnginePath {
    this.sides = opts.traced === false ? this.untracedSides : this.tracedSides;
    const walked =
      typeof from === 'string'
        ? walk<EngineHop>(this.cp, from, frame, this.runner, this.hopLimit, this.cluster.switchTable())
        : walkFrom<EngineHop>(from, frame, this.runner, this.hopLimit, this.cluster.switchTable());
    // A search's replays leave the pods' stacks alone: their frames were taken in the first time.
    if (walked.outcome.kind === 'delivered' && !this.replaying)
      this.cluster.receive(this.cp.endpoint(walked.outcome.pod), walked.outcome.frame);
    const firstBad = walked.hops.findIndex((h) => h.diffs.length > 0);
    const kernelTail = firstBad >= 0 && opts.kernelTail === true ? this.kernelPathFrom(walked.hops[firstBad]) : [];
    // Fields named, not spread: walks end in outcomes of several shapes, and a spread of
    // them went megamorphic and cost ~1 µs a send (a tenth of a path's time).
    return { hops: walked.hops, outcome: walked.outcome, underlayCrossings: walked.underlayCrossings, firstBad, kernelTail };
  }

  /** The kernel's own path after `bad`, following the kernel's verdict there, on the kernel alone. */
  private kernelPathFrom(bad: EngineHop): EngineHop[] {
    const k = bad.kernel;
    if (k === null || this.target !== 'both') return [];
    const kv = {
      action: k.action.startsWith('UNKNOWN') ? ('ABORTED' as const) : (k.action as EngineHop['verdict']['action']),
      reason: k.reason,
      target: k.target,
      output: k.output,
    };
    let first = true;
    const runner: HopRunner<EngineHop> = (h, program, ingress, input) => {
      if (first) {
        first = false;
        return { hop: bad, step: kv };
      }
      const hop = runHop(h.name, this.inst(h), h.state, program, ingress, input, { model: false, kernel: true, traced: false });
      this.touched.add(h.name);
      return { hop, step: hop.verdict };
    };
    const start = { host: this.cp.host(bad.host), program: bad.program, ingress: bad.ingress };
    return walkFrom(start, bad.frameIn, runner, this.hopLimit, this.cluster.switchTable()).hops.slice(1);
  }

  /**
   * The end of a batch (before a control-plane change, and at the end): on target both the
   * learnt maps of every host touched since the last batch, model against kernel, whole,
   * each difference traced to its send; on xdp the kernel's learnt entries become the
   * model's, so the control plane's invalidations act on what the kernel learnt.
   */
  endBatch(): BatchFinding[] {
    const out = [...this.pending, this.finishBatch()].filter((f) => f.diffs.length > 0);
    this.pending = [];
    this.batchBase = 0;
    return out;
  }

  private finishBatch(): BatchFinding {
    const diffs: Difference[] = [];
    for (const name of this.touched) {
      const h = this.cp.host(name);
      const inst = this.inst(h);
      if (this.target === 'both') {
        for (const d of compareLearntWhole(inst, h.state)) diffs.push({ ...d, text: `${name}: ${d.text}` });
      } else if (this.target === 'xdp') {
        adoptKernelLearnt(h, inst);
      }
    }
    this.touched.clear();
    const finding: BatchFinding = { diffs };
    if (diffs.length > 0 && this.target === 'both') {
      // The search replays the batch from its start; the run goes on from where the model
      // ended it (the kernel put to the same entries), not from where the search stopped.
      const end = this.learntNow();
      this.replaying = true;
      try {
        const culprit = this.attribute();
        if (culprit !== undefined) finding.culprit = culprit;
      } finally {
        this.replaying = false;
      }
      this.putLearnt(end);
    }
    this.beginBatch();
    return finding;
  }

  /**
   * The send that left the batch's difference, by a search over the batch replayed from its
   * starting learnt state. `lo` sends are known to leave model and kernel alike; then the
   * model's entries are the kernel's too, so a snapshot of the model's restores both hosts'
   * sides to that point, and the replay goes on from there. Each probe replays a stretch and
   * reads every host's maps whole once: for a culprit at send c, about 3c sends replayed and
   * 2 log2(c) whole reads, where a whole read after every send cost c reads.
   * The send found is one after which the maps differ where they agreed just before it: the
   * first such when a difference, once there, stays (a stray entry stays until evicted).
   */
  private attribute(): BatchFinding['culprit'] {
    const sends = this.batch;
    let at = this.batchStart;
    // Whether the hosts hold something other than `at` (a clean probe leaves them at it).
    let away = true;
    const restore = (): void => {
      if (!away) return;
      away = false;
      this.putLearnt(at);
    };
    const differs = (): boolean => [...this.cp.hosts.values()].some((h) => compareLearntWhole(this.inst(h), h.state).length > 0);
    const replay = (from: number, to: number): void => {
      away = true;
      for (let i = from; i < to; i++) this.walk(sends[i].start, sends[i].frame, { traced: false });
    };
    // Invariant: the first lo sends leave no difference (the state `at` holds what they leave);
    // some send before hi leaves one (hi = the batch's length: the end of the batch saw it).
    // Galloping from lo (1, 2, 4… sends further) while nothing differs, then halving: a send
    // near the batch's start is found in few sends, one near its end in about one replay.
    let lo = 0;
    let hi = sends.length;
    let step = 1;
    while (hi - lo > 1) {
      const mid = Math.min(lo + step, (lo + hi) >>> 1);
      restore();
      replay(lo, mid);
      if (differs()) {
        hi = mid;
        step = hi - lo;
      } else {
        lo = mid;
        step *= 2;
        at = this.learntNow();
        away = false;
      }
    }
    if (hi === lo) return undefined;
    // The one send left, replayed traced and with the kernel's own path, for the report.
    restore();
    const path = this.walk(sends[lo].start, sends[lo].frame, { traced: true, kernelTail: true });
    if (!differs()) return undefined;
    const s = sends[lo].start;
    return { index: this.batchBase + lo, pod: typeof s === 'string' ? s : `${s.host.name} ${s.program}`, frame: sends[lo].frame, path };
  }

  /** Every host's learnt entries in the model, as bytes. */
  private learntNow(): Map<string, LearntEntries> {
    return new Map([...this.cp.hosts.values()].map((h) => [h.name, learntEntries(h.state)]));
  }

  /** Every host's learnt maps, the model's and the kernel's, set to `snap`'s entries (none for a host it lacks). */
  private putLearnt(snap: ReadonlyMap<string, LearntEntries>): void {
    for (const h of this.cp.hosts.values()) {
      const base = snap.get(h.name) ?? { ep_cache: [], flows: [], rflows: [] };
      for (const name of LEARNT_MAPS) {
        const raw = h.state.raw(name);
        raw.clear();
        for (const [k, v] of base[name]) raw.rawSet(k, v);
      }
      restoreLearnt(this.inst(h), learntBytesOf(base));
    }
  }

  /**
   * Every host's counters on this thread's CPU against the one increment per run the verdict
   * records showed: a stray increment of another reason shows here.
   */
  compareCounters(): Difference[] {
    const out: Difference[] = [];
    if (this.target === 'model') return out;
    for (const h of this.cp.hosts.values()) {
      const inst = this.inst(h);
      for (const [r, want] of counterShadowOf(inst)) {
        const got = inst.counter(r);
        if (got !== want)
          out.push({ kind: 'counter', text: `${h.name}: counters[${reasonName(r)}] is ${got} on this CPU, the runs' records say ${want}` });
      }
    }
    return out;
  }

  close(): void {
    for (const i of this.owned) {
      resetCounterShadow(i);
      i.close();
    }
    this.owned.length = 0;
    this.insts.clear();
  }
}

/** The kernel's learnt maps of `h` into the model's (target xdp: the kernel drives). */
function adoptKernelLearnt(h: Host, inst: DataplaneInstance): void {
  const k = kernelLearnt(inst);
  for (const name of LEARNT_MAPS) {
    const m = h.state.raw(name);
    m.clear();
    for (const [kh, vh] of k[name]) m.rawSet(fromHex(kh), fromHex(vh));
  }
}
