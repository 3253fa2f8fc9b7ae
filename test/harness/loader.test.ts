import { afterAll, beforeAll, expect, it } from 'vitest';
import { readU32, u32 } from '../../harness/libbpf/map.ts';
import { loadInstances, type ProgramInstance } from '../../harness/loader.ts';
import { run } from '../../harness/testrun.ts';
import { describeBpf } from '../support/bpf-gate.ts';
import { countingFrame, selftestObject } from './support/selftest.ts';

describeBpf('loader', () => {
  let hosts: ProgramInstance[];
  beforeAll(() => {
    hosts = loadInstances(selftestObject(), ['host-a', 'host-b']);
  });
  afterAll(() => hosts.forEach((h) => h.close()));

  it('gives every instance its own maps', () => {
    const [a, b] = hosts;
    expect(a.map('st_verdict').fd).not.toBe(b.map('st_verdict').fd);
    a.map('st_verdict').update(u32(0), u32(1));
    b.map('st_verdict').update(u32(0), u32(3));
    expect(readU32(a.map('st_verdict').lookup(u32(0))!)).toBe(1);
    expect(readU32(b.map('st_verdict').lookup(u32(0))!)).toBe(3);
    expect(run(a.program('st_verdict_prog').fd, countingFrame()).action).toBe('DROP');
    expect(run(b.program('st_verdict_prog').fd, countingFrame()).action).toBe('TX');
  });

  it('labels each instance for messages', () => {
    expect(hosts.map((h) => h.label)).toEqual(['host-a', 'host-b']);
    expect(() => hosts[1].map('missing')).toThrow(/object host-b/);
  });

  it('wires tail calls inside one instance only', () => {
    const [a, b] = hosts;
    a.wireTailCall('st_progs', 0, 'st_tail_target');
    const viaA = run(a.program('st_tail_entry').fd, countingFrame());
    expect(viaA.action).toBe('TX');
    expect(viaA.output[0]).toBe(0xaa);
    // b's prog array is its own and still empty: the tail call falls through.
    expect(run(b.program('st_tail_entry').fd, countingFrame()).action).toBe('ABORTED');
    a.map('st_progs').clearProgram(0);
    expect(run(a.program('st_tail_entry').fd, countingFrame()).action).toBe('ABORTED');
  });

  it('wires several slots at once', () => {
    const [, b] = hosts;
    b.wireTailCalls('st_progs', { 0: 'st_swap_mac', 1: 'st_pass' });
    expect(run(b.program('st_tail_entry').fd, countingFrame()).action).toBe('TX');
    // A prog array's lookup from user space yields the program id, or null for an empty slot.
    const progs = b.map('st_progs');
    expect(progs.lookup(u32(0))).not.toBeNull();
    expect(progs.lookup(u32(1))).not.toBeNull();
    expect(progs.lookup(u32(2))).toBeNull();
  });

  it('passes on the error of an instance that fails to load', () => {
    expect(() => loadInstances(selftestObject(), ['ok'], { maxEntries: { no_such_map: 1 } })).toThrow(/no map named "no_such_map"/);
  });
});
