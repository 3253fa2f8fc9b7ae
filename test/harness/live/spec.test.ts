// Validation of topology descriptions and the small pure helpers: no kernel needed.
import { describe, expect, it } from 'vitest';
import { identityKey, shapeKey, summarizeGeneve, summarizeInner } from '../../../harness/live/frame-view.ts';
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { packet } from '../../../model/wire/builder.ts';
import { isRunPrefix, newRunPrefix, prefixOf } from '../../../harness/live/prefix.ts';
import { POD_MTU, TopologySpecError, sameSubnet, validateSpec, type TopologySpec } from '../../../harness/live/spec.ts';
import { TWO_HOSTS } from './live-fixtures.ts';

const withHost = (patch: object): TopologySpec => ({ ...TWO_HOSTS, hosts: [{ ...TWO_HOSTS.hosts[0], ...patch }, TWO_HOSTS.hosts[1]] });
const withEp = (patch: object): TopologySpec => ({
  ...TWO_HOSTS,
  endpoints: [{ ...TWO_HOSTS.endpoints[0], ...patch }, TWO_HOSTS.endpoints[1]],
});

describe('live topology description', () => {
  it('accepts the two-host fixture', () => {
    expect(() => validateSpec(TWO_HOSTS)).not.toThrow();
  });

  it.each([
    [withHost({ ip: '192.168.250.300' }), /hosts\[0\] \(alpha\): field "ip"/],
    [withHost({ ip: '10.0.0.1' }), /not in the underlay \/24/],
    [withHost({ mac: '03:00:00:00:00:01' }), /field "mac" is not a unicast MAC/],
    [withHost({ name: 'beta' }), /field "name" duplicates/],
    [withEp({ host: 'gamma' }), /endpoints\[0\] \(web\): field "host" names no host/],
    [withEp({ prefixLen: 33 }), /field "prefixLen"/],
    [withEp({ gateway: '10.20.0.5' }), /field "gateway" equals/],
    [withEp({ vethIfindex: 7 }), /field "vethIfindex" duplicates/],
    [withEp({ gatewayMac: 'nope' }), /field "gatewayMac"/],
  ])('rejects a bad entry, naming it and the field (%#)', (spec, msg) => {
    expect(() => validateSpec(spec)).toThrow(TopologySpecError);
    expect(() => validateSpec(spec)).toThrow(msg);
  });

  it('leaves 102 bytes of headroom in the pod MTU: encapsulation and a service-rewrite option', () => {
    expect(POD_MTU).toBe(1398);
  });

  it('compares subnets by prefix', () => {
    expect(sameSubnet('10.1.2.3', '10.1.2.200', 24)).toBe(true);
    expect(sameSubnet('10.1.2.3', '10.1.3.1', 24)).toBe(false);
    expect(sameSubnet('10.1.2.3', '10.1.3.1', 16)).toBe(true);
  });
});

describe('run prefixes', () => {
  it('are tp + 6 hex + dash, and names map back to them', () => {
    const p = newRunPrefix();
    expect(isRunPrefix(p)).toBe(true);
    expect(prefixOf(`${p}h0-alpha`)).toBe(p);
    expect(prefixOf('tpd12')).toBeUndefined();
    expect(prefixOf('eth0')).toBeUndefined();
    expect(isRunPrefix('tpXYZ123-')).toBe(false);
  });
});

describe('frame views (through model/wire)', () => {
  it('reads ARP requests and ICMP echo from Ethernet frames', () => {
    const arp = new Uint8Array(42);
    arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 5, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
    arp.set([10, 0, 0, 5], 28);
    arp.set([10, 0, 0, 6], 38);
    expect(summarizeInner(arp)).toMatchObject({ kind: 'arp', srcMac: '02:00:00:00:00:05', op: 1, spa: '10.0.0.5', tpa: '10.0.0.6' });
    const icmp = new Uint8Array(42);
    icmp.set([0x08, 0x00], 12);
    icmp.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 5, 10, 0, 0, 6, 8], 14);
    expect(summarizeInner(icmp)).toMatchObject({ saddr: '10.0.0.5', daddr: '10.0.0.6', proto: 1, icmpType: 8 });
    expect(summarizeInner(new Uint8Array(10))).toBeUndefined();
  });

  it('reads a Geneve frame with our options, and tells fragments of one datagram apart', () => {
    const inner = packet()
      .ether({ src: mac('02:00:00:00:00:05'), dst: mac('02:00:00:00:00:06') })
      .ipv4({ src: ipv4('10.0.0.5'), dst: ipv4('10.0.0.6') })
      .icmpEcho({ id: 7, seq: 3 })
      .build();
    const g = summarizeGeneve(
      packet()
        .ether({ src: mac('02:00:c0:a8:00:01'), dst: mac('02:00:c0:a8:00:02') })
        .ipv4({ src: ipv4('192.168.0.1'), dst: ipv4('192.168.0.2') })
        .udp({ sport: 50000, dport: 6081 })
        .geneve({ vni: 42 })
        .payload(inner)
        .build(),
    );
    expect(g).toMatchObject({ vni: 42, srcIp: '192.168.0.1', sport: 50000, inner: { kind: 'ipv4', icmpSeq: 3, len: inner.length } });
    expect(shapeKey(g!.inner)).toBe('icmp 10.0.0.5>10.0.0.6 type 8 seq 3');
    // A later fragment: offset 1480, no L4 header; its own shape and identity.
    const frag = new Uint8Array(inner);
    frag[20] = 0x00;
    frag[21] = 185; // 185 × 8 = 1480
    const f = summarizeInner(frag)!;
    expect(f).toMatchObject({ fragOffset: 1480, mf: false });
    expect(shapeKey(f)).toBe('fragment 10.0.0.5>10.0.0.6 proto 1 at 1480');
    expect(identityKey(f)).not.toBe(identityKey(summarizeInner(inner)!));
    // Not Geneve: plain UDP to another port.
    expect(summarizeGeneve(inner)).toBeUndefined();
  });
});
