// Attaching XDP inside the run's namespaces from the test process (setns on the JS
// thread), native mode on veth, the pass program on every far end, offload switches on
// pod veths, and that the thread always comes back to its own namespace.
import { readlinkSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import type { BpfObject, BpfProgram } from '../../../harness/libbpf/object.ts';
import { POD_VETH_OFFLOADS, getOffloads, setOffloads } from '../../../harness/live/ethtool.ts';
import { getLink } from '../../../harness/ip.ts';
import { inNetns } from '../../../harness/netns.ts';
import { Topology } from '../../../harness/live/netns-topology.ts';
import { ping } from '../../../harness/live/traffic.ts';
import { attachPeerPass, attachXdp, detachAll, loadPassProgram, type LiveAttachment } from '../../../harness/live/attach.ts';
import { TWO_HOSTS, expectNothingLeft } from './live-fixtures.ts';

const ownNetns = (): string => readlinkSync('/proc/thread-self/ns/net');

describeBpf('live XDP attach', () => {
  let topo: Topology;
  let obj: BpfObject;
  let pass: BpfProgram;
  const attached: LiveAttachment[] = [];

  beforeAll(() => {
    topo = Topology.build(TWO_HOSTS);
    ({ object: obj, program: pass } = loadPassProgram());
  });

  afterAll(() => {
    try {
      detachAll(attached);
    } finally {
      obj?.close();
      topo?.destroy();
    }
    expectNothingLeft([topo.prefix]);
  });

  it('runs a callback inside a namespace and always returns to its own', () => {
    const home = ownNetns();
    const h = topo.host('alpha');
    const inside = inNetns(h.ns, () => ownNetns());
    expect(inside).not.toBe(home);
    expect(ownNetns()).toBe(home);
    expect(() =>
      inNetns(h.ns, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(ownNetns()).toBe(home);
    expect(() => inNetns(h.ns, () => inNetns(h.ns, () => 1))).toThrow(/nesting/);
    expect(ownNetns()).toBe(home);
  });

  it('attaches the pass program natively on every bridge port and pod veth', () => {
    attached.push(...attachPeerPass(topo, pass));
    expect(attached).toHaveLength(4);
    for (const a of attached) {
      const l = getLink(a.link.name, a.link.ns);
      expect(l.xdpMode, a.link.name).toBe('native');
      expect(l.xdpProgId).toBe(a.progId);
    }
  });

  it('attaches on a host underlay veth by its ifindex in the host namespace', () => {
    const u = topo.host('alpha').underlay;
    // ifindex 7 exists in the host namespace only: attaching from our own would fail.
    const a = attachXdp(u, pass);
    attached.push(a);
    expect(getLink(u.name, u.ns)).toMatchObject({ xdpMode: 'native', xdpProgId: a.progId });
  });

  it('keeps the underlay working with XDP_PASS everywhere', async () => {
    const r = await ping(topo.host('alpha').ns, topo.host('beta').spec.ip, { count: 1 });
    expect(r.ok, r.output).toBe(true);
  });

  it('builds pods with checksum and segmentation offloads off, and can switch them', () => {
    const web = topo.endpoint('web');
    expect(getOffloads(web.ns, web.pod.name)).toMatchObject({ txChecksum: false, tso: false, gso: false });
    expect(setOffloads(web.ns, web.pod.name, { txChecksum: true, gso: true })).toMatchObject({ txChecksum: true, gso: true });
    expect(setOffloads(web.ns, web.pod.name, POD_VETH_OFFLOADS)).toMatchObject({ txChecksum: false, tso: false, gso: false });
  });

  it('detaches: no program left on any interface', () => {
    detachAll(attached.splice(0));
    for (const l of [topo.host('alpha').underlay, ...[...topo.hosts.values()].map((h) => h.bridgePort)]) {
      expect(getLink(l.name, l.ns).xdpProgId).toBeUndefined();
    }
  });
});
