// Stale kernel objects are rebuilt before use, and a failing build stops the command with
// the compiler's words — on a scratch tree, so the real bpf/ is never touched.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfStaleness, ensureBpfFresh } from '../../cli/bpf-build.ts';
import { UserError } from '../../cli/errors.ts';
import type { Io } from '../../cli/io.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(makefile: string): { src: string; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'twinplane-bpf-'));
  dirs.push(root);
  const src = join(root, 'bpf');
  const out = join(root, 'out');
  mkdirSync(join(src, 'lib'), { recursive: true });
  mkdirSync(out);
  writeFileSync(join(src, 'prog.bpf.c'), 'int x;\n');
  writeFileSync(join(src, 'lib', 'a.h'), '#define A 1\n');
  writeFileSync(join(src, 'Makefile'), makefile.replaceAll('OUT', out));
  return { src, out };
}

function io(): Io & { lines: string[] } {
  const lines: string[] = [];
  const plain = (s: string) => s;
  return {
    colour: false,
    style: { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain },
    out: async () => {},
    err: (l) => void lines.push(l),
    lines,
  };
}

const age = (path: string, seconds: number) => utimesSync(path, Date.now() / 1000 - seconds, Date.now() / 1000 - seconds);

describe('ensureBpfFresh', () => {
  it('an object older than a header is rebuilt, and said', () => {
    const { src, out } = tree('all:\n\ttouch OUT/prog.o\n');
    writeFileSync(join(out, 'prog.o'), '');
    age(join(out, 'prog.o'), 60);
    expect(bpfStaleness(src, out).stale).toEqual(['prog.o']);
    const o = io();
    ensureBpfFresh(o, 'run', src, out);
    expect(o.lines).toEqual([expect.stringMatching(/^twinplane run: \S+ is newer than prog\.o: rebuilding \(make -C .*\)$/)]);
    expect(bpfStaleness(src, out).stale).toEqual([]);
    // Fresh now: nothing is said, nothing is built.
    const again = io();
    ensureBpfFresh(again, 'run', src, out);
    expect(again.lines).toEqual([]);
  });

  it("an object is stale by its own program's source, lib/*.h and the Makefile, as make rebuilds it", () => {
    // make rebuilds only the object whose inputs changed: once it has, nothing is stale, even
    // though the other program's object is older than the source just edited.
    const { src, out } = tree('all:\n\ttouch OUT/other.o\n');
    writeFileSync(join(src, 'other.bpf.c'), 'int z;\n');
    for (const f of ['prog.bpf.c', 'other.bpf.c', 'Makefile', join('lib', 'a.h')]) age(join(src, f), 120);
    for (const o of ['prog.o', 'other.o']) {
      writeFileSync(join(out, o), '');
      age(join(out, o), 60);
    }
    expect(bpfStaleness(src, out).stale).toEqual([]);
    // Edited a second ago, not "now": make's touch stamps the file system's coarse clock,
    // which can lag the precise time utimes sets by a few milliseconds, and the rebuilt
    // object would then look older than its source (seen once in CI).
    age(join(src, 'other.bpf.c'), 1);
    expect(bpfStaleness(src, out)).toEqual({ stale: ['other.o'], newest: join(src, 'other.bpf.c') });
    const o = io();
    ensureBpfFresh(o, 'run', src, out);
    expect(o.lines).toEqual([expect.stringMatching(/other\.bpf\.c is newer than other\.o: rebuilding/)]);
    expect(bpfStaleness(src, out).stale).toEqual([]);
    // A header is an input of every object.
    age(join(out, 'other.o'), 60);
    age(join(src, 'lib', 'a.h'), 0);
    expect(bpfStaleness(src, out).stale).toEqual(['other.o', 'prog.o']);
  });

  it('the native helper the same make builds is stale by its own source and the Makefile only', () => {
    const { src, out } = tree('all:\n\ttouch OUT/prog.o OUT/libhelper.so\n');
    const native = { source: join(src, '..', 'helper.c'), lib: join(out, 'libhelper.so') };
    writeFileSync(native.source, 'int y;\n');
    writeFileSync(join(out, 'prog.o'), '');
    expect(bpfStaleness(src, out, native).stale).toEqual(['libhelper.so']);
    const o = io();
    ensureBpfFresh(o, 'run', src, out, native);
    expect(o.lines).toEqual([expect.stringMatching(/is newer than libhelper\.so: rebuilding/)]);
    expect(bpfStaleness(src, out, native).stale).toEqual([]);
    // A header newer than the library rebuilds the objects, not the library (its rule does not name headers).
    age(join(out, 'prog.o'), 60);
    age(native.lib, 60);
    age(native.source, 120);
    age(join(src, 'Makefile'), 120);
    expect(bpfStaleness(src, out, native).stale).toEqual(['prog.o']);
    age(native.source, 0);
    expect(bpfStaleness(src, out, native).stale).toEqual(['prog.o', 'libhelper.so']);
  });

  it('a failing build is a UserError with the compiler output and the command', () => {
    const { src, out } = tree('all:\n\t@echo "prog.bpf.c:1:1: error: expected identifier" >&2; exit 1\n');
    let err: unknown;
    try {
      ensureBpfFresh(io(), 'trace', src, out);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(
      /^the BPF build failed, so the kernel would run a stale object:\nprog\.bpf\.c:1:1: error: expected identifier\n[\s\S]*\nfix it, then run: make -C /,
    );
  });
});
