// Deliberately broken copies of the data plane, to show the differential suites catch real
// bugs: bpf/ is copied to a temporary directory, one textual mutation is applied to one
// header, and the copy is built by bpf/Makefile itself (same clang flags), into its own
// output directory. The real tree is never touched.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BPF_DIR = fileURLToPath(new URL('../../bpf/', import.meta.url));

export interface SourceMutation {
  name: string;
  /** File under bpf/, e.g. 'lib/rewrite.h'. */
  file: string;
  find: RegExp;
  replace: string;
}

export interface Mutant {
  object: string;
  dir: string;
  remove(): void;
}

/** Builds dataplane.o with `m` applied; throws when the mutation point is gone from the source. */
export function buildMutant(m: SourceMutation): Mutant {
  const text = readFileSync(join(BPF_DIR, m.file), 'utf8');
  if (!m.find.test(text)) {
    throw new Error(`mutation ${m.name}: pattern ${m.find} not found in bpf/${m.file}; the source changed, update the mutation`);
  }
  return buildMutantText(m.name, m.file, text.replace(m.find, m.replace));
}

/** Builds dataplane.o from a copy of bpf/ whose `file` holds `text` instead; throws when it does not build. */
export function buildMutantText(name: string, file: string, text: string): Mutant {
  const dir = mkdtempSync(join(tmpdir(), 'twinplane-mutant-'));
  const src = join(dir, 'bpf');
  const out = join(dir, 'out');
  cpSync(BPF_DIR, src, { recursive: true });
  writeFileSync(join(src, file), text);
  try {
    execFileSync('make', ['-s', '-C', src, `OUT=${out}`, `${out}/dataplane.o`], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mutation ${name}: the mutant does not build: ${err.stderr?.toString() ?? String(e)}`);
  }
  return { object: join(out, 'dataplane.o'), dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The mutations the broken-program test applies. */
export const MUTATIONS = {
  /** Routing decrements the inner TTL by two (docs 4.3 "route": TTL − 1). */
  ttlTwice: { name: 'inner TTL decremented twice', file: 'lib/rewrite.h', find: /ip\[8\] = ttl - 1;/, replace: 'ip[8] = ttl - 2;' },
  /** agent_local looks endpoints up without the VNI (docs 4.1 step 6: key (vni, daddr)). */
  noVniLocal: {
    name: 'agent_local lookup without the VNI',
    file: 'lib/agent.h',
    find: /key\.vni = a->iface\.vni;(\s*key\.ip = a->p\.t\.daddr;\s*ep = bpf_map_lookup_elem\(&endpoints)/,
    replace: 'key.vni = 0;$1',
  },
  /**
   * transit_learn also learns when the host-location option names this host (docs 4.2:
   * "unless it names this host"): a learnt write the model never makes. The record counts
   * it, so the case itself shows the difference.
   */
  learnSelf: {
    name: 'ep_cache learnt for this host too',
    file: 'lib/transit.h',
    find: /if \(!t->g\.have_hl \|\| is_me\(t, t->g\.hl\.ip\)\)/,
    replace: 'if (!t->g.have_hl)',
  },
  /**
   * The same stray write, made behind the record's back (bpf_map_update_elem directly, not
   * counted): no case's own check sees it, only the end-of-batch read of the learnt maps.
   */
  learnSelfUncounted: {
    name: 'ep_cache learnt for this host too, uncounted',
    file: 'lib/transit.h',
    find: /if \(!t->g\.have_hl \|\| is_me\(t, t->g\.hl\.ip\)\)([\s\S]*?)verdict_learn\(v, &ep_cache, t->g\.vni, &key, &loc\);/,
    replace: 'if (!t->g.have_hl)$1{ void *in = learnt_inner(&ep_cache, key.vni); if (in) bpf_map_update_elem(in, &key, &loc, BPF_ANY); }',
  },
} as const satisfies Record<string, SourceMutation>;
