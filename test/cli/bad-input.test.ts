// Bad input never crashes and never loses work: a table of mistakes walked through every
// command. Each is exit 2 with one line on stderr naming the flag or file and saying what is
// wrong in words (no errno, no stack, no binary), nothing on stdout, and no output written —
// through the bin package.json names (test/cli/bin.test.ts checks it answers as the sources do) —
// an output file that existed before is left as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeCapture } from '../../report/capture/writer.ts';

const run = promisify(execFile);

async function twinplane(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

const D = mkdtempSync(join(tmpdir(), 'twinplane-bad-'));
const f = (name: string): string => join(D, name);
const DEMO = 'scenarios/demo.yaml';
const KEEP = f('keep.xml');
const CAP = f('in.pcapng');

beforeAll(async () => {
  // The bin as users run it (compiled; built fresh here once, not by every row at the same time).
  expect((await twinplane(['--version'])).code).toBe(0);
  writeFileSync(KEEP, 'precious');
  writeFileSync(CAP, encodeCapture({ format: 'pcapng' }, [{ data: new Uint8Array(60) }]));
  writeFileSync(f('latin1.yaml'), Buffer.concat([Buffer.from('name: x # caf'), Buffer.from([0xe9]), Buffer.from('\nhosts: []\n')]));
  writeFileSync(f('utf16.yaml'), Buffer.concat([Buffer.from('name: "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]));
  writeFileSync(f('overlong.yaml'), Buffer.concat([Buffer.from('name: a'), Buffer.from([0xc0, 0xaf]), Buffer.from('\n')]));
  writeFileSync(f('surrogate.yaml'), Buffer.concat([Buffer.from('name: a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]));
  writeFileSync(f('notes.txt'), 'not a capture\n');
  mkdirSync(f('empty-dir'));
  mkdirSync(f('folder.pcapng'));
});
afterAll(() => rmSync(D, { recursive: true, force: true }));

/** [what, argv, the one line stderr must match]. */
const TABLE: [string, string[], RegExp][] = [
  // the command line itself
  ['a misspelt command', ['tarce'], /^twinplane: unknown command 'tarce'; did you mean 'trace'\?/],
  ['an option before the command', ['--jsn', 'run'], /^twinplane: unknown option '--jsn' before the command/],
  ['a misspelt flag', ['run', DEMO, '--jsn'], /^twinplane run: unknown option '--jsn'; did you mean '--json'\?/],
  ['a flag given twice', ['run', DEMO, '--target', 'model', '--target', 'xdp'], /^twinplane run: --target is given twice; give it once$/],
  ['an empty value', ['run', DEMO, '--report', ''], /^twinplane run: --report is empty; give <dir>$/],
  ['a value missing', ['run', DEMO, '--target'], /^twinplane run: Option '--target <value>' argument missing/],
  [
    'an unknown target',
    ['run', DEMO, '--target', 'kernel'],
    /^twinplane run: --target must be one of model, xdp, both, live, not 'kernel'$/,
  ],
  ['a near target', ['trace', DEMO, '--flow', 'pod-a->pod-b', '--target', 'xpd'], /did you mean 'xdp'\?$/],
  // run: scenario files
  ['run: no scenario', ['run'], /^twinplane run: missing <scenario> \(usage: twinplane run <scenario…>/],
  ['run: a missing file', ['run', f('nope.yaml')], /^twinplane run: \S+nope\.yaml:1:1: \(file\): no such file$/],
  [
    'run: a capture as a scenario',
    ['run', 'pcaps/sample-geneve.pcap'],
    /^twinplane run: pcaps\/sample-geneve\.pcap:1:\d+: \(file\): not a text file: control byte 0x02 at byte offset 4/,
  ],
  [
    'run: Latin-1',
    ['run', f('latin1.yaml')],
    /latin1\.yaml:1:14: \(file\): not UTF-8 at byte offset 13: byte 0xE9 starts a 3-byte character/,
  ],
  [
    'run: UTF-16 bytes',
    ['run', f('utf16.yaml')],
    /utf16\.yaml:1:8: \(file\): not UTF-8 at byte offset 7: byte 0xFF never occurs in UTF-8$/,
  ],
  [
    'run: an overlong form',
    ['run', f('overlong.yaml')],
    /overlong\.yaml:1:8: \(file\): not UTF-8 at byte offset 7: byte 0xC0 starts an overlong encoding$/,
  ],
  [
    'run: an encoded surrogate',
    ['run', f('surrogate.yaml')],
    /surrogate\.yaml:1:8: \(file\): not UTF-8 at byte offset 7: an encoded surrogate U\+D800/,
  ],
  [
    'run: a folder without scenarios',
    ['run', f('empty-dir')],
    /^twinplane run: \S+empty-dir: a folder with no \.yaml scenario files in it$/,
  ],
  // run: outputs, all before any work
  ['run: --report on a file', ['run', DEMO, '--report', 'README.md'], /^twinplane run: --report README\.md: is a file, not a folder$/],
  [
    'run: --report under a file',
    ['run', DEMO, '--report', 'README.md/sub'],
    /^twinplane run: --report README\.md\/sub: \S+README\.md is a file, not a folder$/,
  ],
  [
    'run: --junit on a folder',
    ['run', DEMO, '--junit', D],
    /^twinplane run: --junit \S+: is a folder; give a file name \(e\.g\. \S+junit\.xml\)$/,
  ],
  [
    'run: --junit in a missing folder',
    ['run', DEMO, '--junit', '/no/such/dir/j.xml'],
    /^twinplane run: --junit \/no\/such\/dir\/j\.xml: the folder \/no\/such\/dir does not exist$/,
  ],
  [
    'run: --pcap over the input',
    ['run', DEMO, '--pcap', DEMO],
    /^twinplane run: --pcap scenarios\/demo\.yaml: is also an input \(scenarios\/demo\.yaml\); writing it would destroy what is read$/,
  ],
  [
    'run: two outputs on one file',
    ['run', DEMO, '--junit', KEEP, '--pcap', KEEP],
    /^twinplane run: --pcap \S+keep\.xml: --junit writes the same file; give each output its own$/,
  ],
  [
    'run: --target live with --junit',
    ['run', DEMO, '--target', 'live', '--junit', KEEP],
    /^twinplane run: --junit is not available with --target live yet/,
  ],
  [
    'run: a filter that ends early',
    ['run', DEMO, '--filter', 'vni'],
    /^twinplane run: --filter 'vni': at character 4: 'vni' needs a VNI 0-16777215$/,
  ],
  [
    'run: a filter left open',
    ['run', DEMO, '--filter', '(udp'],
    /^twinplane run: --filter '\(udp': at character 5: the '\(' at character 1 is never closed$/,
  ],
  ['run: a misspelt filter word', ['run', DEMO, '--filter', 'verdict DRP'], /did you mean 'DROP'\?$/],
  // trace
  ['trace: no flow nor frame', ['trace', DEMO], /^twinplane trace: --flow <from->to> or --frame <hex\|file> is required/],
  ['trace: a flow without an arrow', ['trace', DEMO, '--flow', 'pod-a'], /^twinplane trace: --flow must be <from>-><to>/],
  [
    'trace: an unknown level',
    ['trace', DEMO, '--flow', 'pod-a->pod-b', '--level', 'verbose'],
    /^twinplane trace: --level must be one of minimal, summary, detailed, not 'verbose'$/,
  ],
  [
    'trace: port 0',
    ['trace', DEMO, '--flow', 'pod-a->pod-b', '--port', '0'],
    /^twinplane trace: --port must be a port number 1-65535, not '0'$/,
  ],
  ['trace: port 70000', ['trace', DEMO, '--flow', 'pod-a->pod-b', '--port', '70000'], /not '70000'$/],
  [
    'trace: a port on icmp',
    ['trace', DEMO, '--flow', 'web-1->shop-api', '--proto', 'icmp', '--port', '81'],
    /^twinplane trace: --port applies to tcp and udp, not --proto icmp$/,
  ],
  [
    'trace: --target live',
    ['trace', DEMO, '--flow', 'pod-a->pod-b', '--target', 'live'],
    /^twinplane trace: --target live is not available for trace/,
  ],
  [
    'trace: a frame that is not hex',
    ['trace', DEMO, '--frame', 'zz', '--host', 'node-2'],
    /^twinplane trace: --frame must be a frame in hex/,
  ],
  ['trace: a frame without a host', ['trace', DEMO, '--frame', '00'], /^twinplane trace: --frame needs --host <name>/],
  [
    'trace: a frame on an unknown host',
    ['trace', DEMO, '--frame', '0011', '--host', 'node-9', '--target', 'model'],
    /^twinplane trace: --host node-9: no host 'node-9' in scenarios\/demo\.yaml \(hosts: node-1, node-2, node-3\); did you mean 'node-1'\?$/,
  ],
  [
    'trace: flow and frame',
    ['trace', DEMO, '--flow', 'pod-a->pod-b', '--frame', '00', '--host', 'node-1'],
    /^twinplane trace: --flow and --frame exclude each other/,
  ],
  [
    'trace: a folder of scenarios',
    ['trace', 'scenarios', '--flow', 'pod-a->pod-b'],
    /^twinplane trace: trace takes one scenario file; scenarios holds \d+$/,
  ],
  ['trace: --pcap on a folder', ['trace', DEMO, '--flow', 'pod-a->pod-b', '--pcap', D], /^twinplane trace: --pcap \S+: is a folder/],
  [
    'trace: an unknown sender',
    ['trace', DEMO, '--flow', 'nobody->pod-b', '--target', 'model'],
    /^twinplane trace: --flow nobody->pod-b: 'nobody' is not an endpoint of scenarios\/demo\.yaml$/,
  ],
  [
    'trace: a misspelt receiver',
    ['trace', DEMO, '--flow', 'pod-a->pod-bb'],
    /^twinplane trace: --flow pod-a->pod-bb: 'pod-bb' is neither an endpoint, a service nor an IPv4 address; did you mean 'pod-b'\?$/,
  ],
  [
    'replay: a misspelt pod',
    ['replay', CAP, '--scenario', DEMO, '--host', 'node-2', '--iface', 'pod-bb'],
    /^twinplane replay: --iface pod-bb: neither 'underlay' nor an endpoint of scenarios\/demo\.yaml; did you mean 'pod-b'\?$/,
  ],
  // replay
  ['replay: no --scenario', ['replay', CAP, '--host', 'node-2'], /^twinplane replay: --scenario <file> is required/],
  ['replay: no --host', ['replay', CAP, '--scenario', DEMO], /^twinplane replay: --host <name> is required/],
  [
    'replay: a missing capture',
    ['replay', f('none.pcap'), '--scenario', DEMO, '--host', 'node-2'],
    /^twinplane replay: \S+none\.pcap: no such file or folder \(the capture\)$/,
  ],
  [
    'replay: a folder as the capture',
    ['replay', f('folder.pcapng'), '--scenario', DEMO, '--host', 'node-2'],
    /: is a folder, not a capture file$/,
  ],
  [
    'replay: not a capture',
    ['replay', f('notes.txt'), '--scenario', DEMO, '--host', 'node-2', '--target', 'model', '--pcap', KEEP],
    /notes\.txt: file header at byte 0: magic 0x\w+ is neither pcap nor pcapng \(byte offset 0\)$/,
  ],
  [
    'replay: an unknown host',
    ['replay', CAP, '--scenario', DEMO, '--host', 'node-9'],
    /^twinplane replay: --host node-9: no host 'node-9' in scenarios\/demo\.yaml \(hosts: node-1, node-2, node-3\); did you mean 'node-1'\?$/,
  ],
  [
    'replay: a pod on another host',
    ['replay', CAP, '--scenario', DEMO, '--host', 'node-2', '--iface', 'pod-a'],
    /^twinplane replay: --iface must be 'underlay' or a pod on node-2/,
  ],
  [
    'replay: --pcap over the capture',
    ['replay', CAP, '--scenario', DEMO, '--host', 'node-2', '--pcap', CAP],
    /^twinplane replay: --pcap \S+in\.pcapng: is also an input/,
  ],
  [
    'replay: the old --out',
    ['replay', CAP, '--scenario', DEMO, '--host', 'node-2', '--out', KEEP],
    /^twinplane replay: --out is now --pcap/,
  ],
  [
    'replay: an unknown level',
    ['replay', CAP, '--scenario', DEMO, '--host', 'node-2', '--level', 'loud'],
    /^twinplane replay: --level must be one of minimal, summary, detailed, not 'loud'$/,
  ],
  [
    'replay: an option class past 16 bits',
    ['replay', CAP, '--scenario', DEMO, '--host', 'node-2', '--option-class', '0x1ffff'],
    /^twinplane replay: --option-class must be a 16-bit option class, as 0xFFF0 or 65520 \(got '0x1ffff'\)$/,
  ],
  [
    'trace: an option class by name',
    ['trace', DEMO, '--flow', 'pod-a->pod-b', '--option-class', 'ibm'],
    /^twinplane trace: --option-class must be a 16-bit option class, as 0xFFF0 or 65520 \(got 'ibm'\)$/,
  ],
  [
    'decode: an option class past 16 bits',
    ['decode', CAP, '--option-class', '65536'],
    /^twinplane decode: --option-class must be a 16-bit option class, as 0xFFF0 or 65520 \(got '65536'\)$/,
  ],
  [
    'verify: an option class in octal',
    ['verify', DEMO, '--option-class', '0o777'],
    /^twinplane verify: --option-class must be a 16-bit option class, as 0xFFF0 or 65520 \(got '0o777'\)$/,
  ],
  ['demo: an empty option class', ['demo', '--option-class', ''], /^twinplane demo: --option-class is empty; give <class>$/],
  [
    'replay: a broken scenario',
    ['replay', CAP, '--scenario', f('latin1.yaml'), '--host', 'node-2'],
    /latin1\.yaml:1:14: \(file\): not UTF-8/,
  ],
  // decode
  ['decode: no capture', ['decode'], /^twinplane decode: missing <capture>/],
  ['decode: two captures', ['decode', CAP, CAP], /^twinplane decode: unexpected argument/],
  ['decode: a missing capture', ['decode', f('none.pcap')], /^twinplane decode: \S+none\.pcap: no such file or folder \(the capture\)$/],
  ['decode: a folder', ['decode', D], /^twinplane decode: \S+: is a folder, not a capture file$/],
  ['decode: not a capture', ['decode', f('notes.txt')], /is neither pcap nor pcapng \(byte offset 0\)$/],
  [
    'decode: a bad filter',
    ['decode', CAP, '--filter', 'port 99999'],
    /^twinplane decode: --filter 'port 99999': at character 6: 'port' needs a port number 0-65535, not '99999'$/,
  ],
  // demo and watch
  ['demo: the old --out', ['demo', '--out', 'README.md'], /^twinplane demo: --out is now --report/],
  ['demo: --report on a file', ['demo', '--report', 'README.md'], /^twinplane demo: --report README\.md: is a file, not a folder$/],
  ['demo: an unknown target', ['demo', '--target', 'fpga'], /^twinplane demo: --target must be one of model, xdp, both, live, not 'fpga'$/],
  ['watch: no scenario', ['watch'], /^twinplane watch: missing <scenario>/],
  ['watch: --runs 0', ['watch', DEMO, '--runs', '0'], /^twinplane watch: --runs must be a whole number of at least 1, not '0'$/],
  ['watch: --target live', ['watch', DEMO, '--target', 'live'], /^twinplane watch: --target live is not available for watch/],
  [
    'watch: --report on a file',
    ['watch', DEMO, '--report', 'README.md', '--runs', '1'],
    /^twinplane watch: --report README\.md: is a file, not a folder$/,
  ],
  // verify
  ['verify: a shard past the count', ['verify', DEMO, '--shard', '3/2'], /^twinplane verify: --shard 3\/2: the index must be 1 to 2$/],
  [
    'verify: a shard that is not i/n',
    ['verify', DEMO, '--shard', 'half'],
    /^twinplane verify: --shard must be <index>\/<count> \(e\.g\. 1\/4\), not 'half'$/,
  ],
  [
    'verify: --samples not a number',
    ['verify', DEMO, '--samples', 'many'],
    /^twinplane verify: --samples must be a whole number from 0 to 1000, not 'many'$/,
  ],
  [
    'verify: --live-sample without live',
    ['verify', DEMO, '--live-sample', '3'],
    /^twinplane verify: --live-sample goes with --target live$/,
  ],
  [
    'verify: --report on a file',
    ['verify', DEMO, '--report', 'README.md'],
    /^twinplane verify: --report README\.md: is a file, not a folder$/,
  ],
  [
    'verify: --junit into a missing folder',
    ['verify', DEMO, '--junit', '/no/such/dir/j.xml'],
    /^twinplane verify: --junit \/no\/such\/dir\/j\.xml: the folder \/no\/such\/dir does not exist$/,
  ],
  [
    'verify: --merge of a file that is not JSON',
    ['verify', '--merge', f('notes.txt')],
    /^twinplane verify: \S+notes\.txt(:\d+:\d+)?: not JSON \(.*\); give the output of twinplane verify --json$/,
  ],
  [
    'verify: --merge of a missing file',
    ['verify', '--merge', f('none.json')],
    /^twinplane verify: \S+none\.json: no such file or folder \(the verify --json result\)$/,
  ],
  [
    'verify: --merge with --target',
    ['verify', '--merge', f('notes.txt'), '--target', 'model'],
    /^twinplane verify: --target does not go with --merge/,
  ],
  ['verify: a broken scenario', ['verify', f('latin1.yaml')], /^twinplane verify: \S+latin1\.yaml:1:14: /],
];

describe('bad input through every command: exit 2, one located line, nothing lost', () => {
  it.concurrent.each(TABLE)('%s', async (_what, argv, line) => {
    const r = await twinplane(argv);
    expect(r.stderr.trimEnd()).toMatch(line);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/\bE[A-Z]{3,}\b|errno/);
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000e-\u001f\ufffd]/);
    expect(readFileSync(KEEP, 'utf8')).toBe('precious');
  });

  it('nothing was created by any of them', () => {
    expect(existsSync('/no/such/dir')).toBe(false);
    expect(existsSync('README.md/sub')).toBe(false);
  });
});
