#!/usr/bin/env bash
# A Docker image with Debian trixie's python3-cyclonedx-lib (9.1), whose strict
# JSON validator is the second, independent check of `kubox sbom
# --format cyclonedx-json` (test/e2e/sbom.test.ts); ajv is the first.
#
# Why not the host's: bookworm has no python3-cyclonedx-lib with CycloneDX 1.6,
# and trixie's needs trixie's Python, so it runs in a trixie root file system:
#   mmdebstrap --variant=apt --include=python3-cyclonedx-lib,python3-jsonschema,... trixie OUT.tar
#   docker import OUT.tar kubox-e2e/cyclonedx-trixie:2
# python3-jsonschema and its format checkers are the library's "json-validation"
# extra (Debian only recommends them; --variant=apt installs no recommends).
# Run it with `docker run --rm --network host` (dockerd here has no bridge).
#
# Idempotent: does nothing when the image exists; the tarball is cached under
# /var/cache/kubox-e2e/cyclonedx so that a removed image is re-imported in
# seconds. About a minute on a fresh machine (Debian mirrors must be reachable).
# Prints the image name on stdout; progress goes to stderr.
set -euo pipefail

IMAGE=${KUBOX_CYCLONEDX_IMAGE:-kubox-e2e/cyclonedx-trixie:2}
TAR=/var/cache/kubox-e2e/cyclonedx/cyclonedx-trixie-2.tar
# jsonschema[format]: what cyclonedx-python-lib's json-validation extra asks for.
PACKAGES=python3-cyclonedx-lib,python3-jsonschema,python3-fqdn,python3-idna,python3-isoduration,python3-json-pointer,python3-rfc3339-validator,python3-rfc3987,python3-webcolors

# shellcheck source=SCRIPTDIR/trixie-image.sh
source "$(dirname "${BASH_SOURCE[0]}")/trixie-image.sh"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"
  exit 0
fi

trixie_image cyclonedx-trixie "$IMAGE" "$TAR" "$PACKAGES" python3
# Fails here, not in a test, when the validator cannot validate: it must accept a
# minimal BOM and refuse one with an unknown property.
if ! docker run --rm --network host "$IMAGE" -c '
import importlib.metadata as m
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
v = JsonStrictValidator(SchemaVersion.V1_6)
assert v.validate_str("{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\"}") is None
assert v.validate_str("{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"x\": 1}") is not None
print("cyclonedx-python-lib", m.version("cyclonedx-python-lib"), "validates CycloneDX 1.6")
' >&2; then
  docker image rm "$IMAGE" >/dev/null 2>&1 || true
  exit 1
fi
echo "$IMAGE"
