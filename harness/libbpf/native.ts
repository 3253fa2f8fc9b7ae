// The one koffi declaration of libbpf.so.1 (and the few libc calls the harness needs).
// koffi type names are global to the process, so declaring them twice throws "Duplicate
// type name": the declarations live on globalThis under a registered symbol and survive a
// second evaluation of this module (test runners and tsx can load a module twice).
import koffi, { type LibraryHandle } from 'koffi';

/** A C pointer as koffi 3 hands it out: a BigInt address (null for NULL). */
export type Ptr = bigint;
/** Anything koffi accepts for a `void *` argument: a typed array is passed in place. */
export type Mem = Uint8Array | Ptr | null;

export interface Libbpf {
  libbpf_set_print(fn: Ptr | null): Ptr | null;
  libbpf_num_possible_cpus(): number;

  bpf_object__open_file(path: string, opts: null): Ptr | null;
  bpf_object__load(obj: Ptr): number;
  bpf_object__close(obj: Ptr): void;
  bpf_object__name(obj: Ptr): string;
  bpf_object__btf(obj: Ptr): Ptr | null;
  bpf_object__find_program_by_name(obj: Ptr, name: string): Ptr | null;
  bpf_object__next_program(obj: Ptr, prev: Ptr | null): Ptr | null;
  bpf_object__find_map_by_name(obj: Ptr, name: string): Ptr | null;
  bpf_object__next_map(obj: Ptr, prev: Ptr | null): Ptr | null;

  bpf_program__name(prog: Ptr): string;
  bpf_program__section_name(prog: Ptr): string;
  bpf_program__fd(prog: Ptr): number;
  bpf_program__set_log_buf(prog: Ptr, buf: Ptr, size: number): number;
  bpf_program__set_log_level(prog: Ptr, level: number): number;
  bpf_program__set_autoload(prog: Ptr, autoload: boolean): number;
  bpf_program__attach_xdp(prog: Ptr, ifindex: number): Ptr | null;
  bpf_link__destroy(link: Ptr): number;

  bpf_map__name(map: Ptr): string;
  bpf_map__fd(map: Ptr): number;
  bpf_map__type(map: Ptr): number;
  bpf_map__key_size(map: Ptr): number;
  bpf_map__value_size(map: Ptr): number;
  bpf_map__max_entries(map: Ptr): number;
  bpf_map__map_flags(map: Ptr): number;
  bpf_map__set_max_entries(map: Ptr, n: number): number;
  bpf_map__reuse_fd(map: Ptr, fd: number): number;

  bpf_map_create(type: number, name: string | null, keySize: number, valueSize: number, maxEntries: number, opts: null): number;
  bpf_map_lookup_elem(fd: number, key: Mem, value: Mem): number;
  bpf_map_update_elem(fd: number, key: Mem, value: Mem, flags: number): number;
  bpf_map_delete_elem(fd: number, key: Mem): number;
  bpf_map_get_next_key(fd: number, key: Mem, next: Mem): number;
  bpf_map_lookup_and_delete_elem(fd: number, key: Mem, value: Mem): number;
  bpf_map_lookup_batch(fd: number, inBatch: Mem, outBatch: Mem, keys: Mem, values: Mem, count: Uint32Array, opts: null): number;
  bpf_map_lookup_and_delete_batch(fd: number, inBatch: Mem, outBatch: Mem, keys: Mem, values: Mem, count: Uint32Array, opts: null): number;
  bpf_obj_get_info_by_fd(fd: number, info: Mem, len: Uint32Array): number;

  bpf_prog_test_run_opts(fd: number, opts: Ptr): number;
  bpf_xdp_attach(ifindex: number, progFd: number, flags: number, opts: null): number;
  bpf_xdp_detach(ifindex: number, flags: number, opts: null): number;
  bpf_xdp_query_id(ifindex: number, flags: number, id: Uint32Array): number;

  btf__parse(path: string, ext: null): Ptr | null;
  btf__free(btf: Ptr): void;
  btf__type_cnt(btf: Ptr): number;
  btf__find_by_name_kind(btf: Ptr, name: string, kind: number): number;
  btf__type_by_id(btf: Ptr, id: number): Ptr | null;
  btf__name_by_offset(btf: Ptr, off: number): string | null;
}

export interface Libc {
  close(fd: number): number;
  open(path: string, flags: number): number;
  unshare(flags: number): number;
  setns(fd: number, nstype: number): number;
  socket(domain: number, type: number, protocol: number): number;
  ioctl(fd: number, request: number, ...args: unknown[]): number;
  sched_setaffinity(pid: number, size: number, mask: Uint8Array): number;
  sched_getaffinity(pid: number, size: number, mask: Uint8Array): number;
  vsnprintf(buf: Uint8Array, n: number, fmt: Ptr, ap: Ptr): number;
  if_indextoname(ifindex: number, name: Uint8Array): Ptr | null;
  mmap(addr: Ptr | null, length: number, prot: number, flags: number, fd: number, offset: number): Ptr;
  munmap(addr: Ptr, length: number): number;
  pthread_sigmask(how: number, set: Uint8Array | null, old: Uint8Array | null): number;
}

interface Native {
  libbpf: Libbpf;
  libc: Libc;
  /** libbpf's own messages (warnings and errors), newest last, for error reports. */
  messages: string[];
}

const KEY = Symbol.for('twinplane.harness.libbpf.native');
const MAX_MESSAGES = 64;
const LIBBPF_INFO = 1;

// Prototype strings, one per function: `struct` types are opaque, so every handle is void *.
const LIBBPF_PROTOS = [
  'void *libbpf_set_print(void *fn)',
  'int libbpf_num_possible_cpus(void)',
  'void *bpf_object__open_file(const char *path, const void *opts)',
  'int bpf_object__load(void *obj)',
  'void bpf_object__close(void *obj)',
  'const char *bpf_object__name(void *obj)',
  'void *bpf_object__btf(void *obj)',
  'void *bpf_object__find_program_by_name(void *obj, const char *name)',
  'void *bpf_object__next_program(void *obj, void *prev)',
  'void *bpf_object__find_map_by_name(void *obj, const char *name)',
  'void *bpf_object__next_map(void *obj, void *prev)',
  'const char *bpf_program__name(void *prog)',
  'const char *bpf_program__section_name(void *prog)',
  'int bpf_program__fd(void *prog)',
  'int bpf_program__set_log_buf(void *prog, void *buf, size_t size)',
  'int bpf_program__set_log_level(void *prog, uint32_t level)',
  'int bpf_program__set_autoload(void *prog, bool autoload)',
  'void *bpf_program__attach_xdp(void *prog, int ifindex)',
  'int bpf_link__destroy(void *link)',
  'const char *bpf_map__name(void *map)',
  'int bpf_map__fd(void *map)',
  'uint32_t bpf_map__type(void *map)',
  'uint32_t bpf_map__key_size(void *map)',
  'uint32_t bpf_map__value_size(void *map)',
  'uint32_t bpf_map__max_entries(void *map)',
  'uint32_t bpf_map__map_flags(void *map)',
  'int bpf_map__set_max_entries(void *map, uint32_t n)',
  'int bpf_map__reuse_fd(void *map, int fd)',
  'int bpf_map_create(int type, const char *name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, const void *opts)',
  'int bpf_map_lookup_elem(int fd, const void *key, void *value)',
  'int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)',
  'int bpf_map_delete_elem(int fd, const void *key)',
  'int bpf_map_get_next_key(int fd, const void *key, void *next_key)',
  'int bpf_map_lookup_and_delete_elem(int fd, const void *key, void *value)',
  'int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, const void *opts)',
  'int bpf_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, const void *opts)',
  'int bpf_obj_get_info_by_fd(int fd, void *info, _Inout_ uint32_t *info_len)',
  'int bpf_prog_test_run_opts(int fd, void *opts)',
  'int bpf_xdp_attach(int ifindex, int prog_fd, uint32_t flags, const void *opts)',
  'int bpf_xdp_detach(int ifindex, uint32_t flags, const void *opts)',
  'int bpf_xdp_query_id(int ifindex, int flags, _Out_ uint32_t *prog_id)',
  'void *btf__parse(const char *path, void *btf_ext)',
  'void btf__free(void *btf)',
  'uint32_t btf__type_cnt(void *btf)',
  'int btf__find_by_name_kind(void *btf, const char *name, uint32_t kind)',
  'void *btf__type_by_id(void *btf, uint32_t id)',
  'const char *btf__name_by_offset(void *btf, uint32_t offset)',
];

const LIBC_PROTOS = [
  'int close(int fd)',
  'int open(const char *path, int flags)',
  'int unshare(int flags)',
  'int setns(int fd, int nstype)',
  'int socket(int domain, int type, int protocol)',
  'int ioctl(int fd, unsigned long request, ...)',
  'int sched_setaffinity(int pid, size_t size, const uint8_t *mask)',
  'int sched_getaffinity(int pid, size_t size, _Out_ uint8_t *mask)',
  'int vsnprintf(_Out_ uint8_t *buf, size_t n, void *fmt, void *ap)',
  'void *if_indextoname(uint32_t ifindex, _Out_ uint8_t *name)',
  'void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)',
  'int munmap(void *addr, size_t length)',
  'int pthread_sigmask(int how, const void *set, void *oldset)',
];

function declare<T>(lib: LibraryHandle, protos: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const p of protos) {
    const fn = lib.func(p);
    out[fn.info.name] = fn;
  }
  return out as T;
}

function create(): Native {
  const libbpf = declare<Libbpf>(koffi.load('libbpf.so.1'), LIBBPF_PROTOS);
  const libc = declare<Libc>(koffi.load('libc.so.6'), LIBC_PROTOS);
  const messages: string[] = [];
  // libbpf prints through a printf-style callback taking a va_list. On the x86-64 and
  // arm64 ABIs a va_list argument travels as a pointer, so the callback can hand it to
  // vsnprintf unchanged. Messages go to memory, not stderr: they end up in BpfError text.
  const text = new Uint8Array(2048);
  const printFn = koffi.proto('int twinplane_libbpf_print(int level, void *fmt, void *ap)');
  const cb = koffi.register((level: number, fmt: Ptr, ap: Ptr): number => {
    // Debug lines (level 2) are one per relocation: too many to be worth formatting.
    if (level > LIBBPF_INFO) return 0;
    const n = libc.vsnprintf(text, text.length, fmt, ap);
    const line = Buffer.from(text.subarray(0, Math.max(0, Math.min(n, text.length - 1))))
      .toString('utf8')
      .trimEnd();
    messages.push(line);
    if (messages.length > MAX_MESSAGES) messages.shift();
    return 0;
  }, koffi.pointer(printFn));
  libbpf.libbpf_set_print(cb);
  return { libbpf, libc, messages };
}

function native(): Native {
  const g = globalThis as unknown as Record<symbol, Native | undefined>;
  let n = g[KEY];
  if (!n) {
    n = create();
    g[KEY] = n;
  }
  return n;
}

/** The libbpf binding; loads libbpf.so.1 on first use (throws if it is not installed). */
export function libbpf(): Libbpf {
  return native().libbpf;
}

export function libc(): Libc {
  return native().libc;
}

/** Drops libbpf's buffered messages: call before an operation whose messages you want. */
export function clearLibbpfMessages(): void {
  native().messages.length = 0;
}

/** libbpf's messages since the last clear (its own wording, "libbpf: " prefix kept). */
export function libbpfMessages(): readonly string[] {
  return native().messages.slice();
}

// glibc's sigset_t: 1024 bits, signal n at bit n - 1. The numbers are Linux's on x86-64 and
// arm64 (the machines this runs on).
const SIGSET_BYTES = 128;
const SIG_BLOCK = 0;
const SIG_SETMASK = 2;
const SIGPROF = 27;

/**
 * Runs `fn` with SIGPROF held back from this thread, then lets it through. The verifier gives
 * up on a load with EAGAIN whenever a signal is pending, and a sampling profiler (`node
 * --cpu-prof`) signals the thread every millisecond, less than one verification of our
 * programs takes: libbpf's retries all failed, and nothing that loads could be profiled. A
 * signal held back stays pending and arrives when `fn` returns (the profiler loses the
 * samples in between, nothing else).
 */
export function withSigprofHeld<T>(fn: () => T): T {
  const c = native().libc;
  const set = new Uint8Array(SIGSET_BYTES);
  set[(SIGPROF - 1) >> 3] |= 1 << ((SIGPROF - 1) & 7);
  const old = new Uint8Array(SIGSET_BYTES);
  if (c.pthread_sigmask(SIG_BLOCK, set, old) !== 0) return fn();
  try {
    return fn();
  } finally {
    c.pthread_sigmask(SIG_SETMASK, old, null);
  }
}

/** The thread's errno after a call that reported failure through NULL or -1. */
export function lastErrno(): number {
  return koffi.errno();
}

export { koffi };
