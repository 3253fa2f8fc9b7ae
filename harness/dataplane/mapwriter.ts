// Model HostState <-> one instance's kernel maps, with the layouts of MAP_SPECS (the same
// declarations the BTF test checks). Writing clears first, so an instance can play host
// after host; reading back decodes kernel entries into the model's record form, so each
// side's learnt state (ep_cache, flows, rflows) and counters can be compared.
import { MAP_SPECS, type HostState, type MapKey, type MapName, type MapValue } from '../../model/dataplane/state.ts';
import type { MapSpec, ModelMap } from '../../model/dataplane/maps.ts';
import type { BpfMap } from '../libbpf/map.ts';
import { numPossibleCpus } from '../libbpf/map.ts';
import type { DataplaneInstance } from './instance.ts';
import { fromHex, toHex } from '../../model/wire/hex.ts';
import { PartitionedBpfMap } from './partitions.ts';
import { readMapsWhole } from '../native/batch-runner.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';

/** Maps the data plane writes itself: reset between cases. */
export const LEARNT_MAPS = ['ep_cache', 'flows', 'rflows'] as const;
export type LearntMap = (typeof LEARNT_MAPS)[number];

/** Maps only the control plane writes (the host's configuration). */
export const CONFIG_MAPS: readonly MapName[] = [
  'cfg',
  'ifaces',
  'endpoints',
  'networks',
  'vpcs',
  'services',
  'maglev',
  'backends',
  'vpc_slots',
];

const ARRAY_LIKE = new Set(['ARRAY', 'PERCPU_ARRAY']);

// Array indexes written per instance and map: only these need zeroing on the next write
// (zeroing a 65,344-entry maglev array slot by slot costs tens of milliseconds).
const writtenIndexes = new WeakMap<DataplaneInstance, Map<string, Set<number>>>();

function indexSet(inst: DataplaneInstance, name: string): Set<number> {
  let byMap = writtenIndexes.get(inst);
  if (byMap === undefined) writtenIndexes.set(inst, (byMap = new Map()));
  let s = byMap.get(name);
  if (s === undefined) byMap.set(name, (s = new Set()));
  return s;
}

function u32Key(i: number): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i >>> 0, true);
  return k;
}

/** Empties one map of the instance (arrays: the indexes this writer ever set). */
export function clearMap(inst: DataplaneInstance, name: MapName): void {
  const m = inst.map(name);
  const spec = MAP_SPECS[name] as MapSpec<unknown, unknown>;
  if (m instanceof PartitionedBpfMap) {
    m.clear();
    return;
  }
  if (ARRAY_LIKE.has(spec.type)) {
    const zero = new Uint8Array(m.valueBufferSize);
    const set = indexSet(inst, name);
    for (const i of set) m.update(u32Key(i), zero);
    set.clear();
    lastValueMap(inst, name).clear();
    return;
  }
  for (const k of m.keys()) m.delete(k);
}

// The value last written at each array index, per instance and map: a topology that
// rewrites a 1,021-slot Maglev table with mostly the same backend indexes writes only the
// slots that changed (numbers compare by value, records by identity).
const lastValues = new WeakMap<DataplaneInstance, Map<string, Map<number, unknown>>>();

function lastValueMap(inst: DataplaneInstance, name: string): Map<number, unknown> {
  let byMap = lastValues.get(inst);
  if (byMap === undefined) lastValues.set(inst, (byMap = new Map()));
  let m = byMap.get(name);
  if (m === undefined) byMap.set(name, (m = new Map()));
  return m;
}

/** Array maps: zero the indexes written before and not now, write those that changed. */
function writeArray(inst: DataplaneInstance, name: MapName, map: ModelMap<unknown, unknown> | undefined): void {
  const m = inst.map(name);
  const spec = MAP_SPECS[name] as MapSpec<unknown, unknown>;
  const set = indexSet(inst, name);
  const last = lastValueMap(inst, name);
  const now = new Set<number>();
  for (const [k, v] of map?.entries() ?? []) {
    const i = k as number;
    now.add(i);
    if (set.has(i) && last.get(i) === v) continue;
    const key = u32Key(i);
    const value = spec.valueLayout.encode(v);
    if (m.perCpu) writePerCpu(inst, m, key, value);
    else m.update(key, value);
    last.set(i, v);
  }
  const zero = new Uint8Array(m.valueBufferSize);
  for (const i of set) {
    if (now.has(i)) continue;
    m.update(u32Key(i), zero);
    last.delete(i);
  }
  set.clear();
  for (const i of now) set.add(i);
}

function writeEntries(inst: DataplaneInstance, name: MapName, map: ModelMap<unknown, unknown>): void {
  const m = inst.map(name);
  const spec = MAP_SPECS[name] as MapSpec<unknown, unknown>;
  const arr = ARRAY_LIKE.has(spec.type) ? indexSet(inst, name) : null;
  for (const [k, v] of map.entries()) {
    const key = spec.keyLayout.encode(k);
    const value = spec.valueLayout.encode(v);
    if (m.perCpu) writePerCpu(inst, m, key, value);
    else m.update(key, value);
    arr?.add(k as number);
  }
}

// The model keeps one number per counter; the kernel one per CPU. The whole count goes in
// the slot of the CPU the runs use, the others are zero, so the sum is the model's.
function writePerCpu(inst: DataplaneInstance, m: BpfMap, key: Uint8Array, value: Uint8Array): void {
  const zero = new Uint8Array(value.byteLength);
  const slots = Array.from({ length: numPossibleCpus() }, (_, cpu) => (cpu === inst.cpu ? value : zero));
  m.updatePerCpu(key, slots);
}

export interface WriteOptions {
  /** Also zero the counters and write the model's (default true). */
  counters?: boolean;
}

/**
 * Fills every learnt-map slot `state`'s vpc_slots names (partitions.ts): the model holds all
 * slots from the start, the harness fills a kernel slot when a state first needs it.
 */
export function ensureSlots(inst: DataplaneInstance, state: HostState): void {
  for (const [, s] of state.map('vpc_slots').entries()) {
    if (s < CONSTS.LEARNT_SLOTS) for (const name of LEARNT_MAPS) inst.learnt(name).ensureSlot(s);
  }
}

/** Makes the instance's maps hold exactly `state`: every map cleared, then every entry written. */
export function writeHostState(inst: DataplaneInstance, state: HostState, opts: WriteOptions = {}): void {
  const names = (Object.keys(MAP_SPECS) as MapName[]).filter((n) => n !== 'counters' || opts.counters !== false);
  ensureSlots(inst, state);
  for (const name of names) {
    if (name !== 'counters' && ARRAY_LIKE.has(MAP_SPECS[name].type)) {
      writeArray(inst, name, state.has(name) ? state.map(name) : undefined);
      continue;
    }
    clearMap(inst, name);
    if (state.has(name)) writeEntries(inst, name, state.map(name));
  }
}

/** Kernel entries of a hash-like map as (key, value) byte pairs. */
export function rawEntries(inst: DataplaneInstance, name: MapName): Array<[Uint8Array, Uint8Array]> {
  return inst.map(name).entries();
}

/** A kernel map decoded into the model's record form. Per-CPU maps: the first CPU's slot (counters: readCounters). */
export function readMap<N extends MapName>(inst: DataplaneInstance, name: N): Array<[MapKey<N>, MapValue<N>]> {
  const spec = MAP_SPECS[name] as MapSpec<MapKey<N>, MapValue<N>>;
  const size = spec.valueLayout.def.size;
  const out: Array<[MapKey<N>, MapValue<N>]> = [];
  for (const [k, v] of inst.map(name).entries()) out.push([spec.keyLayout.decode(k), spec.valueLayout.decode(v.subarray(0, size))]);
  return out;
}

/** Non-zero counters, summed over CPUs, by reason id. */
export function readCounters(inst: DataplaneInstance): Array<[number, number]> {
  const m = inst.map('counters');
  const out: Array<[number, number]> = [];
  for (let r = 0; r < m.info.maxEntries; r++) {
    const n = Number(m.sumPerCpuU64(u32Key(r)));
    if (n !== 0) out.push([r, n]);
  }
  return out;
}

/** Zeroes every counter of every CPU. */
export function resetCounters(inst: DataplaneInstance): void {
  const m = inst.map('counters');
  const zero = new Uint8Array(m.valueBufferSize);
  for (let r = 0; r < m.info.maxEntries; r++) m.update(u32Key(r), zero);
}

/** Learnt entries by encoded key (hex) -> encoded value (hex): the kernel's exact bytes. */
export type LearntBytes = Record<LearntMap, Map<string, string>>;

export function kernelLearnt(inst: DataplaneInstance): LearntBytes {
  return learntBytesOf(kernelLearntEntries(inst));
}

/**
 * The instance's learnt entries as bytes: every slot of the three maps read in one native
 * call (each slot's value_size is its spec's struct size, so the values are exactly the model's).
 */
export function kernelLearntEntries(inst: DataplaneInstance): LearntEntries {
  const parts = LEARNT_MAPS.map((name) => inst.learnt(name).slotMaps());
  const read = readMapsWhole(parts.flat());
  const out = {} as LearntEntries;
  let at = 0;
  LEARNT_MAPS.forEach((name, i) => {
    out[name] = read.slice(at, at + parts[i].length).flat();
    at += parts[i].length;
  });
  return out;
}

export function modelLearnt(state: HostState): LearntBytes {
  return learntBytesOf(learntEntries(state));
}

/** Learnt entries as bytes (key, value), per map: a snapshot without the hex of LearntBytes. */
export type LearntEntries = Record<LearntMap, Array<[Uint8Array, Uint8Array]>>;

export function learntEntries(state: HostState): LearntEntries {
  const out = {} as LearntEntries;
  for (const name of LEARNT_MAPS) out[name] = state.has(name) ? state.raw(name).rawEntries() : [];
  return out;
}

export function learntBytesOf(e: LearntEntries): LearntBytes {
  const out = {} as LearntBytes;
  for (const name of LEARNT_MAPS) out[name] = new Map(e[name].map(([k, v]) => [toHex(k), toHex(v)]));
  return out;
}

/**
 * Whether the instance's learnt maps hold exactly the model's entries, compared as bytes:
 * the common answer of an end of batch, without the hex text kernelLearnt/modelLearnt build
 * for a report (one read of each filled slot, as kernelLearnt).
 */
export function learntAgree(inst: DataplaneInstance, state: HostState): boolean {
  const all = kernelLearntEntries(inst);
  for (const name of LEARNT_MAPS) {
    const m = state.has(name) ? state.raw(name) : undefined;
    const kernel = all[name];
    if (kernel.length !== (m?.size ?? 0)) return false;
    for (const [k, v] of kernel) {
      const mv = m!.rawPeek(k);
      if (mv === undefined || Buffer.compare(mv, v) !== 0) return false;
    }
  }
  return true;
}

/**
 * Puts the instance's learnt maps back to `baseline` (encoded entries), touching only the
 * keys that differ: the fast reset between cases (a case learns a handful of entries).
 */
export function restoreLearnt(inst: DataplaneInstance, baseline: LearntBytes, now?: LearntBytes): void {
  const cur = now ?? kernelLearnt(inst);
  for (const name of LEARNT_MAPS) {
    const m = inst.map(name);
    const base = baseline[name];
    for (const [k, v] of cur[name]) {
      const want = base.get(k);
      if (want === undefined) m.delete(fromHex(k));
      else if (want !== v) m.update(fromHex(k), fromHex(want));
    }
    for (const [k, v] of base) if (!cur[name].has(k)) m.update(fromHex(k), fromHex(v));
  }
}
