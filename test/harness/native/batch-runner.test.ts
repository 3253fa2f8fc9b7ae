// harness/native's map reader against libbpf's own batch read: several maps in one call
// (an LRU map filled close to its size, a small hash, an empty one) give the entries each map
// gives alone; a map of another type is refused before any read.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BpfMap } from '../../../harness/libbpf/map.ts';
import { readMapsWhole } from '../../../harness/native/batch-runner.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

const LRU_HASH = 9;
const HASH = 1;
const ARRAY = 2;
const sorted = (e: Array<[Uint8Array, Uint8Array]>): string[] =>
  e.map(([k, v]) => `${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`).sort();

describeBpf('readMapsWhole', () => {
  let maps: BpfMap[] = [];
  beforeAll(() => {
    maps = [
      BpfMap.create(LRU_HASH, 'rmw_lru', 8, 12, 1024),
      BpfMap.create(HASH, 'rmw_hash', 4, 4, 16),
      BpfMap.create(HASH, 'rmw_empty', 4, 4, 8),
    ];
    for (let i = 0; i < 1000; i++) {
      const k = new Uint8Array(8);
      new DataView(k.buffer).setUint32(0, i * 2654435761, true);
      maps[0].update(k, new Uint8Array(12).fill(i & 0xff));
    }
    for (let i = 1; i <= 3; i++) maps[1].update(new Uint8Array([i, 0, 0, 0]), new Uint8Array([0, 0, 0, i]));
  });
  afterAll(() => maps.forEach((m) => m.closeFd()));

  it('gives each map the entries libbpf reads from it alone, in one call', () => {
    const got = readMapsWhole(maps);
    expect(got.map((e) => e.length)).toEqual([maps[0].entries().length, 3, 0]);
    expect(got[0].length).toBeGreaterThan(900);
    got.forEach((e, i) => expect(sorted(e)).toEqual(sorted(maps[i].entries())));
  });

  it('refuses a map that is not a hash map', () => {
    const arr = BpfMap.create(ARRAY, 'rmw_array', 4, 4, 4);
    try {
      expect(() => readMapsWhole([maps[1], arr])).toThrow(/rmw_array is array, not a hash map/);
    } finally {
      arr.closeFd();
    }
  });
});
