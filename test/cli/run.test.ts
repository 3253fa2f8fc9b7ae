// `twinplane run` as users and CI run it: exit codes, text, --json against its schema,
// --junit read back by an XML parser, --report files, every problem of a broken file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { CompiledSchema } from '../../harness/scenario/json-schema.ts';
import { describeBpf } from '../support/bpf-gate.ts';

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SHIPPED = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `scenarios/${f}`);
const schema = new CompiledSchema(JSON.parse(readFileSync('report/json-schema/run.schema.json', 'utf8')));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinplane run', () => {
  it('every shipped scenario passes on the model: exit 0', () => {
    const r = twinplane('run', ...SHIPPED, '--target', 'model');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${SHIPPED.length} scenarios passed on model$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}✓ ping inside a subnet/m);
  });

  it('--json validates against report/json-schema/run.schema.json', () => {
    const r = twinplane('run', ...SHIPPED, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(schema.validate(doc)).toEqual([]);
    expect(doc.runs).toHaveLength(SHIPPED.length);
    // The validator is not a rubber stamp.
    const broken = { ...doc, runs: [{ ...doc.runs[0], packets: [{ ...doc.runs[0].packets[0], hops: [{ action: 'JUMP' }] }] }] };
    expect(schema.validate(broken).length).toBeGreaterThan(0);
  });

  it('a failed expectation: exit 1, the file:line:column and what happened; --junit and --report written', () => {
    const junit = join(dir, 'j.xml');
    const rep = join(dir, 'rep');
    const r = twinplane('run', 'test/harness/run/fixtures/failing.yaml', '--junit', junit, '--report', rep);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {6}test\/harness\/run\/fixtures\/failing\.yaml:16:5: wrong reason: reason NO_ROUTE$/m);
    expect(r.stdout).toMatch(/expected NO_ROUTE, but packet \d+ ended with DECAP_DELIVER/);
    const x = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(junit, 'utf8'));
    expect(x.testsuites.failures).toBe('3');
    for (const f of ['index.html', 'summary.md', 'junit.xml', 'run.json', 'run.pcapng']) expect(existsSync(join(rep, f)), f).toBe(true);
  });

  it('broken scenario files: every problem with file:line:column, exit 2, nothing run', () => {
    const r = twinplane('run', 'scenarios/demo.yaml', 'test/harness/run/fixtures/broken.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('twinplane run: 4 problems in the scenario files:');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^test\/harness\/run\/fixtures\/broken\.yaml:3:21: hosts\[0\]\.ip: /),
      expect.stringMatching(
        /^test\/harness\/run\/fixtures\/broken\.yaml:9:\d+: vpcs\[0\]\.networks\[0\]\.bouncers\[0\]: unknown host 'nosuchhost'/,
      ),
      expect.stringMatching(/^test\/harness\/run\/fixtures\/broken\.yaml:11:\d+: steps\[0\]\.send\.from: unknown endpoint 'ghost'/),
      expect.stringMatching(/^test\/harness\/run\/fixtures\/broken\.yaml:11:\d+: steps\[0\]\.send\.to: /),
    ]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('--target live goes to the live runner, which checks the files first (exit 2, nothing built)', () => {
    const r = twinplane('run', '--target', 'live', 'test/harness/run/fixtures/broken.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:3:21: hosts\[0\]\.ip: /);
    expect(r.stderr).not.toMatch(/--target must be/);
  });

  it('bad flags and missing files: exit 2 with one line', () => {
    expect(twinplane('run', 'scenarios/demo.yaml', '--target', 'fpga')).toMatchObject({
      code: 2,
      stderr: "twinplane run: --target must be one of model, xdp, both, live, not 'fpga'\n",
    });
    expect(twinplane('run', 'scenarios/demo.yaml', '--target', 'bth').stderr).toBe(
      "twinplane run: --target must be one of model, xdp, both, live, not 'bth'; did you mean 'both'?\n",
    );
    expect(twinplane('run', 'nope.yaml')).toMatchObject({ code: 2, stderr: 'twinplane run: nope.yaml:1:1: (file): no such file\n' });
    expect(twinplane('run').code).toBe(2);
  });

  it('a folder runs every .yaml in it; --filter keeps the matching packets in the outputs, checks count them all', () => {
    const all = JSON.parse(twinplane('run', 'scenarios', '--target', 'model', '--json').stdout) as {
      runs: { file: string; checks: unknown[]; packets: { id: number; hops: { action: string }[] }[] }[];
    };
    expect(all.runs.map((r) => r.file)).toEqual([...SHIPPED].sort());
    const kept = JSON.parse(twinplane('run', 'scenarios', '--target', 'model', '--json', '--filter', 'verdict DROP').stdout) as typeof all;
    expect(kept.runs.map((r) => r.packets.map((p) => p.id))).toEqual(
      all.runs.map((r) => r.packets.filter((p) => p.hops.some((h) => h.action === 'DROP')).map((p) => p.id)),
    );
    expect(kept.runs.map((r) => r.checks)).toEqual(all.runs.map((r) => r.checks));
    const text = twinplane('run', 'scenarios/demo.yaml', '--target', 'model', '--filter', 'verdict DROP');
    const n = all.runs.find((r) => r.file === 'scenarios/demo.yaml')!.packets.filter((p) => p.hops.some((h) => h.action === 'DROP')).length;
    expect(text.stdout).toMatch(new RegExp(`^# ${n} packets? match --filter$`, 'm'));
  });

  it('--help: usage with the variadic scenario argument and every flag', () => {
    const r = twinplane('run', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Usage: twinplane run <scenario…> \[--target <model\|xdp\|both\|live>\] \[--json\] \[--report <dir>\] \[--junit <file>\] \[--pcap <file>\] \[--filter <expr>\] \[--option-class <class>\] \[--pairs <all\|n>\]$/m,
    );
    expect(r.stdout.match(/scenario…/g)).toHaveLength(2);
  });

  it('the run pcapng: tshark shows every hop of every packet with its XDP verdict and comment', () => {
    const rep = join(dir, 'pcap');
    const r = twinplane('run', 'scenarios/two-tenants.yaml', '--target', 'model', '--report', rep, '--json');
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as {
      runs: { packets: { id: number; hops: { host: string; program: string; action: string; frameOut: string | null }[] }[] }[];
    };
    const code: Record<string, string> = { ABORTED: '0', DROP: '1', PASS: '2', TX: '3', REDIRECT: '4' };
    // Per hop the frame in, and the frame out when the program sent one.
    const want = doc.runs[0].packets.flatMap((p) =>
      p.hops.flatMap((h, i) =>
        (h.frameOut === null ? ['in'] : ['in', 'out']).map((dir) => [
          `${h.host}/${h.program}`,
          code[h.action],
          String(p.id),
          `hop ${i + 1}/${p.hops.length} ${dir}:`,
        ]),
      ),
    );
    const t = spawnSync(
      'tshark',
      [
        '-r',
        join(rep, 'run.pcapng'),
        '-T',
        'fields',
        '-E',
        'separator=|',
        '-e',
        'frame.interface_name',
        '-e',
        'frame.verdict.ebpf_xdp',
        '-e',
        'frame.comment',
      ],
      { encoding: 'utf8' },
    );
    expect(t.status).toBe(0);
    const rows = t.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    expect(
      rows.map(([iface, verdict, comment]) => [
        iface,
        verdict,
        /^packet (\d+) /.exec(comment)?.[1],
        /hop \d+\/\d+ (in|out):/.exec(comment)?.[0],
      ]),
    ).toEqual(want);
    expect(rows.some((row) => /hop 2\/2 in: \S+ transit on underlay: REDIRECT to veth \S+ DECAP_DELIVER/.test(row[2]))).toBe(true);
  });
});

describe('run pcapng files in Wireshark', () => {
  it.each(SHIPPED)('%s: tshark finds no expert error (real DNS on port 53, whole frames)', (f) => {
    const out = join(dir, `${f.replace(/\W/g, '_')}.pcapng`);
    expect(twinplane('run', f, '--target', 'model', '--pcap', out).code).toBe(0);
    const t = spawnSync('tshark', ['-r', out, '-q', '-z', 'expert,error'], { encoding: 'utf8' });
    expect(t.status).toBe(0);
    expect(t.stdout).not.toMatch(/Errors \(\d+\)/);
    // The check has teeth: the DNS dissector reads the query the runner sends to port 53.
    if (f.endsWith('two-tenants.yaml')) {
      const q = spawnSync('tshark', ['-r', out, '-Y', 'dns.qry.name == "twinplane.example"', '-T', 'fields', '-e', 'frame.number'], {
        encoding: 'utf8',
      });
      expect(q.stdout.trim()).not.toBe('');
    }
  });
});

describeBpf('twinplane run --target both', () => {
  it('every shipped scenario: model and kernel agree hop by hop, exit 0', () => {
    const r = twinplane('run', ...SHIPPED, '--target', 'both');
    expect(r.stdout).toMatch(/0 model\/kernel mismatches/);
    expect(r.code).toBe(0);
  });
});
