// The kernel engines walk a path with the same underlay rules as the model cluster
// (model/cluster/walk.ts); each hop is run by the engine.
import { DEFAULT_HOP_LIMIT } from '../../model/cluster/cluster.ts';
import { walk as walkPath } from '../../model/cluster/walk.ts';
import type { ControlPlane, Host } from '../../model/control/plane.ts';
import type { EngineHop, EnginePath } from './engine.ts';

export type HopRunner = (
  host: Host,
  program: 'agent' | 'transit',
  ingress: number,
  frame: Uint8Array,
) => Omit<EngineHop, 'host' | 'program' | 'ingress' | 'frameIn'>;

export function walk(cp: ControlPlane, fromPod: string, frame: Uint8Array, runHop: HopRunner, hopLimit = DEFAULT_HOP_LIMIT): EnginePath {
  return walkPath<EngineHop>(
    cp,
    fromPod,
    frame,
    (host, program, ingress, input) => {
      const r = runHop(host, program, ingress, input);
      return { hop: { host: host.name, program, ingress, frameIn: input, ...r }, step: r.verdict };
    },
    hopLimit,
  );
}
