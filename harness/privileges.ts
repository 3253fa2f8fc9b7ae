// Whether this process can use BPF at all, decided by trying it (create and close a
// one-slot array map) rather than by guessing from uid: containers, LSMs and sysctls can
// all say no to root, and CAP_BPF can say yes to non-root.
import { readFileSync } from 'node:fs';

export interface BpfAvailability {
  ok: boolean;
  /** One line for people: what works, or exactly what is missing. */
  reason: string;
  uid: number;
  /** Effective capabilities that matter here, by name. */
  capabilities: { bpf: boolean; netAdmin: boolean; sysAdmin: boolean; perfmon: boolean };
  /** /proc/sys/kernel/unprivileged_bpf_disabled, when readable. */
  unprivilegedBpfDisabled?: number;
}

export const MODEL_ONLY_HINT = 'to run without BPF, run the model only: `npm run test:model` (sets TWINPLANE_MODEL_ONLY=1)';

// Bit numbers from linux/capability.h.
const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

function readSysctl(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}

let cached: BpfAvailability | undefined;

/** Probes once per process: loads libbpf and creates a tiny map through bpf(). */
export async function checkBpf(): Promise<BpfAvailability> {
  if (cached) return cached;
  const caps = effectiveCaps();
  const has = (bit: number): boolean => (caps & (1n << BigInt(bit))) !== 0n;
  const base = {
    uid: process.getuid?.() ?? -1,
    capabilities: { bpf: has(CAP_BPF), netAdmin: has(CAP_NET_ADMIN), sysAdmin: has(CAP_SYS_ADMIN), perfmon: has(CAP_PERFMON) },
    ...(readSysctl('/proc/sys/kernel/unprivileged_bpf_disabled') !== undefined
      ? { unprivilegedBpfDisabled: readSysctl('/proc/sys/kernel/unprivileged_bpf_disabled') }
      : {}),
  };
  let native: typeof import('./libbpf/native.ts');
  try {
    // Imported here so that a missing libbpf.so.1 becomes an answer, not a crash at import.
    native = await import('./libbpf/native.ts');
    native.libbpf();
  } catch (e) {
    cached = {
      ...base,
      ok: false,
      reason: `libbpf.so.1 cannot be loaded (${(e as Error).message}): install libbpf1 / libbpf-dev (bash scripts/setup.sh); ${MODEL_ONLY_HINT}`,
    };
    return cached;
  }
  const BPF_MAP_TYPE_ARRAY = 2;
  const fd = native.libbpf().bpf_map_create(BPF_MAP_TYPE_ARRAY, 'tp_probe', 4, 4, 1, null);
  if (fd >= 0) {
    native.libc().close(fd);
    cached = { ...base, ok: true, reason: 'bpf() works: maps can be created' };
    return cached;
  }
  const errno = -fd;
  let why: string;
  if (errno === 1 || errno === 13) {
    why =
      base.uid !== 0 && !base.capabilities.bpf
        ? `the bpf() syscall was refused (${errno === 1 ? 'EPERM' : 'EACCES'}): not root and no CAP_BPF; run as root (e.g. sudo npm test)`
        : `the bpf() syscall was refused (${errno === 1 ? 'EPERM' : 'EACCES'}) although uid=${base.uid}${base.capabilities.bpf ? ' with CAP_BPF' : ''}: a seccomp filter, LSM or container runtime blocks bpf(); run on a host or a privileged container`;
  } else if (errno === 38) {
    why = 'the kernel has no bpf() syscall (ENOSYS): CONFIG_BPF_SYSCALL is off';
  } else {
    why = `creating a probe map failed with errno ${errno}`;
  }
  cached = { ...base, ok: false, reason: `${why}; ${MODEL_ONLY_HINT}` };
  return cached;
}

export class BpfUnavailableError extends Error {
  override readonly name = 'BpfUnavailableError';
  readonly availability: BpfAvailability;
  constructor(a: BpfAvailability) {
    super(`BPF is not available in this process: ${a.reason}`);
    this.availability = a;
  }
}

/** Throws BpfUnavailableError (saying what is missing and how to run model-only) unless BPF works. */
export async function assertBpf(): Promise<void> {
  const a = await checkBpf();
  if (!a.ok) throw new BpfUnavailableError(a);
}
