import { expect, it } from 'vitest';
import { BpfUnavailableError, MODEL_ONLY_HINT, assertBpf, checkBpf } from '../../harness/privileges.ts';
import { describeBpf } from '../support/bpf-gate.ts';
import { describe } from 'vitest';

describeBpf('BPF availability', () => {
  it('finds BPF usable where the BPF suites run', async () => {
    const a = await checkBpf();
    expect(a.ok, a.reason).toBe(true);
    await expect(assertBpf()).resolves.toBeUndefined();
  });
});

describe('BpfUnavailableError', () => {
  it('says what is missing and how to run model-only', () => {
    const e = new BpfUnavailableError({
      ok: false,
      reason: `the bpf() syscall was refused (EPERM): not root and no CAP_BPF; ${MODEL_ONLY_HINT}`,
      uid: 1000,
      capabilities: { bpf: false, netAdmin: false, sysAdmin: false, perfmon: false },
    });
    expect(e.message).toContain('EPERM');
    expect(e.message).toContain('npm run test:model');
    expect(e.message).toContain('TWINPLANE_MODEL_ONLY=1');
  });
});
