// BPF_PROG_TEST_RUN for XDP, one frame per call. Repeat is always 1: with repeat > 1 the
// kernel reuses one buffer, so a program that rewrites the frame would see its own output
// (the repeat gotcha). Everything the syscall touches — the 80-byte opts struct, the
// input, output and xdp_md buffers — is allocated once per executor and filled in place:
// building a struct per call through koffi costs ~4× the syscall itself.
import { BpfError } from './libbpf/bpf-error.ts';
import { koffi, libbpf, type Ptr } from './libbpf/native.ts';

/** Kernel XDP verdicts by number. */
export const XDP_ACTIONS = ['ABORTED', 'DROP', 'PASS', 'TX', 'REDIRECT'] as const;
export type XdpAction = (typeof XDP_ACTIONS)[number];

export function actionName(retval: number): XdpAction | `UNKNOWN(${number})` {
  return XDP_ACTIONS[retval] ?? `UNKNOWN(${retval})`;
}

export interface RunOptions {
  /** ifindex the frame arrives on; must exist in this thread's network namespace. */
  ingressIfindex?: number;
  /** Receive queue; a dummy or veth interface has only queue 0. */
  rxQueue?: number;
}

export interface RunResult {
  retval: number;
  action: XdpAction | `UNKNOWN(${number})`;
  /** The frame as the program left it (a copy: the executor reuses its buffer). */
  output: Uint8Array;
  /** Kernel-measured run time of the program, ns. */
  durationNs: number;
}

/** Ethernet header: the kernel refuses shorter XDP test input with EINVAL. */
export const MIN_FRAME = 14;
/**
 * Largest frame accepted: the kernel's XDP test run puts the frame in one page after
 * 256 bytes of headroom and before the skb_shared_info tailroom (320 on x86-64), i.e.
 * 4096 - 256 - 320 = 3520. Longer input would need fragments, which we do not model.
 */
export const MAX_FRAME = 3520;
/** Room for growth: bpf_xdp_adjust_head can push at most the 256-byte headroom. */
export const OUTPUT_SLACK = 512;

// struct bpf_test_run_opts (libbpf 1.x): see the toolchain notes for the offsets.
const OPTS_SIZE = 80;
const O = {
  sz: 0,
  dataIn: 8,
  dataOut: 16,
  dataSizeIn: 24,
  dataSizeOut: 28,
  ctxIn: 32,
  ctxOut: 40,
  ctxSizeIn: 48,
  ctxSizeOut: 52,
  retval: 56,
  repeat: 60,
  duration: 64,
  flags: 68,
  cpu: 72,
  batchSize: 76,
} as const;
// struct xdp_md: data@0 data_end@4 data_meta@8 ingress_ifindex@12 rx_queue_index@16 egress_ifindex@20.
const XDP_MD_SIZE = 24;

export class TestRunExecutor {
  private readonly optsPtr: Ptr;
  private readonly inPtr: Ptr;
  private readonly outPtr: Ptr;
  private readonly ctxPtr: Ptr;
  private readonly opts: DataView;
  private readonly input: Uint8Array;
  private readonly out: Uint8Array;
  private readonly ctx: DataView;
  private freed = false;

  constructor() {
    this.optsPtr = koffi.alloc('uint8_t', OPTS_SIZE) as Ptr;
    this.inPtr = koffi.alloc('uint8_t', MAX_FRAME) as Ptr;
    this.outPtr = koffi.alloc('uint8_t', MAX_FRAME + OUTPUT_SLACK) as Ptr;
    this.ctxPtr = koffi.alloc('uint8_t', XDP_MD_SIZE) as Ptr;
    this.opts = new DataView(koffi.view(this.optsPtr, OPTS_SIZE));
    this.input = new Uint8Array(koffi.view(this.inPtr, MAX_FRAME));
    this.out = new Uint8Array(koffi.view(this.outPtr, MAX_FRAME + OUTPUT_SLACK));
    this.ctx = new DataView(koffi.view(this.ctxPtr, XDP_MD_SIZE));
    new Uint8Array(this.opts.buffer).fill(0);
    new Uint8Array(this.ctx.buffer).fill(0);
    this.opts.setBigUint64(O.sz, BigInt(OPTS_SIZE), true);
    this.opts.setBigUint64(O.dataIn, this.inPtr, true);
    this.opts.setBigUint64(O.dataOut, this.outPtr, true);
    this.opts.setUint32(O.repeat, 1, true);
  }

  /** Runs `progFd` once on `frame`; throws BpfError when the kernel refuses the run. */
  run(progFd: number, frame: Uint8Array, opts?: RunOptions): RunResult {
    const r = this.runInPlace(progFd, frame, opts);
    return { retval: r.retval, action: actionName(r.retval), output: this.out.slice(0, r.outLen), durationNs: r.durationNs };
  }

  /**
   * The same run without copying the output: `view` is the executor's own buffer and
   * is overwritten by the next run. For benchmarks and callers that consume at once.
   */
  runInPlace(
    progFd: number,
    frame: Uint8Array,
    opts?: RunOptions,
  ): { retval: number; outLen: number; durationNs: number; view: Uint8Array } {
    if (this.freed) throw new Error('TestRunExecutor: used after free()');
    const len = frame.byteLength;
    if (len < MIN_FRAME || len > MAX_FRAME) {
      throw new BpfError({
        errno: 22,
        call: 'bpf_prog_test_run_opts',
        detail: `frame of ${len} bytes`,
        hint:
          len < MIN_FRAME
            ? `the kernel's XDP test run needs at least ${MIN_FRAME} bytes (an Ethernet header)`
            : `XDP test runs take at most ${MAX_FRAME} bytes of linear data (one page minus head- and tailroom)`,
      });
    }
    const o = this.opts;
    this.input.set(frame);
    o.setUint32(O.dataSizeIn, len, true);
    o.setUint32(O.dataSizeOut, len + OUTPUT_SLACK, true);
    o.setUint32(O.retval, 0, true);
    o.setUint32(O.duration, 0, true);
    const withCtx = opts !== undefined && (opts.ingressIfindex !== undefined || opts.rxQueue !== undefined);
    if (withCtx) {
      // The kernel insists data = 0 (no metadata) and data_end = the input size.
      this.ctx.setUint32(4, len, true);
      this.ctx.setUint32(12, opts.ingressIfindex ?? 1, true);
      this.ctx.setUint32(16, opts.rxQueue ?? 0, true);
      o.setBigUint64(O.ctxIn, this.ctxPtr, true);
      o.setUint32(O.ctxSizeIn, XDP_MD_SIZE, true);
    } else {
      // Without ctx_in the kernel uses the namespace's loopback device, queue 0.
      o.setBigUint64(O.ctxIn, 0n, true);
      o.setUint32(O.ctxSizeIn, 0, true);
    }
    const rc = libbpf().bpf_prog_test_run_opts(progFd, this.optsPtr);
    if (rc < 0) throw runError(rc, progFd, len, opts);
    return {
      retval: o.getUint32(O.retval, true),
      outLen: o.getUint32(O.dataSizeOut, true),
      durationNs: o.getUint32(O.duration, true),
      view: this.out,
    };
  }

  /** Releases the native buffers; the executor cannot run afterwards. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const p of [this.optsPtr, this.inPtr, this.outPtr, this.ctxPtr]) koffi.free(p);
  }
}

function runError(rc: number, progFd: number, len: number, opts?: RunOptions): BpfError {
  const errno = -rc;
  const where = opts?.ingressIfindex !== undefined ? { ifindex: opts.ingressIfindex } : {};
  let hint: string | undefined;
  if (errno === 19) {
    hint = `ifindex ${opts?.ingressIfindex} does not exist in this thread's network namespace: create it with harness/netns.ts (enterPrivateNetns + addDummy) or leave ingressIfindex unset for loopback`;
  } else if (errno === 22 && opts?.rxQueue) {
    hint = `rx queue ${opts.rxQueue} is past the interface's receive queues (dummy and veth devices have only queue 0)`;
  } else if (errno === 28) {
    hint = `the program grew the frame by more than ${OUTPUT_SLACK} bytes`;
  } else if (errno === 9) {
    hint = `fd ${progFd} is not an open program (was its object closed?)`;
  }
  return new BpfError({
    errno,
    call: 'bpf_prog_test_run_opts',
    ...where,
    detail: `program fd ${progFd}, ${len}-byte frame`,
    ...(hint !== undefined ? { hint } : {}),
  });
}

let shared: TestRunExecutor | undefined;
/** One process-wide executor for callers that do not need their own. */
export function defaultExecutor(): TestRunExecutor {
  shared ??= new TestRunExecutor();
  return shared;
}

/** Runs a frame through `progFd` with the process-wide executor. */
export function run(progFd: number, frame: Uint8Array, opts?: RunOptions): RunResult {
  return defaultExecutor().run(progFd, frame, opts);
}
