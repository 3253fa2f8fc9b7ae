import { afterAll, beforeAll, expect, it } from 'vitest';
import { decode } from '../../model/layout/struct.ts';
import { BpfError } from '../../harness/libbpf/bpf-error.ts';
import { BpfObject } from '../../harness/libbpf/object.ts';
import { u32 } from '../../harness/libbpf/map.ts';
import { ensureIfindexes, LOOPBACK_IFINDEX } from '../../harness/netns.ts';
import { MAX_FRAME, TestRunExecutor, actionName } from '../../harness/testrun.ts';
import { describeBpf } from '../support/bpf-gate.ts';
import { countingFrame, selftestObject, stLast } from './support/selftest.ts';

describeBpf('TestRunExecutor', () => {
  let obj: BpfObject;
  let exec: TestRunExecutor;
  const fd = (name: string): number => obj.program(name).fd;
  beforeAll(() => {
    obj = BpfObject.load(selftestObject());
    exec = new TestRunExecutor();
    ensureIfindexes([7]);
  });
  afterAll(() => {
    exec.free();
    obj.close();
  });

  it('returns the verdict and the untouched frame for XDP_PASS', () => {
    const frame = countingFrame();
    const r = exec.run(fd('st_pass'), frame);
    expect(r.retval).toBe(2);
    expect(r.action).toBe('PASS');
    expect([...r.output]).toEqual([...frame]);
  });

  it('returns the bytes a program rewrote', () => {
    const r = exec.run(fd('st_swap_mac'), countingFrame());
    expect(r.action).toBe('TX');
    expect([...r.output.subarray(0, 12)]).toEqual([6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5]);
    expect([...r.output.subarray(12)]).toEqual([...countingFrame().subarray(12)]);
  });

  it('runs each frame once: a rewriting program never sees its own output', () => {
    const a = exec.run(fd('st_swap_mac'), countingFrame());
    const b = exec.run(fd('st_swap_mac'), countingFrame());
    expect([...b.output]).toEqual([...a.output]);
  });

  it('hands out copies: a later run does not change an earlier result', () => {
    const first = exec.run(fd('st_swap_mac'), countingFrame());
    const saved = [...first.output];
    exec.run(fd('st_push'), countingFrame(100));
    expect([...first.output]).toEqual(saved);
  });

  it('returns a frame that grew at the head', () => {
    const frame = countingFrame(60);
    const r = exec.run(fd('st_push'), frame);
    expect(r.action).toBe('PASS');
    expect(r.output).toHaveLength(68);
    expect(Buffer.from(r.output.subarray(0, 8)).toString()).toBe('TWINPLAN');
    expect([...r.output.subarray(8)]).toEqual([...frame]);
  });

  it('takes the verdict from a map (state set between runs is seen)', () => {
    const verdict = obj.map('st_verdict');
    for (const [n, name] of [
      [1, 'DROP'],
      [3, 'TX'],
      [4, 'REDIRECT'],
      [0, 'ABORTED'],
    ] as const) {
      verdict.update(u32(0), u32(n));
      expect(exec.run(fd('st_verdict_prog'), countingFrame()).action).toBe(name);
    }
    verdict.clear();
  });

  it('passes ingress ifindex and rx queue to the program through ctx_in', () => {
    exec.run(fd('st_verdict_prog'), countingFrame(64), { ingressIfindex: 7, rxQueue: 0 });
    const slots = obj.map('st_last_run').lookupPerCpu(u32(0))!;
    const seen = slots.map((s) => decode(stLast, s)).find((l) => l.len === 64);
    expect(seen).toMatchObject({ ingress_ifindex: 7, rx_queue_index: 0, len: 64 });
  });

  it('uses loopback (ifindex 1) without ctx_in', () => {
    exec.run(fd('st_verdict_prog'), countingFrame(65));
    const seen = obj
      .map('st_last_run')
      .lookupPerCpu(u32(0))!
      .map((s) => decode(stLast, s))
      .find((l) => l.len === 65);
    expect(seen?.ingress_ifindex).toBe(LOOPBACK_IFINDEX);
  });

  it('counts runs in a per-CPU map', () => {
    const counters = obj.map('st_counters');
    counters.clear();
    obj.map('st_verdict').update(u32(0), u32(2));
    for (let i = 0; i < 5; i++) exec.run(fd('st_verdict_prog'), countingFrame());
    expect(counters.sumPerCpuU64(u32(2))).toBe(5n);
    expect(counters.sumPerCpuU64(u32(1))).toBe(0n);
    obj.map('st_verdict').clear();
  });

  it('accepts frames from 14 bytes up to MAX_FRAME', () => {
    expect(exec.run(fd('st_pass'), countingFrame(14)).output).toHaveLength(14);
    expect(exec.run(fd('st_pass'), countingFrame(MAX_FRAME)).output).toHaveLength(MAX_FRAME);
  });

  it('explains frames the kernel would refuse', () => {
    expect(() => exec.run(fd('st_pass'), countingFrame(13))).toThrow(/at least 14 bytes/);
    expect(() => exec.run(fd('st_pass'), countingFrame(MAX_FRAME + 1))).toThrow(/at most 3520 bytes/);
  });

  it('fails with ENODEV for an ifindex that does not exist here', () => {
    const e = catchError(() => exec.run(fd('st_pass'), countingFrame(), { ingressIfindex: 4242 }));
    expect(e).toBeInstanceOf(BpfError);
    expect(e).toMatchObject({ code: 'ENODEV', errno: 19, call: 'bpf_prog_test_run_opts', ifindex: 4242 });
    expect(e.message).toContain('harness/netns.ts');
  });

  it('fails with EINVAL for a receive queue the interface lacks', () => {
    expect(() => exec.run(fd('st_pass'), countingFrame(), { ingressIfindex: 7, rxQueue: 5 })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });

  it('fails with a BpfError for a program whose object was closed', () => {
    const other = BpfObject.load(selftestObject());
    const stale = other.program('st_pass').fd;
    other.close();
    // The fd number may be reused by another open file, so only "it fails" is certain.
    expect(() => exec.run(stale, countingFrame())).toThrow(BpfError);
  });

  it('names unknown return values', () => {
    expect(actionName(2)).toBe('PASS');
    expect(actionName(9)).toBe('UNKNOWN(9)');
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
