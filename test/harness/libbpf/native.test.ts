import { expect, it, vi } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';

describeBpf('libbpf binding singleton', () => {
  it('survives a second evaluation of the module (koffi type names are process-wide)', async () => {
    const first = await import('../../../harness/libbpf/native.ts');
    const a = first.libbpf();
    vi.resetModules();
    const second = await import('../../../harness/libbpf/native.ts');
    expect(second).not.toBe(first);
    expect(second.libbpf()).toBe(a);
    expect(second.libbpf().libbpf_num_possible_cpus()).toBeGreaterThan(0);
  });

  it("keeps libbpf's messages in memory instead of on stderr", async () => {
    const n = await import('../../../harness/libbpf/native.ts');
    n.clearLibbpfMessages();
    expect(n.libbpf().bpf_object__open_file('/nonexistent/twinplane.o', null)).toBeNull();
    expect(n.libbpfMessages().join('\n')).toMatch(/libbpf: .*nonexistent\/twinplane\.o/);
  });
});
