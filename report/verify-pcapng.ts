// The violations' paths as one pcapng, like a run's: per hop the frame the program got and
// the one it sent, with the model's verdict (and the kernel's) and a comment naming the
// property, the class and the hop. A uniformity split adds the member's path after the
// representative's, so Wireshark shows the two side by side.
import { XDP_ACTION } from '../model/dataplane/tables.ts';
import type { HopLineDoc, VerifyDoc, ViolationDoc } from './json-schema/verify-doc.ts';
import { type InterfaceSpec, type PacketToWrite, encodeCapture, xdpVerdict } from './capture/writer.ts';
import { fromHex } from '../model/wire/hex.ts';

const BASE_NS = 1_700_000_000_000_000_000n;

function action(text: string): number | undefined {
  const a = text.split(' ')[0] as keyof typeof XDP_ACTION;
  return XDP_ACTION[a];
}

export function violationsPcapng(doc: VerifyDoc, only?: string): Uint8Array {
  const ifaces: InterfaceSpec[] = [];
  const index = new Map<string, number>();
  const iface = (name: string): number => {
    let i = index.get(name);
    if (i === undefined) {
      index.set(name, (i = ifaces.length));
      ifaces.push({ name, description: `twinplane ${name.replace('/', ' ')} program`, resolution: 'ns' });
    }
    return i;
  };
  const packets: PacketToWrite[] = [];
  let t = 0n;
  const path = (v: ViolationDoc, hops: readonly HopLineDoc[], what: string): void => {
    t += 1_000_000n;
    hops.forEach((h, i) => {
      const verdicts = [action(h.model), action(h.kernel)].filter((x): x is number => x !== undefined).map((x) => xdpVerdict(x));
      const note = `${v.known ? 'known' : 'VIOLATION'} ${v.property} (${what}) hop ${i + 1}/${hops.length}: ${h.host} ${h.program}: model ${h.model}, kernel ${h.kernel} | ${v.classId} | ${v.message}`;
      const id = iface(`${h.host}/${h.program}`);
      const ts = BASE_NS + t + BigInt(i) * 10_000n;
      packets.push({ data: fromHex(h.frameIn), interfaceId: id, timestampNs: ts, flags: 1, verdicts, comments: [`${note} (in)`] });
      if (h.frameOut !== undefined)
        packets.push({
          data: fromHex(h.frameOut),
          interfaceId: id,
          timestampNs: ts + 1_000n,
          flags: 2,
          verdicts,
          comments: [`${note} (out)`],
        });
    });
  };
  for (const s of doc.scenarios) {
    if (only !== undefined && s.file !== only) continue;
    for (const v of [...s.violations, ...s.known]) {
      if (v.path !== undefined) path(v, v.path, v.split ? 'representative' : 'the frame');
      if (v.split !== undefined) path(v, v.split.path, 'the member that splits the class');
    }
  }
  if (ifaces.length === 0) iface('none/none');
  return encodeCapture(
    {
      format: 'pcapng',
      interfaces: ifaces,
      application: 'twinplane',
      comment: `twinplane verify on ${doc.target}: violations and known findings`,
    },
    packets,
  );
}
