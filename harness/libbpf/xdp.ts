// Attaching XDP programs to interfaces for live mode. Two ways: by flags on the
// interface (stays until detached, survives the process), or as a link (goes away when
// the link is destroyed or the process exits: a crashed run leaves nothing behind).
import { BpfError } from './bpf-error.ts';
import { lastErrno, libbpf, libc } from './native.ts';
import type { BpfProgram } from './object.ts';

/** XDP attach modes: generic runs in the stack (any device), native in the driver. */
export type XdpMode = 'generic' | 'native' | 'offload' | 'auto';

// XDP_FLAGS_* from linux/if_link.h.
const XDP_FLAGS_UPDATE_IF_NOEXIST = 1 << 0;
const MODE_FLAGS: Readonly<Record<XdpMode, number>> = {
  auto: 0,
  generic: 1 << 1, // XDP_FLAGS_SKB_MODE
  native: 1 << 2, // XDP_FLAGS_DRV_MODE
  offload: 1 << 3, // XDP_FLAGS_HW_MODE
};

export interface AttachOptions {
  mode?: XdpMode;
  /** Fail with EBUSY instead of replacing a program already attached. */
  noReplace?: boolean;
}

function flagsOf(opts: AttachOptions): number {
  return MODE_FLAGS[opts.mode ?? 'auto'] | (opts.noReplace ? XDP_FLAGS_UPDATE_IF_NOEXIST : 0);
}

/** Attaches by interface flags; it stays until xdpDetach (or the interface goes away). */
export function xdpAttach(ifindex: number, prog: BpfProgram, opts: AttachOptions = {}): void {
  const rc = libbpf().bpf_xdp_attach(ifindex, prog.fd, flagsOf(opts), null);
  if (rc < 0) {
    throw new BpfError({ errno: rc, call: 'bpf_xdp_attach', program: prog.name, ifindex, detail: `mode ${opts.mode ?? 'auto'}` });
  }
}

export function xdpDetach(ifindex: number, opts: Pick<AttachOptions, 'mode'> = {}): void {
  const rc = libbpf().bpf_xdp_detach(ifindex, MODE_FLAGS[opts.mode ?? 'auto'], null);
  if (rc < 0) throw new BpfError({ errno: rc, call: 'bpf_xdp_detach', ifindex, detail: `mode ${opts.mode ?? 'auto'}` });
}

/** Kernel id of the XDP program attached in `mode` (0 when none). */
export function xdpQueryId(ifindex: number, mode: XdpMode = 'auto'): number {
  const id = new Uint32Array(1);
  const rc = libbpf().bpf_xdp_query_id(ifindex, MODE_FLAGS[mode], id);
  if (rc < 0) throw new BpfError({ errno: rc, call: 'bpf_xdp_query_id', ifindex });
  return id[0];
}

export interface XdpLink {
  readonly ifindex: number;
  readonly program: string;
  /** Detaches; safe to call twice. */
  destroy(): void;
}

/** Attaches as a BPF link (native if the driver can, generic otherwise). */
export function xdpAttachLink(ifindex: number, prog: BpfProgram): XdpLink {
  const link = libbpf().bpf_program__attach_xdp(prog.handle, ifindex);
  if (!link) {
    const errno = lastErrno() || 22;
    // The kernel's link_create answers a missing interface with EINVAL, not ENODEV;
    // say which it was, so the error matches the flag-based attach.
    if (errno === 22 && !ifindexExists(ifindex)) {
      throw new BpfError({
        errno: 19,
        call: 'bpf_program__attach_xdp',
        program: prog.name,
        ifindex,
        detail: 'the kernel answered EINVAL: there is no such interface',
      });
    }
    throw new BpfError({ errno, call: 'bpf_program__attach_xdp', program: prog.name, ifindex });
  }
  let live = true;
  return {
    ifindex,
    program: prog.name,
    destroy(): void {
      if (!live) return;
      live = false;
      libbpf().bpf_link__destroy(link);
    },
  };
}

/** Whether `ifindex` names an interface in this thread's network namespace. */
export function ifindexExists(ifindex: number): boolean {
  const name = new Uint8Array(16); // IF_NAMESIZE
  return libc().if_indextoname(ifindex, name) !== null;
}
