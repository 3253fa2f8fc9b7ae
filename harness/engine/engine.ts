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
// itself every BATCH_SENDS sends), for the hosts the batch touched. A difference found there
// is traced to its packet: the batch is replayed send by send from its starting state.
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
  /** Sends after which a batch ends by itself (default BATCH_SENDS). */
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

/** Sends after which the engine ends a batch by itself (bounds what a replay must redo). */
export const BATCH_SENDS = 10_000;

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
  private readonly batchSends: number;

  constructor(
    readonly cp: ControlPlane,
    readonly target: EngineTarget,
    opts: EngineOptions = {},
  ) {
    this.cluster = new Cluster(cp);
    this.hopLimit = opts.hopLimit ?? DEFAULT_HOP_LIMIT;
    this.batchSends = opts.batchSends ?? BATCH_SENDS;
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
    this.batchStart = new Map();
    if (this.target !== 'both') return;
    for (const h of this.cp.hosts.values())
      if (LEARNT_MAPS.some((n) => h.state.has(n))) this.batchStart.set(h.name, learntEntries(h.state));
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
    if (this.target === 'both') {
      if (this.batch.length >= this.batchSends) {
        const sent = this.batch.length;
        this.pending.push(this.finishBatch());
        this.batchBase += sent;
      }
      this.batch.push({ start: fromPod, frame });
    }
    return this.walk(fromPod, frame, opts);
  }

  /**
   * Follows `frame` from any interface: a host's underlay NIC (transit) or a pod's veth
   * (agent). `trace --frame` starts there; a pod's own sends start with `send`.
   */
  sendFrom(start: WalkStart, frame: Uint8Array, opts: SendOptions = {}): EnginePath {
    if (this.target === 'both') this.batch.push({ start, frame });
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
    if (walked.outcome.kind === 'delivered') this.cluster.receive(this.cp.endpoint(walked.outcome.pod), walked.outcome.frame);
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
      const culprit = this.attribute();
      if (culprit !== undefined) finding.culprit = culprit;
    }
    this.beginBatch();
    return finding;
  }

  /**
   * Replays the batch from its starting learnt state, one send at a time, reading every
   * host's learnt maps whole after each: the first send that leaves a difference.
   */
  private attribute(): BatchFinding['culprit'] {
    const sends = this.batch;
    const reset = (): void => {
      for (const h of this.cp.hosts.values()) {
        const base = this.batchStart.get(h.name) ?? { ep_cache: [], flows: [], rflows: [] };
        const m = h.state;
        for (const name of LEARNT_MAPS) {
          const raw = m.raw(name);
          raw.clear();
          for (const [k, v] of base[name]) raw.rawSet(k, v);
        }
        restoreLearnt(this.inst(h), learntBytesOf(base));
      }
    };
    reset();
    for (let i = 0; i < sends.length; i++) {
      const path = this.walk(sends[i].start, sends[i].frame, { traced: true, kernelTail: true });
      for (const h of this.cp.hosts.values()) {
        if (compareLearntWhole(this.inst(h), h.state).length > 0) {
          const s = sends[i].start;
          return { index: this.batchBase + i, pod: typeof s === 'string' ? s : `${s.host.name} ${s.program}`, frame: sends[i].frame, path };
        }
      }
    }
    return undefined;
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
