// `twinplane decode` run as users run it: a child process on a capture file.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ether } from '../../model/wire/builder.ts';
import { ipv4, mac } from '../../model/wire/addr.ts';
import { encodeCapture, xdpVerdict, type PacketToWrite } from '../../report/capture/writer.ts';

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hostA = { ip: '172.16.0.1', mac: '02:00:00:00:00:01' };
const hostB = { ip: '172.16.0.2', mac: '02:00:00:00:00:02' };
const hl = (h: typeof hostA) => ({ kind: 'host-location' as const, hostIp: ipv4(h.ip), hostMac: mac(h.mac) });
const outer = (vni: number, sport: number) =>
  ether({ src: hostA.mac, dst: hostB.mac })
    .ipv4({ src: hostA.ip, dst: hostB.ip, df: true })
    .udp({ sport, checksum: 0 })
    .geneve({ vni, options: [hl(hostA)] });

const frames: PacketToWrite[] = [
  outer(100, 50001)
    .ether({ src: '0a:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' })
    .arp({ op: 'request', sha: '0a:00:00:00:00:01', spa: '10.0.0.1', tpa: '10.0.0.2' })
    .build(),
  outer(100, 50002)
    .ether({ src: '0a:00:00:00:00:01', dst: '0a:00:00:00:00:02' })
    .ipv4({ src: '10.0.0.1', dst: '10.0.0.2' })
    .icmpEcho({ id: 7, seq: 1 })
    .build(),
  outer(0xabcdef, 50003)
    .ether({ src: '0a:00:00:00:00:03', dst: '0a:00:00:00:00:04' })
    .ipv4({ src: '192.168.7.3', dst: '192.168.9.4' })
    .udp({ sport: 1234, dport: 5678 })
    .payload('payload')
    .build(),
  outer(42, 50004)
    .ether({ src: '0a:00:00:00:00:05', dst: '0a:00:00:00:00:06' })
    .ipv4({ src: '10.9.0.5', dst: '10.9.0.6' })
    .tcp({ sport: 443, dport: 55555, flags: 'PA' })
    .payload('x')
    .build(),
  ether({ src: hostA.mac, dst: hostB.mac }).ipv4({ src: hostA.ip, dst: hostB.ip }).udp({ sport: 33000, dport: 53 }).build(),
].map((data, i) => ({
  data,
  timestampNs: 1_704_067_200_000_000_000n + BigInt(i) * 1_000_123n,
  interfaceId: i % 2,
  comments: i === 3 ? [] : [`packet ${i + 1} says "hi"`],
  verdicts: i === 4 ? [] : [xdpVerdict(i % 5)],
}));

let dir = '';
let file = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-cli-'));
  file = join(dir, 'flows.pcapng');
  writeFileSync(file, encodeCapture({ format: 'pcapng', interfaces: [{ name: 'hostA-eth0' }, { name: 'hostB-eth0' }] }, frames));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface JsonPacket {
  number: number;
  index: number;
  time: string;
  timestampNs: string;
  capturedLength: number;
  originalLength: number;
  interfaceId: number;
  interface?: string;
  verdicts: { type: string; value?: string; text: string }[];
  comments: string[];
  layers: { name: string; fields: Record<string, string | number | boolean>; problems: string[] }[];
}

/** What tshark sees per frame: every occurrence of each field, outer first. */
function tsharkView(path: string): { ips: string[]; vni: string[]; ports: string[] }[] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      path,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-E',
      'aggregator=,',
      '-e',
      'ip.src',
      '-e',
      'ip.dst',
      '-e',
      'geneve.vni',
      '-e',
      'udp.srcport',
      '-e',
      'udp.dstport',
      '-e',
      'tcp.srcport',
      '-e',
      'tcp.dstport',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [src, dst, vni, us, ud, ts, td] = line.split('|').map((c) => (c === '' ? [] : c.split(',')));
      // Pair each layer's source with its destination, as our dissector lists them.
      return {
        ips: src.flatMap((s, i) => [s, dst[i]]),
        vni: vni.map((v) => String(parseInt(v, 16))),
        ports: [...us.flatMap((s, i) => [s, ud[i]]), ...ts.flatMap((s, i) => [s, td[i]])],
      };
    });
}

function ourView(p: JsonPacket): { ips: string[]; vni: string[]; ports: string[] } {
  const of = (name: string) => p.layers.filter((l) => l.name === name);
  return {
    ips: of('IPv4').flatMap((l) => [String(l.fields.src), String(l.fields.dst)]),
    vni: of('Geneve').map((l) => String(l.fields.vni)),
    ports: [...of('UDP'), ...of('TCP')].flatMap((l) => [String(l.fields.srcPort), String(l.fields.dstPort)]),
  };
}

describe('twinplane decode', () => {
  it('--json: one parseable line per packet, agreeing with tshark on addresses, VNIs and ports', () => {
    const r = twinplane('decode', file, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(frames.length);
    const packets = lines.map((l) => JSON.parse(l) as JsonPacket);
    const theirs = tsharkView(file);
    expect(packets.map(ourView)).toEqual(theirs);
    // A sanity check that the comparison has teeth: both saw the inner headers.
    expect(theirs[2]).toEqual({
      ips: ['172.16.0.1', '172.16.0.2', '192.168.7.3', '192.168.9.4'],
      vni: [String(0xabcdef)],
      ports: ['50003', '6081', '1234', '5678'],
    });
    expect(packets.map((p) => [p.number, p.index, p.interface, p.capturedLength, p.originalLength])).toEqual(
      frames.map((f, i) => [i + 1, i, i % 2 ? 'hostB-eth0' : 'hostA-eth0', f.data.length, f.data.length]),
    );
    expect(packets.map((p) => p.verdicts.map((v) => v.text))).toEqual([['XDP_ABORTED'], ['XDP_DROP'], ['XDP_PASS'], ['XDP_TX'], []]);
    expect(packets[0].comments).toEqual(['packet 1 says "hi"']);
    expect(packets[1].timestampNs).toBe('1704067200001000123');
    expect(packets[1].time).toBe('2024-01-01T00:00:00.001000123Z');
  });

  it('text: a header line per packet, then its layers indented; the same addresses as tshark', () => {
    const r = twinplane('decode', file);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\u001b['); // not a terminal: no colour
    const blocks = r.stdout.trimEnd().split(/\n(?=#)/);
    expect(blocks.length).toBe(frames.length);
    expect(blocks[0].split('\n')[0]).toBe(
      '#1 2024-01-01T00:00:00.000000000Z len=108/108 if=hostA-eth0 XDP_ABORTED "packet 1 says \\"hi\\""',
    );
    expect(blocks[3].split('\n')[0]).toMatch(/^#4 \S+ len=\d+\/\d+ if=hostB-eth0 XDP_TX$/);
    const theirs = tsharkView(file);
    blocks.forEach((block, i) => {
      const [, ...layers] = block.split('\n');
      // Outer layers two spaces in, the layers inside the Geneve tunnel two more.
      const geneve = layers.findIndex((l) => l.trimStart().startsWith('Geneve'));
      expect(layers.map((l) => l.length - l.trimStart().length)).toEqual(layers.map((_, j) => (geneve >= 0 && j > geneve ? 4 : 2)));
      for (const ip of theirs[i].ips) expect(block).toContain(ip);
      for (const v of theirs[i].vni) expect(block).toContain(`vni=${v}`);
      for (const port of theirs[i].ports) expect(block).toContain(port);
    });
  });

  it('a truncated capture: the packets before, then the offset on stderr, exit 2', () => {
    const whole = readFileSync(file);
    const cut = join(dir, 'cut.pcapng');
    writeFileSync(cut, whole.subarray(0, whole.length - 30)); // into the last block
    const r = twinplane('decode', cut);
    expect(r.code).toBe(2);
    expect(r.stdout.match(/^#\d+ /gm)).toEqual(['#1 ', '#2 ', '#3 ', '#4 ']);
    expect(r.stderr).toMatch(
      new RegExp(
        `^twinplane decode: ${cut.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: truncated pcapng block at byte (\\d+): header says \\d+ bytes, file ends after \\d+ \\(byte offset \\1\\)\\n$`,
      ),
    );
  });

  it('a corrupt block length: the same shape of report', () => {
    const b = new Uint8Array(readFileSync(file));
    const dv = new DataView(b.buffer);
    let at = 0;
    for (let i = 0; i < 4; i++) at += dv.getUint32(at + 4, true); // SHB, IDB, IDB, EPB #1
    dv.setUint32(at + 4, 9, true);
    const bad = join(dir, 'bad.pcapng');
    writeFileSync(bad, b);
    const r = twinplane('decode', bad, '--json');
    expect(r.code).toBe(2);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as JsonPacket).number),
    ).toEqual([1]);
    expect(r.stderr).toContain(`pcapng block at byte ${at}: block length 9 is not a multiple of 4 (byte offset ${at})`);
  });

  it('a missing file, a directory, a non-capture: exit 2 with one line each', () => {
    const notCapture = join(dir, 'notes.txt');
    writeFileSync(notCapture, 'hello, this is not a capture\n');
    for (const [path, text] of [
      [join(dir, 'nope.pcapng'), 'no such file or folder'],
      [dir, 'is a folder, not a capture file'],
      [notCapture, 'is neither pcap nor pcapng'],
    ]) {
      const r = twinplane('decode', path);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(text);
      expect(r.stderr.trimEnd().split('\n').length).toBe(1);
    }
  });

  it('classic pcap works too (no interface names, no verdicts)', () => {
    const pcap = join(dir, 'flows.pcap');
    writeFileSync(pcap, encodeCapture({ format: 'pcap', resolution: 'us' }, frames));
    const r = twinplane('decode', pcap);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('#1 2024-01-01T00:00:00.000000000Z len=108/108 if=0');
  });
});

describe('twinplane decode at the edges of what a capture can hold', () => {
  /** One little-endian pcapng block: type, length, body, length. */
  const block = (type: number, body: Uint8Array): Uint8Array => {
    const len = 12 + body.length;
    const b = new Uint8Array(len);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, len, true);
    b.set(body, 8);
    v.setUint32(len - 4, len, true);
    return b;
  };
  const u32 = (...xs: number[]): Uint8Array => new Uint8Array(new Uint32Array(xs).buffer);
  const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
  /** A section with one interface whose if_tsoffset is `offset` seconds, and one 60-byte packet at `units` µs. */
  function edgeCapture(offset: bigint, units: bigint): Uint8Array {
    const shb = block(0x0a0d0d0a, concat(u32(0x1a2b3c4d), Uint8Array.of(1, 0, 0, 0), u32(0xffffffff, 0xffffffff)));
    const off = new Uint8Array(8);
    new DataView(off.buffer).setBigInt64(0, offset, true);
    const idb = block(1, concat(Uint8Array.of(1, 0, 0, 0), u32(0), Uint8Array.of(14, 0, 8, 0), off, u32(0)));
    const epb = block(6, concat(u32(0, Number(units >> 32n), Number(units & 0xffffffffn), 60, 60), new Uint8Array(60)));
    return concat(shb, idb, epb);
  }

  // Expected times computed apart from the code under test: Python's calendar over 400-year cycles.
  it.each([
    ['if_tsoffset −2^63 seconds', -(2n ** 63n), 0n, '-292277022657-01-27T08:29:52.000000000Z'],
    ['2^64−1 microseconds', 0n, 2n ** 64n - 1n, '+586524-01-19T08:01:49.551615000Z'],
    ['the epoch', 0n, 0n, '1970-01-01T00:00:00.000000000Z'],
  ])('%s: the time as text, exit 0, no stack', (_what, offset, units, time) => {
    const file = join(dir, `edge-${units}-${offset}.pcapng`);
    writeFileSync(file, edgeCapture(offset, units));
    const r = twinplane('decode', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`#1 ${time} len=60/60 if=0`);
    expect((JSON.parse(twinplane('decode', file, '--json').stdout) as JsonPacket).time).toBe(time);
  });

  it('a 0-byte record and a 50 MB packet: decoded, nothing lost', () => {
    const file = join(dir, 'sizes.pcap');
    writeFileSync(
      file,
      encodeCapture({ format: 'pcap' }, [
        { data: new Uint8Array(0) },
        { data: new Uint8Array(50 * 1024 * 1024) },
        { data: frames[1].data },
      ]),
    );
    const r = twinplane('decode', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^#\d+ \S+ len=\d+\/\d+/gm)).toEqual([
      '#1 1970-01-01T00:00:00.000000000Z len=0/0',
      '#2 1970-01-01T00:00:00.000000000Z len=52428800/52428800',
      `#3 1970-01-01T00:00:00.000000000Z len=${frames[1].data.length}/${frames[1].data.length}`,
    ]);
    expect(r.stdout).toMatch(/^ {2}Ethernet !! truncated: need 14 bytes, have 0$/m);
  });
});
