// Writes the sample captures shipped in pcaps/ (run: npx tsx scripts/make-sample-pcaps.ts).
// Deterministic: the same frames, timestamps, comments and verdicts every run, so the
// files only change when the builder or the writer does.
//
//   sample-geneve.pcapng  Geneve between two hosts of VPC 100 (VNI 100), each frame with
//                         the host-location option, around ARP, ICMP echo, UDP and TCP;
//                         two underlay interfaces, a comment and an XDP verdict per packet.
//   sample-geneve.pcap    the same frames as classic pcap (µs), for tools that want it.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ether, type PacketBuilder } from '../model/wire/builder.ts';
import { ipv4, mac } from '../model/wire/addr.ts';
import { jhash3words } from '../model/hash/jhash.ts';
import { CONSTS } from '../model/dataplane/consts.ts';
import { writeCaptureFile } from '../report/capture/files.ts';
import { xdpVerdict, type PacketToWrite } from '../report/capture/writer.ts';
import { defaultPayload } from '../harness/scenario/resolve/send.ts';

const XDP = { DROP: 1, PASS: 2, TX: 3, REDIRECT: 4 } as const;

// The address book: two hosts on the underlay, one pod on each, in VPC 100.
const hostA = { ip: '172.16.0.1', mac: '02:00:ac:10:00:01' };
const hostB = { ip: '172.16.0.2', mac: '02:00:ac:10:00:02' };
const podA = { ip: '10.0.1.10', mac: '0a:00:0a:00:01:0a' };
const podB = { ip: '10.0.1.20', mac: '0a:00:0a:00:01:14' };
const VNI = 100;
const PROTO = { ICMP: 1, TCP: 6, UDP: 17 } as const;

type Host = typeof hostA;
type Pod = typeof podA;

/** The outer UDP source port the data plane derives from the inner flow (docs/dataplane.md). */
function sourcePort(saddr: string, daddr: string, proto: number, sport: number, dport: number): number {
  const h = jhash3words(ipv4(saddr), ipv4(daddr), ((sport << 16) | dport) >>> 0, (CONSTS.SEED_SPORT ^ proto) >>> 0);
  return CONSTS.SPORT_BASE | (h & CONSTS.SPORT_MASK);
}

/** Outer headers from host `from` to host `to`, Geneve with `from`'s location, then `inner`. */
function geneve(from: Host, to: Host, flow: [string, string, number, number, number]): PacketBuilder {
  return ether({ src: from.mac, dst: to.mac })
    .ipv4({ src: from.ip, dst: to.ip, df: true, ttl: 64 })
    .udp({ sport: sourcePort(...flow), checksum: 0 })
    .geneve({ vni: VNI, options: [{ kind: 'host-location', hostIp: ipv4(from.ip), hostMac: mac(from.mac) }] });
}

function innerEther(src: Pod, dst: Pod | { mac: string }) {
  return { src: src.mac, dst: dst.mac };
}

const BROADCAST = { mac: 'ff:ff:ff:ff:ff:ff' };
const payload = (text: string): string => text.padEnd(32, '.');

interface Sample {
  readonly frame: Uint8Array;
  /** 0: captured on host A's underlay NIC, 1: on host B's. */
  readonly iface: 0 | 1;
  readonly comment: string;
  readonly verdict: number;
}

const samples: Sample[] = [
  {
    iface: 0,
    comment: 'pod A asks a bouncer who has 10.0.1.20 (agent on host A encapsulated the ARP request)',
    verdict: XDP.TX,
    frame: geneve(hostA, hostB, [podA.ip, podB.ip, 0, 0, 0])
      .ether(innerEther(podA, BROADCAST))
      .arp({ op: 'request', sha: podA.mac, spa: podA.ip, tpa: podB.ip })
      .build(),
  },
  {
    iface: 1,
    comment: 'the bouncer answers for pod B; the option carries host B, so host A learns the direct path',
    verdict: XDP.TX,
    frame: geneve(hostB, hostA, [podB.ip, podA.ip, 0, 0, 0])
      .ether(innerEther(podB, podA))
      .arp({ op: 'reply', sha: podB.mac, spa: podB.ip, tha: podA.mac, tpa: podA.ip })
      .build(),
  },
  {
    iface: 0,
    comment: 'first ICMP echo goes straight to host B',
    verdict: XDP.REDIRECT,
    frame: geneve(hostA, hostB, [podA.ip, podB.ip, PROTO.ICMP, 0, 0])
      .ether(innerEther(podA, podB))
      .ipv4({ src: podA.ip, dst: podB.ip, id: 1 })
      .icmpEcho({ id: 0x4242, seq: 1 })
      .payload(payload('twinplane ping'))
      .build(),
  },
  {
    iface: 1,
    comment: 'echo reply from pod B',
    verdict: XDP.REDIRECT,
    frame: geneve(hostB, hostA, [podB.ip, podA.ip, PROTO.ICMP, 0, 0])
      .ether(innerEther(podB, podA))
      .ipv4({ src: podB.ip, dst: podA.ip, id: 2 })
      .icmpEcho({ type: 'reply', id: 0x4242, seq: 1 })
      .payload(payload('twinplane ping'))
      .build(),
  },
  {
    iface: 0,
    comment: 'UDP datagram from pod A to pod B port 40400',
    verdict: XDP.REDIRECT,
    frame: geneve(hostA, hostB, [podA.ip, podB.ip, PROTO.UDP, 40000, 40400])
      .ether(innerEther(podA, podB))
      .ipv4({ src: podA.ip, dst: podB.ip, id: 3 })
      .udp({ sport: 40000, dport: 40400 })
      .payload(payload('hello over geneve'))
      .build(),
  },
  {
    iface: 0,
    comment: 'TCP SYN from pod A to pod B port 80',
    verdict: XDP.REDIRECT,
    frame: geneve(hostA, hostB, [podA.ip, podB.ip, PROTO.TCP, 43210, 80])
      .ether(innerEther(podA, podB))
      .ipv4({ src: podA.ip, dst: podB.ip, id: 4, df: true })
      .tcp({ sport: 43210, dport: 80, seq: 1000, flags: 'S' })
      .build(),
  },
  {
    iface: 1,
    comment: 'SYN-ACK from pod B',
    verdict: XDP.REDIRECT,
    frame: geneve(hostB, hostA, [podB.ip, podA.ip, PROTO.TCP, 80, 43210])
      .ether(innerEther(podB, podA))
      .ipv4({ src: podB.ip, dst: podA.ip, id: 5, df: true })
      .tcp({ sport: 80, dport: 43210, seq: 5000, ack: 1001, flags: 'SA' })
      .build(),
  },
  {
    iface: 1,
    comment: 'host B itself talking on the underlay (not Geneve): transit passes it to the kernel',
    verdict: XDP.PASS,
    frame: ether({ src: hostA.mac, dst: hostB.mac })
      .ipv4({ src: hostA.ip, dst: hostB.ip, id: 6 })
      .udp({ sport: 33000, dport: 53 })
      // A real DNS query: port 53 is DNS to every dissector (text there reads as malformed).
      .payload(defaultPayload('udp', 53))
      .build(),
  },
  {
    iface: 1,
    comment: 'Geneve for a VNI host B does not serve: dropped',
    verdict: XDP.DROP,
    frame: ether({ src: hostA.mac, dst: hostB.mac })
      .ipv4({ src: hostA.ip, dst: hostB.ip, df: true })
      .udp({ sport: sourcePort(podA.ip, podB.ip, PROTO.ICMP, 0, 0), checksum: 0 })
      .geneve({ vni: 999, options: [{ kind: 'host-location', hostIp: ipv4(hostA.ip), hostMac: mac(hostA.mac) }] })
      .ether(innerEther(podA, podB))
      .ipv4({ src: podA.ip, dst: podB.ip, id: 7 })
      .icmpEcho({ id: 0x4242, seq: 2 })
      .build(),
  },
];

// 2024-01-01T00:00:00Z, then one packet per millisecond.
const T0 = 1_704_067_200_000_000_000n;
const packets: PacketToWrite[] = samples.map((s, i) => ({
  data: s.frame,
  timestampNs: T0 + BigInt(i) * 1_000_000n,
  interfaceId: s.iface,
  comments: [s.comment],
  verdicts: [xdpVerdict(s.verdict)],
}));

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'pcaps');
mkdirSync(outDir, { recursive: true });

const ng = join(outDir, 'sample-geneve.pcapng');
await writeCaptureFile(
  ng,
  {
    format: 'pcapng',
    application: 'twinplane scripts/make-sample-pcaps.ts',
    comment: 'twinplane sample: Geneve (VNI 100) between host A 172.16.0.1 and host B 172.16.0.2',
    interfaces: [
      { name: 'hostA-eth0', description: 'underlay NIC of host A' },
      { name: 'hostB-eth0', description: 'underlay NIC of host B' },
    ],
  },
  packets,
);
const classic = join(outDir, 'sample-geneve.pcap');
await writeCaptureFile(classic, { format: 'pcap', resolution: 'us' }, packets);
process.stderr.write(`wrote ${packets.length} packets to ${ng} and ${classic}\n`);
