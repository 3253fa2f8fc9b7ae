// Which engine a target needs, and whether this machine can give it. The kernel is reached
// only when asked for: a model run never loads libbpf.
import type { ControlPlane } from '../../model/control/plane.ts';
import type { Engine } from '../engine/engine.ts';

/** The targets a scenario engine serves (live runs have their own runner, harness/live). */
export const ENGINE_TARGETS = ['model', 'xdp', 'both'] as const;
export type EngineTarget = (typeof ENGINE_TARGETS)[number];

export function isEngineTarget(x: unknown): x is EngineTarget {
  return typeof x === 'string' && (ENGINE_TARGETS as readonly string[]).includes(x);
}

export type EngineChoice = { ok: true; factory: (cp: ControlPlane) => Engine } | { ok: false; reason: string };

export async function engineFor(target: EngineTarget): Promise<EngineChoice> {
  const { Engine } = await import('../engine/engine.ts');
  if (target === 'model') return { ok: true, factory: (cp) => new Engine(cp, 'model') };
  const { checkBpf } = await import('../privileges.ts');
  const bpf = await checkBpf();
  if (!bpf.ok) return { ok: false, reason: `BPF is unavailable: ${bpf.reason}` };
  return { ok: true, factory: (cp) => new Engine(cp, target) };
}
