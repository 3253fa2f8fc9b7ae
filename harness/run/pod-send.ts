// One `send` step: what the pod puts on its veth, packet by packet. The pod ARPs with its
// own identity first when it must (forging applies to the packets the step is about);
// every delivered request is answered by the receiving pod's stack.
import type { Mac } from '../../model/wire/addr.ts';
import { MAC_ZERO } from '../../model/wire/addr.ts';
import { ether, packet } from '../../model/wire/builder.ts';
import type { SendStep, Target } from '../scenario/types.ts';
import type { Pods, Sent } from './pods.ts';

/** What runSend reads of a step: a scenario's send, or an ad-hoc flow from `trace`. */
export type SendSpec = Pick<SendStep, 'name' | 'proto' | 'count' | 'payload' | 'forge' | 'raw' | 'port' | 'srcPort'> & {
  readonly from: { readonly name: string };
  readonly to?: { readonly ip: number };
};

export interface SendRun {
  /** Every packet of the step, ARPs and replies included, in order. */
  readonly all: Sent[];
  /** The packets the expectations are about: the step's own packets, or the unanswered ARP
   *  when the pod could not resolve the next hop and so sent nothing else. */
  readonly checked: Sent[];
}

const targetMac = (t: Target): Mac => (t.kind === 'endpoint' ? t.endpoint.mac : MAC_ZERO);

function dataFrame(step: SendSpec, sendIndex: number, i: number, srcMacReal: Mac, srcIpReal: number, dstMac: Mac): Uint8Array {
  const to = step.to!;
  const f = step.forge;
  const srcMac = f.srcMac ?? srcMacReal;
  const l2 = ether({ src: srcMac, dst: dstMac, ...(f.vlan !== undefined ? { vlan: { vid: f.vlan } } : {}) });
  const l3 = l2.ipv4({ src: f.srcIp ?? srcIpReal, dst: to.ip });
  const id = (sendIndex + 1) & 0xffff;
  switch (step.proto) {
    case 'icmp':
      return l3
        .icmpEcho({ id, seq: i + 1 })
        .payload(step.payload)
        .build();
    case 'udp': {
      let payload = step.payload;
      if (f.geneve !== undefined) {
        const inner = f.geneve.innerTo;
        payload = packet()
          .geneve({ vni: f.geneve.vni })
          .ether({ src: srcMacReal, dst: targetMac(inner) })
          .ipv4({ src: srcIpReal, dst: inner.ip })
          .icmpEcho({ id, seq: i + 1 })
          .payload(step.payload)
          .build();
      }
      return l3.udp({ sport: step.srcPort!, dport: step.port! }).payload(payload).build();
    }
    case 'tcp':
      // One connection per send: the SYN, then data segments.
      if (i === 0) return l3.tcp({ sport: step.srcPort!, dport: step.port!, flags: 'S', seq: 1000 }).build();
      return l3
        .tcp({ sport: step.srcPort!, dport: step.port!, flags: 'PA', seq: 1001 + (i - 1) * step.payload.length, ack: 5001 })
        .payload(step.payload)
        .build();
    default:
      throw new Error(`dataFrame: proto ${step.proto} has no data frame`);
  }
}

export function runSend(pods: Pods, step: SendSpec, sendIndex: number): SendRun {
  const all: Sent[] = [];
  const checked: Sent[] = [];
  const flow = step.name;
  const from = step.from.name;
  const keep = (s: Sent): Sent => (all.push(s), s);
  if (step.proto === 'raw') {
    for (let i = 0; i < step.count; i++) checked.push(keep(pods.send(from, step.raw!, flow, 'raw')));
    return { all, checked };
  }
  const to = step.to!;
  if (step.proto === 'arp') {
    for (let i = 0; i < step.count; i++) checked.push(keep(pods.send(from, pods.arpRequest(from, to.ip, step.forge), flow, 'arp')));
    return { all, checked };
  }
  const pod = pods.pod(from);
  const r = pods.resolve(from, to.ip, flow);
  if (r.arp) keep(r.arp);
  if (r.mac === undefined) {
    if (r.arp) checked.push(r.arp);
    return { all, checked };
  }
  for (let i = 0; i < step.count; i++) {
    const s = keep(pods.send(from, dataFrame(step, sendIndex, i, pod.mac, pod.ip, r.mac), flow, 'request'));
    checked.push(s);
    for (const a of pods.answer(s, flow)) keep(a);
  }
  return { all, checked };
}
