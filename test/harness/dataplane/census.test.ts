// The census of an instance's learnt maps (harness/dataplane/census.ts, bpf/census.bpf.c)
// counts what reading every slot's map whole finds: after the transit program's own writes
// (a flood that overflows one tenant's small slot, so its LRU evicts), after the harness
// replaces, deletes and clears entries, and with slots that have no map. The differential
// suites trust an all-zero census instead of reading whole, so any miscount would hide a
// stray kernel write from the end of a batch.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type DataplaneInstance, loadInstances } from '../../../harness/dataplane/instance.ts';
import { NO_SLOT, censusUnavailable, loadCensus } from '../../../harness/dataplane/census.ts';
import { BpfMap } from '../../../harness/libbpf/map.ts';
import { writeHostState } from '../../../harness/dataplane/mapwriter.ts';
import { readMapsWhole } from '../../../harness/native/batch-runner.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { LEARNT_MAP_NAMES, type LearntMapName } from '../../../model/dataplane/state.ts';
import { floodFrame, sharedHost } from '../../support/tenant-flood.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

const SLOT = 64;

/** Every slot's entry count as the whole read finds it, NO_SLOT where the slot has no map. */
function wholeCounts(inst: DataplaneInstance): Record<LearntMapName, number[]> {
  const out = {} as Record<LearntMapName, number[]>;
  for (const name of LEARNT_MAP_NAMES) {
    const m = inst.learnt(name);
    out[name] = Array.from({ length: CONSTS.LEARNT_SLOTS }, (_, s) => {
      const slot = m.slot(s);
      return slot === undefined ? NO_SLOT : readMapsWhole([slot])[0].length;
    });
  }
  return out;
}

describeBpf('the census of the learnt maps', () => {
  let inst: DataplaneInstance;
  beforeAll(() => {
    [inst] = loadInstances(['census'], { innerEntries: SLOT, ifindexes: [2, 100, 101] });
  });
  afterAll(() => inst?.close());

  it('counts what the whole read finds, through program writes, LRU eviction, replacements, deletes and clears', () => {
    const census = inst.census();
    expect(census, 'this kernel has bpf_map_sum_elem_count (6.6 and later)').not.toBeNull();
    const s = sharedHost();
    writeHostState(inst, s.shared.state);
    const at = (): Record<LearntMapName, number[]> => census!.counts();
    const filled = (c: Record<LearntMapName, number[]>): number =>
      LEARNT_MAP_NAMES.reduce((n, m) => n + c[m].filter((x) => x !== NO_SLOT && x > 0).length, 0);

    // The control plane's state: two tenants' slots, some learnt entries; the other slots have no map.
    const start = at();
    expect(start).toEqual(wholeCounts(inst));
    expect(start.ep_cache.filter((x) => x === NO_SLOT).length).toBe(CONSTS.LEARNT_SLOTS - 2);
    expect(filled(start)).toBeGreaterThan(0);
    expect(census!.empty()).toBe(false);

    // The program's own writes, past one slot's capacity: the kernel's LRU evicts.
    for (let i = 0; i < 3 * SLOT; i++) inst.run('transit', floodFrame(s, i, i % 2 ? 'flow' : 'learn'), 2);
    const flooded = at();
    expect(flooded).toEqual(wholeCounts(inst));
    expect(Math.max(...flooded.flows.filter((x) => x !== NO_SLOT))).toBeGreaterThan(SLOT / 2);

    // Replacing an entry keeps the count; deleting one takes one off.
    const ep = inst.learnt('ep_cache');
    const [k, v] = ep.entries()[0];
    ep.update(
      k,
      v.map((b) => b ^ 0xff),
    );
    expect(at()).toEqual(flooded);
    expect(ep.delete(k)).toBe(true);
    const afterDelete = at();
    expect(afterDelete).toEqual(wholeCounts(inst));
    expect(LEARNT_MAP_NAMES.map((n) => afterDelete[n].reduce((a, x) => a + (x === NO_SLOT ? 0 : x), 0))).toEqual(
      LEARNT_MAP_NAMES.map((n) => flooded[n].reduce((a, x) => a + (x === NO_SLOT ? 0 : x), 0) - (n === 'ep_cache' ? 1 : 0)),
    );

    // Emptied: every slot with a map counts 0, and the census says so; one entry back, it does not.
    for (const n of LEARNT_MAP_NAMES) inst.learnt(n).clear();
    expect(at()).toEqual(wholeCounts(inst));
    expect(census!.empty()).toBe(true);
    ep.update(k, v);
    expect(census!.empty()).toBe(false);
    expect(at()).toEqual(wholeCounts(inst));
  });
  it('answers null where the kernel refuses it, and says so once on stderr', () => {
    // Maps of the wrong type where the census expects the outer maps: the kernel refuses the
    // object, as a kernel without bpf_map_sum_elem_count does.
    const wrong = BpfMap.create(1, 'census_wrong', 4, 4, 4);
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      said.push(String(s));
      return true;
    });
    try {
      expect(censusUnavailable()).toBeUndefined();
      const fds = { ep_cache: wrong.fd, flows: wrong.fd, rflows: wrong.fd };
      expect(loadCensus('refused', fds)).toBeNull();
      expect(loadCensus('refused-again', fds)).toBeNull();
    } finally {
      spy.mockRestore();
      wrong.closeFd();
    }
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/refused the learnt-map census .* read the learnt maps whole/);
    expect(censusUnavailable()).toMatch(/bpf_object__load failed/);
    expect(said[0]).toContain(censusUnavailable());
  });
});
