#!/usr/bin/env bash
# Benchmarks, side by side with the alternative in the same run (see bench/).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO bash scripts/test-env/setup.sh
# Every bench file merges its figures into bench/results.json under this run's
# name; the run before is kept there as "previous" (bench/results.ts).
KUBOX_BENCH_RUN="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
export KUBOX_BENCH_RUN
npx tsx bench/native.bench.ts
npx tsx bench/build.bench.ts
npx tsx bench/registry.bench.ts
npx tsx bench/lint.bench.ts
npx tsx bench/startup.bench.ts
