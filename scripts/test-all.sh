#!/usr/bin/env bash
# The whole test suite on a fresh machine: sets up the real test environment
# (Docker engine + buildx, registry with auth, QEMU, loopback mirrors), then
# runs static checks, unit tests and the real-engine end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO bash scripts/test-env/setup.sh

npm run build
npm run typecheck
npm run lint

results=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?
# One plain closing line that any CI can read.
node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results"
rm -f "$results"
exit "$status"
