import { defineConfig } from 'vitest/config';

// Only the benchmark's own vitest file (bench/import-binding.bench.ts runs it).
export default defineConfig({ test: { include: ['bench/*.vitest.ts'], pool: 'forks' } });
