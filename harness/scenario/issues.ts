// Errors in a scenario file. The loader collects every problem it finds and throws them
// together, so an engineer fixes a file in one pass instead of one error per run.

/** A path into the document: property names and list indexes. */
export type DocPath = readonly (string | number)[];

export interface Issue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** `vpcs[1].networks[0].cidr`; `(root)` for the document itself, `(yaml)` for syntax. */
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: DocPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatIssue(issue: Issue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.path}: ${issue.message}`;
}

/** Sorted by position so the printout reads like the file. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}

export class ScenarioError extends Error {
  readonly issues: readonly Issue[];

  constructor(issues: readonly Issue[]) {
    const sorted = sortIssues(issues);
    super(sorted.map(formatIssue).join('\n'));
    this.name = 'ScenarioError';
    this.issues = sorted;
  }
}
