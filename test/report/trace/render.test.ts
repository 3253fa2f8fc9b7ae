// The three trace levels show what they promise and nothing they should not.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { diffLines, layerLines } from '../../../report/trace/frame.ts';
import { renderPacket } from '../../../report/trace/render.ts';
import { ether } from '../../../model/wire/builder.ts';

const run = runScenario(loadScenario('scenarios/demo.yaml'), { engine: (cp) => new Engine(cp, 'model'), target: 'model', probe: false });
const across = run.packets.find((p) => p.flow === 'ping across subnets' && p.role === 'request')!;
const refused = run.packets.find((p) => p.flow === 'ping across VPCs' && p.role === 'request')!;

describe('trace levels', () => {
  it('minimal: verdicts, header changes and the output; no decision points or lookups', () => {
    const t = renderPacket(across, 'minimal').join('\n');
    expect(t).toMatch(/^node-1 agent \(veth web-1\): REDIRECT ENCAP_TO_BOUNCER → node-2$/m);
    expect(t).toMatch(/^ {2}\+ Geneve vni=200 /m);
    expect(t).toMatch(/^ {2}- Geneve vni=200 /m);
    expect(t).toMatch(/^=> delivered to app-1 on node-2$/m);
    expect(t).not.toMatch(/agent_iface|endpoints\[/);
  });

  it('summary: decision points in order and the whole output frame, inner headers indented', () => {
    const t = renderPacket(across, 'summary').join('\n');
    expect(t).toMatch(/agent_iface → agent_eth → agent_ip → .*agent_encap/);
    expect(t).toMatch(/^ {4}Geneve vni=200 .*\n {6}Ethernet /m);
    expect(t).not.toMatch(/endpoints\[/);
  });

  it('detailed: every point with its map lookups (value or miss), the input frame and the verdict', () => {
    const t = renderPacket(across, 'detailed').join('\n');
    expect(t).toMatch(/ifaces\[ifindex=\d+\] → vni=200 ip=10\.20\.1\.10/);
    expect(t).toMatch(/→ miss$/m);
    expect(t).toMatch(/^ {2}in:$/m);
    expect(t).toMatch(/^ {2}verdict: REDIRECT to underlay \(ifindex 2\), ENCAP_TO_BOUNCER: /m);
  });

  it("detailed: points carry the spec's step numbers (docs 4.1 / 4.2), not the visit order", () => {
    const t = renderPacket(across, 'detailed').join('\n');
    // agent 4.1: flow is step 5, local 6, cache 7 (the bouncer, 8, follows a cache miss).
    expect(t).toMatch(/^ {2}5\. agent_flow: .*\n(?: {7}.*\n)* {2}6\. agent_local: .*\n(?: {7}.*\n)* {2}7\. agent_cache: /m);
    expect(t).toMatch(/^ {2}9\. agent_encap: /m);
    // The ARP of the same flow is answered on the bouncer: transit step 5, sent by step 13.
    const arp = run.packets.find((p) => p.flow === 'ping across subnets' && p.role === 'arp')!;
    const a = renderPacket(arp, 'detailed').join('\n');
    expect(a).toMatch(/^ {2}5\. transit_arp: /m);
    expect(a).toMatch(/^ {2}13\. transit_send: /m);
  });

  it('a drop ends with where and why', () => {
    const t = renderPacket(refused, 'minimal').join('\n');
    expect(t).toMatch(/^=> dropped by node-2 transit: NO_ROUTE$/m);
  });

  it('diffLines: encapsulation adds outer lines and keeps the inner ones', () => {
    const inner = ether({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' })
      .ipv4({ src: '10.0.0.1', dst: '10.0.0.2' })
      .icmpEcho({ id: 1, seq: 1 })
      .build();
    const outer = ether({ src: '02:00:00:00:01:01', dst: '02:00:00:00:01:02' })
      .ipv4({ src: '192.168.0.1', dst: '192.168.0.2' })
      .udp({ sport: 50000, checksum: 0 })
      .geneve({ vni: 5 })
      .ether({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' })
      .ipv4({ src: '10.0.0.1', dst: '10.0.0.2' })
      .icmpEcho({ id: 1, seq: 1 })
      .build();
    const d = diffLines(layerLines(inner), layerLines(outer));
    expect(d.map((x) => x.op)).toEqual(['+', '+', '+', '+']);
    expect(d.map((x) => x.line.text.split(' ')[0])).toEqual(['Ethernet', 'IPv4', 'UDP', 'Geneve']);
    expect(diffLines(layerLines(outer), layerLines(inner)).every((x) => x.op === '-')).toBe(true);
  });
});

describe('map updates in the detailed trace', () => {
  const withUpdates = run.packets.find((p) => p.hops.some((h) => h.updates.length > 0))!;
  const { updateAt: _at, ...hop } = withUpdates.hops.find((h) => h.updates.length > 0)!;
  const only = { ...withUpdates, hops: [hop] };

  it('the runner says which point made each update', () => {
    expect(_at?.length).toBe(hop.updates.length);
    // Learnt writes are made by transit_deliver, transit_route or transit_svc_client.
    for (const i of _at!) expect(hop.points[i].name).toMatch(/^transit_(deliver|route|svc_client)$/);
  });

  it('without updateAt: after the points', () => {
    const lines = renderPacket(only, 'detailed');
    const last = Math.max(...lines.flatMap((l, i) => (/^ {2}\d+\. /.test(l) ? [i] : [])));
    const first = lines.findIndex((l) => l.startsWith('  update '));
    expect(first).toBeGreaterThan(last);
  });

  it('with updateAt: each under the point that made it', () => {
    const at = hop.updates.map(() => 0);
    const lines = renderPacket({ ...only, hops: [{ ...hop, updateAt: at }] }, 'detailed');
    const p1 = lines.findIndex((l) => l.startsWith('  1. '));
    const p2 = lines.findIndex((l) => l.startsWith('  2. '));
    const ups = lines.flatMap((l, i) => (l.startsWith('       update ') ? [i] : []));
    expect(ups).toHaveLength(hop.updates.length);
    for (const i of ups) expect(i > p1 && i < p2).toBe(true);
    expect(lines.some((l) => l.startsWith('  update '))).toBe(false);
  });
});
