// The differential runner for a path: a frame leaves a pod and is followed across the
// cluster. The model's path comes from model/cluster (Cluster.send); the kernel's path is
// walked by the same rules (model/cluster/walk.ts), every hop on that host's own loaded instance, each hop's *kernel*
// output feeding the next hop. Hops are compared one by one (host, program, ingress,
// verdict, trace, output), then every host's learnt maps.
import { Cluster, type Hop, type Path } from '../../model/cluster/cluster.ts';
import { type HopRunner, switchTable, walk } from '../../model/cluster/walk.ts';
import type { ControlPlane, Host } from '../../model/control/plane.ts';
import type { DataplaneInstance, KernelRun, ProgramName } from '../dataplane/instance.ts';
import { kernelLearnt, modelCounters, modelLearnt, readCounters, writeHostState } from '../dataplane/mapwriter.ts';
import { type Difference, compareLearnt, compareRuns } from './compare.ts';
import { renderEntry } from './render.ts';
import { type Action, reasonName } from '../../model/dataplane/tables.ts';

export interface KernelHop {
  host: string;
  program: ProgramName;
  ingress: number;
  frameIn: Uint8Array;
  run: KernelRun | { error: string };
  /** Sent on the underlay to a MAC no host has. */
  lost?: boolean;
}

export interface PathComparison {
  model: Path;
  kernel: KernelHop[];
  /** Index of the first hop that differs (or -1), and what differs there. */
  firstBad: number;
  diffs: Difference[];
}

// Kernel counters as last read, per instance (instances outlive scenarios).
const counterShadows = new WeakMap<DataplaneInstance, Map<number, number>>();

export class PathDiffer {
  /** Reasons each host's kernel runs reported in this scenario. */
  private readonly kernelReasons = new Map<string, Set<number>>();
  readonly cluster: Cluster;
  private readonly byHost = new Map<string, DataplaneInstance>();
  private readonly byMac: ReadonlyMap<string, Host>;
  hops = 0;

  /** `instances[i]` plays the i-th host of the control plane (insertion order). */
  constructor(
    readonly cp: ControlPlane,
    instances: readonly DataplaneInstance[],
  ) {
    this.cluster = new Cluster(cp);
    const hosts = [...cp.hosts.values()];
    if (hosts.length > instances.length) throw new Error(`${hosts.length} hosts but ${instances.length} kernel instances`);
    hosts.forEach((h, i) => this.byHost.set(h.name, instances[i]));
    this.byMac = switchTable(cp);
    this.sync();
    for (const inst of this.byHost.values()) if (!counterShadows.has(inst)) counterShadows.set(inst, new Map(readCounters(inst)));
  }

  /** Writes every host's state to its instance again (after control-plane operations). */
  sync(): void {
    for (const h of this.cp.hosts.values()) writeHostState(this.byHost.get(h.name)!, h.state, { counters: false });
  }

  /** Sends `frame` from pod `pod` through the model cluster and through the kernels. */
  send(pod: string, frame: Uint8Array): PathComparison {
    const model = this.cluster.send(pod, frame);
    const kernel = this.walk(pod, frame);
    const diffs: Difference[] = [];
    let firstBad = -1;
    const n = Math.max(model.hops.length, kernel.length);
    for (let i = 0; i < n && firstBad < 0; i++) {
      const m = model.hops[i];
      const k = kernel[i];
      const here: Difference[] = [];
      if (m === undefined || k === undefined) {
        here.push({
          kind: 'hop',
          text: `hop ${i}: ${m === undefined ? 'the model path ended' : `model runs ${m.program} on ${m.host}`}, ${k === undefined ? 'the kernel path ended' : `kernel runs ${k.program} on ${k.host}`}`,
        });
      } else {
        if (m.host !== k.host || m.program !== k.program || m.ingress !== k.ingress) {
          here.push({
            kind: 'hop',
            text: `hop ${i}: model ${m.program}@${m.host} ingress ${m.ingress}, kernel ${k.program}@${k.host} ingress ${k.ingress}`,
          });
        }
        if ('error' in k.run) here.push({ kind: 'crash', text: k.run.error });
        else here.push(...compareRuns(k.frameIn, m.verdict, k.run));
        if (Boolean(m.lost) !== Boolean(k.lost))
          here.push({ kind: 'hop', text: `hop ${i}: lost on the underlay: model ${Boolean(m.lost)}, kernel ${Boolean(k.lost)}` });
      }
      if (here.length > 0) {
        firstBad = i;
        diffs.push(...here.map((d) => ({ ...d, text: `hop ${i}: ${d.text}` })));
      }
    }
    this.hops += kernel.length;
    // Learnt maps of the hosts this path ran on (the others are checked at scenario end).
    diffs.push(...this.compareLearnt(new Set([...model.hops.map((h) => h.host), ...kernel.map((h) => h.host)])));
    return { model, kernel, firstBad, diffs };
  }

  /** The kernel's path: the walking rules of model/cluster/walk.ts, kernel outputs feeding on. */
  private walk(pod: string, frame: Uint8Array): KernelHop[] {
    return walk<KernelHop>(
      this.cp,
      pod,
      frame,
      (host, program, ingress, input): ReturnType<HopRunner<KernelHop>> => {
        let run: KernelRun;
        try {
          run = this.byHost.get(host.name)!.run(program, input, ingress);
        } catch (err) {
          const error = `kernel run failed: ${(err as Error).message}`;
          return { hop: { host: host.name, program, ingress, frameIn: input, run: { error } }, error };
        }
        let rs = this.kernelReasons.get(host.name);
        if (rs === undefined) this.kernelReasons.set(host.name, (rs = new Set()));
        rs.add(run.reason);
        // A return value outside enum xdp_action ends the path like an abort would.
        const action = run.action.startsWith('UNKNOWN') ? 'ABORTED' : (run.action as Action);
        return {
          hop: { host: host.name, program, ingress, frameIn: input, run },
          step: { action, reason: run.reason, target: run.target, output: run.output },
        };
      },
      this.cluster.hopLimit,
      this.byMac,
    ).hops;
  }

  /** Learnt maps, model against kernel, of the named hosts (default: every host). */
  compareLearnt(only?: ReadonlySet<string>): Difference[] {
    const out: Difference[] = [];
    for (const h of this.cp.hosts.values()) {
      if (only !== undefined && !only.has(h.name)) continue;
      const d = compareLearnt(modelLearnt(h.state), kernelLearnt(this.byHost.get(h.name)!), renderEntry);
      out.push(...d.map((x) => ({ ...x, text: `${h.name}: ${x.text}` })));
    }
    return out;
  }

  /**
   * Every host's counters against the model's, for every reason either side reported in
   * this scenario. Kernel counters are never reset (256 updates per host per scenario cost
   * more than the scenario): they are compared as deltas from a per-instance shadow.
   */
  compareCounters(): Difference[] {
    const out: Difference[] = [];
    for (const h of this.cp.hosts.values()) {
      const inst = this.byHost.get(h.name)!;
      const shadow = counterShadows.get(inst)!;
      const m = new Map(modelCounters(h.state));
      const reasons = new Set([...m.keys(), ...(this.kernelReasons.get(h.name) ?? [])]);
      for (const r of reasons) {
        const k = inst.counterSum(r);
        const delta = k - (shadow.get(r) ?? 0);
        shadow.set(r, k);
        if (delta !== (m.get(r) ?? 0))
          out.push({ kind: 'counter', text: `${h.name}: counters[${reasonName(r)}] model +${m.get(r) ?? 0}, kernel +${delta}` });
      }
    }
    return out;
  }
}

/** Text of both paths side by side, one line per hop, for reports. */
export function describePaths(c: PathComparison): string[] {
  const lines: string[] = [];
  const n = Math.max(c.model.hops.length, c.kernel.length);
  for (let i = 0; i < n; i++) {
    const m: Hop | undefined = c.model.hops[i];
    const k = c.kernel[i];
    const mv = m ? `${m.program}@${m.host} ${m.verdict.action} ${reasonName(m.verdict.reason)}` : '-';
    const kv = k ? `${k.program}@${k.host} ${'error' in k.run ? 'error' : `${k.run.action} ${reasonName(k.run.reason)}`}` : '-';
    lines.push(`${i === c.firstBad ? '≠' : ' '} hop ${i}: model ${mv} | kernel ${kv}`);
  }
  lines.push(`model outcome: ${JSON.stringify(c.model.outcome, (_k, v) => (v instanceof Uint8Array ? `${v.length} bytes` : v))}`);
  return lines;
}
