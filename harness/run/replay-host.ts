// Replay: the packets of a capture through one host of a scenario, as if they arrived on
// its underlay NIC (transit) or from one of its pods (agent). The host's state is the
// scenario's cluster after its control-plane steps (its sends are not played); it carries
// from packet to packet as on a real host, so learnt entries of packet 1 serve packet 2.
import type { ControlPlane, Host } from '../../model/control/plane.ts';
import { pointName } from '../../model/dataplane/tables.ts';
import type { RunResult } from '../../model/dataplane/verdict.ts';
import { type EngineHop, kernelAsRun } from '../engine/hop.ts';
import type { Scenario } from '../scenario/types.ts';
import type { EngineTarget } from './targets.ts';
import { applyStep, buildControlPlane, isTraffic } from './apply.ts';

export class ReplayError extends Error {}

export interface ReplayPoint {
  readonly host: Host;
  readonly program: 'agent' | 'transit';
  readonly ingress: number;
  /** 'underlay' or 'veth <pod>'. */
  readonly ingressName: string;
}

/** What the kernel did on a replayed packet, next to the model's verdict (target both). */
export interface ReplayKernelVerdict {
  readonly action: RunResult['action'];
  readonly reason: number;
  readonly target: number;
  readonly points: readonly string[];
  readonly output: Uint8Array | null;
  /** Empty when kernel and model agree. */
  readonly mismatches: readonly string[];
}

export interface ReplayResult {
  readonly verdict: RunResult;
  readonly kernel?: ReplayKernelVerdict;
  /** Why the kernel did not run this packet (a frame the test run cannot take): the model's verdict stands. */
  readonly note?: string;
}

export type HopFn = (host: Host, program: 'agent' | 'transit', ingress: number, frame: Uint8Array) => ReplayResult;

/** The cluster after every non-send step of the scenario. */
export function replayCluster(s: Scenario): ControlPlane {
  const cp = buildControlPlane(s);
  for (const step of s.steps) if (!isTraffic(step)) applyStep(cp, step);
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

function replayResult(h: EngineHop): ReplayResult {
  const k = h.model !== null ? h.kernel : null;
  return {
    verdict: h.verdict,
    ...(k !== null
      ? {
          kernel: {
            action: kernelAsRun(k).action,
            reason: k.reason,
            target: k.action === 'REDIRECT' ? k.target : 0,
            points: k.points.map(pointName),
            output: k.action === 'DROP' || k.action === 'ABORTED' ? null : k.output,
            mismatches: h.diffs.map((d) => d.text),
          },
        }
      : {}),
    ...(h.note !== undefined ? { note: h.note } : {}),
  };
}

/**
 * The hop function for a target, on the one engine: the model, the kernel instance of the
 * host (xdp), or both compared. State carries from packet to packet.
 */
export async function replayHop(cp: ControlPlane, target: EngineTarget): Promise<{ hop: HopFn; close(): void }> {
  const { Engine } = await import('../engine/engine.ts');
  const eng = new Engine(cp, target);
  return { hop: (h, p, i, f) => replayResult(eng.hop(h.name, p, i, f)), close: () => eng.close() };
}
