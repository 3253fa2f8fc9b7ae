// One worker of a parallel verify: loads the scenario itself, verifies its share of the
// sources (a shard of the run's shard) and posts the result, with progress on the way.
import { parentPort, workerData } from 'node:worker_threads';
import { loadScenario } from '../scenario/load.ts';
import { assertionsOf } from './assertions-of.ts';
import { type VerifyOptions, verifyScenario } from './verifier.ts';

type Data = {
  file: string;
  opts: Omit<VerifyOptions, 'onProgress' | 'reproduce' | 'plant' | 'mergeForTest' | 'assertions'>;
  reproduceBase: string;
};
const { file, opts, reproduceBase } = workerData as Data;
const s = loadScenario(file);
const doc = verifyScenario(s, {
  ...opts,
  assertions: assertionsOf(s),
  onProgress: (checkpoint, classes) => parentPort!.postMessage({ t: 'progress', checkpoint, classes }),
  reproduce: (id, k) => `${reproduceBase} --class '${id.replace(/'/g, "'\\''")}' --checkpoint ${k}`,
});
parentPort!.postMessage({ t: 'done', doc });
