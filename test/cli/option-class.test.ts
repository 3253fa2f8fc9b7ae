// The Geneve option class: 0xFFF0 by default (RFC 8926's experimental range), another per
// scenario (`optionClass`) or per command (`--option-class`, which wins), 0x0111 (Mizar's)
// included. The class reaches the hosts' cfg (model and kernel agree on frames carrying
// it), the wire (tshark reads it), the documents and every renderer (options stay decoded).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeBpf } from '../support/bpf-gate.ts';

const dir = mkdtempSync(join(tmpdir(), 'tp-optclass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function twinplane(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/bin.mjs', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const scenario = (optionClass?: string): string => {
  const f = join(dir, `oc-${optionClass ?? 'default'}.yaml`);
  writeFileSync(
    f,
    `name: option-class
${optionClass !== undefined ? `optionClass: ${optionClass}\n` : ''}hosts:
  - { name: n1, ip: 192.168.9.1 }
  - { name: n2, ip: 192.168.9.2 }
  - { name: n3, ip: 192.168.9.3 }
vpcs:
  - name: t
    vni: 9
    cidr: 10.9.0.0/16
    networks: [{ name: pods, cidr: 10.9.1.0/24, bouncers: [n2] }]
endpoints:
  - { name: a, vpc: t, network: pods, ip: 10.9.1.10, host: n1 }
  - { name: b, vpc: t, network: pods, ip: 10.9.1.11, host: n3 }
services:
  - { name: svc, vpc: t, vip: 10.9.1.200, ports: [{ port: 80, protocol: tcp }], backends: [b] }
steps:
  - send: { from: a, to: b, proto: icmp, expect: { delivered: true, to: b } }
  - send: { from: a, to: svc, proto: tcp, port: 80, expect: { delivered: true, backend: b } }
  - send: { from: a, to: b, proto: icmp, count: 2, expect: { delivered: true, directAfter: 1 } }
`,
  );
  return f;
};

/** The option classes tshark reads on every Geneve frame of a capture. */
function wireClasses(pcap: string): Set<string> {
  const t = spawnSync('tshark', ['-r', pcap, '-Y', 'geneve.option', '-T', 'fields', '-e', 'geneve.option.class'], { encoding: 'utf8' });
  expect(t.status, t.stderr).toBe(0);
  return new Set(t.stdout.split(/[\s,]+/).filter((x) => x !== ''));
}

describe('option class', () => {
  it('defaults to 0xFFF0: in the document and on the wire', () => {
    const pcap = join(dir, 'default.pcapng');
    const r = twinplane('run', scenario(), '--target', 'model', '--json', '--pcap', pcap);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).runs[0].optionClass).toBe(0xfff0);
    expect(wireClasses(pcap)).toEqual(new Set(['0xfff0']));
  });

  it("a scenario's optionClass: 0x0111 (Mizar's) on every host, options still decoded in the trace", () => {
    const pcap = join(dir, 'mizar.pcapng');
    const f = scenario('0x0111');
    const r = twinplane('run', f, '--target', 'model', '--json', '--pcap', pcap);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).runs[0].optionClass).toBe(0x0111);
    expect(wireClasses(pcap)).toEqual(new Set(['0x0111']));
    const t = twinplane('trace', f, '--flow', 'a->svc', '--proto', 'tcp', '--level', 'minimal');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/Geneve vni=9 C opts=\[svc-rewrite 10\.9\.1\.200:80→10\.9\.1\.11:80 tcp via 192\.168\.9\.3, host-loc /);
    expect(t.stdout).not.toMatch(/opt\(class=/);
  });

  it('--option-class overrides the scenario, on every command that builds a cluster', () => {
    const f = scenario('0x0111');
    const pcap = join(dir, 'override.pcapng');
    const r = twinplane('run', f, '--target', 'model', '--option-class', '0xFFF5', '--json', '--pcap', pcap);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).runs[0].optionClass).toBe(0xfff5);
    expect(wireClasses(pcap)).toEqual(new Set(['0xfff5']));
    const t = twinplane('trace', f, '--flow', 'a->b', '--option-class', '65525', '--level', 'minimal');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/opts=\[host-loc 192\.168\.9\.1 /);
    // decode reads the options in the class it is given; without it they are foreign.
    const plain = twinplane('decode', pcap);
    expect(plain.stdout).toMatch(/opt\(class=0xfff5,type=0x01\) len=3/);
    const read = twinplane('decode', pcap, '--option-class', '0xfff5');
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toMatch(/opts=\[host-loc 192\.168\.9\.1 /);
    expect(read.stdout).not.toMatch(/opt\(class=/);
  });

  it.each(['0x10000', '-1', 'ibm', '0x', '1e3'])('--option-class %s: exit 2 naming the flag, before any work', (v) => {
    const r = twinplane('run', scenario(), '--target', 'model', `--option-class=${v}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--option-class must be a 16-bit option class, as 0xFFF0 or 65520/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('a scenario value outside 16 bits is located in the file', () => {
    const f = scenario('70000');
    const r = twinplane('run', f, '--target', 'model');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: optionClass`));
  });
});

describeBpf('option class in the kernel', () => {
  it('0x0111 and another class: model and kernel agree hop by hop, exit 0', () => {
    for (const [f, extra] of [
      [scenario('0x0111'), []],
      [scenario(), ['--option-class', '0xfffe']],
    ] as const) {
      const r = twinplane('run', f, '--target', 'both', '--json', ...extra);
      expect(r.code, r.stderr).toBe(0);
      const run = JSON.parse(r.stdout).runs[0];
      expect(run.mismatches).toBe(0);
      expect(
        run.packets.some((p: { hops: { frameOut: string | null }[] }) =>
          p.hops.some((h) => h.frameOut?.includes(extra.length ? 'fffe' : '0111')),
        ),
      ).toBe(true);
    }
    expect(readFileSync(scenario('0x0111'), 'utf8')).toMatch(/optionClass: 0x0111/);
  });
});
