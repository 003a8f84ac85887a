import { defineConfig } from 'tsup';

// `npm run bench` measures the code as the package ships it: the harness and `src/` compiled the way the build
// compiles them (esbuild, target node20, no name-keeping wrappers), not run through tsx, whose `__name` call per
// created closure costs the producer ~2 % of its CPU per message and the peers nothing. The embedded broker's
// child entry is compiled beside the harness so that `EmbeddedCluster.spawn()` finds it there.
export default defineConfig({
  entry: { run: 'bench/run.ts', 'cluster-process': 'src/embedded/cluster-process.ts' },
  outDir: 'bench/.build',
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  clean: true,
  dts: false,
  sourcemap: true,
  skipNodeModulesBundle: true,
  silent: true,
});
