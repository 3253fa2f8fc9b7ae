// The runner plays every pod's own network stack: it keeps the ARP cache (ARPing for the
// destination on its subnet, for its gateway otherwise, before the first IP packet), builds
// what the pod sends, and answers what a pod receives the way Linux would — ICMP echo
// reply, UDP echoed back, SYN → SYN-ACK, data → ACK — so every flow runs both ways.
import { podAccepts } from '../../model/cluster/pod-stack.ts';
import type { Endpoint } from '../../model/control/plane.ts';
import { type Ipv4, MAC_BROADCAST, type Mac, cidrContains, readIpv4 } from '../../model/wire/addr.ts';
import { ether } from '../../model/wire/builder.ts';
import type { PacketDoc, PacketRole } from '../../report/json-schema/run.ts';
import { type Names, packetDoc } from './docs.ts';
import type { Engine, EnginePath } from './engine.ts';

export interface Sent {
  readonly doc: PacketDoc;
  readonly path: EnginePath;
}

const TCP_SYN = 0x02;
const TCP_ACK = 0x10;

export class Pods {
  nextId = 1;
  /** Every packet sent, in order; the runner decides which it keeps in the report. */
  onSent: (s: Sent) => void = () => {};

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

  /** Puts a frame on the pod's veth and follows it to its end. */
  send(from: string, frame: Uint8Array, flow: string, role: PacketRole): Sent {
    const path = this.engine.send(from, frame);
    const out = path.outcome;
    // A pod's stack learns from the ARP replies it receives (the model cluster does this
    // itself; a kernel engine does not know pods' stacks).
    if (out.kind === 'delivered' && isArpReply(out.frame)) this.arp(out.pod).set(readIpv4(out.frame, 28), out.frame.slice(22, 28));
    const sent = { doc: packetDoc({ id: this.nextId++, flow, role, from }, frame, path, this.names), path };
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
  resolve(from: string, dst: Ipv4, flow: string): { arp?: Sent; mac?: Mac } {
    const have = this.cachedMac(from, dst);
    if (have !== undefined) return { mac: have };
    const arp = this.send(from, this.arpRequest(from, this.nextHop(from, dst)), flow, 'arp');
    return { arp, mac: this.cachedMac(from, dst) };
  }

  /**
   * What the receiving pod's stack sends back for a delivered request (ARP first if it must),
   * or nothing when the packet calls for no answer or was not addressed to the pod.
   */
  answer(delivered: Sent, flow: string): Sent[] {
    const o = delivered.path.outcome;
    if (o.kind !== 'delivered') return [];
    const to = this.pod(o.pod);
    if (!podAccepts(o.frame, to).accept) return [];
    const reply = replyFrame(o.frame, to.ip);
    if (reply === undefined) return [];
    const out: Sent[] = [];
    const r = this.resolve(to.name, reply.dst, flow);
    if (r.arp) out.push(r.arp);
    if (r.mac === undefined) return out;
    out.push(this.send(to.name, reply.build(to.mac, r.mac), flow, 'reply'));
    return out;
  }
}

export function isArpReply(f: Uint8Array): boolean {
  return f.length >= 42 && f[12] === 0x08 && f[13] === 0x06 && f[20] === 0 && f[21] === 2;
}

interface Reply {
  readonly dst: Ipv4;
  build(srcMac: Mac, dstMac: Mac): Uint8Array;
}

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
  const u16 = (o: number): number => (f[o] << 8) | f[o + 1];
  const u32 = (o: number): number => ((f[o] << 24) | (f[o + 1] << 16) | (f[o + 2] << 8) | f[o + 3]) >>> 0;
  const ip = (srcMac: Mac, dstMac: Mac) => ether({ src: srcMac, dst: dstMac }).ipv4({ src: self, dst: src });
  if (proto === 1 && end - l4 >= 8 && f[l4] === 8) {
    const id = u16(l4 + 4);
    const seq = u16(l4 + 6);
    const data = f.slice(l4 + 8, end);
    return { dst: src, build: (s, d) => ip(s, d).icmpEcho({ type: 'reply', id, seq }).payload(data).build() };
  }
  if (proto === 17 && end - l4 >= 8) {
    const sport = u16(l4);
    const dport = u16(l4 + 2);
    const data = f.slice(l4 + 8, end);
    return { dst: src, build: (s, d) => ip(s, d).udp({ sport: dport, dport: sport }).payload(data).build() };
  }
  if (proto === 6 && end - l4 >= 20) {
    const sport = u16(l4);
    const dport = u16(l4 + 2);
    const seq = u32(l4 + 4);
    const flags = f[l4 + 13];
    const dataLen = end - (l4 + (f[l4 + 12] >> 4) * 4);
    if (flags & TCP_SYN && !(flags & TCP_ACK)) {
      return {
        dst: src,
        build: (s, d) =>
          ip(s, d)
            .tcp({ sport: dport, dport: sport, flags: 'SA', seq: 5000, ack: seq + 1 })
            .build(),
      };
    }
    if (dataLen > 0) {
      return {
        dst: src,
        build: (s, d) =>
          ip(s, d)
            .tcp({ sport: dport, dport: sport, flags: 'A', seq: 5001, ack: (seq + dataLen) >>> 0 })
            .build(),
      };
    }
  }
  return undefined;
}
