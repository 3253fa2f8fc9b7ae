// The learnt maps (ep_cache, flows, rflows) are partitioned by VPC, as the kernel holds them
// (docs section 3, "Partitions"): each is an ARRAY_OF_MAPS of LEARNT_SLOTS LRU_HASH maps,
// and the host's `vpc_slots` map (VNI -> slot, written by the control plane) says which
// slot a VPC's entries live in. A slot's LRU evicts only its own entries, so one tenant's
// traffic never evicts or changes another's learnt state. The control plane gives a VPC a
// slot on a host when the host joins the VPC and, when it leaves, empties the slot and
// takes it back; a program's write for a VNI without a slot fails, as the kernel's does,
// and is ignored.
//
// Seen whole, the map is one ModelMap keyed by the full record (whose `vni` picks the slot
// through vpc_slots), so generic code (traces, harness, control plane) reads and deletes
// entries as before.
import { HashMapModel, type MapSpec, type ModelMap, SpecMap } from './maps.ts';

/** A write for a VNI that has no slot on this host: the kernel has no inner map to write it in. */
export class NoPartitionError extends Error {
  constructor(map: string, vni: number) {
    super(`map ${map} has no slot for VNI ${vni} on this host: the control plane gives one when the host joins the VPC`);
  }
}

/** The VNI of a learnt map's key (tp_ep_key and tp_flow_key both start with it). */
function vniOf(key: unknown): number {
  return (key as { readonly vni: number }).vni;
}

/** The vpc_slots map of the host the map belongs to (asked each time: HostState.clone replaces it). */
export type SlotsMap = () => HashMapModel<number, number>;

/**
 * The class of a slot's map: HashMapModel or a subclass of it for the key type (state.ts).
 * Typed apart from K and V, so the partitioned map's types stay as free as its methods'.
 */
export type SlotClass = new (spec: never, ...rest: never[]) => unknown;

export class PartitionedMapModel<K, V> extends SpecMap<K, V> implements ModelMap<K, V> {
  // Every slot below `slots` exists in the kernel (the loader fills the outer array), empty
  // or not; the model allocates a slot's store on first use.
  private readonly parts: Array<HashMapModel<K, V> | undefined> = [];
  // The last VNI's partition, kept while vpc_slots is the same map at the same version: a
  // run looks up its VNI's slot once per learnt lookup, and this saves the slot lookup.
  private lastVni = -1;
  private lastSlots: HashMapModel<number, number> | null = null;
  private lastVersion = 0;
  private lastPart: HashMapModel<K, V> | undefined = undefined;

  /**
   * `slots`: the outer ARRAY_OF_MAPS's max_entries (LEARNT_SLOTS); `part`: the class of
   * each slot's map (its key type's own lookup, state.ts).
   */
  constructor(
    spec: MapSpec<K, V>,
    readonly slots: number,
    private readonly slotsMap: SlotsMap,
    private readonly part: SlotClass = HashMapModel,
  ) {
    super(spec);
  }

  get size(): number {
    let n = 0;
    for (const p of this.parts) if (p !== undefined) n += p.size;
    return n;
  }

  /** Slot `s` (what the program's outer lookup finds), or undefined past the array. */
  inSlot(s: number | undefined): HashMapModel<K, V> | undefined {
    if (s === undefined || !(s >= 0 && s < this.slots)) return undefined;
    return (this.parts[s] ??= new this.part(this.spec as never) as HashMapModel<K, V>);
  }

  /** The slot `vni`'s entries live in on this host, or undefined (no slot, or one past the array). */
  partition(vni: number): HashMapModel<K, V> | undefined {
    const slots = this.slotsMap();
    vni >>>= 0;
    if (vni !== this.lastVni || slots !== this.lastSlots || slots.version !== this.lastVersion) {
      this.lastPart = this.inSlot(slots.peek(vni));
      this.lastVni = vni;
      this.lastSlots = slots;
      this.lastVersion = slots.version;
    }
    return this.lastPart;
  }

  get(key: K): V | undefined {
    return this.partition(vniOf(key))?.get(key);
  }

  peek(key: K): V | undefined {
    return this.partition(vniOf(key))?.peek(key);
  }

  /** Writes into the key's slot; throws NoPartitionError when its VNI has none (programs check first). */
  set(key: K, value: V): void {
    const p = this.partition(vniOf(key));
    if (p === undefined) throw new NoPartitionError(this.spec.name, vniOf(key));
    p.set(key, value);
  }

  delete(key: K): boolean {
    return this.partition(vniOf(key))?.delete(key) ?? false;
  }

  /** Every slot's entries, slot by slot (an entry sits in the slot it was written to). */
  *entries(): IterableIterator<[K, V]> {
    for (const p of this.parts) if (p !== undefined) yield* p.entries();
  }

  /** Entries of slot `s` only. */
  *slotEntries(s: number): IterableIterator<[K, V]> {
    const p = this.parts[s];
    if (p !== undefined) yield* p.entries();
  }

  /** Empties every slot (the slots themselves always exist). */
  clear(): void {
    for (const p of this.parts) p?.clear();
  }

  clone(): PartitionedMapModel<K, V> {
    return this.cloneFor(this.slotsMap);
  }

  /** A copy reading its slots from another host's vpc_slots (HostState.clone). */
  cloneFor(slotsMap: SlotsMap): PartitionedMapModel<K, V> {
    const c = new PartitionedMapModel(this.spec, this.slots, slotsMap, this.part);
    this.parts.forEach((p, i) => {
      if (p !== undefined) c.parts[i] = p.clone();
    });
    return c;
  }
}
