// What "the kernel agrees with the model" means for one program run (docs section 4):
// action, reason, redirect target, the decision points in order, and the output bytes —
// exactly on TX/REDIRECT, equal to the input on PASS, not compared on DROP/ABORTED.
// Map changes are compared by the runners (they own the maps); they add to this list.
import type { RunResult } from '../../model/dataplane/verdict.ts';
import { pointName, reasonName } from '../../model/dataplane/tables.ts';
import type { KernelRun } from '../dataplane/instance.ts';

export type DiffKind =
  'action' | 'reason' | 'target' | 'points' | 'output' | 'pass-output' | 'record' | 'map' | 'counter' | 'crash' | 'hop';

export interface Difference {
  kind: DiffKind;
  /** One sentence, with both values. */
  text: string;
}

/** The actions that leave a frame (a comparison, not a Set lookup: this runs once per hop). */
const sends = (a: string): boolean => a === 'PASS' || a === 'TX' || a === 'REDIRECT';

export function firstByteDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Equal bytes (the same array when the kernel's run shares the model's output: instance.ts). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.length === b.length && Buffer.compare(a, b) === 0);
}

export const tracePoints = (ids: readonly number[]): string => ids.map(pointName).join(' > ');

function samePoints(model: RunResult, kernel: KernelRun): boolean {
  const m = model.points;
  const k = kernel.points;
  if (model.nPoints !== kernel.nPoints || m.length !== k.length) return false;
  for (let i = 0; i < m.length; i++) if (m[i] !== k[i]) return false;
  return true;
}

/**
 * Differences between one model run and one kernel run of the same program on the same
 * input, appended to `out` (a new list when absent), which is returned.
 */
export function compareRuns(input: Uint8Array, model: RunResult, kernel: KernelRun, out: Difference[] = []): Difference[] {
  if (model.action !== kernel.action) out.push({ kind: 'action', text: `action: model ${model.action}, kernel ${kernel.action}` });
  if (model.reason !== kernel.reason) {
    out.push({
      kind: 'reason',
      text: `reason: model ${reasonName(model.reason)} (${model.reason}), kernel ${reasonName(kernel.reason)} (${kernel.reason})`,
    });
  }
  const kTarget = kernel.action === 'REDIRECT' ? kernel.target : 0;
  if (model.target !== kTarget || (kernel.action !== 'REDIRECT' && kernel.target !== 0)) {
    out.push({ kind: 'target', text: `redirect target: model ${model.target}, kernel ${kernel.target} (action ${kernel.action})` });
  }
  if (kernel.recordAction !== kernel.retval) {
    out.push({
      kind: 'record',
      text: `kernel verdict record says action ${kernel.recordAction} but the program returned ${kernel.retval}`,
    });
  }
  if (!samePoints(model, kernel)) {
    const mIds = model.points;
    out.push({
      kind: 'points',
      text: `decision points: model [${tracePoints(mIds)}] (${model.nPoints}), kernel [${tracePoints(kernel.points)}] (${kernel.nPoints})`,
    });
  }
  if (model.updates.length !== kernel.learnt) {
    out.push({ kind: 'map', text: `learnt-map writes: model ${model.updates.length}, kernel ${kernel.learnt}` });
  }
  if (kernel.action === 'PASS' && !bytesEqual(kernel.output, input)) {
    out.push({
      kind: 'pass-output',
      text: `kernel PASSed a frame that differs from its input at byte ${firstByteDiff(input, kernel.output)} (PASS must leave the frame untouched)`,
    });
  }
  if (sends(model.action) && sends(kernel.action) && model.output !== null && !bytesEqual(model.output, kernel.output)) {
    const at = firstByteDiff(model.output, kernel.output);
    out.push({
      kind: 'output',
      text: `output frame differs at byte ${at} (model ${model.output.length} bytes, kernel ${kernel.output.length} bytes)`,
    });
  }
  return out;
}

/** Differences between two learnt-map snapshots (encoded keys and values, per map). */
export function compareLearnt(
  model: Record<string, Map<string, string>>,
  kernel: Record<string, Map<string, string>>,
  decode?: (map: string, keyHex: string, valueHex: string | undefined) => string,
): Difference[] {
  const out: Difference[] = [];
  const show = (map: string, k: string, v: string | undefined): string => (decode ? decode(map, k, v) : `${k} -> ${v ?? 'absent'}`);
  for (const name of Object.keys(model)) {
    const m = model[name];
    const k = kernel[name] ?? new Map<string, string>();
    for (const [key, v] of m) {
      const kv = k.get(key);
      if (kv === undefined) out.push({ kind: 'map', text: `${name}: model has ${show(name, key, v)}, kernel has no such entry` });
      else if (kv !== v) out.push({ kind: 'map', text: `${name}: model ${show(name, key, v)}, kernel ${show(name, key, kv)}` });
    }
    for (const [key, kv] of k)
      if (!m.has(key)) out.push({ kind: 'map', text: `${name}: kernel has ${show(name, key, kv)}, model has no such entry` });
  }
  return out;
}
