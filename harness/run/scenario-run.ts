// Runs one resolved scenario on an engine and returns its ScenarioRunDoc: the cluster is
// created, each step applied in order (control-plane changes, sends with their
// expectations), then the invariants and the reachability matrix. Anything the control
// plane refuses becomes a failed check at that step; the run stops there.
import { CONSTS } from '../../model/dataplane/consts.ts';
import { cidrToString, ipv4ToString, macToString } from '../../model/wire/addr.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import type { CheckDoc, PacketDoc, ScenarioRunDoc, SendDoc, StepDoc, TopologyDoc } from '../../report/json-schema/run-doc.ts';
import type { RunTarget } from '../../model/target.ts';
import type { Scenario } from '../scenario/types.ts';
import { Names } from './docs.ts';
import type { Engine } from '../engine/engine.ts';
import type { EngineHop } from '../engine/hop.ts';
import { checkSend } from './expect.ts';
import { pairLimitOf, probeMatrix } from './invariants.ts';
import { OPEN_FLOWS_KEPT, runInject, runOpenFlows } from './traffic-steps.ts';
import { Pods, type Sent } from './pods.ts';
import { runSend } from './pod-send.ts';
import { AssertionWatch } from './assertions-check.ts';
import { type AdhocFlow, adhocSpec } from './adhoc.ts';
import { ControlPlaneError, applyStep, buildControlPlane, stepSummary } from './apply.ts';

export interface RunOptions {
  /** Creates the engine once the control plane holds the scenario's cluster. */
  readonly engine: (cp: ControlPlane) => Engine;
  readonly target: RunTarget;
  readonly pairLimit?: number;
  readonly notices?: readonly string[];
  /** A flow to send after the last step (trace of a flow the scenario does not send). */
  readonly adhoc?: AdhocFlow;
  /** Probe every pair for the invariants and the matrix (default true). */
  readonly probe?: boolean;
  /** Called after each step (progress bars). */
  readonly onStep?: (done: number, total: number) => void;
  /**
   * Every packet the run sends (probes of passing invariants excepted), as it is sent: how
   * outputs stream a run of any size. Without it, packets are documented only when kept.
   * `hops` (when the packet was just sent) holds the frames the document's hex was made from.
   */
  readonly onPacket?: (doc: PacketDoc, hops?: readonly EngineHop[]) => void;
  /** Packets of each send kept in the returned document (default KEEP_PER_SEND). */
  readonly keepPerSend?: number;
}

/**
 * Packets of each send the returned document keeps (beyond those model and kernel disagreed
 * on): enough for every report to show each flow, bounded so memory stays flat whatever a
 * scenario's packet count.
 */
export const KEEP_PER_SEND = 64;

function topology(s: Scenario, cp: ControlPlane | undefined): TopologyDoc {
  return {
    hosts: s.hosts.map((h) => ({ name: h.name, ip: ipv4ToString(h.ip), mac: macToString(h.mac) })),
    vpcs: s.vpcs.map((v) => ({
      name: v.name,
      vni: v.vni,
      cidr: cidrToString(v.cidr),
      dividers: v.dividers.map((d) => d.name),
      networks: v.networks.map((n) => ({
        name: n.name,
        cidr: cidrToString(n.cidr),
        gateway: ipv4ToString(n.gateway),
        bouncers: n.bouncers.map((b) => b.name),
      })),
    })),
    endpoints: cp
      ? [...cp.endpoints.values()].map((e) => ({
          name: e.name,
          vpc: e.network.vpc.name,
          network: e.network.name.slice(e.network.vpc.name.length + 1),
          ip: ipv4ToString(e.ip),
          mac: macToString(e.mac),
          host: e.host.name,
        }))
      : [],
    services: cp
      ? [...cp.services.values()].map((x) => ({
          name: x.name,
          vpc: x.vpc.name,
          vip: ipv4ToString(x.vip),
          ports: x.ports.filter((p) => p.proto !== 1).map((p) => `${p.port}/${p.proto === 6 ? 'tcp' : 'udp'} → ${p.targetPort}`),
          backends: x.backends.map((b) => b.name),
        }))
      : [],
  };
}

/** One mismatch check per hop of `p` where model and kernel disagreed; how many. */
function hopMismatches(p: PacketDoc, checks: CheckDoc[]): number {
  let n = 0;
  p.hops.forEach((h, j) => {
    if (!h.kernel || h.kernel.mismatches.length === 0) return;
    n++;
    checks.push({
      id: `mismatch[${p.id}.${j}]`,
      kind: 'mismatch',
      name: `model and kernel agree: packet ${p.id} (${p.flow}) hop ${j + 1} on ${h.host} ${h.program}`,
      ok: false,
      message: h.kernel.mismatches.join('; '),
    });
  });
  return n;
}

function errorCheck(id: string, e: unknown, at?: { line: number; column: number }): CheckDoc {
  const msg = e instanceof Error ? e.message : String(e);
  return { id, kind: 'error', name: 'the control plane accepts the scenario', ok: false, message: msg, ...(at ?? {}) };
}

export function runScenario(s: Scenario, opts: RunOptions): ScenarioRunDoc {
  const checks: CheckDoc[] = [];
  const steps: StepDoc[] = [];
  const sends: SendDoc[] = [];
  const packets: PacketDoc[] = [];
  const base = {
    file: s.file,
    name: s.name,
    description: s.description,
    target: opts.target,
    optionClass: s.optionClass ?? CONSTS.OPT_CLASS_DEFAULT,
    notices: [...(opts.notices ?? [])],
  };
  let cp: ControlPlane;
  try {
    cp = buildControlPlane(s);
  } catch (e) {
    if (!(e instanceof ControlPlaneError)) throw e;
    const c = errorCheck('setup', e, { line: 1, column: 1 });
    return {
      ...base,
      ok: false,
      topology: topology(s, undefined),
      steps,
      sends,
      invariants: [],
      matrix: { endpoints: [], vpcs: [], cells: [] },
      packets,
      packetTotal: 0,
      checks: [c],
      mismatches: 0,
    };
  }
  const engine = opts.engine(cp);
  try {
    const pods = new Pods(engine, new Names(cp));
    let mismatches = 0;
    let packetTotal = 0;
    let keptOfSend = 0;
    const keepPerSend = opts.keepPerSend ?? KEEP_PER_SEND;
    // What the current step keeps (a flood of flows keeps its first few).
    let keep = keepPerSend;
    // Each packet as it is sent: counted, streamed, checked for hops model and kernel
    // disagreed on, and kept in the document when it is one of its send's first or disagreed.
    const watch = new AssertionWatch(s);
    const sent = (x: Sent): void => {
      packetTotal++;
      watch.sent(x);
      const doc = opts.onPacket !== undefined || keptOfSend < keep || x.path.firstBad >= 0 ? x.doc : undefined;
      if (doc === undefined) return;
      opts.onPacket?.(doc, x.path.hops);
      if (x.path.firstBad >= 0) mismatches += hopMismatches(doc, checks);
      if (keptOfSend < keep || x.path.firstBad >= 0) packets.push(doc);
      keptOfSend++;
    };
    pods.onSent = sent;
    // The engine's batch ends before every control-plane change and at the end: what it
    // finds (learnt entries the two sides disagree on) becomes a mismatch check naming the
    // packet that left it.
    const endBatch = (when: string): void => {
      for (const f of engine.endBatch()) {
        mismatches++;
        const c = f.culprit;
        const id = c !== undefined ? pods.batchPackets[c.index] : undefined;
        checks.push({
          id: `mismatch[batch ${when}]`,
          kind: 'mismatch',
          name: `model and kernel agree on learnt state ${when}${id !== undefined ? `: packet ${id} left the difference` : ''}`,
          ok: false,
          message: f.diffs.map((d) => d.text).join('; '),
        });
      }
      pods.batchPackets = [];
    };
    let failedAt = -1;
    s.steps.forEach((step, i) => {
      if (failedAt >= 0) return;
      const at = { line: step.at.line, column: step.at.column };
      if (step.kind === 'inject' || step.kind === 'openFlows') {
        const index = sends.length;
        keptOfSend = 0;
        // A flood keeps its first flows and the ARP that resolved their next hop.
        keep = step.kind === 'openFlows' ? Math.min(keepPerSend, OPEN_FLOWS_KEPT + 1) : keepPerSend;
        const r = step.kind === 'inject' ? runInject(pods, step, index) : runOpenFlows(pods, step, index);
        checks.push(...r.checks);
        const to =
          step.kind === 'inject'
            ? `${step.into.name} (VNI ${step.vni})`
            : step.to.kind === 'service'
              ? step.to.service.name
              : ipv4ToString(step.to.ip);
        sends.push({
          index,
          name: step.name,
          ...at,
          from: step.kind === 'inject' ? `underlay ${step.from.label}` : step.from.name,
          to,
          proto: step.kind === 'inject' ? `geneve/${step.inner.proto}` : step.proto,
          count: step.count,
          ok: r.checks.every((c) => c.ok),
          packets: r.all.map((x) => x.id),
          checks: r.checks,
        });
        steps.push({ kind: step.kind, ...at, summary: stepSummary(step), send: index });
      } else if (step.kind === 'send') {
        const index = sends.length;
        keptOfSend = 0;
        keep = keepPerSend;
        const r = runSend(pods, step, index);
        const cs = checkSend(step, index, r.checked, cp, r.all);
        checks.push(...cs);
        sends.push({
          index,
          name: step.name,
          ...at,
          from: step.from.name,
          to: step.to
            ? step.to.kind === 'ip'
              ? ipv4ToString(step.to.ip)
              : step.to.kind === 'endpoint'
                ? step.to.endpoint.name
                : step.to.service.name
            : '(raw)',
          proto: step.proto,
          count: step.count,
          ok: cs.every((c) => c.ok),
          packets: r.all.map((x) => x.id),
          checks: cs,
        });
        steps.push({ kind: 'send', ...at, summary: stepSummary(step), send: index });
      } else {
        try {
          endBatch(`before step ${i + 1} (line ${step.at.line})`);
          const writes = applyStep(cp, step);
          engine.sync(Object.keys(writes).filter((h) => cp.hosts.has(h))); // a failed host has left
          steps.push({ kind: step.kind, ...at, summary: stepSummary(step), writes });
        } catch (e) {
          if (!(e instanceof ControlPlaneError)) throw e;
          // The control plane may have written part of the step before refusing the rest:
          // the kernel takes what it holds now, so what follows (the probes) runs on one state.
          engine.sync();
          checks.push(errorCheck(`step[${i}]`, e, at));
          steps.push({ kind: step.kind, ...at, summary: `${stepSummary(step)} — refused` });
          failedAt = i;
        }
      }
      opts.onStep?.(i + 1, s.steps.length);
    });
    if (opts.adhoc && failedAt < 0) {
      keptOfSend = 0;
      keep = keepPerSend;
      const spec = adhocSpec(cp, opts.adhoc);
      const r = runSend(pods, spec, sends.length);
      sends.push({
        index: sends.length,
        name: spec.name,
        line: 0,
        column: 0,
        from: opts.adhoc.from,
        to: opts.adhoc.to,
        proto: spec.proto,
        count: 1,
        ok: true,
        packets: r.all.map((x) => x.id),
        checks: [],
      });
    }
    pods.onSent = () => {}; // probes: only failing ones are kept, by probeMatrix
    const m =
      opts.probe === false
        ? { matrix: { endpoints: [], vpcs: [], cells: [], note: 'not probed' }, checks: [], kept: [] }
        : probeMatrix(pods, cp, failedAt >= 0 ? [] : s.invariants, opts.pairLimit ?? pairLimitOf(s.pairs));
    // Failing probes (and probes model and kernel disagreed on) are kept, and streamed.
    for (const p of m.kept) {
      opts.onPacket?.(p);
      watch.doc(p);
      mismatches += hopMismatches(p, checks);
      packets.push(p);
    }
    checks.push(...m.checks);
    const asserted = watch.checks();
    checks.push(...asserted);
    endBatch('at the end');
    return {
      ...base,
      ok: checks.every((c) => c.ok),
      topology: topology(s, cp),
      steps,
      sends,
      invariants: [...m.checks, ...asserted],
      matrix: m.matrix,
      packets,
      packetTotal: packetTotal + m.kept.length,
      checks,
      mismatches,
    };
  } finally {
    engine.close();
  }
}
