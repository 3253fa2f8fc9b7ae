import { afterAll, beforeAll, expect, it } from 'vitest';
import { Btf } from '../../../harness/libbpf/btf.ts';
import { BpfObject } from '../../../harness/libbpf/object.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { selftestObject } from '../support/selftest.ts';

describeBpf('Btf', () => {
  let obj: BpfObject;
  let btf: Btf;
  beforeAll(() => {
    obj = BpfObject.load(selftestObject());
    btf = Btf.fromObject(obj);
  });
  afterAll(() => obj.close());

  it('reads member offsets and sizes, with padding as C lays it out', () => {
    const inner = btf.struct('st_inner')!;
    expect(inner.size).toBe(8);
    expect(inner.members.map((m) => [m.name, m.offset, m.size])).toEqual([
      ['a', 0, 2],
      ['b', 2, 1],
      ['c', 4, 4],
    ]);
  });

  it('resolves typedefs, keeping their names, and arrays of nested structs', () => {
    const v = btf.struct('st_value')!;
    const port = v.members.find((m) => m.name === 'port')!;
    expect(port.typedefs[0]).toBe('__be16');
    expect(port.shape).toEqual({ kind: 'int', size: 2, signed: false });
    const inner = v.members.find((m) => m.name === 'inner')!;
    expect(inner).toMatchObject({ offset: 16, size: 16 });
    expect(inner.shape.kind).toBe('array');
    if (inner.shape.kind !== 'array') return;
    expect(inner.shape.count).toBe(2);
    expect(inner.shape.elem.kind).toBe('struct');
    const mac = btf.struct('st_key')!.members.find((m) => m.name === 'mac')!;
    expect(mac.shape).toMatchObject({ kind: 'array', count: 6, size: 6 });
  });

  it('finds a struct through its typedef name', () => {
    expect(btf.struct('st_value_t')?.name).toBe('st_value');
  });

  it('returns null for an unknown struct and lists the known ones', () => {
    expect(btf.struct('no_such_struct')).toBeNull();
    expect(btf.structNames()).toEqual(expect.arrayContaining(['st_key', 'st_value', 'st_inner', 'st_last']));
  });

  it('reads the same layout straight from the file', () => {
    const fromFile = Btf.fromFile(selftestObject());
    try {
      expect(fromFile.struct('st_value')).toEqual(btf.struct('st_value'));
    } finally {
      fromFile.close();
    }
  });
});
