// Map operations by file descriptor. Keys and values are raw bytes (Uint8Array); struct
// encoding lives in model/layout/struct.ts. Sizes are checked before every call because
// the kernel reads exactly key_size/value_size bytes behind the pointer it is given: a
// short buffer would be read past its end, not rejected.
import { BpfError } from './bpf-error.ts';
import { koffi, libbpf, libc, lastErrno } from './native.ts';
// Buffers for values the kernel writes are carved from the model's packet slab, off-heap: a
// fresh small Uint8Array lives on the JS heap, and handing it to a native call moves it off
// first (an allocation and a copy). A lookup cost ~1.5 µs more with one for its value and
// one for its key (model/dataplane/maps.ts encodes keys into the slab for the same reason).
import { allocBuffer } from '../../model/dataplane/parse.ts';

/** Kernel map type numbers (enum bpf_map_type) that the harness names in messages. */
export const MAP_TYPES: Readonly<Record<number, string>> = {
  0: 'unspec',
  1: 'hash',
  2: 'array',
  3: 'prog_array',
  4: 'perf_event_array',
  5: 'percpu_hash',
  6: 'percpu_array',
  7: 'stack_trace',
  8: 'cgroup_array',
  9: 'lru_hash',
  10: 'lru_percpu_hash',
  11: 'lpm_trie',
  12: 'array_of_maps',
  13: 'hash_of_maps',
  14: 'devmap',
  15: 'sockmap',
  16: 'cpumap',
  17: 'xskmap',
  18: 'sockhash',
  19: 'cgroup_storage',
  20: 'reuseport_sockarray',
  21: 'percpu_cgroup_storage',
  22: 'queue',
  23: 'stack',
  24: 'sk_storage',
  25: 'devmap_hash',
  26: 'struct_ops',
  27: 'ringbuf',
  28: 'inode_storage',
  29: 'task_storage',
  30: 'bloom_filter',
};

const PERCPU_TYPES = new Set([5, 6, 10, 21]);
// Maps indexed 0..max_entries-1: their keys always exist. Plain arrays hold data and are
// cleared by writing zeros; the fd-holding ones (prog, perf event, cgroup, map-in-map,
// dev, cpu, xsk) empty a slot by deleting it.
const ARRAY_TYPES = new Set([2, 6, 3, 14, 16, 17, 4, 8, 12]);
const DATA_ARRAY_TYPES = new Set([2, 6]);
// Hash maps read whole with BPF_MAP_LOOKUP_BATCH (hash, percpu hash, lru, lru percpu).
const BATCH_TYPES = new Set([1, 5, 9, 10]);
const BATCH_CHUNK = 1024;
/** BPF_F_MMAPABLE: an array map whose values user space can mmap. */
export const BPF_F_MMAPABLE = 1 << 10;

const PROT_READ = 1;
const MAP_SHARED = 1;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

/** An mmapped array map: slot i's value at bytes[i × stride]. */
export interface MappedArray {
  /** Valid until unmap(): reading it afterwards faults the process. */
  readonly bytes: Uint8Array;
  /** The mapping's address in this process, for native code handed a pointer into it. */
  readonly address: bigint;
  readonly stride: number;
  unmap(): void;
}

/** Update flags (BPF_ANY / BPF_NOEXIST / BPF_EXIST). */
export type UpdateFlag = 'any' | 'noexist' | 'exist';
const UPDATE_FLAGS: Readonly<Record<UpdateFlag, number>> = { any: 0, noexist: 1, exist: 2 };

export interface MapInfo {
  readonly name: string;
  readonly type: number;
  readonly typeName: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

const ENOENT = 2;

let possibleCpus = 0;
/** Number of possible CPUs: the count of slots in every per-CPU value. */
export function numPossibleCpus(): number {
  if (possibleCpus === 0) {
    const n = libbpf().libbpf_num_possible_cpus();
    if (n <= 0) throw new BpfError({ errno: -n || 22, call: 'libbpf_num_possible_cpus' });
    possibleCpus = n;
  }
  return possibleCpus;
}

export class BpfMap {
  readonly fd: number;
  readonly info: MapInfo;
  /** Owning object's name, for messages. */
  readonly owner: string | undefined;
  readonly perCpu: boolean;
  /** Bytes per CPU slot of a per-CPU value: value_size rounded up to 8. */
  readonly perCpuStride: number;
  /**
   * Writes made through this object (updates, deletes, removing reads): what a reader that
   * keeps what it read may compare to know it is stale. Writes by programs or through
   * another fd of the same map do not count.
   */
  writes = 0;

  constructor(fd: number, info: MapInfo, owner?: string) {
    this.fd = fd;
    this.info = info;
    this.owner = owner;
    this.perCpu = PERCPU_TYPES.has(info.type);
    this.perCpuStride = Math.ceil(info.valueSize / 8) * 8;
  }

  /** Wraps a map fd that did not come from one of our objects (reads its info from the kernel). */
  static fromFd(fd: number, owner?: string): BpfMap {
    // struct bpf_map_info: type@0 id@4 key_size@8 value_size@12 max_entries@16
    // map_flags@20 name[16]@24. The kernel fills at most len bytes and wants the rest 0.
    const raw = new Uint8Array(88);
    const len = new Uint32Array([raw.length]);
    const rc = libbpf().bpf_obj_get_info_by_fd(fd, raw, len);
    if (rc < 0) throw new BpfError({ errno: rc, call: 'bpf_obj_get_info_by_fd', detail: `fd ${fd}` });
    const dv = new DataView(raw.buffer);
    const nameBytes = raw.subarray(24, 40);
    const nul = nameBytes.indexOf(0);
    const type = dv.getUint32(0, true);
    return new BpfMap(
      fd,
      {
        name: Buffer.from(nameBytes.subarray(0, nul < 0 ? 16 : nul)).toString('latin1'),
        type,
        typeName: MAP_TYPES[type] ?? `type ${type}`,
        keySize: dv.getUint32(8, true),
        valueSize: dv.getUint32(12, true),
        maxEntries: dv.getUint32(16, true),
        flags: dv.getUint32(20, true),
      },
      owner,
    );
  }

  /** Creates a standalone map (not from an object): handy for tests and inner maps. */
  static create(type: number, name: string, keySize: number, valueSize: number, maxEntries: number): BpfMap {
    const fd = libbpf().bpf_map_create(type, name, keySize, valueSize, maxEntries, null);
    if (fd < 0) throw new BpfError({ errno: fd, call: 'bpf_map_create', map: name });
    return BpfMap.fromFd(fd);
  }

  get name(): string {
    return this.info.name;
  }

  /** Bytes a lookup writes: value_size, or stride × possible CPUs for per-CPU maps. */
  get valueBufferSize(): number {
    return this.perCpu ? this.perCpuStride * numPossibleCpus() : this.info.valueSize;
  }

  /** The value for `key`, or null when the key is absent. `out` avoids an allocation. */
  lookup(key: Uint8Array, out?: Uint8Array): Uint8Array | null {
    this.checkKey(key, 'bpf_map_lookup_elem');
    const buf = out ?? allocBuffer(this.valueBufferSize);
    this.checkValue(buf, 'bpf_map_lookup_elem', true);
    const rc = libbpf().bpf_map_lookup_elem(this.fd, key, buf);
    if (rc === -ENOENT) return null;
    if (rc < 0) throw this.error(rc, 'bpf_map_lookup_elem', key);
    return buf;
  }

  update(key: Uint8Array, value: Uint8Array, flag: UpdateFlag = 'any'): void {
    this.checkKey(key, 'bpf_map_update_elem');
    this.checkValue(value, 'bpf_map_update_elem', false);
    this.writes++;
    const rc = libbpf().bpf_map_update_elem(this.fd, key, value, UPDATE_FLAGS[flag]);
    if (rc < 0) throw this.error(rc, 'bpf_map_update_elem', key, flag);
  }

  /** Deletes `key`; false when it was not there. Array maps cannot delete (EINVAL). */
  delete(key: Uint8Array): boolean {
    this.checkKey(key, 'bpf_map_delete_elem');
    this.writes++;
    const rc = libbpf().bpf_map_delete_elem(this.fd, key);
    if (rc === -ENOENT) return false;
    if (rc < 0) throw this.error(rc, 'bpf_map_delete_elem', key);
    return true;
  }

  /** Removes and returns the value (hash-type maps on kernels ≥ 5.14); null if absent. */
  lookupAndDelete(key: Uint8Array): Uint8Array | null {
    this.checkKey(key, 'bpf_map_lookup_and_delete_elem');
    this.writes++;
    const buf = allocBuffer(this.valueBufferSize);
    const rc = libbpf().bpf_map_lookup_and_delete_elem(this.fd, key, buf);
    if (rc === -ENOENT) return null;
    if (rc < 0) throw this.error(rc, 'bpf_map_lookup_and_delete_elem', key);
    return buf;
  }

  /**
   * All keys, in the kernel's iteration order. Collected before returning, so deleting
   * while walking the result is safe (a live get_next_key walk restarts on deletion).
   */
  keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    let prev: Uint8Array | null = null;
    // A hash map holds at most max_entries keys; the bound stops a walk that keeps
    // restarting because another writer is deleting at the same time.
    for (let i = 0; i <= this.info.maxEntries; i++) {
      const next = new Uint8Array(this.info.keySize);
      const rc = libbpf().bpf_map_get_next_key(this.fd, prev, next);
      if (rc === -ENOENT) break;
      if (rc < 0) throw this.error(rc, 'bpf_map_get_next_key', prev ?? undefined);
      out.push(next);
      prev = next;
    }
    return out;
  }

  /**
   * Key/value pairs (values as lookup returns them; keys deleted meanwhile are skipped).
   * Hash maps are read with BPF_MAP_LOOKUP_BATCH, one syscall for the whole map: a
   * get_next_key walk costs two syscalls per entry (~60 us for 25 entries).
   */
  entries(): Array<[Uint8Array, Uint8Array]> {
    if (BATCH_TYPES.has(this.info.type)) return this.entriesBatch();
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v) out.push([k, v]);
    }
    return out;
  }

  private batch: { keys: Uint8Array; values: Uint8Array; token: Uint8Array; count: Uint32Array } | undefined;

  /**
   * Every key/value pair of a hash-type map, removed as it is read: BPF_MAP_LOOKUP_AND_DELETE_BATCH,
   * one syscall per chunk where entries() and a delete per key cost one per entry. What a
   * differential batch does at its end: compare the learnt state, and start the next empty.
   */
  drain(): Array<[Uint8Array, Uint8Array]> {
    if (!BATCH_TYPES.has(this.info.type)) throw this.error(-22, 'bpf_map_lookup_and_delete_batch');
    return this.entriesBatch(true);
  }

  private entriesBatch(remove = false): Array<[Uint8Array, Uint8Array]> {
    const ks = this.info.keySize;
    const vs = this.valueBufferSize;
    // Up to BATCH_CHUNK entries per call (a learnt map of the harness in one call, a big
    // map in a few, without a megabyte of buffer per map). The kernel returns whole hash
    // buckets and fails with ENOSPC only if one bucket held more: buckets hold a handful.
    const chunk = Math.min(this.info.maxEntries, BATCH_CHUNK);
    const b = (this.batch ??= {
      keys: new Uint8Array(ks * chunk),
      values: new Uint8Array(vs * chunk),
      token: new Uint8Array(Math.max(8, ks)),
      count: new Uint32Array(1),
    });
    const out: Array<[Uint8Array, Uint8Array]> = [];
    if (remove) this.writes++;
    let first = true;
    // Each round returns at least one entry or ends the walk; the bound is for a map
    // another writer keeps refilling.
    for (let round = 0; round <= this.info.maxEntries; round++) {
      b.count[0] = chunk;
      const call = remove ? 'bpf_map_lookup_and_delete_batch' : 'bpf_map_lookup_batch';
      const rc = libbpf()[call](this.fd, first ? null : b.token, b.token, b.keys, b.values, b.count, null);
      first = false;
      if (rc < 0 && rc !== -ENOENT) throw this.error(rc, call);
      for (let i = 0; i < b.count[0]; i++) out.push([b.keys.slice(i * ks, (i + 1) * ks), b.values.slice(i * vs, (i + 1) * vs)]);
      if (rc === -ENOENT || b.count[0] === 0) break;
    }
    return out;
  }

  /**
   * The values of a BPF_F_MMAPABLE array as shared memory (slot i at i × perCpuStride, the
   * value size rounded up to 8 as the kernel lays arrays out): reads see what programs
   * wrote, without a syscall. Read-only; unmap() before the map's object closes.
   */
  mmap(): MappedArray {
    if (this.info.type !== 2 || (this.info.flags & BPF_F_MMAPABLE) === 0) {
      throw new BpfError({
        errno: 22,
        call: 'mmap',
        map: this.name,
        detail: `a ${this.info.typeName} map${this.info.flags & BPF_F_MMAPABLE ? '' : ' without BPF_F_MMAPABLE'}`,
        hint: 'only array maps created with map_flags BPF_F_MMAPABLE can be mapped',
      });
    }
    const length = this.info.maxEntries * this.perCpuStride;
    const addr = libc().mmap(null, length, PROT_READ, MAP_SHARED, this.fd, 0);
    if (addr === MAP_FAILED || addr === null)
      throw new BpfError({ errno: lastErrno(), call: 'mmap', map: this.name, detail: `${length} bytes` });
    let mapped = true;
    return {
      bytes: new Uint8Array(koffi.view(addr, length)),
      address: koffi.address(addr) as bigint,
      stride: this.perCpuStride,
      unmap: () => {
        if (mapped) libc().munmap(addr, length);
        mapped = false;
      },
    };
  }

  /** Per-CPU value as one slice (value_size bytes) per possible CPU. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | null {
    this.requirePerCpu('lookupPerCpu');
    const all = this.lookup(key);
    if (!all) return null;
    const slots: Uint8Array[] = [];
    for (let cpu = 0; cpu < numPossibleCpus(); cpu++) {
      const at = cpu * this.perCpuStride;
      slots.push(all.subarray(at, at + this.info.valueSize));
    }
    return slots;
  }

  /** Writes a per-CPU value: one array per CPU, or one value copied to every CPU. */
  updatePerCpu(key: Uint8Array, values: Uint8Array | readonly Uint8Array[], flag: UpdateFlag = 'any'): void {
    this.requirePerCpu('updatePerCpu');
    const n = numPossibleCpus();
    const buf = new Uint8Array(this.perCpuStride * n);
    for (let cpu = 0; cpu < n; cpu++) {
      const v = values instanceof Uint8Array ? values : values[cpu];
      if (!v) throw new RangeError(`map ${this.name}: ${n} per-CPU values needed, got ${(values as readonly Uint8Array[]).length}`);
      if (v.byteLength !== this.info.valueSize) {
        throw new RangeError(`map ${this.name}: per-CPU value is ${v.byteLength} bytes, value_size is ${this.info.valueSize}`);
      }
      buf.set(v, cpu * this.perCpuStride);
    }
    this.update(key, buf, flag);
  }

  /** Sums a little-endian u64 at `offset` over all CPUs (per-CPU counters). */
  sumPerCpuU64(key: Uint8Array, offset = 0): bigint {
    const slots = this.lookupPerCpu(key);
    if (!slots) return 0n;
    let sum = 0n;
    for (const s of slots) sum += new DataView(s.buffer, s.byteOffset, s.byteLength).getBigUint64(offset, true);
    return sum;
  }

  /**
   * Empties the map: hash-like maps lose every key, array-like maps get every slot
   * zeroed (their keys cannot be deleted). Property tests reset state per case with this.
   */
  clear(): void {
    if (ARRAY_TYPES.has(this.info.type)) {
      const zero = new Uint8Array(this.valueBufferSize);
      const key = new Uint8Array(4);
      const dv = new DataView(key.buffer);
      for (let i = 0; i < this.info.maxEntries; i++) {
        dv.setUint32(0, i, true);
        if (DATA_ARRAY_TYPES.has(this.info.type)) this.update(key, zero);
        else this.delete(key);
      }
      return;
    }
    for (const k of this.keys()) this.delete(k);
  }

  /** Prog-array slot `index` → program fd (a tail-call target). */
  setProgram(index: number, progFd: number): void {
    this.requireType(3, 'setProgram');
    this.update(u32(index), u32(progFd));
  }

  /** Empties prog-array slot `index`; a tail call through it then falls through. */
  clearProgram(index: number): boolean {
    this.requireType(3, 'clearProgram');
    return this.delete(u32(index));
  }

  /** Closes the fd: only for maps made with create()/fromFd; object maps close with it. */
  closeFd(): void {
    libc().close(this.fd);
  }

  private checkKey(key: Uint8Array, call: string): void {
    if (key.byteLength !== this.info.keySize) {
      throw new BpfError({
        errno: 22,
        call,
        map: this.name,
        ...(this.owner !== undefined ? { object: this.owner } : {}),
        detail: `key is ${key.byteLength} bytes, the map's key_size is ${this.info.keySize}`,
        hint: 'encode the key with the struct declaration of this map (model/layout)',
      });
    }
  }

  private checkValue(value: Uint8Array, call: string, isOut: boolean): void {
    const want = this.valueBufferSize;
    if (isOut ? value.byteLength < want : value.byteLength !== want) {
      throw new BpfError({
        errno: 22,
        call,
        map: this.name,
        ...(this.owner !== undefined ? { object: this.owner } : {}),
        detail:
          `value buffer is ${value.byteLength} bytes, the map needs ${want}` +
          (this.perCpu ? ` (value_size ${this.info.valueSize} rounded to 8, × ${numPossibleCpus()} possible CPUs)` : ''),
        hint: this.perCpu ? 'use updatePerCpu/lookupPerCpu for per-CPU maps' : 'encode the value with the struct declaration of this map',
      });
    }
  }

  private requirePerCpu(what: string): void {
    if (!this.perCpu) throw new TypeError(`map ${this.name} is ${this.info.typeName}, not per-CPU: ${what} does not apply`);
  }

  private requireType(type: number, what: string): void {
    if (this.info.type !== type) {
      throw new TypeError(`map ${this.name} is ${this.info.typeName}, ${what} needs ${MAP_TYPES[type]}`);
    }
  }

  private error(rc: number, call: string, key?: Uint8Array, flag?: UpdateFlag): BpfError {
    const errno = lastErrnoOr(rc);
    const keyHex = key ? Buffer.from(key).toString('hex') : '';
    let hint: string | undefined;
    if (errno === 7 && call === 'bpf_map_update_elem') {
      hint = ARRAY_TYPES.has(this.info.type)
        ? `index out of range: the map has ${this.info.maxEntries} entries`
        : `the map is full (${this.info.maxEntries} entries; hash maps do not evict, LRU maps do): raise max_entries or delete entries`;
    } else if (errno === 17) {
      hint = 'the key exists and the update asked for NOEXIST';
    } else if (errno === 2 && flag === 'exist') {
      hint = 'the key is absent and the update asked for EXIST';
    } else if (errno === 22 && call === 'bpf_map_delete_elem' && ARRAY_TYPES.has(this.info.type) && this.info.type !== 3) {
      hint = 'array maps cannot delete keys: write a zero value instead (clear() does)';
    }
    return new BpfError({
      errno,
      call,
      map: this.name,
      ...(this.owner !== undefined ? { object: this.owner } : {}),
      detail: `${this.info.typeName} map, key ${keyHex || '(first)'}${flag ? `, flag ${flag.toUpperCase()}` : ''}`,
      ...(hint !== undefined ? { hint } : {}),
    });
  }
}

function lastErrnoOr(rc: number): number {
  // libbpf 1.x returns -errno from the low-level calls (so -1 is EPERM, not "see errno");
  // errno is only a fallback for a bare failure without a code.
  return rc < 0 ? -rc : lastErrno();
}

/** A u32 in host order as map key/value bytes. */
export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** Reads a host-order u32 from key/value bytes. */
export function readU32(b: Uint8Array, at = 0): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}
