// A flow the scenario does not send, traced after its last step (`twinplane trace --flow`
// with no matching send): like ovn-trace, ask "what would happen to this packet now".
import type { ControlPlane } from '../../model/control/plane.ts';
import { ipv4ToString, parseIpv4 } from '../../model/wire/addr.ts';
import type { SendProto } from '../scenario/types.ts';
import type { SendSpec } from './pod-send.ts';
import { defaultPayload } from '../scenario/resolve/send.ts';

export interface AdhocFlow {
  readonly from: string;
  /** An endpoint name, a service name or an IPv4 address. */
  readonly to: string;
  readonly proto: Exclude<SendProto, 'raw'>;
  readonly port?: number;
}

export class AdhocError extends Error {}

export function adhocName(f: AdhocFlow): string {
  return `trace ${f.from} → ${f.to} (${f.proto})`;
}

export function adhocSpec(cp: ControlPlane, f: AdhocFlow): SendSpec {
  const from = cp.endpoints.get(f.from);
  if (from === undefined)
    throw new AdhocError(`no endpoint '${f.from}' after the last step (endpoints: ${[...cp.endpoints.keys()].join(', ') || 'none'})`);
  const ip = cp.endpoints.get(f.to)?.ip ?? cp.services.get(f.to)?.vip ?? parseIpv4(f.to);
  if (ip === undefined) throw new AdhocError(`'${f.to}' is neither an endpoint, a service nor an IPv4 address`);
  const l4 = f.proto === 'tcp' || f.proto === 'udp';
  return {
    name: adhocName(f),
    from: { name: from.name },
    to: { ip },
    proto: f.proto,
    count: 1,
    // What a scenario send to the same port carries (a real DNS query to 53).
    payload: defaultPayload(f.proto, l4 ? (f.port ?? 80) : undefined),
    forge: {},
    ...(l4 ? { port: f.port ?? 80, srcPort: 40999 } : {}),
  };
}

export function describeTarget(ip: number): string {
  return ipv4ToString(ip);
}
