// The kernel's BPF helpers as the programs use them, with the kernel's rules: moving the
// frame's head and tail, and tail calls through the object's program array (progs). The
// entry module (dataplane.ts) fills the program array, as the loader does in the kernel.

import { CONSTS } from './consts.ts';
import { HEADROOM, TAILROOM, type XdpCtx, allocBuffer } from './parse.ts';
import { type Run, TAIL_CALLED } from './verdict.ts';

/**
 * The kernel's MAX_TAIL_CALL_CNT (33 since Linux 5.17): a chain of tail calls may make 33
 * of them; the 34th fails as if the slot were empty. Not in consts.ts (the C does not
 * choose it), but the model must fail at the same call the kernel does.
 */
export const MAX_TAIL_CALL_CNT = 33;

/** A program as the model runs it: struct xdp_md and the record in, the XDP action out. */
export type XdpProg = (ctx: XdpCtx, v: Run) => number;

/** The object's program array: slot PROG_TRANSIT holds transit once dataplane.ts wires it. */
const progs: Array<XdpProg | undefined> = [];

export function prog_array_set(slot: number, prog: XdpProg): void {
  progs[slot] = prog;
}

/**
 * bpf_tail_call: runs progs[slot] on the same frame and record (it closes the record and the
 * run ends there), or returns -1 when the kernel would refuse the call (an empty slot, or
 * the 34th call of a chain) and the caller goes on, as in C.
 */
export function bpf_tail_call(ctx: XdpCtx, v: Run, slot: number): number {
  const prog = progs[slot];
  if (prog === undefined || v.tailCalls >= MAX_TAIL_CALL_CNT) return -1;
  v.tailCalls++;
  prog(ctx, v);
  return TAIL_CALLED;
}

/**
 * bpf_xdp_adjust_head: a negative delta grows the front, a positive one strips it. The
 * kernel refuses to leave less than an Ethernet header; the model never runs out of room in
 * front (a run grows a frame by at most 102 bytes of the 256 the kernel gives), and moves
 * the frame to a room of its own if it ever did. 0 on success, -1 when refused.
 */
export function bpf_xdp_adjust_head(ctx: XdpCtx, delta: number): number {
  const data = ctx.data + delta;
  if (data > ctx.data_end - CONSTS.ETH_HLEN) return -1;
  if (data < ctx.data_hard_start) moveTo(ctx, HEADROOM - delta, TAILROOM);
  ctx.data += delta;
  return 0;
}

/**
 * bpf_xdp_adjust_tail: a negative delta cuts the frame, a positive one grows it (new bytes
 * are zero). The kernel refuses to leave less than an Ethernet header. 0 or -1.
 */
export function bpf_xdp_adjust_tail(ctx: XdpCtx, delta: number): number {
  const end = ctx.data_end + delta;
  if (end < ctx.data + CONSTS.ETH_HLEN) return -1;
  if (end > ctx.frame_end) moveTo(ctx, HEADROOM, delta + TAILROOM);
  if (delta > 0) ctx.b.fill(0, ctx.data_end, ctx.data_end + delta);
  ctx.data_end += delta;
  return 0;
}

/** The frame into a fresh room with `front` bytes before it and `back` after it. */
function moveTo(ctx: XdpCtx, front: number, back: number): void {
  const len = ctx.data_end - ctx.data;
  const b = allocBuffer(front + len + back);
  b.set(ctx.b.subarray(ctx.data, ctx.data_end), front);
  ctx.b = b;
  ctx.data_hard_start = 0;
  ctx.data = front;
  ctx.data_end = front + len;
  ctx.frame_end = b.length;
}
