// verify on every CPU: the run's sources split once more, round-robin, over worker threads
// (each loads the scenario, builds its own cluster and kernel instances, and verifies its
// share), the shares joined as --merge joins shards. The per-scenario checks (state from
// scratch, the flood) run in the share that is shard 1.
import { Worker } from 'node:worker_threads';
import type { ScenarioVerifyDoc, VerifyDoc } from '../../report/json-schema/verify-doc.ts';
import { VERIFY_DOC_VERSION } from '../../report/json-schema/verify-doc.ts';
import { mergeDocs } from './merge.ts';
import type { VerifyOptions } from './verifier.ts';

export interface ParallelOptions extends Omit<VerifyOptions, 'onProgress' | 'reproduce' | 'plant' | 'mergeForTest' | 'assertions'> {
  /** The command up to the class and checkpoint flags, for the reproducing command. */
  readonly reproduceBase: string;
}

// tsx's loader hooks are per thread: the worker registers them before importing its module.
const boot = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(new URL('./verify-worker.ts', import.meta.url).href)});`;

/** Verifies scenario `file` with `jobs` workers; the result as one shard of the run's own. */
export async function verifyParallel(
  file: string,
  opts: ParallelOptions,
  jobs: number,
  onProgress?: (classes: number) => void,
): Promise<ScenarioVerifyDoc> {
  const outer = opts.shard ?? { index: 1, count: 1 };
  const seen = new Array<number>(jobs).fill(0);
  const docs = await Promise.all(
    [...Array(jobs).keys()].map(
      (j) =>
        new Promise<ScenarioVerifyDoc>((resolve, reject) => {
          // Shard i of n, split j of J: every (n·J)-th source from ((i-1)·J + j).
          const shard = { index: (outer.index - 1) * jobs + j + 1, count: outer.count * jobs };
          const { reproduceBase, ...rest } = opts;
          const w = new Worker(boot, { eval: true, workerData: { file, opts: { ...rest, shard }, reproduceBase } });
          w.on('message', (m: { t: 'progress'; classes: number } | { t: 'done'; doc: ScenarioVerifyDoc }) => {
            if (m.t === 'progress') {
              seen[j] = m.classes;
              onProgress?.(seen.reduce((a, b) => a + b, 0));
            } else resolve(m.doc);
          });
          w.on('error', reject);
          w.on('exit', (code) => {
            if (code !== 0) reject(new Error(`verify worker ${j + 1} of ${jobs} exited with ${code}`));
          });
        }),
    ),
  );
  const wrap = (d: ScenarioVerifyDoc, j: number): { file: string; doc: VerifyDoc } => ({
    file: `worker ${j + 1}`,
    doc: {
      version: VERIFY_DOC_VERSION,
      target: opts.target,
      seed: opts.seed ?? 1,
      samples: opts.samples ?? 0,
      shard: { index: j + 1, count: jobs },
      ok: d.ok,
      scenarios: [d],
    },
  });
  const merged = mergeDocs(docs.map(wrap)).scenarios[0];
  // Wall time of the whole, not the slowest share's own.
  merged.seconds = Math.max(...docs.map((d) => d.seconds));
  return merged;
}
