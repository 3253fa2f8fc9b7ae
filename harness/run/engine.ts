// Where a runner's packets go. The model engine follows a frame through the model cluster;
// the kernel engines (xdp-engine.ts) run each hop in the host's own BPF instance. The
// runner plays the pods' stacks on top and does not care which engine answers.
import { Cluster, type Hop, type Path } from '../../model/cluster/cluster.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import type { RunTarget } from '../../model/target.ts';

/** What the kernel did on one hop of a `both` run, next to the model's verdict. */
export interface KernelHop {
  readonly action: Hop['verdict']['action'];
  readonly reason: number;
  readonly target: number;
  readonly points: readonly string[];
  readonly output: Uint8Array | null;
  /** Empty when kernel and model agree. */
  readonly mismatches: readonly string[];
}

export interface EngineHop extends Hop {
  kernel?: KernelHop;
}

export interface EnginePath extends Path {
  hops: EngineHop[];
}

export interface Engine {
  readonly target: RunTarget;
  readonly cp: ControlPlane;
  readonly cluster: Cluster;
  send(fromPod: string, frame: Uint8Array): EnginePath;
  /** Called after every control-plane change so kernel maps follow the model's. */
  sync(): void;
  close(): void;
}

export class ModelEngine implements Engine {
  readonly target = 'model' as const;
  readonly cluster: Cluster;
  constructor(readonly cp: ControlPlane) {
    this.cluster = new Cluster(cp);
  }
  send(fromPod: string, frame: Uint8Array): EnginePath {
    return this.cluster.send(fromPod, frame);
  }
  sync(): void {}
  close(): void {}
}
