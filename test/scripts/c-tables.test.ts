import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCTables } from '../../scripts/c-tables.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import { POINTS, PROFILE_REASON_IDS, REASONS, RETIRED_POINTS, RETIRED_REASONS, reasonProfile } from '../../model/dataplane/tables.ts';

describe('the shared reason and decision-point table', () => {
  it('bpf/lib/tables.gen.h is exactly what model/dataplane/tables.ts renders', () => {
    const committed = readFileSync(new URL('../../bpf/lib/tables.gen.h', import.meta.url), 'utf8');
    // When this fails: run `npx tsx scripts/gen-c-tables.ts` and commit the header.
    expect(committed).toBe(renderCTables());
  });

  it('reason ids and names are unique and never reuse a retired number', () => {
    const ids = REASONS.map((r) => r.id);
    expect(new Set(ids).size, 'duplicate reason id').toBe(ids.length);
    expect(new Set(REASONS.map((r) => r.name)).size, 'duplicate reason name').toBe(REASONS.length);
    for (const id of RETIRED_REASONS) expect(ids, `retired reason ${id} reused`).not.toContain(id);
  });

  it("reason ids fall in the band of their kind within their profile's range (fwd +0-19, pass +20-39, drop +40)", () => {
    for (const r of REASONS) {
      const p = reasonProfile(r.id);
      const rel = p === undefined ? 0 : p === 'mizar' ? r.id : r.id - PROFILE_REASON_IDS[p][0];
      const band = r.id === 0 ? 'none' : rel < 20 ? 'fwd' : rel < 40 ? 'pass' : 'drop';
      expect(band, `${r.name}=${r.id} is ${r.kind}`).toBe(r.kind);
    }
  });

  it('decision points are unique, fit a u8 and the counters map covers every reason', () => {
    const ids = POINTS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(POINTS.map((p) => p.name)).size).toBe(POINTS.length);
    for (const p of POINTS) expect(p.name.startsWith(p.program + '_'), p.name).toBe(true);
    for (const id of ids) {
      expect(id).toBeGreaterThan(0);
      expect(id).toBeLessThan(256);
    }
    for (const id of RETIRED_POINTS) expect(ids).not.toContain(id);
    expect(Math.max(...REASONS.map((r) => r.id))).toBeLessThan(CONSTS.MAP_COUNTERS);
  });
});
