// The contract between model/dcos (structs and DCOS_MAP_SPECS) and build/bpf/dcos.o: every
// struct byte for byte as TypeScript declares it, every map of the right type, sizes and
// capacity. A mismatch would make DcosInstance.load write the wrong bytes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLayout } from '../../../harness/btf-layout.ts';
import { Btf } from '../../../harness/libbpf/btf.ts';
import { BPF_F_MMAPABLE } from '../../../harness/libbpf/map.ts';
import { DCOS_OBJ, type DcosInstance, loadDcosInstances } from '../../../harness/dataplane/dcos-instance.ts';
import { DCOS_STRUCTS } from '../../../model/dcos/dcos-structs.ts';
import { DCOS_MAP_SPECS, type DcosMapName } from '../../../model/dcos/dcos-maps.ts';
import { Verdict } from '../../../model/dataplane/structs.ts';
import type { MapType } from '../../../model/dataplane/maps.ts';
import { DCOS } from '../../../model/dcos/dcos-consts.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

const KERNEL_TYPE: Readonly<Record<MapType, number>> = { HASH: 1, ARRAY: 2, PERCPU_ARRAY: 6, LRU_HASH: 9, LPM_TRIE: 11 };

describeBpf('dcos.o layouts and maps match model/dcos', () => {
  let btf: Btf;
  let inst: DcosInstance;
  beforeAll(() => {
    btf = Btf.fromFile(DCOS_OBJ);
    [inst] = loadDcosInstances(['layout']);
  });
  afterAll(() => {
    btf?.close();
    inst?.close();
  });

  it.each([...DCOS_STRUCTS, Verdict].map((d) => [d.name, d] as const))('struct %s matches its BTF layout', (_n, def) => {
    expect(checkLayout(btf, def)).toEqual([]);
  });

  it.each(Object.keys(DCOS_MAP_SPECS) as DcosMapName[])('map %s: type, key/value size and max_entries as DCOS_MAP_SPECS', (name) => {
    const spec = DCOS_MAP_SPECS[name];
    const info = inst.map(name).info;
    expect({ type: info.type, keySize: info.keySize, valueSize: info.valueSize, maxEntries: info.maxEntries }).toEqual({
      type: KERNEL_TYPE[spec.type],
      keySize: spec.keyLayout.def.size,
      valueSize: spec.valueLayout.def.size,
      maxEntries: spec.maxEntries,
    });
  });

  it('dcos_verdict is an mmapable array of tp_verdict', () => {
    const v = inst.map('dcos_verdict').info;
    expect({ type: v.type, flags: v.flags & BPF_F_MMAPABLE, valueSize: v.valueSize }).toEqual({
      type: 2,
      flags: BPF_F_MMAPABLE,
      valueSize: Verdict.size,
    });
    expect(DCOS.MAP_VERDICT).toBeGreaterThanOrEqual(v.maxEntries);
  });
});
