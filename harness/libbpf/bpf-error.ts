// One error type for everything that goes wrong in the kernel or in libbpf: it carries
// the errno (number and name), the call that failed and the object, map or program
// involved, and its message says what to do about it.
import { koffi } from './native.ts';

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(koffi.os.errno).map(([name, num]) => [num, name] as const));

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

export function errnoNumber(name: string): number {
  const n = (koffi.os.errno as Record<string, number>)[name];
  if (n === undefined) throw new Error(`unknown errno name ${name}`);
  return n;
}

/** What the failing call was about, named as a person would look for it. */
export interface BpfSubject {
  object?: string;
  map?: string;
  program?: string;
  ifindex?: number;
}

export interface BpfErrorInit extends BpfSubject {
  /** Positive errno (libbpf returns it negated; both are accepted). */
  errno: number;
  /** The C function that failed, e.g. `bpf_map_update_elem`. */
  call: string;
  /** What we were doing, in words; the errno and hint are appended. */
  detail?: string;
  /** Overrides the default hint for this errno. */
  hint?: string;
  /** The verifier's log for a failed program load. */
  verifierLog?: string;
  /** libbpf's own messages around the failure. */
  libbpfLog?: readonly string[];
}

// Generic advice per errno; calls refine it through `hint` where they know better.
const HINTS: Readonly<Record<string, string>> = {
  EPERM:
    'BPF needs root (or CAP_BPF with CAP_NET_ADMIN/CAP_PERFMON); run as root, or run the model only with `npm run test:model` (TWINPLANE_MODEL_ONLY=1)',
  EACCES: 'the verifier or an LSM refused this; see the verifier log',
  ENOENT: 'no such entry (key not in the map, or the object/file does not exist)',
  EEXIST: 'the key is already in the map and the update asked for NOEXIST',
  E2BIG: 'the map is full (hash maps do not evict) or the index is past max_entries',
  EINVAL: 'the kernel rejected an argument: check key/value sizes, flags and the program type',
  ENODEV: "no interface with that ifindex in this thread's network namespace (harness/netns.ts creates dummy interfaces)",
  ENOSPC: 'a buffer was too small for what the kernel wanted to write',
  EBUSY: 'another XDP program is attached there; detach it first or replace it explicitly',
  EOPNOTSUPP: 'the driver does not support this XDP mode; try generic (SKB) mode',
  EBADF: 'the file descriptor is closed or not a BPF object (was the object closed?)',
  ENOMEM: 'the kernel could not allocate memory (memory cgroup limit?)',
};

export class BpfError extends Error {
  override readonly name = 'BpfError';
  readonly errno: number;
  readonly code: string;
  readonly call: string;
  readonly object?: string;
  readonly map?: string;
  readonly program?: string;
  readonly ifindex?: number;
  readonly verifierLog?: string;
  readonly libbpfLog: readonly string[];

  constructor(init: BpfErrorInit) {
    const errno = Math.abs(init.errno);
    const code = errnoName(errno);
    const subject = [
      init.object !== undefined ? `object ${init.object}` : '',
      init.program !== undefined ? `program ${init.program}` : '',
      init.map !== undefined ? `map ${init.map}` : '',
      init.ifindex !== undefined ? `ifindex ${init.ifindex}` : '',
    ]
      .filter((s) => s !== '')
      .join(', ');
    const hint = init.hint ?? HINTS[code];
    let msg = `${init.call} failed with ${code} (${errno})`;
    if (subject) msg += ` [${subject}]`;
    if (init.detail) msg += `: ${init.detail}`;
    if (hint) msg += `. ${hint}`;
    if (init.verifierLog) msg += `\n--- verifier log (last lines) ---\n${tail(init.verifierLog, 40)}`;
    else if (init.libbpfLog && init.libbpfLog.length > 0) msg += `\n--- libbpf ---\n${init.libbpfLog.slice(-12).join('\n')}`;
    super(msg);
    this.errno = errno;
    this.code = code;
    this.call = init.call;
    if (init.object !== undefined) this.object = init.object;
    if (init.map !== undefined) this.map = init.map;
    if (init.program !== undefined) this.program = init.program;
    if (init.ifindex !== undefined) this.ifindex = init.ifindex;
    if (init.verifierLog !== undefined) this.verifierLog = init.verifierLog;
    this.libbpfLog = init.libbpfLog ?? [];
  }
}

function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
