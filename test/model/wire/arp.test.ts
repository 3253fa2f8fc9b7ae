import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { type ArpRepr, ArpPacket, ArpRepr as Arp, arpOpName, parseArp } from '../../../model/wire/arp.ts';
import { arbIpv4, arbMac, arbU16, codecLaws, hexBytes } from './laws.ts';

// "Who has 192.168.1.1? Tell 192.168.1.10", as captured from a VMware guest.
const request = hexBytes('0001 0800 06 04 0001 000c293e5c8a c0a8010a 000000000000 c0a80101');

codecLaws<ArpPacket, ArpRepr>({
  name: 'ARP',
  golden: request,
  expected: {
    htype: 1,
    ptype: 0x0800,
    op: 1,
    sha: mac('00:0c:29:3e:5c:8a'),
    spa: ipv4('192.168.1.10'),
    tha: mac('00:00:00:00:00:00'),
    tpa: ipv4('192.168.1.1'),
  },
  checked: (b) => ArpPacket.checked(b),
  parse: Arp.parse,
  emit: Arp.emit,
  bufferLen: Arp.bufferLen,
  arbitrary: fc.record({ htype: arbU16, ptype: arbU16, op: arbU16, sha: arbMac, spa: arbIpv4, tha: arbMac, tpa: arbIpv4 }),
});

describe('ARP', () => {
  it('keeps unknown operation codes and names the known ones', () => {
    const b = request.slice();
    b[7] = 9;
    const r = parseArp(b);
    expect(r.ok && r.value.op).toBe(9);
    expect(arpOpName(1)).toBe('request');
    expect(arpOpName(2)).toBe('reply');
    expect(arpOpName(9)).toBe('0x0009');
  });

  it('refuses address lengths other than Ethernet/IPv4, naming the field', () => {
    const b = request.slice();
    b[4] = 8;
    const r = parseArp(b, 14);
    expect(r).toEqual({ ok: false, error: { layer: 'ARP', field: 'hlen', offset: 18, message: 'unsupported hardware address length 8' } });
  });

  it('refuses truncated packets', () => {
    const r = parseArp(request.subarray(0, 27));
    expect(r).toEqual({ ok: false, error: { layer: 'ARP', offset: 0, message: 'truncated: need 28 bytes, have 27' } });
    expect(parseArp(request.subarray(0, 3)).ok).toBe(false);
  });
});
