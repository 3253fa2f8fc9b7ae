// What binding hot imports to locals buys, under each runner the model runs in: tsx (the CLI
// and these benchmarks: esbuild emits plain calls to imported functions) and vitest (the
// suites: its transform turns every imported binding into a property read on the module).
// Both loops run in both; the figures say where, if anywhere, the idiom pays.
//
// What they said (2026-12, 2 vCPU): under tsx a call through the import costs what one
// through a local does (0.99-1.3x, within noise) and the model's runs/s do not move, so
// model/ uses plain named imports; under vitest a local is 2.3x faster per call and the
// model runs 2.6-3.7x slower than under tsx. We do not shape the product's code for the
// test runner's transform: the figures the issue sets are tsx's (CLI, demo, benches), and
// the suites run to fixed case budgets, so a slower model under vitest costs test time, not
// coverage (how much of a suite's time is the model under vitest is not measured here).
// This bench keeps the trade visible.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emit, note } from './emit.ts';
import { measure } from './import-binding-loops.ts';

const BENCH = 'import-binding';
const figures = measure().map((f) => ({ ...f, runner: 'tsx' }));
const root = fileURLToPath(new URL('..', import.meta.url));
const r = spawnSync(
  process.execPath,
  [
    fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url)),
    'run',
    '--root',
    root,
    '--config',
    'bench/vitest.bench.config.ts',
    '--reporter',
    'dot',
  ],
  { encoding: 'utf8', cwd: root },
);
for (const line of r.stdout.split('\n')) if (line.startsWith('FIGURE ')) figures.push(JSON.parse(line.slice(7)));
if (!figures.some((f) => f.runner === 'vitest'))
  throw new Error(`vitest produced no figures: ${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`);
for (const f of figures)
  emit({ bench: BENCH, metric: `${f.metric}_${f.runner}`, value: f.value, unit: f.metric.endsWith('runs_per_sec') ? 'runs/s' : 'calls/s' });
for (const runner of ['tsx', 'vitest']) {
  const get = (m: string): number => figures.find((f) => f.runner === runner && f.metric === m)!.value;
  const gain = get('call_via_local_per_sec') / get('call_via_import_per_sec');
  emit({ bench: BENCH, metric: `local_over_import_${runner}`, value: Number(gain.toFixed(2)), unit: 'ratio' });
  note(
    `${runner}: a call through a local binding is ${gain.toFixed(2)}x one through the import; the model runs ${get('model_runs_per_sec')} runs/s`,
  );
}
