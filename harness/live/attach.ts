// Attaching XDP programs to interfaces inside the run's namespaces. The program is loaded
// in this process (maps stay writable from here, e.g. by the map writer), and attached as
// a BPF link with the JS thread briefly inside the interface's namespace, because the
// kernel resolves the ifindex in the caller's namespace. A link detaches when destroyed,
// when its interface goes, or when this process exits — a crash leaves no program behind.
// Flags 0 on a link means native mode wherever the driver has it, which veth does; the
// mode is read back (a netlink query in the namespace, no `ip` process) and checked.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BpfObject, type BpfProgram } from '../libbpf/object.ts';
import { xdpAttachLink, xdpQueryId } from '../libbpf/xdp.ts';
import { getLink } from '../ip.ts';
import { inNetns } from '../netns.ts';
import type { NsLink, Topology } from './netns-topology.ts';

export interface LiveAttachment {
  readonly link: NsLink;
  readonly program: string;
  /** Kernel id of the attached program. */
  readonly progId: number;
  detach(): void;
}

/** Attaches `prog` natively to `link` (in its namespace); throws if the kernel fell back to generic. */
export function attachXdp(link: NsLink, prog: BpfProgram): LiveAttachment {
  const { handle, id } = inNetns(link.ns, () => {
    const h = xdpAttachLink(link.ifindex, prog);
    try {
      return { handle: h, id: xdpQueryId(link.ifindex, 'native') };
    } catch (e) {
      h.destroy();
      throw e;
    }
  });
  try {
    if (id === 0)
      throw new Error(`${link.ns}/${link.name}: XDP attached in mode ${getLink(link.name, link.ns).xdpMode ?? 'none'}, wanted native`);
    return { link, program: prog.name, progId: id, detach: () => handle.destroy() };
  } catch (e) {
    handle.destroy();
    throw e;
  }
}

/** Detaches all, never throwing part-way: every attachment gets its chance. */
export function detachAll(attachments: readonly LiveAttachment[]): void {
  const errors: unknown[] = [];
  for (const a of attachments) {
    try {
      a.detach();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length) throw new AggregateError(errors, `${errors.length} XDP detach(es) failed`);
}

export const PASS_OBJECT = resolve(import.meta.dirname, '../../build/bpf/live_pass.o');

/** Loads the do-nothing program of bpf/live_pass.bpf.c (built by `make -C bpf`). */
export function loadPassProgram(path = PASS_OBJECT): { object: BpfObject; program: BpfProgram } {
  if (!existsSync(path)) throw new Error(`${path} is missing: build it with \`make -C bpf\``);
  const object = BpfObject.load(path, { label: 'live_pass' });
  return { object, program: object.program('live_pass') };
}

/**
 * Makes frames redirected by XDP deliverable: every veth that an XDP program redirects or
 * TXes *into* has its far end here — the pod side of each endpoint veth, the bridge side
 * of each host's underlay veth — and that far end only polls its ring when it has a native
 * XDP program. Attaches `pass` to all of them.
 */
export function attachPeerPass(topo: Topology, pass: BpfProgram): LiveAttachment[] {
  const out: LiveAttachment[] = [];
  try {
    for (const h of topo.hosts.values()) out.push(attachXdp(h.bridgePort, pass));
    for (const e of topo.endpoints.values()) out.push(attachXdp(e.pod, pass));
  } catch (e) {
    detachAll(out);
    throw e;
  }
  return out;
}
