// Scenarios at scale, each point in a fresh process: the all-pairs invariants of a generated
// 20-host / 10-VPC (one CIDR) scenario at 100, 500 and 1,000 pods on the model and on both
// (pairs per second of the probe phase, peak RSS), and a 300,000-packet run with every
// packet streamed to its report (peak RSS must stay flat: nothing is held per packet).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emit, note } from './emit.ts';

const child = fileURLToPath(new URL('./scenario-child.ts', import.meta.url));
const BENCH = 'scenario';

function point(args: string[]): Record<string, number | string> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`scenario-child ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | string>;
}

for (const target of ['model', 'both']) {
  for (const pods of [100, 500, 1000]) {
    const f = point(['pairs', String(pods), target]);
    const params = { pods, target, pairs: f.pairs, failedChecks: f.failed, seconds: Number(Number(f.seconds).toFixed(1)) };
    emit({ bench: BENCH, metric: `all_pairs_per_sec_${target}_${pods}_pods`, value: Number(f.pairsPerSec), unit: 'pairs/s', params });
    emit({ bench: BENCH, metric: `all_pairs_peak_rss_${target}_${pods}_pods`, value: Number(f.peakRssMiB), unit: 'MiB', params });
    note(
      `${target}, ${pods} pods: ${f.pairs} pairs in ${Number(f.seconds).toFixed(1)} s = ${f.pairsPerSec} pairs/s, peak RSS ${f.peakRssMiB} MiB`,
    );
  }
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
