// twinplane verify, for one scenario: the scenario's steps run on the engine; after the
// cluster is built and after every step that changed state (a control-plane change, or a send
// that taught the hosts something) comes a checkpoint, where every class of every source is
// followed to its end and judged, the hosts' state is compared with a rebuild from scratch,
// and (at the last checkpoint) the flood class runs. Classes are generated lazily and judged
// one at a time, so memory holds counts and the first violations, never the classes.
import type { ControlPlane } from '../../model/control/plane.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import { Engine } from '../engine/engine.ts';
import type { EnginePath } from '../engine/engine.ts';
import { type DataplaneInstance, ifindexesOf, loadInstances } from '../dataplane/instance.ts';
import { toHex } from '../../model/wire/hex.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import { Names } from '../run/docs.ts';
import { Pods } from '../run/pods.ts';
import { runSend } from '../run/pod-send.ts';
import { ControlPlaneError, applyStep, buildControlPlane, isTraffic, stepSummary } from '../run/apply.ts';
import { runInject, runOpenFlows } from '../run/traffic-steps.ts';
import type { Scenario } from '../scenario/types.ts';
import { type Cell, Rng, range, single } from './cells.ts';
import { FrameCtx, classFrame } from './class-frame.ts';
import { keyIndex } from './atoms.ts';
import type { HeaderClass } from './class-types.ts';
import { type FloodResult, floodPlan, runFlood } from './flood.ts';
import { Checkpoint, type Observation, follow } from './follow.ts';
import { fromScratch } from './from-scratch.ts';
import { knownFinding } from './known-findings.ts';
import { podClasses } from './pod-classes.ts';
import { type Assertions, NO_ASSERTIONS, type PropertyId, Truth, type Violation, judge } from './properties.ts';
import { underlayClasses } from './underlay-classes.ts';
import { emptyCounts } from './merge.ts';
import type { ClassRowDoc, HopLineDoc, ScenarioVerifyDoc, ViolationDoc } from '../../report/json-schema/verify-doc.ts';

export type VerifyTarget = 'model' | 'xdp' | 'both';

export interface VerifyOptions {
  readonly target: VerifyTarget;
  /** 1-based shard of `count`: sources (pods, then hosts' NICs, by name) with index % count = index - 1. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Random members drawn per class and checked against the representative (uniformity). */
  readonly samples?: number;
  readonly seed?: number;
  /** Only this class (its id as printed), at this checkpoint: what a violation's command reproduces. */
  readonly classId?: string;
  readonly checkpoint?: number;
  /** Flows of the flood class (default: the flows map's size + 1); 0 skips it. */
  readonly flood?: number;
  /** Violations kept in full per property (default 5); the rest are counted. */
  readonly keep?: number;
  /** Extra assertions (the scenario's never-reach / never-cross). */
  readonly assertions?: Assertions;
  /** Sources to skip: tests and benches that judge only pods or only the underlay. */
  readonly sources?: 'all' | 'pods' | 'underlay';
  /** Called with (checkpoint, classes so far) now and then, for a progress line. */
  readonly onProgress?: (checkpoint: number, classes: number) => void;
  /** The command line that reproduces a violation, given the class and checkpoint. */
  readonly reproduce?: (classId: string, checkpoint: number) => string;
  /** Merge the class partition wrongly on purpose (the uniformity suite's own test). */
  readonly mergeForTest?: (c: HeaderClass) => HeaderClass;
  /** Changes the built cluster before the first checkpoint: the tests plant leaks with it. */
  readonly plant?: (cp: ControlPlane) => void;
}

/** The class with field `f` set to `c` (a refinement), id and intent following. */
function withField(cls: HeaderClass, f: keyof HeaderClass['fields'], c: Cell, intentNone: boolean): HeaderClass {
  return {
    ...cls,
    id: `${cls.id} ${f}=${c.label}`,
    fields: { ...cls.fields, [f]: c },
    intent: intentNone ? { kind: 'none' } : cls.intent,
    refined: [...(cls.refined ?? []), f],
  };
}

const isAny = (c: Cell | undefined): boolean => c !== undefined && c.label === 'any';

/**
 * Splits a class on a field its representative's path read (docs/verify.md "Refinement"):
 * the size where a host encapsulated under an MTU (first: a frame too large stops at the agent
 * before any TTL is read), the inner TTL where a hop routed, and —
 * for underlay frames, whose first cells are the receiving host's keys — the destination at
 * the keys of every further host the path reached.
 */
export function refine(
  cp: ControlPlane,
  cls: HeaderClass,
  obs: Observation,
  podMtu?: (pod: string) => number | undefined,
): HeaderClass[] | undefined {
  // A pod whose interface MTU is below what the host allows never sends the sizes between:
  // they are their own class, with no intent (the data plane's answer is still judged).
  const mtu = cls.source.kind === 'pod' ? podMtu?.(cls.source.pod) : undefined;
  const size = cls.fields.size;
  if (
    mtu !== undefined &&
    size !== undefined &&
    cls.intent.kind !== 'none' &&
    !size.label.startsWith('pod') &&
    size.ranges.some(([, hi]) => hi > mtu)
  ) {
    const lo = size.ranges[0][0];
    const hi = size.ranges[size.ranges.length - 1][1];
    if (lo <= mtu)
      return [
        { ...withField(cls, 'size', range(`pod≤${mtu}`, lo, mtu, { hints: (size.hints ?? []).filter((x) => x <= mtu) }), false) },
        { ...withField(cls, 'size', range(`pod>${mtu}`, mtu + 1, hi, { hints: [mtu + 1, hi] }), true) },
      ];
  }
  if (isAny(cls.fields.size) && obs.encapMtu > 0) {
    // The agent admits an IP packet of at most cfg.mtu − MTU_RESERVE: room for its own
    // encapsulation (ENCAP_LEN) and a bouncer's service-rewrite option (docs/dataplane.md
    // section 7, "MTU").
    const limit = obs.encapMtu - CONSTS.MTU_RESERVE;
    // Sizes above `g` no longer fit once a later hop grows the frame by `growth`; with the
    // reserve that is none on hosts of one MTU. Where it is some, they are their own class.
    const g = obs.encapMtu - CONSTS.ENCAP_LEN - obs.growth;
    if (limit > 64 && obs.growth > 0 && g < limit && g > 64) {
      return [
        withField(cls, 'size', range(`≤${g}`, 64, g, { hints: [84, 64, g] }), false),
        withField(cls, 'size', range(`${g + 1}-${limit}`, g + 1, limit, { hints: [limit, g + 1] }), false),
        withField(cls, 'size', range(`>${limit}`, limit + 1, 3400, { hints: [limit + 1] }), true),
      ];
    }
    if (limit > 64) {
      return [
        withField(cls, 'size', range(`≤${limit}`, 64, limit, { hints: [84, 64, limit] }), false),
        withField(cls, 'size', range(`>${limit}`, limit + 1, 3400, { hints: [limit + 1] }), true),
      ];
    }
  }
  if (isAny(cls.fields.ttl) && obs.routed) {
    return [
      withField(cls, 'ttl', single('0', 0), true),
      withField(cls, 'ttl', single('1', 1), true),
      withField(cls, 'ttl', single('2', 2), false),
      withField(cls, 'ttl', range('3-255', 3, 255, { hints: [64, 255] }), false),
    ];
  }
  const dst = cls.fields.dst;
  if (
    cls.source.kind === 'underlay' &&
    dst !== undefined &&
    cls.vni >= 0 &&
    !(dst.ranges.length === 1 && dst.ranges[0][0] === dst.ranges[0][1])
  ) {
    const keys = new Set<number>();
    for (const name of new Set(obs.hosts.slice(1))) {
      const h = cp.hosts.get(name);
      if (h === undefined) continue;
      for (const map of ['endpoints', 'ep_cache'] as const)
        if (h.state.has(map))
          for (const [k] of h.state.map(map).entries())
            if (
              k.vni === cls.vni &&
              dst.ranges.some(([lo, hi]) => k.ip >= lo && k.ip <= hi) &&
              !dst.exclude?.has(k.ip) &&
              (dst.pred?.(k.ip) ?? true)
            )
              keys.add(k.ip);
    }
    if (keys.size > 0) {
      const exclude = new Set([...(dst.exclude ?? []), ...keys]);
      const subs = [...keys]
        .sort((a, b) => a - b)
        .map((ip) => withField(cls, 'dst', single(`key:${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`, ip), false));
      subs.push(
        withField(cls, 'dst', { ...dst, label: `${dst.label}-rest`, exclude, hints: (dst.hints ?? []).filter((x) => !keys.has(x)) }, false),
      );
      return subs;
    }
  }
  return undefined;
}

function hopLines(p: EnginePath): HopLineDoc[] {
  return p.hops.map((h) => ({
    host: h.host,
    program: h.program,
    model: h.model === null ? '-' : `${h.model.action} ${reasonName(h.model.reason)}`,
    kernel: h.kernel === null ? (h.note !== undefined ? `- (${h.note})` : '-') : `${h.kernel.action} ${reasonName(h.kernel.reason)}`,
    frameIn: toHex(h.frameIn),
    ...(h.frameOut ? { frameOut: toHex(h.frameOut) } : {}),
  }));
}

const ALWAYS: readonly PropertyId[] = ['delivery', 'vni-emitted', 'arp-reply', 'learnt-vni', 'learnt-location', 'service-rewrite', 'mtu'];

/** Verifies one scenario. */
export function verifyScenario(s: Scenario, opts: VerifyOptions): ScenarioVerifyDoc {
  const t0 = performance.now();
  const keep = opts.keep ?? 5;
  const samples = opts.samples ?? 0;
  const rng = new Rng(opts.seed ?? 1);
  const as = opts.assertions ?? NO_ASSERTIONS;
  const doc: ScenarioVerifyDoc = {
    file: s.file,
    name: s.name,
    ok: true,
    classes: 0,
    frames: 0,
    hops: 0,
    seconds: 0,
    checkpoints: [],
    properties: emptyCounts(),
    violationCount: 0,
    knownCount: 0,
    violations: [],
    known: [],
    classTable: [],
    notes: [],
  };
  const shardOne = (opts.shard?.index ?? 1) === 1;
  const reproduce =
    opts.reproduce ?? ((id: string, k: number) => `twinplane verify ${s.file} --target ${opts.target} --class '${id}' --checkpoint ${k}`);
  let cp: ControlPlane;
  try {
    cp = buildControlPlane(s);
  } catch (e) {
    if (!(e instanceof ControlPlaneError)) throw e;
    doc.ok = false;
    doc.violationCount = 1;
    doc.notes.push(`the control plane refused the scenario: ${e.message}`);
    return doc;
  }
  opts.plant?.(cp);
  const insts = new Map<string, DataplaneInstance>();
  let owned: DataplaneInstance[] = [];
  if (opts.target !== 'model') {
    const hosts = [...cp.hosts.values()];
    owned = loadInstances(
      hosts.map((h) => h.name),
      { ifindexes: ifindexesOf(hosts.map((h) => h.state)), maxEntries: {} },
    );
    hosts.forEach((h, i) => insts.set(h.name, owned[i]));
  }
  const engine = new Engine(cp, opts.target, opts.target === 'model' ? {} : { instances: owned });
  // Pod MTUs the scenario gives (endpoints created before the first step may name one).
  const mtus = new Map(s.endpoints.flatMap((e) => (e.mtu !== undefined ? [[e.name, e.mtu] as const] : [])));
  const podMtu = (pod: string): number | undefined => mtus.get(pod);
  const rows = new Map<string, ClassRowDoc>();
  const judged = { classes: 0, frames: 0, hops: 0 };
  const kept = new Map<string, number>();
  let ckIndex = 0;
  let ckStep = 'the cluster as created';

  const record = (v: Violation, obs?: Observation, split?: ViolationDoc['split'], start?: string): void => {
    const k = knownFinding(v);
    const pc = doc.properties[v.property];
    if (k !== undefined) {
      pc.known++;
      doc.knownCount++;
    } else {
      pc.violations++;
      doc.violationCount++;
    }
    const bucket = `${v.property}/${k?.id ?? ''}`;
    const n = kept.get(bucket) ?? 0;
    if (n >= keep) return;
    kept.set(bucket, n + 1);
    const vd: ViolationDoc = {
      property: v.property,
      classId: v.classId,
      message: v.message,
      checkpoint: ckIndex,
      step: ckStep,
      ...(v.frame ? { frame: toHex(v.frame) } : {}),
      ...(start ? { start } : {}),
      ...(obs ? { path: hopLines(obs.path) } : {}),
      ...(split ? { split } : {}),
      ...(k ? { known: { id: k.id, issue: k.issue } } : {}),
      reproduce: reproduce(v.classId, ckIndex),
    };
    (k ? doc.known : doc.violations).push(vd);
  };

  const count = (p: PropertyId, frames: number, hops: number, classes = 1): void => {
    const c = doc.properties[p];
    c.classes += classes;
    c.frames += frames;
    c.hops += hops;
  };

  const row = (cls: HeaderClass): ClassRowDoc => {
    const src = cls.source.kind === 'pod' ? 'pod' : cls.source.from === 'rogue' ? 'rogue' : 'host';
    const key = `${src}|${cls.group}`;
    let r = rows.get(key);
    if (r === undefined)
      rows.set(
        key,
        (r = {
          source: src,
          group: cls.group,
          classes: 0,
          frames: 0,
          delivered: 0,
          dropped: 0,
          passed: 0,
          other: 0,
          violations: 0,
          known: 0,
          example: cls.id,
        }),
      );
    return r;
  };

  const checkpoint = (line?: number): void => {
    if (opts.checkpoint !== undefined && opts.checkpoint !== ckIndex) return;
    for (const f of engine.endBatch()) {
      const c = f.culprit;
      record(
        {
          property: 'model-kernel',
          classId: `learnt state at checkpoint ${ckIndex}`,
          message: f.diffs.map((d) => d.text).join('; '),
          ...(c ? { frame: c.frame } : {}),
        },
        c ? ({ path: c.path } as Observation) : undefined,
      );
    }
    const before = { classes: doc.classes, frames: doc.frames, hops: doc.hops };
    const ctx = new FrameCtx(cp);
    const keys = keyIndex(cp);
    const truth = new Truth(cp);
    const ck = new Checkpoint(cp, opts.target, insts);
    const sources: Array<{ kind: 'pod' | 'underlay'; name: string }> = [];
    if (opts.sources !== 'underlay') for (const n of [...cp.endpoints.keys()].sort()) sources.push({ kind: 'pod', name: n });
    if (opts.sources !== 'pods') for (const n of [...cp.hosts.keys()].sort()) sources.push({ kind: 'underlay', name: n });
    const sh = opts.shard ?? { index: 1, count: 1 };
    const wanted = (cls: HeaderClass): boolean =>
      opts.classId === undefined || opts.classId === cls.id || opts.classId.startsWith(`${cls.id} `);
    const process = (cls0: HeaderClass, depth: number, parent?: { frame: Uint8Array; obs: Observation }): void => {
      const cls = opts.mergeForTest ? opts.mergeForTest(cls0) : cls0;
      if (!wanted(cls)) return;
      const f = classFrame(ctx, cls);
      // A refined class whose representative is its parent's frame has its parent's path.
      const same = parent !== undefined && Buffer.compare(parent.frame, f.frame) === 0;
      const obs = same ? parent.obs : follow(engine, ck, f, opts.classId !== undefined);
      const subs = depth < 8 ? refine(cp, cls, obs, podMtu) : undefined;
      if (subs !== undefined) {
        for (const sub of subs) process(sub, depth + 1, { frame: f.frame, obs });
        return;
      }
      const start = typeof f.start === 'string' ? f.start : `${f.start.host.name} underlay`;
      const hops = obs.path.hops.length;
      doc.classes++;
      doc.frames++;
      doc.hops += hops;
      const r = row(cls);
      r.classes++;
      r.frames++;
      const o = obs.path.outcome.kind;
      if (o === 'delivered') r.delivered++;
      else if (o === 'dropped') r.dropped++;
      else if (o === 'passed') r.passed++;
      else r.other++;
      const judgeOne = (o1: Observation, frame: Uint8Array, split?: ViolationDoc['split']): void => {
        const h = o1.path.hops.length;
        // The properties every frame is judged by: counted once, assigned at the end.
        judged.frames++;
        judged.hops += h;
        if (cls.intent.kind !== 'none') count('reachability', 1, h);
        if (cls.source.kind === 'underlay' && cls.source.from === 'rogue') count('underlay-trust', 1, h);
        if (cls.source.kind === 'pod' && as.neverReach.has(cls.source.pod)) count('never-reach', 1, h);
        if (cls.source.kind === 'pod' && (as.neverCross.has(cls.source.pod) || as.neverCross.has('*'))) count('never-cross', 1, h);
        if (o1.path.hops.some((x) => x.kernel !== null)) count('model-kernel', 1, h);
        for (const v of judge(truth, cls, o1, frame, as)) {
          const k = knownFinding(v);
          if (k) r.known++;
          else r.violations++;
          record(v, o1, split, start);
        }
      };
      judged.classes++;
      judgeOne(obs, f.frame);
      for (let i = 0; i < samples; i++) {
        const m = classFrame(ctx, cls, rng);
        const mo = follow(engine, ck, { start: f.start, frame: m.frame });
        doc.frames++;
        doc.hops += mo.path.hops.length;
        r.frames++;
        count('uniformity', 1, mo.path.hops.length, i === 0 ? 1 : 0);
        const same =
          mo.signature === obs.signature &&
          (mo.kernelSignature === '' || obs.kernelSignature === '' || mo.kernelSignature === obs.kernelSignature);
        if (!same) {
          const side = mo.signature !== obs.signature ? 'model' : 'kernel';
          record(
            {
              property: 'uniformity',
              classId: cls.id,
              message: `the class splits (${side}): a member takes another path than the representative`,
              frame: f.frame,
            },
            obs,
            {
              frame: toHex(m.frame),
              signature: side === 'model' ? mo.signature : mo.kernelSignature,
              representative: side === 'model' ? obs.signature : obs.kernelSignature,
              path: hopLines(mo.path),
            },
            start,
          );
        }
        judgeOne(mo, m.frame);
      }
      if (doc.classes % 2000 === 0) opts.onProgress?.(ckIndex, doc.classes);
    };
    sources.forEach((src, j) => {
      if (j % sh.count !== sh.index - 1) return;
      const gen = src.kind === 'pod' ? podClasses(cp, src.name, keys) : underlayClasses(cp, src.name);
      for (const cls of gen) process(cls, 0);
    });
    if (shardOne && opts.classId === undefined) {
      const fs = fromScratch(cp, `checkpoint ${ckIndex} (${ckStep})`);
      count('from-scratch', 0, 0, cp.hosts.size);
      for (const v of fs) record(v);
    }
    doc.checkpoints.push({
      index: ckIndex,
      step: ckStep,
      ...(line !== undefined ? { line } : {}),
      classes: doc.classes - before.classes,
      frames: doc.frames - before.frames,
      hops: doc.hops - before.hops,
    });
  };

  try {
    checkpoint();
    const pods = new Pods(engine, new Names(cp));
    let sends = 0;
    let failed = false;
    s.steps.forEach((step, i) => {
      if (failed) return;
      let changed = false;
      if (isTraffic(step)) {
        const r =
          step.kind === 'send'
            ? runSend(pods, step, sends++)
            : step.kind === 'inject'
              ? runInject(pods, step, sends++)
              : runOpenFlows(pods, step, sends++);
        changed = r.all.some((x) => x.path.hops.some((h) => (h.model?.updates.length ?? 0) > 0 || (h.kernel?.learnt ?? 0) > 0));
        // openFlows keeps only its first packets: the flows it opened are state all the same.
        if (step.kind === 'openFlows') changed = true;
      } else {
        engine.endBatch();
        try {
          const writes = applyStep(cp, step);
          engine.sync(Object.keys(writes).filter((h) => cp.hosts.has(h)));
          changed = true;
        } catch (e) {
          if (!(e instanceof ControlPlaneError)) throw e;
          doc.notes.push(`step ${i + 1} (line ${step.at.line}): the control plane refused it: ${e.message}; verify stops there`);
          doc.violationCount++;
          failed = true;
          return;
        }
      }
      if (!changed) return;
      ckIndex++;
      ckStep = `after step ${i + 1} (line ${step.at.line}): ${stepSummary(step)}`;
      checkpoint(step.at.line);
    });
    if (shardOne && opts.classId === undefined && opts.flood !== 0 && (opts.checkpoint === undefined || opts.checkpoint === ckIndex)) {
      engine.endBatch();
      const ck = new Checkpoint(cp, opts.target, insts);
      const fr: FloodResult = runFlood(cp, opts.target, insts, ck, floodPlan(cp, opts.flood));
      if (opts.target !== 'model') engine.sync();
      if (fr.note !== undefined) doc.notes.push(`state isolation: ${fr.note}`);
      else
        doc.notes.push(
          `state isolation: ${fr.plan!.pod.name} (VNI ${fr.plan!.pod.network.vpc.vni}) opened ${fr.plan!.flows} flows to ${fr.plan!.service.name}; ${fr.watched} entries of other VNIs watched`,
        );
      count('state-isolation', fr.frames, fr.hops, fr.plan ? 1 : 0);
      doc.frames += fr.frames;
      doc.hops += fr.hops;
      for (const v of fr.violations) record(v);
    }
  } finally {
    engine.close();
    for (const i of owned) i.close();
  }
  for (const p of ALWAYS) {
    const c = doc.properties[p];
    c.classes += judged.classes;
    c.frames += judged.frames;
    c.hops += judged.hops;
  }
  doc.classTable = [...rows.values()];
  doc.ok = doc.violationCount === 0;
  doc.seconds = (performance.now() - t0) / 1000;
  return doc;
}
