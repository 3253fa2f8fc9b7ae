import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { decode, encode } from '../../../model/layout/struct.ts';
import { BpfError } from '../../../harness/libbpf/bpf-error.ts';
import { BpfMap, numPossibleCpus, readU32, u32 } from '../../../harness/libbpf/map.ts';
import { BpfObject } from '../../../harness/libbpf/object.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { selftestObject, stKey, stValue } from '../support/selftest.ts';

const key = (vni: number, port = 80): Uint8Array => encode(stKey, { vni, mac: new Uint8Array([2, 0, 0, 0, 0, vni & 0xff]), port });
const value = (verdict: number): Uint8Array =>
  encode(stValue, {
    verdict,
    port: 443,
    mtu: 1450,
    bytes: 1n << 40n,
    inner: [
      { a: 1, b: 2, c: 3 },
      { a: 4, b: 5, c: 6 },
    ],
    tag: new Uint8Array([9, 8, 7, 6]),
  });

describeBpf('BpfMap', () => {
  let obj: BpfObject;
  let hash: BpfMap;
  beforeAll(() => {
    obj = BpfObject.load(selftestObject());
    hash = obj.map('st_hash');
  });
  beforeEach(() => hash.clear());
  afterAll(() => obj.close());

  it('round-trips a struct value through the kernel', () => {
    hash.update(key(1), value(3));
    const got = hash.lookup(key(1));
    expect(got).not.toBeNull();
    expect(decode(stValue, got!)).toEqual(decode(stValue, value(3)));
  });

  it('returns null for an absent key and false when deleting one', () => {
    expect(hash.lookup(key(99))).toBeNull();
    expect(hash.delete(key(99))).toBe(false);
  });

  it('deletes present keys', () => {
    hash.update(key(1), value(1));
    expect(hash.delete(key(1))).toBe(true);
    expect(hash.lookup(key(1))).toBeNull();
  });

  it('honours NOEXIST and EXIST', () => {
    hash.update(key(1), value(1), 'noexist');
    expect(() => hash.update(key(1), value(2), 'noexist')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => hash.update(key(2), value(2), 'exist')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    hash.update(key(1), value(7), 'exist');
    expect(readU32(hash.lookup(key(1))!)).toBe(7);
  });

  it('iterates every key exactly once', () => {
    for (let i = 1; i <= 5; i++) hash.update(key(i), value(i));
    const vnis = hash.keys().map((k) => decode(stKey, k).vni as number);
    expect(vnis.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(
      hash
        .entries()
        .map(([k, v]) => [decode(stKey, k).vni, readU32(v)])
        .sort(),
    ).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
  });

  it('reads a full hash map in one batch, as a key-by-key walk would', () => {
    for (let i = 0; i < 16; i++) hash.update(key(i, 1000 + i), value(i * 3));
    const batch = hash.entries();
    expect(batch).toHaveLength(16);
    const walked = hash.keys().map((k) => [Buffer.from(k).toString('hex'), Buffer.from(hash.lookup(k)!).toString('hex')]);
    expect(batch.map(([k, v]) => [Buffer.from(k).toString('hex'), Buffer.from(v).toString('hex')]).sort()).toEqual(walked.sort());
    hash.clear();
    expect(hash.entries()).toEqual([]);
  });

  it('reads a hash map larger than one batch in several calls, every entry once', () => {
    const big = BpfMap.create(1, 'tp_big', 4, 4, 3000);
    try {
      for (let i = 0; i < 2500; i++) big.update(u32(i), u32(i * 7));
      const got = big.entries().map(([k, v]) => [readU32(k), readU32(v)] as const);
      expect(got).toHaveLength(2500);
      expect(new Set(got.map(([k]) => k)).size).toBe(2500);
      expect(got.every(([k, v]) => v === k * 7)).toBe(true);
    } finally {
      big.closeFd();
    }
  });

  it('drains a hash map: every entry returned once and gone, in several calls when it is large', () => {
    const big = BpfMap.create(1, 'tp_drain', 4, 4, 3000);
    try {
      for (let i = 0; i < 2500; i++) big.update(u32(i), u32(i * 5));
      const got = big.drain().map(([k, v]) => [readU32(k), readU32(v)] as const);
      expect(got).toHaveLength(2500);
      expect(new Set(got.map(([k]) => k)).size).toBe(2500);
      expect(got.every(([k, v]) => v === k * 5)).toBe(true);
      expect(big.entries()).toEqual([]);
      expect(big.drain()).toEqual([]);
    } finally {
      big.closeFd();
    }
  });

  it('refuses to mmap a map created without BPF_F_MMAPABLE', () => {
    const e = catchError(() => hash.mmap());
    expect(e).toBeInstanceOf(BpfError);
    expect(e.message).toMatch(/without BPF_F_MMAPABLE/);
  });

  it('says the map is full instead of dropping inserts silently', () => {
    for (let i = 0; i < 16; i++) hash.update(key(i), value(i));
    const e = catchError(() => hash.update(key(100), value(0)));
    expect(e).toBeInstanceOf(BpfError);
    expect(e).toMatchObject({ code: 'E2BIG', call: 'bpf_map_update_elem', map: 'st_hash' });
    expect(e.message).toMatch(/full \(16 entries/);
  });

  it('rejects keys and values of the wrong size before calling the kernel', () => {
    expect(() => hash.lookup(new Uint8Array(4))).toThrow(/key is 4 bytes, the map's key_size is 12/);
    expect(() => hash.update(key(1), new Uint8Array(8))).toThrow(/value buffer is 8 bytes, the map needs 40/);
  });

  it('looks up and deletes in one step', () => {
    hash.update(key(5), value(5));
    expect(readU32(hash.lookupAndDelete(key(5))!)).toBe(5);
    expect(hash.lookup(key(5))).toBeNull();
    expect(hash.lookupAndDelete(key(5))).toBeNull();
  });

  it('reads and writes per-CPU values, one slot per possible CPU', () => {
    const counters = obj.map('st_counters');
    const n = numPossibleCpus();
    expect(counters.valueBufferSize).toBe(8 * n);
    const slots = Array.from({ length: n }, (_, cpu) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(cpu + 10), true);
      return b;
    });
    counters.updatePerCpu(u32(2), slots);
    const back = counters.lookupPerCpu(u32(2))!;
    expect(back).toHaveLength(n);
    back.forEach((s, cpu) => expect(new DataView(s.buffer, s.byteOffset).getBigUint64(0, true)).toBe(BigInt(cpu + 10)));
    expect(counters.sumPerCpuU64(u32(2))).toBe(BigInt(Array.from({ length: n }, (_, c) => c + 10).reduce((a, b) => a + b)));
    counters.clear();
    expect(counters.sumPerCpuU64(u32(2))).toBe(0n);
  });

  it('pads per-CPU slots to 8 bytes', () => {
    const last = obj.map('st_last_run'); // 16-byte values: already a multiple of 8
    expect(last.perCpuStride).toBe(16);
    const odd = BpfMap.create(6, 'tp_odd', 4, 12, 1); // percpu_array with 12-byte values
    try {
      expect(odd.perCpuStride).toBe(16);
      odd.updatePerCpu(u32(0), new Uint8Array(12).fill(7));
      for (const s of odd.lookupPerCpu(u32(0))!) expect([...s]).toEqual(new Array(12).fill(7));
    } finally {
      odd.closeFd();
    }
  });

  it('zeroes array maps on clear (array keys cannot be deleted)', () => {
    const verdict = obj.map('st_verdict');
    verdict.update(u32(0), u32(3));
    expect(() => verdict.delete(u32(0))).toThrow(/array maps cannot delete/);
    verdict.clear();
    expect(readU32(verdict.lookup(u32(0))!)).toBe(0);
  });

  it('reads map info back from the kernel for a bare fd', () => {
    const m = BpfMap.fromFd(hash.fd);
    expect(m.info).toMatchObject({ name: 'st_hash', type: 1, keySize: 12, valueSize: 40, maxEntries: 16 });
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}
