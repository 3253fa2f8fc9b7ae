// Model versions of the BPF map types a host uses. Every map keeps (key record, value
// record) pairs whose field names are those of structs.ts, so the harness can encode them
// into the kernel's maps and decode kernel maps back into this form; lookups go through a
// cheap hash and comparison of the key fields instead of encoding bytes per lookup.
//
// Stored records are treated as immutable: programs and the control plane replace entries,
// never edit them in place, so several entries (and cloned states) may share one MAC array.

import { type StructDef, decode, encode, struct, u32le, u64le } from '../layout/struct.ts';
import { allocBuffer } from './parse.ts';

export type MapType = 'ARRAY' | 'HASH' | 'LRU_HASH' | 'LPM_TRIE' | 'PERCPU_ARRAY';

/** How one map's keys or values turn into kernel bytes and back. */
export interface Layout<T> {
  readonly def: StructDef;
  encode(v: T): Uint8Array;
  decode(b: Uint8Array): T;
}

/** Maps keyed or valued by a bare number (u32 index, u64 counter) have no struct in structs.ts. */
export const U32_DEF = struct('__u32', 4, [['value', u32le, 0]]);
export const U64_DEF = struct('__u64', 8, [['value', u64le, 0]]);

export const u32Layout: Layout<number> = {
  def: U32_DEF,
  encode: (v) => encode(U32_DEF, { value: v }),
  decode: (b) => decode(U32_DEF, b).value,
};

/** Per-CPU counters are summed by the harness; the model keeps one number per reason. */
export const u64Layout: Layout<number> = {
  def: U64_DEF,
  encode: (v) => encode(U64_DEF, { value: BigInt(v) }),
  decode: (b) => Number(decode(U64_DEF, b).value),
};

/**
 * A struct's layout for map keys and values. Encodings are carved from the packet slab
 * (zeroed, never handed out twice): the harness hands them to native calls, which must first
 * move a fresh small Uint8Array off the JS heap (an allocation and a copy per key).
 */
export function recordLayout<V>(def: StructDef<V>): Layout<V> {
  return { def, encode: (v) => encode(def, v, allocBuffer(def.size)), decode: (b) => decode(def, b) };
}

/**
 * Every model map seen as the kernel sees it: encoded keys and values. Generic code (the
 * harness's map writer, differ and live sync) works through this, typed code through
 * `ModelMap<K, V>`; both are the same object.
 */
export interface RawMap {
  readonly name: string;
  readonly type: MapType;
  readonly keyDef: StructDef;
  readonly valueDef: StructDef;
  readonly maxEntries: number;
  readonly size: number;
  /** Explicitly written entries (arrays: only indexes ever set), encoded, in insertion order. */
  rawEntries(): Array<[Uint8Array, Uint8Array]>;
  /** The entry under exactly these key bytes, without side effects (LPM: exact prefix). */
  rawPeek(key: Uint8Array): Uint8Array | undefined;
  rawSet(key: Uint8Array, value: Uint8Array): void;
  rawDelete(key: Uint8Array): boolean;
  clear(): void;
}

/** What every model map offers, whatever its kernel type. */
export interface ModelMap<K, V> extends RawMap {
  readonly keyLayout: Layout<K>;
  readonly valueLayout: Layout<V>;
  /** A program's lookup (on LRU maps this marks the entry as recently used). */
  get(key: K): V | undefined;
  /** Inspection without side effects (tests, harness); LPM: the exact prefix. */
  peek(key: K): V | undefined;
  /** Throws MapFullError where the kernel would answer E2BIG (full HASH/LPM, index out of range). */
  set(key: K, value: V): void;
  delete(key: K): boolean;
  /** Explicitly written entries (arrays: only indexes ever set), in insertion order. */
  entries(): IterableIterator<[K, V]>;
  /** An independent copy holding the same (immutable) records. */
  clone(): ModelMap<K, V>;
}

export class MapFullError extends Error {
  constructor(map: string, maxEntries: number) {
    super(`map ${map} is full (${maxEntries} entries): the kernel would refuse the update with E2BIG`);
  }
}

/** The shared, per-kind part of a map: one object per map kind, not per host. */
export interface MapSpec<K, V, T extends MapType = MapType> {
  readonly name: string;
  readonly type: T;
  readonly keyLayout: Layout<K>;
  readonly valueLayout: Layout<V>;
  readonly maxEntries: number;
  /** Whether two keys are the same kernel key bytes. */
  eq(a: K, b: K): boolean;
  /** A small integer (below 2^30) that equal keys share. */
  hash(key: K): number;
  /**
   * Partitioned by VPC (partitioned.ts): the kernel map is an ARRAY_OF_MAPS of this many
   * slots, each a map of `type` with `maxEntries` entries. Absent for plain maps.
   */
  readonly slots?: number;
}

/** What every kind of map shares: its spec, and the byte-level view derived from the typed one. */
export abstract class SpecMap<K, V> {
  constructor(readonly spec: MapSpec<K, V>) {}
  abstract peek(key: K): V | undefined;
  abstract set(key: K, value: V): void;
  abstract delete(key: K): boolean;
  abstract entries(): IterableIterator<[K, V]>;
  rawEntries(): Array<[Uint8Array, Uint8Array]> {
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (const [k, v] of this.entries()) out.push([this.spec.keyLayout.encode(k), this.spec.valueLayout.encode(v)]);
    return out;
  }
  rawPeek(key: Uint8Array): Uint8Array | undefined {
    const v = this.peek(this.spec.keyLayout.decode(key));
    return v === undefined ? undefined : this.spec.valueLayout.encode(v);
  }
  rawSet(key: Uint8Array, value: Uint8Array): void {
    this.set(this.spec.keyLayout.decode(key), this.spec.valueLayout.decode(value));
  }
  rawDelete(key: Uint8Array): boolean {
    return this.delete(this.spec.keyLayout.decode(key));
  }
  get name(): string {
    return this.spec.name;
  }
  get type(): MapType {
    return this.spec.type;
  }
  get keyLayout(): Layout<K> {
    return this.spec.keyLayout;
  }
  get valueLayout(): Layout<V> {
    return this.spec.valueLayout;
  }
  get keyDef(): StructDef {
    return this.spec.keyLayout.def;
  }
  get valueDef(): StructDef {
    return this.spec.valueLayout.def;
  }
  get maxEntries(): number {
    return this.spec.maxEntries;
  }
}

interface Slot<K, V> {
  key: K;
  value: V;
  /** LRU clock of the last use (lookup or update). */
  used: number;
  /** When the key went in: entries() lists keys in this order, as a Map keyed by the bytes would. */
  seq: number;
  /** The next slot whose key has the same hash. */
  next: Slot<K, V> | undefined;
}

/** HashMapModel or a subclass of it (one that looks its keys up at a site of its own). */
interface HashMapClass<K, V> {
  new (spec: MapSpec<K, V>): HashMapModel<K, V>;
}

/**
 * HASH and LRU_HASH. The store is allocated on the first write, so an empty map on one of
 * 100,000 hosts costs one small object. LRU eviction is exact least-recently-used at
 * maxEntries; the kernel's LRU is approximate (per-CPU lists, batch shrinking), so tests
 * that compare with the kernel keep well below capacity.
 *
 * Slots are found by the key's hash (a small integer, the cheapest Map key: a key string
 * costs its building and hashing on every lookup), keys of one hash chained and told apart
 * by spec.eq. Until two keys have shared a hash the Map's own order is the keys' insertion
 * order; after that entries() sorts by `seq`, so the order never depends on the hash.
 */
export class HashMapModel<K, V> extends SpecMap<K, V> implements ModelMap<K, V> {
  // store and clock are protected for subclasses that repeat get() with their key type's
  // functions at their own call sites (model/dcos/dcos-maps.ts); everything else stays here.
  protected store: Map<number, Slot<K, V>> | null = null;
  private count = 0;
  protected clock = 0;
  private seq = 0;
  /** Some chain has held two slots since the last clear (the Map's order is no longer the keys'). */
  private chained = false;
  /** Bumped by every write, so a reader may keep what it derived from the entries until the next one. */
  version = 0;

  get size(): number {
    return this.count;
  }

  private find(key: K): Slot<K, V> | undefined {
    if (this.store === null) return undefined;
    let s = this.store.get(this.spec.hash(key));
    while (s !== undefined && !this.spec.eq(s.key, key)) s = s.next;
    return s;
  }

  get(key: K): V | undefined {
    const s = this.find(key);
    if (s === undefined) return undefined;
    s.used = ++this.clock;
    return s.value;
  }

  peek(key: K): V | undefined {
    return this.find(key)?.value;
  }

  set(key: K, value: V): void {
    const store = (this.store ??= new Map());
    this.version++;
    const h = this.spec.hash(key);
    let s = store.get(h);
    while (s !== undefined && !this.spec.eq(s.key, key)) s = s.next;
    if (s !== undefined) {
      s.key = key;
      s.value = value;
      s.used = ++this.clock;
      return;
    }
    if (this.count >= this.spec.maxEntries) {
      if (this.spec.type !== 'LRU_HASH') throw new MapFullError(this.spec.name, this.spec.maxEntries);
      this.evictOldest(store);
    }
    const slot: Slot<K, V> = { key, value, used: ++this.clock, seq: ++this.seq, next: undefined };
    let last = store.get(h); // after the eviction, which may have taken a slot of this chain
    if (last === undefined) store.set(h, slot);
    else {
      while (last.next !== undefined) last = last.next;
      last.next = slot;
      this.chained = true;
    }
    this.count++;
  }

  /** Takes slot `s` (of hash h) out of the store. */
  private unlink(store: Map<number, Slot<K, V>>, h: number, s: Slot<K, V>): void {
    const head = store.get(h)!;
    if (head === s) {
      if (s.next === undefined) store.delete(h);
      else store.set(h, s.next);
    } else {
      let p = head;
      while (p.next !== s) p = p.next!;
      p.next = s.next;
    }
    this.count--;
  }

  private evictOldest(store: Map<number, Slot<K, V>>): void {
    let oldestHash = 0;
    let oldestSlot: Slot<K, V> | undefined;
    let oldest = Infinity;
    for (const [h, head] of store) {
      for (let s: Slot<K, V> | undefined = head; s !== undefined; s = s.next) {
        if (s.used < oldest) {
          oldest = s.used;
          oldestHash = h;
          oldestSlot = s;
        }
      }
    }
    if (oldestSlot !== undefined) this.unlink(store, oldestHash, oldestSlot);
  }

  delete(key: K): boolean {
    this.version++;
    if (this.store === null) return false;
    const h = this.spec.hash(key);
    let s = this.store.get(h);
    while (s !== undefined && !this.spec.eq(s.key, key)) s = s.next;
    if (s === undefined) return false;
    this.unlink(this.store, h, s);
    return true;
  }

  *entries(): IterableIterator<[K, V]> {
    if (this.store === null) return;
    if (!this.chained) {
      for (const s of this.store.values()) yield [s.key, s.value];
      return;
    }
    const all: Array<Slot<K, V>> = [];
    for (const head of this.store.values()) for (let s: Slot<K, V> | undefined = head; s !== undefined; s = s.next) all.push(s);
    all.sort((a, b) => a.seq - b.seq);
    for (const s of all) yield [s.key, s.value];
  }

  clear(): void {
    this.version++;
    this.store = null;
    this.count = 0;
    this.chained = false;
  }

  clone(): HashMapModel<K, V> {
    // The copy is of this map's own class: a subclass's lookup site stays its own (state.ts).
    const c = new (this.constructor as HashMapClass<K, V>)(this.spec);
    if (this.store !== null) {
      const m = new Map<number, Slot<K, V>>();
      for (const [h, head] of this.store) {
        let prev: Slot<K, V> | undefined;
        for (let s: Slot<K, V> | undefined = head; s !== undefined; s = s.next) {
          const copy: Slot<K, V> = { key: s.key, value: s.value, used: s.used, seq: s.seq, next: undefined };
          if (prev === undefined) m.set(h, copy);
          else prev.next = copy;
          prev = copy;
        }
      }
      c.store = m;
    }
    c.count = this.count;
    c.clock = this.clock;
    c.seq = this.seq;
    c.chained = this.chained;
    return c;
  }
}

/**
 * ARRAY and PERCPU_ARRAY: every index below maxEntries exists in the kernel and reads as
 * zeros until written, so `get` of an unwritten index returns the zero value and only an
 * index out of range misses. `entries()` lists the indexes written (what a harness needs to
 * write); delete is refused by the kernel (EINVAL) and here resets the slot to zero.
 */
export class ArrayMapModel<V> extends SpecMap<number, V> implements ModelMap<number, V> {
  // A JS array, holes for unwritten slots: a program's index lookup is one element load.
  // Protected, with zero and capacity, for the subclasses that repeat get() at a site of their
  // own (below); capacity is the spec's maxEntries kept on the map, so that get reads no spec,
  // whose shape differs from profile to profile.
  protected store: Array<V | undefined> | null = null;
  private count = 0;
  protected readonly capacity: number;

  constructor(
    spec: MapSpec<number, V>,
    protected readonly zero: V,
  ) {
    super(spec);
    this.capacity = spec.maxEntries;
  }

  get size(): number {
    return this.count;
  }

  get(index: number): V | undefined {
    if (!(index >= 0 && index < this.capacity)) return undefined;
    if (this.store === null) return this.zero;
    return this.store[index] ?? this.zero;
  }

  peek(index: number): V | undefined {
    return this.get(index);
  }

  set(index: number, value: V): void {
    if (!(index >= 0 && index < this.spec.maxEntries && Number.isInteger(index)))
      throw new MapFullError(this.spec.name, this.spec.maxEntries);
    const store = (this.store ??= []);
    if (store[index] === undefined) this.count++;
    store[index] = value;
  }

  delete(index: number): boolean {
    if (this.store === null || this.store[index] === undefined) return false;
    this.store[index] = undefined;
    this.count--;
    return true;
  }

  /** The written indexes in index order. */
  *entries(): IterableIterator<[number, V]> {
    if (this.store === null) return;
    const s = this.store;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v !== undefined) yield [i, v];
    }
  }

  clear(): void {
    this.store = null;
    this.count = 0;
  }

  clone(): ArrayMapModel<V> {
    const c = new (this.constructor as new (spec: MapSpec<number, V>, zero: V) => ArrayMapModel<V>)(this.spec, this.zero);
    if (this.store !== null) c.store = this.store.slice();
    c.count = this.count;
    return c;
  }
}

// --- Lookups at sites of their own ---------------------------------------------------------

// HashMapModel.get calls spec.hash and spec.eq, and ArrayMapModel.get loads an element: one
// site each for every map of every host of every profile, so V8 sees every key type (and
// element kind) there, calls the functions indirectly and inlines none. A subclass that
// repeats get() with its key type's functions called directly (same slots, same LRU clock,
// same result) gives each kind a site of its own; set, peek, delete and entries stay shared.
// The u32-keyed and array ones are here for every profile; each profile's other key types
// have theirs beside their key functions (model/dataplane/state.ts, model/dcos/dcos-maps.ts).

/** A u32 key (ifindex, VNI, index): equal as 32-bit values; a hash below 2^30. Every profile's u32-keyed specs use these. */
export const numKeyEq = (a: number, b: number): boolean => (a ^ b) === 0;
export const numKeyHash = (k: number): number => k & 0x3fffffff;

/** A HASH keyed by a u32, its spec's eq and hash being numKeyEq and numKeyHash. */
export class NumKeyMap<V> extends HashMapModel<number, V> {
  override get(key: number): V | undefined {
    if (this.store === null) return undefined;
    let s = this.store.get(numKeyHash(key));
    while (s !== undefined && !numKeyEq(s.key, key)) s = s.next;
    if (s === undefined) return undefined;
    s.used = ++this.clock;
    return s.value;
  }
}

/** An ARRAY of records (configurations, backends). */
export class RecordArrayMap<V extends object> extends ArrayMapModel<V> {
  override get(index: number): V | undefined {
    if (!(index >= 0 && index < this.capacity)) return undefined;
    if (this.store === null) return this.zero;
    return this.store[index] ?? this.zero;
  }
}

/** An ARRAY (or per-CPU array) of numbers (Maglev tables, counters). */
export class NumberArrayMap extends ArrayMapModel<number> {
  override get(index: number): number | undefined {
    if (!(index >= 0 && index < this.capacity)) return undefined;
    if (this.store === null) return this.zero;
    return this.store[index] ?? this.zero;
  }
}

/** What an LPM_TRIE key must expose: prefixlen counts bits of the data after it. */
export interface LpmKey {
  readonly prefixlen: number;
  readonly vni: number;
  readonly ip: number;
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

function topBits(x: number, bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? x >>> 0 : (x & (0xffffffff << (32 - bits))) >>> 0;
}

/**
 * LPM_TRIE over the key data (vni as stored, u32 little-endian, then ip big-endian), with
 * the kernel's semantics: an entry matches when the first `prefixlen` bits of its data equal
 * the lookup key's; the longest such entry wins; prefixlen above 64 is refused (EINVAL).
 * Because the vni is stored little-endian, a prefixlen below 32 compares the *low* byte of
 * the vni first, exactly as the trie walks bytes; the control plane always uses >= 32.
 */
export class LpmMapModel<K extends LpmKey, V> extends SpecMap<K, V> implements ModelMap<K, V> {
  /** prefixlen -> masked data id -> slot; lens kept sorted longest first. */
  private byLen: Map<number, Map<string | number, { key: K; value: V }>> | null = null;
  private lens: number[] = [];
  private count = 0;

  static readonly MAX_PREFIXLEN = 64;

  get size(): number {
    return this.count;
  }

  private static maskedId(prefixlen: number, vni: number, ip: number): string | number {
    const v = prefixlen >= 32 ? vni >>> 0 : bswap32(topBits(bswap32(vni >>> 0), prefixlen));
    const a = topBits(ip >>> 0, prefixlen - 32);
    return v < 0x200000 ? v * 4294967296 + a : `${v}:${a}`;
  }

  get(key: K): V | undefined {
    if (this.byLen === null) return undefined;
    const max = Math.min(key.prefixlen, LpmMapModel.MAX_PREFIXLEN);
    for (const len of this.lens) {
      if (len > max) continue;
      const hit = this.byLen.get(len)!.get(LpmMapModel.maskedId(len, key.vni, key.ip));
      if (hit !== undefined) return hit.value;
    }
    return undefined;
  }

  /** Exact-key access: the kernel's update, delete and dump address entries by prefix, not by match. */
  peek(key: K): V | undefined {
    return this.byLen?.get(key.prefixlen)?.get(LpmMapModel.maskedId(key.prefixlen, key.vni, key.ip))?.value;
  }

  set(key: K, value: V): void {
    if (!(key.prefixlen >= 0 && key.prefixlen <= LpmMapModel.MAX_PREFIXLEN))
      throw new RangeError(`map ${this.name}: prefixlen ${key.prefixlen} > 64 (EINVAL)`);
    const byLen = (this.byLen ??= new Map());
    let m = byLen.get(key.prefixlen);
    const id = LpmMapModel.maskedId(key.prefixlen, key.vni, key.ip);
    if (m === undefined || !m.has(id)) {
      if (this.count >= this.spec.maxEntries) throw new MapFullError(this.spec.name, this.spec.maxEntries);
      if (m === undefined) {
        m = new Map();
        byLen.set(key.prefixlen, m);
        this.lens = [...byLen.keys()].sort((a, b) => b - a);
      }
      this.count++;
    }
    m.set(id, { key, value });
  }

  delete(key: K): boolean {
    const m = this.byLen?.get(key.prefixlen);
    if (m === undefined || !m.delete(LpmMapModel.maskedId(key.prefixlen, key.vni, key.ip))) return false;
    this.count--;
    return true;
  }

  *entries(): IterableIterator<[K, V]> {
    if (this.byLen === null) return;
    for (const m of this.byLen.values()) for (const s of m.values()) yield [s.key, s.value];
  }

  clear(): void {
    this.byLen = null;
    this.lens = [];
    this.count = 0;
  }

  clone(): LpmMapModel<K, V> {
    const c = new LpmMapModel<K, V>(this.spec);
    if (this.byLen !== null) {
      c.byLen = new Map();
      for (const [len, m] of this.byLen) c.byLen.set(len, new Map(m));
      c.lens = [...this.lens];
      c.count = this.count;
    }
    return c;
  }
}
