import { describe, expect, it } from 'vitest';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { ArpPacket } from '../../../model/wire/arp.ts';
import { ether, ip } from '../../../model/wire/builder.ts';
import { EthernetFrame } from '../../../model/wire/ethernet.ts';
import { GeneveHeader, parseGeneve } from '../../../model/wire/geneve.ts';
import { IcmpPacket } from '../../../model/wire/icmp.ts';
import { Ipv4Packet } from '../../../model/wire/ipv4.ts';
import { TcpPacket } from '../../../model/wire/tcp.ts';
import { UdpPacket } from '../../../model/wire/udp.ts';
import { hostLocOf1, overlay, podA, podB, svcRewrite } from './fixtures.ts';

/** Walks Ethernet/IPv4/UDP/Geneve by hand, failing loudly if any layer does not check. */
function outer(frame: Uint8Array) {
  const eth = new EthernetFrame(frame);
  expect(eth.check()).toBeUndefined();
  const ip4 = new Ipv4Packet(eth.payload);
  expect(ip4.check()).toBeUndefined();
  const udp = new UdpPacket(ip4.payload);
  expect(udp.check()).toBeUndefined();
  const gen = new GeneveHeader(udp.payload);
  expect(gen.check()).toBeUndefined();
  return { eth, ip4, udp, gen };
}

describe('builder', () => {
  const arpRequest = ether({ src: podA.mac, dst: 'ff:ff:ff:ff:ff:ff' }).arp({ op: 'request', sha: podA.mac, spa: podA.ip, tpa: podB.ip });

  it('infers EtherTypes, protocols, ports and lengths, with correct checksums outside and inside', () => {
    const inner = ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: podA.ip, dst: podB.ip })
      .udp({ sport: 5000, dport: 53 })
      .payload('hello');
    const f = overlay()
      .ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: podA.ip, dst: podB.ip })
      .udp({ sport: 5000, dport: 53 })
      .payload('hello')
      .build();
    const { eth, ip4, udp, gen } = outer(f);
    expect(eth.etherType).toBe(0x0800);
    expect(ip4.protocol).toBe(17);
    expect(ip4.df).toBe(true);
    expect(ip4.ttl).toBe(64);
    expect(ip4.totalLen).toBe(f.length - 14);
    expect(ip4.verifyChecksum()).toBe(true);
    expect(udp.dstPort).toBe(6081);
    expect(udp.length).toBe(f.length - 34);
    expect(udp.verifyChecksum(ip4.src, ip4.dst)).toBe(true);
    expect(udp.checksum).not.toBe(0);
    expect(gen.protocol).toBe(0x6558);
    expect(gen.vni).toBe(100);
    expect(gen.critical).toBe(false);
    expect(Array.from(gen.payload)).toEqual(Array.from(inner.build()));
    const ieth = new EthernetFrame(gen.payload);
    const iip = new Ipv4Packet(ieth.payload);
    expect(iip.verifyChecksum()).toBe(true);
    const iudp = new UdpPacket(iip.payload);
    expect(iudp.verifyChecksum(ipv4(podA.ip), ipv4(podB.ip))).toBe(true);
    expect(new TextDecoder().decode(iudp.payload)).toBe('hello');
  });

  it('encodes our options and sets the C bit when one is critical', () => {
    const f = overlay([hostLocOf1, svcRewrite])
      .ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: podA.ip, dst: '10.1.0.5' })
      .tcp({ sport: 40000, dport: 8080, flags: 'S' })
      .build();
    const { gen } = outer(f);
    expect(gen.critical).toBe(true);
    expect(gen.optLen).toBe(4 + 9);
    const r = parseGeneve(gen.bytes);
    expect(r.ok && r.value.options.map((o) => [o.class, o.type, o.data.length])).toEqual([
      [0xfff0, 0x01, 12],
      [0xfff0, 0x82, 32],
    ]);
  });

  it('builds ARP, ICMP echo and TCP layers with their checksums', () => {
    const arp = new ArpPacket(new EthernetFrame(arpRequest.build()).payload);
    expect(arp.check()).toBeUndefined();
    expect([arp.op, arp.spa, arp.tpa]).toEqual([1, ipv4(podA.ip), ipv4(podB.ip)]);
    expect(Array.from(arp.tha)).toEqual([0, 0, 0, 0, 0, 0]);

    const ping = ip({ src: podA.ip, dst: podB.ip }).icmpEcho({ id: 7, seq: 3 }).payload('abcd').build();
    const icmp = new IcmpPacket(new Ipv4Packet(ping).payload);
    expect([icmp.type, icmp.echoIdent, icmp.echoSeq]).toEqual([8, 7, 3]);
    expect(icmp.verifyChecksum()).toBe(true);
    expect(new Ipv4Packet(ping).protocol).toBe(1);

    const syn = ip({ src: podA.ip, dst: podB.ip }).tcp({ sport: 1234, dport: 80, flags: 'SA', seq: 9, ack: 10, window: 512 }).build();
    const tcp = new TcpPacket(new Ipv4Packet(syn).payload);
    expect([tcp.flags, tcp.seq, tcp.ack, tcp.window]).toEqual([0x12, 9, 10, 512]);
    expect(tcp.verifyChecksum(ipv4(podA.ip), ipv4(podB.ip))).toBe(true);
  });

  it('adds a VLAN tag', () => {
    const f = ether({ src: podA.mac, dst: podB.mac, vlan: { vid: 42, pcp: 5 } })
      .ipv4({ src: podA.ip, dst: podB.ip })
      .icmpEcho({ id: 1, seq: 1 })
      .build();
    const e = new EthernetFrame(f);
    expect(e.vlan).toEqual({ tpid: 0x8100, pcp: 5, dei: false, vid: 42 });
    expect(e.etherType).toBe(0x0800);
  });

  it('lets every default be overridden to build malformed frames', () => {
    const f = overlay()
      .ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: podA.ip, dst: podB.ip, totalLength: 999, checksum: 0x1234, ttl: 1 })
      .udp({ sport: 1, dport: 2, length: 3, checksum: 0xbeef })
      .build();
    const { gen } = outer(f);
    const iip = new Ipv4Packet(new EthernetFrame(gen.payload).payload);
    expect(iip.totalLen).toBe(999);
    expect(iip.checksum).toBe(0x1234);
    const iudp = new UdpPacket(iip.bytes.subarray(20));
    expect([iudp.length, iudp.checksum]).toEqual([3, 0xbeef]);

    const badIhl = ip({ src: podA.ip, dst: podB.ip, ihl: 4, proto: 253 }).build();
    expect(new Ipv4Packet(badIhl).ihl).toBe(4);

    const lyingOptLen = ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: podA.ip, dst: podB.ip })
      .udp({ sport: 1 })
      .geneve({ vni: 5, optLen: 9, options: [hostLocOf1] })
      .payload(new Uint8Array(40))
      .build();
    expect(outer(lyingOptLen).gen.optLen).toBe(9);

    const raw = overlay([{ class: 0x0102, type: 0x85, data: new Uint8Array([1, 2, 3, 4]) }])
      .payload('x')
      .build();
    expect(outer(raw).gen.critical).toBe(true);

    const none = ether({ src: podA.mac, dst: podB.mac })
      .ipv4({ src: podA.ip, dst: podB.ip })
      .udp({ sport: 1, dport: 6081, checksum: 0 })
      .geneve({ vni: 1 })
      .payload('y')
      .build();
    expect(outer(none).udp.checksum).toBe(0);
  });

  it('is immutable: extending a builder leaves the original as it was', () => {
    const base = ether({ src: podA.mac, dst: podB.mac }).ipv4({ src: podA.ip, dst: podB.ip });
    const a = base.icmpEcho({ id: 1, seq: 1 }).build();
    const b = base.tcp({ sport: 1, dport: 2 }).build();
    expect(new Ipv4Packet(new EthernetFrame(a).payload).protocol).toBe(1);
    expect(new Ipv4Packet(new EthernetFrame(b).payload).protocol).toBe(6);
  });

  it('says what it cannot infer', () => {
    expect(() => ether({ src: podA.mac, dst: podB.mac }).payload('x').build()).toThrow(/ether type cannot be inferred/);
    expect(() => ether({ src: podA.mac, dst: podB.mac, type: 0x88b5 }).payload('x').build()).not.toThrow();
    expect(() => ip({ src: podA.ip, dst: podB.ip }).udp({ sport: 1 }).build()).toThrow(/dport/);
    expect(() => ether({ src: 'zz', dst: podB.mac, type: 1 }).build()).toThrow(/not a MAC/);
    expect(mac(podA.mac)).toEqual(new EthernetFrame(arpRequest.build()).src);
  });
});
