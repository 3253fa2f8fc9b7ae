// The comparison as Markdown (a job summary, a pull-request comment, docs): the figures side
// by side, one column per profile, then the scale table and each flow.
import type { CompareDoc, ProfileDoc } from './json-schema/compare-doc.ts';
import type { PacketFigures, ScalePoint } from '../harness/profile/profile.ts';

const cell = (s: string | number): string => String(s).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function row(label: string, doc: CompareDoc, f: (p: ProfileDoc) => string | number): string {
  return `| ${label} | ${doc.profiles.map((p) => cell(f(p))).join(' | ')} |`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const packet = (p: PacketFigures): string =>
  `${p.delivered ? `→ ${p.to}` : p.outcome}; ${plural(p.underlayHops, 'underlay hop')}, ${plural(p.hostsTouched, 'host')}, +${p.overheadBytes} B`;

const point = (p: ScalePoint | null, f: (p: ScalePoint) => number): string =>
  p === null ? '–' : `${f(p).toLocaleString('en-US')}${p.measured ? '' : '*'}${p.pastLimit !== undefined ? '†' : ''}`;

export function compareMarkdown(doc: CompareDoc): string {
  const out = [
    `## twinplane compare: ${cell(doc.scenario)} (\`${cell(doc.file)}\`)`,
    '',
    `| | ${doc.profiles.map((p) => `**${p.name}**`).join(' | ')} |`,
    `|---|${doc.profiles.map(() => '---').join('|')}|`,
    row(
      'encapsulation',
      doc,
      (p) => `${p.encapsulation.kind} UDP ${p.encapsulation.udpPort}, +${p.encapsulation.baseOverhead} B, ${p.encapsulation.vni}`,
    ),
    row('tenancy', doc, (p) => p.tenancy),
    row('tenants isolated', doc, (p) =>
      p.isolation.pairs === 0
        ? 'one tenant'
        : p.isolation.isolated
          ? `yes (0 of ${p.isolation.probed} pairs crossed)`
          : `**not isolated** (${p.isolation.crossed} of ${p.isolation.probed} pairs crossed)`,
    ),
    row('writes per host created (mean / max)', doc, (p) => `${p.provisioning.hostWrites.mean} / ${p.provisioning.hostWrites.max}`),
    row('writes per pod created (mean / max)', doc, (p) => `${p.provisioning.podWrites.mean} / ${p.provisioning.podWrites.max}`),
    row(
      'writes per service created (mean / max)',
      doc,
      (p) => `${p.provisioning.serviceWrites.mean} / ${p.provisioning.serviceWrites.max}`,
    ),
    row(
      'kernel state entries per host (mean / max)',
      doc,
      (p) => `${p.provisioning.stateEntries.mean} / ${p.provisioning.stateEntries.max}`,
    ),
  ];
  out.push(
    '',
    `### Writes at scale (${doc.podsPerHost} pods per host, a service of ${doc.backends} backends; * computed by the rule the built sizes follow; † past the data plane's own host limit)`,
    '',
  );
  out.push(
    `| hosts | ${doc.profiles.flatMap((p) => [`${p.name}: host joins`, `${p.name}: pod created`, `${p.name}: backend added`, `${p.name}: entries per host`]).join(' | ')} |`,
  );
  out.push(`|---:|${doc.profiles.flatMap(() => ['---:', '---:', '---:', '---:']).join('|')}|`);
  doc.sizes.forEach((n, i) => {
    const cells = doc.profiles.flatMap((p) => {
      const pt = p.scale[i];
      return [
        point(pt, (x) => x.hostJoin.writes),
        point(pt, (x) => x.podCreate.writes),
        point(pt, (x) => x.backendAdd.writes),
        point(pt, (x) => x.stateEntriesPerHost),
      ];
    });
    out.push(`| ${n.toLocaleString('en-US')} | ${cells.join(' | ')} |`);
  });
  const flows = doc.profiles[0]?.flows ?? [];
  if (flows.length > 0) {
    out.push('', '### Flows: first packet and steady state', '');
    out.push(`| flow | ${doc.profiles.flatMap((p) => [`${p.name}: first packet`, `${p.name}: steady`]).join(' | ')} |`);
    out.push(`|---|${doc.profiles.flatMap(() => ['---', '---']).join('|')}|`);
    flows.forEach((f, i) => {
      const cells = doc.profiles.flatMap((p) => {
        const x = p.flows[i];
        const res = x.resolution.underlayHops > 0 ? ` (after ARP: ${plural(x.resolution.underlayHops, 'underlay hop')})` : '';
        return [packet(x.first) + res, packet(x.steady)];
      });
      out.push(`| ${cell(f.flow.name)} | ${cells.map(cell).join(' | ')} |`);
    });
  }
  if (doc.skippedSends > 0) out.push('', `> ${doc.skippedSends} forged, raw or ARP sends of the scenario are not compared.`);
  for (const p of doc.profiles) {
    const limit = p.scale.find((x) => x?.pastLimit !== undefined)?.pastLimit;
    if (limit !== undefined) out.push('', `† ${cell(limit)}`);
  }
  for (const p of doc.profiles) if (p.notes.length > 0) out.push('', `**${p.name}:** ${p.notes.map(cell).join(' ')}`);
  return out.join('\n') + '\n';
}
