// The binding of run_batch.c (build/native/librunbatch.so): a stretch of one instance's cases
// run from C, each case's output and verdict record left in native arenas allocated once;
// and hash maps read whole, several in one call (readMapsWhole).
// The argument block (struct tp_batch) is written once, so a call passes one pointer and two
// numbers: per case the binding costs a frame copy in and four stores.
import { existsSync } from 'node:fs';
import { koffi, type Ptr } from '../libbpf/native.ts';
import { MAX_FRAME, OUTPUT_SLACK } from '../testrun.ts';
import { Verdict } from '../../model/dataplane/structs.ts';
import { BpfError } from '../libbpf/bpf-error.ts';
import type { BpfMap } from '../libbpf/map.ts';
import { RUN_BATCH_LIB } from './lib-path.ts';

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

type NativeFn = (block: Ptr, from: number, n: number) => number;
interface Lib {
  runBatch: NativeFn;
  readMaps: (block: Ptr, n: number) => number;
}
let native: Lib | undefined;

function lib(): Lib {
  if (native === undefined) {
    if (!existsSync(RUN_BATCH_LIB)) {
      throw new Error(`${RUN_BATCH_LIB} is missing: build it with \`npm run build:bpf\` (scripts/setup.sh does it on every npm test)`);
    }
    const l = koffi.load(RUN_BATCH_LIB);
    native = {
      runBatch: l.func('int tp_run_batch(void *b, int from, int n)') as NativeFn,
      readMaps: l.func('int tp_read_maps(void *r, int n)') as Lib['readMaps'],
    };
  }
  return native;
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
    return lib().runBatch(this.block.ptr, from, this.filled);
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

// struct tp_read (run_batch.c): six pointers to arrays of n.
const R = { fds: 0, caps: 8, ksizes: 16, vsizes: 24, keys: 32, values: 40, counts: 48, size: 56 } as const;
const LRU_OR_HASH = new Set([1, 9]);

/** The reader's arenas, grown to the largest set of maps asked for (one per thread). */
let reader:
  | {
      block: ReturnType<typeof nativeArray>;
      view: DataView;
      maps: number;
      bytes: number;
      arrays: ReturnType<typeof nativeArray>;
      data: ReturnType<typeof nativeArray>;
    }
  | undefined;

/**
 * Every entry of each map (HASH or LRU_HASH), read in one call into native memory: for each
 * map its [key, value] pairs, copied out. The end of a batch reads a host's learnt maps, every
 * slot's map, this way: one crossing, not one per map.
 */
export function readMapsWhole(maps: readonly BpfMap[]): Array<Array<[Uint8Array, Uint8Array]>> {
  const n = maps.length;
  let bytes = 0;
  for (const m of maps) {
    if (!LRU_OR_HASH.has(m.info.type)) throw new TypeError(`readMapsWhole: map ${m.name} is ${m.info.typeName}, not a hash map`);
    bytes += m.info.maxEntries * (m.info.keySize + m.info.valueSize);
  }
  if (reader === undefined || reader.maps < n || reader.bytes < bytes) {
    if (reader !== undefined) for (const p of [reader.block.ptr, reader.arrays.ptr, reader.data.ptr]) koffi.free(p);
    const maps = Math.max(n, reader?.maps ?? 0, 32);
    const size = Math.max(bytes, reader?.bytes ?? 0);
    const block = nativeArray(1, R.size);
    reader = {
      block,
      view: new DataView(block.bytes.buffer, block.bytes.byteOffset, R.size),
      maps,
      bytes: size,
      // fds, caps, ksizes, vsizes, counts (u32 each) and keys, values (pointers), `maps` of each.
      arrays: nativeArray(maps, 5 * 4 + 2 * 8),
      data: nativeArray(1, Math.max(size, 8)),
    };
    const at = reader.arrays.address;
    const v = reader.view;
    v.setBigUint64(R.fds, at, true);
    v.setBigUint64(R.caps, at + BigInt(4 * maps), true);
    v.setBigUint64(R.ksizes, at + BigInt(8 * maps), true);
    v.setBigUint64(R.vsizes, at + BigInt(12 * maps), true);
    v.setBigUint64(R.counts, at + BigInt(16 * maps), true);
    v.setBigUint64(R.keys, at + BigInt(20 * maps), true);
    v.setBigUint64(R.values, at + BigInt(28 * maps), true);
  }
  const r = reader;
  const a = new DataView(r.arrays.bytes.buffer, r.arrays.bytes.byteOffset, r.arrays.bytes.byteLength);
  const starts: Array<{ k: number; v: number }> = [];
  let off = 0;
  for (let i = 0; i < n; i++) {
    const info = maps[i].info;
    a.setInt32(4 * i, maps[i].fd, true);
    a.setUint32(4 * r.maps + 4 * i, info.maxEntries, true);
    a.setUint32(8 * r.maps + 4 * i, info.keySize, true);
    a.setUint32(12 * r.maps + 4 * i, info.valueSize, true);
    const k = off;
    const v = off + info.maxEntries * info.keySize;
    a.setBigUint64(20 * r.maps + 8 * i, r.data.address + BigInt(k), true);
    a.setBigUint64(28 * r.maps + 8 * i, r.data.address + BigInt(v), true);
    starts.push({ k, v });
    off = v + info.maxEntries * info.valueSize;
  }
  const rc = lib().readMaps(r.block.ptr, n);
  if (rc < 0) throw new BpfError({ errno: koffi.errno(), call: 'bpf_map_lookup_batch', map: maps[-rc - 1].name, detail: 'read whole' });
  const out: Array<Array<[Uint8Array, Uint8Array]>> = [];
  for (let i = 0; i < n; i++) {
    const count = a.getUint32(16 * r.maps + 4 * i, true);
    const { keySize: ks, valueSize: vs } = maps[i].info;
    const entries: Array<[Uint8Array, Uint8Array]> = [];
    for (let e = 0; e < count; e++) {
      const k = starts[i].k + e * ks;
      const v = starts[i].v + e * vs;
      entries.push([r.data.bytes.slice(k, k + ks), r.data.bytes.slice(v, v + vs)]);
    }
    out.push(entries);
  }
  return out;
}
