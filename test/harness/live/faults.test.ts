// Faults, live: what the spec promises while the overlay is disturbed under traffic.
//   - a host's transit program detached mid-flow and reattached: nothing reaches the other
//     tenant, the flow recovers; while no program runs, the host's own stack meets the
//     Geneve frames (and answers them: the leak a program-less NIC cannot prevent);
//   - the underlay link flapped: the program stays attached, the flow recovers;
//   - the program replaced atomically (netlink swap) over and over during a ping flood:
//     no packet sees no program — none lost, none reaches the host's stack;
//   - the flow table filled to its limit: a new service flow still works (LRU eviction);
//   - forged Geneve injected from the underlay onto a host's NIC: the live transit's verdict
//     (its counters) and delivery are the model's transit's, well-formed or not.
// Each drill waits on frames (taps), never on a clock; every loop is bounded.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { DATAPLANE_OBJ, DataplaneInstance } from '../../../harness/dataplane/instance.ts';
import { writeHostState } from '../../../harness/dataplane/mapwriter.ts';
import { ip } from '../../../harness/ip.ts';
import { xdpAttach, xdpDetach, xdpQueryId } from '../../../harness/libbpf/xdp.ts';
import { closeRun, openRun } from '../../../harness/live/lifecycle.ts';
import { summarizeGeneve, summarizeInner } from '../../../harness/live/frame-view.ts';
import { LiveOverlay } from '../../../harness/live/overlay.ts';
import { exchange } from '../../../harness/live/pod-sockets.ts';
import { drainTaps, waitForFrames, type Tap } from '../../../harness/live/tap.ts';
import { ping } from '../../../harness/live/traffic.ts';
import { loadInstances } from '../../../harness/loader.ts';
import { inNetns } from '../../../harness/netns.ts';
import { parseScenario } from '../../../harness/scenario/load.ts';
import { MAP_SPECS } from '../../../model/dataplane/state.ts';
import { reasonName } from '../../../model/dataplane/tables.ts';
import { transit } from '../../../model/dataplane/dataplane.ts';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { packet } from '../../../model/wire/builder.ts';
import { expectNothingLeft } from './live-fixtures.ts';

const SCENARIO = `
name: live-faults
hosts:
  - { name: n1, ip: 192.168.81.1 }
  - { name: n2, ip: 192.168.81.2 }
  - { name: n3, ip: 192.168.81.3 }
vpcs:
  - name: a
    vni: 11
    cidr: 10.81.0.0/16
    networks: [{ name: pods, cidr: 10.81.1.0/24, bouncers: [n3] }]
  - name: b
    vni: 12
    cidr: 10.81.0.0/16
    networks: [{ name: pods, cidr: 10.81.1.0/24, bouncers: [n3] }]
endpoints:
  - { name: a1, vpc: a, network: pods, ip: 10.81.1.10, host: n1 }
  - { name: a2, vpc: a, network: pods, ip: 10.81.1.11, host: n2 }
  - { name: b2, vpc: b, network: pods, ip: 10.81.1.11, host: n2 }
services:
  - { name: svc, vpc: a, vip: 10.81.1.100, ports: [{ port: 80, protocol: tcp }], backends: [a2] }
`;

const A2 = '10.81.1.11';
const N2_IP = '192.168.81.2';

describeBpf('live faults', () => {
  const s = parseScenario(SCENARIO, 'live-faults.yaml');
  let prefix = '';
  let o: LiveOverlay;
  let a1: Tap;
  let b2: Tap;
  let n2: Tap;

  beforeAll(() => {
    prefix = openRun();
    o = LiveOverlay.build(s, prefix);
    o.serve('tcp', [80]);
    a1 = o.podTap('a1');
    b2 = o.podTap('b2');
    o.podTap('a2');
    n2 = o.hostTap('n2');
  });
  afterAll(() => {
    try {
      o?.close();
    } finally {
      if (prefix) closeRun(prefix);
    }
    expectNothingLeft([prefix]);
  });

  const echoes = (t: Tap, from: number, type: number): number =>
    t.since(from).filter((f) => {
      const i = summarizeInner(f.data);
      return i?.proto === 1 && i.icmpType === type;
    }).length;
  /** Frames host n2 put on the wire that are not Geneve: its own stack talking (the leak). */
  const leaks = (from: number): number =>
    n2.since(from).filter((f) => {
      const i = summarizeInner(f.data);
      return i?.kind === 'ipv4' && i.saddr === N2_IP && summarizeGeneve(f.data) === undefined;
    }).length;
  const nothingForB2 = (from: number): void => {
    expect(b2.since(from).filter((f) => summarizeInner(f.data)?.kind === 'ipv4')).toEqual([]);
  };

  it('transit detached mid-flow and reattached: the flow recovers, nothing crosses tenants', async () => {
    const mA = a1.mark();
    const mB = b2.mark();
    const mN = n2.mark();
    const pinging = ping(o.topo.endpoint('a1').ns, A2, { count: 40, interval: 0.05, waitS: 1 });
    expect(await waitForFrames(() => echoes(a1, mA, 0) >= 5, 5000)).toBe(true);
    o.detachTransit('n2');
    const before = echoes(a1, mA, 0);
    const sent = echoes(a1, mA, 8);
    // Five more requests leave a1 while n2 runs no program.
    const during = await waitForFrames(() => echoes(a1, mA, 8) >= sent + 5, 5000);
    const leaked = leaks(mN);
    o.attachTransit('n2');
    const r = await pinging;
    await drainTaps();
    expect(during).toBe(true);
    expect(r.received).toBeLessThan(r.transmitted);
    // Replies again once the program is back.
    expect(echoes(a1, mA, 0)).toBeGreaterThan(before);
    nothingForB2(mB);
    // Without a program the host's stack gets the Geneve frames and answers (ICMP port
    // unreachable to the sending host): the spec cannot promise "no leak" for a bare NIC.
    expect(leaked).toBeGreaterThan(0);
  });

  it('the underlay link flapped: the program stays attached and the flow recovers', async () => {
    const u = o.topo.host('n2').underlay;
    const id = inNetns(u.ns, () => xdpQueryId(u.ifindex, 'native'));
    const mB = b2.mark();
    ip(['link', 'set', u.name, 'down'], u.ns);
    const down = await ping(o.topo.endpoint('a1').ns, A2, { count: 1, waitS: 1 });
    ip(['link', 'set', u.name, 'up'], u.ns);
    const up = await ping(o.topo.endpoint('a1').ns, A2, { count: 3, interval: 0.05, waitS: 2 });
    expect(down.received).toBe(0);
    expect(up.received).toBe(3);
    expect(inNetns(u.ns, () => xdpQueryId(u.ifindex, 'native'))).toBe(id);
    nothingForB2(mB);
  });

  it('the program replaced atomically under a ping flood: no packet sees no program', async () => {
    const h = o.cp.host('n2');
    const u = o.topo.host('n2').underlay;
    // A second instance of n2's data plane, its maps written from the same model state.
    const [prog] = loadInstances(DATAPLANE_OBJ, ['n2-replacement']);
    const spare = new DataplaneInstance(prog, 0);
    const progs = [o.inst('n2').prog.program('xdp_transit'), spare.prog.program('xdp_transit')];
    try {
      writeHostState(spare, h.state, { counters: false });
      o.detachTransit('n2');
      inNetns(u.ns, () => xdpAttach(u.ifindex, progs[0], { mode: 'native' }));
      const mA = a1.mark();
      const mN = n2.mark();
      const mB = b2.mark();
      const pinging = ping(o.topo.endpoint('a1').ns, A2, { count: 50, interval: 0.02, waitS: 2 });
      // Swap on every second reply: the swaps interleave with the traffic, bounded by the flood.
      let swaps = 0;
      for (let k = 0; k < 24; k++) {
        if (!(await waitForFrames(() => echoes(a1, mA, 0) >= 2 * (k + 1), 3000))) break;
        inNetns(u.ns, () => xdpAttach(u.ifindex, progs[(k + 1) % 2], { mode: 'native' }));
        swaps++;
      }
      const r = await pinging;
      await drainTaps();
      expect(swaps).toBeGreaterThanOrEqual(20);
      expect(r.received).toBe(r.transmitted);
      expect(leaks(mN)).toBe(0);
      nothingForB2(mB);
    } finally {
      inNetns(u.ns, () => xdpDetach(u.ifindex, { mode: 'native' }));
      o.attachTransit('n2');
      spare.close();
    }
  });

  it("the tenant's own flow table filled to its limit: a new service flow still works (LRU eviction)", async () => {
    const flows = o.inst('n1').map('flows');
    const spec = MAP_SPECS.flows;
    const ks = spec.keyLayout.def.size;
    const vs = spec.valueLayout.def.size;
    // Flow tables are per VPC (docs/dataplane.md section 4): the VNI's slot is what fills.
    const max = spec.maxEntries;
    // Keys of VPC a (VNI 11) from sources in 0.0.0.0/16, which no pod has: they can never
    // match a real flow, yet they sit in the table a1's flows go to.
    const key = new Uint8Array(ks);
    const dv = new DataView(key.buffer);
    const value = new Uint8Array(vs);
    for (let i = 0; i < max; i++) {
      dv.setUint32(0, 11, true);
      dv.setUint32(4, i, false);
      flows.update(key, value);
    }
    // The kernel's LRU hash starts evicting a little before max_entries (its free entries
    // sit in per-CPU lists): "full" is within a few percent of the limit, never above it.
    const filled = flows.entries().length;
    expect(filled).toBeLessThanOrEqual(max);
    expect(filled).toBeGreaterThan(max * 0.95);
    const mB = b2.mark();
    const r = await exchange(o.topo.endpoint('a1').ns, 'tcp', '10.81.1.100', 80, {
      srcPort: 45000,
      payload: new TextEncoder().encode('full'),
      count: 2,
      timeoutMs: 3000,
    });
    expect(r, r.error).toMatchObject({ ok: true, echoed: 1 });
    expect(flows.entries().length).toBeLessThanOrEqual(max);
    nothingForB2(mB);
  });

  it('forged Geneve from the underlay: the live transit decides what the model transit decides', async () => {
    const h = o.cp.host('n2');
    const forged = (optLen?: number): Uint8Array =>
      packet()
        .ether({ src: mac('02:99:00:00:00:01'), dst: h.mac })
        .ipv4({ src: ipv4('192.168.81.1'), dst: h.ip })
        .udp({ sport: 50001, dport: 6081 })
        .geneve({
          vni: 12,
          options: [{ kind: 'host-location', hostIp: ipv4('192.168.81.1'), hostMac: o.cp.host('n1').mac }],
          ...(optLen !== undefined ? { optLen } : {}),
        })
        .ether({ src: mac('02:99:00:00:00:02'), dst: mac('02:99:00:00:00:03') })
        .ipv4({ src: ipv4('10.81.1.10'), dst: ipv4(A2) })
        .icmpEcho({ id: 9, seq: 1 })
        .build();
    // Tenant b's VNI with a host location: the underlay is trusted, so it is delivered to b2;
    // then the same frame whose opt_len overruns the packet.
    for (const [frame, want] of [
      [forged(), 'DECAP_DELIVER'],
      [forged(60), 'OPT_OVERRUN'],
    ] as const) {
      const m = transit(h.state, frame, h.underlayIfindex);
      expect(reasonName(m.reason)).toBe(want);
      const before = o.counters('n2');
      const mB = b2.mark();
      n2.inject(frame);
      const arrives = m.action === 'REDIRECT';
      const seen = await waitForFrames(() => b2.since(mB).some((f) => summarizeInner(f.data)?.icmpSeq === 1), arrives ? 3000 : 0);
      await drainTaps();
      expect(seen).toBe(arrives);
      const delta = (o.counters('n2').get(m.reason) ?? 0) - (before.get(m.reason) ?? 0);
      // A delivered echo makes b2's kernel talk (its ARP, its reply): more deliveries may follow.
      if (arrives) expect(delta).toBeGreaterThanOrEqual(1);
      else expect(delta).toBe(1);
    }
  });
});
