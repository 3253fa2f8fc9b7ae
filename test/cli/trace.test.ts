// `twinplane trace`: a scenario's flow at each level, an ad-hoc flow, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledSchema } from '../../harness/scenario/json-schema.ts';
import { describeBpf } from '../support/bpf-gate.ts';

const root = JSON.parse(readFileSync('report/json-schema/run.schema.json', 'utf8')) as Record<string, unknown>;
const packetSchema = new CompiledSchema({ definitions: root.definitions, $ref: '#/definitions/packet' });

interface Doc {
  id: number;
  role: string;
  hops: { host: string; program: string; reason: string; frameIn: string; kernel?: unknown; points: { lookups: unknown[] }[] }[];
  outcome: { kind: string; endpoint?: string };
}

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-trace-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinplane trace', () => {
  it('minimal: the sends of the scenario that match, as in the golden file', () => {
    const r = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'pod-a->pod-b', '--level', 'minimal', '--target', 'model');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# demo: pod-a -> pod-b on model, 1 send of the scenario \(line 45\); 4 packets, level minimal$/m);
    const golden = readFileSync('test/golden/demo.minimal.txt', 'utf8');
    const body = r.stdout.split('\n').slice(2).join('\n');
    expect(golden.startsWith(body.trimEnd())).toBe(true);
  });

  it('detailed: map lookups; --proto filters; a service is a valid target', () => {
    const r = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'web-1->shop-api', '--proto', 'tcp', '--level', 'detailed');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/services\[.*\] → svc=\d+ target=8080/);
    expect(r.stdout).toMatch(/maglev\[/);
    expect(twinplane('trace', 'scenarios/demo.yaml', '--flow', 'web-1->shop-api', '--proto', 'udp').stdout).toMatch(
      /not sent by the scenario/,
    );
  });

  it('a flow the scenario never sends is sent once after its last step', () => {
    const r = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'web-pod-40->10.20.2.11', '--level', 'summary');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/not sent by the scenario: sent once after its last step/);
    expect(r.stdout).toMatch(/=> delivered to app-2 on node-1/);
  });

  it('--pcap writes the traced hops', () => {
    const f = join(dir, 't.pcapng');
    const r = twinplane('trace', 'scenarios/two-tenants.yaml', '--flow', 'blue-a->blue-b', '--pcap', f);
    expect(r.stderr).toMatch(/^wrote \d+ frames to /);
    const t = spawnSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' });
    expect(t.stdout).toMatch(/blue-a/);
  });

  it('bad input: exit 2 with one line', () => {
    expect(twinplane('trace', 'scenarios/demo.yaml', '--flow', 'pod-a').stderr).toMatch(/--flow must be <from>-><to>/);
    expect(twinplane('trace', 'scenarios/demo.yaml', '--flow', 'pod-a->pod-b', '--level', 'verbose')).toMatchObject({ code: 2 });
    const r = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'nobody->pod-b');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^twinplane trace: --flow nobody->pod-b: 'nobody' is not an endpoint of scenarios\/demo\.yaml$/m);
  });
});

describe('twinplane trace: JSON, filters, a given frame', () => {
  it('--json: one PacketDoc per line, valid against the run schema, the packets of the text', () => {
    const r = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'pod-a->pod-b', '--json', '--target', 'model');
    expect(r.code).toBe(0);
    const docs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Doc);
    // pod-a ARPs (its bouncer is its own host), pings; pod-b ARPs back before it replies.
    expect(docs.map((d) => [d.role, d.outcome.kind, d.outcome.endpoint])).toEqual([
      ['arp', 'delivered', 'pod-a'],
      ['request', 'delivered', 'pod-b'],
      ['arp', 'delivered', 'pod-b'],
      ['reply', 'delivered', 'pod-a'],
    ]);
    for (const d of docs) expect(packetSchema.validate(d)).toEqual([]);
  });

  it('--filter keeps the matching packets of the flow', () => {
    const r = twinplane(
      'trace',
      'scenarios/demo.yaml',
      '--flow',
      'pod-a->pod-b',
      '--json',
      '--target',
      'model',
      '--filter',
      'icmp and host node-2',
    );
    const docs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Doc);
    expect(docs.map((d) => d.role)).toEqual(['request', 'reply']);
    const text = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'pod-a->pod-b', '--target', 'model', '--filter', 'arp');
    expect(text.stdout).toMatch(/; 2 packets of 4 matching --filter, level summary$/m);
  });

  it('--port narrows the sends; a port no send uses is traced ad hoc', () => {
    const r = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'web-1->shop-api', '--port', '81', '--target', 'model', '--json');
    const docs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Doc);
    expect(docs.length).toBeGreaterThan(0);
    expect(twinplane('trace', 'scenarios/demo.yaml', '--flow', 'web-1->shop-api', '--port', '81', '--target', 'model').stdout).toMatch(
      /web-1 -> shop-api on model, not sent by the scenario/,
    );
    expect(twinplane('trace', 'scenarios/demo.yaml', '--flow', 'web-1->shop-api', '--port', '80', '--target', 'model').stdout).toMatch(
      /web-1 -> shop-api on model, 1 send of the scenario \(line \d+\)/,
    );
  });

  it('--frame: a frame from a send, given in hex, followed from its host as the run followed it', () => {
    const run = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'pod-a->pod-b', '--json', '--target', 'model');
    const ping = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Doc)
      .find((d) => d.role === 'request')!;
    const atNode2 = ping.hops.find((h) => h.host === 'node-2')!;
    const r = twinplane('trace', 'scenarios/demo.yaml', '--frame', atNode2.frameIn, '--host', 'node-2', '--json', '--target', 'model');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [doc] = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Doc);
    expect(packetSchema.validate(doc)).toEqual([]);
    expect(doc.hops.map((h) => [h.host, h.program, h.reason])).toEqual([['node-2', 'transit', 'DECAP_DELIVER']]);
    expect(doc.outcome).toEqual({ kind: 'delivered', endpoint: 'pod-b', host: 'node-2' });
    // The same frame from a file of hex, with colons and spaces, and from pod-a's veth.
    const file = join(dir, 'frame.hex');
    writeFileSync(file, atNode2.frameIn.replace(/(..)/g, '$1:').slice(0, -1) + '\n');
    expect(
      twinplane('trace', 'scenarios/demo.yaml', '--frame', file, '--host', 'node-2', '--target', 'model', '--level', 'minimal').stdout,
    ).toMatch(/^=> delivered to pod-b on node-2$/m);
    const first = ping.hops[0];
    const fromPod = twinplane(
      'trace',
      'scenarios/demo.yaml',
      '--frame',
      first.frameIn,
      '--host',
      'node-1',
      '--iface',
      'pod-a',
      '--json',
      '--target',
      'model',
    );
    const d2 = JSON.parse(fromPod.stdout) as Doc;
    expect(d2.hops.map((h) => `${h.host} ${h.program}`)).toEqual(ping.hops.map((h) => `${h.host} ${h.program}`));
  });
});

describeBpf('twinplane trace on the kernel', () => {
  it('--target xdp --level detailed says the kernel records points only', () => {
    const r = twinplane('trace', 'scenarios/demo.yaml', '--flow', 'pod-a->pod-b', '--target', 'xdp', '--level', 'detailed');
    expect(r.code).toBe(0);
    const hops = (r.stdout.match(/^\S+ (agent|transit), in /gm) ?? []).length;
    expect(hops).toBeGreaterThan(0);
    expect(
      r.stdout.match(/\(the kernel records decision points only: no map lookups or updates; --target both shows the model’s\)/g),
    ).toHaveLength(hops);
    expect(r.stdout).not.toMatch(/^ {7}\S+\[/m);
  });

  it('--frame on both: a frame the kernel cannot run is the model verdict and a note', () => {
    const r = twinplane('trace', 'scenarios/demo.yaml', '--frame', '0011223344', '--host', 'node-2', '--target', 'both');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^note: hop 1 on node-2: the kernel cannot run a 5-byte frame/m);
    expect(r.stderr).toMatch(/^twinplane trace: note: hop 1 on node-2: the kernel cannot run a 5-byte frame/);
  });
});
