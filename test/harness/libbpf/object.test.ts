import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BpfError } from '../../../harness/libbpf/bpf-error.ts';
import { BpfObject } from '../../../harness/libbpf/object.ts';
import { DATAPLANE_OBJ } from '../../../harness/dataplane/instance.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { selftestObject } from '../support/selftest.ts';

// A program that reads packet memory without a bounds check: the verifier must refuse it.
const BAD_PROGRAM = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int fine(struct xdp_md *ctx) { return XDP_PASS; }
SEC("xdp")
int unchecked_read(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;
	return data[20] == 1 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
`;

function compileBad(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinplane-bad-'));
  writeFileSync(join(dir, 'bad.bpf.c'), BAD_PROGRAM);
  const arch = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
  execFileSync('clang', [
    '-O2',
    '-g',
    '-target',
    'bpf',
    `-I/usr/include/${arch}-linux-gnu`,
    '-c',
    join(dir, 'bad.bpf.c'),
    '-o',
    join(dir, 'bad.o'),
  ]);
  return join(dir, 'bad.o');
}

describeBpf('BpfObject', () => {
  let obj: BpfObject;
  beforeAll(() => {
    obj = BpfObject.load(selftestObject(), { label: 'host-a' });
  });
  afterAll(() => obj.close());

  it('lists programs and maps by their C names', () => {
    expect(obj.programNames()).toEqual(
      expect.arrayContaining(['st_pass', 'st_verdict_prog', 'st_swap_mac', 'st_push', 'st_tail_entry', 'st_tail_target']),
    );
    expect(obj.mapNames()).toEqual(expect.arrayContaining(['st_hash', 'st_verdict', 'st_counters', 'st_last_run', 'st_progs']));
  });

  it('gives loaded programs an fd and their section', () => {
    const p = obj.program('st_pass');
    expect(p.fd).toBeGreaterThan(0);
    expect(p.section).toBe('xdp');
  });

  it('reports map info from libbpf', () => {
    const m = obj.map('st_hash');
    expect(m.info).toMatchObject({ name: 'st_hash', typeName: 'hash', keySize: 12, valueSize: 40, maxEntries: 16 });
    expect(obj.map('st_counters').perCpu).toBe(true);
  });

  it('names what exists when a map is missing', () => {
    const e = catchError(() => obj.map('st_nope'));
    expect(e).toBeInstanceOf(BpfError);
    expect(e).toMatchObject({ code: 'ENOENT', call: 'bpf_object__find_map_by_name', map: 'st_nope', object: 'host-a' });
    expect(e.message).toContain('st_hash');
  });

  it('names what exists when a program is missing', () => {
    const e = catchError(() => obj.program('st_nope'));
    expect(e).toMatchObject({ code: 'ENOENT', program: 'st_nope' });
    expect(e.message).toContain('st_swap_mac');
  });

  it('applies max_entries overrides before load', () => {
    const small = BpfObject.load(selftestObject(), { maxEntries: { st_hash: 3 } });
    try {
      expect(small.map('st_hash').info.maxEntries).toBe(3);
    } finally {
      small.close();
    }
  });

  it('refuses to use a closed object', () => {
    const o = BpfObject.load(selftestObject());
    o.close();
    o.close();
    expect(() => o.program('st_pass')).toThrow(/closed/);
  });
});

describeBpf('BpfObject load failures', () => {
  it("carries the verifier's own words and names the rejected program", () => {
    const e = catchError(() => BpfObject.load(compileBad(), { label: 'bad' }));
    expect(e).toBeInstanceOf(BpfError);
    const be = e as BpfError;
    expect(be.call).toBe('bpf_object__load');
    expect(be.program).toBe('unchecked_read');
    expect(be.code).toBe('EACCES');
    expect(be.verifierLog).toMatch(/invalid access to packet/);
    expect(be.message).toMatch(/R\d/);
  });

  it('explains a load that failed only because a verbose log overflowed', () => {
    const e = catchError(() => BpfObject.load(selftestObject(), { logLevel: 1, logSize: 64 }));
    expect(e).toMatchObject({ code: 'ENOSPC', call: 'bpf_object__load' });
    expect(e.message).toMatch(/overflowed its 64-byte buffer.*raise logSize/s);
  });

  it('loads under a sampling profiler, whose signal would interrupt the verifier', () => {
    // node --cpu-prof signals the thread every interval; the verifier stops with EAGAIN on a
    // pending signal, and the data plane's programs take longer to verify than 100 us.
    const dir = mkdtempSync(join(tmpdir(), 'twinplane-prof-'));
    try {
      const script = join(dir, 'load.ts');
      const objectTs = fileURLToPath(new URL('../../../harness/libbpf/object.ts', import.meta.url));
      writeFileSync(
        script,
        `import { BpfObject } from ${JSON.stringify(objectTs)};\n` +
          `BpfObject.load(${JSON.stringify(DATAPLANE_OBJ)}, { label: 'profiled' }).close();\n` +
          `process.stdout.write('loaded');\n`,
      );
      const r = spawnSync(
        process.execPath,
        ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100', '--import', 'tsx', script],
        {
          encoding: 'utf8',
        },
      );
      expect(r.stderr).not.toMatch(/BpfError/);
      expect(r.stdout).toBe('loaded');
      expect(r.status).toBe(0);
      // The profiler really ran: it wrote its profile.
      expect(readdirSync(dir).some((f) => f.endsWith('.cpuprofile'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the file is missing and how to build it', () => {
    const e = catchError(() => BpfObject.load('/nonexistent/x.o'));
    expect(e).toMatchObject({ code: 'ENOENT', call: 'bpf_object__open_file' });
    expect(e.message).toContain('make -C bpf');
  });

  it("rejects a file that is not a BPF object, with libbpf's reason", () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinplane-junk-'));
    writeFileSync(join(dir, 'junk.o'), 'not an ELF file');
    const e = catchError(() => BpfObject.load(join(dir, 'junk.o')));
    expect(e).toBeInstanceOf(BpfError);
    expect((e as BpfError).libbpfLog.join('\n')).toMatch(/libbpf/);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}
