// Keeping a running host's kernel maps in step with the control plane *in place*: only the
// entries a control-plane operation set or deleted (WriteLog) are compared with the model,
// and only those whose bytes differ are updated or deleted. The programs stay attached and traffic keeps
// flowing; nothing is cleared first (writeHostState clears, which would open a window
// where a live packet finds an empty map, and would wipe what the data plane learnt).
//
// Learnt maps (ep_cache, flows, rflows) belong to the data plane: the control plane only
// deletes from them (invalidation). So before a step the kernel's learnt entries are
// copied into the model's state (`adoptLearnt`), the step runs on the model, and exactly
// the entries the step removed are deleted from the kernel (`dropUnlearnt`) — an entry the
// kernel learns meanwhile is left alone.
import type { HostState, MapName } from '../../model/dataplane/state.ts';
import type { ModelMap } from '../../model/dataplane/maps.ts';
import type { DataplaneInstance } from '../dataplane/instance.ts';
import { LEARNT_MAPS, type LearntMap } from '../dataplane/mapwriter.ts';
import { fromHex, toHex } from '../../model/wire/hex.ts';

const ARRAY_TYPES = new Set(['ARRAY', 'PERCPU_ARRAY']);

export interface SyncStats {
  updated: number;
  deleted: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Records which keys the control plane sets or deletes in a host's configuration maps, so
 * a step's change reaches the kernel in O(entries changed), whatever the maps already hold.
 * The model's map objects get a recording `set`/`delete` in front of their own; the maps
 * are created up front so later control-plane writes go through the wrapped objects.
 */
export class WriteLog {
  private dirty = new Map<MapName, Set<string>>();

  constructor(state: HostState) {
    for (const name of CONFIG_MAPS) this.wrap(name, state.map(name));
  }

  private wrap<K, V>(name: MapName, m: ModelMap<K, V>): void {
    const set = m.set.bind(m);
    const del = m.delete.bind(m);
    const note = (k: K): void => {
      let d = this.dirty.get(name);
      if (!d) this.dirty.set(name, (d = new Set()));
      d.add(toHex(m.keyLayout.encode(k)));
    };
    m.set = (k, v) => {
      note(k);
      set(k, v);
    };
    m.delete = (k) => {
      note(k);
      return del(k);
    };
  }

  /** The keys written since the last call (encoded, hex), per map; the log starts empty again. */
  take(): Map<MapName, Set<string>> {
    const d = this.dirty;
    this.dirty = new Map();
    return d;
  }
}

const CONFIG_MAPS: readonly MapName[] = ['cfg', 'ifaces', 'endpoints', 'networks', 'vpcs', 'services', 'maglev', 'backends', 'vpc_slots'];

/** Writes the logged keys to the kernel: updated where the bytes differ, deleted where the model has none. */
export function syncLogged(inst: DataplaneInstance, state: HostState, dirty: Map<MapName, Set<string>>): SyncStats {
  const st: SyncStats = { updated: 0, deleted: 0 };
  for (const [name, keys] of dirty) {
    const model = state.raw(name);
    const m = inst.map(name);
    const size = model.valueDef.size;
    const array = ARRAY_TYPES.has(model.type);
    const buf = new Uint8Array(m.valueBufferSize);
    for (const kh of keys) {
      const key = fromHex(kh);
      // The exact key (LPM: the prefix itself, not what it matches), without LRU effects.
      const v = model.rawPeek(key);
      if (v === undefined && !array) {
        if (m.delete(key)) st.deleted++;
        continue;
      }
      const want = v ?? new Uint8Array(size);
      const got = m.lookup(key, buf);
      if (got !== null && sameBytes(got, want, size)) continue;
      m.update(key, want);
      st.updated++;
    }
  }
  return st;
}

/** What the kernel had learnt when adopted: encoded keys per learnt map. */
export type LearntKeys = Record<LearntMap, Set<string>>;

/**
 * Replaces the model's learnt maps by the kernel's entries (decoded), so the control
 * plane's invalidation acts on what the kernel really knows. Returns the adopted keys.
 */
export function adoptLearnt(inst: DataplaneInstance, state: HostState): LearntKeys {
  const out = {} as LearntKeys;
  for (const name of LEARNT_MAPS) {
    const model = state.raw(name);
    const size = model.valueDef.size;
    model.clear();
    const keys = new Set<string>();
    for (const [k, v] of inst.map(name).entries()) {
      model.rawSet(k, v.subarray(0, size));
      keys.add(toHex(k));
    }
    out[name] = keys;
  }
  return out;
}

/** Deletes from the kernel the adopted learnt entries the model no longer has. */
export function dropUnlearnt(inst: DataplaneInstance, state: HostState, adopted: LearntKeys): SyncStats {
  const st: SyncStats = { updated: 0, deleted: 0 };
  for (const name of LEARNT_MAPS) {
    const still = new Set<string>();
    if (state.has(name)) for (const [k] of state.raw(name).rawEntries()) still.add(toHex(k));
    for (const kh of adopted[name]) if (!still.has(kh) && inst.map(name).delete(fromHex(kh))) st.deleted++;
  }
  return st;
}
