// `twinplane verify` as users and CI run it: a clean scenario exits 0 with every property's
// counts; a violation exits 1 with its frame, both sides' path, a pcapng and the command that
// reproduces it (which, run, shows that one class again); --json, --junit (a testcase per
// property), --report (the class table), and shards joined by --merge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { PROPERTIES } from '../../report/json-schema/verify-doc.ts';
import { CompiledSchema } from '../../harness/scenario/json-schema.ts';
import { describeBpf } from '../support/bpf-gate.ts';

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
const CROSS = (): string => join(dir, 'never-cross.yaml');
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-verify-'));
  // a's frames to b cross b's host, which the scenario says they never may.
  writeFileSync(
    CROSS(),
    [
      'name: never-cross',
      'hosts:',
      '  - { name: h1, ip: 192.168.50.1 }',
      '  - { name: h2, ip: 192.168.50.2 }',
      'vpcs:',
      '  - { name: v, vni: 5, cidr: 10.5.0.0/16, networks: [{ name: n, cidr: 10.5.1.0/24, bouncers: [h1] }] }',
      'endpoints:',
      '  - { name: a, vpc: v, network: n, ip: 10.5.1.10, host: h1 }',
      '  - { name: b, vpc: v, network: n, ip: 10.5.1.11, host: h2 }',
      'assertions:',
      '  - neverCross: { from: a, hosts: [h2] }',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinplane verify', () => {
  it('a clean scenario: exit 0, classes, frames and hops per property, known findings with their issues', () => {
    const r = twinplane('verify', 'scenarios/demo.yaml', '--target', 'model', '--checkpoint', '0');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^demo \(scenarios\/demo\.yaml\): VERIFIED — [\d,]+ classes, [\d,]+ frames, [\d,]+ hops in/m);
    expect(r.stdout).toMatch(/classes\/s, [\d,]+ frames\/s, [\d,]+ hops\/s/);
    for (const p of PROPERTIES) expect(r.stdout).toMatch(new RegExp(`^  ${p} +[\\d,]+ +[\\d,]+ +[\\d,]+  `, 'm'));
    expect(r.stdout).toMatch(/^ {2}location-of-no-host-learnt — issue /m);
    expect(r.stdout).not.toMatch(/service-option-past-mtu/);
  });

  it('a violation: exit 1, its class, frame, path on both sides, a pcapng and the reproducing command', () => {
    const r = twinplane('verify', CROSS(), '--target', 'both', '--flood', '0');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/VIOLATED/);
    expect(r.stdout).toMatch(/VIOLATION never-cross: a's frame crossed host h2/);
    expect(r.stdout).toMatch(/^ {4}frame {7}[0-9a-f]+/m);
    expect(r.stdout).toMatch(/^ {6}1\. h1 agent +model REDIRECT \w+ +kernel same$/m);
    const pcap = /^ {4}pcapng {6}(\S+)$/m.exec(r.stdout)?.[1];
    expect(pcap).toBeDefined();
    expect(readFileSync(pcap!).subarray(0, 4)).toEqual(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]));
    const cmd = /^ {4}reproduce {3}twinplane (verify .*)$/m.exec(r.stdout)?.[1];
    expect(cmd).toMatch(/--class '.+' --checkpoint 0$/);
    // The command, run, shows exactly that class again.
    const argv = [...cmd!.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
    const again = twinplane(...argv);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/VIOLATED — 1 classes, 1 frames/);
  });

  it('--json validates against verify.schema.json; --junit has a testcase per property; --report has the class table', () => {
    const junit = join(dir, 'v.xml');
    const report = join(dir, 'rep');
    const r = twinplane('verify', CROSS(), '--target', 'model', '--json', '--junit', junit, '--report', report);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const schema = new CompiledSchema(JSON.parse(readFileSync('report/json-schema/verify.schema.json', 'utf8')));
    expect(schema.validate(doc)).toEqual([]);
    const x = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(junit, 'utf8'));
    const cases = [x.testsuites.testsuite.testcase].flat();
    expect(cases.map((c: Record<string, string>) => c['@_name'])).toEqual([...PROPERTIES]);
    expect(cases.find((c: Record<string, unknown>) => c['@_name'] === 'never-cross').failure).toBeDefined();
    const html = readFileSync(join(report, 'index.html'), 'utf8');
    expect(html).toMatch(/<th>class group<\/th>/);
    expect(html).toMatch(/arp request → endpoint \(own VPC\)/);
    for (const f of ['verify.json', 'junit.xml', 'violations.pcapng']) expect(existsSync(join(report, f))).toBe(true);
  });

  it('--shard i/n and --merge: the shards join to the one run', () => {
    const whole = JSON.parse(twinplane('verify', 'scenarios/two-tenants.yaml', '--target', 'model', '--json', '--flood', '0').stdout);
    const files = [1, 2].map((i) => {
      const out = twinplane('verify', 'scenarios/two-tenants.yaml', '--target', 'model', '--json', '--flood', '0', '--shard', `${i}/2`);
      expect(out.code).toBe(0);
      const f = join(dir, `shard${i}.json`);
      writeFileSync(f, out.stdout);
      return f;
    });
    const m = twinplane('verify', '--merge', ...files, '--json');
    expect(m.code).toBe(0);
    const merged = JSON.parse(m.stdout);
    expect(merged.merged).toBe(2);
    expect(merged.scenarios[0].classes).toBe(whole.scenarios[0].classes);
    expect(merged.scenarios[0].properties).toEqual(whole.scenarios[0].properties);
    const text = twinplane('verify', '--merge', ...files);
    expect(text.stdout).toMatch(/2 shards merged/);
    const missing = twinplane('verify', '--merge', files[0]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--merge: shard 2\/2 missing/);
  });

  it('invariants: { isolation: exhaustive } makes run prove isolation with verify, class table in the report', () => {
    const report = join(dir, 'run-rep');
    const r = twinplane('run', 'scenarios/verify-state-isolation.yaml', '--target', 'model', '--report', report);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/isolation, exhaustive: every header class of every source after every step/);
    expect(readFileSync(join(report, 'index.html'), 'utf8')).toMatch(/Header classes \(twinplane verify\)/);
  });
});

describeBpf('twinplane verify --target live', () => {
  it('a seeded sample of classes injected on real interfaces agrees with the model', () => {
    const r = twinplane('verify', 'scenarios/two-tenants.yaml', '--target', 'live', '--live-sample', '10', '--seed', '3', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.scenarios[0].sampled).toBe(10);
    expect(doc.scenarios[0].results.every((x: { ok: boolean }) => x.ok)).toBe(true);
  });
});
