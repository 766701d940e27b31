#!/usr/bin/env bash
# The whole test suite on a fresh machine: sets up the real test environment
# (Docker engine + buildx, registry with auth, QEMU, loopback mirrors), then
# runs static checks, unit tests and the real-engine end-to-end tests.
# Fails unless every test file ran to its end (scripts/check-test-report.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO bash scripts/test-env/setup.sh

npm run build
npm run typecheck
npm run lint

results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?
if [ ! -s "$results" ]; then
  echo "vitest wrote no report (exit $status): the run ended before any result"
  echo "0 passed, 1 failed"
  exit 1
fi
# Every file ran, none was cut short, no unexpected skip; prints "N passed, N failed".
node scripts/check-test-report.mjs "$results" || status=$?
exit "$status"
