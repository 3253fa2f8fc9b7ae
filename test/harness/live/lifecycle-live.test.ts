// The lifecycle steps on real interfaces: VPCs, networks and services created and deleted,
// bouncers and dividers changed, a host failing, each between sends whose outcome on the
// real stack must match the model's — the maps a step writes (and the learnt state it
// clears) reach the kernels as for any other step, and a failed host is gone from the wire.
// And the traffic steps beside send: an inject put on a host's underlay, a burst of flows
// on a pod's interface, judged by what the real stack did (the shipped lifecycle.yaml runs
// live in scenarios.test.ts; here, their checks must also be able to fail).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { runScenarioLive } from '../../../harness/live/live-run.ts';
import { parseScenario } from '../../../harness/scenario/load.ts';
import { expectNothingLeft } from './live-fixtures.ts';

const SCENARIO = `
name: live-lifecycle
hosts:
  - { name: n1, ip: 192.168.73.1 }
  - { name: n2, ip: 192.168.73.2 }
  - { name: n3, ip: 192.168.73.3 }
vpcs:
  - name: red
    vni: 31
    cidr: 10.73.0.0/16
    networks: [{ name: a, cidr: 10.73.1.0/24, bouncers: [n2] }]
endpoints:
  - { name: r1, vpc: red, network: a, ip: 10.73.1.10, host: n1 }
  - { name: r2, vpc: red, network: a, ip: 10.73.1.11, host: n3 }
steps:
  - send: { name: before, from: r1, to: r2, proto: icmp, expect: { delivered: true, to: r2 } }
  - createNetwork: { vpc: red, name: b, cidr: 10.73.2.0/24, bouncers: [n3] }
  - provision: { count: 1, vpc: red, network: b, hosts: [n2], namePrefix: rb- }
  - setDividers: { vpc: red, dividers: [n2] }
  - send: { name: across the new network, from: r1, to: rb-1, proto: udp, port: 7001, expect: { delivered: true, to: rb-1 } }
  - createService: { name: web, vpc: red, vip: 10.73.1.200, ports: [{ port: 80, protocol: tcp }], backends: [r2] }
  - send: { name: to the new service, from: r1, to: web, proto: tcp, port: 80, expect: { delivered: true, backend: r2 } }
  - setBouncers: { vpc: red, network: a, bouncers: [n3] }
  - send: { name: after the bouncer change, from: r1, to: 10.73.1.12, proto: arp, expect: { delivered: false } }
  - deleteService: web
  - send: { name: the service is gone, from: r1, to: 10.73.1.200, proto: tcp, port: 80, expect: { delivered: false } }
  - createVpc:
      name: blue
      vni: 32
      cidr: 10.73.0.0/16
      networks: [{ name: a, cidr: 10.73.1.0/24, bouncers: [n1] }]
  - provision: { count: 2, vpc: blue, network: a, hosts: [n1, n3], namePrefix: b- }
  - send: { name: inside the new VPC, from: b-1, to: b-2, proto: icmp, expect: { delivered: true, to: b-2 } }
  - deleteNetwork: { vpc: red, network: b }
  - deleteVpc: blue
  - failHost: n3
  - send: { name: r2 went with its host, from: r1, to: 10.73.1.11, proto: icmp, expect: { delivered: false } }
`;

describeBpf('live lifecycle steps', () => {
  const prefixes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tp-live-lifecycle-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expectNothingLeft(prefixes);
  });

  it('every step applied live, every send as the model says, nothing but the data plane disagreeing', async () => {
    const r = await runScenarioLive(parseScenario(SCENARIO, 'live-lifecycle.yaml'), {
      captureDir: dir,
      onPrefix: (p) => prefixes.push(p),
    });
    expect(r.checks.filter((c) => !c.ok).map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(r.sends.flatMap((x) => x.disagreements.map((d) => `${x.name} @ ${d.where}: ${d.live}`))).toEqual([]);
    expect(r.kernelMismatches).toBe(0);
    expect(r.sends.map((x) => x.name)).toEqual([
      'before',
      'across the new network',
      'to the new service',
      'after the bouncer change',
      'the service is gone',
      'inside the new VPC',
      'r2 went with its host',
    ]);
    // Every lifecycle step wrote maps live (the steps record their writes).
    const kinds = r.steps.filter((s) => s.kind !== 'send' && s.kind !== 'provision');
    expect(kinds.map((s) => s.kind)).toEqual([
      'createNetwork',
      'setDividers',
      'createService',
      'setBouncers',
      'deleteService',
      'createVpc',
      'deleteNetwork',
      'deleteVpc',
      'failHost',
    ]);
    for (const s of kinds) expect(s.refused, s.kind).toBeUndefined();
  }, 120_000);

  it('inject and openFlows checks judge the real stack: wrong expectations fail, saying what happened', async () => {
    const text = `
name: live-traffic-wrong
hosts:
  - { name: n1, ip: 192.168.74.1 }
  - { name: n2, ip: 192.168.74.2 }
vpcs:
  - name: red
    vni: 41
    cidr: 10.74.0.0/16
    networks: [{ name: a, cidr: 10.74.1.0/24, bouncers: [n2] }]
endpoints:
  - { name: r1, vpc: red, network: a, ip: 10.74.1.10, host: n1 }
  - { name: r2, vpc: red, network: a, ip: 10.74.1.11, host: n2 }
steps:
  - inject:
      name: under a VNI no VPC uses
      into: n1
      from: n2
      vni: 4242
      hostLocation: { host: n2 }
      inner: { proto: icmp, from: 10.74.1.11, to: 10.74.1.10 }
      expect: { delivered: true, to: r1, reason: DECAP_DELIVER, learns: true }
  - openFlows: { name: flows that do arrive, from: r1, to: r2, proto: udp, port: 7001, count: 20, expect: { delivered: false } }
`;
    const r = await runScenarioLive(parseScenario(text, 'live-traffic-wrong.yaml'), { captureDir: dir, onPrefix: (p) => prefixes.push(p) });
    const bad = Object.fromEntries(r.checks.filter((c) => !c.ok).map((c) => [c.id, c.message]));
    expect(Object.keys(bad).sort()).toEqual([
      'inject[0].delivered',
      'inject[0].learns',
      'inject[0].reason',
      'inject[0].to',
      'openFlows[1].delivered',
    ]);
    expect(bad['inject[0].delivered']).toBe('reached no pod');
    expect(bad['inject[0].learns']).toBe('no kernel learnt anything');
    // The host's own stack talks on its NIC too (neighbour discovery): other reasons may rise.
    expect(bad['inject[0].reason']).toMatch(/^n1's counters rose for (?:.*, )?NO_ROUTE(?:, .*)?$/);
    expect(bad['openFlows[1].delivered']).toBe("20 of 20 flows' packets arrived at a pod");
  }, 120_000);
});
