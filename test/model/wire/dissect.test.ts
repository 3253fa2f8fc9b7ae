import { describe, expect, it } from 'vitest';
import { ether, ip } from '../../../model/wire/builder.ts';
import { dissect, formatFrame, formatFrameOneLine } from '../../../model/wire/dissect.ts';
import { host1, hostLocOf1, overlay, podA, podB, svcRewrite } from './fixtures.ts';

const arpRequestInner = (b: ReturnType<typeof overlay>) =>
  b.ether({ src: podA.mac, dst: 'ff:ff:ff:ff:ff:ff' }).arp({ op: 'request', sha: podA.mac, spa: podA.ip, tpa: podB.ip });

describe('dissect', () => {
  it('prints every layer of an encapsulated ARP request, outer then inner', () => {
    const f = arpRequestInner(overlay()).build();
    expect(formatFrame(f)).toEqual([
      'Ethernet 02:00:00:00:00:01 → 02:00:00:00:00:02 type=IPv4',
      `IPv4 10.0.0.1 → 10.0.0.2 ttl=64 id=0 DF proto=UDP len=${f.length - 14}`,
      `UDP 49321 → 6081 len=${f.length - 34}`,
      'Geneve vni=100 opts=[host-loc 10.0.0.1 02:00:00:00:00:01]',
      'Ethernet 02:00:00:00:01:02 → ff:ff:ff:ff:ff:ff type=ARP',
      'ARP who-has 10.1.0.3 tell 10.1.0.2',
    ]);
  });

  it('gives offsets and header lengths in frame order', () => {
    const layers = dissect(arpRequestInner(overlay()).build());
    expect(layers.map((l) => [l.name, l.offset, l.length])).toEqual([
      ['Ethernet', 0, 14],
      ['IPv4', 14, 20],
      ['UDP', 34, 8],
      ['Geneve', 42, 24],
      ['Ethernet', 66, 14],
      ['ARP', 80, 28],
    ]);
    expect(layers[3].fields).toMatchObject({ vni: 100, optLen: 4, protocol: 0x6558, opt0: 'host-loc 10.0.0.1 02:00:00:00:00:01' });
    expect(layers.every((l) => l.problems.length === 0)).toBe(true);
  });

  it('prints ARP replies, ICMP echo, TCP and the service-rewrite option', () => {
    const reply = overlay()
      .ether({ src: podB.mac, dst: podA.mac })
      .arp({ op: 'reply', sha: podB.mac, spa: podB.ip, tha: podA.mac, tpa: podA.ip })
      .build();
    expect(formatFrame(reply).at(-1)).toBe('ARP 10.1.0.3 is-at 02:00:00:00:01:03');
    const ping = ether({ src: podA.mac, dst: podB.mac }).ipv4({ src: podA.ip, dst: podB.ip }).icmpEcho({ id: 1, seq: 1 }).build();
    expect(formatFrame(ping)).toEqual([
      'Ethernet 02:00:00:00:01:02 → 02:00:00:00:01:03 type=IPv4',
      'IPv4 10.1.0.2 → 10.1.0.3 ttl=64 id=0 proto=ICMP len=28',
      'ICMP echo-request id=1 seq=1',
    ]);
    const syn = overlay([hostLocOf1, svcRewrite])
      .ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: podA.ip, dst: '10.1.0.5' })
      .tcp({ sport: 1234, dport: 8080, flags: 'S', seq: 100, window: 1024 })
      .build();
    const lines = formatFrame(syn);
    expect(lines[3]).toBe(
      'Geneve vni=100 C opts=[host-loc 10.0.0.1 02:00:00:00:00:01, svc-rewrite 10.1.0.100:80→10.1.0.5:8080 tcp via 10.0.0.3]',
    );
    expect(lines[6]).toBe('TCP 1234 → 8080 [S] seq=100 ack=0 win=1024');
  });

  it('joins layers on one line', () => {
    const ping = ip({ src: podA.ip, dst: podB.ip }).icmpEcho({ id: 1, seq: 1 }).build();
    const f = ether({ src: podA.mac, dst: podB.mac, type: 0x0800 }).payload(ping).build();
    expect(formatFrameOneLine(f)).toBe(
      'Ethernet 02:00:00:00:01:02 → 02:00:00:00:01:03 type=IPv4 / IPv4 10.1.0.2 → 10.1.0.3 ttl=64 id=0 proto=ICMP len=28 / ICMP echo-request id=1 seq=1',
    );
  });

  it('reports bad checksums with the stored and expected values, and keeps going', () => {
    const f = overlay()
      .ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: podA.ip, dst: podB.ip, checksum: 0x1234 })
      .udp({ sport: 7, dport: 7, checksum: 0x4321 })
      .payload('x')
      .build();
    const layers = dissect(f);
    expect(layers.map((l) => l.name)).toEqual(['Ethernet', 'IPv4', 'UDP', 'Geneve', 'Ethernet', 'IPv4', 'UDP', 'Data']);
    expect(layers[5].problems).toEqual([expect.stringMatching(/^checksum incorrect \(0x1234, expected 0x[0-9a-f]{4}\)$/)]);
    expect(layers[6].problems).toEqual([expect.stringMatching(/^checksum incorrect \(0x4321, expected 0x[0-9a-f]{4}\)$/)]);
    expect(formatFrame(f)[5]).toMatch(/ !! checksum incorrect \(0x1234, expected 0x/);
  });

  it('notes truncation at every layer', () => {
    const f = arpRequestInner(overlay()).build();
    expect(formatFrame(f.subarray(0, 7))).toEqual(['Ethernet !! truncated: need 14 bytes, have 7']);
    expect(formatFrame(f.subarray(0, 30)).at(-1)).toBe('IPv4 !! truncated: need 20 bytes, have 16');
    const cut = dissect(f.subarray(0, 90));
    expect(cut[1].problems).toEqual([`total length ${f.length - 14} exceeds the 76 bytes present`]);
    expect(cut[2].problems).toEqual([`length ${f.length - 34} exceeds the 56 bytes present`]);
    expect(cut.at(-1)).toMatchObject({ name: 'ARP', problems: ['truncated: need 28 bytes, have 10'] });
  });

  it('notes lying lengths', () => {
    const shortIp = ip({ src: podA.ip, dst: podB.ip, totalLength: 10 }).icmpEcho({ id: 1, seq: 1 }).build();
    const f = ether({ src: podA.mac, dst: podB.mac, type: 0x0800 }).payload(shortIp).build();
    expect(dissect(f)[1].problems).toEqual(['total length 10 < header length 20']);
    const badIhl = ether({ src: podA.mac, dst: podB.mac, type: 0x0800 })
      .payload(ip({ src: podA.ip, dst: podB.ip, ihl: 3, proto: 99 }).build())
      .build();
    expect(dissect(badIhl)[1].problems).toEqual(['header length 12 < 20 (ihl=3)']);
    const udpShort = overlay().payload('x').build();
    udpShort[14 + 20 + 5] = 4;
    expect(dissect(udpShort)[2].problems).toEqual(['length 4 < 8']);
  });

  it('notes an opt_len overrunning the packet, and options overrunning opt_len', () => {
    const overrun = ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: host1.ip, dst: podB.ip })
      .udp({ sport: 1 })
      .geneve({ vni: 1, optLen: 40 })
      .payload('abc')
      .build();
    const g = dissect(overrun).find((l) => l.name === 'Geneve');
    expect(g?.problems).toEqual(['opt_len 40 words (160 bytes) overruns the packet: need 168 bytes, have 11']);
    const short = ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: host1.ip, dst: podB.ip })
      .udp({ sport: 1 })
      .geneve({ vni: 1, optLen: 2, options: [hostLocOf1] })
      .build();
    const g2 = dissect(short).find((l) => l.name === 'Geneve');
    expect(g2?.problems).toEqual(['option at +0 (length 3 words) overruns opt_len by 8 bytes']);
  });

  it('flags unknown critical options but not unknown ordinary ones', () => {
    const f = overlay([
      hostLocOf1,
      { class: 0x0102, type: 0x85, data: new Uint8Array(4) },
      { class: 0x0102, type: 0x05, data: new Uint8Array(0) },
    ])
      .payload('x')
      .build();
    const g = dissect(f)[3];
    expect(g.summary).toBe(
      'Geneve vni=100 C opts=[host-loc 10.0.0.1 02:00:00:00:00:01, opt(class=0x0102,type=0x85,critical) len=1, opt(class=0x0102,type=0x05) len=0]',
    );
    expect(g.problems).toEqual(['unknown critical option class 0x0102 type 0x85']);
  });

  it('flags our option with a wrong length and a critical option without the C bit', () => {
    const f = overlay([{ class: 0xfff0, type: 0x82, data: new Uint8Array(8) }])
      .payload('x')
      .build();
    f[14 + 20 + 8 + 1] = 0; // clear C
    expect(dissect(f)[3].problems).toEqual(['svc-rewrite: data 8 bytes, expected 32', 'critical option present but C bit clear']);
  });

  it('shows Ethernet padding after a short IPv4 packet and VLAN tags', () => {
    const ping = ether({ src: podA.mac, dst: podB.mac, vlan: { vid: 7 } })
      .ipv4({ src: podA.ip, dst: podB.ip })
      .icmpEcho({ id: 2, seq: 9 })
      .build();
    const padded = new Uint8Array(64);
    padded.set(ping);
    const layers = dissect(padded);
    expect(layers[0].summary).toBe('Ethernet 02:00:00:00:01:02 → 02:00:00:00:01:03 vlan=7 type=IPv4');
    expect(layers.at(-1)).toMatchObject({ name: 'Padding', offset: ping.length, length: 64 - ping.length });
  });
});
