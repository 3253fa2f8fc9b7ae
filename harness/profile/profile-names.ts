// The profiles' names alone: what a scenario's `profile:` may say. A leaf module, so the
// scenario types can name a profile without importing the profiles (which read scenarios).
// The names themselves are declared once, with the reason ranges each owns, in the shared table.
import { PROFILE_NAMES, type Profile } from '../../model/dataplane/tables.ts';

export { PROFILE_NAMES };
export type ProfileName = Profile;
/** A scenario that names no profile is played on this one. */
export const DEFAULT_PROFILE: ProfileName = 'mizar';

export function isProfileName(s: string): s is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(s);
}
