// Smoke test of live mode without the overlay: the topology exists as described, pods are
// configured as a CNI plugin would, hosts reach each other over the underlay bridge (ping,
// UDP, TCP), captures hold that traffic, and destroy removes everything. Pods on different
// hosts cannot talk yet — the host namespaces do not forward; the XDP overlay will.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { CaptureSet } from '../../../harness/live/capture.ts';
import { ip, listLinks, listNetns } from '../../../harness/ip.ts';
import { summarizeInner } from '../../../harness/live/frame-view.ts';
import { POD_MTU, UNDERLAY_MTU } from '../../../harness/live/spec.ts';
import { Topology } from '../../../harness/live/topology.ts';
import { echo, ping } from '../../../harness/live/traffic.ts';
import { TWO_HOSTS, expectNothingLeft } from './fixtures.ts';

describeBpf('live topology (no XDP)', () => {
  let topo: Topology;
  let dir: string;
  const prefixes: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-live-'));
    topo = Topology.build(TWO_HOSTS);
    prefixes.push(topo.prefix);
  });

  afterAll(() => {
    topo?.destroy();
    rmSync(dir, { recursive: true, force: true });
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
    const caps = await CaptureSet.start(links, dir);
    let pinged;
    let podPing;
    try {
      pinged = await ping(a.ns, b.spec.ip, { count: 2, interval: 0.2 });
      // Same subnet, other host: the pod ARPs for db itself, and nobody answers yet.
      podPing = await ping(web.ns, '10.20.0.6', { count: 1, waitS: 1 });
    } finally {
      await caps.stop();
    }
    expect(pinged.ok, pinged.output).toBe(true);
    expect(podPing.ok).toBe(false);

    const isEcho = (type: number) => (f: ReturnType<typeof summarizeInner>) =>
      f?.proto === 1 && f.icmpType === type && f.saddr === (type === 8 ? a.spec.ip : b.spec.ip);
    for (const l of [a.underlay, a.bridgePort, b.bridgePort, b.underlay]) {
      const frames = (await caps.get(l).packets()).map((p) => summarizeInner(p.data));
      expect(frames.filter(isEcho(8)), `${l.name} requests`).toHaveLength(2);
      expect(frames.filter(isEcho(0)), `${l.name} replies`).toHaveLength(2);
    }
    const webFrames = (await caps.get(web.pod).packets()).map((p) => summarizeInner(p.data));
    expect(webFrames.some((f) => f?.op === 1 && f.tpa === '10.20.0.6' && f.srcMac === web.spec.mac)).toBe(true);
    // Nothing of the underlay reaches a pod; IPv6 is off, so no stray neighbour discovery either.
    const dbFrames = await caps.get(topo.endpoint('db').pod).packets();
    expect(dbFrames).toHaveLength(0);
  });

  it('carries a UDP and a TCP echo between host namespaces', async () => {
    const a = topo.host('alpha');
    const b = topo.host('beta');
    const udp = await echo('udp', { ns: b.ns, ip: b.spec.ip }, a.ns, { port: 7001, timeoutMs: 3000 });
    expect(udp, udp.error).toMatchObject({ ok: true, serverPeer: expect.stringMatching(/^192\.168\.250\.1:/) });
    const tcp = await echo('tcp', { ns: a.ns, ip: a.spec.ip }, b.ns, { port: 7002, timeoutMs: 3000 });
    expect(tcp, tcp.error).toMatchObject({ ok: true, serverPeer: expect.stringMatching(/^192\.168\.250\.2:/) });
  });

  it('reports a failed echo instead of hanging when nothing answers', async () => {
    // The pod's subnet is unreachable without the overlay: the client gives up in time.
    const web = topo.endpoint('web');
    const db = topo.endpoint('db');
    const r = await echo('udp', { ns: db.ns, ip: db.spec.ip }, web.ns, { port: 7003, timeoutMs: 1000 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/client/);
  });

  it('destroy removes every namespace and marker of the run', () => {
    topo.destroy();
    expectNothingLeft([topo.prefix]);
  });
});
