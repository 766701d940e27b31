#!/usr/bin/env bash
# The main job on a machine without Docker Hub, pkgs.k8s.io, dl.min.io or PyPI:
# the py-kube preset with every source swapped for a loopback mirror, built
# for linux/amd64 + linux/arm64, pushed to the local registry with
# authentication, then verified on both platforms.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO bash scripts/test-env/setup.sh
[ -f dist/index.js ] || npm run build

work=${KUBOX_DEMO_DIR:-out/demo}
mkdir -p "$work"
npx tsx scripts/local-spec.ts > "$work/kubox.yaml"
export DOCKER_CONFIG=/var/lib/kubox-e2e/docker-config
image=$(node -e 'const e=require("/var/lib/kubox-e2e/env.json"); console.log(e.registry + "/kubox-demo/py-kube:0.9.0")')

echo "== kubox render ($work)"
node bin/kubox.js render -f "$work/kubox.yaml" --out "$work"
echo "== kubox build --push"
node bin/kubox.js build -f "$work/kubox.yaml" --push --network host
echo "== kubox verify $image"
node bin/kubox.js verify -f "$work/kubox.yaml" "$image"
