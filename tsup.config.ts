import { defineConfig } from 'tsup';

// Two builds: ESM for `import`, CJS for `require()`. p-retry (and its one dependency) are ESM-only, so the CJS build
// bundles them; everything else stays an external dependency.
// `embedded/cluster-process` is the child entry of `EmbeddedCluster.spawn()`, forked by path (ESM only).
const entry = {
  index: 'src/index.ts',
  'embedded/index': 'src/embedded/index.ts',
  'embedded/cluster-process': 'src/embedded/cluster-process.ts',
  cli: 'src/cli.ts',
};

export default defineConfig([
  {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
  },
  {
    entry: { index: 'src/index.ts', 'embedded/index': 'src/embedded/index.ts' },
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    shims: true,
    noExternal: ['p-retry', 'is-network-error'],
  },
]);
