// Per-path differential (docs/dcos.md section 6): a flow followed across the cluster on the
// model (walkDcos) and on the kernel (each hop run by that agent's dcos.o, its output fed
// to the next), hop by hop: agent, program, ingress, action, reason and the bytes of every
// hop's input and output, and the outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcosKernelCluster } from '../../../harness/dataplane/dcos-cluster.ts';
import type { DcosControlPlane } from '../../../model/dcos/dcos-control.ts';
import { type DcosHop, type DcosOutcome, walkDcos } from '../../../model/dcos/dcos-walk.ts';
import { reasonName } from '../../../model/dataplane/tables.ts';
import { ether } from '../../../model/wire/builder.ts';
import { macToString } from '../../../model/wire/addr.ts';
import { toHex } from '../../../model/wire/hex.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { ping, smallCluster, tcp, udp } from '../../model/dcos/dcos-fixtures.ts';

function view(w: { hops: DcosHop[]; outcome: DcosOutcome }): unknown {
  return {
    hops: w.hops.map((h) => ({
      at: `${h.agent}/${h.program}@${h.ingress}`,
      verdict: `${h.action} ${reasonName(h.reason)}`,
      in: toHex(h.frameIn),
      out: h.frameOut === null ? null : toHex(h.frameOut),
    })),
    outcome: { ...w.outcome, ...('frame' in w.outcome ? { frame: toHex(w.outcome.frame) } : {}) },
  };
}

describeBpf('per-path differential: model and kernel hop by hop', () => {
  let cp: DcosControlPlane;
  let k: DcosKernelCluster;
  beforeAll(() => {
    cp = smallCluster();
    k = new DcosKernelCluster(cp);
  });
  afterAll(() => k?.close());

  function both(from: string, frame: Uint8Array): { hops: DcosHop[]; outcome: DcosOutcome } {
    const m = walkDcos(cp, from, frame);
    const kw = k.walk(from, frame);
    expect(view(kw)).toEqual(view(m));
    return m;
  }

  const reply = (from: string, dst: number | string, sport: number, dport: number, flags: string): Uint8Array => {
    const c = cp.container(from);
    return ether({ src: c.mac, dst: macToString(c.agent.state.maps.cfg.bridge_mac) })
      .ipv4({ src: c.ip, dst })
      .tcp({ sport, dport, flags, seq: 7, ack: 1001 })
      .build();
  };

  describe('container to container', () => {
    it('across agents: VXLAN a1 -> a2, delivered to c3', () => {
      const w = both('c1', ping(cp.container('c1'), cp.container('c3').ip));
      expect(w.hops.map((h) => h.agent)).toEqual(['a1', 'a2']);
      expect(w.outcome).toMatchObject({ kind: 'delivered', container: 'c3' });
    });
    it('on the same agent: straight to the veth', () => {
      expect(both('c1', udp(cp.container('c1'), cp.container('c2').ip, 1, 2)).outcome).toMatchObject({
        kind: 'delivered',
        container: 'c2',
      });
    });
    it('and the answer back', () => {
      const c3 = cp.container('c3');
      const answer = ether({ src: c3.mac, dst: macToString(c3.agent.state.maps.cfg.bridge_mac) })
        .ipv4({ src: c3.ip, dst: cp.container('c1').ip })
        .icmpEcho({ type: 'reply', id: 7, seq: 1 })
        .payload('ping')
        .build();
      expect(both('c3', answer).outcome).toMatchObject({ kind: 'delivered', container: 'c1' });
    });
    it('to an agent (the table-42 rule): passed to its stack decapsulated', () => {
      expect(both('c1', ping(cp.container('c1'), '10.0.0.3')).outcome).toMatchObject({ kind: 'passed', agent: 'a3' });
    });
  });

  describe('container to VIP to backend, and the reply un-NATed', () => {
    it('SYN to the named VIP, the SYN-ACK back from the VIP, the ACK to the same backend', () => {
      const web = cp.vip('web');
      const c1 = cp.container('c1');
      const syn = both('c1', tcp(c1, web.address, 45000, 80, 'S'));
      expect(syn.outcome).toMatchObject({ kind: 'delivered', container: 'c3' });
      const back = both('c3', reply('c3', c1.ip, 8080, 45000, 'SA'));
      expect(back.outcome).toMatchObject({ kind: 'delivered', container: 'c1' });
      expect(both('c1', tcp(c1, web.address, 45000, 80, 'A')).outcome).toMatchObject({ kind: 'delivered', container: 'c3' });
      expect(both('c1', tcp(c1, web.address, 45000, 80, 'FA')).outcome).toMatchObject({ kind: 'delivered', container: 'c3' });
    });
    it('the FIN freed c3: the next connection goes there again (least connection, ties to the lowest slot), the one after to c4', () => {
      const web = cp.vip('web');
      expect(both('c2', tcp(cp.container('c2'), web.address, 45001, 80, 'S')).outcome).toMatchObject({
        kind: 'delivered',
        container: 'c3',
      });
      expect(both('c2', tcp(cp.container('c2'), web.address, 45009, 80, 'S')).outcome).toMatchObject({
        kind: 'delivered',
        container: 'c4',
      });
    });
    it('hairpin over UDP: the backend on the client agent answers the masquerade address', () => {
      const c1 = cp.container('c1');
      expect(both('c1', udp(c1, '11.1.1.1', 7000, 53)).outcome).toMatchObject({ kind: 'delivered', container: 'c2' });
      const c2 = cp.container('c2');
      const answer = ether({ src: c2.mac, dst: macToString(c2.agent.state.maps.cfg.bridge_mac) })
        .ipv4({ src: c2.ip, dst: c2.agent.gateway })
        .udp({ sport: 5353, dport: 7000 })
        .payload('answer')
        .build();
      expect(both('c2', answer).outcome).toMatchObject({ kind: 'delivered', container: 'c1' });
    });
    it('after the backends change (a weight, a reachability): the kernel follows the control plane', () => {
      const web = cp.vip('web');
      cp.setBackendWeight('web', 'c4', 0);
      expect(both('c2', tcp(cp.container('c2'), web.address, 45002, 80, 'S')).outcome).toMatchObject({
        kind: 'delivered',
        container: 'c3',
      });
      cp.setAgentReachable('a2', false);
      expect(both('c2', tcp(cp.container('c2'), web.address, 45003, 80, 'S')).outcome, 'only c4 is left, draining').toMatchObject({
        kind: 'dropped',
        agent: 'a1',
      });
      cp.setBackendWeight('web', 'c4', 1);
      expect(both('c2', tcp(cp.container('c2'), web.address, 45004, 80, 'S')).outcome).toMatchObject({
        kind: 'delivered',
        container: 'c4',
      });
      expect(
        both('c2', tcp(cp.container('c2'), web.address, 45002, 80, 'A')).outcome,
        'established flows keep their backend',
      ).toMatchObject({
        kind: 'delivered',
        container: 'c3',
      });
    });
  });
});
