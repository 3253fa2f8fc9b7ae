// The binding of run_batch.c (build/native/librunbatch.so): a stretch of one instance's cases
// run from C, each case's output and verdict record left in native arenas allocated once.
// The argument block (struct tp_batch) is written once, so a call passes one pointer and two
// numbers: per case the binding costs a frame copy in and three stores.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { koffi, type Ptr } from '../libbpf/native.ts';
import { MAX_FRAME, OUTPUT_SLACK } from '../testrun.ts';
import { Verdict } from '../../model/dataplane/structs.ts';

/** The library's path; bpf/Makefile builds it with the BPF objects (scripts/setup.sh, npm run build:bpf). */
export const RUN_BATCH_LIB = fileURLToPath(new URL('../../build/native/librunbatch.so', import.meta.url));

/** Cases one call takes at most (the arenas hold this many frames and outputs of the largest size). */
export const BATCH_CAPACITY = 64;

const OUT_STRIDE = MAX_FRAME + OUTPUT_SLACK;
const LEARNT_OFF = Verdict.fields.find((f) => f.name === 'learnt')!.offset;

// struct tp_batch (run_batch.c), x86-64 and arm64 LP64 layout: pointers 8 bytes, u32s packed
// in pairs where they sit side by side.
const B = {
  fds: 0,
  frames: 8,
  offs: 16,
  lens: 24,
  ifindexes: 32,
  record: 40,
  recordSize: 48,
  learntOff: 52,
  outs: 56,
  outStride: 64,
  outLens: 72,
  retvals: 80,
  records: 88,
  size: 96,
} as const;

type RunBatchFn = (block: Ptr, from: number, n: number) => number;
let runBatchFn: RunBatchFn | undefined;

function lib(): RunBatchFn {
  if (runBatchFn === undefined) {
    if (!existsSync(RUN_BATCH_LIB)) {
      throw new Error(`${RUN_BATCH_LIB} is missing: build it with \`npm run build:bpf\` (scripts/setup.sh does it on every npm test)`);
    }
    runBatchFn = koffi.load(RUN_BATCH_LIB).func('int tp_run_batch(void *b, int from, int n)') as RunBatchFn;
  }
  return runBatchFn;
}

/** A native array of `n` elements of `bytes` each, with its address and a JS view. */
function nativeArray(n: number, bytes: number): { ptr: Ptr; address: bigint; bytes: Uint8Array } {
  const ptr = koffi.alloc('uint8_t', n * bytes) as Ptr;
  const view = new Uint8Array(koffi.view(ptr, n * bytes));
  view.fill(0);
  return { ptr, address: koffi.address(ptr) as bigint, bytes: view };
}

export class BatchRunner {
  private readonly block = nativeArray(1, B.size);
  private readonly blockView: DataView;
  private readonly fds: Int32Array;
  private readonly offs: Uint32Array;
  private readonly lens: Uint32Array;
  private readonly ifindexes: Uint32Array;
  private readonly outLens: Uint32Array;
  private readonly retvalsView: Uint32Array;
  private readonly frames: Uint8Array;
  /** Case i's output at i × the output stride. */
  readonly outs: Uint8Array;
  /** Case i's verdict record at i × Verdict.size. */
  readonly records: Uint8Array;
  readonly recordsView: DataView;
  private filled = 0;
  private at = 0;

  constructor() {
    // Allocated once for the thread's life (defaultRunner), never freed.
    const arr = (bytes: number) => nativeArray(BATCH_CAPACITY, bytes);
    const fds = arr(4);
    const offs = arr(4);
    const lens = arr(4);
    const ifx = arr(4);
    const outLens = arr(4);
    const retvals = arr(4);
    const frames = arr(MAX_FRAME);
    const outs = arr(OUT_STRIDE);
    const records = arr(Verdict.size);
    this.fds = new Int32Array(fds.bytes.buffer, fds.bytes.byteOffset, BATCH_CAPACITY);
    this.offs = new Uint32Array(offs.bytes.buffer, offs.bytes.byteOffset, BATCH_CAPACITY);
    this.lens = new Uint32Array(lens.bytes.buffer, lens.bytes.byteOffset, BATCH_CAPACITY);
    this.ifindexes = new Uint32Array(ifx.bytes.buffer, ifx.bytes.byteOffset, BATCH_CAPACITY);
    this.outLens = new Uint32Array(outLens.bytes.buffer, outLens.bytes.byteOffset, BATCH_CAPACITY);
    this.retvalsView = new Uint32Array(retvals.bytes.buffer, retvals.bytes.byteOffset, BATCH_CAPACITY);
    this.frames = frames.bytes;
    this.outs = outs.bytes;
    this.records = records.bytes;
    this.recordsView = new DataView(records.bytes.buffer, records.bytes.byteOffset, records.bytes.byteLength);
    const v = (this.blockView = new DataView(this.block.bytes.buffer, this.block.bytes.byteOffset, B.size));
    v.setBigUint64(B.fds, fds.address, true);
    v.setBigUint64(B.frames, frames.address, true);
    v.setBigUint64(B.offs, offs.address, true);
    v.setBigUint64(B.lens, lens.address, true);
    v.setBigUint64(B.ifindexes, ifx.address, true);
    v.setUint32(B.recordSize, Verdict.size, true);
    v.setUint32(B.learntOff, LEARNT_OFF, true);
    v.setBigUint64(B.outs, outs.address, true);
    v.setUint32(B.outStride, OUT_STRIDE, true);
    v.setBigUint64(B.outLens, outLens.address, true);
    v.setBigUint64(B.retvals, retvals.address, true);
    v.setBigUint64(B.records, records.address, true);
    lib();
  }

  /** Cases set since the last clear(). */
  get size(): number {
    return this.filled;
  }

  /** Starts a new list of cases. */
  clear(): void {
    this.filled = 0;
    this.at = 0;
  }

  /** Appends a case (its frame between MIN_FRAME and MAX_FRAME bytes, at most BATCH_CAPACITY cases). */
  add(fd: number, frame: Uint8Array, ingressIfindex: number): void {
    const i = this.filled;
    if (i === BATCH_CAPACITY || frame.length > MAX_FRAME) {
      throw new RangeError(`BatchRunner: case ${i} (${frame.length} bytes) is past ${BATCH_CAPACITY} cases of at most ${MAX_FRAME} bytes`);
    }
    this.fds[i] = fd;
    this.offs[i] = this.at;
    this.lens[i] = frame.length;
    this.ifindexes[i] = ingressIfindex;
    this.frames.set(frame, this.at);
    this.at += frame.length;
    this.filled++;
  }

  /**
   * Runs cases from..size-1 on the instance whose verdict slot is at `record`, until one
   * writes the learnt maps (included). Returns the index after the last case run, or
   * -(i + 1) when case i's run failed (the cases before it ran).
   */
  run(record: bigint, from: number): number {
    this.blockView.setBigUint64(B.record, record, true);
    return lib()(this.block.ptr, from, this.filled);
  }

  /** Case i's return value. */
  retval(i: number): number {
    return this.retvalsView[i];
  }

  /** Case i's output length. */
  outLen(i: number): number {
    return this.outLens[i];
  }

  /** Offset of case i's output in `outs`. */
  outAt(i: number): number {
    return i * OUT_STRIDE;
  }
}

let shared: BatchRunner | undefined;
/**
 * One runner per thread: a stretch is filled and run within one call (ProgramDiffer's), so
 * every differ of a thread can share the arenas (about half a megabyte).
 */
export function defaultRunner(): BatchRunner {
  shared ??= new BatchRunner();
  return shared;
}
