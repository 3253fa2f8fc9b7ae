// BPF suites run for real, as root, and fail loudly when BPF is unavailable. They are
// skipped only when the user asked for a model-only run (TWINPLANE_MODEL_ONLY=1, i.e.
// `npm run test:model`), and then the skip is announced, never silent.
import { describe } from 'vitest';

export const MODEL_ONLY = process.env.TWINPLANE_MODEL_ONLY === '1';

/** `describe` for suites that need the kernel's BPF: skipped only in a model-only run. */
export const describeBpf: typeof describe = (MODEL_ONLY ? describe.skip : describe) as typeof describe;
