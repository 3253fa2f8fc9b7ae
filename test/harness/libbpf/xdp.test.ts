import { afterAll, beforeAll, expect, it } from 'vitest';
import { BpfError } from '../../../harness/libbpf/bpf-error.ts';
import { BpfObject } from '../../../harness/libbpf/object.ts';
import { xdpAttach, xdpAttachLink, xdpDetach, xdpQueryId } from '../../../harness/libbpf/xdp.ts';
import { ensureIfindexes } from '../../../harness/netns.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { selftestObject } from '../support/selftest.ts';

describeBpf('XDP attach', () => {
  let obj: BpfObject;
  beforeAll(() => {
    // Attaching happens in the private namespace: the host's interfaces stay untouched.
    ensureIfindexes([11, 12]);
    obj = BpfObject.load(selftestObject());
  });
  afterAll(() => obj.close());

  it('attaches in generic mode, is visible by id, and detaches', () => {
    xdpAttach(11, obj.program('st_pass'), { mode: 'generic' });
    expect(xdpQueryId(11, 'generic')).toBeGreaterThan(0);
    xdpDetach(11, { mode: 'generic' });
    expect(xdpQueryId(11, 'generic')).toBe(0);
  });

  it('refuses to replace a program when asked not to', () => {
    xdpAttach(11, obj.program('st_pass'), { mode: 'generic' });
    try {
      expect(() => xdpAttach(11, obj.program('st_swap_mac'), { mode: 'generic', noReplace: true })).toThrow(
        expect.objectContaining({ code: 'EBUSY' }),
      );
    } finally {
      xdpDetach(11, { mode: 'generic' });
    }
  });

  it('attaches as a link that detaches when destroyed', () => {
    const link = xdpAttachLink(12, obj.program('st_pass'));
    expect(xdpQueryId(12)).toBeGreaterThan(0);
    link.destroy();
    link.destroy();
    expect(xdpQueryId(12)).toBe(0);
  });

  it('fails with ENODEV for an ifindex that does not exist', () => {
    let err: unknown;
    try {
      xdpAttach(4343, obj.program('st_pass'), { mode: 'generic' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect(err).toMatchObject({ code: 'ENODEV', call: 'bpf_xdp_attach', ifindex: 4343, program: 'st_pass' });
    expect(() => xdpAttachLink(4343, obj.program('st_pass'))).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });
});
