// verify --target live: a seeded sample of the classes of the cluster as created, each
// representative injected on real interfaces (out of the pod's veth, or out of the bridge
// port towards a host's NIC) and judged against the model's path: per host, the verdicts
// the live programs counted (per reason) must be the model's hops', and a frame the model
// delivers must reach that pod's interface. Learnt state is put back after each class on
// both sides, so every class meets the state the model met.
import type { Scenario } from '../scenario/types.ts';
import { Engine } from '../engine/engine.ts';
import { restoreLearnt, modelLearnt } from '../dataplane/mapwriter.ts';
import { withRun } from '../live/lifecycle.ts';
import { LiveOverlay } from '../live/overlay.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import { Rng } from './cells.ts';
import { FrameCtx, classFrame } from './class-frame.ts';
import type { HeaderClass } from './class-types.ts';
import { Checkpoint, follow } from './follow.ts';
import { podClasses } from './pod-classes.ts';
import { underlayClasses } from './underlay-classes.ts';

export interface LiveClassResult {
  readonly classId: string;
  readonly ok: boolean;
  /** What differed (verdict tallies per host, the delivery). */
  readonly diffs: string[];
}

export interface LiveSampleResult {
  readonly classes: number;
  readonly sampled: number;
  readonly results: LiveClassResult[];
}

/** Reservoir sample of `k` classes over every source, reproducible from `seed`. */
function sampleClasses(s: LiveOverlay, k: number, seed: number): HeaderClass[] {
  const rng = new Rng(seed);
  const out: HeaderClass[] = [];
  let seen = 0;
  const cp = s.cp;
  const gens = [
    ...[...cp.endpoints.keys()].sort().map((p) => podClasses(cp, p)),
    ...[...cp.hosts.keys()].sort().map((h) => underlayClasses(cp, h)),
  ];
  for (const g of gens)
    for (const c of g) {
      seen++;
      if (out.length < k) out.push(c);
      else {
        const j = rng.below(seen);
        if (j < k) out[j] = c;
      }
    }
  (out as HeaderClass[] & { seen?: number }).seen = seen;
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function liveSample(s: Scenario, k: number, seed: number): Promise<LiveSampleResult> {
  return withRun(async (prefix) => {
    const o = LiveOverlay.build(s, prefix);
    try {
      const cp = o.cp;
      const picked = sampleClasses(o, k, seed);
      const total = (picked as HeaderClass[] & { seen?: number }).seen ?? picked.length;
      const ctx = new FrameCtx(cp);
      const model = new Engine(cp, 'model');
      const base = new Map([...cp.hosts.values()].map((h) => [h.name, modelLearnt(h.state)]));
      const results: LiveClassResult[] = [];
      for (const cls of picked) {
        const f = classFrame(ctx, cls);
        const ck = new Checkpoint(cp, 'model', new Map());
        const obs = follow(model, ck, f);
        const want = new Map<string, Map<string, number>>();
        for (const h of obs.path.hops) {
          const m = want.get(h.host) ?? new Map<string, number>();
          const r = reasonName(h.verdict.reason);
          m.set(r, (m.get(r) ?? 0) + 1);
          want.set(h.host, m);
        }
        const before = new Map([...cp.hosts.keys()].map((h) => [h, o.counters(h)]));
        const out = obs.path.outcome;
        const podTap = out.kind === 'delivered' ? o.podTap(out.pod) : undefined;
        const mark = podTap?.mark() ?? 0;
        if (typeof f.start === 'string') o.podTap(f.start).inject(f.frame);
        else o.hostTap(f.start.host.name).inject(f.frame);
        const expected = obs.path.hops.length;
        let got = 0;
        const live = new Map<string, Map<string, number>>();
        for (let i = 0; i < 40; i++) {
          await sleep(i < 5 ? 5 : 25);
          live.clear();
          got = 0;
          // (got counts every live verdict; the wait ends once the model's path could be complete)
          for (const [h, b] of before) {
            const m = new Map<string, number>();
            for (const [r, n] of o.counters(h)) {
              const d = n - (b.get(r) ?? 0);
              if (d > 0) {
                m.set(reasonName(r), d);
                got += d;
              }
            }
            if (m.size > 0) live.set(h, m);
          }
          if (got >= expected && (podTap === undefined || podTap.since(mark).some((x) => !x.injected))) break;
        }
        // Every verdict of the model's path must show live (at least as often). Live also
        // counts what the model's path does not hold: the pods' own stacks answer what they
        // receive (echo replies, SYN-ACKs, their ARP), and the underlay bridge floods a frame
        // to a MAC it has not learnt to every host, which passes it as not its own.
        const diffs: string[] = [];
        for (const [h, m] of want)
          for (const [r, n] of m) {
            const got = live.get(h)?.get(r) ?? 0;
            if (got < n) diffs.push(`${h} ${r}: model ${n}, live ${got}`);
          }
        if (podTap !== undefined && !podTap.since(mark).some((x) => !x.injected))
          diffs.push(`the model delivers to ${out.kind === 'delivered' ? out.pod : ''}; nothing arrived there live`);
        results.push({ classId: cls.id, ok: diffs.length === 0, diffs });
        for (const h of cp.hosts.values()) restoreLearnt(o.inst(h.name), base.get(h.name)!);
      }
      model.close();
      return { classes: total, sampled: picked.length, results };
    } finally {
      o.close();
    }
  });
}
