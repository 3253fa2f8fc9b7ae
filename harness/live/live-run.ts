// `twinplane live run`: a scenario on real interfaces, the third referee. The scenario runs
// first on the model and the kernel side by side (the `both` engine: every hop in the model
// and in a BPF test run); its packets are the prediction, each hop with both verdicts. Then
// the overlay is built in the run's namespaces, each step is applied to it in order
// (control-plane changes in place, timed; sends played by the pods' kernels or injected as
// the model's frames, tapped and compared hop by hop with both), and everything is removed
// at the end — on failure, on Ctrl-C, and (by `live clean`) after a SIGKILL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneError } from '../../model/control/plane.ts';
import type { PacketDoc, ScenarioRunDoc } from '../../report/json-schema/run-doc.ts';
import { engineFor } from '../run/targets.ts';
import { runScenario } from '../run/scenario-run.ts';
import { stepSummary } from '../run/apply.ts';
import type { Scenario } from '../scenario/types.ts';
import { runLiveSend, type LiveCheck, type LiveSendResult } from './live-send.ts';
import { runLiveInject, runLiveOpenFlows } from './live-traffic.ts';
import { LiveOverlay } from './overlay.ts';
import { closeRun, openRun } from './lifecycle.ts';

export interface LiveRunOptions {
  /** Where each send's pcapng goes (default: a new directory under the system's tmp). */
  readonly captureDir?: string;
  /** Progress lines as the run goes (the CLI prints them). */
  readonly log?: (line: string) => void;
  /** Called with the run prefix once it exists (tests use it to find leftovers). */
  readonly onPrefix?: (prefix: string) => void;
}

export interface LiveStepResult {
  readonly kind: string;
  readonly summary: string;
  readonly line: number;
  /** Wall time of the step (ms). */
  readonly ms?: number;
  /** Provision: ms per endpoint. */
  readonly perEndpointMs?: number[];
  readonly writes?: Record<string, number>;
  readonly kernelUpdated?: number;
  readonly kernelDeleted?: number;
  readonly refused?: string;
  /** Index into `sends` for send steps. */
  readonly send?: number;
}

export interface LiveRunResult {
  readonly file: string;
  readonly name: string;
  readonly ok: boolean;
  readonly prefix: string;
  /** Building the overlay: namespaces, veths, instances, map writes, attach (ms). */
  readonly buildMs: number;
  readonly steps: LiveStepResult[];
  readonly sends: LiveSendResult[];
  readonly checks: LiveCheck[];
  readonly captureDir: string;
  readonly notes: string[];
  /** The model's own verdict on the scenario (its expectations, on the model and the kernel). */
  readonly modelOk: boolean;
  /** Hops where the kernel's test run disagreed with the model (the `both` run). */
  readonly kernelMismatches: number;
  /** Sends with at least one live disagreement (live vs model or kernel). */
  readonly disagreements: number;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;

function modelPackets(doc: ScenarioRunDoc, sendIndex: number): PacketDoc[] {
  const ids = new Set(doc.sends[sendIndex]?.packets ?? []);
  return doc.packets.filter((p) => ids.has(p.id));
}

/** UDP and TCP ports any send of the scenario may reach a pod on: every pod answers on all of them. */
export function scenarioPorts(s: Scenario): { udp: Set<number>; tcp: Set<number> } {
  const out = { udp: new Set<number>(), tcp: new Set<number>() };
  for (const svc of s.services) for (const p of svc.ports) out[p.protocol].add(p.targetPort);
  for (const st of s.steps) {
    if (st.kind !== 'send' || (st.proto !== 'udp' && st.proto !== 'tcp') || st.port === undefined) continue;
    out[st.proto].add(st.port);
  }
  return out;
}

export async function runScenarioLive(s: Scenario, opts: LiveRunOptions = {}): Promise<LiveRunResult> {
  const log = opts.log ?? (() => {});
  const both = await engineFor('both');
  if (!both.ok) throw new Error(`live runs compare with the kernel's test runs: ${both.reason}`);
  const model = runScenario(s, { engine: both.factory, target: 'both', probe: false });
  const captureDir = opts.captureDir ?? mkdtempSync(join(tmpdir(), 'twinplane-live-'));
  const notes: string[] = [];
  if (s.invariants.length > 0)
    notes.push(`invariants (${s.invariants.join(', ')}) are probed pair by pair by the model, xdp and both targets; live checks the sends`);
  const steps: LiveStepResult[] = [];
  const sends: LiveSendResult[] = [];
  const checks: LiveCheck[] = [];
  const prefix = openRun();
  opts.onPrefix?.(prefix);
  let overlay: LiveOverlay | undefined;
  let buildMs = 0;
  try {
    const t0 = performance.now();
    try {
      overlay = LiveOverlay.build(s, prefix);
    } catch (e) {
      if (!(e instanceof ControlPlaneError)) throw e;
      checks.push({ id: 'setup', name: 'the control plane accepts the scenario', ok: false, message: e.message, line: 1, column: 1 });
    }
    buildMs = performance.now() - t0;
    if (overlay) {
      notes.push(...overlay.notes());
      const ports = scenarioPorts(s);
      overlay.serve('udp', ports.udp);
      overlay.serve('tcp', ports.tcp);
      log(`built ${overlay.cp.hosts.size} hosts and ${overlay.cp.endpoints.size} pods under ${prefix} in ${buildMs.toFixed(0)} ms`);
      // The model's run lists inject and openFlows steps among its sends: its index, not ours.
      let modelSend = 0;
      for (const [i, step] of s.steps.entries()) {
        const at = { line: step.at.line };
        if (step.kind === 'inject' || step.kind === 'openFlows') {
          const docs = modelPackets(model, modelSend++);
          const t0 = performance.now();
          const r =
            step.kind === 'inject'
              ? await runLiveInject(overlay, step, modelSend - 1)
              : await runLiveOpenFlows(overlay, step, modelSend - 1, docs);
          steps.push({ kind: step.kind, summary: `${stepSummary(step)}: ${r.line}`, ...at, ms: performance.now() - t0 });
          checks.push(...r.checks);
          log(`${step.kind} ${step.name}: ${r.checks.every((c) => c.ok) ? 'ok' : 'FAILED'} — ${r.line}`);
          continue;
        }
        if (step.kind === 'send') {
          const r = await runLiveSend(overlay, step, sends.length, modelPackets(model, modelSend++), { dir: captureDir });
          steps.push({ kind: 'send', summary: stepSummary(step), ...at, send: sends.length });
          sends.push(r);
          checks.push(...r.checks);
          log(`send ${sends.length} ${step.name}: ${r.ok ? 'ok' : 'FAILED'} — ${r.traffic}`);
          continue;
        }
        try {
          const t = overlay.applyStep(step);
          steps.push({
            kind: step.kind,
            summary: stepSummary(step),
            ...at,
            ms: t.ms,
            perEndpointMs: t.perEndpointMs,
            writes: t.writes,
            kernelUpdated: t.kernelUpdated,
            kernelDeleted: t.kernelDeleted,
          });
          log(
            `step ${i + 1} ${stepSummary(step)}: ${t.ms.toFixed(1)} ms${t.perEndpointMs.length ? ` (median ${median(t.perEndpointMs).toFixed(1)} ms per endpoint)` : ''}`,
          );
        } catch (e) {
          if (!(e instanceof ControlPlaneError)) throw e;
          steps.push({ kind: step.kind, summary: stepSummary(step), ...at, refused: e.message });
          checks.push({
            id: `step[${i}]`,
            name: 'the control plane accepts the step',
            ok: false,
            message: e.message,
            line: step.at.line,
            column: step.at.column,
          });
          break;
        }
      }
    }
  } finally {
    try {
      overlay?.close();
    } finally {
      closeRun(prefix);
    }
  }
  return {
    file: s.file,
    name: s.name,
    ok: checks.every((c) => c.ok),
    prefix,
    buildMs,
    steps,
    sends,
    checks,
    captureDir,
    notes,
    modelOk: model.ok,
    kernelMismatches: model.mismatches,
    disagreements: sends.filter((x) => x.disagreements.length > 0).length,
  };
}

/** The run as text: steps with their timings, sends with their checks and packet comparisons. */
export function formatLiveRun(r: LiveRunResult, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`live ${r.name} (${r.file}): ${r.ok ? 'PASS' : 'FAIL'} — run ${r.prefix}, overlay built in ${r.buildMs.toFixed(0)} ms`);
  for (const st of r.steps) {
    if (st.send !== undefined) {
      const x = r.sends[st.send];
      out.push(`  ${x.ok ? '✓' : '✗'} send ${x.index + 1} ${x.name} (${x.played}): ${x.traffic}`);
      for (const c of x.checks) if (!c.ok || opts.verbose) out.push(`      ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.message}`);
      for (const d of x.disagreements) out.push(`      ≠ ${d.packet} @ ${d.where}: model ${d.model}; kernel ${d.kernel}; live ${d.live}`);
      if (x.disagreements.length && x.pcapng) out.push(`      frames: ${x.pcapng}`);
      for (const p of x.comparison.pairs) {
        if (p.diffs.length === 0 && !opts.verbose) continue;
        out.push(
          `      ${p.diffs.length ? '≠' : '='} ${p.model.line}: model [${p.model.path.join(', ')}], live [${p.livePath.join(', ')}]${p.diffs.length ? ` — ${p.diffs.join('; ')}` : ''}`,
        );
      }
      const counted = Object.entries(x.counters).map(
        ([h, d]) =>
          `${h} {${Object.entries(d)
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ')}}`,
      );
      if (opts.verbose && counted.length) out.push(`      counters: ${counted.join('; ')}`);
      if (opts.verbose) for (const n of x.notes) out.push(`      note: ${n}`);
      continue;
    }
    if (st.refused) {
      out.push(`  ✗ ${st.summary}: refused — ${st.refused}`);
      continue;
    }
    if (st.kind === 'inject' || st.kind === 'openFlows') {
      // A traffic step: what went on the wire, what arrived, and its checks.
      const mine = r.checks.filter((c) => c.line === st.line && (c.id.startsWith('inject[') || c.id.startsWith('openFlows[')));
      out.push(`  ${mine.every((c) => c.ok) ? '✓' : '✗'} ${st.summary} (${st.ms!.toFixed(1)} ms)`);
      for (const c of mine) out.push(`      ${c.ok ? '✓' : '✗'} ${c.name}: ${c.message}`);
      continue;
    }
    const per = st.perEndpointMs?.length
      ? `, per endpoint median ${median(st.perEndpointMs).toFixed(1)} ms, max ${Math.max(...st.perEndpointMs).toFixed(1)} ms`
      : '';
    const writes = Object.entries(st.writes ?? {})
      .map(([h, n]) => `${h}: ${n}`)
      .join(', ');
    out.push(
      `  • ${st.summary}: ${st.ms!.toFixed(1)} ms${per}; writes {${writes}}; kernel entries updated ${st.kernelUpdated}, deleted ${st.kernelDeleted}`,
    );
  }
  for (const c of r.checks)
    if (!c.ok && !c.id.startsWith('send[') && !c.id.startsWith('inject[') && !c.id.startsWith('openFlows['))
      out.push(`  ✗ ${c.name}: ${c.message}`);
  for (const n of r.notes) out.push(`  note: ${n}`);
  out.push(`  captures: ${r.captureDir}`);
  if (!r.modelOk) out.push('  note: the model itself fails some expectations of this scenario (twinplane run shows which)');
  if (r.kernelMismatches)
    out.push(`  note: the kernel's test runs disagreed with the model on ${r.kernelMismatches} hop(s) (twinplane run --target both)`);
  return out.join('\n') + '\n';
}
