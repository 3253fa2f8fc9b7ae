// The runner plays every pod's own network stack: it keeps the ARP cache (ARPing for the
// destination on its subnet, for its gateway otherwise, before the first IP packet), builds
// what the pod sends, and answers what a pod receives the way Linux would — ICMP echo
// reply, UDP echoed back, SYN → SYN-ACK, data → ACK — so every flow runs both ways.
import { podAccepts } from '../../model/cluster/pod-stack.ts';
import type { Endpoint } from '../../model/control/plane.ts';
import { type Ipv4, MAC_BROADCAST, type Mac, cidrContains, readIpv4 } from '../../model/wire/addr.ts';
import { ether } from '../../model/wire/builder.ts';
import type { PacketDoc, PacketRole } from '../../report/json-schema/run-doc.ts';
import { type Names, type PacketMeta, packetDoc } from './docs.ts';
import type { Engine, EnginePath } from '../engine/engine.ts';

/**
 * A packet the runner sent and where it went. Its report document is built when first asked
 * for: most probe packets are never reported, and building a document (every hop's frames in
 * hex) costs more than running the packet.
 */
export class Sent {
  private built?: PacketDoc;
  constructor(
    private readonly meta: PacketMeta,
    private readonly frame: Uint8Array,
    readonly path: EnginePath,
    private readonly names: Names,
  ) {}

  get id(): number {
    return this.meta.id;
  }

  get role(): PacketRole {
    return this.meta.role;
  }

  get flow(): string {
    return this.meta.flow;
  }

  /** The sending pod, or the underlay sender's label. */
  get from(): string {
    return this.meta.from;
  }

  get doc(): PacketDoc {
    return (this.built ??= packetDoc(this.meta, this.frame, this.path, this.names));
  }
}

const TCP_SYN = 0x02;
const TCP_ACK = 0x10;

export class Pods {
  nextId = 1;
  /** Every packet sent, in order; the runner decides which it keeps in the report. */
  onSent: (s: Sent) => void = () => {};
  /** Ids of the packets sent since the engine's batch began (the runner resets it). */
  batchPackets: number[] = [];

  constructor(
    readonly engine: Engine,
    readonly names: Names,
  ) {}

  pod(name: string): Endpoint {
    return this.engine.cp.endpoint(name);
  }

  private arp(pod: string): Map<number, Uint8Array> {
    return this.engine.cluster.stack(pod).arp;
  }

  /**
   * Puts a frame on the pod's veth and follows it to its end (the engine's pod stacks learn
   * from the ARP replies pods receive). `traced` records the model's lookups (default on;
   * the invariant probes turn it off: only failing probes are kept, as points).
   */
  send(from: string, frame: Uint8Array, flow: string, role: PacketRole, traced = true): Sent {
    const path = this.engine.send(from, frame, { traced });
    const sent = new Sent({ id: this.nextId++, flow, role, from }, frame, path, this.names);
    this.batchPackets.push(sent.id);
    this.onSent(sent);
    return sent;
  }

  /** The address the pod ARPs for to reach `dst`: dst on its own subnet, else its gateway. */
  nextHop(from: string, dst: Ipv4): Ipv4 {
    const n = this.pod(from).network;
    return cidrContains(n.cidr, dst) ? dst >>> 0 : n.gatewayIp;
  }

  cachedMac(from: string, dst: Ipv4): Mac | undefined {
    return this.arp(from).get(this.nextHop(from, dst));
  }

  arpRequest(from: string, tpa: Ipv4, forge: { srcIp?: Ipv4; srcMac?: Mac; vlan?: number } = {}): Uint8Array {
    const p = this.pod(from);
    const sha = forge.srcMac ?? p.mac;
    return ether({ src: sha, dst: MAC_BROADCAST, ...(forge.vlan !== undefined ? { vlan: { vid: forge.vlan } } : {}) })
      .arp({ op: 'request', sha, spa: forge.srcIp ?? p.ip, tpa })
      .build();
  }

  /**
   * The MAC to send to `dst` with, ARPing first when the cache has none. Returns the ARP
   * packet it sent (if any) and the MAC (undefined when the ARP went unanswered).
   */
  resolve(from: string, dst: Ipv4, flow: string, traced = true): { arp?: Sent; mac?: Mac } {
    const have = this.cachedMac(from, dst);
    if (have !== undefined) return { mac: have };
    const arp = this.send(from, this.arpRequest(from, this.nextHop(from, dst)), flow, 'arp', traced);
    return { arp, mac: this.cachedMac(from, dst) };
  }

  /**
   * What the receiving pod's stack sends back for a delivered request (ARP first if it must),
   * or nothing when the packet calls for no answer or was not addressed to the pod.
   */
  answer(delivered: Sent, flow: string, traced = true): Sent[] {
    const o = delivered.path.outcome;
    if (o.kind !== 'delivered') return [];
    const to = this.pod(o.pod);
    if (!podAccepts(o.frame, to).accept) return [];
    const reply = replyFrame(o.frame, to.ip);
    if (reply === undefined) return [];
    const out: Sent[] = [];
    const r = this.resolve(to.name, reply.dst, flow, traced);
    if (r.arp) out.push(r.arp);
    if (r.mac === undefined) return out;
    out.push(this.send(to.name, buildReply(reply, to.mac, r.mac), flow, 'reply', traced));
    return out;
  }
}

/**
 * What a pod's stack answers, as data (the frame is built once the MACs are known): plain
 * fields rather than closures, as this runs for every delivered packet.
 */
interface Reply {
  readonly kind: 'echo' | 'udp' | 'syn-ack' | 'ack';
  /** The answer's source (the pod) and destination (the request's source). */
  readonly self: Ipv4;
  readonly dst: Ipv4;
  /** ICMP echo id and sequence; TCP: the answer's acknowledgement number. */
  readonly id: number;
  readonly seq: number;
  /** The answer's ports (the request's, swapped). */
  readonly sport: number;
  readonly dport: number;
  readonly data: Uint8Array | undefined;
}

const u16 = (f: Uint8Array, o: number): number => (f[o] << 8) | f[o + 1];
const u32 = (f: Uint8Array, o: number): number => ((f[o] << 24) | (f[o + 1] << 16) | (f[o + 2] << 8) | f[o + 3]) >>> 0;

/** The answer a Linux stack gives to an IPv4 frame for `self`, if any. */
function replyFrame(f: Uint8Array, self: Ipv4): Reply | undefined {
  if (f.length < 34 || f[12] !== 0x08 || f[13] !== 0x00) return undefined;
  const ihl = (f[14] & 0x0f) * 4;
  const total = (f[16] << 8) | f[17];
  const proto = f[23];
  const src = readIpv4(f, 26);
  const dst = readIpv4(f, 30);
  const l4 = 14 + ihl;
  const end = Math.min(f.length, 14 + total);
  if (dst !== self >>> 0 || l4 > end) return undefined;
  if (proto === 1 && end - l4 >= 8 && f[l4] === 8) {
    return { kind: 'echo', self, dst: src, id: u16(f, l4 + 4), seq: u16(f, l4 + 6), sport: 0, dport: 0, data: f.slice(l4 + 8, end) };
  }
  if (proto === 17 && end - l4 >= 8) {
    return { kind: 'udp', self, dst: src, id: 0, seq: 0, sport: u16(f, l4 + 2), dport: u16(f, l4), data: f.slice(l4 + 8, end) };
  }
  if (proto === 6 && end - l4 >= 20) {
    const seq = u32(f, l4 + 4);
    const flags = f[l4 + 13];
    const dataLen = end - (l4 + (f[l4 + 12] >> 4) * 4);
    const ports = { sport: u16(f, l4 + 2), dport: u16(f, l4) };
    if (flags & TCP_SYN && !(flags & TCP_ACK)) return { kind: 'syn-ack', self, dst: src, id: 0, seq: seq + 1, ...ports, data: undefined };
    if (dataLen > 0) return { kind: 'ack', self, dst: src, id: 0, seq: (seq + dataLen) >>> 0, ...ports, data: undefined };
  }
  return undefined;
}

function buildReply(r: Reply, srcMac: Mac, dstMac: Mac): Uint8Array {
  const ip = ether({ src: srcMac, dst: dstMac }).ipv4({ src: r.self, dst: r.dst });
  switch (r.kind) {
    case 'echo':
      return ip.icmpEcho({ type: 'reply', id: r.id, seq: r.seq }).payload(r.data!).build();
    case 'udp':
      return ip.udp({ sport: r.sport, dport: r.dport }).payload(r.data!).build();
    case 'syn-ack':
      return ip.tcp({ sport: r.sport, dport: r.dport, flags: 'SA', seq: 5000, ack: r.seq }).build();
    case 'ack':
      return ip.tcp({ sport: r.sport, dport: r.dport, flags: 'A', seq: 5001, ack: r.seq }).build();
  }
}
