// Interoperability with Wireshark's tools: what we write, they read (comments, verdicts,
// interfaces, timestamps); what they write, we read.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCapture } from '../../../report/capture/reader.ts';
import { encodeCapture, xdpVerdict, type PacketToWrite } from '../../../report/capture/writer.ts';
import { readCaptureFile, writeCaptureFile } from '../../../report/capture/files.ts';
import type { CapturePacket } from '../../../report/capture/contents.ts';

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

/** tshark -T fields, one array of columns per frame. */
function tsharkFields(file: string, fields: string[]): string[][] {
  const out = run('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])]);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('|'));
}

const frame = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 11 + seed) & 0xff);

const packets: PacketToWrite[] = [
  { data: frame(60, 1), interfaceId: 0, timestampNs: 1_700_000_000_123_456_789n, comments: ['first packet'], verdicts: [xdpVerdict(2)] },
  { data: frame(64, 2), interfaceId: 1, timestampNs: 1_700_000_000_200_000_000n, comments: ['dropped here'], verdicts: [xdpVerdict(1)] },
  { data: frame(90, 3), interfaceId: 0, timestampNs: 1_700_000_000_300_000_001n, originalLength: 1500, verdicts: [xdpVerdict(4)] },
  { data: frame(70, 4), interfaceId: 1, timestampNs: 1_700_000_001_000_000_000n, comments: ['no verdict'] },
];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-capture-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tshark reads what we write', () => {
  for (const littleEndian of [true, false]) {
    it(`pcapng (${littleEndian ? 'little' : 'big'}-endian): comments, XDP verdicts, interfaces, times, lengths`, async () => {
      const file = join(dir, `ours-${littleEndian}.pcapng`);
      await writeCaptureFile(
        file,
        { format: 'pcapng', littleEndian, interfaces: [{ name: 'underlay0' }, { name: 'veth-pod', resolution: 'us' }] },
        packets,
      );
      const rows = tsharkFields(file, [
        'frame.comment',
        'frame.verdict.ebpf_xdp',
        'frame.interface_name',
        'frame.time_epoch',
        'frame.cap_len',
        'frame.len',
      ]);
      expect(rows).toEqual([
        ['first packet', '2', 'underlay0', '1700000000.123456789', '60', '60'],
        ['dropped here', '1', 'veth-pod', '1700000000.200000000', '64', '64'],
        ['', '4', 'underlay0', '1700000000.300000001', '90', '1500'],
        ['no verdict', '', 'veth-pod', '1700000001.000000000', '70', '70'],
      ]);
    });
  }

  for (const [resolution, littleEndian] of [
    ['us', true],
    ['us', false],
    ['ns', true],
    ['ns', false],
  ] as const) {
    it(`pcap ${resolution} ${littleEndian ? 'little' : 'big'}-endian: capinfos and tshark agree`, () => {
      const file = join(dir, `ours-${resolution}-${littleEndian}.pcap`);
      writeFileSync(file, encodeCapture({ format: 'pcap', resolution, littleEndian }, packets));
      const info = run('capinfos', ['-M', '-c', '-t', '-i', file]);
      expect(info).toMatch(/Number of packets:\s+4\b/);
      const ns = resolution === 'ns';
      expect(info).toMatch(ns ? /^File type:\s+nsecpcap$/m : /^File type:\s+pcap$/m);
      const rows = tsharkFields(file, ['frame.time_epoch', 'frame.cap_len', 'frame.len']);
      expect(rows).toEqual([
        [ns ? '1700000000.123456789' : '1700000000.123456000', '60', '60'],
        ['1700000000.200000000', '64', '64'],
        [ns ? '1700000000.300000001' : '1700000000.300000000', '90', '1500'],
        ['1700000001.000000000', '70', '70'],
      ]);
    });
  }
});

async function readAll(file: string): Promise<CapturePacket[]> {
  const out: CapturePacket[] = [];
  for await (const p of readCaptureFile(file, { chunkSize: 37 })) out.push(p);
  return out;
}

describe('we read what Wireshark tools write', () => {
  it('editcap -F pcapng of our pcap, with a comment editcap adds', async () => {
    const pcap = join(dir, 'for-editcap.pcap');
    writeFileSync(pcap, encodeCapture({ format: 'pcap', resolution: 'ns' }, packets));
    const ng = join(dir, 'from-editcap.pcapng');
    run('editcap', ['-F', 'pcapng', '-a', '2:added by editcap', pcap, ng]);
    const got = await readAll(ng);
    expect(got.map((p) => p.data)).toEqual(packets.map((p) => p.data));
    expect(got.map((p) => p.timestampNs)).toEqual(packets.map((p) => p.timestampNs));
    expect(got.map((p) => p.originalLength)).toEqual([60, 64, 1500, 70]);
    expect(got.map((p) => p.comments)).toEqual([[], ['added by editcap'], [], []]);
  });

  // Without verdicts: Wireshark 4.0's writer puts epb_verdict under option code 6
  // (epb_queue) and then rejects its own file ("queue option length 9 is not 4").
  it('tshark -w of our pcapng keeps interfaces and comments', async () => {
    const ours = join(dir, 'ours-for-tshark.pcapng');
    const plain = packets.map(({ verdicts: _, ...p }) => p);
    await writeCaptureFile(ours, { format: 'pcapng', interfaces: [{ name: 'underlay0' }, { name: 'veth-pod', resolution: 'us' }] }, plain);
    const theirs = join(dir, 'tshark-rewrote.pcapng');
    run('tshark', ['-r', ours, '-w', theirs, '-F', 'pcapng']);
    // tshark writes its own SHB and IDB options (hardware, OS, application, if_tsresol).
    expect(readFileSync(theirs).equals(readFileSync(ours))).toBe(false);
    const got = await readAll(theirs);
    expect(got.map((p) => [p.interfaceName, p.timestampNs, p.comments, p.data.length, p.originalLength])).toEqual([
      ['underlay0', 1_700_000_000_123_456_789n, ['first packet'], 60, 60],
      ['veth-pod', 1_700_000_000_200_000_000n, ['dropped here'], 64, 64],
      ['underlay0', 1_700_000_000_300_000_001n, [], 90, 1500],
      ['veth-pod', 1_700_000_001_000_000_000n, ['no verdict'], 70, 70],
    ]);
  });

  it('editcap into µs and ns pcap, both read back with the same frames', async () => {
    const ng = join(dir, 'src.pcapng');
    writeFileSync(
      ng,
      encodeCapture(
        { format: 'pcapng' },
        packets.map((p) => ({ ...p, interfaceId: 0 })),
      ),
    );
    for (const [fmt, unit] of [
      ['pcap', 1000n],
      ['nsecpcap', 1n],
    ] as const) {
      const out = join(dir, `editcap-${fmt}.pcap`);
      run('editcap', ['-F', fmt, ng, out]);
      const r = parseCapture(readFileSync(out));
      expect(r.error).toBeUndefined();
      expect(r.packets.map((p) => p.data)).toEqual(packets.map((p) => p.data));
      expect(r.packets.map((p) => p.timestampNs)).toEqual(packets.map((p) => ((p.timestampNs ?? 0n) / unit) * unit));
    }
  });
});

describe('the shipped sample captures in Wireshark', () => {
  it.each(['pcaps/sample-geneve.pcapng', 'pcaps/sample-geneve.pcap'])('%s: no expert error, the DNS query dissected', (file) => {
    const errors = execFileSync('tshark', ['-r', file, '-q', '-z', 'expert,error'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(errors).not.toMatch(/Errors \(\d+\)/);
    const dns = execFileSync('tshark', ['-r', file, '-Y', 'dns.qry.name == "twinplane.example"', '-T', 'fields', '-e', 'frame.number'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(dns.trim().split('\n')).toHaveLength(1);
  });
});
