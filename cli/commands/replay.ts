// twinplane replay <capture> --scenario S --host H: every packet of a capture through one
// host's program, in the model and in the kernel; a verdict and reason per packet (shown
// with the traces' renderer), and an output capture with the verdicts (epb_verdict) and a
// comment per packet. A frame the kernel cannot run gets the model's verdict and a note;
// the rest of the capture goes on.
import type { Command } from '../args.ts';
import { ensureBpfFresh } from '../bpf-build.ts';
import { describeFsError, EXIT, UserError, writeProblem } from '../errors.ts';
import { FILTER_FLAG, parseFilterFlag } from '../filter.ts';
import { OPTION_CLASS_FLAG, parseOptionClass, withOptionClass } from '../option-class.ts';
import { frameEngine } from '../hops.ts';
import { checkCaptureHeader, checkInputFile } from '../inputs.ts';
import type { Io } from '../io.ts';
import { checkHost, checkIface } from '../names.ts';
import { checkOutputs, outputFlags } from '../outputs.ts';
import { expandScenarioPaths, loadScenarioArgs } from '../scenarios.ts';
import { chooseTarget, parseTarget, targetFlag } from '../target-flag.ts';
import type { Host } from '../../model/control/plane.ts';
import { Names, hopDoc } from '../../harness/run/docs.ts';
import { ReplayError, replayCluster, replayPoint } from '../../harness/run/replay-host.ts';
import type { EngineTarget } from '../../harness/run/targets.ts';
import { CaptureFileWriter, readCaptureFile } from '../../report/capture/files.ts';
import { CaptureError, LINKTYPE_ETHERNET } from '../../report/capture/contents.ts';
import { matches, packetRecords } from '../../report/filter/match.ts';
import type { OutcomeDoc, PacketDoc } from '../../report/json-schema/run-doc.ts';
import { interfaceSpec, packetFrames } from '../../report/run-pcapng.ts';
import { packetSummary } from '../../report/trace/frame.ts';
import { TRACE_LEVELS, type TraceLevel, renderPacket } from '../../report/trace/render.ts';
import { reasonName } from '../../model/dataplane/tables.ts';
import type { RunResult } from '../../model/dataplane/verdict.ts';

/** Larger than any Ethernet frame (64 KiB of IPv4 plus headers and tags). */
const SHOW_MAX = 65_600;

/** Where one program run leaves the packet (replay does not follow it further). */
function oneHopOutcome(host: Host, program: 'agent' | 'transit', v: RunResult, names: Names): OutcomeDoc {
  if (v.action === 'DROP') return { kind: 'dropped', reason: reasonName(v.reason), host: host.name, program };
  if (v.action === 'ABORTED') return { kind: 'aborted', reason: reasonName(v.reason), host: host.name };
  if (v.action === 'PASS') return { kind: 'passed', reason: reasonName(v.reason), host: host.name };
  if (v.action === 'REDIRECT' && v.target !== host.underlayIfindex) {
    const pod = host.veths?.get(v.target);
    return pod
      ? { kind: 'delivered', endpoint: pod.name, host: host.name }
      : { kind: 'lost', why: `${host.name} redirected it to ifindex ${v.target}, where no pod is` };
  }
  const next = v.output ? names.hostByMac(v.output) : undefined;
  return { kind: 'forwarded', host: host.name, to: next ?? 'the underlay (no host has its destination MAC)' };
}

export const command: Command = {
  name: 'replay',
  summary: "Replay a pcap/pcapng capture through one host's program: verdict and reason per packet, model and kernel.",
  description: [
    "The host's maps are the scenario's cluster after its control-plane steps; its sends",
    'are not played. --iface underlay (default) runs transit, as if the packets arrived on',
    "the host's NIC; --iface <pod> runs the agent, as if that pod (on this host) sent them.",
    'State carries from packet to packet. Each packet is shown as trace shows a hop (--level).',
    "A frame the kernel's XDP test run cannot take (under 14 or over 3,520 bytes) gets the",
    "model's verdict and a note; the capture goes on.",
    '',
    'Exit status: 0 replayed, 1 model and kernel differed on a packet, 2 bad input.',
  ].join('\n'),
  flags: {
    scenario: { type: 'string', value: 'file', required: true, description: 'the scenario whose cluster the host belongs to' },
    host: { type: 'string', value: 'name', required: true, description: 'the host to replay on' },
    iface: { type: 'string', value: 'underlay|pod', description: "where the packets arrive: 'underlay' (default) or a pod on the host" },
    level: { type: 'string', value: 'minimal|summary|detailed', description: 'how much to show per packet, as trace (default minimal)' },
    target: targetFlag(['model', 'xdp', 'both']),
    ...outputFlags(['json', 'pcap'], {
      json: 'one PacketDoc per line (report/json-schema/run.schema.json#/definitions/packet)',
      pcap: 'write a pcapng: each packet in, its verdict(s) and a comment, then what the program sent',
    }),
    filter: FILTER_FLAG,
    'option-class': OPTION_CLASS_FLAG,
  },
  renamed: { out: 'pcap' },
  positionals: [{ name: 'capture', description: 'a .pcap or .pcapng file of Ethernet frames' }],
  async run(args, io: Io) {
    const capture = args.positionals[0];
    const filter = parseFilterFlag(args.flags.filter);
    const levelFlag = args.flags.level;
    if (levelFlag !== undefined && !(TRACE_LEVELS as readonly unknown[]).includes(levelFlag))
      throw new UserError(`--level must be one of ${TRACE_LEVELS.join(', ')}, not '${String(levelFlag)}'`);
    const level = (levelFlag ?? 'minimal') as TraceLevel;
    const optionClass = parseOptionClass(args.flags['option-class']);
    const given = parseTarget(args.flags.target, 'replay', ['model', 'xdp', 'both']);
    checkInputFile(capture, 'capture');
    checkCaptureHeader(capture);
    const scenarioFiles = expandScenarioPaths([String(args.flags.scenario)]);
    if (scenarioFiles.length !== 1)
      throw new UserError(`--scenario takes one scenario file; ${String(args.flags.scenario)} holds ${scenarioFiles.length}`);
    const outputs = checkOutputs(args.flags, ['json', 'pcap'], [capture, ...scenarioFiles]);
    const [scenario] = withOptionClass(loadScenarioArgs(scenarioFiles), optionClass);
    const dissectOpts = scenario.optionClass !== undefined ? { optionClass: scenario.optionClass } : {};
    checkHost(scenario, 'host', String(args.flags.host));
    if (typeof args.flags.iface === 'string') checkIface(scenario, 'iface', args.flags.iface);
    const cp = replayCluster(scenario);
    let point;
    try {
      point = replayPoint(cp, String(args.flags.host), typeof args.flags.iface === 'string' ? args.flags.iface : 'underlay');
    } catch (e) {
      if (e instanceof ReplayError) throw new UserError(e.message);
      throw e;
    }
    const { target } = await chooseTarget(given, 'replay', ['model', 'xdp', 'both'], io);
    if (target !== 'model') ensureBpfFresh(io, 'replay');
    const engine = await frameEngine(cp, target as EngineTarget);
    const names = new Names(cp);
    const ifaceName = `${point.host.name}/${point.program}`;
    let outError: string | undefined;
    let out: CaptureFileWriter | undefined;
    let wrote = false;
    let n = 0;
    let shown = 0;
    let mismatched = 0;
    let notes = 0;
    if (!outputs.json)
      await io.out(io.style.dim(`# ${capture} through ${point.host.name} ${point.program} on ${point.ingressName} (${target})`) + '\n');
    try {
      for await (const p of readCaptureFile(capture)) {
        n++;
        if (p.linktype !== LINKTYPE_ETHERNET) {
          io.err(`twinplane replay: note: packet #${n} skipped: link type ${p.linktype} is not Ethernet`);
          continue;
        }
        const r = engine.hop(point.host.name, point.program, point.ingress, p.data);
        // A frame larger than Ethernet allows is run whole, but shown and written cut.
        const cut = (f: Uint8Array | null): Uint8Array | null => (f !== null && f.length > SHOW_MAX ? f.subarray(0, SHOW_MAX) : f);
        const hop = hopDoc(
          {
            ...r,
            frameIn: cut(p.data)!,
            verdict: { ...r.verdict, output: cut(r.verdict.output) },
            frameOut: cut(r.verdict.output),
            kernel: r.kernel !== null ? { ...r.kernel, output: cut(r.kernel.output)! } : null,
          },
          names,
        );
        const packetNotes = [
          ...(r.note !== undefined ? [r.note] : []),
          ...(p.data.length > SHOW_MAX
            ? [`a ${p.data.length}-byte frame, more than Ethernet carries: shown and written cut to its first ${SHOW_MAX} bytes`]
            : []),
        ];
        const doc: PacketDoc = {
          id: n,
          flow: capture,
          role: 'raw',
          from: `${point.host.name} ${point.ingressName}`,
          summary: packetSummary(cut(p.data)!, dissectOpts),
          hops: [hop],
          outcome: oneHopOutcome(point.host, point.program, r.verdict, names),
          ...(packetNotes.length > 0 ? { notes: packetNotes } : {}),
        };
        if (r.note !== undefined) notes++;
        const differs = hop.kernel !== undefined && hop.kernel.mismatches.length > 0;
        if (differs) mismatched++;
        if (filter && !matches(filter, packetRecords(doc))) continue;
        shown++;
        await io.out(outputs.json ? JSON.stringify(doc) + '\n' : renderPacket(doc, level, io.style, dissectOpts).join('\n') + '\n\n');
        if (outputs.pcap !== undefined && outError === undefined) {
          try {
            // Opened at the first packet: a capture that is not one costs no output file.
            if (out === undefined) wrote = true;
            out ??= await CaptureFileWriter.open(outputs.pcap, {
              format: 'pcapng',
              application: 'twinplane replay',
              interfaces: [interfaceSpec(ifaceName)],
            });
            for (const f of packetFrames(doc, 0n, () => 0, p.timestampNs)) await out.write(f);
          } catch (e) {
            // Keep replaying and printing; the output file is what failed, said at the end.
            outError = writeProblem(e);
            await out?.close();
            out = undefined;
          }
        }
      }
    } catch (e) {
      if (e instanceof CaptureError)
        throw new UserError(`${capture}: ${e.message} (byte offset ${e.offset}; ${n} packet${n === 1 ? '' : 's'} before it replayed)`);
      const fs = describeFsError(capture, e);
      if (fs) throw new UserError(fs);
      throw e;
    } finally {
      await out?.close();
      engine.close();
    }
    if (outError !== undefined) io.err(`twinplane replay: could not write ${outputs.pcap}: ${outError}`);
    if (!outputs.json) {
      const parts = [`${n} packet${n === 1 ? '' : 's'} replayed`];
      if (filter) parts.push(`${shown} matching --filter`);
      if (target === 'both') parts.push(`${mismatched} model/kernel difference${mismatched === 1 ? '' : 's'}`);
      if (notes > 0) parts.push(`${notes} the kernel could not run (model only, noted)`);
      await io.out(`${parts.join(', ')}${wrote && outError === undefined ? `; wrote ${outputs.pcap}` : ''}\n`);
    }
    return mismatched > 0 || outError !== undefined ? EXIT.failure : EXIT.ok;
  },
};
