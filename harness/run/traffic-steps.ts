// The traffic steps beside `send`: `inject` (a Geneve frame put on the underlay towards a
// host's NIC, from a host or from an address that is no host, with the options the file
// forges) and `openFlows` (N flows from one pod, one packet each: the flood primitive). Each
// returns its packets and the checks of its expectations, as a send does.
import { CONSTS } from '../../model/dataplane/consts.ts';
import { MAC_BROADCAST } from '../../model/wire/addr.ts';
import { type GeneveOptionSpec, ether } from '../../model/wire/builder.ts';
import type { CheckDoc } from '../../report/json-schema/run-doc.ts';
import { outcomeLine } from '../../report/trace/render.ts';
import type { InjectStep, OpenFlowsStep } from '../scenario/types.ts';
import { type Pods, Sent } from './pods.ts';

/** The frame an inject step puts on the wire. */
export function injectFrame(step: InjectStep, i: number): Uint8Array {
  const n = step.inner;
  let inner: Uint8Array;
  if (n.proto === 'arp-request')
    inner = ether({ src: n.srcMac, dst: MAC_BROADCAST }).arp({ op: 1, sha: n.srcMac, spa: n.src, tpa: n.dst }).build();
  else if (n.proto === 'arp-reply')
    inner = ether({ src: n.srcMac, dst: n.dstMac }).arp({ op: 2, sha: n.srcMac, spa: n.src, tha: n.dstMac, tpa: n.dst }).build();
  else {
    const l3 = ether({ src: n.srcMac, dst: n.dstMac }).ipv4({ src: n.src, dst: n.dst, ttl: n.ttl });
    inner =
      n.proto === 'icmp'
        ? l3
            .icmpEcho({ id: 0x1e00 + (i & 0xff), seq: i + 1 })
            .payload('twinplane')
            .build()
        : n.proto === 'udp'
          ? l3
              .udp({ sport: (n.srcPort ?? 40000) + i, dport: n.port! })
              .payload('twinplane')
              .build()
          : l3.tcp({ sport: (n.srcPort ?? 40000) + i, dport: n.port!, flags: 'S', seq: 1000 }).build();
  }
  const options: GeneveOptionSpec[] = [];
  const r = step.serviceRewrite;
  if (r !== undefined)
    options.push({
      kind: 'service-rewrite',
      vip: r.vip,
      backendIp: r.backendIp,
      vipPort: r.vipPort,
      backendPort: r.backendPort,
      protocol: n.proto === 'tcp' ? 6 : n.proto === 'udp' ? 17 : 1,
      backendMac: r.backendMac,
      backendHostIp: r.hostIp,
      backendHostMac: r.hostMac,
    });
  if (step.hostLocation !== undefined)
    options.push({ kind: 'host-location', hostIp: step.hostLocation.ip, hostMac: step.hostLocation.mac });
  return ether({ src: step.from.mac, dst: step.into.mac })
    .ipv4({ src: step.from.ip, dst: step.into.ip, ttl: 64, df: true })
    .udp({ sport: 0xc000 | (i & 0x3fff), dport: CONSTS.GENEVE_PORT, checksum: 0 })
    .geneve({ vni: step.vni, options })
    .payload(inner)
    .build();
}

export interface TrafficRun {
  readonly all: Sent[];
  readonly checks: CheckDoc[];
}

export function runInject(pods: Pods, step: InjectStep, index: number): TrafficRun {
  const engine = pods.engine;
  const into = engine.cp.host(step.into.name);
  const all: Sent[] = [];
  for (let i = 0; i < step.count; i++) {
    const frame = injectFrame(step, i);
    const path = engine.sendFrom({ host: into, program: 'transit', ingress: into.underlayIfindex }, frame, { traced: true });
    const s = new Sent({ id: pods.nextId++, flow: step.name, role: 'raw', from: `underlay ${step.from.label}` }, frame, path, pods.names);
    pods.batchPackets.push(s.id);
    pods.onSent(s);
    all.push(s);
  }
  const checks: CheckDoc[] = [];
  const at = { line: step.at.line, column: step.at.column };
  const add = (key: string, name: string, ok: boolean, message: string): void => {
    checks.push({ id: `inject[${index}].${key}`, kind: 'expect', name: `${step.name}: ${name}`, ok, message, ...at });
  };
  const fate = (s: Sent): string => `packet ${s.doc.id} ${outcomeLine(s.doc.outcome)}`;
  const e = step.expect;
  const reached = (s: Sent): string | undefined => (s.path.outcome.kind === 'delivered' ? s.path.outcome.pod : undefined);
  if (e.delivered !== undefined) {
    const bad = all.filter((s) => (reached(s) !== undefined) !== e.delivered);
    add('delivered', e.delivered ? 'delivered' : 'not delivered', bad.length === 0, (bad.length === 0 ? all : bad).map(fate).join('; '));
  }
  if (e.to !== undefined) {
    const bad = all.filter((s) => reached(s) !== e.to!.name);
    add('to', `reaches ${e.to.name}`, bad.length === 0, bad.length === 0 ? `every packet reached ${e.to.name}` : bad.map(fate).join('; '));
  }
  if (e.reason !== undefined) {
    const last = (s: Sent): string => s.doc.hops[s.doc.hops.length - 1]?.reason ?? 'UNSPEC';
    const bad = all.filter((s) => last(s) !== e.reason);
    add(
      'reason',
      `reason ${e.reason}`,
      bad.length === 0,
      bad.length === 0 ? `last verdict ${e.reason} on every packet` : bad.map((s) => `packet ${s.doc.id} ended with ${last(s)}`).join('; '),
    );
  }
  if (e.learns !== undefined) {
    const writes = all.flatMap((s) => s.path.hops.flatMap((h) => (h.model?.updates ?? []).map((u) => `${h.host} ${u.map}`)));
    const kernelWrites = all.reduce((n, s) => n + s.path.hops.reduce((m, h) => m + (h.kernel?.learnt ?? 0), 0), 0);
    const learnt = writes.length > 0 || kernelWrites > 0;
    add(
      'learns',
      e.learns ? 'some host learns from it' : 'no host learns from it',
      learnt === e.learns,
      learnt
        ? `learnt: ${writes.length > 0 ? [...new Set(writes)].join(', ') : `${kernelWrites} kernel writes`}`
        : 'no host learnt anything',
    );
  }
  return { all, checks };
}

/** How many packets of an openFlows step are traced and kept in the report (all are checked and streamed). */
export const OPEN_FLOWS_KEPT = 3;

/** Flow i of an openFlows step, from `pod` to the next hop `mac` (the live run sends the same bytes). */
export function openFlowFrame(
  step: OpenFlowsStep,
  pod: { readonly mac: Uint8Array; readonly ip: number },
  mac: Uint8Array,
  i: number,
): Uint8Array {
  const sport = step.srcPort + i; // the loader keeps srcPort + count within 65535
  const l3 = ether({ src: pod.mac, dst: mac }).ipv4({ src: pod.ip, dst: step.to.ip, id: i & 0xffff });
  return step.proto === 'tcp'
    ? l3.tcp({ sport, dport: step.port, flags: 'S', seq: i + 1 }).build()
    : l3.udp({ sport, dport: step.port }).payload('flow').build();
}

export function runOpenFlows(pods: Pods, step: OpenFlowsStep, index: number): TrafficRun {
  const from = step.from.name;
  const pod = pods.pod(from);
  const all: Sent[] = [];
  const r = pods.resolve(from, step.to.ip, step.name);
  if (r.arp) all.push(r.arp);
  let delivered = 0;
  let sent = 0;
  if (r.mac !== undefined) {
    for (let i = 0; i < step.count; i++) {
      const frame = openFlowFrame(step, pod, r.mac, i);
      // Every packet reaches the runner (counted, asserted on; it keeps a send's first
      // documents and the ones whose hops disagree); only the first are traced.
      const s = pods.send(from, frame, step.name, 'request', i < OPEN_FLOWS_KEPT);
      if (i < OPEN_FLOWS_KEPT || s.path.firstBad >= 0) all.push(s);
      sent++;
      if (s.path.outcome.kind === 'delivered') delivered++;
    }
  }
  const checks: CheckDoc[] = [];
  if (step.expect.delivered !== undefined) {
    const ok = step.expect.delivered ? delivered === step.count : delivered === 0;
    checks.push({
      id: `openFlows[${index}].delivered`,
      kind: 'expect',
      name: `${step.name}: ${step.expect.delivered ? 'every flow delivered' : 'no flow delivered'}`,
      ok,
      message:
        r.mac === undefined ? 'the pod could not resolve the next hop: no flow sent' : `${delivered} of ${sent} flows' packets delivered`,
      line: step.at.line,
      column: step.at.column,
    });
  }
  return { all, checks };
}
