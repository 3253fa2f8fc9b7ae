// twinplane trace <scenario> --flow <from>-><to>: every packet of that flow hop by hop, at
// one of three levels (ovn-trace's minimal / summary / detailed). Sends of the scenario
// that match are traced where they happen; a flow the scenario never sends is sent once
// after its last step. `--frame <hex|file> --host H [--iface I]` follows one given frame
// instead, from that host's interface, through the cluster after the scenario's steps.
import type { Command } from '../args.ts';
import { ensureBpfFresh } from '../bpf-build.ts';
import { EXIT, UserError, writeProblem } from '../errors.ts';
import { FILTER_FLAG, parseFilterFlag } from '../filter.ts';
import { OPTION_CLASS_FLAG, parseOptionClass, withOptionClass } from '../option-class.ts';
import { parseFrameArg } from '../frame-arg.ts';
import { frameEngine, walkFrame } from '../hops.ts';
import type { Io } from '../io.ts';
import { checkFlowEnds, checkHost, checkIface } from '../names.ts';
import { checkOutputs, outputFlags, type Outputs } from '../outputs.ts';
import { expandScenarioPaths, loadScenarioArgs } from '../scenarios.ts';
import { chooseTarget, parseTarget, targetFlag } from '../target-flag.ts';
import { writeFileSync } from 'node:fs';
import { ipv4ToString } from '../../model/wire/addr.ts';
import { AdhocError, type AdhocFlow } from '../../harness/run/adhoc.ts';
import { Names, packetDoc } from '../../harness/run/docs.ts';
import { engineFor } from '../../harness/run/targets.ts';
import { writeReportDir } from '../../harness/run/report-dir.ts';
import { ReplayError, replayCluster, replayPoint } from '../../harness/run/replay-host.ts';
import { runScenario } from '../../harness/run/scenario-run.ts';
import type { EngineTarget } from '../../harness/run/targets.ts';
import type { Scenario, SendStep, Target } from '../../harness/scenario/types.ts';
import { encodeCapture } from '../../report/capture/writer.ts';
import { matches, packetRecords } from '../../report/filter/match.ts';
import type { Expr } from '../../report/filter/expr.ts';
import { RUN_DOC_VERSION, type PacketDoc } from '../../report/json-schema/run-doc.ts';
import { packetsCapture } from '../../report/run-pcapng.ts';
import { TRACE_LEVELS, type TraceLevel, renderTrace } from '../../report/trace/render.ts';

const PROTOS = ['icmp', 'udp', 'tcp', 'arp'] as const;
type Proto = (typeof PROTOS)[number];

export function parseFlow(v: unknown): { from: string; to: string } {
  const m = typeof v === 'string' ? /^\s*([^\s>→-][^>→]*?)\s*(?:->|→)\s*(\S.*?)\s*$/.exec(v) : null;
  if (!m)
    throw new UserError(`--flow must be <from>-><to>, e.g. --flow pod-a->pod-b (got ${v === undefined ? 'nothing' : `'${String(v)}'`})`);
  return { from: m[1], to: m[2] };
}

function targetMatches(t: Target | undefined, to: string): boolean {
  if (t === undefined) return false;
  if (ipv4ToString(t.ip) === to) return true;
  return t.kind === 'endpoint' ? t.endpoint.name === to : t.kind === 'service' ? t.service.name === to : false;
}

function oneOf<T extends string>(flag: string, v: unknown, allowed: readonly T[], dflt?: T): T | undefined {
  if (v === undefined) return dflt;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new UserError(`--${flag} must be one of ${allowed.join(', ')}, not '${String(v)}'`);
}

function parsePort(v: unknown, proto: Proto | undefined): number | undefined {
  if (v === undefined) return undefined;
  const port = /^\d+$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port must be a port number 1-65535, not '${String(v)}'`);
  if (proto === 'icmp' || proto === 'arp') throw new UserError(`--port applies to tcp and udp, not --proto ${proto}`);
  return port;
}

interface Traced {
  readonly header: string;
  readonly packets: PacketDoc[];
  readonly notes: readonly string[];
  /** For --report: the whole run the packets came from. */
  readonly report?: (packets: PacketDoc[]) => Parameters<typeof writeReportDir>[1];
}

async function traceFlow(
  scenario: Scenario,
  args: Parameters<Command['run']>[0],
  target: EngineTarget,
  notices: readonly string[],
): Promise<Traced> {
  const flow = parseFlow(args.flags.flow);
  const proto = oneOf<Proto>('proto', args.flags.proto, PROTOS);
  const port = parsePort(args.flags.port, proto);
  const sends = scenario.steps.filter((s): s is SendStep => s.kind === 'send');
  const matching = sends.flatMap((s, i) =>
    s.from.name === flow.from &&
    targetMatches(s.to, flow.to) &&
    (proto === undefined || s.proto === proto) &&
    (port === undefined || s.port === port)
      ? [i]
      : [],
  );
  const adhoc: AdhocFlow | undefined =
    matching.length === 0 ? { ...flow, proto: proto ?? (port !== undefined ? 'tcp' : 'icmp'), ...(port ? { port } : {}) } : undefined;
  const choice = await engineFor(target);
  if (!choice.ok) throw new UserError(`cannot trace on ${target}: ${choice.reason} (use --target model)`);
  let run;
  try {
    run = runScenario(scenario, { engine: choice.factory, target, probe: false, notices, ...(adhoc ? { adhoc } : {}) });
  } catch (e) {
    if (e instanceof AdhocError) throw new UserError(e.message);
    throw e;
  }
  const picked = adhoc ? [run.sends[run.sends.length - 1]] : matching.map((i) => run.sends[i]).filter((s) => s !== undefined);
  const byId = new Map(run.packets.map((p) => [p.id, p]));
  const packets = picked.flatMap((s) => s.packets.map((id) => byId.get(id)).filter((p): p is PacketDoc => p !== undefined));
  const where = adhoc
    ? `not sent by the scenario: sent once after its last step`
    : `${picked.length} send${picked.length === 1 ? '' : 's'} of the scenario (line${picked.length === 1 ? '' : 's'} ${picked.map((s) => s.line).join(', ')})`;
  return {
    header: `# ${scenario.name}: ${flow.from} -> ${flow.to} on ${target}, ${where}`,
    packets,
    notes: [],
    report: (kept) => ({ version: RUN_DOC_VERSION, target, ok: run.ok, runs: [{ ...run, packets: kept }] }),
  };
}

async function traceFrame(scenario: Scenario, args: Parameters<Command['run']>[0], target: EngineTarget): Promise<Traced> {
  const { frame, from } = parseFrameArg(String(args.flags.frame));
  if (typeof args.flags.host !== 'string')
    throw new UserError('--frame needs --host <name>: the host whose interface the frame arrives on');
  const cp = replayCluster(scenario);
  const iface = typeof args.flags.iface === 'string' ? args.flags.iface : 'underlay';
  let point;
  try {
    point = replayPoint(cp, args.flags.host, iface);
  } catch (e) {
    if (e instanceof ReplayError) throw new UserError(e.message);
    throw e;
  }
  const engine = await frameEngine(cp, target);
  try {
    const w = walkFrame(engine, point, frame);
    const doc = packetDoc(
      { id: 1, flow: `frame from ${from}`, role: 'raw', from: `${point.host.name} ${point.ingressName}` },
      frame,
      w.path,
      new Names(cp),
    );
    return {
      header: `# ${scenario.name}: a ${frame.length}-byte frame from ${from} into ${point.host.name} ${point.program} on ${point.ingressName}, after the scenario's steps, on ${target}`,
      packets: [doc],
      notes: w.notes,
    };
  } finally {
    engine.close();
  }
}

export const command: Command = {
  name: 'trace',
  summary: 'Trace a flow of a scenario (or one given frame) hop by hop: host, program, decisions, lookups, header changes, verdict.',
  description: [
    'Levels (as in ovn-trace): minimal — per hop the verdict and only what changed in the',
    'packet, then where it ended (stable: made for regression tests); summary — adds the',
    'decision points and whole frames, outer and inner; detailed — adds every map lookup',
    '(key → value or miss), map updates and the frame each program got. The kernel records',
    'decision points only, so --target xdp shows no lookups (and says so).',
    '',
    'Sends of the scenario from <from> to <to> (an endpoint, a service or an address; and',
    '--proto and --port if given) are traced with their ARPs and replies. Without one, the',
    'flow is sent once after the last step (tcp when only --port is given, else icmp).',
    '',
    '--frame follows one frame (hex, or a file of hex or a capture: its first packet) from',
    "--host's --iface (underlay, the default, runs transit; a pod on the host runs its agent)",
    "through the cluster as the scenario's control-plane steps leave it (its sends are not played).",
    '',
    'Exit status: 0 traced, 1 model and kernel differed on a traced hop (--target both),',
    '2 bad input.',
  ].join('\n'),
  flags: {
    flow: {
      type: 'string',
      value: 'from->to',
      description: 'the flow: sending endpoint -> endpoint, service or IPv4 address (or use --frame)',
    },
    proto: { type: 'string', value: 'icmp|udp|tcp|arp', description: 'only sends of this protocol (an ad-hoc flow defaults to icmp)' },
    port: { type: 'string', value: 'n', description: 'only sends to this destination port; an ad-hoc tcp/udp flow uses it (default 80)' },
    frame: { type: 'string', value: 'hex|file', description: 'follow this frame instead of a flow (with --host, and --iface)' },
    host: { type: 'string', value: 'name', description: '--frame: the host it arrives on' },
    iface: { type: 'string', value: 'underlay|pod', description: "--frame: 'underlay' (default) or a pod on --host" },
    level: { type: 'string', value: 'minimal|summary|detailed', description: 'how much to show (default summary)' },
    target: targetFlag(['model', 'xdp', 'both']),
    ...outputFlags(['json', 'report', 'pcap'], { json: 'one PacketDoc per line (report/json-schema/run.schema.json#/definitions/packet)' }),
    filter: FILTER_FLAG,
    'option-class': OPTION_CLASS_FLAG,
  },
  positionals: [{ name: 'scenario', description: 'a scenario YAML file' }],
  async run(args, io: Io) {
    // Every flag first: nothing runs until all of them make sense together.
    const filter = parseFilterFlag(args.flags.filter);
    const level = oneOf<TraceLevel>('level', args.flags.level, TRACE_LEVELS, 'summary')!;
    const optionClass = parseOptionClass(args.flags['option-class']);
    const given = parseTarget(args.flags.target, 'trace', ['model', 'xdp', 'both']);
    const byFrame = args.flags.frame !== undefined;
    if (byFrame) {
      for (const f of ['flow', 'proto', 'port'])
        if (args.flags[f] !== undefined) throw new UserError(`--${f} and --frame exclude each other: trace a flow or a frame`);
      if (args.flags.report !== undefined)
        throw new UserError('--report needs a scenario run: trace a --flow for it (--pcap and --json work with --frame)');
      if (typeof args.flags.host !== 'string')
        throw new UserError('--frame needs --host <name>: the host whose interface the frame arrives on');
    } else {
      if (args.flags.flow === undefined)
        throw new UserError(`--flow <from->to> or --frame <hex|file> is required (usage: twinplane trace <scenario> --flow <from->to>)`);
      parseFlow(args.flags.flow);
      parsePort(args.flags.port, oneOf<Proto>('proto', args.flags.proto, PROTOS));
      for (const f of ['host', 'iface'])
        if (args.flags[f] !== undefined) throw new UserError(`--${f} goes with --frame (a flow starts at its sender)`);
    }
    const files = expandScenarioPaths(args.positionals);
    if (files.length !== 1) throw new UserError(`trace takes one scenario file; ${args.positionals[0]} holds ${files.length}`);
    const outputs: Outputs = checkOutputs(
      args.flags,
      ['json', 'report', 'pcap'],
      [...files, ...(byFrame ? [String(args.flags.frame)] : [])],
    );
    const [scenario] = withOptionClass(loadScenarioArgs(files), optionClass);
    if (byFrame) {
      checkHost(scenario, 'host', String(args.flags.host));
      if (typeof args.flags.iface === 'string') checkIface(scenario, 'iface', args.flags.iface);
    } else {
      const flow = parseFlow(args.flags.flow);
      checkFlowEnds(scenario, flow.from, flow.to);
    }
    const chosen = await chooseTarget(given, 'trace', ['model', 'xdp', 'both'], io);
    const target = chosen.target as EngineTarget;
    if (target !== 'model') ensureBpfFresh(io, 'trace');

    const t = byFrame ? await traceFrame(scenario, args, target) : await traceFlow(scenario, args, target, chosen.notices);
    const packets = filter ? t.packets.filter((p) => matches(filter as Expr, packetRecords(p))) : t.packets;
    for (const n of t.notes) io.err(`twinplane trace: note: ${n}`);
    if (outputs.json) {
      for (const p of packets) await io.out(JSON.stringify(p) + '\n');
    } else {
      const count = `${packets.length} packet${packets.length === 1 ? '' : 's'}${filter ? ` of ${t.packets.length} matching --filter` : ''}, level ${level}`;
      await io.out(io.style.dim(`${t.header}; ${count}`) + '\n\n');
      for (const n of t.notes) await io.out(io.style.yellow(`note: ${n}`) + '\n');
      if (packets.length > 0)
        await io.out(
          renderTrace(packets, level, io.style, {
            kernelPointsOnly: target === 'xdp',
            ...(scenario.optionClass !== undefined ? { optionClass: scenario.optionClass } : {}),
          }),
        );
    }
    let written = true;
    const attempt = (path: string, write: () => void, say: string): void => {
      try {
        write();
        io.err(say);
      } catch (e) {
        // The trace is printed already; say what is missing instead of a stack.
        io.err(`twinplane trace: could not write ${path}: ${writeProblem(e)}`);
        written = false;
      }
    };
    if (outputs.pcap !== undefined) {
      const cap = packetsCapture(packets, `twinplane trace of ${scenario.name} on ${target}`);
      attempt(
        outputs.pcap,
        () => writeFileSync(outputs.pcap!, encodeCapture(cap.options, cap.packets)),
        `wrote ${cap.packets.length} frames to ${outputs.pcap}`,
      );
    }
    if (outputs.report !== undefined && t.report) {
      const doc = t.report(packets);
      attempt(
        outputs.report,
        () => {
          const files = writeReportDir(outputs.report!, doc);
          if (files.failed.length > 0) throw new Error(files.failed.join('; '));
        },
        `reports in ${outputs.report}`,
      );
    }
    const mismatched = packets.some((p) => p.hops.some((h) => h.kernel !== undefined && h.kernel.mismatches.length > 0));
    return mismatched || !written ? EXIT.failure : EXIT.ok;
  },
};
