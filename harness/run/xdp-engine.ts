// The kernel engines: one loaded instance of the data-plane object per host, its maps
// written from the model's state of that host after every control-plane change.
//   xdp  — every hop runs in the kernel; the kernel's verdicts drive the path, and what the
//          kernel learnt (ep_cache, flows, rflows) is copied back into the model's state so
//          control-plane invalidations act on it.
//   both — every hop runs in the model and in the kernel on the same input; the model's
//          verdict drives the path and every difference (action, reason, target, points,
//          output bytes, learnt entries) is recorded on the hop. After a difference the
//          kernel's learnt maps are reset to the model's, so one bug is reported once.
import { Cluster } from '../../model/cluster/cluster.ts';
import type { ControlPlane, Host } from '../../model/control/plane.ts';
import { agent, transit } from '../../model/dataplane/dataplane.ts';
import type { HostState } from '../../model/dataplane/state.ts';
import { pointName } from '../../model/dataplane/tables.ts';
import type { RunResult } from '../../model/dataplane/verdict.ts';
import { type DataplaneInstance, type KernelRun, loadInstances } from '../dataplane/instance.ts';
import { LEARNT_MAPS, kernelLearnt, modelLearnt, restoreLearnt, writeHostState } from '../dataplane/mapwriter.ts';
import { compareLearnt, compareRuns } from '../diff/compare.ts';
import { renderEntry } from '../diff/render.ts';
import { ensureIfindexes } from '../netns.ts';
import type { Engine, EnginePath, KernelHop } from './engine.ts';
import type { EngineChoice, EngineTarget } from './targets.ts';
import { walk } from './walk.ts';

const ACTIONS = new Set(['ABORTED', 'DROP', 'PASS', 'TX', 'REDIRECT']);

/** A kernel run in the model's RunResult shape (no lookups or updates: the kernel records points only). */
export function kernelAsRun(k: KernelRun): RunResult {
  const action = (ACTIONS.has(k.action) ? k.action : 'ABORTED') as RunResult['action'];
  const sends = action === 'TX' || action === 'REDIRECT' || action === 'PASS';
  return {
    action,
    reason: k.reason,
    target: action === 'REDIRECT' ? k.target : 0,
    output: sends ? k.output : null,
    points: k.points,
    lookups: null,
    nPoints: k.nPoints,
    updates: [],
    tailCalls: 0,
  };
}

function runModel(state: HostState, program: 'agent' | 'transit', frame: Uint8Array, ingress: number): RunResult {
  return program === 'agent' ? agent(state, frame, ingress) : transit(state, frame, ingress);
}

/** Copies the kernel's learnt entries into the model's maps (xdp target). */
function adoptKernelLearnt(state: HostState, inst: DataplaneInstance): void {
  const k = kernelLearnt(inst);
  for (const name of LEARNT_MAPS) {
    const m = state.map(name) as unknown as { clear(): void; set(k: unknown, v: unknown): void; keyLayout?: unknown };
    const spec = state.map(name);
    m.clear();
    for (const [kh, vh] of k[name]) m.set(spec.keyLayout.decode(Buffer.from(kh, 'hex')), spec.valueLayout.decode(Buffer.from(vh, 'hex')));
  }
}

export class KernelEngine implements Engine {
  readonly cluster: Cluster;
  private readonly insts = new Map<string, DataplaneInstance>();
  private readonly ifindexes = new Set<number>();

  constructor(
    readonly cp: ControlPlane,
    readonly target: 'xdp' | 'both',
  ) {
    this.cluster = new Cluster(cp);
    const hosts = [...cp.hosts.values()];
    const loaded = loadInstances(
      hosts.map((h) => h.name),
      { ifindexes: this.wantedIfindexes() },
    );
    hosts.forEach((h, i) => this.insts.set(h.name, loaded[i]));
    for (const i of this.wantedIfindexes()) this.ifindexes.add(i);
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

  sync(): void {
    const missing = this.wantedIfindexes().filter((i) => !this.ifindexes.has(i));
    if (missing.length > 0) {
      ensureIfindexes(missing);
      for (const i of missing) this.ifindexes.add(i);
    }
    for (const h of this.cp.hosts.values()) writeHostState(this.inst(h), h.state, { counters: false });
  }

  private inst(h: Host): DataplaneInstance {
    const i = this.insts.get(h.name);
    if (i === undefined) throw new Error(`no kernel instance for host ${h.name} (hosts are fixed when the engine starts)`);
    return i;
  }

  /** Runs one program on one host in the kernel (and, for both, in the model too). */
  hop(
    host: Host,
    program: 'agent' | 'transit',
    ingress: number,
    input: Uint8Array,
  ): { verdict: RunResult; frameOut: Uint8Array | null; kernel?: KernelHop } {
    const inst = this.inst(host);
    const k = inst.run(program, input, ingress);
    if (this.target === 'xdp') {
      adoptKernelLearnt(host.state, inst);
      const verdict = kernelAsRun(k);
      return { verdict, frameOut: verdict.output };
    }
    const model = runModel(host.state, program, input, ingress);
    const mismatches = compareRuns(input, model, k).map((d) => d.text);
    const ml = modelLearnt(host.state);
    const kl = kernelLearnt(inst);
    const learnt = compareLearnt(ml, kl, renderEntry).map((d) => d.text);
    if (learnt.length > 0) restoreLearnt(inst, ml, kl);
    const kv = kernelAsRun(k);
    const kernel: KernelHop = {
      action: kv.action,
      reason: kv.reason,
      target: kv.target,
      points: kv.points.map(pointName),
      output: kv.output,
      mismatches: [...mismatches, ...learnt],
    };
    return { verdict: model, frameOut: model.output, kernel };
  }

  send(fromPod: string, frame: Uint8Array): EnginePath {
    return walk(this.cp, fromPod, frame, (host, program, ingress, input) => this.hop(host, program, ingress, input));
  }

  close(): void {
    for (const i of this.insts.values()) i.close();
    this.insts.clear();
  }
}

export function kernelEngineFactory(target: EngineTarget): EngineChoice {
  if (target === 'model') throw new Error('kernelEngineFactory: the model needs no kernel');
  return { ok: true, factory: (cp) => new KernelEngine(cp, target) };
}
