// verify's figures (issue 15): the demo scenario exhaustive on target both; a generated
// 20-host / 10-VPC (overlapping CIDRs) / 1,000-pod cluster with services exhaustive on the
// model, with its peak RSS; the same cluster's rate in the kernel (a shard of it, target
// both); classes, frames and hops per second for each. Figures only: nothing here asserts a
// time. BPF figures are skipped, and said so, without root.
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../harness/scenario/load.ts';
import { verifyParallel } from '../harness/verify/parallel.ts';
import { verifyScenario } from '../harness/verify/verifier.ts';
import type { ScenarioVerifyDoc } from '../report/json-schema/verify-doc.ts';
import { emit, note } from './emit.ts';
import { verifyClusterYaml } from './verify-cluster.ts';

const bench = 'verify';
const canBpf = process.getuid?.() === 0 && process.env.TWINPLANE_MODEL_ONLY !== '1';

function figures(what: string, d: ScenarioVerifyDoc, seconds: number, params: Record<string, string | number | boolean>): void {
  // A cluster the control plane refuses verifies nothing: that is a broken bench, not a figure.
  if (d.classes === 0) throw new Error(`${what}: no class was verified (${d.violations.map((v) => v.message).join('; ')})`);
  emit({ bench, metric: `${what}_seconds`, value: Number(seconds.toFixed(2)), unit: 's', params });
  emit({ bench, metric: `${what}_classes`, value: d.classes, unit: 'classes', params });
  emit({ bench, metric: `${what}_classes_per_sec`, value: Math.round(d.classes / seconds), unit: 'classes/s', params });
  emit({ bench, metric: `${what}_frames_per_sec`, value: Math.round(d.frames / seconds), unit: 'frames/s', params });
  emit({ bench, metric: `${what}_hops_per_sec`, value: Math.round(d.hops / seconds), unit: 'hops/s', params });
  note(
    `${what}: ${d.classes.toLocaleString('en-US')} classes, ${d.frames.toLocaleString('en-US')} frames, ${d.hops.toLocaleString('en-US')} hops in ${seconds.toFixed(1)} s; ${d.violationCount} violations, ${d.knownCount} known findings`,
  );
}

const jobs = availableParallelism();
const dir = mkdtempSync(join(tmpdir(), 'twinplane-verify-bench-'));
try {
  if (canBpf) {
    const demo = loadScenario('scenarios/demo.yaml');
    const t = performance.now();
    const d = verifyScenario(demo, { target: 'both' });
    figures('demo_both', d, (performance.now() - t) / 1000, { target: 'both', checkpoints: d.checkpoints.length, threads: 1 });
  } else note('demo_both: skipped (BPF needs root; run as root for the kernel figures)');

  const file = join(dir, 'verify-cluster.yaml');
  writeFileSync(file, verifyClusterYaml());
  const s = loadScenario(file);
  const params = { hosts: s.hosts.length, vpcs: s.vpcs.length, pods: s.endpoints.length, services: s.services.length, threads: jobs };
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const d = await verifyParallel(file, { target: 'model', reproduceBase: 'twinplane verify verify-cluster.yaml' }, jobs);
  figures('cluster_1000_model', d, (performance.now() - t) / 1000, { ...params, target: 'model' });
  // CPU time of every thread: with the machine shared, wall time alone says little.
  const cpu = process.cpuUsage(cpu0);
  emit({ bench, metric: 'cluster_1000_model_cpu_seconds', value: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)), unit: 's', params });
  // Worker threads live in this process: its peak RSS covers them all.
  emit({ bench, metric: 'cluster_1000_model_peak_rss', value: Math.round(process.resourceUsage().maxRSS / 1024), unit: 'MiB', params });

  if (canBpf) {
    // The kernel's rate on the same cluster: one shard of twenty (its share of pods and hosts).
    // One thread: kernel instances are loaded per thread, and verify keeps kernel runs on one.
    const tk = performance.now();
    const k = verifyScenario(s, { target: 'both', flood: 0, shard: { index: 1, count: 20 } });
    figures('cluster_1000_both_shard', k, (performance.now() - tk) / 1000, { ...params, threads: 1, target: 'both', shard: '1/20' });
  } else note('cluster_1000_both_shard: skipped (BPF needs root)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
