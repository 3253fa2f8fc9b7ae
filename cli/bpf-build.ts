// The kernel objects follow the sources: before any command loads build/bpf/*.o, an object
// older than a source it is built from is rebuilt (make -C bpf, a few seconds), said on
// stderr, and so is the harness's native helper the same make builds; a build that fails
// stops the command with the compiler's first lines and the command to run. Loading a stale
// object would compare the model with yesterday's C, silently.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.ts';
import type { Io } from './io.ts';
import { RUN_BATCH_LIB, RUN_BATCH_SRC } from '../harness/native/lib-path.ts';

export const BPF_SRC = fileURLToPath(new URL('../bpf', import.meta.url));
export const BPF_OUT = fileURLToPath(new URL('../build/bpf', import.meta.url));

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Every file the objects are built from: sources, headers, the Makefile. */
export function bpfSources(src = BPF_SRC): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(c|h)$/.test(e.name) || e.name === 'Makefile') out.push(p);
    }
  };
  walk(src);
  return out.sort();
}

export interface Staleness {
  /** Objects missing or older than one of their inputs, by name. */
  readonly stale: readonly string[];
  /** The newest input of a stale object, to say what changed. */
  readonly newest?: string;
}

/** A library the same make builds from a source outside bpf/ (the harness's native helper). */
export interface NativeBuild {
  readonly source: string;
  readonly lib: string;
}

/** harness/native/run_batch.c -> build/native/librunbatch.so, which bpf/Makefile builds too. */
export const NATIVE_BUILD: NativeBuild = { source: RUN_BATCH_SRC, lib: RUN_BATCH_LIB };

export function bpfStaleness(
  src = BPF_SRC,
  out = BPF_OUT,
  native: NativeBuild | undefined = src === BPF_SRC ? NATIVE_BUILD : undefined,
): Staleness {
  const sources = bpfSources(src);
  // Each object's inputs as bpf/Makefile's rule names them: its own .bpf.c, lib/*.h and the
  // Makefile. Not every source: make rebuilds only the object whose inputs changed, so an
  // object older than another program's source would stay "stale" after every rebuild.
  const shared = sources.filter((s) => (s.endsWith('.h') && dirname(s) === join(src, 'lib')) || s === join(src, 'Makefile'));
  const stale: string[] = [];
  let newest: string | undefined;
  let newestMs = -Infinity;
  const check = (target: string, inputs: readonly string[]): void => {
    const ms = inputs.map((p) => mtime(p) ?? 0);
    const at = Math.max(...ms);
    if ((mtime(target) ?? -Infinity) >= at) return;
    stale.push(basename(target));
    if (at > newestMs) [newest, newestMs] = [inputs[ms.indexOf(at)], at];
  };
  for (const s of sources.filter((x) => x.endsWith('.bpf.c'))) check(join(out, `${basename(s, '.bpf.c')}.o`), [s, ...shared]);
  // The library's own inputs, as its make rule names them: its source and the Makefile.
  if (native !== undefined) check(native.lib, [native.source, join(src, 'Makefile')]);
  return { stale, ...(newest ? { newest } : {}) };
}

/** Rebuilds when an object's input is newer than it; throws a UserError when the build fails. */
export function ensureBpfFresh(io: Io, command: string, src = BPF_SRC, out = BPF_OUT, native?: NativeBuild): void {
  const s = bpfStaleness(src, out, native ?? (src === BPF_SRC ? NATIVE_BUILD : undefined));
  if (s.stale.length === 0) return;
  const why = s.newest ? `${s.newest} is newer than ${s.stale.join(', ')}` : `${s.stale.join(', ')} missing`;
  io.err(`twinplane ${command}: ${why}: rebuilding (make -C ${src})`);
  try {
    execFileSync('make', ['-s', '-C', src], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const r = e as { stderr?: string; stdout?: string; code?: string };
    const text =
      r.code === 'ENOENT' ? 'make is not installed (bash scripts/setup.sh installs it)' : `${r.stderr ?? ''}${r.stdout ?? ''}`.trim();
    const lines = text.split('\n');
    throw new UserError(
      `the BPF build failed, so the kernel would run a stale object:\n${lines.slice(0, 12).join('\n')}${lines.length > 12 ? `\n… ${lines.length - 12} more lines` : ''}\nfix it, then run: make -C ${src}`,
    );
  }
}
