// The shipped scenarios load, and what they resolve to: defaults filled, names resolved to
// the entities themselves, addresses as numbers and bytes.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadScenario, parseScenario } from '../../../harness/scenario/load.ts';
import type { SendStep, Step } from '../../../harness/scenario/load.ts';
import { scenarioSchema } from '../../../harness/scenario/schema-file.ts';
import { ipv4, macToString } from '../../../model/wire/addr.ts';

const SHIPPED = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function send(steps: readonly Step[], name: string): SendStep {
  const s = steps.find((x): x is SendStep => x.kind === 'send' && x.name === name);
  if (s === undefined) throw new Error(`no send named ${name}`);
  return s;
}

describe('shipped scenarios', () => {
  it('are the eleven the docs describe', () => {
    expect(SHIPPED).toEqual([
      'adversarial.yaml',
      'compare.yaml',
      'demo.yaml',
      'divider-route.yaml',
      'endpoint-move.yaml',
      'hairpin.yaml',
      'lifecycle.yaml',
      'service-failover.yaml',
      'two-tenants.yaml',
      'verify-stale-cache.yaml',
      'verify-state-isolation.yaml',
    ]);
  });

  for (const f of SHIPPED) {
    it(`${f} names the schema on its first line, passes it and loads`, () => {
      const text = readFileSync(`scenarios/${f}`, 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/scenario.schema.json');
      expect(scenarioSchema().validate(parse(text))).toEqual([]);
      const s = loadScenario(`scenarios/${f}`);
      expect(s.file).toBe(`scenarios/${f}`);
      expect(s.name).toBe(f.replace(/\.yaml$/, ''));
    });
  }
});

describe('demo.yaml resolved', () => {
  const s = loadScenario('scenarios/demo.yaml');
  const host = (n: string) => s.hosts.find((h) => h.name === n);

  it('fills host defaults: MAC 02:00 + the IP, MTU 1500', () => {
    expect(s.hosts.map((h) => h.name)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(host('node-1')?.ip).toBe(ipv4('192.168.10.11'));
    expect(host('node-1')?.ip).toBe(0xc0a80a0b);
    expect(macToString(host('node-1')?.mac ?? new Uint8Array())).toBe('02:00:c0:a8:0a:0b');
    expect(host('node-3')?.mtu).toBe(1500);
  });

  it('resolves VPCs, networks and gateways to the entities themselves', () => {
    const shop = s.vpcs[1];
    expect(shop.name).toBe('shop');
    expect(shop.vni).toBe(200);
    expect(shop.dividers).toEqual([host('node-2'), host('node-3')]);
    expect(shop.dividers[0]).toBe(host('node-2'));
    expect(shop.networks.map((n) => n.name)).toEqual(['web', 'app']);
    expect(shop.networks[0].gateway).toBe(ipv4('10.20.1.1'));
    expect(shop.networks[1].bouncers[0]).toBe(host('node-3'));
    expect(s.vpcs[0].dividers).toEqual([]);
  });

  it('derives endpoint MACs from the VNI and the IP', () => {
    const web1 = s.endpoints.find((e) => e.name === 'web-1');
    expect(web1?.vpc).toBe(s.vpcs[1]);
    expect(web1?.network).toBe(s.vpcs[1].networks[0]);
    expect(macToString(web1?.mac ?? new Uint8Array())).toBe('02:c8:0a:14:01:0a');
  });

  it('fills service defaults and keeps backends as endpoints', () => {
    const api = s.services[0];
    expect(api.vip).toBe(ipv4('10.20.255.10'));
    expect(api.ports).toEqual([{ port: 80, protocol: 'tcp', targetPort: 8080 }]);
    expect(api.backends.map((b) => b.name)).toEqual(['app-1', 'app-2']);
    expect(api.backends[0]).toBe(s.endpoints.find((e) => e.name === 'app-1'));
  });

  it('provisions 40 endpoints round-robin at the lowest free addresses', () => {
    const p = s.steps.find((x) => x.kind === 'provision');
    if (p?.kind !== 'provision') throw new Error('no provision step');
    expect(p.endpoints).toHaveLength(40);
    expect(p.endpoints.map((e) => e.name).slice(0, 3)).toEqual(['web-pod-1', 'web-pod-2', 'web-pod-3']);
    expect(p.endpoints.map((e) => e.host.name).slice(0, 4)).toEqual(['node-1', 'node-2', 'node-3', 'node-1']);
    // .1 is the gateway, .10 and .11 are web-1 and web-2: skipped.
    const addrs = p.endpoints.map((e) => e.ip - ipv4('10.20.1.0'));
    expect(addrs.slice(0, 10)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 12, 13]);
    expect(new Set(p.endpoints.map((e) => macToString(e.mac))).size).toBe(40);
  });

  it('resolves sends: targets, defaults, expectations', () => {
    const across = send(s.steps, 'ping across VPCs');
    expect(across.to).toMatchObject({ kind: 'endpoint', ip: ipv4('10.0.0.10'), live: true });
    expect(across.expect).toEqual({ delivered: false, reason: 'NO_ROUTE' });
    expect(across.count).toBe(1);
    expect(new TextDecoder().decode(across.payload)).toBe('twinplane');
    expect(across.port).toBeUndefined();
    const direct = send(s.steps, 'direct path after the ARP');
    expect(direct.fromHost).toBe(host('node-1'));
    expect(direct.expect.path).toEqual([host('node-1'), host('node-3')]);
    expect(direct.expect).toMatchObject({ hops: 1, directAfter: 1, bouncerSees: 'arpOnly' });
    const tcp = send(s.steps, 'service by TCP');
    expect(tcp.to).toMatchObject({ kind: 'service', ip: ipv4('10.20.255.10') });
    // Sixth send (index 5): one flow per send unless srcPort says otherwise.
    expect(tcp).toMatchObject({ port: 80, srcPort: 40005, count: 3 });
    expect(s.invariants).toEqual(['isolation', 'reachability']);
  });

  it('records where each step was written', () => {
    const text = readFileSync('scenarios/demo.yaml', 'utf8').split('\n');
    const line = text.findIndex((l) => l.includes('- provision:')) + 1;
    expect(s.steps.find((x) => x.kind === 'provision')?.at).toEqual({ line, column: 5 });
  });
});

describe('other shipped scenarios', () => {
  it('two-tenants: same addresses, different MACs, IP targets', () => {
    const s = loadScenario('scenarios/two-tenants.yaml');
    const [blueA, , greenA] = s.endpoints;
    expect(blueA.ip).toBe(greenA.ip);
    expect(macToString(blueA.mac)).not.toBe(macToString(greenA.mac));
    expect(send(s.steps, 'blue to the shared address').to).toEqual({ kind: 'ip', ip: ipv4('10.0.1.11') });
  });

  it('endpoint-move: the move knows where from; later sends start at the new host', () => {
    const s = loadScenario('scenarios/endpoint-move.yaml');
    const move = s.steps.find((x) => x.kind === 'move');
    expect(move).toMatchObject({ endpoint: { name: 'web-2' }, from: { name: 'node-2' }, to: { name: 'node-4' } });
    expect(send(s.steps, 'moved pod replies').fromHost.name).toBe('node-4');
    expect(send(s.steps, 'after the delete').to).toMatchObject({ kind: 'endpoint', live: false });
    expect(s.steps.find((x) => x.kind === 'delete')).toMatchObject({ host: { name: 'node-4' } });
    expect(s.hosts[3].mtu).toBe(9000);
  });

  it('adversarial: forge options and raw frames', () => {
    const s = loadScenario('scenarios/adversarial.yaml');
    expect(send(s.steps, 'spoofed source IP').forge).toEqual({ srcIp: ipv4('10.0.1.99') });
    expect(send(s.steps, 'VLAN-tagged frame').forge).toEqual({ vlan: 20 });
    const geneve = send(s.steps, 'forged Geneve for the other tenant');
    expect(geneve.port).toBe(6081);
    expect(geneve.forge.geneve).toMatchObject({ vni: 20, innerTo: { kind: 'endpoint', endpoint: { name: 'beta-1' } } });
    const raw = send(s.steps, 'not IPv4');
    expect(raw.to).toBeUndefined();
    expect(raw.raw?.length).toBe(54);
    expect(raw.raw?.[12]).toBe(0x86);
    expect(raw.payload.length).toBe(0);
  });

  it('service-failover: backend steps and a service without backends', () => {
    const s = loadScenario('scenarios/service-failover.yaml');
    expect(s.services[1].backends).toEqual([]);
    expect(s.services[0].ports[1]).toEqual({ port: 53, protocol: 'udp', targetPort: 53 });
    expect(s.steps.filter((x) => x.kind === 'removeBackend').map((x) => x.kind === 'removeBackend' && x.endpoint.name)).toEqual([
      'api-1',
      'api-2',
    ]);
    expect(send(s.steps, 'api-1 removed').srcPort).toBe(41000);
  });
});

describe('parseScenario', () => {
  const base = 'name: t\nhosts: [{ name: h, ip: 192.168.0.1 }]\n';

  it('accepts the smallest scenario and fills empty lists', () => {
    const s = parseScenario(base, 'mem.yaml');
    expect(s).toMatchObject({ file: 'mem.yaml', description: '', vpcs: [], endpoints: [], services: [], steps: [], invariants: [] });
  });

  it('frees a deleted endpoint address for the next provision', () => {
    const text = `${base}vpcs: [{ name: v, vni: 5, cidr: 10.5.0.0/16, networks: [{ name: n, cidr: 10.5.0.0/30, bouncers: [h] }] }]
endpoints: [{ name: e, vpc: v, network: n, ip: 10.5.0.2, host: h }]
steps:
  - delete: e
  - provision: { count: 1, vpc: v, network: n, hosts: [h] }
  - provision: { count: 1, vpc: v, network: n, hosts: [h] }
`;
    expect(() => parseScenario(text, 'mem.yaml')).toThrow(/network 'n' has 0 free addresses, not 1/);
    const ok = parseScenario(text.replace(/ {2}- provision.*\n$/, ''), 'mem.yaml');
    const p = ok.steps[1];
    expect(p.kind === 'provision' && p.endpoints.map((e) => [e.name, e.ip])).toEqual([['n-1', ipv4('10.5.0.2')]]);
  });
});
