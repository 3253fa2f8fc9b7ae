// A host shared by two tenants, and a flood of learnt state from one of them: the setting of
// the state-isolation tests (docs/dataplane.md section 3, "Partitions"), for the model
// (test/model/dataplane/isolation.test.ts) and the kernel (test/harness/dataplane/partitions.test.ts).
import { Cluster } from '../../model/cluster/cluster.ts';
import { arpRequest, udpFrame } from '../../model/cluster/frames.ts';
import { ControlPlane, type Host } from '../../model/control/plane.ts';
import type { HostState } from '../../model/dataplane/state.ts';
import { ether } from '../../model/wire/builder.ts';

export const VICTIM = 10;
export const ATTACKER = 20;

export interface Shared {
  cp: ControlPlane;
  /** The host both tenants have pods on. */
  shared: Host;
}

/** Two VPCs on one CIDR, pods of both on h0; the victim has used its service and talked to a peer, so h0 learnt. */
export function sharedHost(): Shared {
  const cp = new ControlPlane();
  for (let i = 0; i < 3; i++) cp.createHost({ name: `h${i}`, ip: `10.9.0.${i + 1}` });
  for (const [name, vni] of [
    ['victim', VICTIM],
    ['attacker', ATTACKER],
  ] as const) {
    cp.createVpc({ name, vni, cidr: '172.16.0.0/16' });
    cp.createNetwork({ name: `${name}-n`, vpc: name, cidr: '172.16.1.0/24', bouncers: ['h1'] });
    cp.createEndpoint({ name: `${name}-pod`, network: `${name}-n`, ip: '172.16.1.10', host: 'h0' });
    cp.createEndpoint({ name: `${name}-be`, network: `${name}-n`, ip: '172.16.1.20', host: 'h2' });
    cp.createService({
      name: `${name}-svc`,
      vpc: name,
      vip: '172.16.250.1',
      ports: [{ port: 53, protocol: 'udp' }],
      backends: [`${name}-be`],
    });
  }
  const cl = new Cluster(cp);
  // The victim's established state on h0: a service flow (flows + rflows) and its peer's location.
  const pod = cp.endpoint('victim-pod');
  cl.send(pod.name, arpRequest(cl, pod.name, pod.network.gatewayIp));
  cl.send(pod.name, udpFrame(cl, pod.name, cp.service('victim-svc').vip, { sport: 40000, dport: 53 }));
  cl.send('victim-be', arpRequest(cl, 'victim-be', pod.ip));
  cl.send('victim-be', udpFrame(cl, 'victim-be', pod.ip, { sport: 53, dport: 40000 }));
  return { cp, shared: cp.host('h0') };
}

/** The learnt entries of `vni` on a host, as comparable text (key -> value), sorted. */
export function learntOf(state: HostState, vni: number): string[] {
  const out: string[] = [];
  for (const name of ['ep_cache', 'flows', 'rflows'] as const) {
    const m = state.map(name);
    for (const [k, v] of m.entries()) {
      if (k.vni !== vni) continue;
      out.push(`${name} ${Buffer.from(m.keyLayout.encode(k)).toString('hex')} ${Buffer.from(m.valueLayout.encode(v)).toString('hex')}`);
    }
  }
  return out.sort();
}

/**
 * Frame i of the attacker's flood towards the shared host, from h2: either a packet for its
 * pod from a new source (h0 learns the source's location) or a first packet of a new service
 * flow bounced back with its rewrite option (h0 stores a forward and a reverse flow).
 */
export function floodFrame(s: Shared, i: number, kind: 'learn' | 'flow'): Uint8Array {
  const from = s.cp.host('h2');
  const pod = s.cp.endpoint('attacker-pod');
  const be = s.cp.endpoint('attacker-be');
  const svc = s.cp.service('attacker-svc');
  const src = kind === 'learn' ? (0xac100000 + 0x200 + (i % 0xfd00)) >>> 0 : pod.ip;
  const dst = kind === 'learn' ? pod.ip : svc.vip;
  const sport = 1024 + (i % 60000);
  const inner = ether({ src: '02:00:00:00:00:42', dst: pod.mac }).ipv4({ src, dst }).udp({ sport, dport: 53 }).payload('flood').build();
  const hostLoc = { kind: 'host-location' as const, hostIp: from.ip, hostMac: from.mac };
  const rewrite = {
    kind: 'service-rewrite' as const,
    vip: svc.vip,
    backendIp: be.ip,
    vipPort: 53,
    backendPort: 53,
    protocol: 17,
    backendMac: be.mac,
    backendHostIp: be.host.ip,
    backendHostMac: be.host.mac,
  };
  return ether({ src: from.mac, dst: s.shared.mac })
    .ipv4({ src: from.ip, dst: s.shared.ip, ttl: 64, df: true })
    .udp({ sport: 0xc000, checksum: 0 })
    .geneve({ vni: ATTACKER, options: kind === 'learn' ? [hostLoc] : [rewrite, hostLoc] })
    .payload(inner)
    .build();
}
