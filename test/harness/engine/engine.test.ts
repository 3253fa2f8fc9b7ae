// The one engine against deliberately broken kernels: a learnt write the record counts is
// caught on its hop; one made behind the record's back is caught at the end of the batch and
// traced to the packet that left it, including after batches the engine ended by itself, and
// the run goes on from the model's state at the batch's end.
// And a correct kernel holding more learnt entries in one VPC than the suites' small
// partitions: the engine's kernel evicts where the model does, at the spec's sizes.
import { afterAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { MUTATIONS, type Mutant, type SourceMutation, buildMutant } from '../../../harness/diff/mutant.ts';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import type { ScenarioRunDoc } from '../../../report/json-schema/run-doc.ts';
import { ControlPlane } from '../../../model/control/plane.ts';
import { icmpEcho } from '../../../model/cluster/frames.ts';
import { LEARNT_MAP_ENTRIES } from '../../../harness/dataplane/instance.ts';
import { type LearntBytes, modelLearnt } from '../../../harness/dataplane/mapwriter.ts';

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

function onMutant(mutation: SourceMutation, file: string, batchSends?: number, planes?: ControlPlane[]): ScenarioRunDoc {
  const m = buildMutant(mutation);
  built.push(m);
  return runScenario(loadScenario(file), {
    target: 'both',
    probe: false,
    engine: (cp) => {
      planes?.push(cp);
      return new Engine(cp, 'both', { object: m.object, ...(batchSends !== undefined ? { batchSends } : {}) });
    },
  });
}

/** Every host's learnt entries in the model, as hex, by host. */
function learntOf(cp: ControlPlane): Record<string, LearntBytes> {
  return Object.fromEntries([...cp.hosts.values()].map((h) => [h.name, modelLearnt(h.state)]));
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
    const planes: ControlPlane[] = [];
    const r = onMutant(STRAY_UNCOUNTED, 'scenarios/demo.yaml', undefined, planes);
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

    // The search for the culprit replays its batch and stops there; the run goes on from where
    // the model ended the batch, so the model's learnt state at the end is the model-only
    // run's (it once was the state just after the culprit).
    const alone: ControlPlane[] = [];
    runScenario(loadScenario('scenarios/demo.yaml'), {
      target: 'model',
      probe: false,
      engine: (cp) => {
        alone.push(cp);
        return new Engine(cp, 'model');
      },
    });
    expect(learntOf(planes[0])).toEqual(learntOf(alone[0]));
  });
});

describeBpf("the engine at the spec's learnt-map sizes", () => {
  it("one VPC learning more locations on a host than the suites' partitions hold: no difference", () => {
    // 1,100 senders on six hosts echo one pod on h2, whose transit learns each sender's
    // location: past LEARNT_MAP_ENTRIES and past the 1,024 the engine's kernel once held
    // (the model then had entries its kernel had evicted), below the spec's 4,096.
    const n = 1100;
    expect(n).toBeGreaterThan(Math.max(LEARNT_MAP_ENTRIES, 1024));
    const cp = new ControlPlane();
    for (let i = 1; i <= 8; i++) cp.createHost({ name: `h${i}`, ip: `10.0.0.${i}`, mac: `02:00:00:00:00:0${i}` });
    cp.createVpc({ name: 'v', vni: 100, cidr: '10.8.0.0/16' });
    cp.createNetwork({ name: 'n', vpc: 'v', cidr: '10.8.0.0/20', bouncers: ['h3'] });
    cp.createEndpoint({ name: 'dst', network: 'n', ip: '10.8.15.250', host: 'h2' });
    const senders = ['h1', 'h4', 'h5', 'h6', 'h7', 'h8'];
    for (let i = 0; i < n; i++) {
      cp.createEndpoint({ name: `p${i}`, network: 'n', ip: `10.8.${(i + 10) >> 8}.${(i + 10) & 0xff}`, host: senders[i % senders.length] });
    }
    const e = new Engine(cp, 'both');
    try {
      const dst = cp.endpoint('dst');
      let bad = 0;
      for (let i = 0; i < n; i++) {
        if (e.send(`p${i}`, icmpEcho(e.cluster, `p${i}`, dst.ip, { dstMac: dst.mac }), { traced: false }).firstBad >= 0) bad++;
      }
      expect(bad).toBe(0);
      expect(cp.host('h2').state.map('ep_cache').size).toBe(n);
      expect(e.endBatch().flatMap((f) => f.diffs.map((d) => d.text))).toEqual([]);
    } finally {
      e.close();
    }
  });
});
