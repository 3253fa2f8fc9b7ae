// One loaded build/bpf/dcos.o per DC/OS agent: both programs, their own maps. `load`
// writes an agent's model maps (DcosMaps) into the kernel's, `run` runs a program once with
// BPF_PROG_TEST_RUN (repeat 1) from a thread pinned to one CPU and reads the verdict record
// from that CPU's slot of the mmapped dcos_verdict array; `learnt` reads back what the data
// plane wrote (dcos_flow, dcos_nat, dcos_conns) for comparison with the model's.
import { fileURLToPath } from 'node:url';
import { loadInstances as loadObjects, type ProgramInstance } from '../loader.ts';
import type { BpfMap, MappedArray } from '../libbpf/map.ts';
import { numPossibleCpus } from '../libbpf/map.ts';
import { defaultExecutor, type TestRunExecutor } from '../testrun.ts';
import { ensureIfindexes } from '../netns.ts';
import { type KernelRun, decodeVerdict } from './instance.ts';
import { Verdict } from '../../model/dataplane/structs.ts';
import { DCOS_CONTROL_MAPS, DCOS_LEARNT_MAPS, type DcosLearntMap, type DcosMapName, type DcosMaps } from '../../model/dcos/dcos-maps.ts';
import { toHex } from '../../model/wire/hex.ts';
import { pinCurrentThread } from './affinity.ts';

export const DCOS_OBJ = process.env.TWINPLANE_DCOS_OBJ ?? fileURLToPath(new URL('../../build/bpf/dcos.o', import.meta.url));

export type DcosProgram = 'dcos_egress' | 'dcos_ingress';

/** What one kernel run left: the record (struct tp_verdict, as the Mizar programs' is) and the frame as the program left it. */
export type DcosKernelRun = KernelRun;

export class DcosInstance {
  readonly fds: Readonly<Record<DcosProgram, number>>;
  private readonly maps = new Map<string, BpfMap>();
  private readonly verdictMem: MappedArray;
  private readonly vBuf: Uint8Array;
  private readonly vView: DataView;
  /** Keys (hex) this instance wrote into each control map: what the next load must undo. */
  private readonly written = new Map<DcosMapName, Map<string, Uint8Array>>();
  private closed = false;

  constructor(
    readonly prog: ProgramInstance,
    readonly cpu: number,
    private readonly exec: TestRunExecutor = defaultExecutor(),
  ) {
    this.fds = { dcos_egress: prog.program('dcos_egress').fd, dcos_ingress: prog.program('dcos_ingress').fd };
    const v = this.map('dcos_verdict');
    if (cpu >= v.info.maxEntries)
      throw new Error(`${prog.label}: dcos_verdict has ${v.info.maxEntries} slots, runs on CPU ${cpu} would abort`);
    this.verdictMem = v.mmap();
    this.vBuf = this.verdictMem.bytes.subarray(cpu * this.verdictMem.stride, cpu * this.verdictMem.stride + Verdict.size);
    this.vView = new DataView(this.vBuf.buffer, this.vBuf.byteOffset, this.vBuf.byteLength);
  }

  get label(): string {
    return this.prog.label;
  }

  map(name: string): BpfMap {
    let m = this.maps.get(name);
    if (m === undefined) {
      m = this.prog.map(name);
      this.maps.set(name, m);
    }
    return m;
  }

  /**
   * Makes the kernel's control maps hold exactly `m`'s entries (what an earlier load wrote
   * and `m` lacks is deleted, or zeroed in an ARRAY), and its learnt maps exactly `m`'s
   * unless `learnt` is false (the kernel's own learnt state is kept).
   */
  load(m: DcosMaps, opts: { learnt?: boolean } = {}): void {
    for (const name of DCOS_CONTROL_MAPS) {
      const km = this.map(name);
      const raw = m.raw(name);
      const before = this.written.get(name) ?? new Map<string, Uint8Array>();
      const now = new Map<string, Uint8Array>();
      for (const [k, v] of raw.rawEntries()) {
        km.update(k, v);
        now.set(toHex(k), k);
      }
      for (const [id, k] of before) {
        if (now.has(id)) continue;
        if (raw.type === 'ARRAY') km.update(k, new Uint8Array(km.info.valueSize));
        else km.delete(k);
      }
      this.written.set(name, now);
    }
    if (opts.learnt === false) return;
    for (const name of DCOS_LEARNT_MAPS) {
      const km = this.map(name);
      km.clear();
      for (const [k, v] of m.raw(name).rawEntries()) km.update(k, v);
    }
  }

  /** Runs `program` once on `frame` arriving on `ingressIfindex`; reads the verdict record. */
  run(program: DcosProgram, frame: Uint8Array, ingressIfindex: number): DcosKernelRun {
    if (this.closed) throw new Error(`${this.label}: instance used after close()`);
    const r = this.exec.runInPlace(this.fds[program], frame, { ingressIfindex });
    return decodeVerdict(this.vView, this.vBuf, r.retval, r.view.slice(0, r.outLen));
  }

  /** A learnt map's entries as sorted 'key=value' hex strings (the model's: learntOf). */
  learnt(name: DcosLearntMap): string[] {
    return this.map(name)
      .entries()
      .map(([k, v]) => `${toHex(k)}=${toHex(v)}`)
      .sort();
  }

  /** dcos_counters[reason] summed over every CPU. */
  counter(reason: number): number {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, reason, true);
    return Number(this.map('dcos_counters').sumPerCpuU64(key));
  }

  /** Zeroes dcos_counters (a differential case starts from nothing). */
  clearCounters(): void {
    this.map('dcos_counters').clear();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.verdictMem.unmap();
    this.prog.close();
  }
}

/** The model's learnt map `name` in the form DcosInstance.learnt gives the kernel's. */
export function learntOf(m: DcosMaps, name: DcosLearntMap): string[] {
  return m
    .raw(name)
    .rawEntries()
    .map(([k, v]) => `${toHex(k)}=${toHex(v)}`)
    .sort();
}

export interface DcosLoadOptions {
  /** Ingress ifindexes the runs will use: created in the private netns up front. */
  ifindexes?: readonly number[];
  cpu?: number;
  object?: string;
}

/** One instance per label (agent), after pinning this thread to a CPU and entering the private netns. */
export function loadDcosInstances(labels: readonly string[], opts: DcosLoadOptions = {}): DcosInstance[] {
  const cpu = pinCurrentThread(opts.cpu);
  ensureIfindexes(opts.ifindexes ?? []);
  return loadObjects(opts.object ?? DCOS_OBJ, labels, { maxEntries: { dcos_verdict: numPossibleCpus() } }).map(
    (p) => new DcosInstance(p, cpu),
  );
}
