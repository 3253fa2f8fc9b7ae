// twinplane trace <scenario> --flow <from>-><to>: every packet of that flow hop by hop, at
// one of three levels (ovn-trace's minimal / summary / detailed). Sends of the scenario
// that match are traced where they happen; a flow the scenario never sends is sent once
// after its last step.
import type { Command } from '../args.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Io } from '../io.ts';
import { writeFileSync } from 'node:fs';
import { ipv4ToString } from '../../model/wire/addr.ts';
import { AdhocError, type AdhocFlow } from '../../harness/run/adhoc.ts';
import { engineFor } from '../../harness/run/targets.ts';
import { runScenario } from '../../harness/run/run.ts';
import type { SendStep, Target } from '../../harness/scenario/types.ts';
import { encodeCapture } from '../../report/capture/writer.ts';
import type { PacketDoc, ScenarioRunDoc } from '../../report/json-schema/run.ts';
import { runCapture } from '../../report/run-pcapng.ts';
import { TRACE_LEVELS, type TraceLevel, renderTrace } from '../../report/trace/render.ts';
import { TARGET_HELP, loadOrThrow, parseTarget } from './run.ts';

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
  throw new UserError(`--${flag} must be ${allowed.join(', ')}, not '${String(v)}'`);
}

export const command: Command = {
  name: 'trace',
  summary: 'Trace a flow of a scenario hop by hop: host, program, decisions, map lookups, header changes, verdict.',
  description: [
    'Levels (as in ovn-trace): minimal — per hop the verdict and only what changed in the',
    'packet, then where it ended (stable: made for regression tests); summary — adds the',
    'decision points and whole frames, outer and inner; detailed — adds every map lookup',
    '(key → value or miss), map updates and the frame each program got.',
    '',
    'Sends of the scenario from <from> to <to> (an endpoint, a service or an address; and',
    '--proto if given) are traced with their ARPs and replies. Without one, the flow is sent',
    'once after the last step.',
    '',
    'Exit status: 0 traced, 1 model and kernel differed on a traced hop (--target both),',
    '2 bad input.',
  ].join('\n'),
  flags: {
    flow: { type: 'string', value: 'from->to', description: 'the flow: sending endpoint -> endpoint, service or IPv4 address' },
    proto: { type: 'string', value: 'icmp|udp|tcp|arp', description: 'only sends of this protocol (an ad-hoc flow defaults to icmp)' },
    port: { type: 'string', value: 'n', description: 'destination port of an ad-hoc tcp/udp flow (default 80)' },
    level: { type: 'string', value: 'minimal|summary|detailed', description: 'how much to show (default summary)' },
    pcap: { type: 'string', value: 'file', description: 'also write the traced hops as pcapng, with XDP verdicts and comments' },
    target: { type: 'string', value: 'model|xdp|both', description: TARGET_HELP },
  },
  positionals: [{ name: 'scenario', description: 'a scenario YAML file' }],
  async run(args, io: Io) {
    const flow = parseFlow(args.flags.flow);
    const proto = oneOf<Proto>('proto', args.flags.proto, PROTOS);
    const level = oneOf<TraceLevel>('level', args.flags.level, TRACE_LEVELS, 'summary')!;
    const target = parseTarget(args.flags.target);
    let port: number | undefined;
    if (args.flags.port !== undefined) {
      port = Number(args.flags.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new UserError(`--port must be 1-65535, not '${String(args.flags.port)}'`);
    }
    const [scenario] = loadOrThrow([args.positionals[0]]);
    const sends = scenario.steps.filter((s): s is SendStep => s.kind === 'send');
    const matching = sends.flatMap((s, i) =>
      s.from.name === flow.from && targetMatches(s.to, flow.to) && (proto === undefined || s.proto === proto) ? [i] : [],
    );
    const adhoc: AdhocFlow | undefined = matching.length === 0 ? { ...flow, proto: proto ?? 'icmp', ...(port ? { port } : {}) } : undefined;
    const choice = await engineFor(target);
    if (!choice.ok) throw new UserError(`cannot trace on ${target}: ${choice.reason} (use --target model)`);
    let run: ScenarioRunDoc;
    try {
      run = runScenario(scenario, { engine: choice.factory, target, probe: false, ...(adhoc ? { adhoc } : {}) });
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
    await io.out(
      io.style.dim(
        `# ${scenario.name}: ${flow.from} -> ${flow.to} on ${target}, ${where}; ${packets.length} packet${packets.length === 1 ? '' : 's'}, level ${level}`,
      ) + '\n\n',
    );
    await io.out(renderTrace(packets, level, io.style));
    let written = true;
    if (typeof args.flags.pcap === 'string') {
      const cap = runCapture([{ ...run, packets }]);
      try {
        writeFileSync(args.flags.pcap, encodeCapture(cap.options, cap.packets));
        io.err(`wrote ${cap.packets.length} frames to ${args.flags.pcap}`);
      } catch (e) {
        // The trace is printed already; say what is missing instead of a stack.
        io.err(`twinplane trace: could not write ${args.flags.pcap}: ${e instanceof Error ? e.message : String(e)}`);
        written = false;
      }
    }
    const mismatched = packets.some((p) => p.hops.some((h) => h.kernel !== undefined && h.kernel.mismatches.length > 0));
    return mismatched || !written ? EXIT.failure : EXIT.ok;
  },
};
