// `twinplane trace`: a scenario's flow at each level, an ad-hoc flow, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
    expect(r.stderr).toMatch(/^twinplane trace: no endpoint 'nobody' after the last step/);
  });
});
