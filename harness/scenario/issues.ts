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
  return [...issues].sort(compare);
}

/** Issues kept per file: a file with a million mistakes must not cost a million objects. */
export const MAX_ISSUES = 100;

const compare = (a: Issue, b: Issue): number => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path);
const before = (a: Issue, b: Issue): boolean => compare(a, b) < 0;

/**
 * Collects issues, keeping the first MAX_ISSUES by position (in file order) and a count of
 * all, so memory stays bounded however broken the file is.
 */
export class IssueList {
  private kept: Issue[] = [];
  total = 0;

  constructor(private readonly max = MAX_ISSUES) {}

  push(issue: Issue): void {
    this.total++;
    const k = this.kept;
    if (k.length === this.max && !before(issue, k[k.length - 1])) return;
    let lo = 0;
    let hi = k.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(issue, k[mid])) hi = mid;
      else lo = mid + 1;
    }
    k.splice(lo, 0, issue);
    if (k.length > this.max) k.pop();
  }

  get length(): number {
    return this.total;
  }

  /** The kept issues, in file order. */
  list(): readonly Issue[] {
    return this.kept;
  }
}

export class ScenarioError extends Error {
  /** The first MAX_ISSUES problems in file order. */
  readonly issues: readonly Issue[];
  /** Every problem found, including those not kept. */
  readonly total: number;

  constructor(issues: readonly Issue[] | IssueList) {
    const list = issues instanceof IssueList ? issues : fromArray(issues);
    const kept = list.list();
    const more = list.total - kept.length;
    super(
      [
        ...kept.map(formatIssue),
        ...(more > 0 ? [`… and ${more} more problem${more === 1 ? '' : 's'} (the first ${kept.length} are shown)`] : []),
      ].join('\n'),
    );
    this.name = 'ScenarioError';
    this.issues = kept;
    this.total = list.total;
  }
}

function fromArray(issues: readonly Issue[]): IssueList {
  const l = new IssueList();
  for (const i of issues) l.push(i);
  return l;
}
