// One loaded instance of build/bpf/dataplane.o per simulated host: both programs, their own
// maps, progs[PROG_TRANSIT] wired to this instance's own xdp_transit (so an agent's tail
// call stays on its host). Runs go through BPF_PROG_TEST_RUN with repeat 1 from a thread
// pinned to one CPU, and the verdict record is read from that CPU's slot of the mmapped
// `verdict` array: no syscall beyond the test run itself.
import { fileURLToPath } from 'node:url';
import { loadInstances as loadObjects, type ProgramInstance } from '../loader.ts';
import type { BpfMap, MappedArray } from '../libbpf/map.ts';
import { numPossibleCpus } from '../libbpf/map.ts';
import { defaultExecutor, type TestRunExecutor } from '../testrun.ts';
import { ensureIfindexes } from '../netns.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import { Verdict } from '../../model/dataplane/structs.ts';
import { ACTION_BY_CODE, type Action } from '../../model/dataplane/tables.ts';
import { pinCurrentThread } from './affinity.ts';
import { allocBuffer } from '../../model/dataplane/parse.ts';
import { LEARNT_MAP_NAMES, type LearntMapName, MAP_SPECS, type HostState } from '../../model/dataplane/state.ts';
import { PartitionedBpfMap } from './partitions.ts';
import type { BatchRunner } from '../native/batch-runner.ts';
import { type LearntCensus, loadCensus } from './census.ts';

/** The object under test; TWINPLANE_BPF_OBJ points every suite at another build (scripts/mutate-bpf.ts runs them on mutants). */
export const DATAPLANE_OBJ = process.env.TWINPLANE_BPF_OBJ ?? fileURLToPath(new URL('../../build/bpf/dataplane.o', import.meta.url));

export type ProgramName = 'agent' | 'transit';
export const PROGRAM_SECTION: Readonly<Record<ProgramName, string>> = { agent: 'xdp_agent', transit: 'xdp_transit' };

/** The verdict record of one kernel run, decoded (docs section 4). */
export interface KernelVerdict {
  action: Action | `UNKNOWN(${number})`;
  /** The program's return value, which must agree with the record's action. */
  retval: number;
  /** The action the record says (it should equal retval). */
  recordAction: number;
  reason: number;
  target: number;
  /** Stored decision points (at most MAX_POINTS). */
  points: number[];
  /** Points entered, stored or not. */
  nPoints: number;
  flags: number;
  /** counters[reason] on this CPU after the run's increment. */
  count: number;
  /** Writes the run made to the learnt maps. */
  learnt: number;
}

export interface KernelRun extends KernelVerdict {
  /**
   * The frame as the program left it, whatever the action (DROP included, for reports). Where
   * its bytes are those of the model's output, or of the input, it is that array (run and
   * batchRun share rather than copy): never write into it.
   */
  output: Uint8Array;
}

// Verdict record offsets (structs.ts Verdict): read straight from the shared mapping.
const V_ACTION = Verdict.fields.find((f) => f.name === 'action')!.offset;
const V_REASON = Verdict.fields.find((f) => f.name === 'reason')!.offset;
const V_TARGET = Verdict.fields.find((f) => f.name === 'target')!.offset;
const V_NPOINTS = Verdict.fields.find((f) => f.name === 'n_points')!.offset;
const V_FLAGS = Verdict.fields.find((f) => f.name === 'flags')!.offset;
const V_COUNT = Verdict.fields.find((f) => f.name === 'count')!.offset;
const V_LEARNT = Verdict.fields.find((f) => f.name === 'learnt')!.offset;
const V_POINTS = Verdict.fields.find((f) => f.name === 'points')!.offset;

/**
 * The verdict record in `bytes` (viewed by `dv`: one CPU's slot of a mapped verdict array,
 * any profile's: every profile's record is struct tp_verdict) with the run's return value
 * (-1: take the record's action) and output, the record starting `at` bytes into them. One
 * object shape for every caller (output undefined when only the record is read). When the
 * stored points are `like`'s, in order, `like` is the run's points array (see `sameOutput`).
 */
export function decodeVerdict(
  dv: DataView,
  bytes: Uint8Array,
  retval: number,
  output: Uint8Array | undefined,
  at = 0,
  like?: readonly number[],
): KernelRun {
  const recordAction = dv.getUint32(at + V_ACTION, true);
  const nPoints = dv.getUint32(at + V_NPOINTS, true);
  const stored = Math.min(nPoints, CONSTS.MAX_POINTS);
  const code = retval >= 0 ? retval : recordAction;
  return {
    action: ACTION_BY_CODE[code] ?? `UNKNOWN(${code})`,
    retval: code,
    recordAction,
    reason: dv.getUint32(at + V_REASON, true),
    target: dv.getUint32(at + V_TARGET, true),
    points: pointsOf(bytes, at + V_POINTS, stored, like),
    nPoints,
    flags: dv.getUint32(at + V_FLAGS, true),
    count: dv.getUint32(at + V_COUNT, true),
    learnt: dv.getUint32(at + V_LEARNT, true),
    output: output as Uint8Array,
  };
}

/** The `n` point ids stored at bytes[p]: `like` itself when they are its ids, else a new array. */
function pointsOf(bytes: Uint8Array, p: number, n: number, like: readonly number[] | undefined): number[] {
  if (like !== undefined && like.length === n) {
    let i = 0;
    while (i < n && bytes[p + i] === like[i]) i++;
    if (i === n) return like as number[];
  }
  const points: number[] = [];
  for (let i = 0; i < n; i++) points.push(bytes[p + i]);
  return points;
}

/**
 * A run's output, copied out of the buffer the next run reuses into the model's packet slab:
 * a fresh ArrayBuffer per run costs ~0.6 us here, more than the copy. When the bytes are
 * `like`'s (the model's output for the same input, usually), `like` is the output: equal
 * bytes, no copy, and the comparison that follows finds the same array (bytesEqual). Records,
 * outputs and points are never written once made, so sharing them is safe.
 */
function sameOutput(from: Uint8Array, at: number, len: number, like: Uint8Array | null | undefined): Uint8Array {
  if (like != null && like.length === len && bufferOf(from).compare(like, 0, len, at, at + len) === 0) return like;
  const out = allocBuffer(len);
  out.set(from.subarray(at, at + len));
  return out;
}

// The output buffers runs leave their frames in live as long as their runner: the last one
// seen is kept as a Buffer on the same memory, whose compare() takes ranges (no view made).
let lastFrom: Uint8Array | undefined;
let lastBuffer: Buffer = Buffer.alloc(0);
function bufferOf(from: Uint8Array): Buffer {
  if (from !== lastFrom) {
    lastFrom = from;
    lastBuffer = Buffer.from(from.buffer, from.byteOffset, from.byteLength);
  }
  return lastBuffer;
}

/** What a kernel run is expected to give (the model's run of the same input): shared when equal. */
export interface RunLike {
  output: Uint8Array | null;
  points: readonly number[];
}

export class DataplaneInstance {
  readonly label: string;
  readonly prog: ProgramInstance;
  readonly fds: Readonly<Record<ProgramName, number>>;
  readonly cpu: number;
  /** What this process's runs should have left in counters on `cpu` (harness/engine/hop.ts keeps it). */
  counterShadow: Map<number, number> | undefined = undefined;
  private readonly maps = new Map<string, BpfMap>();
  private readonly verdictMem: MappedArray;
  /** This CPU's verdict slot, in the shared mapping. */
  private readonly vBuf: Uint8Array;
  private readonly vView: DataView;
  /** Address of this CPU's verdict slot, for native code that copies the record a run leaves. */
  private readonly verdictAddress: bigint;
  private closed = false;
  private readonly cKey = new Uint8Array(4);
  private readonly cBuf: Uint8Array;
  private readonly cView: DataView;
  private readonly exec: TestRunExecutor;
  /** The census of the learnt maps (census.ts), loaded when first asked for; null: the kernel refused it. */
  private censusObj: LearntCensus | null | undefined;

  /**
   * `innerEntries`: max_entries of the learnt maps' partitions this instance creates (the
   * spec's per-VPC sizes unless given; the differential suites use small ones).
   */
  constructor(
    prog: ProgramInstance,
    cpu: number,
    exec: TestRunExecutor = defaultExecutor(),
    readonly innerEntries?: number,
  ) {
    this.label = prog.label;
    this.prog = prog;
    this.cpu = cpu;
    this.exec = exec;
    this.fds = { agent: prog.program(PROGRAM_SECTION.agent).fd, transit: prog.program(PROGRAM_SECTION.transit).fd };
    prog.wireTailCall('progs', CONSTS.PROG_TRANSIT, PROGRAM_SECTION.transit);
    if (cpu >= numPossibleCpus()) throw new Error(`cpu ${cpu} is past the ${numPossibleCpus()} possible CPUs`);
    const v = this.map('verdict');
    if (cpu >= v.info.maxEntries)
      throw new Error(`${this.label}: the verdict map has ${v.info.maxEntries} slots, runs on CPU ${cpu} would abort`);
    this.verdictMem = v.mmap();
    this.vBuf = this.verdictMem.bytes.subarray(cpu * this.verdictMem.stride, cpu * this.verdictMem.stride + Verdict.size);
    this.vView = new DataView(this.vBuf.buffer, this.vBuf.byteOffset, this.vBuf.byteLength);
    this.verdictAddress = this.verdictMem.address + BigInt(cpu * this.verdictMem.stride);
    const c = this.map('counters');
    this.cBuf = new Uint8Array(c.valueBufferSize);
    this.cView = new DataView(this.cBuf.buffer);
  }

  /** Map `name`; a learnt map comes as its partitions seen whole (partitions.ts). */
  map(name: string): BpfMap {
    let m = this.maps.get(name);
    if (m === undefined) {
      m = this.prog.map(name);
      if ((LEARNT_MAP_NAMES as readonly string[]).includes(name)) {
        const spec = MAP_SPECS[name as LearntMapName];
        m = new PartitionedBpfMap(
          m,
          this.map('vpc_slots'),
          spec.keyLayout.def.size,
          spec.valueLayout.def.size,
          this.innerEntries ?? spec.maxEntries,
        );
      }
      this.maps.set(name, m);
    }
    return m;
  }

  /**
   * How many entries each slot of the learnt maps holds, counted in one test run (census.ts);
   * null on a kernel that cannot count (then read the maps whole).
   */
  census(): LearntCensus | null {
    if (this.censusObj === undefined) {
      const outer = Object.fromEntries(LEARNT_MAP_NAMES.map((n) => [n, this.learnt(n).outer.fd])) as Record<LearntMapName, number>;
      this.censusObj = loadCensus(this.label, outer);
    }
    return this.censusObj;
  }

  /** Learnt map `name` with its partitions. */
  learnt(name: LearntMapName): PartitionedBpfMap {
    return this.map(name) as PartitionedBpfMap;
  }

  /**
   * Runs `program` once on `frame` arriving on `ingressIfindex`; reads the verdict record.
   * `like` (the model's run of the same frame) lends its output and points where they are
   * equal; a run it does not send keeps the input's bytes when it left them.
   */
  run(program: ProgramName, frame: Uint8Array, ingressIfindex: number, like?: RunLike | null): KernelRun {
    const r = this.exec.runInPlace(this.fds[program], frame, { ingressIfindex });
    return this.record(r.retval, sameOutput(r.view, 0, r.outLen, like?.output ?? frame), like?.points);
  }

  /**
   * Runs cases from..b.size-1 of stretch `b` (each on one of this instance's programs) from C
   * (harness/native), until one writes the learnt maps: BatchRunner.run's answer.
   */
  runStretch(b: BatchRunner, from: number): number {
    if (this.closed) throw new Error(`${this.label}: instance used after close()`);
    return b.run(this.verdictAddress, from);
  }

  /**
   * Case i of a stretch `b` ran from C on this instance: its record and output, taken as
   * run() takes them (`frame` is the case's input, `like` its model's run).
   */
  batchRun(b: BatchRunner, i: number, frame: Uint8Array, like?: RunLike | null): KernelRun {
    if (this.closed) throw new Error(`${this.label}: instance used after close()`);
    const output = sameOutput(b.outs, b.outAt(i), b.outLen(i), like?.output ?? frame);
    return decodeVerdict(b.recordsView, b.records, b.retval(i), output, i * Verdict.size, like?.points);
  }

  /** The verdict record of this CPU's slot (what the last run on this thread left). */
  readVerdict(retval = -1): KernelVerdict {
    return this.record(retval, undefined);
  }

  private record(retval: number, output: Uint8Array | undefined, like?: readonly number[]): KernelRun {
    if (this.closed) throw new Error(`${this.label}: instance used after close()`);
    return decodeVerdict(this.vView, this.vBuf, retval, output, 0, like);
  }

  /** Entries of the counters map (one per reason id). */
  get counterSlots(): number {
    return this.map('counters').info.maxEntries;
  }

  /** counters[reason] in this CPU's slot (the runs of this thread). */
  counter(reason: number): number {
    const m = this.map('counters');
    new DataView(this.cKey.buffer).setUint32(0, reason, true);
    if (m.lookup(this.cKey, this.cBuf) === null) return 0;
    return Number(this.cView.getBigUint64(this.cpu * m.perCpuStride, true));
  }

  /** counters[reason] summed over every CPU. */
  counterSum(reason: number): number {
    const m = this.map('counters');
    new DataView(this.cKey.buffer).setUint32(0, reason, true);
    if (m.lookup(this.cKey, this.cBuf) === null) return 0;
    let n = 0;
    for (let cpu = 0; cpu * m.perCpuStride < this.cBuf.length; cpu++) n += Number(this.cView.getBigUint64(cpu * m.perCpuStride, true));
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.verdictMem.unmap();
    this.censusObj?.close();
    for (const m of this.maps.values()) if (m instanceof PartitionedBpfMap) m.closeInner();
    this.prog.close();
  }
}

/**
 * Capacity of each learnt partition in the instances of the differential suites (their
 * `innerEntries`): small maps are cheap to read whole, which a suite's end of a batch does
 * when the census (census.ts) finds entries or the baseline has some (one batch syscall per
 * slot's map: ~1.4 us at 256 entries, about 1 us of it the syscall; 1.7-2.6 us at 1,024).
 * The suites hold a few dozen learnt entries and put every case's back, so the kernel's LRU
 * never evicts: it takes free entries 128 at a time (LOCAL_FREE_TARGET) onto the running
 * CPU's list and evicts only when the shared free list cannot give 128, which at 256 is
 * past 128 entries held (the suites pin the thread, so one CPU takes them). Anything that
 * runs a scenario loads the spec's sizes instead (the default), or past this many entries
 * in a VPC the kernel would evict where the model does not.
 */
export const LEARNT_MAP_ENTRIES = 256;

/** Every ingress ifindex a set of host states can be run with: underlay NICs and veths. */
export function ifindexesOf(states: Iterable<HostState>): number[] {
  const out = new Set<number>();
  for (const st of states) {
    const u = st.config.underlay_ifindex;
    if (u > 1) out.add(u);
    if (st.has('ifaces')) for (const [i] of st.map('ifaces').entries()) if (i > 1) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

export interface LoadOptions {
  /** Object path (default build/bpf/dataplane.o): the broken-program test loads a mutant. */
  object?: string;
  /** max_entries overrides; default: the verdict map at the possible CPUs. `{}` keeps the object's. */
  maxEntries?: Readonly<Record<string, number>>;
  /**
   * max_entries of the learnt partitions the instances create: the spec's per-VPC sizes
   * (MAP_EP_CACHE_PER_VPC, MAP_FLOWS_PER_VPC) unless given; the differential suites give
   * LEARNT_MAP_ENTRIES.
   */
  innerEntries?: number;
  /** Ingress ifindexes the runs will use: created in the private netns up front. */
  ifindexes?: readonly number[];
  /** The CPU to pin this thread to (default: pinCurrentThread's choice). */
  cpu?: number;
}

/**
 * Loads one instance per label (host), after pinning this thread to a CPU and entering the
 * private network namespace (ingress ifindexes must exist in the caller's namespace).
 */
export function loadInstances(labels: readonly string[], opts: LoadOptions = {}): DataplaneInstance[] {
  const cpu = pinCurrentThread(opts.cpu);
  ensureIfindexes(opts.ifindexes ?? []);
  const maxEntries = opts.maxEntries ?? { verdict: numPossibleCpus() };
  return loadObjects(opts.object ?? DATAPLANE_OBJ, labels, { maxEntries }).map(
    (p) => new DataplaneInstance(p, cpu, undefined, opts.innerEntries),
  );
}
