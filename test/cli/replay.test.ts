// `twinplane replay`: a capture through one host, a verdict and reason per packet; frames
// the kernel cannot run get the model's verdict and a note, and the capture goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../harness/scenario/load.ts';
import { CompiledSchema } from '../../harness/scenario/json-schema.ts';
import { Engine } from '../../harness/engine/engine.ts';
import { runScenario } from '../../harness/run/scenario-run.ts';
import { encodeCapture } from '../../report/capture/writer.ts';
import { fromHex } from '../../model/wire/hex.ts';
import { ether } from '../../model/wire/builder.ts';
import { describeBpf } from '../support/bpf-gate.ts';

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The run document's schema, entered at its packet definition: what --json prints per line. */
const root = JSON.parse(readFileSync('report/json-schema/run.schema.json', 'utf8')) as Record<string, unknown>;
const packetSchema = new CompiledSchema({ definitions: root.definitions, $ref: '#/definitions/packet' });

let dir: string;
let capture: string;
let odd: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-replay-'));
  // What node-2's NIC received in the demo: pod-a's ping to pod-b, then the host's own traffic.
  const run = runScenario(loadScenario('scenarios/demo.yaml'), { engine: (cp) => new Engine(cp, 'model'), target: 'model', probe: false });
  const ping = run.packets.find((p) => p.flow === 'ping inside a subnet' && p.role === 'request')!;
  const atNode2 = ping.hops.find((h) => h.host === 'node-2')!;
  const own = ether({ src: '02:00:00:00:99:99', dst: '02:00:c0:a8:0a:0c' })
    .ipv4({ src: '192.168.10.99', dst: '192.168.10.12' })
    .udp({ sport: 5353, dport: 53 })
    .payload('dns')
    .build();
  capture = join(dir, 'in.pcapng');
  writeFileSync(capture, encodeCapture({ format: 'pcapng' }, [{ data: fromHex(atNode2.frameIn) }, { data: own }]));
  // Frames the kernel's test run refuses (0 and 5 bytes, 4,000 bytes), between good ones.
  const big = new Uint8Array(4000);
  big.set(own.subarray(0, 14));
  odd = join(dir, 'odd.pcapng');
  writeFileSync(
    odd,
    encodeCapture({ format: 'pcapng' }, [
      { data: new Uint8Array(0) },
      { data: fromHex(atNode2.frameIn) },
      { data: new Uint8Array(5) },
      { data: big },
      { data: own },
    ]),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinplane replay', () => {
  it('a verdict and reason per packet (model), each shown as trace shows a hop', () => {
    const r = twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--target', 'model');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^node-2 transit \(underlay\): REDIRECT DECAP_DELIVER → veth pod-b$/m);
    expect(r.stdout).toMatch(/^=> delivered to pod-b on node-2$/m);
    // The host's own traffic is UDP to port 53, not Geneve: handed to the host untouched.
    expect(r.stdout).toMatch(
      /packet 2 \(raw\) from node-2 underlay: IPv4 192\.168\.10\.99 → 192\.168\.10\.12 .* \/ UDP 5353 → 53 len=11\nnode-2 transit \(underlay\): PASS PASS_NOT_GENEVE\n=> passed to node-2's own stack: PASS_NOT_GENEVE\n/,
    );
    expect(r.stdout).toMatch(/^2 packets replayed$/m);
  });

  it('--json: one PacketDoc per line, valid against the run schema', () => {
    const r = twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--target', 'model', '--json');
    expect(r.code).toBe(0);
    const docs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; hops: { reason: string }[]; outcome: { kind: string } });
    expect(docs.map((d) => [d.id, d.hops[0].reason, d.outcome.kind])).toEqual([
      [1, 'DECAP_DELIVER', 'delivered'],
      [2, 'PASS_NOT_GENEVE', 'passed'],
    ]);
    for (const d of docs) expect(packetSchema.validate(d)).toEqual([]);
    expect(packetSchema.validate({ ...docs[0], outcome: { kind: 'teleported' } }).length).toBeGreaterThan(0);
  });

  it('--filter keeps the matching packets', () => {
    const r = twinplane(
      'replay',
      capture,
      '--scenario',
      'scenarios/demo.yaml',
      '--host',
      'node-2',
      '--target',
      'model',
      '--filter',
      'udp port 53',
    );
    expect(r.stderr).toMatch(/at character 5: expected 'and' or 'or' before 'port'/);
    const ok = twinplane(
      'replay',
      capture,
      '--scenario',
      'scenarios/demo.yaml',
      '--host',
      'node-2',
      '--target',
      'model',
      '--json',
      '--filter',
      'udp and port 53',
    );
    expect(
      ok.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: number }).id),
    ).toEqual([2]);
  });

  it('--pcap: a pcapng with the verdicts and a comment per packet', () => {
    const out = join(dir, 'out.pcapng');
    const r = twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--target', 'model', '--pcap', out);
    expect(r.code).toBe(0);
    const t = spawnSync('tshark', ['-r', out, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.verdict.ebpf_xdp', '-e', 'frame.comment'], {
      encoding: 'utf8',
    });
    const rows = t.stdout.trim().split('\n');
    // Packet 1 in and the frame it was delivered as; packet 2 in and the same frame passed on.
    expect(rows.map((x) => x.split('|')[0])).toEqual(['4', '4', '2', '2']);
    expect(rows[0]).toMatch(
      /^4\|packet 1 \(raw\) "[^"]+in\.pcapng" hop 1\/1 in: node-2 transit on underlay: REDIRECT to veth pod-b DECAP_DELIVER/,
    );
    expect(rows[2]).toMatch(/^2\|packet 2 \(raw\) "[^"]+" hop 1\/1 in: node-2 transit on underlay: PASS PASS_NOT_GENEVE/);
  });

  it('--out is now --pcap: said, exit 2', () => {
    expect(twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--out', 'x.pcapng')).toMatchObject({
      code: 2,
      stderr: "twinplane replay: --out is now --pcap (see 'twinplane replay --help')\n",
    });
  });

  it('bad input: unknown host, a pod elsewhere, a missing capture, no scenario: exit 2', () => {
    expect(twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-9', '--target', 'model').stderr).toBe(
      "twinplane replay: --host node-9: no host 'node-9' in scenarios/demo.yaml (hosts: node-1, node-2, node-3); did you mean 'node-1'?\n",
    );
    expect(
      twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--iface', 'pod-a', '--target', 'model').stderr,
    ).toMatch(/--iface must be 'underlay' or a pod on node-2 \(pod-b, app-1, web-pod-2, /);
    expect(
      twinplane('replay', join(dir, 'none.pcap'), '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--target', 'model'),
    ).toMatchObject({ code: 2, stderr: `twinplane replay: ${join(dir, 'none.pcap')}: no such file or folder (the capture)\n` });
    expect(twinplane('replay', capture, '--host', 'node-2').stderr).toMatch(/^twinplane replay: --scenario <file> is required/);
  });
});

describeBpf('twinplane replay on the kernel', () => {
  it('model and kernel give the same verdict per packet', () => {
    const r = twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--json');
    expect(r.code).toBe(0);
    const docs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { hops: { kernel?: { mismatches: string[]; reason: string } }[] });
    expect(docs.map((d) => d.hops[0].kernel)).toEqual([
      expect.objectContaining({ reason: 'DECAP_DELIVER', mismatches: [] }),
      expect.objectContaining({ reason: 'PASS_NOT_GENEVE', mismatches: [] }),
    ]);
    expect(twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2').stdout).toMatch(
      /^2 packets replayed, 0 model\/kernel differences$/m,
    );
  });

  it('frames the kernel cannot run: the model verdict and a note each, the rest goes on, exit 0', () => {
    const r = twinplane('replay', odd, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--target', 'both');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^note: the kernel cannot run a (\d+)-byte frame/gm)).toEqual([
      'note: the kernel cannot run a 0-byte frame',
      'note: the kernel cannot run a 5-byte frame',
      'note: the kernel cannot run a 4000-byte frame',
    ]);
    expect(r.stdout).toMatch(/^5 packets replayed, 0 model\/kernel differences, 3 the kernel could not run \(model only, noted\)$/m);
    expect(r.stdout).toMatch(/^=> delivered to pod-b on node-2$/m);
  });
});
