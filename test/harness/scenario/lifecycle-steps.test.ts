// The scenario format's additions for verify (item 5): steps that change the cluster's shape,
// traffic from the underlay and in bulk, assertions, per-pod MTU, a MAC reused by another
// tenant, and the invariants' mapping form — each loads, and each mistake is one located
// error naming the step that made it one.
import { describe, expect, it } from 'vitest';
import { ScenarioError, formatIssue, loadScenario, parseScenario } from '../../../harness/scenario/load.ts';

const BASE = `name: t
hosts:
  - { name: h1, ip: 192.168.60.1 }
  - { name: h2, ip: 192.168.60.2 }
vpcs:
  - { name: red, vni: 10, cidr: 10.1.0.0/16, networks: [{ name: a, cidr: 10.1.1.0/24, bouncers: [h1] }] }
  - { name: blue, vni: 20, cidr: 10.1.0.0/16, networks: [{ name: a, cidr: 10.1.1.0/24, bouncers: [h2] }] }
endpoints:
  - { name: r1, vpc: red, network: a, ip: 10.1.1.10, host: h1 }
  - { name: b1, vpc: blue, network: a, ip: 10.1.1.10, host: h2 }
`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 't.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.issues.map(formatIssue);
  }
}

describe('the lifecycle steps and the rest of item 5', () => {
  it('the shipped lifecycle scenario loads every new kind of step', () => {
    const s = loadScenario('scenarios/lifecycle.yaml');
    const kinds = new Set(s.steps.map((x) => x.kind));
    for (const k of [
      'createVpc',
      'deleteVpc',
      'createNetwork',
      'deleteNetwork',
      'createService',
      'deleteService',
      'failHost',
      'setBouncers',
      'openFlows',
      'inject',
    ])
      expect(kinds).toContain(k);
    expect(s.assertions?.map((a) => a.kind)).toEqual(['neverReach', 'neverCross']);
    expect(s.endpoints.find((e) => e.name === 'red-1')?.mtu).toBe(1434);
    expect(s.pairs).toBe('all');
    // Only the VPCs of the file exist before the first step; green comes with its step.
    expect(s.vpcs.map((v) => v.name)).toEqual(['red', 'blue']);
  });

  it('a VNI is reused only after its VPC is deleted', () => {
    const reuse = `${BASE}steps:\n  - createVpc: { name: green, vni: 20, cidr: 10.9.0.0/16, networks: [{ name: a, cidr: 10.9.1.0/24, bouncers: [h1] }] }\n`;
    expect(problems(reuse)).toEqual([
      `t.yaml:12:36: steps[0].createVpc.vni: VNI 20 is already used by VPC 'blue': delete that VPC first to reuse its VNI`,
    ]);
    expect(problems(`${BASE}steps:\n  - deleteVpc: blue\n${reuse.slice(BASE.length + 'steps:\n'.length)}`)).toEqual([]);
  });

  it('what a step removed cannot be used later: the error points at that step', () => {
    expect(problems(`${BASE}steps:\n  - deleteVpc: blue\n  - send: { from: b1, to: r1, proto: icmp }\n`)).toEqual([
      "t.yaml:13:19: steps[1].send.from: endpoint 'b1' was deleted by the step at 12:16",
    ]);
    expect(problems(`${BASE}steps:\n  - failHost: h2\n  - move: { endpoint: r1, to: h2 }\n`)).toEqual([
      "t.yaml:13:31: steps[1].move.to: host 'h2' failed at the step at 12:15",
    ]);
    expect(
      problems(
        `${BASE}steps:\n  - deleteNetwork: { vpc: red, network: a }\n  - provision: { count: 1, vpc: red, network: a, hosts: [h1] }\n`,
      ),
    ).toEqual(["t.yaml:13:47: steps[1].provision.network: network 'a' was deleted by the step at 12:20"]);
  });

  it('a MAC may repeat across tenants, not within one', () => {
    const mac = (vpc: string): string => `  - { name: x, vpc: ${vpc}, network: a, ip: 10.1.1.30, host: h1, mac: "02:0a:0a:01:01:0a" }\n`;
    expect(problems(`${BASE}${mac('blue')}`)).toEqual([]);
    expect(problems(`${BASE}${mac('red')}`)).toEqual([
      "t.yaml:11:68: endpoints[2].mac: MAC 02:0a:0a:01:01:0a is already the MAC of endpoint 'r1' in VPC 'red' (another VPC may reuse it)",
    ]);
  });

  it('inject, openFlows, assertions and the delivered-packet checks say what is wrong where', () => {
    expect(problems(`${BASE}steps:\n  - inject: { into: h1, from: h3, vni: 10, inner: { proto: icmp, to: r1 } }\n`)).toEqual([
      "t.yaml:12:31: steps[0].inject.from: unknown host 'h3' (or 'rogue', or an IPv4 address)",
    ]);
    expect(problems(`${BASE}steps:\n  - inject: { into: h1, from: rogue, vni: 10, inner: { proto: udp, to: r1 } }\n`)).toEqual([
      't.yaml:12:54: steps[0].inject.inner.port: is required for udp',
    ]);
    expect(problems(`${BASE}steps:\n  - openFlows: { from: r1, to: b1, proto: tcp, port: 80, count: 70000, srcPort: 1024 }\n`)).toEqual([
      't.yaml:12:65: steps[0].openFlows.count: 70000 flows from source port 1024 run past 65535: start lower (srcPort) or open fewer',
    ]);
    expect(problems(`${BASE}assertions:\n  - neverReach: { from: r1, to: [b2] }\n`)).toEqual([
      "t.yaml:12:34: assertions[0].neverReach.to[0]: unknown endpoint 'b2'",
    ]);
    expect(
      problems(`${BASE}steps:\n  - send: { from: r1, to: b1, proto: icmp, expect: { delivered: false, arrivesWith: { ttl: 63 } } }\n`),
    ).toEqual(['t.yaml:12:85: steps[0].send.expect.arrivesWith: describes a delivered packet, but delivered is false']);
    expect(problems(`${BASE}invariants: { isolation: exhaustive, pairs: 1 }\n`)).toEqual([
      "t.yaml:11:45: invariants.pairs: must be 'all' or a number of pairs of at least 2, not 1",
    ]);
  });
});
