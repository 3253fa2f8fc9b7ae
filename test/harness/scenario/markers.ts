// Reads the expected errors written into a broken fixture as comments:
//   `  vni: 0 # ERR @0 vpcs[0].vni: must be at least 1`
// The line is the comment's line; the column is where `@token` first occurs on it at the
// start of a word (`@token#n`: its n-th such occurrence; `@^`: column 1). Expectations live beside the text
// they describe, so editing a fixture cannot leave stale line numbers behind.

export interface Expected {
  readonly line: number;
  readonly column: number;
  readonly path: string;
  /** A fragment the message must contain. */
  readonly message: string;
}

const CLAUSE = /^@(\S+?)(?:#(\d+))?\s+(\S+): (.+)$/;
const WORD = /[A-Za-z0-9_.-]/;

export function expectedIssues(text: string): Expected[] {
  const out: Expected[] = [];
  text.split('\n').forEach((lineText, i) => {
    const at = lineText.indexOf('# ERR ');
    if (at < 0) return;
    const code = lineText.slice(0, at);
    for (const clause of lineText
      .slice(at + 2)
      .split(/(?:^|\s)ERR\s+/)
      .filter((c) => c.trim() !== '')) {
      const m = CLAUSE.exec(clause.trim());
      if (m === null) throw new Error(`line ${i + 1}: bad ERR clause ${JSON.stringify(clause)}`);
      const [, token, nth, path, message] = m;
      out.push({ line: i + 1, column: columnOf(code, token, Number(nth ?? 1), i + 1), path, message: message.trim() });
    }
  });
  return out;
}

function columnOf(code: string, token: string, nth: number, line: number): number {
  if (token === '^') return 1;
  let seen = 0;
  for (let i = code.indexOf(token); i >= 0; i = code.indexOf(token, i + 1)) {
    const before = code[i - 1] ?? ' ';
    const insideWord = WORD.test(token[0]) && WORD.test(before);
    if (!insideWord && ++seen === nth) return i + 1;
  }
  throw new Error(`line ${line}: token ${JSON.stringify(token)} #${nth} not found`);
}
