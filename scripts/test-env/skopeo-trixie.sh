#!/usr/bin/env bash
# A Docker image with Debian trixie's skopeo (1.18), the independent verifier
# of kubox's cosign-compatible signatures (test/e2e/sign.test.ts).
#
# Why not the host's skopeo: bookworm's 1.9.3 has sigstore verification
# patched out ("Debian-local change: sigstore disabled"), and trixie's binary
# needs glibc 2.38, so it runs in a trixie root file system of its own:
#   mmdebstrap --variant=apt --include=skopeo,ca-certificates trixie OUT.tar
#   docker import OUT.tar kubox-e2e/skopeo-trixie:1
# Run it with `docker run --rm --network host` (dockerd here has no bridge).
#
# Idempotent: does nothing when the image exists; the tarball is cached under
# /var/cache/kubox-e2e/skopeo so that a removed image is re-imported in
# seconds. About 40 s on a fresh machine (Debian mirrors must be reachable).
# Prints the image name on stdout; progress goes to stderr.
set -euo pipefail

IMAGE=${KUBOX_SKOPEO_IMAGE:-kubox-e2e/skopeo-trixie:1}
TAR=/var/cache/kubox-e2e/skopeo/skopeo-trixie-1.tar

# shellcheck source=SCRIPTDIR/trixie-image.sh
source "$(dirname "${BASH_SOURCE[0]}")/trixie-image.sh"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"
  exit 0
fi

trixie_image skopeo-trixie "$IMAGE" "$TAR" skopeo,ca-certificates skopeo
docker run --rm --network host "$IMAGE" --version >&2
echo "$IMAGE"
