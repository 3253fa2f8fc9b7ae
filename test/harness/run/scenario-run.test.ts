// The scenario runner on the model: shipped scenarios pass, failures name what and where,
// the pods' stacks ARP first and answer, the invariants fill the matrix.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { loadScenario, parseScenario } from '../../../harness/scenario/load.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { docHosts } from '../../../harness/run/docs.ts';
import type { ScenarioRunDoc } from '../../../report/json-schema/run-doc.ts';

const model = (file: string, extra: Partial<Parameters<typeof runScenario>[1]> = {}): ScenarioRunDoc =>
  runScenario(loadScenario(file), { engine: (cp) => new Engine(cp, 'model'), target: 'model', ...extra });

const SHIPPED = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `scenarios/${f}`);

describe('runScenario on the model', () => {
  it.each(SHIPPED)('%s: every expectation and invariant holds', (file) => {
    const r = model(file);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    // Every check is a send's expectation or an invariant, and each of them is a check.
    expect(r.checks).toEqual([...r.sends.flatMap((x) => x.checks), ...r.invariants]);
    expect(r.sends.length + r.invariants.length).toBeGreaterThan(0);
  });

  it('reports each failed expectation with the step position, expected and got', () => {
    const r = model('test/harness/run/fixtures/failing.yaml');
    expect(r.ok).toBe(false);
    const failed = r.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.id)).toEqual(['send[0].delivered', 'send[0].reason', 'send[1].path']);
    expect(failed[0]).toMatchObject({ line: 16, column: 5, kind: 'expect' });
    expect(failed[1].message).toMatch(/expected NO_ROUTE, but packet \d+ ended with DECAP_DELIVER/);
    expect(failed[2].message).toMatch(/expected \[h1, h2, h1, h2\], packet \d+ crossed \[h1, h2\]/);
    expect(r.sends.map((s) => s.ok)).toEqual([false, false]);
  });

  it('the sending pod ARPs before its first packet, the receiver answers (ARPing too)', () => {
    const r = model('scenarios/demo.yaml', { probe: false });
    const ping = r.sends[0];
    const roles = ping.packets.map((id) => r.packets.find((p) => p.id === id)!.role);
    expect(roles).toEqual(['arp', 'request', 'arp', 'reply']);
    const reply = r.packets.find((p) => p.id === ping.packets[3])!;
    expect(reply.outcome).toMatchObject({ kind: 'delivered', endpoint: 'pod-a' });
    // A second send to the same pod needs no ARP from the sender: its cache lasts across steps.
    const direct = r.sends.find((s) => s.name === 'direct path after the ARP')!;
    const fromSender = direct.packets.map((id) => r.packets.find((p) => p.id === id)!).filter((p) => p.from === 'web-pod-1');
    expect(fromSender.map((p) => p.role)).toEqual(['request', 'request', 'request']);
  });

  const serviceReply = (file: string, send: string) => {
    const r = model(file, { probe: false });
    const pk = r.sends.find((s) => s.name === send)!.packets.map((id) => r.packets.find((p) => p.id === id)!);
    const reply = pk.find((p) => p.role === 'reply')!;
    return { syn: pk.find((p) => p.role === 'request')!, reply, src: reply.hops[reply.hops.length - 1].frameOut!.slice(26 * 2, 30 * 2) };
  };

  it('a service flow reaches a backend and its reply comes back from the VIP', () => {
    const { syn, reply, src } = serviceReply('scenarios/service-failover.yaml', 'both backends');
    expect(syn.hops.map((h) => h.reason)).toContain('SERVICE_BOUNCE');
    expect(reply.outcome).toMatchObject({ kind: 'delivered', endpoint: 'client' });
    // The client sees the VIP (10.30.100.1) as the source: un-NATed on its host.
    expect(src).toBe('0a1e6401');
  });

  // Client and backend on one host: the reply is delivered by agent_local, which must
  // un-NAT it too (a real TCP client resets a SYN-ACK from the backend's own address).
  it('a same-host backend replies from the VIP too', () => {
    const { reply, src } = serviceReply('scenarios/demo.yaml', 'service by TCP');
    expect(reply.hops.map((h) => h.host)).toEqual(['node-1']);
    expect(src).toBe('0a14ff0a');
  });

  it('invariants fill the matrix: reach inside a VPC, blocked across', () => {
    const r = model('scenarios/two-tenants.yaml');
    const m = r.matrix;
    expect(m.endpoints.length).toBeGreaterThan(2);
    m.cells.forEach((row, i) => row.forEach((c, j) => expect(c).toBe(i === j ? 'self' : m.vpcs[i] === m.vpcs[j] ? 'reach' : 'blocked')));
    expect(r.invariants.map((c) => [c.id, c.ok])).toEqual([
      ['invariant.isolation', true],
      ['invariant.reachability', true],
    ]);
    // Passing probes are not kept: the report carries only what a reader needs.
    expect(r.packets.every((p) => !p.flow.startsWith('probe '))).toBe(true);
  });

  it('a big cluster is probed on a sample covering every subnet, and says so', () => {
    const r = model('scenarios/demo.yaml', { pairLimit: 60 });
    expect(r.matrix.endpoints.length).toBeLessThan(46);
    expect(new Set(r.matrix.vpcs)).toEqual(new Set(['default', 'shop']));
    expect(r.matrix.note).toMatch(/sample/);
  });

  it('records per-step control-plane writes that do not grow with the hosts', () => {
    const r = model('scenarios/demo.yaml', { probe: false });
    const prov = r.steps.find((s) => s.kind === 'provision')!;
    expect(Object.keys(prov.writes!).sort()).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it('docHosts collapses a tail call on one host into one entry', () => {
    const r = model('scenarios/demo.yaml', { probe: false });
    const arp = r.packets[0];
    expect(arp.hops.length).toBe(1);
    // The agent tail-calls the host's transit, which tail-calls itself to deliver: one run.
    const calls = arp.hops[0].points.filter((p) => p.name.endsWith('_tail_call')).length;
    expect(calls).toBe(2);
    expect(arp.hops[0].tailCalls).toBe(calls);
    expect(docHosts(arp)).toEqual(['node-1']);
  });
});

// A step the control plane refuses halfway (here: a host past LEARNT_SLOTS VPCs) leaves what
// it wrote before refusing; the kernel takes that state too, so the rest of the run (probes,
// the last batch's comparison) runs on one state on both sides instead of failing a write.
describeBpf('a refused step on target both', () => {
  it('is a located check; model and kernel still agree on everything after it', () => {
    const vpcs = Array.from({ length: 9 }, (_, i) => i + 1);
    const text = [
      'name: slots-full',
      'hosts: [{ name: h1, ip: 192.168.77.1 }, { name: h2, ip: 192.168.77.2 }, { name: h3, ip: 192.168.77.3 }]',
      'vpcs:',
      ...vpcs.map(
        (v) => `  - { name: v${v}, vni: ${700 + v}, cidr: 10.${v}.0.0/16, networks: [{ name: n, cidr: 10.${v}.1.0/24, bouncers: [h2] }] }`,
      ),
      'endpoints:',
      ...vpcs
        .slice(0, 8)
        .flatMap((v) => [
          `  - { name: a${v}, vpc: v${v}, network: n, ip: 10.${v}.1.10, host: h1 }`,
          `  - { name: b${v}, vpc: v${v}, network: n, ip: 10.${v}.1.11, host: h2 }`,
        ]),
      'steps:',
      ...vpcs.slice(0, 8).map((v) => `  - send: { from: a${v}, to: b${v}, proto: icmp, expect: { delivered: true } }`),
      // late-1 lands on h3 (which joins v9), late-2 on h1, which has no slot left.
      '  - provision: { count: 2, vpc: v9, network: n, hosts: [h3, h1], namePrefix: late- }',
      '',
    ].join('\n');
    const r = runScenario(parseScenario(text, 'slots-full.yaml'), { engine: (cp) => new Engine(cp, 'both'), target: 'both' });
    const bad = r.checks.filter((c) => !c.ok);
    expect(bad.map((c) => `${c.id}: ${c.message}`)).toEqual([
      'step[8]: host h1: already in 8 VPCs, its learnt maps have no slot for VPC v9',
    ]);
    expect(bad[0].line).toBe(text.split('\n').findIndex((l) => l.includes('provision')) + 1);
    expect(r.mismatches).toBe(0);
  });
});
