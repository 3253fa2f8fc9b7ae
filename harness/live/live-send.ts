// One `send` step on the live overlay: the pod's own kernel sends (ping for ICMP, the echo
// worker for UDP/TCP, a ping whose ARP the kernel sends first for ARP), every bridge port
// and the pods concerned are captured meanwhile, the hosts' per-reason counters are read
// before and after, and the scenario's expectations are checked on what was observed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ControlPlane } from '../../model/control/plane.ts';
import { REASON, reasonName } from '../../model/dataplane/tables.ts';
import { ipv4ToString, macToString } from '../../model/wire/addr.ts';
import type { PacketDoc } from '../../report/json-schema/run.ts';
import type { SendStep } from '../scenario/types.ts';
import { CaptureSet } from './capture.ts';
import { nsExec } from '../ip.ts';
import { observe, type CaptureRole, type ObservedPacket } from './observe.ts';
import type { LiveOverlay } from './overlay.ts';
import { compareSend, observedHosts, type SendComparison } from './predict.ts';
import type { NsLink } from './topology.ts';
import { echoVia, ping, type EchoServer } from './traffic.ts';

export interface LiveCheck {
  readonly id: string;
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export interface LiveSendResult {
  readonly index: number;
  readonly name: string;
  readonly proto: string;
  readonly ok: boolean;
  /** Set when the send was not played live (forged or raw frames). */
  readonly skipped?: string;
  /** What the stack reported (ping's summary line, the echo's outcome). */
  readonly traffic: string;
  readonly checks: LiveCheck[];
  readonly comparison?: SendComparison;
  /** Counter deltas per host and reason name (non-zero only). */
  readonly counters: Record<string, Record<string, number>>;
  readonly captureDir?: string;
  readonly notes: string[];
}

function podsConcerned(cp: ControlPlane, step: SendStep): string[] {
  const out = new Set<string>([step.from.name]);
  const to = step.to;
  if (to?.kind === 'service') for (const b of cp.service(to.service.name).backends) out.add(b.name);
  // Every pod holding the address, in any VPC: the sender's own VPC's is where it should
  // arrive, another tenant's is where it must not (two VPCs may use the same addresses).
  else if (to) for (const e of cp.endpoints.values()) if (e.ip === to.ip) out.add(e.name);
  return [...out];
}

function countersDelta(o: LiveOverlay, before: Map<string, Map<number, number>>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [host, b] of before) {
    const d: Record<string, number> = {};
    for (const [r, n] of o.counters(host)) if (n - (b.get(r) ?? 0) > 0) d[reasonName(r)] = n - (b.get(r) ?? 0);
    if (Object.keys(d).length) out[host] = d;
  }
  return out;
}

interface Traffic {
  readonly line: string;
  readonly servedBy?: string;
  readonly echoOk?: boolean;
}

async function play(o: LiveOverlay, step: SendStep): Promise<Traffic> {
  const ns = o.topo.endpoint(step.from.name).ns;
  const target = ipv4ToString(step.to!.ip);
  const expectLoss = step.expect.delivered === false;
  if (step.proto === 'icmp' || step.proto === 'arp') {
    const count = step.proto === 'arp' ? 1 : step.count;
    // An ARP step is a resolution: forget the neighbour so the kernel asks again.
    if (step.proto === 'arp') await nsExec(ns, ['ip', 'neigh', 'flush', 'to', target], { timeoutMs: 5000 });
    const r = await ping(ns, target, { count, waitS: 1, interval: 0.2, ...(step.payload.length ? { size: step.payload.length } : {}) });
    return { line: `ping -c ${count} ${target}: ${r.transmitted} sent, ${r.received} received` };
  }
  const proto = step.proto as 'tcp' | 'udp';
  const servers: EchoServer[] = [];
  const to = step.to!;
  if (to.kind === 'service') {
    const svc = o.cp.service(to.service.name);
    const p = svc.ports.find((x) => x.port === step.port && x.proto === (proto === 'tcp' ? 6 : 17));
    const port = p ? p.targetPort || p.port : step.port!;
    for (const b of svc.backends) servers.push({ ns: o.topo.endpoint(b.name).ns, ip: ipv4ToString(b.ip), port, name: b.name });
  } else {
    for (const e of o.cp.endpoints.values()) {
      if (e.ip === to.ip && e.network.vpc === o.cp.endpoint(step.from.name).network.vpc)
        servers.push({ ns: o.topo.endpoint(e.name).ns, ip: ipv4ToString(e.ip), port: step.port!, name: e.name });
    }
  }
  const payload = new TextDecoder().decode(step.payload) || 'twinplane';
  const r = await echoVia(proto, servers, ns, target, step.port!, { srcPort: step.srcPort, payload, timeoutMs: expectLoss ? 2500 : 8000 });
  const line = `${proto} echo ${target}:${step.port} from port ${step.srcPort}: ${r.ok ? `answered${r.servedBy ? ` by ${r.servedBy}` : ''}` : `no answer (${r.error ?? 'unknown'})`}`;
  return { line, echoOk: r.ok, ...(r.servedBy ? { servedBy: r.servedBy } : {}) };
}

async function captureAround<T>(
  o: LiveOverlay,
  pods: string[],
  dir: string,
  fn: () => Promise<T>,
): Promise<{ value: T; roles: CaptureRole[] }> {
  const links: Array<{ link: NsLink; role: Omit<CaptureRole, 'packets'> }> = [];
  for (const h of o.cp.hosts.values())
    links.push({ link: o.topo.host(h.name).bridgePort, role: { kind: 'host', name: h.name, mac: macToString(h.mac) } });
  for (const p of pods) {
    const e = o.cp.endpoint(p);
    links.push({ link: o.topo.endpoint(p).pod, role: { kind: 'pod', name: p, mac: macToString(e.mac), host: e.host.name } });
  }
  const caps = await CaptureSet.start(
    links.map((l) => l.link),
    dir,
    { maxSeconds: 120 },
  );
  let value: T;
  try {
    value = await fn();
    // The last frames are still on their way through softirqs when the tool returns.
    await delay(300);
  } finally {
    await caps.stop();
  }
  const roles: CaptureRole[] = [];
  for (const l of links) roles.push({ ...l.role, packets: await caps.get(l.link).packets() });
  return { value, roles };
}

export async function runLiveSend(
  o: LiveOverlay,
  step: SendStep,
  index: number,
  model: readonly PacketDoc[],
  dirRoot: string,
): Promise<LiveSendResult> {
  const base = { index, name: step.name, proto: step.proto };
  const forged = step.proto === 'raw' || Object.keys(step.forge).length > 0;
  if (forged || !step.to) {
    const why = 'forged and raw frames are not what a pod’s kernel sends: they are checked by the model and xdp targets';
    return { ...base, ok: true, skipped: why, traffic: 'not sent', checks: [], counters: {}, notes: [why] };
  }
  const dir = join(dirRoot, `send-${index + 1}`);
  mkdirSync(dir, { recursive: true });
  const before = new Map([...o.cp.hosts.keys()].map((h) => [h, o.counters(h)]));
  const { value: traffic, roles } = await captureAround(o, podsConcerned(o.cp, step), dir, () => play(o, step));
  const counters = countersDelta(o, before);
  const observed = observe(roles);
  const hostOfPod = (p: ObservedPacket): string => (p.from ? o.cp.endpoint(p.from).host.name : (p.hops[0]?.from ?? '?'));
  const fixedPorts = step.proto === 'tcp' || step.proto === 'udp';
  const comparison = compareSend(model, observed, { senderHost: hostOfPod, fixedPorts });
  const notes: string[] = [];
  if (step.proto === 'arp')
    notes.push('ARP is sent by the pod’s kernel ahead of a one-packet ping (no arping here); only the ARP exchange is this step’s packet');
  for (const m of comparison.modelOnly) notes.push(`model only: ${m.line} (${m.doc.role}) — the live stack did not send it`);
  for (const l of comparison.liveOnly) if (l.from) notes.push(`live only: ${l.shape} from ${l.from} — the stack's own`);
  const checks = checkLive(step, index, observed, comparison, traffic, counters, o);
  return { ...base, ok: checks.every((c) => c.ok), traffic: traffic.line, checks, comparison, counters, captureDir: dir, notes };
}

/** Evidence for a service exchange that failed: replies that reached the client not translated back to the VIP. */
function untranslated(step: SendStep, observed: readonly ObservedPacket[]): string {
  if (step.to?.kind !== 'service') return '';
  const vip = ipv4ToString(step.to.ip);
  const bad = observed.flatMap((p) =>
    p.arrivals.filter((a) => a.pod === step.from.name && a.inner.kind === 'ipv4' && a.inner.saddr !== vip),
  );
  if (bad.length === 0) return '';
  const i = bad[0].inner;
  return `; ${bad.length} reply packet(s) reached ${step.from.name} from ${i.saddr}:${i.sport ?? 0} instead of ${vip}:${step.port} (not translated back), so its stack could not match them to the connection`;
}

function checkLive(
  step: SendStep,
  index: number,
  observed: ObservedPacket[],
  cmp: SendComparison,
  traffic: Traffic,
  counters: Record<string, Record<string, number>>,
  o: LiveOverlay,
): LiveCheck[] {
  const out: LiveCheck[] = [];
  const add = (key: string, name: string, ok: boolean, message: string): void => {
    out.push({ id: `send[${index}].${key}`, name: `${step.name}: ${name}`, ok, message, line: step.at.line, column: step.at.column });
  };
  const e = step.expect;
  const isArp = step.proto === 'arp';
  const mine = observed.filter((p) => p.from === step.from.name && (isArp ? p.inner.kind === 'arp' : p.inner.kind === 'ipv4'));
  const l4 = step.proto === 'tcp' || step.proto === 'udp';
  // The packets the expectations are about: the requests (TCP: the SYN opens the flow).
  const requests = mine.filter((p) => !isArp || p.inner.tpa === ipv4ToString(step.to!.ip));
  const first = requests[0];
  const senderHost = step.fromHost.name;
  const reached = (p: ObservedPacket): string[] =>
    isArp
      ? p.deliveredTo.includes(step.from.name) && p.arpAnswer
        ? [step.from.name]
        : []
      : p.deliveredTo.filter((x) => x !== step.from.name);
  if (requests.length === 0) add('sent', 'packets sent', false, 'no packet from the pod was captured');
  if (e.delivered !== undefined) {
    // UDP/TCP: delivered means the application's exchange worked, the reply included.
    const arrived = l4 ? traffic.echoOk === true : requests.length > 0 && requests.every((p) => reached(p).length > 0);
    const none = requests.every((p) => reached(p).length === 0) && traffic.echoOk !== true;
    const ok = e.delivered ? arrived : none;
    const why = l4 && e.delivered && !ok ? untranslated(step, observed) : '';
    add(
      'delivered',
      e.delivered ? 'delivered' : 'not delivered',
      ok,
      `${traffic.line}; ${requests.length} packet(s) captured leaving ${step.from.name}, ${requests.filter((p) => reached(p).length > 0).length} arrived${why}`,
    );
  }
  if (e.to !== undefined) {
    const want = e.to.name;
    const wantMac = macToString(e.to.mac);
    const bad = isArp ? requests.filter((p) => p.arpAnswer !== wantMac) : requests.filter((p) => !p.deliveredTo.includes(want));
    add(
      'to',
      `reaches ${want}`,
      requests.length > 0 && bad.length === 0,
      bad.length === 0
        ? `every packet reached ${want}${isArp ? ` (${wantMac})` : ''}`
        : bad
            .map((p) => `${p.shape}: ${isArp ? `reply carries ${p.arpAnswer ?? 'nothing'}` : `reached [${p.deliveredTo.join(', ')}]`}`)
            .join('; '),
    );
  }
  if (e.reason !== undefined) {
    const id = REASON[e.reason];
    const where = Object.entries(counters)
      .filter(([, d]) => (d[e.reason!] ?? 0) > 0)
      .map(([h, d]) => `${h} ×${d[e.reason!]}`);
    add(
      'reason',
      `reason ${e.reason}`,
      where.length > 0,
      where.length > 0
        ? `counters[${e.reason} = ${id}] went up on ${where.join(', ')}`
        : `no host counted ${e.reason}; counted: ${JSON.stringify(counters)}`,
    );
  }
  if (e.path !== undefined && first) {
    const want = e.path.map((h) => h.name);
    const got = observedHosts(first, senderHost);
    add('path', `path [${want.join(', ')}]`, want.join('>') === got.join('>'), `live: ${first.shape} crossed [${got.join(', ')}]`);
  }
  if (e.hops !== undefined && first)
    add('hops', `${e.hops} underlay hops`, first.hops.length === e.hops, `live: ${first.hops.length} Geneve frame(s) on the wire`);
  if (e.directAfter !== undefined) {
    const later = requests.slice(e.directAfter - 1);
    const bad = later.filter((p) => {
      const dst = p.deliveredTo.find((x) => x !== step.from.name);
      const dstHost = dst ? o.cp.endpoint(dst).host.name : undefined;
      const got = observedHosts(p, senderHost);
      return dstHost === undefined || got.join('>') !== (dstHost === senderHost ? senderHost : `${senderHost}>${dstHost}`);
    });
    add(
      'directAfter',
      `direct from packet ${e.directAfter}`,
      later.length > 0 && bad.length === 0,
      bad.length === 0
        ? `${later.length} packet(s) went straight to the destination's host`
        : bad.map((p) => `${p.shape} crossed [${observedHosts(p, senderHost).join(', ')}]`).join('; '),
    );
  }
  if (e.backend !== undefined) {
    const want = e.backend.name;
    const got = l4 ? traffic.servedBy : requests.flatMap((p) => p.deliveredTo).find((x) => x !== step.from.name);
    add('backend', `backend ${want}`, got === want, `live: answered by ${got ?? 'nobody'}`);
  }
  if (e.bouncerSees === 'arpOnly') {
    const bouncers = new Set(o.cp.endpoint(step.from.name).network.bouncers.map((b) => b.name));
    const data = observed.filter((p) => p.inner.kind === 'ipv4');
    const seen = data.flatMap((p) => {
      const dst = p.deliveredTo[0];
      const ends = new Set([senderHost, dst ? o.cp.endpoint(dst).host.name : '']);
      return p.hops.filter((h) => bouncers.has(h.to) && !ends.has(h.to)).map((h) => `${p.shape} went to bouncer ${h.to}`);
    });
    add(
      'bouncerSees',
      'bouncers see only the ARP',
      data.length > 0 && seen.length === 0,
      data.length === 0
        ? 'no data packet was captured'
        : seen.length === 0
          ? `no data frame reached [${[...bouncers].join(', ')}]`
          : [...new Set(seen)].join('; '),
    );
  }
  const diffs = cmp.pairs.filter((p) => p.diffs.length > 0);
  add(
    'model',
    'live path matches the model',
    cmp.pairs.length > 0 && diffs.length === 0,
    cmp.pairs.length === 0
      ? 'no live packet matched a predicted one'
      : diffs.length === 0
        ? `${cmp.pairs.length} packet(s) matched the prediction hop by hop`
        : diffs.map((p) => `${p.model.line}: ${p.diffs.join('; ')}`).join(' | '),
  );
  return out;
}
