// Writing a run's reports to disk: the HTML, the Markdown summary, the JUnit XML, the JSON
// and the pcapng, under one directory. The renderers are pure (report/); files are here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCapture } from '../../report/capture/writer.ts';
import { renderHtml } from '../../report/html/page.ts';
import type { RunDoc } from '../../report/json-schema/run-doc.ts';
import { junitXml } from '../../report/junit.ts';
import { markdownSummary } from '../../report/markdown.ts';
import { runCapture } from '../../report/run-pcapng.ts';

export interface ReportFiles {
  readonly html: string;
  readonly markdown: string;
  readonly junit: string;
  readonly json: string;
  readonly pcapng: string;
  /** Files that could not be written, with why; the others were written. */
  readonly failed: readonly string[];
}

export function writePcapng(path: string, doc: RunDoc): void {
  const cap = runCapture(doc.runs);
  writeFileSync(path, encodeCapture(cap.options, cap.packets));
}

export function writeJunit(path: string, doc: RunDoc): void {
  writeFileSync(path, junitXml(doc));
}

/**
 * The report directory. `streamed`: run.json and run.pcapng were written packet by packet
 * while the run went (cli/run-sinks.ts): only the reports made from the whole document
 * remain to be written.
 */
export function writeReportDir(dir: string, doc: RunDoc, opts: { streamed?: boolean } = {}): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const paths = {
    html: join(dir, 'index.html'),
    markdown: join(dir, 'summary.md'),
    junit: join(dir, 'junit.xml'),
    json: join(dir, 'run.json'),
    pcapng: join(dir, 'run.pcapng'),
  };
  const failed: string[] = [];
  // One broken writer must not cost the user the other reports.
  const attempt = (path: string, write: () => void): void => {
    try {
      write();
    } catch (e) {
      failed.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  attempt(paths.html, () => writeFileSync(paths.html, renderHtml(doc)));
  attempt(paths.markdown, () => writeFileSync(paths.markdown, markdownSummary(doc)));
  attempt(paths.junit, () => writeJunit(paths.junit, doc));
  if (opts.streamed !== true) {
    attempt(paths.json, () => writeFileSync(paths.json, JSON.stringify(doc, null, 1) + '\n'));
    attempt(paths.pcapng, () => writePcapng(paths.pcapng, doc));
  }
  return { ...paths, failed };
}
