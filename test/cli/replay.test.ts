// `twinplane replay`: a capture through one host, a verdict and reason per packet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../harness/scenario/load.ts';
import { Engine } from '../../harness/engine/engine.ts';
import { runScenario } from '../../harness/run/run.ts';
import { encodeCapture } from '../../report/capture/writer.ts';
import { fromHex } from '../../report/trace/frame.ts';
import { ether } from '../../model/wire/builder.ts';
import { describeBpf } from '../support/bpf-gate.ts';

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let capture: string;
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
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinplane replay', () => {
  it('a verdict and reason per packet (model)', () => {
    const r = twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--target', 'model');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#1 REDIRECT → veth pod-b DECAP_DELIVER {2}IPv4 192\.168\.10\.11 → 192\.168\.10\.12/m);
    expect(r.stdout).toMatch(/^#2 PASS PASS_NOT_FOR_HOST|^#2 PASS PASS_NOT_GENEVE/m);
    expect(r.stdout).toMatch(/^2 packets replayed$/m);
  });

  it('--out: a pcapng with the verdicts and a comment per packet', () => {
    const out = join(dir, 'out.pcapng');
    const r = twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--target', 'model', '--out', out);
    expect(r.code).toBe(0);
    const t = spawnSync('tshark', ['-r', out, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.verdict.ebpf_xdp', '-e', 'frame.comment'], {
      encoding: 'utf8',
    });
    const rows = t.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^4\|#1 node-2 transit on underlay: REDIRECT/);
    expect(rows[rows.length - 1]).toMatch(/^2\|#2 node-2 transit on underlay: PASS/);
  });

  it('bad input: unknown host, a pod elsewhere, a missing capture: exit 2', () => {
    expect(twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-9', '--target', 'model').stderr).toMatch(
      /no host 'node-9' in the scenario \(hosts: node-1, node-2, node-3\)/,
    );
    expect(
      twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--iface', 'pod-a', '--target', 'model').stderr,
    ).toMatch(/--iface must be 'underlay' or a pod on node-2 \(pod-b, app-1, web-pod-2, /);
    expect(
      twinplane('replay', join(dir, 'none.pcap'), '--scenario', 'scenarios/demo.yaml', '--host', 'node-2', '--target', 'model'),
    ).toMatchObject({ code: 2 });
    expect(twinplane('replay', capture, '--host', 'node-2').stderr).toMatch(/--scenario <file> is required/);
  });
});

describeBpf('twinplane replay on the kernel', () => {
  it('model and kernel give the same verdict per packet', () => {
    const r = twinplane('replay', capture, '--scenario', 'scenarios/demo.yaml', '--host', 'node-2');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/kernel agrees/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/2 packets replayed, 0 model\/kernel differences/);
  });
});
