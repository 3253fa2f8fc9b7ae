// One worker of the all-CPU differential figure: pinned to its CPU, in its own network
// namespace, with its own instances of every host. It warms up, says ready, then on each
// {program, ms} message runs comparisons for that long and reports how many it made.
import { parentPort, workerData } from 'node:worker_threads';
import { type BenchProgram, buildWorkload, compareMany } from './diff-workload.ts';

const { cpu, slot, workers } = workerData as { cpu: number; slot: number; workers: number };
const w = buildWorkload(`bench-w${cpu}`, cpu);
for (const p of ['agent', 'transit'] as const) compareMany(w, p, slot, workers, 20_000);
parentPort!.postMessage({ t: 'ready' });
parentPort!.on('message', (m: { program: BenchProgram; ms: number } | { t: 'exit' }) => {
  if ('t' in m) {
    for (const i of w.instances) i.close();
    process.exit(0);
  }
  let n = 0;
  let bad = 0;
  const start = performance.now();
  let now = start;
  // Interleaved with the other workers over one case list (slot, slot + workers, ...).
  while (now - start < m.ms) {
    bad += compareMany(w, m.program, slot + n * workers, workers, 500);
    n += 500;
    now = performance.now();
  }
  parentPort!.postMessage({ t: 'done', n, bad, ms: now - start });
});
