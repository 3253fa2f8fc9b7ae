// Pins the calling thread (the JS thread: it makes every bpf() call) to one CPU. XDP test
// runs execute on the CPU of the calling thread, and the per-CPU `verdict` record and
// `counters` are read back by slot: with the thread pinned, the slot is known and a run
// cannot land on one CPU while its record is read as if from another.
import koffi from 'koffi';
import { libc as lib } from '../libbpf/native.ts';

const MASK_BYTES = 128; // cpu_set_t: 1024 CPUs

/** CPUs this thread may run on now. */
export function allowedCpus(): number[] {
  const mask = new Uint8Array(MASK_BYTES);
  if (lib().sched_getaffinity(0, MASK_BYTES, mask) !== 0) throw new Error(`sched_getaffinity failed (errno ${koffi.errno()})`);
  const out: number[] = [];
  for (let i = 0; i < MASK_BYTES * 8; i++) if (mask[i >> 3] & (1 << (i & 7))) out.push(i);
  return out;
}

let pinned: number | undefined;
/** The CPU this thread is pinned to, if pinCurrentThread was called. */
export function pinnedCpu(): number | undefined {
  return pinned;
}

/**
 * Pins the calling thread to one CPU and returns it. Without an explicit CPU, parallel test
 * workers spread over the allowed CPUs (VITEST_POOL_ID), so two workers do not share one.
 * Idempotent: a second call returns the CPU chosen first.
 */
export function pinCurrentThread(cpu?: number): number {
  if (pinned !== undefined && (cpu === undefined || cpu === pinned)) return pinned;
  const allowed = allowedCpus();
  const pool = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0);
  const chosen = cpu ?? allowed[(Number.isFinite(pool) ? pool : 0) % allowed.length];
  const mask = new Uint8Array(MASK_BYTES);
  mask[chosen >> 3] |= 1 << (chosen & 7);
  if (lib().sched_setaffinity(0, MASK_BYTES, mask) !== 0) {
    throw new Error(`sched_setaffinity(cpu ${chosen}) failed (errno ${koffi.errno()})`);
  }
  pinned = chosen;
  return chosen;
}
