import { afterAll, beforeAll, expect, it } from 'vitest';
import { array, bytes, struct, u16be, u16le, u32le, u64le, u8 } from '../../model/layout/struct.ts';
import { LayoutMismatchError, assertLayout, checkLayout } from '../../harness/btf-layout.ts';
import { Btf } from '../../harness/libbpf/btf.ts';
import { describeBpf } from '../support/bpf-gate.ts';
import { selftestObject, stInner, stKey, stLast, stValue } from './support/selftest.ts';

describeBpf('checkLayout against BTF', () => {
  let btf: Btf;
  beforeAll(() => {
    btf = Btf.fromFile(selftestObject());
  });
  afterAll(() => btf.close());

  it('accepts declarations that match C, nested arrays included', () => {
    for (const def of [stKey, stInner, stValue, stLast]) expect(checkLayout(btf, def)).toEqual([]);
    expect(() => assertLayout(btf, [stKey, stValue])).not.toThrow();
  });

  it('names a field whose offset moved (fields declared in the wrong order)', () => {
    const reordered = struct('st_key', 12, [
      ['vni', u32le, 0],
      ['port', u16be, 4],
      ['mac', bytes(6), 6],
    ]);
    expect(checkLayout(btf, reordered)).toEqual([
      'struct st_key: field port at offset 4 size 2 in TypeScript, at offset 10 size 2 in BTF',
      'struct st_key: field mac at offset 6 size 6 in TypeScript, at offset 4 size 6 in BTF',
    ]);
  });

  it('names a wrong struct size and a wrong field size', () => {
    const wrong = struct('st_last', 20, [
      ['action', u32le, 0],
      ['ingress_ifindex', u32le, 4],
      ['rx_queue_index', u64le, 8],
      ['len', u32le, 16],
    ]);
    expect(checkLayout(btf, wrong)).toEqual([
      'struct st_last: size 20 in TypeScript, 16 in BTF',
      'struct st_last: field rx_queue_index at offset 8 size 8 in TypeScript, at offset 8 size 4 in BTF',
      'struct st_last: field len at offset 16 size 4 in TypeScript, at offset 12 size 4 in BTF',
    ]);
  });

  it('names fields missing on either side', () => {
    const def = struct('st_last', 16, [
      ['action', u32le, 0],
      ['ifindex', u32le, 4],
      ['rx_queue_index', u32le, 8],
      ['len', u32le, 12],
    ]);
    expect(checkLayout(btf, def)).toEqual([
      'struct st_last: field ifindex (offset 4 size 4 in TypeScript) is not in BTF',
      'struct st_last: field ingress_ifindex (offset 4 size 4) is in BTF but not declared in TypeScript',
    ]);
  });

  it('catches host order declared for a C __be16', () => {
    const def = struct('st_key', 12, [
      ['vni', u32le, 0],
      ['mac', bytes(6), 4],
      ['port', u16le, 10],
    ]);
    expect(checkLayout(btf, def)).toEqual([
      'struct st_key: field port is __be16 (network order) in C but u16le (host order) in TypeScript',
    ]);
  });

  it('checks nested structs inside arrays, with the path to the field', () => {
    const badInner = struct('st_inner', 8, [
      ['a', u16le, 0],
      ['b', u8, 3],
      ['c', u32le, 4],
    ]);
    const def = struct('st_value', 40, [
      ['verdict', u32le, 0],
      ['port', u16be, 4],
      ['mtu', u16le, 6],
      ['bytes', u64le, 8],
      ['inner', array(badInner, 2), 16],
      ['tag', bytes(4), 32],
    ]);
    expect(checkLayout(btf, def)).toEqual([
      'struct st_value: field inner (struct st_inner): field b at offset 3 size 1 in TypeScript, at offset 2 size 1 in BTF',
    ]);
  });

  it('says when the struct is not in the object at all', () => {
    const [msg] = checkLayout(btf, struct('host_cfg', 4, [['mtu', u32le, 0]]));
    expect(msg).toMatch(/^struct host_cfg: not in the BTF of .*selftest\.o \(structs there: .*st_value/);
  });

  it('throws every mismatch at once from assertLayout', () => {
    const a = struct('st_last', 12, [['action', u32le, 0]]);
    let err: unknown;
    try {
      assertLayout(btf, [a, stKey]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LayoutMismatchError);
    expect((err as LayoutMismatchError).mismatches).toHaveLength(4);
    expect((err as Error).message).toContain('size 12 in TypeScript, 16 in BTF');
  });
});
