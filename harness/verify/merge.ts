// Joining the --json results of verify's shards (--merge), the way vitest merges its shards'
// reports: same target, seed and samples, every shard exactly once, counts summed.
import {
  PROPERTIES,
  type PropertyCount,
  type PropertyId,
  type ScenarioVerifyDoc,
  VERIFY_DOC_VERSION,
  type VerifyDoc,
} from '../../report/json-schema/verify-doc.ts';

export function emptyCounts(): Record<PropertyId, PropertyCount> {
  const out = {} as Record<PropertyId, PropertyCount>;
  for (const p of PROPERTIES) out[p] = { classes: 0, frames: 0, hops: 0, violations: 0, known: 0 };
  return out;
}

export class MergeError extends Error {}

/** Joins shard results (vitest-style): same target, seed and shard count, every shard once. */
export function mergeDocs(docs: readonly { file: string; doc: VerifyDoc }[]): VerifyDoc {
  if (docs.length === 0) throw new MergeError('nothing to merge');
  const first = docs[0].doc;
  const seen = new Map<number, string>();
  for (const { file, doc } of docs) {
    if (doc.version !== VERIFY_DOC_VERSION)
      throw new MergeError(`${file}: version ${doc.version}, this twinplane writes ${VERIFY_DOC_VERSION}`);
    if (doc.target !== first.target || doc.seed !== first.seed || doc.samples !== first.samples)
      throw new MergeError(`${file}: target ${doc.target}, seed ${doc.seed}, samples ${doc.samples} differ from ${docs[0].file}'s`);
    const n = doc.shard?.count ?? 1;
    if (n !== (first.shard?.count ?? 1))
      throw new MergeError(`${file}: shard of ${n}, ${docs[0].file} is a shard of ${first.shard?.count ?? 1}`);
    const i = doc.shard?.index ?? 1;
    const dup = seen.get(i);
    if (dup !== undefined) throw new MergeError(`${file}: shard ${i}/${n} is already given by ${dup}`);
    seen.set(i, file);
  }
  const count = first.shard?.count ?? 1;
  const missing = [...Array(count).keys()].map((k) => k + 1).filter((k) => !seen.has(k));
  if (missing.length > 0)
    throw new MergeError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} missing`);
  const byFile = new Map<string, ScenarioVerifyDoc>();
  for (const { doc } of docs)
    for (const s of doc.scenarios) {
      const m = byFile.get(s.file);
      byFile.set(s.file, m === undefined ? structuredClone(s) : joinScenario(m, s));
    }
  const scenarios = [...byFile.values()];
  for (const s of scenarios) s.ok = s.violationCount === 0;
  return {
    version: VERIFY_DOC_VERSION,
    target: first.target,
    seed: first.seed,
    samples: first.samples,
    merged: docs.length,
    ok: scenarios.every((s) => s.ok),
    scenarios,
  };
}

function joinScenario(a: ScenarioVerifyDoc, b: ScenarioVerifyDoc): ScenarioVerifyDoc {
  a.classes += b.classes;
  a.frames += b.frames;
  a.hops += b.hops;
  a.seconds = Math.max(a.seconds, b.seconds);
  a.violationCount += b.violationCount;
  a.knownCount += b.knownCount;
  a.violations.push(...b.violations);
  a.known.push(...b.known);
  for (const c of b.checkpoints) {
    const m = a.checkpoints.find((x) => x.index === c.index);
    if (m === undefined) a.checkpoints.push({ ...c });
    else {
      m.classes += c.classes;
      m.frames += c.frames;
      m.hops += c.hops;
    }
  }
  for (const p of PROPERTIES) {
    const x = a.properties[p];
    const y = b.properties[p];
    x.classes += y.classes;
    x.frames += y.frames;
    x.hops += y.hops;
    x.violations += y.violations;
    x.known += y.known;
  }
  for (const r of b.classTable) {
    const m = a.classTable.find((x) => x.source === r.source && x.group === r.group);
    if (m === undefined) a.classTable.push({ ...r });
    else for (const k of ['classes', 'frames', 'delivered', 'dropped', 'passed', 'other', 'violations', 'known'] as const) m[k] += r[k];
  }
  for (const n of b.notes) if (!a.notes.includes(n)) a.notes.push(n);
  return a;
}
