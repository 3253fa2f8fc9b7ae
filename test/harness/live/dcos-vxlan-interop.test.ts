// Live interop of the DC/OS profile with Linux's own VXLAN (docs/dcos.md section 6): in
// network namespaces, (a) what our dcos_egress emits is accepted by a kernel `vtep1024`
// (VXLAN id 1024, port 64000) and its inner packet reaches that namespace's stack, and (b)
// what that vtep1024 emits is decapsulated by our dcos_ingress and delivered to a
// container namespace. Real pings from the kernels' own stacks, bounded waits, everything
// removed afterwards.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DcosVxlanPair } from '../../../harness/live/dcos-vxlan-pair.ts';
import { REASON } from '../../../model/dataplane/tables.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

describeBpf('live: dcos.o against the kernel VXLAN device', () => {
  let pair: DcosVxlanPair;
  beforeAll(() => {
    pair = new DcosVxlanPair();
    try {
      pair.open();
    } catch (e) {
      pair.close();
      throw e;
    }
  });
  afterAll(() => pair?.close());

  it('(a) a container behind dcos_egress pings an address on the kernel agent, (b) the reply comes back through dcos_ingress', async () => {
    const rx0 = pair.vtepRxPackets();
    const r = await pair.ping(pair.nsC, '9.0.1.1');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(pair.vtepRxPackets() - rx0, 'vtep1024 decapsulated our frames').toBeGreaterThanOrEqual(1);
    expect(pair.inst!.counter(REASON.DCOS_ENCAP_REMOTE), 'dcos_egress encapsulated').toBeGreaterThanOrEqual(1);
    expect(pair.inst!.counter(REASON.DCOS_DECAP_DELIVER), 'dcos_ingress delivered the kernel-encapsulated reply').toBeGreaterThanOrEqual(1);
  });

  it('(b) the kernel agent pings the container: its VXLAN frames are delivered by dcos_ingress, the container answers', async () => {
    const before = pair.inst!.counter(REASON.DCOS_DECAP_DELIVER);
    const r = await pair.ping(pair.nsB, '9.0.0.2');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(pair.inst!.counter(REASON.DCOS_DECAP_DELIVER) - before).toBeGreaterThanOrEqual(1);
  });

  it('the underlay itself keeps working: ARP and ping between the agents pass dcos_ingress', async () => {
    const r = await pair.ping(pair.nsB, '10.0.0.1');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(pair.inst!.counter(REASON.DCOS_PASS_NOT_IPV4)).toBeGreaterThanOrEqual(1);
  });
});
