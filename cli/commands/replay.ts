// twinplane replay <capture> --scenario S --host H: every packet of a capture through one
// host's program, in the model and in the kernel; a verdict and reason per packet, and an
// output capture with the verdicts (epb_verdict) and one comment per packet.
import type { Command } from '../args.ts';
import { EXIT, UserError, describeFsError } from '../errors.ts';
import type { Io } from '../io.ts';
import { XDP_ACTION, pointName, reasonName } from '../../model/dataplane/tables.ts';
import { ReplayError, replayCluster, replayHop, replayPoint } from '../../harness/run/replay.ts';
import { isEngineTarget } from '../../harness/run/targets.ts';
import { CaptureFileWriter, readCaptureFile } from '../../report/capture/files.ts';
import { CaptureError, LINKTYPE_ETHERNET } from '../../report/capture/types.ts';
import { xdpVerdict } from '../../report/capture/writer.ts';
import type { EngineTarget } from '../../harness/run/targets.ts';
import { packetSummary } from '../../report/trace/frame.ts';
import { loadOrThrow } from './run.ts';

async function chooseTarget(flag: unknown, io: Io): Promise<EngineTarget> {
  if (flag !== undefined) {
    if (!isEngineTarget(flag)) throw new UserError(`--target must be model, xdp or both, not '${String(flag)}'`);
    return flag;
  }
  const { checkBpf } = await import('../../harness/privileges.ts');
  const bpf = await checkBpf();
  if (bpf.ok) return 'both';
  io.err(`twinplane replay: note: BPF is unavailable (${bpf.reason}); replaying on the model only`);
  return 'model';
}

export const command: Command = {
  name: 'replay',
  summary: "Replay a pcap/pcapng capture through one host's program: verdict and reason per packet, model and kernel.",
  description: [
    "The host's maps are the scenario's cluster after its control-plane steps; its sends",
    'are not played. --iface underlay (default) runs transit, as if the packets arrived on',
    "the host's NIC; --iface <pod> runs the agent, as if that pod (on this host) sent them.",
    'State carries from packet to packet. Without --target, model and kernel both run',
    'when BPF is available (else the model only, with a note).',
    '',
    'Exit status: 0 replayed, 1 model and kernel differed on a packet, 2 bad input.',
  ].join('\n'),
  flags: {
    scenario: { type: 'string', value: 'file', description: 'the scenario whose cluster the host belongs to (required)' },
    host: { type: 'string', value: 'name', description: 'the host to replay on (required)' },
    iface: { type: 'string', value: 'underlay|pod', description: "where the packets arrive: 'underlay' (default) or a pod on the host" },
    out: {
      type: 'string',
      value: 'file',
      description: 'write a pcapng: each packet in, its verdict(s) and a comment, then what the program sent',
    },
    target: { type: 'string', value: 'model|xdp|both', description: 'default: both when BPF is available, else model' },
  },
  positionals: [{ name: 'capture', description: 'a .pcap or .pcapng file of Ethernet frames' }],
  async run(args, io: Io) {
    const capture = args.positionals[0];
    if (typeof args.flags.scenario !== 'string') throw new UserError('--scenario <file> is required');
    if (typeof args.flags.host !== 'string') throw new UserError('--host <name> is required');
    const [scenario] = loadOrThrow([args.flags.scenario]);
    const target = await chooseTarget(args.flags.target, io);
    const cp = replayCluster(scenario);
    let point;
    try {
      point = replayPoint(cp, args.flags.host, typeof args.flags.iface === 'string' ? args.flags.iface : 'underlay');
    } catch (e) {
      if (e instanceof ReplayError) throw new UserError(e.message);
      throw e;
    }
    const engine = await replayHop(cp, target);
    let outError: string | undefined;
    let out =
      typeof args.flags.out === 'string'
        ? await CaptureFileWriter.open(args.flags.out, {
            format: 'pcapng',
            application: 'twinplane replay',
            interfaces: [{ name: `${point.host.name}/${point.program}` }],
          })
        : undefined;
    let n = 0;
    let mismatched = 0;
    await io.out(io.style.dim(`# ${capture} through ${point.host.name} ${point.program} on ${point.ingressName} (${target})`) + '\n');
    try {
      for await (const p of readCaptureFile(capture)) {
        n++;
        if (p.linktype !== LINKTYPE_ETHERNET) {
          await io.out(`#${n} skipped: link type ${p.linktype} is not Ethernet\n`);
          continue;
        }
        const r = engine.hop(point.host, point.program, point.ingress, p.data);
        const v = r.verdict;
        const veth = point.host.veths?.get(v.target);
        const where =
          v.action === 'REDIRECT'
            ? ` → ${v.target === point.host.underlayIfindex ? 'underlay' : veth ? `veth ${veth.name}` : `ifindex ${v.target}`}`
            : '';
        const k = r.kernel;
        const kText =
          k === undefined
            ? ''
            : k.mismatches.length === 0
              ? ' | kernel agrees'
              : ` | KERNEL DIFFERS: ${k.action} ${reasonName(k.reason)}: ${k.mismatches.join('; ')}`;
        if (k && k.mismatches.length > 0) mismatched++;
        const line = `#${n} ${v.action}${where} ${reasonName(v.reason)}${kText}`;
        await io.out(`${k && k.mismatches.length > 0 ? io.style.red(line) : line}  ${io.style.dim(packetSummary(p.data))}\n`);
        if (out) {
          try {
            const verdicts = [xdpVerdict(XDP_ACTION[v.action]), ...(k ? [xdpVerdict(XDP_ACTION[k.action])] : [])];
            const comment = `#${n} ${point.host.name} ${point.program} on ${point.ingressName}: ${v.action}${where} ${reasonName(v.reason)} [${v.points.map(pointName).join(' → ')}]${kText}`;
            await out.write({ data: p.data, timestampNs: p.timestampNs, flags: 1, verdicts, comments: [comment] });
            if (v.output !== null && v.action !== 'PASS')
              await out.write({
                data: v.output,
                timestampNs: p.timestampNs + 1000n,
                flags: 2,
                verdicts,
                comments: [`#${n} sent by ${point.host.name} ${point.program}`],
              });
          } catch (e) {
            // Keep replaying and printing; the output file is what failed, said at the end.
            outError = e instanceof Error ? e.message : String(e);
            await out.close();
            out = undefined;
          }
        }
      }
    } catch (e) {
      if (e instanceof CaptureError) throw new UserError(`${capture}: ${e.message} (byte offset ${e.offset})`);
      const fs = describeFsError(capture, e);
      if (fs) throw new UserError(fs);
      throw e;
    } finally {
      await out?.close();
      engine.close();
    }
    if (outError !== undefined) io.err(`twinplane replay: could not write ${String(args.flags.out)}: ${outError}`);
    await io.out(
      `${n} packet${n === 1 ? '' : 's'} replayed${target === 'both' ? `, ${mismatched} model/kernel difference${mismatched === 1 ? '' : 's'}` : ''}${out ? `; wrote ${args.flags.out}` : ''}\n`,
    );
    return mismatched > 0 || outError !== undefined ? EXIT.failure : EXIT.ok;
  },
};
