import { defineConfig } from 'tsup';

// Two builds: ESM for `import`, CJS for `require()`, each with the three public entries (`rocketmq-rx`,
// `rocketmq-rx/embedded`, `rocketmq-rx/protocol`; see "exports" in package.json). p-retry (and its one dependency) are
// ESM-only, so the CJS build bundles them; everything else stays an external dependency.
// `embedded/cluster-process` is the child entry of `EmbeddedCluster.spawn()`, forked by path (ESM only).
const publicEntries = {
  index: 'src/index.ts',
  'embedded/index': 'src/embedded/index.ts',
  protocol: 'src/protocol.ts',
};
const entry = {
  ...publicEntries,
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
    entry: publicEntries,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    shims: true,
    noExternal: ['p-retry', 'is-network-error'],
  },
]);
