// The partition's own check, as a suite: the leaves of the class refinement of one cluster
// state, each with its representative's path, and a check that a random member of a class
// (drawn from a seed) takes the same path — same hops, verdicts, points, learnt writes and
// outcome — on the model and, through the engine, in the kernel. The property tests drive it
// with fast-check (which shrinks a failure to the smallest class index and seed); verify
// --samples does the same from its own seed.
import type { ControlPlane } from '../../model/control/plane.ts';
import { Engine } from '../engine/engine.ts';
import { type DataplaneInstance, ifindexesOf, loadInstances } from '../dataplane/instance.ts';
import { buildControlPlane } from '../run/apply.ts';
import type { Scenario } from '../scenario/types.ts';
import { Rng } from './cells.ts';
import { FrameCtx, classFrame } from './class-frame.ts';
import { keyIndex } from './atoms.ts';
import type { HeaderClass } from './class-types.ts';
import { Checkpoint, type Observation, follow } from './follow.ts';
import { podClasses } from './pod-classes.ts';
import { underlayClasses } from './underlay-classes.ts';
import { refine, type VerifyTarget } from './verifier.ts';

export interface Leaf {
  readonly cls: HeaderClass;
  readonly frame: Uint8Array;
  readonly obs: Observation;
}

export interface Split {
  readonly cls: HeaderClass;
  readonly representative: { frame: Uint8Array; signature: string };
  readonly member: { frame: Uint8Array; signature: string };
  readonly side: 'model' | 'kernel';
}

export interface UniformitySuite {
  readonly cp: ControlPlane;
  readonly leaves: readonly Leaf[];
  /** The member of leaf `i` drawn from `seed`: undefined when it takes the representative's path. */
  check(i: number, seed: number): Split | undefined;
  close(): void;
}

export interface SuiteOptions {
  /** Which sources: pods by name, hosts (their NICs) by name. Default: every pod and host. */
  readonly pods?: readonly string[];
  readonly hosts?: readonly string[];
  /** Merges the partition wrongly on purpose (to see the suite fail). */
  readonly merge?: (c: HeaderClass) => HeaderClass;
}

/** The suite of the cluster as created (before the first step). */
export function uniformitySuite(s: Scenario, target: VerifyTarget, opts: SuiteOptions = {}): UniformitySuite {
  const cp = buildControlPlane(s);
  let owned: DataplaneInstance[] = [];
  const insts = new Map<string, DataplaneInstance>();
  if (target !== 'model') {
    const hosts = [...cp.hosts.values()];
    owned = loadInstances(
      hosts.map((h) => h.name),
      { ifindexes: ifindexesOf(hosts.map((h) => h.state)), maxEntries: {} },
    );
    hosts.forEach((h, i) => insts.set(h.name, owned[i]));
  }
  const engine = new Engine(cp, target, target === 'model' ? {} : { instances: owned });
  const ctx = new FrameCtx(cp);
  const ck = new Checkpoint(cp, target, insts);
  const leaves: Leaf[] = [];
  const visit = (c0: HeaderClass, depth: number): void => {
    const cls = opts.merge ? opts.merge(c0) : c0;
    const f = classFrame(ctx, cls);
    const obs = follow(engine, ck, f);
    const subs = depth < 6 ? refine(cp, cls, obs) : undefined;
    if (subs === undefined) leaves.push({ cls, frame: f.frame, obs });
    else for (const sub of subs) visit(sub, depth + 1);
  };
  const keys = keyIndex(cp);
  for (const p of opts.pods ?? [...cp.endpoints.keys()]) for (const c of podClasses(cp, p, keys)) visit(c, 0);
  for (const h of opts.hosts ?? [...cp.hosts.keys()]) for (const c of underlayClasses(cp, h)) visit(c, 0);
  return {
    cp,
    leaves,
    check(i, seed) {
      const leaf = leaves[i];
      const m = classFrame(ctx, leaf.cls, new Rng(seed));
      const mo = follow(engine, ck, m);
      if (mo.signature !== leaf.obs.signature)
        return {
          cls: leaf.cls,
          side: 'model',
          representative: { frame: leaf.frame, signature: leaf.obs.signature },
          member: { frame: m.frame, signature: mo.signature },
        };
      if (mo.kernelSignature !== '' && leaf.obs.kernelSignature !== '' && mo.kernelSignature !== leaf.obs.kernelSignature)
        return {
          cls: leaf.cls,
          side: 'kernel',
          representative: { frame: leaf.frame, signature: leaf.obs.kernelSignature },
          member: { frame: m.frame, signature: mo.kernelSignature },
        };
      return undefined;
    },
    close() {
      engine.close();
      for (const i of owned) i.close();
    },
  };
}
