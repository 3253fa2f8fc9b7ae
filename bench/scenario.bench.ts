// Scenarios at scale, each point in a fresh process: the all-pairs invariants of a generated
// 20-host / 10-VPC (one CIDR) scenario at 100, 500 and 1,000 pods on the model and on both
// (pairs per second of the probe phase, the median of ROUNDS runs; peak RSS, the largest;
// and how the rate moves from one size to the next), and a 300,000-packet run with every
// packet streamed to its report (peak RSS must stay flat: nothing is held per packet).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emit, median, note } from './emit.ts';
import { V8_FLAGS } from '../cli/v8-flags.ts';

const child = fileURLToPath(new URL('./scenario-child.ts', import.meta.url));
const BENCH = 'scenario';

function point(args: string[]): Record<string, number | string> {
  const r = spawnSync(process.execPath, [...V8_FLAGS, '--import', 'tsx', child, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`scenario-child ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | string>;
}

// Each pairs point runs ROUNDS times, the sizes interleaved and their order rotated each
// round, and its median counts: this machine's speed moves by 20-30% over minutes, and one
// run per size cannot tell a rate that falls with size from a slow minute. The ratios of
// neighbouring sizes' medians say whether the rate falls (below 1).
const ROUNDS = Number(process.env.TWINPLANE_BENCH_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  process.stderr.write(
    `bench scenario: TWINPLANE_BENCH_ROUNDS must be a whole number of rounds, 1 or more (got ${process.env.TWINPLANE_BENCH_ROUNDS})\n`,
  );
  process.exit(2);
}
const SIZES = [100, 500, 1000];
const TARGETS = ['model', 'both'] as const;
const runs = new Map<string, Array<Record<string, number | string>>>();
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < SIZES.length; i++) {
    const pods = SIZES[(i + r) % SIZES.length];
    for (const target of TARGETS) {
      const f = point(['pairs', String(pods), target]);
      const key = `${target}_${pods}`;
      runs.set(key, [...(runs.get(key) ?? []), f]);
      note(
        `round ${r + 1}/${ROUNDS}, ${target}, ${pods} pods: ${f.pairs} pairs in ${Number(f.seconds).toFixed(1)} s = ${f.pairsPerSec} pairs/s ` +
          `(CPU per pair: ${f.userUsPerPair} us user, ${f.systemUsPerPair} us system), peak RSS ${f.peakRssMiB} MiB`,
      );
    }
  }
}
for (const target of TARGETS) {
  const rates = SIZES.map((pods) => median(runs.get(`${target}_${pods}`)!.map((f) => Number(f.pairsPerSec))));
  SIZES.forEach((pods, i) => {
    const fs = runs.get(`${target}_${pods}`)!;
    const params = {
      pods,
      target,
      pairs: fs[0].pairs,
      failedChecks: Math.max(...fs.map((f) => Number(f.failed))),
      rounds: ROUNDS,
      perRound: fs.map((f) => Number(f.pairsPerSec)).join(' '),
      // The probe phase's CPU time per pair, medians: user is the JavaScript (model, engine,
      // compare), system mostly the kernel's test runs; which one grows with size says where
      // a falling rate comes from.
      userUsPerPair: median(fs.map((f) => Number(f.userUsPerPair))),
      systemUsPerPair: median(fs.map((f) => Number(f.systemUsPerPair))),
    };
    emit({ bench: BENCH, metric: `all_pairs_per_sec_${target}_${pods}_pods`, value: Math.round(rates[i]), unit: 'pairs/s', params });
    emit({
      bench: BENCH,
      metric: `all_pairs_peak_rss_${target}_${pods}_pods`,
      value: Math.max(...fs.map((f) => Number(f.peakRssMiB))),
      unit: 'MiB',
      params,
    });
  });
  for (let i = 1; i < SIZES.length; i++) {
    const ratio = rates[i] / rates[i - 1];
    emit({
      bench: BENCH,
      metric: `all_pairs_rate_ratio_${target}_${SIZES[i]}_to_${SIZES[i - 1]}_pods`,
      value: Number(ratio.toFixed(3)),
      unit: 'ratio',
      params: { rounds: ROUNDS, note: 'median rate at the larger size over the smaller; below 1 the rate falls with size' },
    });
  }
  note(`${target}: median pairs/s ${SIZES.map((p, i) => `${p} pods ${Math.round(rates[i])}`).join(', ')} (${ROUNDS} rounds)`);
}
for (const target of ['model', 'both']) {
  const f = point(['flood', '300000', target]);
  const params = { target, packets: f.packets, seconds: Number(Number(f.seconds).toFixed(1)), exit: f.code };
  emit({ bench: BENCH, metric: `streamed_run_peak_rss_${target}`, value: Number(f.peakRssMiB), unit: 'MiB', params });
  emit({ bench: BENCH, metric: `streamed_run_packets_per_sec_${target}`, value: Number(f.packetsPerSec), unit: 'packets/s', params });
  note(
    `${target}: ${f.packets} packets streamed to run.json and run.pcapng in ${Number(f.seconds).toFixed(1)} s, peak RSS ${f.peakRssMiB} MiB`,
  );
}
