// The suites must catch real bugs: a copy of the C with one deliberate mutation is built and
// the agent property runs against it. It must fail, with a mismatch report whose shrunk
// counterexample shows the mutated behaviour (and a pcapng written for it).
import { existsSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { ProgramSuite } from '../../../harness/diff/suite.ts';
import { type PropertyConfig, runDiffProperty } from '../../../harness/diff/property.ts';
import { IFINDEX_POOL, MAX_HOSTS } from '../../../harness/diff/gen/random-topology.ts';
import { agentArb, agentCheck } from '../../../harness/diff/suites.ts';
import { MUTATIONS, type Mutant, buildMutant } from '../../../harness/diff/mutant.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

function cfg(name: string): PropertyConfig {
  return {
    suite: `broken-${name}`,
    testFile: 'test/harness/diff/mutant.test.ts',
    testName: name,
    seed: 0x7a6e7409,
    defaultCases: 20_000,
    casesPerRun: 100,
  };
}

function catchMismatch(m: (typeof MUTATIONS)[keyof typeof MUTATIONS], name: string, cleanup: Array<() => void>): string {
  const mutant: Mutant = buildMutant(m);
  const suite = new ProgramSuite(`broken-${name}`, MAX_HOSTS, [], { object: mutant.object, ifindexes: IFINDEX_POOL });
  cleanup.push(
    () => suite.close(),
    () => mutant.remove(),
  );
  // The default budget, whatever TWINPLANE_DIFF_RUNS says: the test is that a normal run finds it.
  const saved = process.env.TWINPLANE_DIFF_RUNS;
  delete process.env.TWINPLANE_DIFF_RUNS;
  try {
    runDiffProperty(cfg(name), agentArb(100), agentCheck(suite));
  } catch (e) {
    return (e as Error).message;
  } finally {
    if (saved !== undefined) process.env.TWINPLANE_DIFF_RUNS = saved;
  }
  return '';
}

function pcapOf(report: string): string {
  return /capture:\s+(\S+)/.exec(report)?.[1] ?? '';
}

describeBpf('broken programs are caught', () => {
  const cleanup: Array<() => void> = [];
  afterAll(() => {
    for (const f of cleanup.reverse()) f();
  });

  it('a wrong inner TTL decrement: found, shrunk to one routed packet', () => {
    const report = catchMismatch(MUTATIONS.ttlTwice, 'ttl-twice', cleanup);
    expect(report).toContain('MISMATCH');
    // The field-level diff names the inner TTL (and the checksum that follows it).
    expect(report).toMatch(/\| ttl\s+\|/);
    expect(existsSync(pcapOf(report))).toBe(true);
    // Shrunk: the failing batch is one case.
    expect(report).toMatch(/"cases":\[\{|case \{/);
  });

  it('a missing VNI in the agent_local key: found, shrunk, both traces shown', () => {
    const report = catchMismatch(MUTATIONS.noVniLocal, 'no-vni-local', cleanup);
    expect(report).toContain('MISMATCH');
    expect(report).toMatch(/reason: model DELIVERED_LOCAL/);
    expect(report).toContain('decision points:');
    expect(existsSync(pcapOf(report))).toBe(true);
  });

  it('a learnt write the model does not make: the record counts it, the case shows the entry', () => {
    const report = catchMismatch(MUTATIONS.learnSelf, 'learn-self', cleanup);
    expect(report).toContain('MISMATCH');
    // One write more in the kernel, named by the record before any map is read.
    expect(report).toMatch(/learnt-map writes: model (\d+), kernel (\d+)/);
    const [, m, k] = /learnt-map writes: model (\d+), kernel (\d+)/.exec(report)!;
    expect(Number(k)).toBe(Number(m) + 1);
    expect(report).toMatch(/ep_cache: kernel has \{vni=\d+ ip=[\d.]+\} -> \{ip=[\d.]+ mac=[0-9a-f:]+\}, model has no such entry/);
  });

  it('the same write behind the record: found by the end-of-batch read, traced to its case', () => {
    const report = catchMismatch(MUTATIONS.learnSelfUncounted, 'learn-self-uncounted', cleanup);
    expect(report).toContain('MISMATCH');
    // Replayed case by case: an agent frame tail-called into this host's transit.
    expect(report).toMatch(/case \d+ of its batch left learnt entries behind/);
    expect(report).toMatch(/agent_tail_call\s+agent_tail_call/);
    expect(report).toMatch(/ep_cache: kernel has \{vni=\d+ ip=[\d.]+\} -> \{ip=[\d.]+ mac=[0-9a-f:]+\}, model has no such entry/);
  });
});
