// A BPF object file opened and loaded through libbpf: programs and maps by name, the
// verifier's own words when a program is rejected, and close. Each BpfObject.open() gets
// its own maps (libbpf creates them at load time; nothing here pins), so one object file
// can be loaded once per simulated host.
import { basename } from 'node:path';
import { BpfError, errnoNumber } from './bpf-error.ts';
import { BpfMap, MAP_TYPES } from './map.ts';
import { clearLibbpfMessages, koffi, lastErrno, libbpf, libbpfMessages, type Ptr, withSigprofHeld } from './native.ts';

export interface OpenOptions {
  /** Label used in messages (e.g. the simulated host): defaults to the file name. */
  label?: string;
  /** Bytes of verifier log kept per program when a load fails (default 1 MiB). */
  logSize?: number;
  /**
   * Verifier log level for every program (default 0). At 0 the kernel logs nothing on
   * success and libbpf retries a failed load at level 1 into our buffer, so failures
   * still carry the verifier's text. Level 1 or 2 logs every load; beware that on
   * kernels ≥ 6.4 a log that overflows its buffer fails even a good program (ENOSPC).
   */
  logLevel?: number;
  /** max_entries overrides by map name, applied before load. */
  maxEntries?: Readonly<Record<string, number>>;
  /**
   * Maps of another loaded object to use instead of creating these (by name -> that map's
   * fd, which libbpf duplicates): a harness program then reads an instance's own maps.
   */
  reuseMaps?: Readonly<Record<string, number>>;
  /** Programs to leave unloaded (e.g. ones a kernel cannot verify). */
  skipPrograms?: readonly string[];
}

export interface BpfProgram {
  readonly name: string;
  readonly section: string;
  readonly fd: number;
  /** libbpf's handle, for calls that take a program (attach). */
  readonly handle: Ptr;
}

const DEFAULT_LOG_SIZE = 1 << 20;

export class BpfObject {
  readonly path: string;
  readonly label: string;
  private handle: Ptr | null;
  private loaded = false;
  private readonly maps = new Map<string, BpfMap>();

  private constructor(path: string, label: string, handle: Ptr) {
    this.path = path;
    this.label = label;
    this.handle = handle;
  }

  /** Opens and loads in one step: what almost every caller wants. */
  static load(path: string, opts: OpenOptions = {}): BpfObject {
    const obj = BpfObject.open(path, opts);
    try {
      obj.loadPrograms(opts);
    } catch (e) {
      obj.close();
      throw e;
    }
    return obj;
  }

  /** Opens (parses the ELF, no kernel objects yet); call loadPrograms() next. */
  static open(path: string, opts: OpenOptions = {}): BpfObject {
    const lib = libbpf();
    const label = opts.label ?? basename(path);
    clearLibbpfMessages();
    const h = lib.bpf_object__open_file(path, null);
    if (!h) {
      const errno = lastErrno() || 22;
      throw new BpfError({
        errno,
        call: 'bpf_object__open_file',
        object: label,
        detail: `cannot open ${path}`,
        hint: errno === 2 ? 'the file does not exist: build the objects with `make -C bpf`' : 'not a valid BPF ELF object?',
        libbpfLog: libbpfMessages(),
      });
    }
    return new BpfObject(path, label, h);
  }

  /** Creates the maps and loads every program; a rejected program throws with its verifier log. */
  loadPrograms(opts: OpenOptions = {}): void {
    const lib = libbpf();
    const h = this.live();
    if (this.loaded) throw new Error(`object ${this.label} is already loaded`);
    for (const [name, n] of Object.entries(opts.maxEntries ?? {})) {
      const m = lib.bpf_object__find_map_by_name(h, name);
      if (!m) throw this.missing('map', name, this.mapNames());
      const rc = lib.bpf_map__set_max_entries(m, n);
      if (rc < 0) throw new BpfError({ errno: rc, call: 'bpf_map__set_max_entries', object: this.label, map: name });
    }
    for (const [name, fd] of Object.entries(opts.reuseMaps ?? {})) {
      const m = lib.bpf_object__find_map_by_name(h, name);
      if (!m) throw this.missing('map', name, this.mapNames());
      const rc = lib.bpf_map__reuse_fd(m, fd);
      if (rc < 0) throw new BpfError({ errno: rc, call: 'bpf_map__reuse_fd', object: this.label, map: name });
    }
    const logSize = opts.logSize ?? DEFAULT_LOG_SIZE;
    const skip = new Set(opts.skipPrograms ?? []);
    const logs: Array<{ name: string; buf: Ptr }> = [];
    try {
      for (const p of this.programHandles()) {
        const name = lib.bpf_program__name(p);
        if (skip.has(name)) {
          lib.bpf_program__set_autoload(p, false);
          continue;
        }
        const buf = koffi.alloc('uint8_t', logSize) as Ptr;
        new Uint8Array(koffi.view(buf, 1))[0] = 0;
        logs.push({ name, buf });
        lib.bpf_program__set_log_buf(p, buf, logSize);
        lib.bpf_program__set_log_level(p, opts.logLevel ?? 0);
      }
      clearLibbpfMessages();
      const rc = withSigprofHeld(() => lib.bpf_object__load(h));
      if (rc < 0) {
        // Programs load in order and only a failing one writes its log (at level 0), so
        // the last non-empty log names the culprit.
        let culprit: { name: string; text: string } | undefined;
        for (const { name, buf } of logs) {
          const text = readCString(buf, logSize);
          if (text.length > 0) culprit = { name, text };
        }
        // What went wrong, and what to do about it: one case of four.
        const why: { detail: string; hint?: string } =
          rc === -errnoNumber('ENOSPC') && (opts.logLevel ?? 0) > 0
            ? {
                detail: `the verifier log overflowed its ${logSize}-byte buffer, and the kernel fails the load for that alone`,
                hint: 'raise logSize, or use logLevel 0 (the log is then captured only when a program fails)',
              }
            : // The verifier stops with EAGAIN when a signal is pending; its log then ends mid-way.
              rc === -errnoNumber('EAGAIN') && culprit
              ? {
                  detail: "the verifier was interrupted by a signal before it finished, on every one of libbpf's attempts: not a rejection",
                  hint: 'something signals this thread every few milliseconds (a timer or a profiler other than SIGPROF); run it without',
                }
              : culprit
                ? { detail: 'the verifier rejected the program', hint: 'the verifier log below says which instruction and register' }
                : { detail: `load failed before any program reached the verifier (maps, BTF or relocations) in ${this.path}` };
        throw new BpfError({
          errno: rc,
          call: 'bpf_object__load',
          object: this.label,
          ...(culprit ? { program: culprit.name, verifierLog: culprit.text } : {}),
          ...why,
          libbpfLog: libbpfMessages(),
        });
      }
      this.loaded = true;
    } finally {
      // libbpf only writes the log during load; the buffers can go now.
      for (const { buf } of logs) koffi.free(buf);
    }
  }

  /** The program named `name` (the C function name). */
  program(name: string): BpfProgram {
    const lib = libbpf();
    const p = lib.bpf_object__find_program_by_name(this.live(), name);
    if (!p) throw this.missing('program', name, this.programNames());
    const fd = lib.bpf_program__fd(p);
    if (this.loaded && fd < 0) {
      throw new BpfError({
        errno: 2,
        call: 'bpf_program__fd',
        object: this.label,
        program: name,
        detail: 'the program was not loaded (skipped?)',
      });
    }
    return { name, section: lib.bpf_program__section_name(p), fd, handle: p };
  }

  /** The map named `name`; after load, with its fd and kernel info. */
  map(name: string): BpfMap {
    const cached = this.maps.get(name);
    if (cached) return cached;
    const lib = libbpf();
    const m = lib.bpf_object__find_map_by_name(this.live(), name);
    if (!m) throw this.missing('map', name, this.mapNames());
    if (!this.loaded) throw new Error(`object ${this.label}: map ${name} has no fd before loadPrograms()`);
    const type = lib.bpf_map__type(m);
    const map = new BpfMap(
      lib.bpf_map__fd(m),
      {
        name,
        type,
        typeName: MAP_TYPES[type] ?? `type ${type}`,
        keySize: lib.bpf_map__key_size(m),
        valueSize: lib.bpf_map__value_size(m),
        maxEntries: lib.bpf_map__max_entries(m),
        flags: lib.bpf_map__map_flags(m),
      },
      this.label,
    );
    this.maps.set(name, map);
    return map;
  }

  programNames(): string[] {
    const lib = libbpf();
    return this.programHandles().map((p) => lib.bpf_program__name(p));
  }

  /** Map names, including libbpf's internal ones (`.rodata`, `.bss`) when present. */
  mapNames(): string[] {
    const lib = libbpf();
    const names: string[] = [];
    for (let m = lib.bpf_object__next_map(this.live(), null); m; m = lib.bpf_object__next_map(this.live(), m)) {
      names.push(lib.bpf_map__name(m));
    }
    return names;
  }

  /** libbpf's `struct btf *` for this object (owned by the object; null without BTF). */
  btfHandle(): Ptr | null {
    return libbpf().bpf_object__btf(this.live());
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  get isClosed(): boolean {
    return this.handle === null;
  }

  /** Unloads programs and closes every map fd; safe to call twice. */
  close(): void {
    if (this.handle) libbpf().bpf_object__close(this.handle);
    this.handle = null;
    this.maps.clear();
  }

  private programHandles(): Ptr[] {
    const lib = libbpf();
    const out: Ptr[] = [];
    for (let p = lib.bpf_object__next_program(this.live(), null); p; p = lib.bpf_object__next_program(this.live(), p)) {
      out.push(p);
    }
    return out;
  }

  private live(): Ptr {
    if (!this.handle) throw new Error(`object ${this.label} is closed`);
    return this.handle;
  }

  private missing(kind: 'map' | 'program', name: string, have: string[]): BpfError {
    return new BpfError({
      errno: 2,
      call: kind === 'map' ? 'bpf_object__find_map_by_name' : 'bpf_object__find_program_by_name',
      object: this.label,
      ...(kind === 'map' ? { map: name } : { program: name }),
      detail: `no ${kind} named "${name}" in ${this.path}`,
      hint: `it has: ${have.length > 0 ? have.join(', ') : `no ${kind}s`}`,
    });
  }
}

function readCString(buf: Ptr, size: number): string {
  const bytes = new Uint8Array(koffi.view(buf, size));
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? size : end)).toString('utf8');
}
