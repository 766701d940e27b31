# Sourced by skopeo-trixie.sh and cyclonedx-trixie.sh: a Docker image made of a
# Debian trixie root file system (mmdebstrap) holding some packages, for the
# verifiers that need trixie's glibc and Python. The tarball is cached, so a
# removed image is re-imported in seconds; a partial tarball is never used.
#
#   trixie_image NAME IMAGE TAR PACKAGES ENTRYPOINT
# Builds TAR (if missing) with PACKAGES (comma-separated) and imports it as
# IMAGE with ENTRYPOINT. Progress goes to stderr, tagged with NAME.

trixie_image() {
  local name=$1 image=$2 tar=$3 packages=$4 entrypoint=$5
  mkdir -p "$(dirname "$tar")"
  if [[ ! -f $tar || ! -s $tar ]]; then
    echo "$name: building a trixie root file system with $packages (mmdebstrap, about a minute)" >&2
    rm -rf "$tar.part"
    # --format=tar: the .part suffix would otherwise make mmdebstrap write a directory.
    mmdebstrap --format=tar --variant=apt --include="$packages" \
      --aptopt='Acquire::Languages "none"' \
      trixie "$tar.part" "deb http://deb.debian.org/debian trixie main" >&2
    mv "$tar.part" "$tar"
  fi
  echo "$name: importing $tar as $image" >&2
  docker import --platform linux/amd64 -c "ENTRYPOINT [\"$entrypoint\"]" "$tar" "$image" >/dev/null
}
