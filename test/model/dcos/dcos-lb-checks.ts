// The L4 load balancer's behaviour (docs/dcos.md section 4.3), written once and checked on
// the model (test/model/dcos/dcos-lb.test.ts) and on the kernel
// (test/harness/dcos/dcos-lb-kernel.test.ts): a walker follows a frame across the cluster,
// `sync` pushes control-plane changes to wherever the programs run.
import { expect } from 'vitest';
import type { DcosControlPlane } from '../../../model/dcos/dcos-control.ts';
import type { DcosHop, DcosOutcome } from '../../../model/dcos/dcos-walk.ts';
import { REASON } from '../../../model/dataplane/tables.ts';
import { ipv4ToString, readIpv4 } from '../../../model/wire/addr.ts';
import { ether } from '../../../model/wire/builder.ts';
import { macToString } from '../../../model/wire/addr.ts';
import { smallCluster, tcp, udp } from './dcos-fixtures.ts';

export interface LbTarget {
  cp: DcosControlPlane;
  walk(from: string, frame: Uint8Array): { hops: DcosHop[]; outcome: DcosOutcome };
}

/** Where a walk ended, and the IPv4 source and destination (with ports) the receiver saw. */
function seen(o: DcosOutcome): string {
  if (o.kind !== 'delivered') return `${o.kind} at ${o.agent}${o.kind === 'dropped' ? ` reason ${o.reason}` : ''}`;
  const f = o.frame;
  const ports = f[23] === 6 || f[23] === 17 ? [(f[34] << 8) | f[35], (f[36] << 8) | f[37]] : [0, 0];
  return `${o.container} sees ${ipv4ToString(readIpv4(f, 26))}:${ports[0]} -> ${ipv4ToString(readIpv4(f, 30))}:${ports[1]}`;
}

/** Opens a TCP connection (SYN) from `from` to VIP `vip` with source port `sport`. */
function syn(t: LbTarget, from: string, vip: string, sport: number): string {
  const v = t.cp.vip(vip);
  return seen(t.walk(from, tcp(t.cp.container(from), v.address, sport, v.port, 'S')).outcome);
}
function segment(t: LbTarget, from: string, vip: string, sport: number, flags: string): string {
  const v = t.cp.vip(vip);
  return seen(t.walk(from, tcp(t.cp.container(from), v.address, sport, v.port, flags)).outcome);
}

export function freshCluster(): DcosControlPlane {
  const cp = smallCluster();
  cp.addContainer({ name: 'c5', agent: 'a3' });
  cp.addVip({
    name: 'trio',
    vip: 'trio:9000',
    protocol: 'tcp',
    backends: [
      { container: 'c3', port: 9000 },
      { container: 'c4', port: 9000 },
      { container: 'c5', port: 9000 },
    ],
  });
  return cp;
}

/** Weight 0: no new connection goes to the backend; an established one keeps it. */
export function checkDrain(t: LbTarget): void {
  expect(syn(t, 'c1', 'web', 40001)).toBe('c3 sees 9.0.0.2:40001 -> 9.0.1.2:8080');
  t.cp.setBackendWeight('web', 'c3', 0);
  expect(syn(t, 'c1', 'web', 40002), 'a new connection avoids the draining backend').toBe('c4 sees 9.0.0.2:40002 -> 9.0.2.2:8080');
  expect(syn(t, 'c1', 'web', 40003), 'and keeps avoiding it though c4 has more connections').toBe('c4 sees 9.0.0.2:40003 -> 9.0.2.2:8080');
  expect(segment(t, 'c1', 'web', 40001, 'PA'), 'the established flow continues').toBe('c3 sees 9.0.0.2:40001 -> 9.0.1.2:8080');
  t.cp.setBackendWeight('web', 'c4', 0);
  expect(syn(t, 'c1', 'web', 40004), 'no backend of weight 1').toBe(`dropped at a1 reason ${REASON.DCOS_NO_BACKEND}`);
  expect(segment(t, 'c1', 'web', 40002, 'A'), 'established flows to both still go on').toBe('c4 sees 9.0.0.2:40002 -> 9.0.2.2:8080');
}

/** Each new connection goes to the backend with the fewest; ties to the lowest slot; FIN/RST free one. */
export function checkLeastConnection(t: LbTarget): void {
  const order = [0, 1, 2, 3, 4, 5].map((i) => syn(t, 'c1', 'trio', 41000 + i).split(' ')[0]);
  expect(order).toEqual(['c3', 'c4', 'c5', 'c3', 'c4', 'c5']);
  expect(segment(t, 'c1', 'trio', 41001, 'FA').split(' ')[0], 'the FIN still reaches its backend').toBe('c4');
  expect(segment(t, 'c1', 'trio', 41001, 'FA').split(' ')[0], 'a second FIN frees nothing more').toBe('c4');
  expect(syn(t, 'c1', 'trio', 41010).split(' ')[0], 'c4 has one connection fewer now').toBe('c4');
  expect(segment(t, 'c1', 'trio', 41002, 'R').split(' ')[0]).toBe('c5');
  expect(syn(t, 'c1', 'trio', 41011).split(' ')[0], 'an RST frees one as well').toBe('c5');
  expect(syn(t, 'c1', 'trio', 41012).split(' ')[0], 'all even again: the lowest slot').toBe('c3');
  expect(segment(t, 'c1', 'trio', 41099, 'A'), 'a TCP segment without SYN opens nothing').toBe(
    `dropped at a1 reason ${REASON.DCOS_VIP_NOT_SYN}`,
  );
}

/** A hairpin (the backend on the client's own agent, or the client itself) is masqueraded as the bridge gateway. */
export function checkHairpin(t: LbTarget): void {
  const cp = t.cp;
  const c1 = cp.container('c1');
  const c2 = cp.container('c2');
  // dns: slot 0 is c2 on a1 (the client's own agent), slot 1 c3 on a2.
  expect(seen(t.walk('c1', udp(c1, '11.1.1.1', 5000, 53)).outcome), 'the backend sees the masquerade address').toBe(
    'c2 sees 9.0.0.1:5000 -> 9.0.0.3:5353',
  );
  const reply = ether({ src: c2.mac, dst: macToString(c2.agent.state.maps.cfg.bridge_mac) })
    .ipv4({ src: c2.ip, dst: '9.0.0.1' })
    .udp({ sport: 5353, dport: 5000 })
    .payload('answer')
    .build();
  expect(seen(t.walk('c2', reply).outcome), 'its reply reaches the client from the VIP').toBe('c1 sees 11.1.1.1:53 -> 9.0.0.2:5000');
  // The client is the backend itself: c3 is the next least-connected for dns... make c2 the client.
  cp.setBackendWeight('dns', 'c3', 0);
  expect(seen(t.walk('c2', udp(c2, '11.1.1.1', 6000, 53)).outcome), 'a connection to itself').toBe('c2 sees 9.0.0.1:6000 -> 9.0.0.3:5353');
  const self = ether({ src: c2.mac, dst: macToString(c2.agent.state.maps.cfg.bridge_mac) })
    .ipv4({ src: c2.ip, dst: '9.0.0.1' })
    .udp({ sport: 5353, dport: 6000 })
    .payload('self')
    .build();
  expect(seen(t.walk('c2', self).outcome)).toBe('c2 sees 11.1.1.1:53 -> 9.0.0.3:6000');
}

/** A remote backend sees the client itself; its reply is un-NATed on the client's agent. */
export function checkRemoteReply(t: LbTarget): void {
  const cp = t.cp;
  expect(syn(t, 'c1', 'web', 42000)).toBe('c3 sees 9.0.0.2:42000 -> 9.0.1.2:8080');
  const c3 = cp.container('c3');
  const synack = ether({ src: c3.mac, dst: macToString(c3.agent.state.maps.cfg.bridge_mac) })
    .ipv4({ src: c3.ip, dst: cp.container('c1').ip })
    .tcp({ sport: 8080, dport: 42000, flags: 'SA', seq: 5, ack: 1001 })
    .build();
  const w = t.walk('c3', synack);
  expect(w.hops.map((h) => `${h.agent}/${h.program}`)).toEqual(['a2/dcos_egress', 'a1/dcos_ingress']);
  expect(seen(w.outcome)).toBe(`c1 sees ${ipv4ToString(cp.vip('web').address)}:80 -> 9.0.0.2:42000`);
}

/** Backends on unreachable agents get no new connections, unless every backend's agent is unreachable. */
export function checkUnreachable(t: LbTarget): void {
  t.cp.setAgentReachable('a2', false);
  for (let i = 0; i < 3; i++) expect(syn(t, 'c1', 'web', 43000 + i).split(' ')[0]).toBe('c4');
  t.cp.setAgentReachable('a3', false);
  expect(syn(t, 'c1', 'web', 43010).split(' ')[0], 'all unreachable: all kept, c3 has the fewest').toBe('c3');
}
