// The reachability matrix: rows send, columns receive (said on the table itself), one cell
// per probed pair.
import type { CellDoc, MatrixDoc } from '../json-schema/run-doc.ts';
import { esc } from './escape.ts';

const MARK: Record<CellDoc, string> = { self: '', reach: '✓', blocked: '·', leak: '!', broken: '✗', skipped: '' };
const TITLE: Record<CellDoc, string> = {
  self: 'itself',
  reach: 'same VPC: echo and reply arrived',
  blocked: 'other VPC: not reached',
  leak: 'other VPC: REACHED (isolation broken)',
  broken: 'same VPC: no round trip',
  skipped: 'not probed',
};

export function matrixHtml(m: MatrixDoc): string {
  if (m.endpoints.length === 0) return '<p class="muted">No endpoints.</p>';
  const head = m.endpoints.map((e, j) => `<th class="col" title="${esc(m.vpcs[j])}">${esc(e)}</th>`).join('');
  const rows = m.endpoints.map((a, i) => {
    const cells = m.cells[i]
      .map((c, j) => `<td class="${c}" title="${esc(`${a} → ${m.endpoints[j]}: ${TITLE[c]}`)}">${MARK[c]}</td>`)
      .join('');
    return `<tr><th title="${esc(m.vpcs[i])}">${esc(a)}</th>${cells}</tr>`;
  });
  const swatch: Record<string, string> = { reach: '#a9dfbf', blocked: '#eaecee', leak: '#c0392b', broken: '#f5b041' };
  const legend = (['reach', 'blocked', 'leak', 'broken'] as const).map(
    (c) => `<span><i style="background:${swatch[c]}"></i>${MARK[c]} ${TITLE[c]}</span>`,
  );
  return [
    `<table class="matrix"><caption>Rows send, columns receive: the cell in row A, column B is A → B.</caption>` +
      `<thead><tr><th class="corner">from ↓ to →</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
    `<p class="legend">${legend.join('')}</p>`,
    m.note ? `<p class="muted">${esc(m.note)}</p>` : '',
  ].join('\n');
}
