// Network namespaces for this process's JS thread, the one file that says CLONE_NEWNET.
// Two uses: a private, throw-away namespace for XDP test runs that need real ifindexes
// (unshare, once per process), and short visits to a live run's named namespaces (setns
// there and back) for calls that resolve interfaces in the caller's namespace.
//
// The private namespace:
// The kernel checks ctx_in.ingress_ifindex against the *calling thread's* network
// namespace (ENODEV otherwise). unshare(CLONE_NEWNET) moves only the calling thread — the
// JS thread, which is the one making every bpf() call — into a fresh namespace that holds
// only `lo` (ifindex 1). Children spawned from this thread afterwards (`ip link add ...`)
// inherit it, so dummy interfaces land there (a bridge where the kernel has no dummy). Nothing touches the root namespace, and
// nothing needs cleaning up: the namespace dies with the process.
import koffi from 'koffi';
import { libc, lastErrno } from './libbpf/native.ts';
import { BpfError } from './libbpf/bpf-error.ts';
import { ip as ipCommand } from './ip.ts';

/** In a fresh namespace the loopback device is always ifindex 1. */
export const LOOPBACK_IFINDEX = 1;

const CLONE_NEWNET = 0x40000000;
let entered = false;

export function inPrivateNetns(): boolean {
  return entered;
}

/** Moves this thread into a new, empty network namespace (once per process) and brings lo up. */
export function enterPrivateNetns(): void {
  if (entered) return;
  const rc = libc().unshare(CLONE_NEWNET);
  if (rc !== 0) {
    throw new BpfError({
      errno: lastErrno() || 1,
      call: 'unshare(CLONE_NEWNET)',
      hint: 'a private network namespace needs CAP_SYS_ADMIN (run as root)',
    });
  }
  entered = true;
  ipCommand(['link', 'set', 'lo', 'up']);
}

export interface Iface {
  readonly name: string;
  readonly ifindex: number;
  /** Link kind used (dummy where the kernel has it). */
  readonly kind?: string;
}

// Device kinds that stand alone (no peer to place) and have one receive queue. Kernels
// built without CONFIG_DUMMY exist (this project's CI VMs among them: "Unknown device
// type"), so a bridge — no ports, never forwards anything — and then ifb stand in.
const SINGLE_DEVICE_KINDS = ['dummy', 'bridge', 'ifb'] as const;
let workingKind: string | undefined;

/**
 * Creates a stand-alone interface `tpd<ifindex>` (dummy, else bridge, else ifb) with exactly that ifindex (up). Only inside the
 * private namespace: adding interfaces to the host's namespace from a test is a mistake.
 * Idempotent: an interface already there with that name and index is returned as is.
 */
export function addDummy(ifindex: number, name = `tpd${ifindex}`): Iface {
  if (!entered) throw new Error('addDummy: call enterPrivateNetns() first (dummies belong in the private namespace)');
  if (!Number.isInteger(ifindex) || ifindex < 2) throw new RangeError(`ifindex ${ifindex}: 1 is lo, use 2 or more`);
  const have = links().find((l) => l.ifindex === ifindex);
  if (have) {
    if (have.name === name) return have;
    throw new Error(`ifindex ${ifindex} is already taken by ${have.name}`);
  }
  let lastError: Error | undefined;
  for (const kind of workingKind ? [workingKind] : SINGLE_DEVICE_KINDS) {
    try {
      ipCommand(['link', 'add', 'name', name, 'index', String(ifindex), 'type', kind]);
      workingKind = kind;
      ipCommand(['link', 'set', name, 'up']);
      return { name, ifindex, kind };
    } catch (e) {
      lastError = e as Error;
    }
  }
  throw new Error(`cannot create an interface with ifindex ${ifindex} (tried ${SINGLE_DEVICE_KINDS.join(', ')}): ${lastError?.message}`);
}

/** Enters the private namespace if needed and makes sure every ifindex exists there. */
export function ensureIfindexes(ifindexes: readonly number[]): Iface[] {
  enterPrivateNetns();
  return ifindexes.map((i) => (i === LOOPBACK_IFINDEX ? { name: 'lo', ifindex: 1 } : addDummy(i)));
}

/** Interfaces of this thread's namespace, as `ip` sees them. */
export function links(): Iface[] {
  const out = ipCommand(['-j', 'link', 'show']);
  const parsed = JSON.parse(out) as Array<{ ifindex: number; ifname: string }>;
  return parsed.map((l) => ({ name: l.ifname, ifindex: l.ifindex }));
}

const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

function openNs(path: string): number {
  const fd = libc().open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw new Error(`open(${path}) failed: errno ${koffi.errno()}`);
  return fd;
}

let depth = 0;

/**
 * Runs `fn` with this thread in network namespace `ns` (a name from `ip netns list`) and
 * always moves it back: setns() moves only the calling thread, the JS thread, which makes
 * every bpf(), ioctl() and socket() call. Sockets, pcap handles and BPF links made inside
 * stay bound to that namespace after we return. Synchronous on purpose: an `await` inside
 * would let other code run in the wrong namespace. Nested calls are refused for the same
 * reason.
 */
export function inNetns<T>(ns: string, fn: () => T): T {
  if (depth > 0) throw new Error('inNetns: already inside a namespace (nesting is not supported)');
  if (!/^[A-Za-z0-9_.-]+$/.test(ns)) throw new Error(`inNetns: bad namespace name ${JSON.stringify(ns)}`);
  const lib = libc();
  const home = openNs('/proc/thread-self/ns/net');
  try {
    const target = openNs(`/run/netns/${ns}`);
    try {
      if (lib.setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns(${ns}) failed: errno ${koffi.errno()}`);
    } finally {
      lib.close(target);
    }
    depth++;
    try {
      return fn();
    } finally {
      depth--;
      // Failing to go home would leave every later call in the wrong namespace: that is fatal.
      if (lib.setns(home, CLONE_NEWNET) !== 0) {
        process.stderr.write(`twinplane: cannot return to the original network namespace (errno ${koffi.errno()}); exiting\n`);
        process.exit(70);
      }
    }
  } finally {
    lib.close(home);
  }
}
