// The traffic steps beside `send`, played live: the same bytes the model's runner sent, put
// on the wire where it put them — an inject on the receiving host's underlay (out of its
// bridge port, so its transit takes the frame in), a burst of flows on the pod's own
// interface — and what the real stack then did checked against the step's expectations:
// which pods the packets reached (their captures), the verdict's reason (the receiving
// host's counters), whether any host learnt something (the kernels' learnt maps).
import { ipv4ToString } from '../../model/wire/addr.ts';
import { fromHex, toHex } from '../../model/wire/hex.ts';
import { REASON } from '../../model/dataplane/tables.ts';
import type { PacketDoc } from '../../report/json-schema/run-doc.ts';
import { LEARNT_MAPS } from '../dataplane/mapwriter.ts';
import { injectFrame, openFlowFrame } from '../run/traffic-steps.ts';
import type { InjectStep, OpenFlowsStep } from '../scenario/types.ts';
import { summarizeInner } from './frame-view.ts';
import { ANSWER_MS, type LiveCheck, SILENCE_MS } from './live-send.ts';
import type { LiveOverlay } from './overlay.ts';
import { type Tap, drainTaps, waitForFrames } from './tap.ts';

export interface LiveTrafficResult {
  /** What was put on the wire, and what arrived. */
  readonly line: string;
  readonly checks: LiveCheck[];
}

/** Every kernel's learnt entries, as map:key:value text (compared before and after). */
function learntState(o: LiveOverlay): Set<string> {
  const out = new Set<string>();
  for (const h of o.cp.hosts.keys())
    for (const m of LEARNT_MAPS) for (const [k, v] of o.inst(h).map(m).entries()) out.add(`${h} ${m} ${toHex(k)} ${toHex(v)}`);
  return out;
}

/** The pods whose capture saw, since its mark, an IPv4 packet `match` accepts. */
function reachedPods(marks: Map<string, [Tap, number]>, match: (f: Uint8Array) => boolean): string[] {
  const out: string[] = [];
  for (const [pod, [tap, mark]] of marks) if (tap.since(mark).some((f) => match(f.data))) out.push(pod);
  return out;
}

function podMarks(o: LiveOverlay, except?: string): Map<string, [Tap, number]> {
  const out = new Map<string, [Tap, number]>();
  for (const e of o.cp.endpoints.keys()) {
    if (e === except) continue;
    const tap = o.podTap(e);
    out.set(e, [tap, tap.mark()]);
  }
  return out;
}

export async function runLiveInject(o: LiveOverlay, step: InjectStep, index: number): Promise<LiveTrafficResult> {
  const into = step.into.name;
  const src = ipv4ToString(step.inner.src);
  const dst = ipv4ToString(step.inner.dst);
  // Arriving at a pod: the inner packet, decapsulated (its addresses as forged).
  const isIt = (f: Uint8Array): boolean => {
    const i = summarizeInner(f);
    return i?.kind === 'ipv4' ? i.saddr === src && i.daddr === dst : i?.kind === 'arp' && i.spa === src && i.tpa === dst;
  };
  await drainTaps();
  const marks = podMarks(o);
  const before = o.counters(into);
  const learnt = learntState(o);
  const wire = o.hostTap(into);
  for (let i = 0; i < step.count; i++) wire.inject(injectFrame(step, i));
  const e = step.expect;
  const awaited = e.delivered === false ? undefined : e.to?.name;
  await waitForFrames(() => awaited !== undefined && reachedPods(marks, isIt).includes(awaited), awaited ? ANSWER_MS : SILENCE_MS);
  await drainTaps();
  const reached = reachedPods(marks, isIt);
  const after = o.counters(into);
  const counted = [...after].filter(([r, n]) => n > (before.get(r) ?? 0)).map(([r]) => r);
  const learntAfter = learntState(o);
  const changed = learntAfter.size !== learnt.size || [...learntAfter].some((x) => !learnt.has(x));
  const checks: LiveCheck[] = [];
  const at = { line: step.at.line, column: step.at.column };
  const add = (key: string, name: string, ok: boolean, message: string): void => {
    checks.push({ id: `inject[${index}].${key}`, name: `${step.name}: ${name} (live)`, ok, message, ...at });
  };
  const arrived = reached.length > 0 ? `reached ${reached.join(', ')}` : 'reached no pod';
  if (e.delivered !== undefined) add('delivered', e.delivered ? 'delivered' : 'not delivered', reached.length > 0 === e.delivered, arrived);
  if (e.to !== undefined) add('to', `reaches ${e.to.name}`, reached.includes(e.to.name), arrived);
  if (e.reason !== undefined)
    add(
      'reason',
      `reason ${e.reason}`,
      counted.includes(REASON[e.reason]),
      `${into}'s counters rose for ${counted.length ? counted.map((r) => Object.keys(REASON).find((k) => REASON[k as keyof typeof REASON] === r)).join(', ') : 'no reason'}`,
    );
  if (e.learns !== undefined)
    add(
      'learns',
      e.learns ? 'some host learns from it' : 'no host learns from it',
      changed === e.learns,
      changed ? 'the kernels’ learnt maps changed' : 'no kernel learnt anything',
    );
  return { line: `injected ${step.count} frame(s) on ${into}'s underlay from ${step.from.label}; ${arrived}`, checks };
}

export async function runLiveOpenFlows(
  o: LiveOverlay,
  step: OpenFlowsStep,
  index: number,
  model: readonly PacketDoc[],
): Promise<LiveTrafficResult> {
  const from = step.from.name;
  const pod = o.cp.endpoint(from);
  // The next hop's MAC, as the model's pod resolved it (its first flow's destination MAC).
  const first = model.find((p) => p.role === 'request');
  const checks: LiveCheck[] = [];
  const at = { line: step.at.line, column: step.at.column };
  if (first === undefined) {
    if (step.expect.delivered !== undefined)
      checks.push({
        id: `openFlows[${index}].delivered`,
        name: `${step.name}: ${step.expect.delivered ? 'every flow delivered' : 'no flow delivered'} (live)`,
        ok: step.expect.delivered === false,
        message: 'the model’s pod resolved no next hop: no flow sent',
        ...at,
      });
    return { line: 'no flow sent (the next hop did not resolve on the model)', checks };
  }
  const mac = fromHex(first.hops[0].frameIn).subarray(0, 6);
  const srcIp = ipv4ToString(pod.ip);
  const proto = step.proto === 'tcp' ? 6 : 17;
  const seen = new Set<number>();
  const marks = podMarks(o, from);
  const note = (): void => {
    for (const [, [tap, mark]] of marks)
      for (const f of tap.since(mark)) {
        const i = summarizeInner(f.data);
        const sp = i?.sport;
        if (
          i?.kind === 'ipv4' &&
          i.saddr === srcIp &&
          i.proto === proto &&
          sp !== undefined &&
          sp >= step.srcPort &&
          sp < step.srcPort + step.count
        )
          seen.add(sp);
      }
  };
  await drainTaps();
  const tap = o.podTap(from);
  for (let i = 0; i < step.count; i++) tap.inject(openFlowFrame(step, pod, mac, i));
  const all = step.expect.delivered !== false;
  await waitForFrames(
    () => {
      if (!all) return false;
      seen.clear();
      note();
      return seen.size >= step.count;
    },
    all ? ANSWER_MS : SILENCE_MS,
  );
  await drainTaps();
  seen.clear();
  note();
  if (step.expect.delivered !== undefined) {
    const ok = step.expect.delivered ? seen.size === step.count : seen.size === 0;
    checks.push({
      id: `openFlows[${index}].delivered`,
      name: `${step.name}: ${step.expect.delivered ? 'every flow delivered' : 'no flow delivered'} (live)`,
      ok,
      message: `${seen.size} of ${step.count} flows' packets arrived at a pod`,
      ...at,
    });
  }
  return { line: `injected ${step.count} flow(s) on ${from}'s interface; ${seen.size} arrived`, checks };
}
