// Which engine a target needs, and whether this machine can give it. The kernel engines are
// imported only when asked for, so a model run never loads libbpf.
import type { ControlPlane } from '../../model/control/plane.ts';
import type { RunTarget } from '../../report/json-schema/run.ts';
import { type Engine, ModelEngine } from './engine.ts';

export const TARGETS: readonly RunTarget[] = ['model', 'xdp', 'both'];

export function isTarget(x: unknown): x is RunTarget {
  return typeof x === 'string' && (TARGETS as readonly string[]).includes(x);
}

export type EngineChoice = { ok: true; factory: (cp: ControlPlane) => Engine } | { ok: false; reason: string };

export async function engineFor(target: RunTarget): Promise<EngineChoice> {
  if (target === 'model') return { ok: true, factory: (cp) => new ModelEngine(cp) };
  const { checkBpf } = await import('../privileges.ts');
  const bpf = await checkBpf();
  if (!bpf.ok) return { ok: false, reason: `BPF is unavailable: ${bpf.reason}` };
  const { kernelEngineFactory } = await import('./xdp-engine.ts');
  return kernelEngineFactory(target);
}
