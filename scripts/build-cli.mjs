/**
 * Build step after `tsc`: bundles the command line (src/cli, src/lint and the
 * CommonJS packages only they use: commander, dockerfile-ast) into a few ES
 * modules in dist/cli/, over tsc's output there, and writes dist/cli/help.txt
 * for bin/kubox.js's `--help` fast path.
 *
 * Why: Node 20 has no module compile cache, and start-up cost grows with the
 * number of files loaded (~100 ESM modules and ~40 CommonJS files for
 * `kubox lint FILE`). One bundle per command keeps `kubox --help` and
 * `kubox lint FILE` close to `node -e 0` (issue 17).
 *
 * Everything else (engines, registry, spec, errors, redact, workers, ...)
 * stays external: the bundle imports tsc's dist/ modules, so the library's
 * dist/ is unchanged, module state (redact's secrets, KuboxError's class) has
 * one instance, and modules that find files by import.meta.url (presets, keys,
 * package.json, worker scripts) still sit where they expect to.
 *
 *   node scripts/build-cli.mjs   (npm run build runs it)
 */
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'dist', 'cli');
/** Source folders that go into the bundle; every other src/ module stays external. */
const BUNDLED_SRC = [join(SRC, 'cli') + sep, join(SRC, 'lint') + sep];
/** npm packages only the CLI and the linter load (CommonJS: many small files each). */
const BUNDLED_PACKAGES = new Set([
  'commander',
  'dockerfile-ast',
  'vscode-languageserver-types',
  'vscode-languageserver-textdocument',
]);

const packageName = (spec) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];

/** Keeps a src/ module outside the bundle: imported from tsc's output, relative to dist/cli/. */
const externals = {
  name: 'kubox-externals',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(SRC + sep)) return undefined; // inside a bundled package
      const target = resolve(args.resolveDir, args.path);
      if (BUNDLED_SRC.some((d) => target.startsWith(d))) return undefined;
      const fromDist = join(ROOT, 'dist', relative(SRC, target));
      let path = relative(OUT, fromDist).split(sep).join('/');
      if (!path.startsWith('.')) path = `./${path}`;
      return { path, external: true };
    });
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      return BUNDLED_PACKAGES.has(packageName(args.path))
        ? undefined
        : { path: args.path, external: true };
    });
  },
};

// Entry points: every top-level module of src/cli keeps its dist/cli/<name>.js
// path (bin/kubox.js imports main.js; each command's action imports its own).
const entries = readdirSync(join(SRC, 'cli'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => join(SRC, 'cli', f));

const result = await build({
  entryPoints: entries,
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Chunks beside the entries: the external paths above are relative to dist/cli/.
  chunkNames: 'chunk-[hash]',
  // For debugging a bundle (node --enable-source-maps); src/ is not shipped, so no sources inside.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  // Less to parse at start-up; identifiers kept, so a bug's stack trace still names functions.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [externals],
  write: false,
  // commander and dockerfile-ast are CommonJS and require() node's modules.
  banner: {
    js: "import { createRequire as __kuboxCreateRequire } from 'node:module';\nconst require = __kuboxCreateRequire(import.meta.url);",
  },
});

/**
 * Each file replaced by a rename: a kubox that runs while the build does (the
 * tests of someone else) reads the old file or the new one, never half of one.
 */
function writeAtomic(path, contents) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

const written = new Set();
// Chunks first: an entry is in place only once the chunks it imports are.
const isChunk = (f) => /\/chunk-[^/]*$/.test(f.path);
for (const f of [
  ...result.outputFiles.filter(isChunk),
  ...result.outputFiles.filter((f) => !isChunk(f)),
]) {
  writeAtomic(f.path, f.contents);
  written.add(f.path);
}
// Chunks are named by their content: those of an earlier build that this one no longer has go.
for (const f of readdirSync(OUT)) {
  if (/^chunk-.*\.js(\.map)?$/.test(f) && !written.has(join(OUT, f))) rmSync(join(OUT, f));
}

// `kubox --help` as commander prints it to a pipe (80 columns), served by
// bin/kubox.js without loading the CLI; test/unit/cli/help-fast-path.test.ts
// checks that the two never differ.
const { rootHelp } = await import(pathToFileURL(join(OUT, 'main.js')).href);
writeAtomic(join(OUT, 'help.txt'), rootHelp());
console.log(`kubox: bundled ${entries.length} CLI entries into ${relative(ROOT, OUT)}/`);
