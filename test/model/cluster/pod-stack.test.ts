// model/cluster/pod-stack.ts: Linux's receive rules for a pod, one case each.
import { describe, expect, it } from 'vitest';
import { podAccepts } from '../../../model/cluster/pod-stack.ts';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { ether } from '../../../model/wire/builder.ts';

const SELF = { ip: ipv4('10.0.1.10'), mac: mac('0a:58:0a:00:01:0a') };
const frame = (src: string, dst: string, dmac = '0a:58:0a:00:01:0a'): Uint8Array =>
  ether({ src: '02:00:00:00:00:01', dst: dmac }).ipv4({ src, dst }).udp({ sport: 1, dport: 2 }).payload('x').build();

describe("a pod's stack", () => {
  it('accepts unicast IPv4 to its address, broadcast and multicast, and ARP', () => {
    expect(podAccepts(frame('10.0.1.1', '10.0.1.10'), SELF)).toEqual({ accept: true });
    expect(podAccepts(frame('10.0.2.5', '255.255.255.255', 'ff:ff:ff:ff:ff:ff'), SELF).accept).toBe(true);
    expect(podAccepts(frame('10.0.2.5', '224.0.0.1', '01:00:5e:00:00:01'), SELF).accept).toBe(true);
    const arp = ether({ src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' })
      .arp({ op: 'reply', sha: '02:00:00:00:00:01', spa: '10.0.1.1', tpa: '10.0.1.10' })
      .build();
    expect(podAccepts(arp, SELF).accept).toBe(true);
  });

  it('drops a packet from its own address (a hairpin without masquerade) and other martian sources', () => {
    expect(podAccepts(frame('10.0.1.10', '10.0.1.10'), SELF)).toEqual({ accept: false, why: 'martian source: its own address' });
    for (const src of ['0.0.0.0', '127.0.0.1', '224.0.0.5', '255.255.255.255'])
      expect(podAccepts(frame(src, '10.0.1.10'), SELF).accept, src).toBe(false);
  });

  it('drops frames for another MAC, packets for another address, bad headers and other protocols', () => {
    expect(podAccepts(frame('10.0.1.1', '10.0.1.10', '0a:58:0a:00:01:0b'), SELF).accept).toBe(false);
    expect(podAccepts(frame('10.0.1.1', '10.0.1.11'), SELF).accept).toBe(false);
    const bad = frame('10.0.1.1', '10.0.1.10');
    bad[24] ^= 1;
    expect(podAccepts(bad, SELF)).toEqual({ accept: false, why: 'bad IPv4 header checksum' });
    const short = frame('10.0.1.1', '10.0.1.10');
    short[17] += 40;
    expect(podAccepts(short, SELF).accept, 'total length past the frame').toBe(false);
    const v6 = ether({ src: '02:00:00:00:00:01', dst: '0a:58:0a:00:01:0a', type: 0x86dd }).payload(new Uint8Array(40)).build();
    expect(podAccepts(v6, SELF).accept).toBe(false);
    expect(podAccepts(new Uint8Array(10), SELF).accept).toBe(false);
  });
});
