// scripts/mutate-bpf.ts runs each mutant against a list of suites: a renamed test file must
// not silently shrink that list (a missing path would make vitest run nothing, and every
// mutant "survive" or, worse, be counted killed by the error).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUITES, enumerate } from '../../scripts/mutate-bpf.ts';

describe('mutate-bpf', () => {
  it('every suite a mutant runs against exists', () => {
    expect(SUITES.filter((p) => !existsSync(p))).toEqual([]);
  });

  it('enumerates mutants of every data-plane header, each naming its file and line', () => {
    const all = enumerate();
    expect(all.length).toBeGreaterThan(1000);
    expect(new Set(all.map((m) => m.file))).toContain('lib/transit.h');
    for (const m of all.slice(0, 50)) expect(m.line).toBeGreaterThan(0);
  });
});
