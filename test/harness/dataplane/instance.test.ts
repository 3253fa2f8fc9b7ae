// One loaded instance: the thread pinned, the verdict record decoded from the pinned CPU's
// slot, the tail call wired to the instance's own transit, ingress ifindexes in the netns.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ControlPlane } from '../../../model/control/plane.ts';
import { type DataplaneInstance, loadInstances } from '../../../harness/dataplane/instance.ts';
import { writeHostState } from '../../../harness/dataplane/mapwriter.ts';
import { allowedCpus, pinnedCpu } from '../../../harness/dataplane/affinity.ts';
import { links } from '../../../harness/netns.ts';
import { POINT, REASON, XDP_ACTION } from '../../../model/dataplane/tables.ts';
import { Verdict } from '../../../model/dataplane/structs.ts';
import { decode } from '../../../model/layout/struct.ts';
import { numPossibleCpus, u32 } from '../../../harness/libbpf/map.ts';
import { ether } from '../../../model/wire/builder.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

describeBpf('dataplane instance', () => {
  let a: DataplaneInstance;
  let b: DataplaneInstance;
  beforeAll(() => {
    [a, b] = loadInstances(['a', 'b'], { ifindexes: [2, 100] });
  });
  afterAll(() => {
    a?.close();
    b?.close();
  });

  it('pins the thread to one CPU and reads the verdict from its slot', () => {
    expect(pinnedCpu()).toBe(a.cpu);
    expect(allowedCpus()).toEqual([a.cpu]);
    const r = a.run('transit', new Uint8Array(20), 2);
    expect(r).toMatchObject({ action: 'PASS', reason: REASON.PASS_NOT_IPV4, points: [POINT.transit_outer], nPoints: 1, target: 0 });
  });

  it('reads the record through the shared mapping: the same bytes a lookup syscall returns', () => {
    const v = a.map('verdict');
    // Loaded with one slot per possible CPU, mmapable.
    expect(v.info.maxEntries).toBe(numPossibleCpus());
    const r = a.run('transit', new Uint8Array(40).fill(0x45, 12, 13), 2);
    const slot = v.lookup(u32(a.cpu))!;
    const rec = decode(Verdict, slot);
    expect(rec).toMatchObject({ action: XDP_ACTION.PASS, reason: r.reason, target: r.target, n_points: r.nPoints, flags: r.flags });
    expect([...(rec.points as Uint8Array).subarray(0, r.nPoints)]).toEqual(r.points);
    // Another run rewrites the slot; the first run's decoded record and output stay as they were.
    const out1 = r.output.slice();
    const r2 = a.run('agent', new Uint8Array(60), 2);
    expect(r2.reason).toBe(REASON.NO_IFACE);
    expect(a.readVerdict().reason).toBe(REASON.NO_IFACE);
    expect(r.reason).toBe(REASON.PASS_NOT_IPV4);
    expect(r.output).toEqual(out1);
  });

  it("lends a run the model's output and points where they are the kernel's, and copies where not", () => {
    const frame = new Uint8Array(20).fill(7, 14); // not IPv4: PASSed untouched
    const points = [POINT.transit_outer];
    // Without the model's run: the unchanged frame is the input itself.
    expect(a.run('transit', frame, 2).output).toBe(frame);
    // The model's output, equal bytes: shared, and so are its points.
    const like = { output: frame.slice(), points };
    const r = a.run('transit', frame, 2, like);
    expect(r.output).toBe(like.output);
    expect(r.points).toBe(points);
    // One byte apart, one point apart: the kernel's own bytes and points, in arrays of their own.
    const off = { output: frame.slice(), points: [POINT.transit_geneve] };
    off.output[19] ^= 1;
    const r2 = a.run('transit', frame, 2, off);
    expect(r2.output).not.toBe(off.output);
    expect(r2.output).not.toBe(frame);
    expect(r2.output).toEqual(frame);
    expect(r2.points).not.toBe(off.points);
    expect(r2.points).toEqual(points);
    // A different length is never shared.
    const r3 = a.run('transit', frame, 2, { output: frame.subarray(0, 19), points });
    expect(r3.output.length).toBe(20);
  });

  it('refuses to be read after close (the mapping is gone)', () => {
    const [c] = loadInstances(['c'], { ifindexes: [2] });
    c.close();
    expect(() => c.readVerdict()).toThrow(/used after close/);
    expect(() => c.close()).not.toThrow();
  });

  it('creates the ingress ifindexes in the private namespace', () => {
    expect(links().map((l) => l.ifindex)).toEqual(expect.arrayContaining([1, 2, 100]));
  });

  it("wires progs[0] to the instance's own transit: an agent frame for this host continues there", () => {
    const cp = new ControlPlane();
    cp.createHost({ name: 'h', ip: '192.168.1.1' });
    cp.createVpc({ name: 'v', vni: 5, cidr: '10.0.0.0/16' });
    cp.createNetwork({ name: 'n', vpc: 'v', cidr: '10.0.0.0/24', bouncers: ['h'] });
    const e = cp.createEndpoint({ name: 'e', network: 'n', ip: '10.0.0.10', host: 'h' });
    writeHostState(a, cp.host('h').state);
    writeHostState(b, new ControlPlane().createHost({ name: 'x', ip: '192.168.1.9' }).state);
    const arp = ether({ src: e.mac, dst: 'ff:ff:ff:ff:ff:ff' })
      .arp({ op: 'request', sha: e.mac, spa: '10.0.0.10', tpa: '10.0.0.1' })
      .build();
    const r = a.run('agent', arp, 100);
    expect(r.points).toContain(POINT.agent_tail_call);
    expect(r.points).toContain(POINT.transit_arp);
    // The reply goes back to this host too (tail call again) and is delivered to the pod.
    expect(r.points).toContain(POINT.transit_deliver);
    expect(r.reason).toBe(REASON.DECAP_DELIVER);
    // Instance b holds nothing: its agent knows no iface.
    expect(b.run('agent', arp, 100).reason).toBe(REASON.NO_IFACE);
  });
});
