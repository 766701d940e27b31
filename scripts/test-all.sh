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
npx vitest run
