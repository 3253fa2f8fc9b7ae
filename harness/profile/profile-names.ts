// The profiles' names alone: what a scenario's `profile:` may say. A leaf module, so the
// scenario types can name a profile without importing the profiles (which read scenarios).
export const PROFILE_NAMES = ['mizar', 'dcos'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
/** A scenario that names no profile is played on this one. */
export const DEFAULT_PROFILE: ProfileName = 'mizar';

export function isProfileName(s: string): s is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(s);
}
