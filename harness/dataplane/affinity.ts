// Pins the calling thread (the JS thread: it makes every bpf() call) to one CPU. XDP test
// runs execute on the CPU of the calling thread, and the per-CPU `verdict` record and
// `counters` are read back by slot: with the thread pinned, the slot is known and a run
// cannot land on one CPU while its record is read as if from another.
//
// sched_getaffinity/sched_setaffinity are not in harness/libbpf/native.ts; they are
// declared here with plain prototypes (no koffi named types, so no global type-name clash
// if this module is evaluated twice).
import koffi from 'koffi';

interface AffinityLib {
  sched_setaffinity(pid: number, size: number, mask: Uint8Array): number;
  sched_getaffinity(pid: number, size: number, mask: Uint8Array): number;
}

const KEY = Symbol.for('twinplane.harness.dataplane.affinity');
const MASK_BYTES = 128; // cpu_set_t: 1024 CPUs

function lib(): AffinityLib {
  const g = globalThis as unknown as Record<symbol, AffinityLib | undefined>;
  let l = g[KEY];
  if (l === undefined) {
    const libc = koffi.load('libc.so.6');
    l = {
      sched_setaffinity: libc.func('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)') as AffinityLib['sched_setaffinity'],
      sched_getaffinity: libc.func('int sched_getaffinity(int pid, size_t size, _Out_ uint8_t *mask)') as AffinityLib['sched_getaffinity'],
    };
    g[KEY] = l;
  }
  return l;
}

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
