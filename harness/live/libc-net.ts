// The few libc calls live mode makes itself, through koffi: sockets made *inside* a pod's
// namespace (socket/bind/listen/connect while inNetns holds the thread there, then handed to
// Node by fd, since Node would create its own sockets later, in whatever namespace the
// thread is in by then), if_nametoindex (an interface's index without running `ip`), and
// dup/dup2 to keep libpcap's warnings off our stderr. Only
// function prototypes are declared (no named koffi types), so loading this next to the
// libbpf binding cannot collide with its type names.
import koffi from 'koffi';

export interface LibcNet {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  listen(fd: number, backlog: number): number;
  connect(fd: number, addr: Uint8Array, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  close(fd: number): number;
  open(path: string, flags: number): number;
  dup(fd: number): number;
  dup2(fd: number, fd2: number): number;
  if_nametoindex(name: string): number;
}

const PROTOS: Record<keyof LibcNet, string> = {
  socket: 'int socket(int domain, int type, int protocol)',
  bind: 'int bind(int fd, const uint8_t *addr, uint32_t len)',
  listen: 'int listen(int fd, int backlog)',
  connect: 'int connect(int fd, const uint8_t *addr, uint32_t len)',
  setsockopt: 'int setsockopt(int fd, int level, int name, const uint8_t *value, uint32_t len)',
  close: 'int close(int fd)',
  open: 'int open(const char *path, int flags)',
  dup: 'int dup(int fd)',
  dup2: 'int dup2(int fd, int fd2)',
  if_nametoindex: 'unsigned int if_nametoindex(const char *name)',
};

let lib: LibcNet | undefined;

export function libcNet(): LibcNet {
  if (lib) return lib;
  const so = koffi.load('libc.so.6');
  const out = {} as Record<string, unknown>;
  for (const [name, proto] of Object.entries(PROTOS)) out[name] = so.func(proto);
  lib = out as unknown as LibcNet;
  return lib;
}

export const AF_INET = 2;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_SNDTIMEO = 21;
export const IPPROTO_TCP = 6;
export const TCP_NODELAY = 1;

export function errno(): number {
  return koffi.errno();
}

/** struct sockaddr_in for `ip` (dotted quad) and `port`. */
export function sockaddrIn(ip: string, port: number): Uint8Array {
  const a = new Uint8Array(16);
  const v = new DataView(a.buffer);
  v.setUint16(0, AF_INET, true);
  v.setUint16(2, port, false);
  ip.split('.').forEach((p, i) => (a[4 + i] = Number(p)));
  return a;
}

/** A 4-byte int option value. */
export function intOpt(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

/** struct timeval for SO_SNDTIMEO (which also bounds a blocking connect()). */
export function timeval(ms: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
  v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
  return b;
}

/**
 * Runs `fn` with file descriptor 2 pointed at /dev/null. libpcap prints a warning to
 * stderr from pcap_lookupnet for every interface without an IPv4 address (pod host-side
 * veths, bridge ports: most of ours); it means nothing here (the address only feeds the
 * filter compiler's `net` keyword, which we never use).
 */
export function withoutStderr<T>(fn: () => T): T {
  const c = libcNet();
  const saved = c.dup(2);
  const nul = c.open('/dev/null', 1 /* O_WRONLY */);
  if (saved < 0 || nul < 0) {
    if (saved >= 0) c.close(saved);
    if (nul >= 0) c.close(nul);
    return fn();
  }
  c.dup2(nul, 2);
  c.close(nul);
  try {
    return fn();
  } finally {
    c.dup2(saved, 2);
    c.close(saved);
  }
}
