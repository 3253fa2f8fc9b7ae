// Exit codes and the one error type that reaches the user as a sentence, never a stack.

export const EXIT = {
  ok: 0,
  /** The command ran and found a failure or a mismatch. */
  failure: 1,
  /** The input was wrong: bad flags, a missing or damaged file. Checked before any work. */
  badInput: 2,
  /** A bug in twinplane itself: one line on stderr (the stack with TWINPLANE_DEBUG=1). */
  internal: 3,
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

/** What a Node file-system error means for `path`, in words (no errno), or undefined. */
export function fsReason(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'an input/output error on the device';
    default:
      return undefined;
  }
}

/** A Node file-system error as a sentence about the path, or undefined if it is not one. */
export function describeFsError(path: string, e: unknown): string | undefined {
  const why = fsReason(e);
  return why === undefined ? undefined : `${path}: ${why}`;
}

/** Why a write failed, in words when the file system says why. */
export function writeProblem(e: unknown): string {
  return fsReason(e) ?? (e instanceof Error ? e.message : String(e));
}

/**
 * A command's outputs, written one after another: a write that fails is said (naming its
 * file) and remembered in `ok`, and the next is still tried, so one bad path loses no other.
 */
export class OutputWrites {
  ok = true;
  constructor(
    private readonly io: { err(text: string): void },
    private readonly command: string,
  ) {}

  attempt(path: string, write: () => void): void {
    try {
      write();
    } catch (e) {
      this.fail(`${path}: ${writeProblem(e)}`);
    }
  }

  /** A write that failed without throwing (`what`: the file, and why when known). */
  fail(what: string): void {
    this.ok = false;
    this.io.err(`twinplane ${this.command}: could not write ${what}`);
  }
}
