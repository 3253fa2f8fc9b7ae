// Cross-check with an independent dissector: frames built here are written to a classic pcap
// and read back by tshark with checksum validation on. tshark must see the same VNI, option
// class/type/length, addresses and ports, and raise no malformed-packet or checksum warning.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostLocOf1, host1, host2, overlay, podA, podB, svcRewrite } from './fixtures.ts';

const TSHARK = '/usr/bin/tshark';
const dir = mkdtempSync(join(tmpdir(), 'twinplane-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Classic libpcap: little-endian magic, version 2.4, snaplen 65535, LINKTYPE_ETHERNET. */
function writePcap(path: string, frames: readonly Uint8Array[]): void {
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b2c3d4, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 65535, true);
  header.setUint32(20, 1, true);
  const parts: Uint8Array[] = [new Uint8Array(header.buffer)];
  frames.forEach((f, i) => {
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, 1_700_000_000 + i, true);
    rec.setUint32(8, f.length, true);
    rec.setUint32(12, f.length, true);
    parts.push(new Uint8Array(rec.buffer), f);
  });
  writeFileSync(path, Buffer.concat(parts));
}

const FIELDS = [
  'eth.src',
  'eth.dst',
  'ip.src',
  'ip.dst',
  'ip.checksum.status',
  'udp.srcport',
  'udp.dstport',
  'udp.checksum.status',
  'geneve.vni',
  'geneve.flags.critical',
  'geneve.option.class',
  'geneve.option.type',
  'geneve.option.length',
  'arp.opcode',
  'arp.src.proto_ipv4',
  'arp.dst.proto_ipv4',
  'arp.src.hw_mac',
  'icmp.type',
  'icmp.ident',
  'icmp.seq',
  'icmp.checksum.status',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.checksum.status',
  '_ws.malformed',
  '_ws.expert.severity',
  '_ws.expert.message',
] as const;
type Field = (typeof FIELDS)[number];

/** Every occurrence of every field, outer layer first, per packet. */
function tshark(frames: readonly Uint8Array[], name: string): Record<Field, string[]>[] {
  if (!existsSync(TSHARK)) throw new Error(`${TSHARK} is missing: install tshark (the cross-check cannot be skipped)`);
  const file = join(dir, `${name}.pcap`);
  writePcap(file, frames);
  const args = [
    '-r',
    file,
    '-n',
    '-o',
    'ip.check_checksum:TRUE',
    '-o',
    'udp.check_checksum:TRUE',
    '-o',
    'tcp.check_checksum:TRUE',
    '-T',
    'fields',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=|',
    '-E',
    'separator=/t',
  ];
  for (const f of FIELDS) args.push('-e', f);
  const r = spawnSync(TSHARK, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const cols = line.split('\t');
      const rec = {} as Record<Field, string[]>;
      FIELDS.forEach((f, i) => {
        const v = cols[i] ?? '';
        rec[f] = v === '' ? [] : v.split('|');
      });
      return rec;
    });
}

// Expert severities in Wireshark: chat 0x00200000, note 0x00400000, warn 0x00600000, error 0x00800000.
const WARN = 0x00600000;

function expectClean(p: Record<Field, string[]>): void {
  expect(p['_ws.malformed']).toEqual([]);
  const serious = p['_ws.expert.severity'].map((s, i) => [Number(s), p['_ws.expert.message'][i]] as const).filter(([s]) => s >= WARN);
  expect(serious).toEqual([]);
  expect(p['_ws.expert.message'].filter((m) => /checksum|malformed/i.test(m))).toEqual([]);
  for (const f of ['ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status', 'icmp.checksum.status'] as const) {
    // 1 = good; 2 = unverified (only for a UDP checksum of 0, which we never send here).
    expect(
      p[f].every((s) => s === '1'),
      `${f}: ${p[f].join(',')}`,
    ).toBe(true);
  }
}

const inner = (b: ReturnType<typeof overlay>) => b.ether({ src: podA.mac, dst: podB.mac }).ipv4({ src: podA.ip, dst: podB.ip, ttl: 63 });

const frames = {
  arpRequest: overlay()
    .ether({ src: podA.mac, dst: 'ff:ff:ff:ff:ff:ff' })
    .arp({ op: 'request', sha: podA.mac, spa: podA.ip, tpa: podB.ip })
    .build(),
  arpReply: overlay()
    .ether({ src: podB.mac, dst: podA.mac })
    .arp({ op: 'reply', sha: podB.mac, spa: podB.ip, tha: podA.mac, tpa: podA.ip })
    .build(),
  ping: inner(overlay()).icmpEcho({ id: 0x1234, seq: 7 }).payload('twinplane ping!!').build(),
  udp: inner(overlay()).udp({ sport: 40001, dport: 40002 }).payload('datagram').build(),
  tcpViaService: inner(overlay([hostLocOf1, svcRewrite]))
    .tcp({ sport: 40000, dport: 80, flags: 'S', seq: 1000, options: new Uint8Array([2, 4, 5, 0xb4]) })
    .build(),
};

describe('tshark agrees with the builder', () => {
  const packets = tshark(Object.values(frames), 'overlay');
  const [arpRequest, arpReply, ping, udp, tcp] = packets;

  it('reads every frame', () => {
    expect(packets.length).toBe(5);
  });

  it('sees the outer headers, VNI and host-location option (class 0xfff0, type 0x01, 16 bytes with header)', () => {
    for (const p of packets) {
      expect(p['eth.src'][0]).toBe(host1.mac);
      expect(p['eth.dst'][0]).toBe(host2.mac);
      expect(p['ip.src'][0]).toBe(host1.ip);
      expect(p['ip.dst'][0]).toBe(host2.ip);
      expect(p['udp.srcport'][0]).toBe('49321');
      expect(p['udp.dstport'][0]).toBe('6081');
      expect(p['geneve.vni']).toEqual(['0x000064']);
      expect(p['geneve.option.class'][0]).toBe('0xfff0');
      expect(p['geneve.option.type'][0]).toBe('0x01');
      // tshark's geneve.option.length counts bytes: first the whole options area, then each
      // option including its 4-byte header.
      expect(p['geneve.option.length']).toEqual(p === tcp ? ['52', '16', '36'] : ['16', '16']);
    }
  });

  it('sees the service-rewrite option as critical, 36 bytes with header, and the C bit', () => {
    expect(tcp['geneve.option.class']).toEqual(['0xfff0', '0xfff0']);
    expect(tcp['geneve.option.type']).toEqual(['0x01', '0x82']);
    expect(tcp['geneve.flags.critical']).toEqual(['1']);
  });

  it('sees the inner ARP request and reply', () => {
    expect(arpRequest['eth.src'][1]).toBe(podA.mac);
    expect(arpRequest['eth.dst'][1]).toBe('ff:ff:ff:ff:ff:ff');
    expect([arpRequest['arp.opcode'], arpRequest['arp.src.proto_ipv4'], arpRequest['arp.dst.proto_ipv4']]).toEqual([
      ['1'],
      [podA.ip],
      [podB.ip],
    ]);
    expect([arpReply['arp.opcode'], arpReply['arp.src.hw_mac'], arpReply['arp.src.proto_ipv4']]).toEqual([['2'], [podB.mac], [podB.ip]]);
  });

  it('sees the inner IPv4 addresses, ICMP echo, UDP and TCP ports', () => {
    for (const p of [ping, udp, tcp]) expect(p['ip.src']).toEqual([host1.ip, podA.ip]);
    expect([ping['icmp.type'], ping['icmp.ident'], ping['icmp.seq']]).toEqual([['8'], ['4660'], ['7']]);
    expect([udp['udp.srcport'][1], udp['udp.dstport'][1]]).toEqual(['40001', '40002']);
    expect([tcp['tcp.srcport'], tcp['tcp.dstport'], tcp['tcp.flags']]).toEqual([['40000'], ['80'], ['0x0002']]);
  });

  it('finds no malformed packet and no checksum problem, outer or inner', () => {
    for (const p of packets) expectClean(p);
  });

  it('does check checksums: a corrupted inner TCP checksum is reported (control)', () => {
    const bad = frames.tcpViaService.slice();
    const tcpStart = bad.length - 24; // 20-byte header + 4 option bytes, no payload
    bad[tcpStart + 16] ^= 0xff;
    const [p] = tshark([bad], 'control');
    expect(p['tcp.checksum.status']).toEqual(['0']);
  });
});
