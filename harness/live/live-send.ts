// One `send` step on the live overlay, played faithfully: what the pod's own kernel sends
// for plain ICMP, UDP and TCP (ping, the pod's sockets), and the model's very frames,
// injected on the pod's interface, for what no kernel sends by itself — ARP requests for
// any address, raw frames, spoofed sources, VLAN tags, forged Geneve. Every pod answers on
// the scenario's ports (pod-sockets.ts), so the receiving side is always a real stack too.
// The hosts' bridge ports and the pods concerned are tapped throughout; the hosts'
// per-reason counters are read before and after. Then three referees meet per packet: the
// model's path, the kernel's path (test run of the same hops) and the live path (taps at
// every hop), and every difference is reported with the frame, the hop, both sides, and a
// pcapng of the send.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlPlane } from '../../model/control/plane.ts';
import { REASON, reasonName } from '../../model/dataplane/tables.ts';
import { ipv4ToString, macToString } from '../../model/wire/addr.ts';
import type { PacketDoc } from '../../report/json-schema/run-doc.ts';
import type { SendStep } from '../scenario/types.ts';
import { writePcapng, type PcapngPoint } from './capture.ts';
import { innerLine, shapeKey, summarizeInner } from './frame-view.ts';
import { observe, type CaptureRole, type ObservedPacket } from './observe.ts';
import type { LiveOverlay } from './overlay.ts';
import { exchange } from './pod-sockets.ts';
import { compareSend, modelTally, observedHosts, tallyDiffs, type SendComparison, type Tally } from './predict.ts';
import { drainTaps, waitForFrames, type Tap } from './tap.ts';
import { ping } from './traffic.ts';
import { fromHex } from '../../model/wire/hex.ts';

export interface LiveCheck {
  readonly id: string;
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** A place where the live run and the model (or the kernel) part ways, reported like a model/kernel mismatch. */
export interface Disagreement {
  /** The packet, as the model's runner sent it. */
  readonly packet: string;
  /** `hop 2 node-2`, `verdicts`, `delivery`. */
  readonly where: string;
  readonly model: string;
  readonly kernel: string;
  readonly live: string;
}

export interface LiveSendResult {
  readonly index: number;
  readonly name: string;
  readonly proto: string;
  readonly ok: boolean;
  /** How the send was played: by the pod's kernel, or the model's frames injected. */
  readonly played: 'kernel' | 'injected';
  /** What the stack reported (ping's summary line, the exchange's outcome, what was injected). */
  readonly traffic: string;
  readonly checks: LiveCheck[];
  readonly comparison: SendComparison;
  readonly disagreements: Disagreement[];
  /** Counter deltas per host and reason name (non-zero only): the live programs' verdicts. */
  readonly counters: Tally;
  /** The send's frames from every tap and the model's hops, in one file. */
  readonly pcapng?: string;
  readonly notes: string[];
}

/** The pods a send concerns: its sender, where the address lives in any VPC, the model's receivers. */
function podsConcerned(cp: ControlPlane, step: SendStep, model: readonly PacketDoc[]): string[] {
  const out = new Set<string>([step.from.name]);
  const to = step.to;
  if (to?.kind === 'service') for (const b of cp.service(to.service.name).backends) out.add(b.name);
  // Every pod holding the address, in any VPC: the sender's own VPC's is where it should
  // arrive, another tenant's is where it must not (two VPCs may use the same addresses).
  const ips = [to?.ip, step.forge.geneve?.innerTo.ip].filter((x): x is number => x !== undefined);
  for (const e of cp.endpoints.values()) if (ips.includes(e.ip)) out.add(e.name);
  for (const d of model) {
    out.add(d.from);
    if (d.outcome.kind === 'delivered' && cp.endpoints.has(d.outcome.endpoint)) out.add(d.outcome.endpoint);
  }
  return [...out].filter((p) => cp.endpoints.has(p));
}

function countersDelta(o: LiveOverlay, before: Map<string, Map<number, number>>): Tally {
  const out: Tally = {};
  for (const [host, b] of before) {
    const d: Record<string, number> = {};
    for (const [r, n] of o.counters(host)) if (n - (b.get(r) ?? 0) > 0) d[reasonName(r)] = n - (b.get(r) ?? 0);
    if (Object.keys(d).length) out[host] = d;
  }
  return out;
}

const total = (t: Tally): number => Object.values(t).reduce((s, r) => s + Object.values(r).reduce((a, b) => a + b, 0), 0);

interface Traffic {
  readonly line: string;
  /** UDP/TCP: every message echoed; ICMP: every echo answered. Undefined for injected frames. */
  readonly answered?: boolean;
}

/** Sends that no pod's kernel makes by itself: the model's own frames are injected. */
export function isInjected(step: SendStep): boolean {
  return step.proto === 'raw' || step.proto === 'arp' || Object.keys(step.forge).length > 0;
}

/** How long a send (or a live traffic step) waits for what it expects: an answer it expects, or the proof of silence (ms). */
export const ANSWER_MS = 3000;
export const SILENCE_MS = 1000;

/** Did the model's delivery of `d` show up live (a frame of its shape at the receiving pod's tap)? */
function arrivedLike(d: PacketDoc, o: LiveOverlay, tapMarks: Map<Tap, number>): boolean {
  if (d.outcome.kind !== 'delivered' || !o.cp.endpoints.has(d.outcome.endpoint)) return true;
  const want = summarizeInner(fromHex(d.hops[d.hops.length - 1].frameOut ?? d.hops[0].frameIn));
  if (!want) return true;
  const tap = o.podTap(d.outcome.endpoint);
  const shape = shapeKey(want);
  return tap.since(tapMarks.get(tap) ?? 0).some(
    (f) =>
      !f.injected &&
      (() => {
        const i = summarizeInner(f.data);
        return i !== undefined && shapeKey(i) === shape;
      })(),
  );
}

async function play(o: LiveOverlay, step: SendStep, model: readonly PacketDoc[], marks: Map<Tap, number>): Promise<Traffic> {
  const from = step.from.name;
  const expectSilence = step.expect.delivered === false;
  if (isInjected(step)) {
    // The sender's own frames, in the model's order (its ARP first, when it ARPed); each
    // waits for its predicted arrival, so the next one meets the state the model's did.
    // The answers are the receiving pods' kernels' business.
    const tap = o.podTap(from);
    const mine = model.filter((d) => d.from === from && d.role !== 'reply');
    for (const [k, d] of mine.entries()) {
      try {
        tap.inject(fromHex(d.hops[0].frameIn));
      } catch (e) {
        // The pod's own interface refused the frame (bigger than its MTU, say): that is what
        // happened live, not a harness failure.
        return { line: `injected ${k} of ${mine.length} frame(s); ${from}'s interface refused the next: ${(e as Error).message}` };
      }
      await waitForFrames(() => arrivedLike(d, o, marks), expectSilence ? SILENCE_MS : ANSWER_MS);
    }
    return { line: `injected ${mine.length} frame(s) of the model's on ${from}'s interface` };
  }
  const ns = o.topo.endpoint(from).ns;
  const target = ipv4ToString(step.to!.ip);
  if (step.proto === 'icmp') {
    const r = await ping(ns, target, {
      count: step.count,
      waitS: expectSilence ? SILENCE_MS / 1000 : ANSWER_MS / 1000,
      interval: 0.05,
      ...(step.payload.length ? { size: step.payload.length } : {}),
    });
    return { line: `ping -c ${step.count} ${target}: ${r.transmitted} sent, ${r.received} received`, answered: r.received === step.count };
  }
  const proto = step.proto as 'udp' | 'tcp';
  const r = await exchange(ns, proto, target, step.port!, {
    srcPort: step.srcPort!,
    payload: step.payload.length ? step.payload : new TextEncoder().encode('twinplane'),
    count: step.count,
    timeoutMs: expectSilence ? SILENCE_MS : ANSWER_MS,
  });
  return {
    line: `${proto} to ${target}:${step.port} from port ${step.srcPort}: ${r.sent} sent, ${r.echoed} echoed${r.error ? ` (${r.error})` : ''}`,
    answered: r.ok,
  };
}

export interface LiveSendOptions {
  /** Where the send's pcapng goes; none written when absent. */
  readonly dir?: string;
}

export async function runLiveSend(
  o: LiveOverlay,
  step: SendStep,
  index: number,
  model: readonly PacketDoc[],
  opts: LiveSendOptions = {},
): Promise<LiveSendResult> {
  const pods = podsConcerned(o.cp, step, model);
  const roles: Array<Omit<CaptureRole, 'frames'> & { tap: Tap }> = [];
  for (const h of o.cp.hosts.values()) roles.push({ kind: 'host', name: h.name, mac: macToString(h.mac), tap: o.hostTap(h.name) });
  for (const p of pods) {
    const e = o.cp.endpoint(p);
    roles.push({ kind: 'pod', name: p, mac: macToString(e.mac), host: e.host.name, tap: o.podTap(p) });
  }
  // What came before (a late FIN of the previous send) is not this send's: drained, then
  // forgotten, so a long run holds only the current send's frames.
  await drainTaps();
  for (const t of o.captures.all()) t.discard();
  const marks = new Map(roles.map((r) => [r.tap, r.tap.mark()]));
  const before = new Map([...o.cp.hosts.keys()].map((h) => [h, o.counters(h)]));
  const traffic = await play(o, step, model, marks);
  await drainTaps();
  // Kernel-played sends need no wait beyond the drain: the tool returned on the answer, and
  // every frame before it was queued in the taps by then (or the tool waited for a silence).
  // Injected frames waited for their predicted arrivals one by one.
  const captured = roles.map((r) => ({ ...r, frames: r.tap.since(marks.get(r.tap)!) }));
  const observed = observe(captured, o.cp.optionClass);
  const hostOfPod = (p: ObservedPacket): string => (p.from ? o.cp.endpoint(p.from).host.name : (p.hops[0]?.from ?? '?'));
  const fixedPorts = step.proto === 'tcp' || step.proto === 'udp';
  const comparison = compareSend(model, observed, { senderHost: hostOfPod, fixedPorts, optionClass: o.cp.optionClass });
  // The verdicts to compare are those of the packets the live stack sent too (a pod that had
  // its neighbour cached sends no ARP: the model's ARP hops are not live's to count).
  const played = comparison.pairs.map((p) => p.model.doc);
  const predictedRuns = played.reduce((n, d) => n + d.hops.length, 0);
  let counters = countersDelta(o, before);
  // The live programs count a run as it returns, which a tap cannot see for a drop: read
  // the counters until they account for the runs the model predicts, a bounded number of
  // times (a live run that makes fewer runs is itself a finding, reported below).
  for (let i = 0; i < 20 && total(counters) < predictedRuns; i++) {
    await new Promise((r) => setTimeout(r, 10));
    counters = countersDelta(o, before);
  }
  const notes: string[] = [];
  for (const m of comparison.modelOnly) notes.push(`model only: ${m.line} (${m.doc.role}) — the live stack did not send it`);
  for (const l of comparison.liveOnly) if (l.from) notes.push(`live only: ${l.shape} from ${l.from} — the stack's own`);
  const self = martian(observed, o);
  if (self) notes.push(self);
  const frag = observed.filter((p) => p.from === step.from.name && (p.inner.mf || p.inner.fragOffset));
  if (frag.length > 0)
    notes.push(
      `${step.from.name}'s kernel fragmented the datagram at its MTU (${frag.length} fragments); the model's runner sends it whole`,
    );
  const disagreements = disagreementsOf(step, played, comparison, counters, observed, o);
  const checks = checkLive(step, index, observed, comparison, traffic, counters, o, disagreements);
  let pcapng: string | undefined;
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    pcapng = join(opts.dir, `send-${index + 1}.pcapng`);
    await writePcapng(pcapng, pcapPoints(captured, model), `twinplane live: send ${index + 1} ${step.name}`);
  }
  return {
    index,
    name: step.name,
    proto: step.proto,
    ok: checks.every((c) => c.ok),
    played: isInjected(step) ? 'injected' : 'kernel',
    traffic: traffic.line,
    checks,
    comparison,
    disagreements,
    counters,
    ...(pcapng ? { pcapng } : {}),
    notes,
  };
}

/** One interface per tap, plus the model's hop outputs as an interface of their own. */
function pcapPoints(captured: ReadonlyArray<CaptureRole & { tap: Tap }>, model: readonly PacketDoc[]): PcapngPoint[] {
  const points: PcapngPoint[] = captured.map((c) => ({
    name: c.kind === 'host' ? `host ${c.name}` : `pod ${c.name}`,
    description: c.kind === 'host' ? `${c.name}'s bridge port: what it put on the wire` : `${c.name}'s own interface`,
    frames: c.frames.map((f) => {
      const i = summarizeInner(f.data);
      return { data: f.data, t: f.t, comment: `${f.injected ? 'injected: ' : ''}${i ? innerLine(i) : 'frame'}` };
    }),
  }));
  const t0 = captured.flatMap((c) => c.frames.map((f) => f.t)).reduce((a, b) => Math.min(a, b), performance.now());
  const frames: Array<PcapngPoint['frames'][number]> = [];
  model.forEach((d, k) =>
    d.hops.forEach((h, j) =>
      frames.push({
        data: fromHex(h.frameOut ?? h.frameIn),
        // The model has no clock: its frames sit in send order, a microsecond apart.
        t: t0 + (k * 64 + j) / 1000,
        comment: `model packet ${d.id} hop ${j + 1} ${h.host} ${h.program}: ${h.action} ${h.reason}${h.frameOut ? '' : ' (input shown)'}`,
      }),
    ),
  );
  points.push({ name: 'model', description: "the model's hops (output frame, or input when dropped)", frames });
  return points;
}

function disagreementsOf(
  step: SendStep,
  model: readonly PacketDoc[],
  cmp: SendComparison,
  counters: Tally,
  observed: readonly ObservedPacket[],
  o: LiveOverlay,
): Disagreement[] {
  const out: Disagreement[] = [];
  for (const p of cmp.pairs) {
    const kernel = p.kernel.length ? p.kernel.join('; ') : 'as the model';
    for (const d of p.diffs) {
      // Diffs read `<where>: model <a>, live <b>`.
      const m = /^(.*?): model (.*), live (.*)$/.exec(d);
      out.push({ packet: p.model.line, where: m?.[1] ?? 'packet', model: m?.[2] ?? d, kernel, live: m?.[3] ?? d });
    }
    if (p.kernel.length && p.diffs.length === 0)
      out.push({ packet: p.model.line, where: 'kernel', model: 'see kernel', kernel, live: 'as the model on every wire' });
  }
  // A pod the model has answering, whose request arrived live, but whose kernel sent no
  // answer: what a pod's kernel accepts differs. Only answers a stack must send are counted
  // (an echo reply, a SYN-ACK, a UDP echo); a bare ACK may ride on the pod's next data.
  const delivered = new Set(cmp.pairs.flatMap((p) => p.live.deliveredTo));
  for (const m of cmp.modelOnly) {
    if (m.doc.role !== 'reply' || !mustAnswer(m.shape)) continue;
    if (!delivered.has(m.doc.from)) continue;
    const why = martian(observed, o);
    out.push({
      packet: m.line,
      where: 'answer',
      model: `${m.doc.from} answers`,
      kernel: 'as the model',
      live: `${m.doc.from}'s kernel got the request and did not answer${why ? ` (${why})` : ''}`,
    });
  }
  const t = tallyDiffs(modelTally(model), counters);
  if (t.length)
    out.push({
      packet: step.name,
      where: 'verdicts',
      model: JSON.stringify(modelTally(model)),
      kernel: model.some((d) => d.hops.some((h) => h.kernel?.mismatches.length)) ? 'differs (see its hops)' : 'as the model',
      live: `${t.join('; ')}${mtuHint(step, observed, o)}`,
    });
  return out;
}

/** Answers a receiving stack sends for sure (shapes of frame-view.ts shapeKey). */
function mustAnswer(shape: string): boolean {
  return (
    (shape.startsWith('icmp ') && shape.includes(' type 0 ')) ||
    (shape.startsWith('tcp ') && shape.endsWith(' SYN-ACK')) ||
    shape.startsWith('udp ')
  );
}

/** Why a frame a program counted as sent may be missing from the wire: bigger than the next link's MTU. */
function mtuHint(step: SendStep, observed: readonly ObservedPacket[], o: LiveOverlay): string {
  const big = observed.flatMap((p) => p.hops).find((h) => h.frame.len - 14 > (o.cp.host(step.fromHost.name).mtu || 1500) - 36);
  return big ? ` (a ${big.frame.len}-byte frame crossed ${big.from}→${big.to}; a service rewrite adds 36 bytes at the bouncer)` : '';
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

/** A pod's kernel refuses a packet from its own address (a martian): say so when that is what happened. */
function martian(observed: readonly ObservedPacket[], o: LiveOverlay): string {
  const self = observed.flatMap((p) =>
    p.arrivals.filter(
      (a) => a.inner.kind === 'ipv4' && o.cp.endpoints.has(a.pod) && a.inner.saddr === ipv4ToString(o.cp.endpoint(a.pod).ip),
    ),
  );
  if (self.length === 0) return '';
  return `${self[0].pod} received ${self.length} packet(s) whose source is its own address ${self[0].inner.saddr}: Linux drops them as martians and answers nothing`;
}

function checkLive(
  step: SendStep,
  index: number,
  observed: ObservedPacket[],
  cmp: SendComparison,
  traffic: Traffic,
  counters: Tally,
  o: LiveOverlay,
  disagreements: readonly Disagreement[],
): LiveCheck[] {
  const out: LiveCheck[] = [];
  const add = (key: string, name: string, ok: boolean, message: string): void => {
    out.push({ id: `send[${index}].${key}`, name: `${step.name}: ${name}`, ok, message, line: step.at.line, column: step.at.column });
  };
  const e = step.expect;
  const isArp = step.proto === 'arp';
  const from = step.from.name;
  const raw = step.proto === 'raw';
  const mine = observed.filter((p) => p.from === from && (raw || isArp ? true : p.inner.kind === 'ipv4'));
  // The packets the expectations are about: the requests (TCP: the SYN opens the flow).
  const requests = mine.filter((p) =>
    isArp ? p.inner.kind === 'arp' && p.inner.tpa === ipv4ToString(step.to!.ip) : !(p.inner.kind === 'arp' && !raw),
  );
  const first = requests[0];
  const senderHost = step.fromHost.name;
  // A request reached a pod when a frame of it arrived at that pod's interface (an arrival
  // at the sender itself is a hairpin: its own VIP); an ARP request when its reply came back.
  const reached = (p: ObservedPacket): string[] => (isArp ? (p.deliveredTo.includes(from) && p.arpAnswer ? [from] : []) : p.deliveredTo);
  if (requests.length === 0) add('sent', 'packets sent', false, 'no packet from the pod was captured');
  const l4 = step.proto === 'tcp' || step.proto === 'udp';
  if (e.delivered !== undefined) {
    const arrivedAll = requests.length > 0 && requests.every((p) => reached(p).length > 0);
    const none = requests.every((p) => reached(p).length === 0) && traffic.answered !== true;
    // Delivered means the receiving stack took it: the exchange was answered (UDP, TCP,
    // ICMP from a kernel), or — for injected frames — the frames arrived.
    const delivered = traffic.answered === undefined ? arrivedAll : traffic.answered && (l4 || arrivedAll);
    const ok = e.delivered ? delivered : none;
    const self = martian(observed, o);
    const why = e.delivered && !ok ? untranslated(step, observed) + (self ? `; ${self}` : '') : '';
    add(
      'delivered',
      e.delivered ? 'delivered' : 'not delivered',
      ok,
      `${traffic.line}; ${requests.length} packet(s) captured leaving ${from}, ${requests.filter((p) => reached(p).length > 0).length} arrived${why}`,
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
      const dst = p.deliveredTo.find((x) => x !== from);
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
    const got = requests.flatMap((p) => p.deliveredTo).find((x) => x !== from || want === from);
    add('backend', `backend ${want}`, got === want, `live: received by ${got ?? 'nobody'}`);
  }
  if (e.bouncerSees === 'arpOnly') {
    const bouncers = new Set(o.cp.endpoint(from).network.bouncers.map((b) => b.name));
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
  add(
    'model',
    'live, kernel and model agree hop by hop',
    cmp.pairs.length > 0 && disagreements.length === 0,
    cmp.pairs.length === 0
      ? 'no live packet matched a predicted one'
      : disagreements.length === 0
        ? `${cmp.pairs.length} packet(s) matched the prediction hop by hop, verdicts included`
        : disagreements.map((d) => `${d.packet} @ ${d.where}: ${d.live}`).join(' | '),
  );
  return out;
}
