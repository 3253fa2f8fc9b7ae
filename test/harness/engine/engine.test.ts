// The one engine against deliberately broken kernels: a learnt write the record counts is
// caught on its hop; one made behind the record's back is caught at the end of the batch and
// traced to the packet that left it, including after batches the engine ended by itself.
import { afterAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { MUTATIONS, type Mutant, type SourceMutation, buildMutant } from '../../../harness/diff/mutant.ts';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import type { ScenarioRunDoc } from '../../../report/json-schema/run-doc.ts';

/**
 * transit_learn also learns when the host-location option names this host, and hides it:
 * the write goes through verdict_learn, whose count is then put back. Only the stray entry
 * differs, so only the end of the batch can see it.
 */
const STRAY_UNCOUNTED: SourceMutation = {
  name: 'ep_cache learnt for this host too, the count put back',
  file: 'lib/transit.h',
  find: /if \(!t->g\.have_hl \|\| is_me\(t, t->g\.hl\.ip\)\)\s*return;([\s\S]*?)(verdict_learn\(v, [^;]*\);)/,
  replace: 'if (!t->g.have_hl) return;$1if (is_me(t, t->g.hl.ip)) { __u32 was = v->learnt; $2 v->learnt = was; return; } $2',
};

const built: Mutant[] = [];
afterAll(() => {
  for (const m of built) m.remove();
});

function onMutant(mutation: SourceMutation, file: string, batchSends?: number): ScenarioRunDoc {
  const m = buildMutant(mutation);
  built.push(m);
  return runScenario(loadScenario(file), {
    target: 'both',
    probe: false,
    engine: (cp) => new Engine(cp, 'both', { object: m.object, ...(batchSends !== undefined ? { batchSends } : {}) }),
  });
}

/** The packet a run's batch check names, and that check. */
function batchCulprit(r: ScenarioRunDoc): { packet: number; message: string } | undefined {
  const c = r.checks.find((x) => x.id.startsWith('mismatch[batch'));
  const m = c !== undefined ? /packet (\d+) left the difference/.exec(c.name) : null;
  return c !== undefined && m !== null ? { packet: Number(m[1]), message: c.message ?? '' } : undefined;
}

describeBpf('the engine against broken kernels', () => {
  let counted: ScenarioRunDoc;
  it('a counted stray learnt write fails its own hop, named by the record', () => {
    counted = onMutant(MUTATIONS.learnSelf, 'scenarios/demo.yaml');
    const hops = counted.checks.filter((c) => c.kind === 'mismatch' && !c.id.startsWith('mismatch[batch'));
    expect(hops.length).toBe(1);
    expect(hops[0].message).toMatch(
      /^learnt-map writes: model (\d+), kernel (\d+); ep_cache: kernel has \{vni=\d+ ip=[\d.]+\} -> .*, model has no such entry$/,
    );
  });

  it('an uncounted one passes every hop, is found at the end of the batch and named by its packet', () => {
    const r = onMutant(STRAY_UNCOUNTED, 'scenarios/demo.yaml');
    expect(r.checks.filter((c) => c.kind === 'mismatch' && !c.id.startsWith('mismatch[batch'))).toEqual([]);
    const culprit = batchCulprit(r);
    expect(culprit).toBeDefined();
    expect(culprit!.message).toMatch(/^node-\d: ep_cache: kernel has .*, model has no such entry$/);
    // The same packet as the counted write's hop.
    const hop = /^mismatch\[(\d+)\./.exec(counted.checks.find((c) => c.kind === 'mismatch')!.id)!;
    expect(culprit!.packet).toBe(Number(hop[1]));
    expect(r.packets.find((p) => p.id === culprit!.packet)).toBeDefined();

    // Batches the engine ends by itself (every 5 sends here) name the same packet.
    const small = onMutant(STRAY_UNCOUNTED, 'scenarios/demo.yaml', 5);
    expect(batchCulprit(small)?.packet).toBe(culprit!.packet);
  });
});
