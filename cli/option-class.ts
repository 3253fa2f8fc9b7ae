// --option-class: the Geneve option class of our two options, for the commands that build a
// cluster (run, trace, replay, demo, verify) and for decode, which reads options in it. On a
// scenario it overrides the file's `optionClass`; absent, the file's value (or 0xFFF0) holds.
import type { FlagSpec } from './args.ts';
import { UserError } from './errors.ts';
import type { Scenario } from '../harness/scenario/types.ts';

export const OPTION_CLASS_FLAG: FlagSpec = {
  type: 'string',
  value: 'class',
  description: "Geneve option class of our options, e.g. 0xFFF0 (the default) or 0x0111 (Mizar's); overrides the scenario's",
};

/** The flag's value as a number, or undefined when absent; decimal or 0x hex, 16 bits. */
export function parseOptionClass(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const t = String(v).trim();
  const n = /^0x[0-9a-f]{1,4}$/i.test(t) ? parseInt(t.slice(2), 16) : /^\d{1,5}$/.test(t) ? Number(t) : NaN;
  if (!(Number.isInteger(n) && n >= 0 && n <= 0xffff))
    throw new UserError(`--option-class must be a 16-bit option class, as 0xFFF0 or 65520 (got '${String(v)}')`);
  return n;
}

/** The scenarios with `optionClass` set to the flag's value, when it was given. */
export function withOptionClass(scenarios: Scenario[], optionClass: number | undefined): Scenario[] {
  return optionClass === undefined ? scenarios : scenarios.map((s) => ({ ...s, optionClass }));
}
