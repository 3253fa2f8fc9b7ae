// The data planes twinplane knows, by the name a scenario's `profile:` and `--profiles` use.
import { DCOS_PROFILE } from './dcos-profile.ts';
import { MIZAR } from './mizar-profile.ts';
import type { Profile } from './profile.ts';
import type { ProfileName } from './profile-names.ts';

export { DEFAULT_PROFILE, PROFILE_NAMES, isProfileName } from './profile-names.ts';

export const PROFILES: Readonly<Record<ProfileName, Profile>> = { mizar: MIZAR, dcos: DCOS_PROFILE };
