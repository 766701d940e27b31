/**
 * kubox lint's agreement with its own corpus (test/fixtures/lint-corpus), as a
 * figure, and dockerfilelint's on the checks it has an equivalent for.
 *
 *   npx tsx scripts/lint-corpus.mjs          # summary
 *   npx tsx scripts/lint-corpus.mjs --list   # also every disagreement
 *
 * An assertion is one (case, code, must fire | must not fire) pair. Cases
 * marked @differs state kubox's deliberate behaviour, so they count for kubox
 * as written and are listed apart.
 */
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { checkCorpus, readCorpus } from '../test/unit/lint/corpus-reader.ts';

const require = createRequire(import.meta.url);
const dockerfilelint = require('dockerfilelint');

// kubox code -> dockerfilelint rules that check the same thing.
const DOCKERFILELINT = {
  DL3004: ['sudo_usage'],
  DL3006: ['missing_tag'],
  DL3007: ['latest_tag'],
  DL3009: ['apt-get_missing_rm'],
  DL3014: ['apt-get_missing_param'],
  DL3015: ['apt-get_recommends'],
  DL3021: ['add_dest_invalid'],
  DL3061: ['from_first'],
};

const list = process.argv.includes('--list');
const cases = readCorpus();
const { checks, disagreements } = checkCorpus(cases);
const pct = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);

console.log(
  `corpus: ${cases.length} cases, ${checks} assertions (codes that must / must not fire)`,
);
console.log(
  `kubox lint: ${checks - disagreements.length}/${checks} agree (${pct(checks - disagreements.length, checks)})`,
);
const differs = cases.filter((c) => c.differs);
console.log(`  of which ${differs.length} cases state a deliberate difference from hadolint:`);
for (const c of differs) console.log(`    ${c.file}: ${c.name}: ${c.differs}`);
if (list)
  for (const d of disagreements)
    console.log(`  ✗ ${d.c.file}:${d.c.line} ${d.c.name}: ${d.code} should ${d.expected}`);

// dockerfilelint on the assertions whose code it has an equivalent for.
const configDir = tmpdir(); // no .dockerfilelintrc there
let dflChecks = 0;
let dflAgree = 0;
const perCode = new Map();
const misses = [];
for (const c of cases) {
  const relevant = [...c.fire, ...c.quiet].filter((code) => DOCKERFILELINT[code]);
  if (relevant.length === 0 || Object.keys(c.config).length > 0) continue;
  let rules;
  try {
    rules = new Set(dockerfilelint.run(configDir, c.dockerfile).map((r) => r.rule));
  } catch {
    rules = new Set(); // dockerfilelint threw: it reported nothing
  }
  for (const code of relevant) {
    const fires = DOCKERFILELINT[code].some((r) => rules.has(r));
    const expected = c.fire.includes(code);
    const ok = fires === expected;
    dflChecks++;
    if (ok) dflAgree++;
    else
      misses.push(`${c.file}:${c.line} ${c.name}: ${code} should ${expected ? 'fire' : 'quiet'}`);
    const p = perCode.get(code) ?? { n: 0, ok: 0 };
    p.n++;
    if (ok) p.ok++;
    perCode.set(code, p);
  }
}
console.log(
  `dockerfilelint, where it has an equivalent check: ${dflAgree}/${dflChecks} agree (${pct(dflAgree, dflChecks)})`,
);
for (const [code, p] of [...perCode].sort()) {
  console.log(`  ${code} ~ ${DOCKERFILELINT[code].join(', ')}: ${p.ok}/${p.n} (${pct(p.ok, p.n)})`);
}
if (list) for (const m of misses) console.log(`  ✗ dockerfilelint ${m}`);
process.exitCode = disagreements.length === 0 ? 0 : 1;
