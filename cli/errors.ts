// Exit codes and the one error type that reaches the user as a sentence, never a stack.

export const EXIT = {
  ok: 0,
  /** The command ran and found a failure or a mismatch. */
  failure: 1,
  /** The input was wrong: bad flags, a missing or damaged file. */
  badInput: 2,
} as const;

/** A problem the user can fix. main prints `twinplane <command>: <message>` and exits. */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.badInput) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** A Node file-system error as a sentence about the path, or undefined if it is not one. */
export function describeFsError(path: string, e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return `${path}: no such file`;
    case 'EISDIR':
      return `${path}: is a directory, not a capture file`;
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied`;
    default:
      return undefined;
  }
}
