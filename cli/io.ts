// Where commands write. Colour only when stdout is a terminal (and NO_COLOR is unset), so
// pipes and files get plain text; writes wait when the pipe is full instead of buffering
// a whole capture's output in memory.
import type { Writable } from 'node:stream';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export interface Io {
  readonly colour: boolean;
  readonly style: Style;
  /** Writes text to stdout as is (add the newline yourself). */
  out(text: string): Promise<void>;
  /** Writes one line to stderr. */
  err(line: string): void;
}

const sgr = (on: number, off: number) => (s: string) => `\x1b[${on}m${s}\x1b[${off}m`;
const colours: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};
const plain: Style = { bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s, yellow: (s) => s, cyan: (s) => s };

function wantColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export function processIo(stdout: Writable & { isTTY?: boolean } = process.stdout, stderr: Writable = process.stderr): Io {
  const colour = wantColour(stdout, process.env);
  return {
    colour,
    style: colour ? colours : plain,
    out(text) {
      return stdout.write(text) ? Promise.resolve() : new Promise((resolve) => stdout.once('drain', () => resolve()));
    },
    err(line) {
      stderr.write(line + '\n');
    },
  };
}
