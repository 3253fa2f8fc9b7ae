// Replay: the packets of a capture through one host of a scenario, as if they arrived on
// its underlay NIC (transit) or from one of its pods (agent). The host's state is the
// scenario's cluster after its control-plane steps (its sends are not played); it carries
// from packet to packet as on a real host, so learnt entries of packet 1 serve packet 2.
import type { ControlPlane, Host } from '../../model/control/plane.ts';
import { agent, transit } from '../../model/dataplane/dataplane.ts';
import type { RunResult } from '../../model/dataplane/verdict.ts';
import type { EngineTarget } from './targets.ts';
import type { Scenario } from '../scenario/types.ts';
import type { KernelHop } from './engine.ts';
import { applyStep, buildControlPlane } from './world.ts';

export class ReplayError extends Error {}

export interface ReplayPoint {
  readonly host: Host;
  readonly program: 'agent' | 'transit';
  readonly ingress: number;
  /** 'underlay' or 'veth <pod>'. */
  readonly ingressName: string;
}

export interface ReplayResult {
  readonly verdict: RunResult;
  readonly kernel?: KernelHop;
}

export type HopFn = (host: Host, program: 'agent' | 'transit', ingress: number, frame: Uint8Array) => ReplayResult;

/** The cluster after every non-send step of the scenario. */
export function replayCluster(s: Scenario): ControlPlane {
  const cp = buildControlPlane(s);
  for (const step of s.steps) if (step.kind !== 'send') applyStep(cp, step);
  return cp;
}

export function replayPoint(cp: ControlPlane, hostName: string, iface: string): ReplayPoint {
  const host = cp.hosts.get(hostName);
  if (host === undefined) throw new ReplayError(`no host '${hostName}' in the scenario (hosts: ${[...cp.hosts.keys()].join(', ')})`);
  if (iface === 'underlay') return { host, program: 'transit', ingress: host.underlayIfindex, ingressName: 'underlay' };
  const pod = cp.endpoints.get(iface);
  const here = [...(host.veths?.values() ?? [])].map((e) => e.name);
  if (pod === undefined || pod.host !== host) {
    throw new ReplayError(
      `--iface must be 'underlay' or a pod on ${host.name} (${here.length ? here.join(', ') : 'it has none'}), not '${iface}'`,
    );
  }
  return { host, program: 'agent', ingress: pod.ifindex, ingressName: `veth ${pod.name}` };
}

export const modelHop: HopFn = (host, program, ingress, frame) => ({
  verdict: program === 'agent' ? agent(host.state, frame, ingress) : transit(host.state, frame, ingress),
});

/** The hop function for a target: the model, or a kernel engine's hop (loaded lazily). */
export async function replayHop(cp: ControlPlane, target: EngineTarget): Promise<{ hop: HopFn; close(): void }> {
  if (target === 'model') return { hop: modelHop, close() {} };
  const { KernelEngine } = await import('./xdp-engine.ts');
  const eng = new KernelEngine(cp, target);
  eng.sync();
  return { hop: (h, p, i, f) => eng.hop(h, p, i, f), close: () => eng.close() };
}
