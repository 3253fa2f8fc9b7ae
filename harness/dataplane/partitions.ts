// The kernel side of the learnt maps' slots (model/dataplane/partitioned.ts): each of
// ep_cache, flows and rflows is an ARRAY_OF_MAPS of LEARNT_SLOTS LRU_HASH maps, and the
// host's vpc_slots map names the slot of each VPC. The model says every slot exists from
// load on; filling one costs the kernel an RCU grace period (~17 ms here), so the harness
// fills a slot when a state first names it (`ensureSlot`) and keeps it for the instance's
// life. Programs reach a slot only through vpc_slots, so a slot no state names is never
// looked at: filled or not, the programs behave the same.
//
// `PartitionedBpfMap` is the learnt map seen whole, as the programs see it: keyed by the
// full record (tp_ep_key / tp_flow_key, whose first 4 bytes are the VNI), each operation
// sent to the slot the kernel's vpc_slots names. So code that reads, resets or compares
// learnt entries by key (the differential runners, the live sync) works unchanged.
import { BpfError } from '../libbpf/bpf-error.ts';
import { BpfMap, type MapInfo, type UpdateFlag, readU32, u32 } from '../libbpf/map.ts';
import { readMapsWhole } from '../native/batch-runner.ts';

const LRU_HASH = 9;
const ARRAY_OF_MAPS = 12;

export class PartitionedBpfMap extends BpfMap {
  private readonly slots = new Map<number, BpfMap>();
  // VNI -> slot as vpc_slots said (null: no entry), kept while vpc_slots has taken no write.
  // Programs only read vpc_slots and the harness writes it through the one BpfMap of its
  // object, so that map's write count says when this is stale: a learnt key's operation then
  // costs its own syscall, not a vpc_slots lookup before it.
  private readonly slotOf = new Map<number, number | null>();
  private slotsSeen = -1;

  /**
   * `outer`: the object's ARRAY_OF_MAPS; `vpcSlots`: the object's vpc_slots map;
   * `keySize`/`valueSize`: the inner layout; `innerEntries`: max_entries of the slots' maps.
   */
  constructor(
    readonly outer: BpfMap,
    private readonly vpcSlots: BpfMap,
    keySize: number,
    valueSize: number,
    readonly innerEntries: number,
  ) {
    if (outer.info.type !== ARRAY_OF_MAPS) throw new TypeError(`map ${outer.name} is ${outer.info.typeName}, not array_of_maps`);
    const info: MapInfo = {
      name: outer.info.name,
      type: LRU_HASH,
      typeName: 'lru_hash (one per VPC slot, in an array_of_maps)',
      keySize,
      valueSize,
      maxEntries: innerEntries,
      flags: 0,
    };
    super(outer.fd, info, outer.owner);
  }

  /** Slot s's map, created and put in the outer array the first time it is asked for. */
  ensureSlot(s: number): BpfMap {
    let m = this.slots.get(s);
    if (m === undefined) {
      if (!(s >= 0 && s < this.outer.info.maxEntries))
        throw new RangeError(`map ${this.name}: slot ${s} is past its ${this.outer.info.maxEntries}`);
      m = BpfMap.create(LRU_HASH, `${this.info.name.slice(0, 9)}_s${s}`, this.info.keySize, this.info.valueSize, this.innerEntries);
      this.outer.update(u32(s), u32(m.fd));
      this.slots.set(s, m);
    }
    return m;
  }

  /** The map of slot s if filled. */
  slot(s: number): BpfMap | undefined {
    return this.slots.get(s);
  }

  /** The map the programs would reach for the key's VNI (vpc_slots, then the slot), if any. */
  private forKey(key: Uint8Array, call: string): BpfMap | undefined {
    if (key.byteLength !== this.info.keySize) {
      throw new BpfError({
        errno: 22,
        call,
        map: this.name,
        detail: `key is ${key.byteLength} bytes, the slots' key_size is ${this.info.keySize}`,
      });
    }
    if (this.vpcSlots.writes !== this.slotsSeen) {
      this.slotOf.clear();
      this.slotsSeen = this.vpcSlots.writes;
    }
    const vni = (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0; // the key's u32 VNI, as readU32 reads it
    let s = this.slotOf.get(vni);
    if (s === undefined) {
      const v = this.vpcSlots.lookup(key.subarray(0, 4));
      s = v === null ? null : readU32(v);
      this.slotOf.set(vni, s);
    }
    return s === null ? undefined : this.slots.get(s);
  }

  override lookup(key: Uint8Array, out?: Uint8Array): Uint8Array | null {
    return this.forKey(key, 'bpf_map_lookup_elem')?.lookup(key, out) ?? null;
  }

  /** Writes into the key's slot; a VNI without one is refused (ENOENT), as no program could write it. */
  override update(key: Uint8Array, value: Uint8Array, flag: UpdateFlag = 'any'): void {
    this.writes++;
    const m = this.forKey(key, 'bpf_map_update_elem');
    if (m === undefined) {
      throw new BpfError({
        errno: 2,
        call: 'bpf_map_update_elem',
        map: this.name,
        detail: `no slot for VNI ${readU32(key, 0)} on this host`,
      });
    }
    m.update(key, value, flag);
  }

  override delete(key: Uint8Array): boolean {
    this.writes++;
    return this.forKey(key, 'bpf_map_delete_elem')?.delete(key) ?? false;
  }

  override lookupAndDelete(key: Uint8Array): Uint8Array | null {
    this.writes++;
    return this.forKey(key, 'bpf_map_lookup_and_delete_elem')?.lookupAndDelete(key) ?? null;
  }

  /** Every filled slot's keys, slot by slot. */
  override keys(): Uint8Array[] {
    return [...this.slots.keys()].sort((a, b) => a - b).flatMap((s) => this.slots.get(s)!.keys());
  }

  /** The filled slots' maps, slot by slot. */
  slotMaps(): BpfMap[] {
    return [...this.slots.keys()].sort((a, b) => a - b).map((s) => this.slots.get(s)!);
  }

  /** Every filled slot's entries, slot by slot, all read in one native call. */
  override entries(): Array<[Uint8Array, Uint8Array]> {
    return readMapsWhole(this.slotMaps()).flat();
  }

  /** Empties every slot (a key is deleted from the slot that holds it, whatever vpc_slots says). */
  override clear(): void {
    this.writes++;
    for (const m of this.slots.values()) m.clear();
  }

  /** Closes the slot maps this made (the outer array closes with its object). */
  closeInner(): void {
    for (const m of this.slots.values()) m.closeFd();
    this.slots.clear();
  }
}
