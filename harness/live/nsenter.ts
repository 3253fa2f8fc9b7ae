// Doing something *inside* one of the run's namespaces from this process: setns() moves
// only the calling thread — the JS thread, which makes every bpf() and ioctl() call — into
// the namespace, runs the callback, and always moves it back. Needed because attaching XDP
// and ethtool ioctls resolve ifindexes and names in the calling thread's namespace.
// Sockets and BPF links made inside stay bound to that namespace after we return.
import koffi from 'koffi';
import { libc as nsLibc } from '../libbpf/native.ts';

const CLONE_NEWNET = 0x40000000;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

function errnoText(call: string): Error {
  const e = koffi.errno();
  return new Error(`${call} failed: errno ${e}`);
}

function openNs(path: string): number {
  const fd = nsLibc().open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw errnoText(`open(${path})`);
  return fd;
}

let depth = 0;

/**
 * Runs `fn` with this thread in network namespace `ns` (a name from `ip netns list`).
 * Synchronous on purpose: an `await` inside would let other code run in the wrong
 * namespace. Nested calls are refused for the same reason.
 */
export function inNetns<T>(ns: string, fn: () => T): T {
  if (depth > 0) throw new Error('inNetns: already inside a namespace (nesting is not supported)');
  if (!/^[A-Za-z0-9_.-]+$/.test(ns)) throw new Error(`inNetns: bad namespace name ${JSON.stringify(ns)}`);
  const lib = nsLibc();
  const home = openNs('/proc/thread-self/ns/net');
  try {
    const target = openNs(`/run/netns/${ns}`);
    try {
      if (lib.setns(target, CLONE_NEWNET) !== 0) throw errnoText(`setns(${ns})`);
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
