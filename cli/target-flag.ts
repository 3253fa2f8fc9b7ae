// The one --target grammar of every command. The values are model/target.ts's RUN_TARGETS;
// the default, everywhere, is `both` (model and kernel hop by hop) where this process can
// use BPF, and `model` with a notice on stderr where it cannot. A command that cannot serve
// a target (live, for everything but `run`) refuses it before any work.
import { RUN_TARGETS, type RunTarget, isRunTarget } from '../model/target.ts';
import { nearest } from '../harness/scenario/did-you-mean.ts';
import type { FlagSpec } from './args.ts';
import { UserError } from './errors.ts';
import type { Io } from './io.ts';

export const TARGET_DEFAULT_TEXT = 'default: both where BPF is available, else model with a notice';

export const TARGET_MEANINGS: Readonly<Record<RunTarget, string>> = {
  model: 'the TypeScript model only',
  xdp: "every hop in the kernel's XDP programs (BPF test runs)",
  both: 'model and kernel hop by hop, any difference fails',
  live: 'real namespaces and traffic (root)',
};

export function targetFlag(allowed: readonly RunTarget[]): FlagSpec {
  return {
    type: 'string',
    value: allowed.join('|'),
    description: `${allowed.map((t) => `${t}: ${TARGET_MEANINGS[t]}`).join('; ')}. ${TARGET_DEFAULT_TEXT[0].toUpperCase()}${TARGET_DEFAULT_TEXT.slice(1)}`,
  };
}

/** The flag's value checked against every target and the command's; undefined when absent. */
export function parseTarget(v: unknown, command: string, allowed: readonly RunTarget[]): RunTarget | undefined {
  if (v === undefined) return undefined;
  if (!isRunTarget(v)) {
    const near = nearest(String(v), RUN_TARGETS);
    throw new UserError(`--target must be one of ${RUN_TARGETS.join(', ')}, not '${String(v)}'${near ? `; did you mean '${near}'?` : ''}`);
  }
  if (!allowed.includes(v)) {
    throw new UserError(
      v === 'live'
        ? `--target live is not available for ${command}: live mode runs whole scenarios (twinplane run --target live, or twinplane live run)`
        : `--target ${v} is not available for ${command} (it takes ${allowed.join(', ')})`,
    );
  }
  return v;
}

export interface ChosenTarget {
  readonly target: RunTarget;
  /** Said on stderr and in reports when the default fell back to the model. */
  readonly notices: readonly string[];
}

/** Resolves the default (probing BPF once); an explicit kernel target without BPF is refused. */
export async function chooseTarget(v: unknown, command: string, allowed: readonly RunTarget[], io: Io): Promise<ChosenTarget> {
  const given = parseTarget(v, command, allowed);
  if (given === 'model' || given === 'live') return { target: given, notices: [] };
  const { checkBpf, MODEL_ONLY_HINT } = await import('../harness/privileges.ts');
  const bpf = await checkBpf();
  if (given !== undefined) {
    if (!bpf.ok)
      throw new UserError(`cannot run on ${given}: BPF is unavailable: ${bpf.reason} (use --target model to run the model only)`);
    return { target: given, notices: [] };
  }
  if (bpf.ok) return { target: 'both', notices: [] };
  const notice = `MODEL ONLY: the real XDP did not run (${bpf.reason}). Run as root for model and kernel side by side; ${MODEL_ONLY_HINT}; --target model says you mean it.`;
  io.err(io.style.yellow(`twinplane ${command}: ${notice}`));
  return { target: 'model', notices: [notice] };
}
