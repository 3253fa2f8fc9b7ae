// The engine's single hops and walks for the commands that start a frame somewhere other
// than a pod's send: `replay` (each packet of a capture through one host's program) and
// `trace --frame` (one given frame from any interface, followed across the cluster). A frame
// the kernel cannot run gets the model's verdict and the engine's note; the rest goes on.
import type { ControlPlane, Host } from '../model/control/plane.ts';
import type { Engine, EnginePath } from '../harness/engine/engine.ts';
import type { EngineTarget } from '../harness/run/targets.ts';

/** The engine of a target for one host's hops or one frame's walk. */
export async function frameEngine(cp: ControlPlane, target: EngineTarget): Promise<Engine> {
  const { Engine } = await import('../harness/engine/engine.ts');
  return new Engine(cp, target);
}

export interface WalkedFrame {
  readonly path: EnginePath;
  /** One line per hop the kernel could not run. */
  readonly notes: readonly string[];
}

/** Follows `frame` from `start` (a host's underlay NIC or a pod's veth) to its end. */
export function walkFrame(
  engine: Engine,
  start: { host: Host; program: 'agent' | 'transit'; ingress: number },
  frame: Uint8Array,
): WalkedFrame {
  const path = engine.sendFrom(start, frame);
  const notes = path.hops.flatMap((h, i) => (h.note !== undefined ? [`hop ${i + 1} on ${h.host}: ${h.note}`] : []));
  return { path, notes };
}
