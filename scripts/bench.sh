#!/usr/bin/env bash
# Benchmarks, side by side with the alternative in the same run (see bench/).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO bash scripts/test-env/setup.sh
npx tsx bench/native.bench.ts
npx tsx bench/build.bench.ts
npx tsx bench/registry.bench.ts
npx tsx bench/lint.bench.ts
npx tsx bench/startup.bench.ts
