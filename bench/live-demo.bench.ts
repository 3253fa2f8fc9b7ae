// The demo scenario live: the overlay's set-up (namespaces, veths, instances, map writes,
// attach, taps, echo servers) and teardown, and live sends per second — sends of the demo's
// own kinds played end to end (the pod's kernel or the model's frames injected, taps,
// counters, the three-way comparison), on the demo overlay. Needs root; everything lives
// under one run prefix, removed in `finally`.
import { emit, median, note } from './emit.ts';
import { runScenario } from '../harness/run/scenario-run.ts';
import { engineFor } from '../harness/run/targets.ts';
import { closeRun, openRun } from '../harness/live/lifecycle.ts';
import { runLiveSend } from '../harness/live/live-send.ts';
import { scenarioPorts } from '../harness/live/live-run.ts';
import { LiveOverlay } from '../harness/live/overlay.ts';
import { loadScenario } from '../harness/scenario/load.ts';
import type { SendStep } from '../harness/scenario/types.ts';

const s = loadScenario('scenarios/demo.yaml');
const round = (x: number): number => Number(x.toFixed(2));
const BUILDS = 3;
const ROUNDS = 40;
// The demo's answered sends before its first provision step (ping within a subnet, across
// subnets), round after round: the model runs that sequence first, so each send's
// prediction meets the state the earlier ones left (ARP caches, learnt locations), as live.
const firstProvision = s.steps.findIndex((x) => x.kind !== 'send');
const early = s.steps.slice(0, firstProvision).filter((x): x is SendStep => x.kind === 'send' && x.expect.delivered !== false);
const repeated = { ...s, steps: Array.from({ length: ROUNDS }, () => early).flat() };
const both = await engineFor('both');
if (!both.ok) throw new Error(both.reason);
const doc = runScenario(repeated, { engine: both.factory, target: 'both', probe: false });
const packets = (i: number) => doc.packets.filter((p) => doc.sends[i].packets.includes(p.id));

const setup: number[] = [];
const teardown: number[] = [];
for (let b = 0; b < BUILDS; b++) {
  const prefix = openRun();
  let o: LiveOverlay | undefined;
  const t0 = performance.now();
  try {
    o = LiveOverlay.build(s, prefix);
    const ports = scenarioPorts(s);
    o.serve('udp', ports.udp);
    o.serve('tcp', ports.tcp);
    setup.push(performance.now() - t0);
    if (b === BUILDS - 1) {
      // Sends per second, each played end to end and compared three ways.
      let n = 0;
      let bad = 0;
      const start = performance.now();
      for (const [i, st] of repeated.steps.entries()) {
        const r = await runLiveSend(o, st, i, packets(i));
        n++;
        if (!r.ok) bad++;
      }
      const ms = performance.now() - start;
      emit({
        bench: 'live-demo',
        metric: 'sends_per_s',
        value: round((n * 1000) / ms),
        unit: 'sends/s',
        params: { sends: n, failed: bad },
      });
    }
  } finally {
    const t1 = performance.now();
    try {
      o?.close();
    } finally {
      closeRun(prefix);
    }
    teardown.push(performance.now() - t1);
  }
}
note(`live-demo: ${BUILDS} builds of ${s.hosts.length} hosts and ${s.endpoints.length} pods`);
emit({ bench: 'live-demo', metric: 'setup_ms', value: round(median(setup)), unit: 'ms', params: { builds: BUILDS, stat: 'median' } });
emit({ bench: 'live-demo', metric: 'teardown_ms', value: round(median(teardown)), unit: 'ms', params: { builds: BUILDS, stat: 'median' } });
