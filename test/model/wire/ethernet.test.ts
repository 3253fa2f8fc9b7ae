import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mac } from '../../../model/wire/addr.ts';
import { type EthernetRepr, EthernetFrame, EthernetRepr as Eth, etherTypeName } from '../../../model/wire/ethernet.ts';
import { arbMac, arbU16, codecLaws, hexBytes } from './laws.ts';

const codec = {
  checked: (b: Uint8Array) => EthernetFrame.checked(b),
  parse: Eth.parse,
  emit: Eth.emit,
  bufferLen: Eth.bufferLen,
};

// A broadcast ARP frame as a VMware guest sends it (untagged).
const untagged = hexBytes('ffffffffffff 000c293e5c8a 0806' + '00'.repeat(28));
// The same with an 802.1Q tag: PCP 1, DEI 0, VID 100.
const tagged = hexBytes('ffffffffffff 000c293e5c8a 8100 2064 0806' + '00'.repeat(28));

codecLaws<EthernetFrame, EthernetRepr>({
  name: 'Ethernet',
  golden: untagged,
  expected: { dst: mac('ff:ff:ff:ff:ff:ff'), src: mac('00:0c:29:3e:5c:8a'), etherType: 0x0806 },
  ...codec,
  arbitrary: fc.record({ dst: arbMac, src: arbMac, etherType: arbU16.filter((t) => t !== 0x8100 && t !== 0x88a8) }),
});

codecLaws<EthernetFrame, EthernetRepr>({
  name: 'Ethernet 802.1Q',
  golden: tagged,
  expected: {
    dst: mac('ff:ff:ff:ff:ff:ff'),
    src: mac('00:0c:29:3e:5c:8a'),
    etherType: 0x0806,
    vlan: { tpid: 0x8100, pcp: 1, dei: false, vid: 100 },
  },
  ...codec,
  arbitrary: fc.record({
    dst: arbMac,
    src: arbMac,
    etherType: arbU16,
    vlan: fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8), pcp: fc.nat({ max: 7 }), dei: fc.boolean(), vid: fc.nat({ max: 0xfff }) }),
  }),
});

describe('EthernetFrame', () => {
  it('finds the payload after the tag', () => {
    const f = new EthernetFrame(tagged);
    expect(f.headerLen).toBe(18);
    expect(f.payload.length).toBe(28);
    expect(new EthernetFrame(untagged).headerLen).toBe(14);
  });

  it('rejects frames too short for the header or the tag', () => {
    const r = EthernetFrame.checked(untagged.subarray(0, 13), 100);
    expect(r).toEqual({ ok: false, error: { layer: 'Ethernet', offset: 100, message: 'truncated: need 14 bytes, have 13' } });
    const t = EthernetFrame.checked(tagged.subarray(0, 16));
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.error.field).toBe('vlan');
  });

  it('rewrites addresses and the inner EtherType in place', () => {
    const b = tagged.slice();
    const f = new EthernetFrame(b);
    f.dst = mac('02:00:00:00:00:09');
    f.etherType = 0x0800;
    expect(Array.from(b.subarray(0, 6))).toEqual([2, 0, 0, 0, 0, 9]);
    expect(f.outerType).toBe(0x8100);
    expect(f.etherType).toBe(0x0800);
  });

  it('names EtherTypes and keeps unknown ones as hex', () => {
    expect(etherTypeName(0x0800)).toBe('IPv4');
    expect(etherTypeName(0x0806)).toBe('ARP');
    expect(etherTypeName(0x6558)).toBe('TEB');
    expect(etherTypeName(0x88b5)).toBe('0x88b5');
  });
});
