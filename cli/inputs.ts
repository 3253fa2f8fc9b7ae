// Input files checked before work: there, a file (not a folder), readable. Messages in
// words, naming the file and what it is for.
import { accessSync, constants, statSync } from 'node:fs';
import { UserError, fsReason } from './errors.ts';

export function checkInputFile(path: string, what: string, flag?: string): void {
  const name = flag ? `--${flag} ${path}` : path;
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UserError(`${name}: ${fsReason(e) ?? 'cannot be read'} (the ${what})`);
  }
  if (st.isDirectory()) throw new UserError(`${name}: is a folder, not a ${what} file`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new UserError(`${name}: permission denied (the ${what})`);
  }
}
