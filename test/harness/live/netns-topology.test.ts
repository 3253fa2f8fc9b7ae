// Smoke test of live mode without the overlay: the topology exists as described, pods are
// configured as a CNI plugin would, hosts reach each other over the underlay bridge (ping,
// UDP, TCP), captures hold that traffic, and destroy removes everything. Pods on different
// hosts cannot talk yet — the host namespaces do not forward; the XDP overlay will.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { CaptureSet } from '../../../harness/live/capture.ts';
import { ip, listLinks, listNetns } from '../../../harness/ip.ts';
import { summarizeInner } from '../../../harness/live/frame-view.ts';
import { POD_MTU, UNDERLAY_MTU } from '../../../harness/live/spec.ts';
import { Topology } from '../../../harness/live/netns-topology.ts';
import { ping } from '../../../harness/live/traffic.ts';
import { PodSockets, exchange } from '../../../harness/live/pod-sockets.ts';
import { drainTaps } from '../../../harness/live/tap.ts';
import { TWO_HOSTS, expectNothingLeft } from './live-fixtures.ts';

describeBpf('live topology (no XDP)', () => {
  let topo: Topology;
  const prefixes: string[] = [];

  beforeAll(() => {
    topo = Topology.build(TWO_HOSTS);
    prefixes.push(topo.prefix);
  });

  afterAll(() => {
    topo?.destroy();
    expectNothingLeft(prefixes);
  });

  it('creates one namespace per host and endpoint plus the underlay, all with the run prefix', () => {
    const mine = listNetns().filter((n) => n.startsWith(topo.prefix));
    expect(mine.sort()).toEqual(topo.namespaces().sort());
    expect(mine).toHaveLength(1 + 2 + 2);
    // Nothing in this process's own namespace.
    expect(listLinks().filter((l) => l.name.startsWith(topo.prefix))).toEqual([]);
  });

  it('gives each host an underlay veth with its IP and MAC, the other end on the bridge', () => {
    for (const h of topo.hosts.values()) {
      const u = listLinks(h.ns).find((l) => l.name === h.underlay.name)!;
      expect(u).toMatchObject({ mac: h.spec.mac, mtu: UNDERLAY_MTU, up: true, ifindex: h.underlay.ifindex });
      expect(ip(['-j', 'addr', 'show', 'dev', u.name], h.ns)).toContain(`"local":"${h.spec.ip}"`);
      const b = listLinks(topo.underlayNs).find((l) => l.name === h.bridgePort.name)!;
      expect(b).toMatchObject({ master: topo.bridge.name, up: true, mtu: UNDERLAY_MTU });
    }
    expect(topo.host('alpha').underlay.ifindex).toBe(7);
  });

  it('configures pods like a CNI plugin: address, MAC, MTU, default route, gateway neighbour', () => {
    for (const e of topo.endpoints.values()) {
      const p = listLinks(e.ns).find((l) => l.name === e.pod.name)!;
      expect(p).toMatchObject({ mac: e.spec.mac, mtu: POD_MTU, up: true });
      expect(ip(['-j', 'addr', 'show', 'dev', p.name], e.ns)).toContain(`"local":"${e.spec.ip}","prefixlen":${e.spec.prefixLen}`);
      expect(ip(['route', 'show', 'default'], e.ns)).toContain(`default via ${e.spec.gateway} dev ${p.name}`);
      // The host side: up, no address, in the host's namespace.
      const h = topo.host(e.spec.host);
      const v = listLinks(h.ns).find((l) => l.name === e.hostVeth.name)!;
      expect(v).toMatchObject({ up: true, mtu: POD_MTU, ifindex: e.hostVeth.ifindex });
      expect(ip(['-j', 'addr', 'show', 'dev', v.name], h.ns)).not.toContain('"local"');
    }
    expect(topo.endpoint('web').hostVeth.ifindex).toBe(40);
    const db = topo.endpoint('db');
    expect(ip(['neigh', 'show', db.spec.gateway], db.ns)).toMatch(/lladdr 02:67:77:00:00:01 PERMANENT/);
    // No static entry for web's gateway: it ARPs and the overlay will answer.
    expect(ip(['neigh', 'show', '10.20.0.1'], topo.endpoint('web').ns).trim()).toBe('');
  });

  it('lets hosts ping each other over the underlay, and the captures hold the pings', async () => {
    const a = topo.host('alpha');
    const b = topo.host('beta');
    const web = topo.endpoint('web');
    const links = [a.underlay, b.underlay, a.bridgePort, b.bridgePort, web.pod, topo.endpoint('db').pod];
    // Capturing from the moment open() returns: no wait before the traffic.
    const caps = CaptureSet.open(links);
    try {
      const pinged = await ping(a.ns, b.spec.ip, { count: 2, interval: 0.2 });
      // Same subnet, other host: the pod ARPs for db itself, and nobody answers yet.
      const podPing = await ping(web.ns, '10.20.0.6', { count: 1, waitS: 1 });
      await drainTaps();
      expect(pinged.ok, pinged.output).toBe(true);
      expect(podPing.ok).toBe(false);

      const isEcho = (type: number) => (f: ReturnType<typeof summarizeInner>) =>
        f?.proto === 1 && f.icmpType === type && f.saddr === (type === 8 ? a.spec.ip : b.spec.ip);
      for (const l of [a.underlay, a.bridgePort, b.bridgePort, b.underlay]) {
        const frames = caps.get(l).frames.map((p) => summarizeInner(p.data));
        expect(frames.filter(isEcho(8)), `${l.name} requests`).toHaveLength(2);
        expect(frames.filter(isEcho(0)), `${l.name} replies`).toHaveLength(2);
      }
      const webFrames = caps.get(web.pod).frames.map((p) => summarizeInner(p.data));
      expect(webFrames.some((f) => f?.op === 1 && f.tpa === '10.20.0.6' && f.srcMac === web.spec.mac)).toBe(true);
      // Nothing of the underlay reaches a pod; IPv6 is off, so no stray neighbour discovery either.
      expect(caps.get(topo.endpoint('db').pod).frames).toHaveLength(0);
    } finally {
      caps.close();
    }
  });

  it("carries a UDP and a TCP echo between host namespaces, from the flow's own source port", async () => {
    const a = topo.host('alpha');
    const b = topo.host('beta');
    const srvB = new PodSockets(b.ns);
    const srvA = new PodSockets(a.ns);
    try {
      srvB.serve('udp', [7001]);
      srvA.serve('tcp', [7002]);
      const payload = new TextEncoder().encode('hello');
      const udp = await exchange(a.ns, 'udp', b.spec.ip, 7001, { srcPort: 41001, payload, count: 2, timeoutMs: 3000 });
      expect(udp, udp.error).toMatchObject({ ok: true, sent: 2, echoed: 2 });
      expect(srvB.served.get('udp/7001')).toBe(2);
      const tcp = await exchange(b.ns, 'tcp', a.spec.ip, 7002, { srcPort: 41002, payload, count: 3, timeoutMs: 3000 });
      // TCP: the SYN is the first packet, then count − 1 messages.
      expect(tcp, tcp.error).toMatchObject({ ok: true, sent: 2, echoed: 2 });
      expect(srvA.served.get('tcp/7002')).toBeGreaterThanOrEqual(1);
    } finally {
      srvA.close();
      srvB.close();
    }
  });

  it('reports a failed exchange instead of hanging when nothing answers', async () => {
    // The pod's subnet is unreachable without the overlay: the client gives up in time.
    const web = topo.endpoint('web');
    const db = topo.endpoint('db');
    const payload = new TextEncoder().encode('x');
    const u = await exchange(web.ns, 'udp', db.spec.ip, 7003, { srcPort: 41003, payload, count: 1, timeoutMs: 500 });
    expect(u.ok).toBe(false);
    expect(u.error).toMatch(/0 of 1 echo/);
    const t = await exchange(web.ns, 'tcp', db.spec.ip, 7003, { srcPort: 41004, payload, count: 2, timeoutMs: 500 });
    expect(t.ok).toBe(false);
    expect(t.error).toMatch(/no connection within 500 ms/);
  });

  it('destroy removes every namespace and marker of the run', () => {
    topo.destroy();
    expectNothingLeft([topo.prefix]);
  });
});
