// Directed differential cases: host states no control plane writes, aimed at a branch the
// random-state search reaches too rarely for the mutation run to count on it. Each case
// first shows, on the model, that it takes the branch; then model and kernel must agree.
//
// An un-NATed packet that goes on to be encapsulated: an rflows entry for a pod's own tuple
// whose destination is not local. The agent rewrites the source (address and port) and the
// outer UDP source port is then hashed from the rewritten tuple — so the tuple must carry
// the new port, not only the frame (rewrite_addr stores both).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProgramSuite } from '../../../harness/diff/suite.ts';
import { ControlPlane } from '../../../model/control/plane.ts';
import { Cluster } from '../../../model/cluster/cluster.ts';
import { tcpFrame } from '../../../model/cluster/frames.ts';
import { agent } from '../../../model/dataplane/dataplane.ts';
import { epKey, flowKey, hostLoc } from '../../../model/dataplane/state.ts';
import { REASON } from '../../../model/dataplane/tables.ts';
import { ipv4 } from '../../../model/wire/addr.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

describeBpf('directed differential cases', () => {
  let suite: ProgramSuite;
  beforeAll(() => {
    suite = new ProgramSuite('directed', 1, [], { ifindexes: [2, 100, 101] });
  });
  afterAll(() => suite?.close());

  it('the agent un-NATs a reply whose client is elsewhere, then encapsulates it: the outer port follows the new tuple', () => {
    const cp = new ControlPlane();
    cp.createHost({ name: 'h1', ip: '192.168.5.1', mac: '02:00:c0:a8:05:01', underlayIfindex: 2 });
    cp.createHost({ name: 'h2', ip: '192.168.5.2', mac: '02:00:c0:a8:05:02', underlayIfindex: 2 });
    cp.createVpc({ name: 'v', vni: 5, cidr: '10.5.0.0/16' });
    cp.createNetwork({ name: 'n', vpc: 'v', cidr: '10.5.1.0/24', bouncers: ['h2'] });
    cp.createEndpoint({ name: 'a', network: 'n', ip: '10.5.1.10', host: 'h1' });
    cp.createEndpoint({ name: 'b', network: 'n', ip: '10.5.1.11', host: 'h2' });
    const a = cp.endpoint('a');
    const b = cp.endpoint('b');
    const h1 = cp.host('h1');
    const vip = ipv4('10.5.1.200');
    h1.state.map('ep_cache').set(epKey(5, b.ip), hostLoc(cp.host('h2').ip, cp.host('h2').mac));
    // a's tuple towards b, as if a were the backend of a flow whose client is b: the answer's
    // source becomes the VIP, port 8080 becomes 80.
    h1.state
      .map('rflows')
      .set(flowKey(5, a.ip, b.ip, 8080, 40000, 6), { saddr: vip, sport: 80, smac: a.mac, daddr: 0, dport: 0, dmac: new Uint8Array(6) });
    const frame = tcpFrame(new Cluster(cp), 'a', b.ip, { sport: 8080, dport: 40000, dstMac: b.mac, flags: 'SA' });

    // The model takes the branch: un-NAT, then encapsulation to b's host.
    const m = agent(h1.state.clone(), frame, a.ifindex);
    expect(m.reason).toBe(REASON.ENCAP_TO_HOST);
    const inner = m.output!.subarray(14 + 20 + 8 + 8 + 16);
    expect([...inner.subarray(14 + 12, 14 + 16)]).toEqual([10, 5, 1, 200]);
    expect((inner[14 + 20] << 8) | inner[14 + 21]).toBe(80);

    suite.reset();
    const o = suite.run(0, h1.state, { program: 'agent', ingress: a.ifindex, frame });
    expect(
      suite.judge(o, 'agent un-NAT then encap', () => []),
      'model and kernel agree, outer UDP port included',
    ).toBeNull();
    expect(suite.endBatch(() => [])).toBeNull();
  });
});
