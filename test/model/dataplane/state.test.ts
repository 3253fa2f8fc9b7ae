// The host state's maps: kernel semantics the programs rely on (LPM longest match, array
// zero reads, LRU eviction), and (key, value) records that encode to the kernel's bytes.
import { describe, expect, it } from 'vitest';
import { HostState, MAP_NAMES, MAP_SPECS, epKey, flowKey, hostLoc } from '../../../model/dataplane/state.ts';
import { MapFullError } from '../../../model/dataplane/maps.ts';
import { NoPartitionError } from '../../../model/dataplane/partitioned.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { EpKey, EpVal, NetKey } from '../../../model/dataplane/structs.ts';
import { decode, encode } from '../../../model/layout/struct.ts';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { addressBook } from '../support/addressbook.ts';

const net = (id: number) => ({ net_id: id, gw_mac: new Uint8Array(6), n_bouncers: 0, bouncers: [] });

describe('host state maps', () => {
  it('networks (LPM_TRIE): the longest matching prefix under the same VNI wins', () => {
    const h = new HostState();
    h.map('networks').set({ prefixlen: 32 + 16, vni: 7, ip: ipv4('10.1.0.0') }, net(1));
    h.map('networks').set({ prefixlen: 32 + 24, vni: 7, ip: ipv4('10.1.2.0') }, net(2));
    h.map('networks').set({ prefixlen: 32 + 24, vni: 8, ip: ipv4('10.1.3.0') }, net(3));
    const at = (vni: number, a: string) => h.map('networks').get({ prefixlen: 64, vni, ip: ipv4(a) })?.net_id;
    expect(at(7, '10.1.2.9'), '/24 beats /16').toBe(2);
    expect(at(7, '10.1.3.9'), 'the /24 of VNI 8 is not seen under VNI 7').toBe(1);
    expect(at(8, '10.1.3.1')).toBe(3);
    expect(at(8, '10.1.2.1'), 'VNI 8 has no /16').toBeUndefined();
    expect(at(7, '10.2.0.1')).toBeUndefined();
    expect(
      h.map('networks').get({ prefixlen: 48, vni: 7, ip: ipv4('10.1.2.9') })?.net_id,
      "a lookup key's prefixlen limits the match",
    ).toBe(1);
    expect(() => h.map('networks').set({ prefixlen: 65, vni: 7, ip: 0 }, net(9)), 'prefixlen above 64 is EINVAL').toThrow();
    expect(h.map('networks').size).toBe(3);
    expect(h.map('networks').delete({ prefixlen: 56, vni: 7, ip: ipv4('10.1.2.0') })).toBe(true);
    expect(at(7, '10.1.2.9')).toBe(1);
  });

  it('arrays read zeros where never written and miss only out of range', () => {
    const h = new HostState();
    expect(h.map('maglev').get(5), 'an unwritten slot reads 0').toBe(0);
    expect(h.map('maglev').get(CONSTS.MAX_SERVICES * CONSTS.MAGLEV_M), 'past max_entries misses').toBeUndefined();
    expect(h.config.ip, 'cfg reads as zeros before the control plane writes it').toBe(0);
    expect([...h.map('maglev').entries()], 'entries lists written indexes only').toEqual([]);
    expect(() => h.map('maglev').set(CONSTS.MAX_SERVICES * CONSTS.MAGLEV_M, 1)).toThrow(MapFullError);
  });

  it('HASH maps refuse an entry past max_entries; LRU maps evict the least recently used', () => {
    const h = new HostState();
    for (let i = 0; i < CONSTS.MAP_IFACES; i++) h.map('ifaces').set(i, { vni: 1, ip: i, mac: new Uint8Array(6), pad: 0, net_id: 1 });
    expect(
      () => h.map('ifaces').set(9999, { vni: 1, ip: 0, mac: new Uint8Array(6), pad: 0, net_id: 1 }),
      'a full HASH map answers E2BIG',
    ).toThrow(MapFullError);
    expect(() => h.map('ep_cache').set(epKey(1, 0), hostLoc(0, new Uint8Array(6))), 'no partition for VNI 1 yet').toThrow(NoPartitionError);
    h.map('vpc_slots').set(1, 0);
    h.map('vpc_slots').set(2, 1);
    h.map('ep_cache').set(epKey(2, 7), hostLoc(7, new Uint8Array(6)));
    for (let i = 0; i < CONSTS.MAP_EP_CACHE_PER_VPC; i++) h.map('ep_cache').set(epKey(1, i), hostLoc(i, new Uint8Array(6)));
    expect(h.map('ep_cache').get(epKey(1, 0))?.ip, 'touch entry 0: now the most recent').toBe(0);
    h.map('ep_cache').set(epKey(1, 99999), hostLoc(1, new Uint8Array(6)));
    expect(h.map('ep_cache').size).toBe(CONSTS.MAP_EP_CACHE_PER_VPC + 1);
    expect(h.map('ep_cache').peek(epKey(1, 0)), 'the touched entry survives').toBeDefined();
    expect(h.map('ep_cache').peek(epKey(1, 1)), 'the least recently used entry of VNI 1 was evicted').toBeUndefined();
    expect(h.map('ep_cache').peek(epKey(2, 7)), "VNI 2's older entry is in its own partition: untouched").toBeDefined();
    h.map('vpc_slots').delete(2);
    expect(h.map('ep_cache').peek(epKey(2, 7)), 'without its slot a VNI finds nothing').toBeUndefined();
    expect(h.learningVnis()).toEqual([1]);
  });

  it('keys that share a hash stay apart: lookups, deletes, clones, LRU eviction and the order of entries', () => {
    const h = new HostState();
    const loc = (ip: number) => hostLoc(ip, new Uint8Array(6));
    // u32 keys hash to their low 30 bits, endpoint keys to (vni * c) ^ ip in 30 bits: flipping
    // bit 30 of the address (or the key) gives another key of the same hash.
    const vpcs = h.map('vpcs');
    const dv = (n: number) => ({ n_dividers: n, dividers: [] });
    for (const k of [5, 5 + 2 ** 30, 6, 5 + 2 ** 31]) vpcs.set(k, dv(k % 7));
    expect(
      [...vpcs.entries()].map(([k]) => k),
      'insertion order',
    ).toEqual([5, 5 + 2 ** 30, 6, 5 + 2 ** 31]);
    expect(vpcs.get(5 + 2 ** 31)?.n_dividers).toBe((5 + 2 ** 31) % 7);
    expect(vpcs.delete(5), 'the head of a chain').toBe(true);
    expect(vpcs.get(5)).toBeUndefined();
    expect(vpcs.get(5 + 2 ** 30)?.n_dividers).toBe((5 + 2 ** 30) % 7);
    vpcs.set(5, dv(1));
    expect(
      [...vpcs.entries()].map(([k]) => k),
      'a re-inserted key goes last',
    ).toEqual([5 + 2 ** 30, 6, 5 + 2 ** 31, 5]);
    const copy = h.clone().map('vpcs');
    vpcs.delete(6);
    expect(
      [...copy.entries()].map(([k]) => k),
      'a clone keeps keys and order',
    ).toEqual([5 + 2 ** 30, 6, 5 + 2 ** 31, 5]);
    expect(vpcs.size).toBe(3);
    expect(copy.size).toBe(4);

    h.map('vpc_slots').set(1, 0);
    const cache = h.map('ep_cache');
    const twin = (ip: number) => (ip ^ 0x40000000) >>> 0;
    for (let i = 0; i < CONSTS.MAP_EP_CACHE_PER_VPC; i += 2) {
      cache.set(epKey(1, i), loc(i));
      cache.set(epKey(1, twin(i)), loc(twin(i)));
    }
    expect(cache.get(epKey(1, 0))?.ip, 'touched: now the most recent').toBe(0);
    cache.set(epKey(1, 99999), loc(99999));
    expect(cache.size).toBe(CONSTS.MAP_EP_CACHE_PER_VPC);
    expect(cache.peek(epKey(1, 0)), 'the touched head of a chain survives').toBeDefined();
    expect(cache.peek(epKey(1, twin(0))), 'the least recently used, second in its chain, was evicted').toBeUndefined();
    expect(cache.peek(epKey(1, 2))?.ip).toBe(2);
    expect(cache.peek(epKey(1, twin(2)))?.ip).toBe(twin(2));
    const keys = [...cache.entries()].map(([k]) => k.ip);
    expect(keys.slice(0, 3), 'insertion order, chains or not').toEqual([0, 2, twin(2)]);
    expect(keys.at(-1)).toBe(99999);
  });

  it('records encode to the kernel layout and decode back to equal records', () => {
    const { cp } = addressBook({ withService: true });
    let pairs = 0;
    for (const host of cp.hosts.values()) {
      for (const [name] of host.state.presentMaps()) {
        const m = host.state.map(name);
        for (const [k, v] of m.entries()) {
          const kb = m.keyLayout.encode(k);
          const vb = m.valueLayout.encode(v);
          expect(kb.length, `${name} key size`).toBe(m.keyDef.size);
          expect(vb.length, `${name} value size`).toBe(m.valueDef.size);
          expect(m.keyLayout.decode(kb), `${name} key round trip`).toEqual(k);
          expect(m.valueLayout.decode(vb), `${name} value round trip`).toEqual(v);
          pairs++;
        }
      }
    }
    expect(pairs).toBeGreaterThan(50);
    const h2 = cp.host('h2');
    const key = epKey(100, ipv4('192.168.1.11'));
    expect([...encode(EpKey, { ...key })], 'vni little-endian, ip as on the wire').toEqual([100, 0, 0, 0, 192, 168, 1, 11]);
    expect(decode(EpVal, encode(EpVal, h2.state.map('endpoints').peek(key)!)).kind).toBe(CONSTS.EP_LOCAL);
    expect(NetKey.size).toBe(12);
  });

  it('every map carries its kernel name, type, layouts and size; clones are independent', () => {
    const h = new HostState();
    for (const n of MAP_NAMES) {
      const m = h.map(n);
      expect(m.name).toBe(n);
      expect(m.type).toBe(MAP_SPECS[n].type);
      expect(m.maxEntries).toBeGreaterThan(0);
    }
    expect(h.map('flows').type).toBe('LRU_HASH');
    h.map('vpc_slots').set(1, 3);
    h.map('flows').set(flowKey(1, 1, 2, 3, 4, 6), {
      daddr: 9,
      dport: 9,
      dmac: mac('02:00:00:00:00:09'),
      host: hostLoc(1, new Uint8Array(6)),
    });
    const c = h.clone();
    c.map('flows').clear();
    expect(h.map('flows').size, 'clearing a clone leaves the original').toBe(1);
    expect(c.learningVnis(), 'clearing empties slots, the VPC keeps its slot').toEqual([1]);
    c.map('vpc_slots').set(1, 4);
    expect(h.map('flows').size, "a clone reads its own vpc_slots, not the original's").toBe(1);
    expect(c.map('flows').peek(flowKey(1, 1, 2, 3, 4, 6))).toBeUndefined();
    expect(
      h
        .clone()
        .map('flows')
        .peek(flowKey(1, 1, 2, 3, 4, 6))?.daddr,
    ).toBe(9);
  });
});
