// The contract between structs.ts / MAP_SPECS and the compiled object: every struct laid out
// byte for byte as TypeScript declares it (padding included: checkLayout reports C fields
// TypeScript does not declare), and every map of the right type, sizes and capacity. A
// mismatch here would make the map writer write the wrong bytes, so it runs first.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLayout } from '../../../harness/btf-layout.ts';
import { Btf } from '../../../harness/libbpf/btf.ts';
import { BPF_F_MMAPABLE } from '../../../harness/libbpf/map.ts';
import { DATAPLANE_OBJ, type DataplaneInstance, loadInstances } from '../../../harness/dataplane/instance.ts';
import { ALL_STRUCTS, Verdict } from '../../../model/dataplane/structs.ts';
import { LEARNT_MAP_NAMES, MAP_SPECS, type MapName } from '../../../model/dataplane/state.ts';
import { BpfMap } from '../../../harness/libbpf/map.ts';
import type { MapType } from '../../../model/dataplane/maps.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

const KERNEL_TYPE: Readonly<Record<MapType, number>> = { HASH: 1, ARRAY: 2, PERCPU_ARRAY: 6, LRU_HASH: 9, LPM_TRIE: 11 };

describeBpf('dataplane.o layouts and maps match structs.ts and MAP_SPECS', () => {
  let btf: Btf;
  let inst: DataplaneInstance;
  beforeAll(() => {
    btf = Btf.fromFile(DATAPLANE_OBJ);
    // Partitions as the spec sizes them (ep_cache and flows partitions are the same size).
    expect(CONSTS.MAP_EP_CACHE_PER_VPC).toBe(CONSTS.MAP_FLOWS_PER_VPC);
    [inst] = loadInstances(['layout'], { maxEntries: {}, innerEntries: CONSTS.MAP_FLOWS_PER_VPC });
  });
  afterAll(() => {
    btf?.close();
    inst?.close();
  });

  it.each(ALL_STRUCTS.map((d) => [d.name, d] as const))('struct %s matches its BTF layout', (_name, def) => {
    expect(checkLayout(btf, def)).toEqual([]);
  });

  it.each(LEARNT_MAP_NAMES)('learnt map %s: an ARRAY_OF_MAPS of LEARNT_SLOTS slots; a slot is the LRU map of MAP_SPECS', (name) => {
    const m = inst.learnt(name);
    const o = m.outer.info;
    expect({ type: o.type, keySize: o.keySize, valueSize: o.valueSize, maxEntries: o.maxEntries }).toEqual({
      type: 12,
      keySize: 4,
      valueSize: 4,
      maxEntries: MAP_SPECS[name].slots,
    });
    expect(MAP_SPECS[name].slots).toBe(CONSTS.LEARNT_SLOTS);
    const p = BpfMap.fromFd(m.ensureSlot(CONSTS.LEARNT_SLOTS - 1).fd).info;
    const spec = MAP_SPECS[name];
    expect({ type: p.type, keySize: p.keySize, valueSize: p.valueSize, maxEntries: p.maxEntries }).toEqual({
      type: KERNEL_TYPE[spec.type],
      keySize: spec.keyLayout.def.size,
      valueSize: spec.valueLayout.def.size,
      maxEntries: spec.maxEntries,
    });
    expect(() => m.ensureSlot(CONSTS.LEARNT_SLOTS)).toThrow(RangeError);
  });

  it.each(Object.keys(MAP_SPECS) as MapName[])('map %s: type, key/value size and max_entries as MAP_SPECS', (name) => {
    const spec = MAP_SPECS[name];
    const info = inst.map(name).info;
    expect({ type: info.type, keySize: info.keySize, valueSize: info.valueSize, maxEntries: info.maxEntries }).toEqual({
      type: KERNEL_TYPE[spec.type],
      keySize: spec.keyLayout.def.size,
      valueSize: spec.valueLayout.def.size,
      maxEntries: spec.maxEntries,
    });
  });

  it('verdict and progs (not model maps) are as docs section 3 says', () => {
    const v = inst.map('verdict').info;
    // One slot per CPU in an mmapable array; this instance was loaded without overrides.
    expect({ type: v.type, flags: v.flags & BPF_F_MMAPABLE, keySize: v.keySize, valueSize: v.valueSize, maxEntries: v.maxEntries }).toEqual(
      {
        type: KERNEL_TYPE.ARRAY,
        flags: BPF_F_MMAPABLE,
        keySize: 4,
        valueSize: Verdict.size,
        maxEntries: CONSTS.MAP_VERDICT,
      },
    );
    const p = inst.map('progs').info;
    expect({ type: p.type, keySize: p.keySize, valueSize: p.valueSize, maxEntries: p.maxEntries }).toEqual({
      type: 3,
      keySize: 4,
      valueSize: 4,
      maxEntries: CONSTS.PROG_TRANSIT + 1,
    });
  });
});
