// The mismatch report: a field-level diff named by the dissector, both traces side by side,
// the command that reproduces it, and a capture file with the input and both outputs.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frameFieldDiff, mismatchReport, tracesSideBySide } from '../../../harness/diff/report.ts';
import { compareRuns } from '../../../harness/engine/differences.ts';
import { POINT, REASON } from '../../../model/dataplane/tables.ts';
import type { RunResult } from '../../../model/dataplane/verdict.ts';
import type { KernelRun } from '../../../harness/dataplane/instance.ts';
import { ether } from '../../../model/wire/builder.ts';

const frame = (ttl: number): Uint8Array =>
  ether({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' })
    .ipv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl })
    .udp({ sport: 1, dport: 2 })
    .payload('hi')
    .build();

const model = (out: Uint8Array): RunResult => ({
  action: 'TX',
  reason: REASON.BOUNCE_TO_HOST,
  target: 0,
  output: out,
  points: [POINT.transit_outer, POINT.transit_bounce],
  lookups: null,
  nPoints: 2,
  updates: [],
  tailCalls: 0,
});
const kernel = (out: Uint8Array, points: number[]): KernelRun => ({
  action: 'TX',
  retval: 3,
  recordAction: 3,
  reason: REASON.BOUNCE_TO_HOST,
  target: 0,
  points,
  nPoints: points.length,
  flags: 0,
  count: 1,
  learnt: 0,
  output: out,
});

describe('mismatch report', () => {
  it('names the differing fields by layer (TTL and the checksum that follows it)', () => {
    const d = frameFieldDiff(frame(64), frame(63));
    expect(d.map((r) => `${r.layer} ${r.field}`)).toEqual(['1:IPv4 ttl', '1:IPv4 checksum']);
    expect(d[0]).toMatchObject({ model: '64', kernel: '63' });
  });

  it('compares output bytes, points and verdicts, and marks where the traces part', () => {
    const m = model(frame(64));
    const k = kernel(frame(63), [POINT.transit_outer, POINT.transit_forward]);
    const diffs = compareRuns(frame(64), m, k);
    expect(diffs.map((x) => x.kind)).toEqual(['points', 'output']);
    expect(tracesSideBySide(m, k).slice(1)).toEqual(['  0  transit_outer   transit_outer', '≠ 1  transit_bounce  transit_forward']);
  });

  it('writes a capture and a one-line reproduction command', () => {
    const m = model(frame(64));
    const k = kernel(frame(63), [POINT.transit_outer, POINT.transit_bounce]);
    const r = mismatchReport({
      suite: 'unit',
      testFile: 'test/x.test.ts',
      testName: "it's",
      seed: 42,
      fcPath: '1:2',
      where: 'unit test',
      input: frame(64),
      model: m,
      kernel: k,
      diffs: compareRuns(frame(64), m, k),
    });
    expect(r.text).toContain(`reproduce: TWINPLANE_SEED=42 TWINPLANE_FC_PATH=1:2 npx vitest run test/x.test.ts -t 'it'\\''s'`);
    expect(r.text).toMatch(/1:IPv4\s+\| ttl\s+\| 64\s+\| 63/);
    expect(existsSync(r.pcapng)).toBe(true);
    expect(readFileSync(r.pcapng).length).toBeGreaterThan(100);
  });
});
