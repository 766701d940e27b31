#!/usr/bin/env bash
# Test environment for kubox's end-to-end tests, on a Debian 12 machine as root.
#
# Installs and starts, all on loopback only:
#   - dockerd (Debian trixie's docker.io + docker-buildx, containerd image store)
#   - qemu-aarch64 binfmt (arm64 RUN steps and `docker run --platform linux/arm64`)
#   - a Debian docker-registry on 127.0.0.1:5000 with htpasswd Basic auth
#   - a second docker-registry on 127.0.0.1:5001 with `auth: token` (Bearer), trusting a
#     test-only signing certificate; the token issuer (realm 127.0.0.1:5002) is not a
#     daemon: tests start test/support/token-issuer.ts with that key
#   - skopeo and openssl
#   - a two-platform stand-in for python:3.13-slim, pushed there and pinned by digest
#   - a static HTTP server on 127.0.0.1:8080 with stand-ins made of real parts for
#     pkgs.k8s.io (signed flat apt repo with kubectl), dl.min.io (mc) and PyPI (Debian's
#     own wheels, and bookworm's python3-kubernetes, httpie, python3-ipython and their
#     Python dependencies repacked as wheels by pypi-from-debian.py, next to this script)
# and writes a description of it all to ${KUBOX_E2E_ENV:-/var/lib/kubox-e2e/env.json}.
#
# Idempotent: a second run reuses everything that is already there and running.
# Details go to /var/log/kubox-e2e/setup.log (shown on failure).
# Stop the services again with scripts/test-env/teardown.sh.
set -euo pipefail

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
STATE=/var/lib/kubox-e2e
CACHE=/var/cache/kubox-e2e
LOG_DIR=/var/log/kubox-e2e
RUN_DIR=/run/kubox-e2e
LOG=$LOG_DIR/setup.log
ENV_FILE=${KUBOX_E2E_ENV:-$STATE/env.json}

REGISTRY=127.0.0.1:5000
# Second registry with the Docker token (Bearer) flow. Its issuer is started by the
# tests (test/support/token-issuer.ts) on TOKEN_REALM, signing with TOKEN_KEY.
TOKEN_REGISTRY=127.0.0.1:5001
TOKEN_REALM=http://127.0.0.1:5002/token
TOKEN_SERVICE=kubox-token-registry
TOKEN_ISSUER=kubox-test-issuer
TOKEN_DIR=$STATE/token
# Test-only credentials for the loopback registry. Not a secret: they protect
# nothing but a throwaway registry on 127.0.0.1 and are published in env.json.
REG_USER=kubox
REG_PASS=kubox-test-only
export DOCKER_CONFIG=$STATE/docker-config   # keeps root's ~/.docker untouched

HTTP_ADDR=127.0.0.1
HTTP_PORT=8080
HTTP_BASE=http://$HTTP_ADDR:$HTTP_PORT
WWW=$STATE/www

KUBECTL_MINOR=1.32
BASE_REPO=$REGISTRY/library/python
BASE_TAG=3.13-slim
PLATFORMS=(amd64 arm64)

# Recipe of the python:3.13-slim stand-in. Its hash keys the tarball cache and
# the registry tag, so changing anything here rebuilds the base image.
BASE_RECIPE_VERSION=1
BASE_SUITE=bookworm
BASE_INCLUDE=python3,python3-pip,python-is-python3,ca-certificates
BASE_SOURCES=(
  "deb http://deb.debian.org/debian bookworm main"
  "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main"
)
# Like debian:bookworm-slim (which python:3.13-slim is built on): no docs, man
# pages or locales, now and in later apt-get installs.
BASE_DPKGOPTS=(
  'path-exclude=/usr/share/man/*'
  'path-exclude=/usr/share/doc/*'
  'path-include=/usr/share/doc/*/copyright'
  'path-exclude=/usr/share/info/*'
  'path-exclude=/usr/share/locale/*'
  'path-exclude=/usr/share/groff/*'
  'path-exclude=/usr/share/linda/*'
  'path-exclude=/usr/share/lintian/*'
)
BASE_HOOKS=(
  # The official python images have no PEP 668 marker: plain `pip install` works.
  'rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED'
  'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb'
)
BASE_CHANGES=('ENV LANG=C.UTF-8' 'CMD ["python3"]')

# Bump when the layout of the www tree changes, to force a rebuild of it.
WWW_RECIPE_VERSION=1

# Helpers next to this script. KUBOX_TEST_ENV_DIR points there when a copy of
# setup.sh runs from elsewhere.
HERE=${KUBOX_TEST_ENV_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
PYPI_HELPER=$HERE/pypi-from-debian.py

# The loopback PyPI's wheels: the Depends closure of these bookworm packages, Python
# library packages only (python3-*, httpie), repacked by $PYPI_HELPER. Versions from
# bookworm (+ -updates, -security), never from the host's trixie.
PYPI_ROOTS=(python3-kubernetes httpie python3-ipython)
PYPI_SUITES=(bookworm bookworm-updates bookworm-security)
# Not repacked: the interpreter, and what the test base has from Debian already (a
# Depends on python3-pip/-setuptools/-pkg-resources/-wheel becomes a requirement on
# Debian's own pip/setuptools/wheel wheels, which the index serves too).
PYPI_EXCLUDE=(python3 python3-minimal 'python3.11*' 'libpython*' python3-pip python3-setuptools
  python3-wheel python3-pkg-resources python3-distutils python3-lib2to3)
PYPI_SOURCES=(
  "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main"
  "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main"
  "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main"
)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
T0=$(date +%s)
say() { echo "[test-env] $*"; echo "[test-env $(date +%T)] $*" >>"$LOG"; }
die() {
  echo "[test-env] ERROR: $*" >&2
  echo "[test-env $(date +%T)] ERROR: $*" >>"$LOG"
  exit 1
}
# Run a command with its output going to the log.
q() { echo "+ $*" >>"$LOG"; "$@" >>"$LOG" 2>&1; }
on_exit() {
  local rc=$?
  # Stop background base-image builds of this run, if any.
  local p
  for p in "${BG_PIDS[@]:-}"; do
    [[ -n $p ]] || continue
    pkill -TERM -P "$p" 2>/dev/null || true   # mmdebstrap, by parent pid
    kill "$p" 2>/dev/null || true
  done
  # gpg starts a gpg-agent for the test key's home; don't leave it behind.
  [[ -d ${GNUPGHOME:-/nonexistent} ]] && gpgconf --kill gpg-agent 2>/dev/null || true
  if ((rc != 0)); then
    echo "[test-env] FAILED (exit $rc) after $(($(date +%s) - T0)) s; last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2 || true
  fi
}
BG_PIDS=()

[[ $(id -u) == 0 ]] || { echo "[test-env] ERROR: must run as root" >&2; exit 1; }
mkdir -p "$STATE" "$CACHE" "$LOG_DIR" "$RUN_DIR"

# One setup at a time. Daemons started below get `9>&-` so they don't hold the lock.
exec 9>"$RUN_DIR/setup.lock"
flock -w 900 9 || { echo "[test-env] ERROR: another setup.sh is still running (lock $RUN_DIR/setup.lock)" >&2; exit 1; }
: >"$LOG"
trap on_exit EXIT

SYS_PY=/usr/bin/python3   # Debian's python, not whatever is first on PATH

wait_for() { # wait_for SECONDS DESCRIPTION CMD... ; polls CMD every 0.5 s
  local secs=$1 what=$2; shift 2
  local deadline=$(($(date +%s) + secs))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < deadline)) || die "timed out after ${secs}s waiting for $what"
    sleep 0.5
  done
}

# pid_alive PIDFILE PATTERN: the pid in PIDFILE runs and its command line matches PATTERN.
pid_alive() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------------------
# 1. Packages
# ---------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive

write_if_changed() { # write_if_changed FILE CONTENT -> returns 0 when changed
  if [[ -f $1 ]] && [[ $(<"$1") == "$2" ]]; then return 1; fi
  printf '%s\n' "$2" >"$1"
}

APT_UPDATED=
apt_update_once() {
  [[ -n $APT_UPDATED ]] && return 0
  say "apt-get update"
  q apt-get update
  APT_UPDATED=1
}

installed() { [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == "ii " ]]; }
installed_ge() { # installed_ge PKG VERSION
  installed "$1" && dpkg --compare-versions "$(dpkg-query -W -f='${Version}' "$1")" ge "$2"
}

install_packages() {
  local changed=
  write_if_changed /etc/apt/sources.list.d/trixie.list \
    'deb http://deb.debian.org/debian trixie main' && changed=1
  write_if_changed /etc/apt/preferences.d/trixie \
    "$(printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100')" && changed=1
  [[ -n $changed ]] && APT_UPDATED= && apt_update_once

  local bookworm=(docker-registry apache2-utils mmdebstrap arch-test qemu-user-static binfmt-support
    gpg dpkg-dev apt-utils curl ca-certificates python3 xz-utils skopeo openssl
    python3-pip-whl python3-setuptools-whl python3-wheel-whl
    # pypi-from-debian.py: resolves with libapt, compares versions and requirements.
    python3-apt python3-packaging
    # kubox lint runs ShellCheck on every RUN when it is on PATH; the generated
    # workflow's signing step reads the build's JSON with jq (its test runs it).
    shellcheck jq
    # What unit and e2e tests compare kubox with on this machine (the suite skips no
    # test for a missing tool): openssl's subject hashes, useradd's login.defs, and
    # dpkg records and alternatives of the py-kube tools installed here.
    login "${SCRIPT_INSTALL[@]}")
  local missing=() p
  for p in "${bookworm[@]}"; do installed "$p" || missing+=("$p"); done
  # docker.io 26 and docker-buildx from trixie. `pkg/trixie` takes only what they
  # need from trixie (containerd), not trixie's libc (as `-t trixie` would).
  local trixie=()
  installed_ge docker.io 26 || trixie+=(docker.io/trixie)
  installed docker-buildx || trixie+=(docker-buildx/trixie)
  if ! command -v docker >/dev/null; then
    installed docker-cli || trixie+=(docker-cli/trixie)
  fi
  if ((${#missing[@]} + ${#trixie[@]})); then
    say "installing: ${missing[*]} ${trixie[*]}"
    apt_update_once
    q apt-get install -y --no-install-recommends "${missing[@]}" "${trixie[@]}"
  fi
  command -v docker >/dev/null || die "no docker CLI after install"
  docker buildx version >/dev/null 2>&1 || die "docker buildx plugin not found"
}

# Debian packages whose files we serve: downloaded once into the cache.
#   amd64/all from trixie via the host's apt; arm64 via a private apt config
#   (no `dpkg --add-architecture`, so the host's apt stays single-arch).
DEBS=$CACHE/debs
fetch_debs() {
  local want_amd64=(kubectl minio-client python3-pip-whl python3-setuptools-whl
    python3-wheel-whl python3-packaging-whl)
  local want_arm64=(kubectl minio-client)
  local p need=()
  mkdir -p "$DEBS/amd64" "$DEBS/arm64"
  for p in "${want_amd64[@]}"; do
    compgen -G "$DEBS/amd64/${p}_*.deb" >/dev/null || need+=("$p/trixie")
  done
  if ((${#need[@]})); then
    say "downloading from trixie: ${need[*]}"
    apt_update_once
    (cd "$DEBS/amd64" && q apt-get download "${need[@]}")
  fi
  need=()
  for p in "${want_arm64[@]}"; do
    compgen -G "$DEBS/arm64/${p}_*_arm64.deb" >/dev/null || need+=("$p")
  done
  if ((${#need[@]})); then
    say "downloading from trixie (arm64): ${need[*]}"
    private_apt "$CACHE/apt-arm64" arm64 \
      'deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main'
    q apt-get "${APT_O[@]}" update
    (cd "$DEBS/arm64" && q apt-get "${APT_O[@]}" download "${need[@]}")
  fi
}

# private_apt DIR ARCH SOURCES_LINE...: an apt of its own under DIR (sources, lists,
# cache, an empty dpkg status) for ARCH; sets APT_O to the options that select it,
# for apt-get and for pypi-from-debian.py resolve. The host's apt stays single-arch.
APT_O=()
private_apt() {
  local A=$1 arch=$2; shift 2
  mkdir -p "$A/lists/partial" "$A/archives/partial" "$A/etc/sources.list.d" "$A/etc/preferences.d"
  printf '%s\n' "$@" >"$A/etc/sources.list"
  touch "$A/status"
  APT_O=(-o "Dir::Etc::SourceList=$A/etc/sources.list" -o "Dir::Etc::SourceParts=$A/etc/sources.list.d"
    -o "Dir::Etc::Preferences=$A/etc/preferences" -o "Dir::Etc::PreferencesParts=$A/etc/preferences.d"
    -o "Dir::State::Lists=$A/lists" -o "Dir::State::status=$A/status" -o "Dir::Cache=$A"
    -o "Dir::Cache::archives=$A/archives" -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch")
}

# .debs for the loopback PyPI, in $PYPI_DEBS/{amd64,arm64}: the closure of
# PYPI_ROOTS resolved against bookworm twice, amd64/all with the host's apt (each
# package pinned to its bookworm version: package=version) and arm64 with a private
# apt for bookworm arm64, whose arm64 packages go to arm64/. closure.txt lists them
# under a key over the recipe; while it matches and the files are there, nothing is
# fetched (delete $PYPI_DEBS to pick up newer bookworm versions).
PYPI_DEBS=$DEBS/pypi
fetch_pypi_debs() {
  local list=$PYPI_DEBS/closure.txt key
  key="pypi-debs v1; ${PYPI_ROOTS[*]}; ${PYPI_SUITES[*]}; ${PYPI_EXCLUDE[*]}; $(sha256 "$PYPI_HELPER")"
  if [[ -f $list && $(head -n1 "$list") == "# $key" ]]; then
    local a f missing=
    while read -r a f; do
      [[ -f $PYPI_DEBS/$a/$f ]] || missing=1
    done < <(grep -v '^#' "$list")
    [[ -z $missing ]] && return 0
  fi
  say "resolving the loopback PyPI's bookworm packages (${PYPI_ROOTS[*]} and their Python Depends)"
  local res=() x
  for x in "${PYPI_SUITES[@]}"; do res+=(--suite "$x"); done
  for x in "${PYPI_EXCLUDE[@]}"; do res+=(--exclude "$x"); done
  mkdir -p "$PYPI_DEBS/amd64" "$PYPI_DEBS/arm64"
  apt_update_once
  local amd64 arm64
  amd64=$("$SYS_PY" "$PYPI_HELPER" resolve "${res[@]}" "${PYPI_ROOTS[@]}" 2>>"$LOG") ||
    die "resolving ${PYPI_ROOTS[*]} (amd64) failed"
  private_apt "$CACHE/apt-bookworm-arm64" arm64 "${PYPI_SOURCES[@]}"
  q apt-get "${APT_O[@]}" update || die "apt-get update (bookworm arm64) failed"
  arm64=$("$SYS_PY" "$PYPI_HELPER" resolve "${APT_O[@]}" "${res[@]}" "${PYPI_ROOTS[@]}" 2>>"$LOG") ||
    die "resolving ${PYPI_ROOTS[*]} (arm64) failed"
  echo "$amd64" | sed 's/^/resolved amd64: /' >>"$LOG"
  echo "$arm64" | sed 's/^/resolved arm64: /' >>"$LOG"
  # apt-get download names a file PACKAGE_VERSION_ARCH.deb, with an epoch's ':' as %3a.
  local out=("# $key") p v arch need=() f
  while read -r p v arch; do
    f=${p}_${v//:/%3a}_$arch.deb
    out+=("amd64 $f")
    [[ -f $PYPI_DEBS/amd64/$f ]] || need+=("$p=$v")
  done <<<"$amd64"
  if ((${#need[@]})); then
    say "downloading ${#need[@]} bookworm packages (amd64/all) for the loopback PyPI"
    (cd "$PYPI_DEBS/amd64" && q apt-get download "${need[@]}") || die "apt-get download ${need[*]} failed"
  fi
  need=()
  while read -r p v arch; do
    [[ $arch == arm64 ]] || continue
    f=${p}_${v//:/%3a}_$arch.deb
    out+=("arm64 $f")
    [[ -f $PYPI_DEBS/arm64/$f ]] || need+=("$p=$v")
  done <<<"$arm64"
  if ((${#need[@]})); then
    say "downloading ${#need[@]} bookworm packages (arm64) for the loopback PyPI"
    (cd "$PYPI_DEBS/arm64" && q apt-get "${APT_O[@]}" download "${need[@]}") ||
      die "apt-get download (arm64) ${need[*]} failed"
  fi
  # Only what was resolved stays: the build takes every .deb there.
  local keep; keep=$(printf '%s\n' "${out[@]:1}")
  for f in "$PYPI_DEBS"/amd64/*.deb "$PYPI_DEBS"/arm64/*.deb; do
    [[ -f $f ]] || continue
    x=${f#"$PYPI_DEBS"/}
    grep -qxF "${x%%/*} ${x#*/}" <<<"$keep" || { echo "removing stale $f" >>"$LOG"; rm -f "$f"; }
  done
  while read -r arch f; do
    [[ -f $PYPI_DEBS/$arch/$f ]] || die "apt-get download did not leave $PYPI_DEBS/$arch/$f"
  done <<<"$keep"
  printf '%s\n' "${out[@]}" >"$list"
}

# Real bookworm packages for test/e2e/native-scripts.test.ts, fetched here so the
# test reads files and never waits on the network: the py-kube tool set and a few
# dependencies (bookworm's current versions), and, for the dpkg records it compares
# with this machine's, the .deb of the exact version installed here.
SCRIPT_DEBS=$CACHE/debs/scripts
SCRIPT_PKGS=(vim vim-tiny vim-common vim-runtime curl tree dnsutils bind9-dnsutils
  apt-transport-https netcat-openbsd redis-server redis-tools gpg bsdextrautils mawk less
  ca-certificates libc-bin)
SCRIPT_INSTALL=(vim tree curl netcat-openbsd gpg)
SCRIPT_COMPARE=(mawk less vim vim-common libc-bin tree curl netcat-openbsd gpg)
fetch_script_debs() {
  local p need=()
  mkdir -p "$SCRIPT_DEBS/current" "$SCRIPT_DEBS/installed"
  for p in "${SCRIPT_PKGS[@]}"; do
    compgen -G "$SCRIPT_DEBS/current/${p}_*.deb" >/dev/null || need+=("$p")
  done
  if ((${#need[@]})); then
    say "downloading bookworm packages for the maintainer-script tests: ${need[*]}"
    apt_update_once
    (cd "$SCRIPT_DEBS/current" && q apt-get download "${need[@]}") || die "apt-get download ${need[*]} failed"
  fi
  for p in "${SCRIPT_COMPARE[@]}"; do
    local dir=$SCRIPT_DEBS/installed/$p v f
    v=$(dpkg-query -W -f='${Version}' "$p")
    for f in "$dir"/*.deb; do
      [[ -f $f && $(deb_field "$f" Version) == "$v" ]] && continue 2
    done
    rm -rf "$dir"; mkdir -p "$dir"
    apt_update_once
    if ! (cd "$dir" && q apt-get download "$p=$v"); then
      # The installed version has left the mirror: move to the current one, which has not.
      say "upgrading $p ($v is no longer on the mirror) to compare its dpkg records"
      q apt-get install -y --no-install-recommends "$p" || die "apt-get install $p failed"
      v=$(dpkg-query -W -f='${Version}' "$p")
      (cd "$dir" && q apt-get download "$p=$v") || die "apt-get download $p=$v failed"
    fi
  done
}

# ---------------------------------------------------------------------------
# 2. dockerd and qemu binfmt
# ---------------------------------------------------------------------------
ensure_dockerd() {
  mkdir -p /etc/docker
  if [[ ! -s /etc/docker/daemon.json ]]; then
    echo '{"features":{"containerd-snapshotter":true}}' >/etc/docker/daemon.json
  elif ! grep -q '"containerd-snapshotter" *: *true' /etc/docker/daemon.json; then
    # Merge the feature into an existing config.
    "$SYS_PY" - <<'EOF'
import json
p = "/etc/docker/daemon.json"
c = json.load(open(p))
c.setdefault("features", {})["containerd-snapshotter"] = True
json.dump(c, open(p, "w"))
EOF
  fi
  if ! docker info >/dev/null 2>&1; then
    say "starting dockerd (log: /var/log/dockerd.log)"
    setsid dockerd --iptables=false --bridge=none >>/var/log/dockerd.log 2>&1 </dev/null 9>&- &
    echo $! >"$RUN_DIR/dockerd.pid"
    local deadline=$(($(date +%s) + 60))
    until docker info >/dev/null 2>&1; do
      if ! pid_alive "$RUN_DIR/dockerd.pid" dockerd; then
        tail -n 20 /var/log/dockerd.log >&2 || true
        die "dockerd exited during start-up (see /var/log/dockerd.log)"
      fi
      (($(date +%s) < deadline)) || die "dockerd did not answer 'docker info' within 60 s (see /var/log/dockerd.log)"
      sleep 0.5
    done
  fi
  # The containerd image store reports driver "overlayfs"; the classic one "overlay2".
  local drv
  drv=$(docker info --format '{{.Driver}}')
  [[ $drv == overlayfs || $drv == stargz || $drv == native ]] ||
    die "dockerd runs without the containerd image store (driver '$drv'): it was started with another config; stop it and rerun"
}

ensure_binfmt() {
  local f=/proc/sys/fs/binfmt_misc/qemu-aarch64
  if ! grep -qx enabled "$f" 2>/dev/null; then
    [[ -e /proc/sys/fs/binfmt_misc/register ]] ||
      q mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || true
    q update-binfmts --enable qemu-aarch64 || q update-binfmts --import qemu-aarch64 || true
  fi
  grep -qx enabled "$f" 2>/dev/null || die "qemu-aarch64 binfmt handler is not registered ($f)"
  # Containers need the interpreter opened at registration time (flag F).
  grep -q '^flags:.*F' "$f" || die "qemu-aarch64 binfmt handler lacks the F flag: arm64 containers would fail"
}

# ---------------------------------------------------------------------------
# 3. Registry
# ---------------------------------------------------------------------------
REG_DIR=$STATE/registry
registry_ok() {
  [[ $(http_code "http://$REGISTRY/v2/") == 401 ]] &&
    [[ $(http_code -u "$REG_USER:$REG_PASS" "http://$REGISTRY/v2/") == 200 ]]
}
ensure_registry() {
  if registry_ok; then return 0; fi
  if [[ $(http_code "http://$REGISTRY/v2/") != 000 ]]; then
    die "something else answers on $REGISTRY (not a registry with the test credentials)"
  fi
  say "starting docker-registry on $REGISTRY"
  mkdir -p "$REG_DIR/storage"
  if [[ ! -s $REG_DIR/htpasswd ]] || ! htpasswd -vb "$REG_DIR/htpasswd" "$REG_USER" "$REG_PASS" >/dev/null 2>&1; then
    htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$REG_DIR/htpasswd"   # bcrypt
  fi
  cat >"$REG_DIR/config.yml" <<EOF
# kubox e2e test registry: loopback only, test credentials (see setup.sh)
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REG_DIR/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $REGISTRY
  secret: kubox-e2e-test-only
auth:
  htpasswd:
    realm: kubox-e2e
    path: $REG_DIR/htpasswd
EOF
  serve_registry registry "$REG_DIR/config.yml" registry_ok "registry did not answer 401 on /v2/"
}

# serve_registry NAME CONFIG READY_CHECK WHAT: starts docker-registry in the
# background (pid in $RUN_DIR/NAME.pid, log in $LOG_DIR/NAME.log) and waits up
# to 30 s for READY_CHECK to pass.
serve_registry() {
  local name=$1 config=$2 ready=$3 what=$4
  setsid docker-registry serve "$config" >>"$LOG_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN_DIR/$name.pid"
  local deadline=$(($(date +%s) + 30))
  until "$ready"; do
    pid_alive "$RUN_DIR/$name.pid" docker-registry || die "$name: docker-registry exited (see $LOG_DIR/$name.log)"
    (($(date +%s) < deadline)) || die "$what within 30 s"
    sleep 0.3
  done
}

# Token-signing key and self-signed certificate for the Bearer registry. TEST ONLY:
# the key has no passphrase, is published in env.json and protects nothing but the
# throwaway registry on 127.0.0.1:5001. Made once; the registry trusts cert.pem.
ensure_token_key() {
  if [[ -s $TOKEN_DIR/key.pem && -s $TOKEN_DIR/cert.pem ]] &&
    openssl x509 -in "$TOKEN_DIR/cert.pem" -noout -checkend 86400 >/dev/null 2>&1; then
    return 0
  fi
  say "generating the test token-signing key and certificate ($TOKEN_DIR, TEST ONLY)"
  mkdir -p "$TOKEN_DIR"
  q openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/CN=$TOKEN_ISSUER (kubox e2e TEST ONLY)" \
    -keyout "$TOKEN_DIR/key.pem.new" -out "$TOKEN_DIR/cert.pem.new"
  chmod 600 "$TOKEN_DIR/key.pem.new"
  mv -f "$TOKEN_DIR/key.pem.new" "$TOKEN_DIR/key.pem"
  mv -f "$TOKEN_DIR/cert.pem.new" "$TOKEN_DIR/cert.pem"
}

TREG_DIR=$STATE/token-registry
# 401 with a Bearer challenge naming our realm and service.
token_registry_ok() {
  curl -s -o /dev/null -D - --max-time 5 "http://$TOKEN_REGISTRY/v2/" 2>/dev/null | tr -d '\r' |
    grep -qi "^www-authenticate: Bearer realm=\"$TOKEN_REALM\",service=\"$TOKEN_SERVICE\""
}
ensure_token_registry() {
  mkdir -p "$TREG_DIR/storage"
  local cfg_changed=
  write_if_changed "$TREG_DIR/config.yml" "# kubox e2e Bearer-token registry: loopback only, test-only key (see setup.sh)
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $TREG_DIR/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $TOKEN_REGISTRY
  secret: kubox-e2e-token-test-only
auth:
  token:
    realm: $TOKEN_REALM
    service: $TOKEN_SERVICE
    issuer: $TOKEN_ISSUER
    rootcertbundle: $TOKEN_DIR/cert.pem" && cfg_changed=1
  # The registry reads the cert bundle at start only: restart on a new cert or config.
  local cert_sum; cert_sum=$(sha256 "$TOKEN_DIR/cert.pem")
  [[ -f $TREG_DIR/cert.sha256 && $(<"$TREG_DIR/cert.sha256") == "$cert_sum" ]] || cfg_changed=1
  if [[ -z $cfg_changed ]] && token_registry_ok; then return 0; fi
  if pid_alive "$RUN_DIR/token-registry.pid" docker-registry; then
    say "restarting the token registry (config or certificate changed)"
    local old; old=$(<"$RUN_DIR/token-registry.pid")
    kill "$old"
    wait_for 10 "the old token registry (pid $old) to exit" test ! -d "/proc/$old"
  fi
  if [[ $(http_code "http://$TOKEN_REGISTRY/v2/") != 000 ]]; then
    die "something else answers on $TOKEN_REGISTRY (not the token registry with realm $TOKEN_REALM)"
  fi
  say "starting docker-registry with token auth on $TOKEN_REGISTRY"
  serve_registry token-registry "$TREG_DIR/config.yml" token_registry_ok "token registry did not answer 401 Bearer on /v2/"
  echo "$cert_sum" >"$TREG_DIR/cert.sha256"
}

docker_login() {
  if ! grep -q "\"$REGISTRY\"" "$DOCKER_CONFIG/config.json" 2>/dev/null; then
    mkdir -p "$DOCKER_CONFIG"
    printf '%s' "$REG_PASS" | q docker login -u "$REG_USER" --password-stdin "$REGISTRY" ||
      die "docker login $REGISTRY failed"
  fi
}

# Digest of a manifest (an index for the base) as the registry stores it.
INDEX_ACCEPT='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json'
manifest_digest() { # manifest_digest REPO_PATH TAG
  curl -sfI --max-time 10 -u "$REG_USER:$REG_PASS" -H "Accept: $INDEX_ACCEPT" \
    "http://$REGISTRY/v2/$1/manifests/$2" 2>/dev/null |
    tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}

# ---------------------------------------------------------------------------
# 4. Base image (stand-in for python:3.13-slim)
# ---------------------------------------------------------------------------
BASE_HASH=$(
  {
    echo "v$BASE_RECIPE_VERSION $BASE_SUITE $BASE_INCLUDE"
    printf '%s\n' "${BASE_SOURCES[@]}" "${BASE_DPKGOPTS[@]}" "${BASE_HOOKS[@]}" "${BASE_CHANGES[@]}"
  } | sha256sum | cut -c1-12
)
BASE_CACHE=$CACHE/base

build_base_tar() { # build_base_tar ARCH OUT ; runs in the background
  local arch=$1 out=$2 args=() x
  for x in "${BASE_DPKGOPTS[@]}"; do args+=(--dpkgopt="$x"); done
  for x in "${BASE_HOOKS[@]}"; do args+=(--customize-hook="$x"); done
  mmdebstrap --format=tar --variant=minbase --arch="$arch" --include="$BASE_INCLUDE" \
    --aptopt='Acquire::Languages "none"' "${args[@]}" \
    "$BASE_SUITE" "$out.part" "${BASE_SOURCES[@]}" &&
    mv "$out.part" "$out"
}

BASE_DIGEST=
base_in_registry() {
  local d h
  h=$(manifest_digest library/python "$BASE_TAG-$BASE_HASH")
  [[ -n $h ]] || return 1
  d=$(manifest_digest library/python "$BASE_TAG")
  if [[ $d != "$h" ]]; then
    q docker buildx imagetools create -t "$BASE_REPO:$BASE_TAG" "$BASE_REPO:$BASE_TAG-$BASE_HASH"
    d=$(manifest_digest library/python "$BASE_TAG")
  fi
  [[ $d == "$h" ]] || return 1
  BASE_DIGEST=$d
}

start_base_builds() {
  mkdir -p "$BASE_CACHE"
  local a
  for a in "${PLATFORMS[@]}"; do
    local tar=$BASE_CACHE/python-$BASE_TAG-$BASE_HASH-$a.tar
    [[ -s $tar ]] && continue
    say "building base rootfs for $a with mmdebstrap in the background (arm64 under QEMU takes ~2-3 min)"
    build_base_tar "$a" "$tar" >"$LOG_DIR/mmdebstrap-$a.log" 2>&1 &
    BG_PIDS+=($!)
  done
}

finish_base() {
  local p a refs=()
  for p in "${BG_PIDS[@]:-}"; do
    [[ -n $p ]] || continue
    wait "$p" || { tail -n 30 "$LOG_DIR"/mmdebstrap-*.log >&2; die "mmdebstrap failed (see $LOG_DIR/mmdebstrap-*.log)"; }
  done
  BG_PIDS=()
  for a in "${PLATFORMS[@]}"; do
    local tar=$BASE_CACHE/python-$BASE_TAG-$BASE_HASH-$a.tar ref=$BASE_REPO:$BASE_TAG-$BASE_HASH-$a
    [[ -s $tar ]] || die "missing base tarball $tar"
    local ch=() c
    for c in "${BASE_CHANGES[@]}"; do ch+=(-c "$c"); done
    say "importing and pushing $ref"
    q docker import --platform "linux/$a" "${ch[@]}" "$tar" "$ref"
    q docker push "$ref"
    refs+=("$ref")
  done
  say "creating two-platform index $BASE_REPO:$BASE_TAG"
  q docker buildx imagetools create -t "$BASE_REPO:$BASE_TAG-$BASE_HASH" -t "$BASE_REPO:$BASE_TAG" "${refs[@]}"
  BASE_DIGEST=$(manifest_digest library/python "$BASE_TAG")
  [[ $BASE_DIGEST == sha256:* ]] || die "could not read the digest of $BASE_REPO:$BASE_TAG"
  # Cross-check with buildx's own view of the index.
  local bx
  bx=$(docker buildx imagetools inspect --format '{{json .Manifest}}' "$BASE_REPO:$BASE_TAG" |
    "$SYS_PY" -c 'import json,sys; m=json.load(sys.stdin); print(m["digest"], m["mediaType"])')
  echo "imagetools inspect: $bx" >>"$LOG"
  [[ $bx == "$BASE_DIGEST "*index* || $bx == "$BASE_DIGEST "*manifest.list* ]] ||
    die "digest mismatch: registry says $BASE_DIGEST, buildx says $bx"
}

# ---------------------------------------------------------------------------
# 5. Static loopback HTTP server: apt repo (pkgs.k8s.io), mc (dl.min.io), PyPI
# ---------------------------------------------------------------------------
export GNUPGHOME=$STATE/gnupg
gpg() { command gpg "$@" 9>&-; }   # its agent must not inherit the lock
KEY_UID='kubox e2e test apt repository (TEST ONLY) <kubox-e2e@127.0.0.1>'
ensure_gpg_key() {
  mkdir -p "$GNUPGHOME"; chmod 700 "$GNUPGHOME"
  if ! gpg --batch --list-secret-keys "$KEY_UID" >/dev/null 2>&1; then
    say "generating the test apt signing key (no passphrase, $GNUPGHOME)"
    q gpg --batch --passphrase '' --quick-gen-key "$KEY_UID" rsa3072 sign never
  fi
  KEY_FPR=$(gpg --batch --with-colons --list-secret-keys "$KEY_UID" 2>>"$LOG" | awk -F: '$1=="fpr"{print $10; exit}')
}

deb_field() { dpkg-deb -f "$1" "$2"; }
extract_bin() { # extract_bin DEB PATH_IN_DEB OUT
  local t; t=$(mktemp -d)
  dpkg-deb -x "$1" "$t"
  [[ -f $t/$2 ]] || { rm -rf "$t"; die "$2 not found in $1"; }
  install -m 0755 "$t/$2" "$3"
  rm -rf "$t"
}

# kubectl .deb shaped like pkgs.k8s.io's: Package kubectl, Version X.Y.Z-1.1, /usr/bin/kubectl.
make_kubectl_deb() { # make_kubectl_deb BINARY UPSTREAM_VERSION ARCH SOURCE_NOTE OUTDIR
  local bin=$1 ver=$2-1.1 arch=$3 note=$4 out=$5 t
  t=$(mktemp -d)
  mkdir -p "$t/DEBIAN" "$t/usr/bin"
  install -m 0755 "$bin" "$t/usr/bin/kubectl"
  cat >"$t/DEBIAN/control" <<EOF
Package: kubectl
Version: $ver
Architecture: $arch
Maintainer: Kubernetes Authors <dev@kubernetes.io>
Installed-Size: $(du -sk "$t/usr" | cut -f1)
Section: admin
Priority: optional
Homepage: https://kubernetes.io
Description: Command-line utility for interacting with a Kubernetes cluster
 Command-line utility for interacting with a Kubernetes cluster.
 kubox e2e stand-in for the pkgs.k8s.io package; binary from $note.
EOF
  mkdir -p "$out/$arch"
  q dpkg-deb --root-owner-group -Zgzip --build "$t" "$out/$arch/kubectl_${ver}_${arch}.deb"
  rm -rf "$t"
}

# debian_wheels DIR: the wheels Debian ships, into DIR: bookworm's installed ones and
# trixie's newer ones (so pip has versions and a dependency to resolve).
debian_wheels() {
  mkdir -p "$1"
  cp /usr/share/python-wheels/*.whl "$1/"
  local wd t
  for wd in "$DEBS"/amd64/*-whl_*.deb; do
    t=$(mktemp -d)
    dpkg-deb -x "$wd" "$t"
    cp "$t"/usr/share/python-wheels/*.whl "$1/"
    rm -rf "$t"
  done
}

# Repacks $PYPI_DEBS as wheels (pypi-from-debian.py build) into $PYPI_BUILD/<key>/
# (packages/*.whl, CHANGES.txt, names.txt), keyed by the .debs, Debian's own wheels
# and the helper, all by content: a clone elsewhere with the same inputs reuses it.
# Sets PYPI_OUT and PYPI_KEY.
PYPI_BUILD=$CACHE/pypi
build_pypi() {
  PYPI_KEY=$({
    echo "pypi v1"
    sha256sum "$PYPI_DEBS"/amd64/*.deb "$PYPI_DEBS"/arm64/*.deb "$PYPI_HELPER" \
      /usr/share/python-wheels/*.whl "$DEBS"/amd64/*-whl_*.deb | cut -d' ' -f1
    dpkg-query -W -f='${Version}\n' python3-packaging python3.11 zlib1g
  } | sha256sum | cut -c1-16)
  PYPI_OUT=$PYPI_BUILD/$PYPI_KEY
  [[ -f $PYPI_OUT/.done ]] && return 0
  say "repacking $(ls "$PYPI_DEBS"/amd64/*.deb "$PYPI_DEBS"/arm64/*.deb | wc -l) bookworm .debs as wheels for the loopback PyPI"
  rm -rf "$PYPI_BUILD"; mkdir -p "$PYPI_BUILD/existing"
  debian_wheels "$PYPI_BUILD/existing"
  "$SYS_PY" "$PYPI_HELPER" build --debs "$PYPI_DEBS/amd64" --debs "$PYPI_DEBS/arm64" \
    --existing "$PYPI_BUILD/existing" --out "$PYPI_OUT.part" >>"$LOG" 2>&1 ||
    die "repacking the loopback PyPI's .debs failed (see $LOG)"
  rm -rf "$PYPI_BUILD/existing"
  touch "$PYPI_OUT.part/.done"
  mv "$PYPI_OUT.part" "$PYPI_OUT"
}

build_www() {
  local work=$CACHE/work
  rm -rf "$work"; mkdir -p "$work"

  # Inputs, and a key over them: skip the rebuild when nothing changed.
  local gc=/usr/lib/google-cloud-sdk/bin/kubectl.$KUBECTL_MINOR gc_ver=
  if [[ -x $gc ]]; then
    gc_ver=$("$gc" version --client -o json 2>/dev/null | "$SYS_PY" -c \
      'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"].lstrip("v"))' || true)
    [[ $gc_ver == "$KUBECTL_MINOR".* ]] || gc_ver=
  fi
  local kdeb_amd64 kdeb_arm64 mdeb_amd64 mdeb_arm64
  kdeb_amd64=$(ls "$DEBS"/amd64/kubectl_*_amd64.deb | head -1)
  kdeb_arm64=$(ls "$DEBS"/arm64/kubectl_*_arm64.deb | head -1)
  mdeb_amd64=$(ls "$DEBS"/amd64/minio-client_*_amd64.deb | head -1)
  mdeb_arm64=$(ls "$DEBS"/arm64/minio-client_*_arm64.deb | head -1)
  local wkey
  wkey=$({
    echo "www v$WWW_RECIPE_VERSION $KEY_FPR $gc_ver pypi $PYPI_KEY"
    [[ -n $gc_ver ]] && sha256 "$gc"
    sha256sum "$kdeb_amd64" "$kdeb_arm64" "$mdeb_amd64" "$mdeb_arm64" "$DEBS"/amd64/*-whl_*.deb /usr/share/python-wheels/*.whl
    declare -f build_www debian_wheels make_kubectl_deb write_pip_index
  } | sha256sum | cut -c1-16)
  if [[ -f $WWW/.kubox-e2e-www && $(<"$WWW/.kubox-e2e-www") == "$wkey" ]]; then
    WWW_KEY=$wkey; return 0
  fi
  say "building the www tree (apt repo, mc, pip index)"
  local new=$STATE/www.new
  rm -rf "$new"; mkdir -p "$new"

  # a. Flat signed apt repository, like https://pkgs.k8s.io/core:/stable:/v1.32/deb/
  local repo=$new/k8s/core:/stable:/v$KUBECTL_MINOR/deb
  mkdir -p "$repo"
  local dv
  if [[ -n $gc_ver ]]; then
    make_kubectl_deb "$gc" "$gc_ver" amd64 "$gc (kubectl v$gc_ver)" "$repo"
  fi
  for a in amd64 arm64; do
    local d=$kdeb_amd64; [[ $a == arm64 ]] && d=$kdeb_arm64
    dv=$(deb_field "$d" Version); dv=${dv%%+*}; dv=${dv%%-*}
    [[ $dv == "$KUBECTL_MINOR".* ]] || die "Debian's kubectl is $dv, not $KUBECTL_MINOR.x"
    extract_bin "$d" usr/bin/kubectl "$work/kubectl-$a"
    make_kubectl_deb "$work/kubectl-$a" "$dv" "$a" "Debian's kubectl $(deb_field "$d" Version) ($(basename "$d"))" "$repo"
  done
  (
    cd "$repo"
    apt-ftparchive packages . 2>>"$LOG" | sed 's|^Filename: \./|Filename: |' >Packages
    gzip -9nk Packages
    apt-ftparchive \
      -o APT::FTPArchive::Release::Origin="kubox-e2e" \
      -o APT::FTPArchive::Release::Label="kubox-e2e stand-in for pkgs.k8s.io core:stable:v$KUBECTL_MINOR" \
      -o APT::FTPArchive::Release::Architectures="amd64 arm64" \
      -o APT::FTPArchive::Release::Description="TEST ONLY: kubectl repackaged from real binaries" \
      release . >"$work/Release" 2>>"$LOG"
    mv "$work/Release" Release
    gpg --batch --yes --digest-algo SHA512 --default-key "$KEY_FPR" --clearsign -o InRelease Release
    gpg --batch --yes --digest-algo SHA512 --default-key "$KEY_FPR" -abs -o Release.gpg Release
    gpg --batch --armor --export "$KEY_FPR" >Release.key
  ) >>"$LOG" 2>&1

  # b. MinIO client, like https://dl.min.io/client/mc/release/linux-<arch>/
  #    mc.sha256sum is "<sha256>  mc.RELEASE.<stamp>" (dl.min.io names the
  #    release file, not "mc"), so `sha256sum -c mc.sha256sum` next to a file
  #    saved as "mc" fails there as it fails here; compare the first field.
  for a in amd64 arm64; do
    local d=$mdeb_amd64; [[ $a == arm64 ]] && d=$mdeb_arm64
    local dir=$new/minio/client/mc/release/linux-$a
    mkdir -p "$dir"
    extract_bin "$d" usr/bin/minio-client "$dir/mc"
    # Debian version 0.0~20250403-3 -> RELEASE.2025-04-03T00-00-00Z
    local day rel
    day=$(deb_field "$d" Version | sed -n 's/.*~\([0-9]\{8\}\).*/\1/p')
    rel=RELEASE.${day:0:4}-${day:4:2}-${day:6:2}T00-00-00Z
    ln "$dir/mc" "$dir/mc.$rel"
    local h; h=$(sha256 "$dir/mc")
    printf '%s  mc.%s\n' "$h" "$rel" >"$dir/mc.sha256sum"
    cp "$dir/mc.sha256sum" "$dir/mc.$rel.sha256sum"
    printf '%s\n' "$(deb_field "$d" Package) $(deb_field "$d" Version) ($(basename "$d"))" >"$dir/SOURCE.txt"
  done

  # c. PEP 503 simple index (PEP 658 metadata), like https://pypi.org/simple/: the
  #    wheels Debian ships (pip, setuptools, wheel, packaging) and bookworm's
  #    kubernetes/httpie/ipython closure repacked as wheels (build_pypi), with
  #    /pypi/CHANGES.txt saying how those differ from the .debs.
  local wheels=$new/pypi/packages
  debian_wheels "$wheels"
  cp "$PYPI_OUT"/packages/*.whl "$wheels/"
  cp "$PYPI_OUT/CHANGES.txt" "$new/pypi/CHANGES.txt"
  write_pip_index "$new/pypi" >>"$LOG"

  echo "kubox e2e www" >"$new/.kubox-e2e-marker"
  echo "$wkey" >"$new/.kubox-e2e-www"
  # Swap in the new tree (the server serves $WWW by path, so a rename is enough).
  rm -rf "$WWW.old"
  [[ -d $WWW ]] && mv "$WWW" "$WWW.old"
  mv "$new" "$WWW"
  rm -rf "$WWW.old" "$work"
  WWW_KEY=$wkey
}

write_pip_index() { # write_pip_index PYPI_DIR ; packages/ -> simple/
  "$SYS_PY" - "$1" <<'EOF'
import hashlib, html, os, re, sys, zipfile, email.parser
root = sys.argv[1]
pk, simple = os.path.join(root, "packages"), os.path.join(root, "simple")
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
projects = {}
for f in sorted(os.listdir(pk)):
    if not f.endswith(".whl"):
        continue
    path = os.path.join(pk, f)
    data = open(path, "rb").read()
    with zipfile.ZipFile(path) as z:
        meta_name = next(n for n in z.namelist() if re.match(r"[^/]+\.dist-info/METADATA$", n))
        meta = z.read(meta_name)
    # PEP 658: serve the core metadata next to the wheel.
    open(path + ".metadata", "wb").write(meta)
    m = email.parser.BytesParser().parsebytes(meta, headersonly=True)
    projects.setdefault(norm(m["Name"]), []).append(
        (f, hashlib.sha256(data).hexdigest(), m.get("Requires-Python"), hashlib.sha256(meta).hexdigest()))
os.makedirs(simple, exist_ok=True)
head = '<!DOCTYPE html>\n<html>\n<head><meta name="pypi:repository-version" content="1.0"><title>%s</title></head>\n<body>\n'
with open(os.path.join(simple, "index.html"), "w") as out:
    out.write(head % "Simple index")
    for p in sorted(projects):
        out.write('<a href="%s/">%s</a><br/>\n' % (p, p))
    out.write("</body>\n</html>\n")
for p, files in projects.items():
    os.makedirs(os.path.join(simple, p), exist_ok=True)
    with open(os.path.join(simple, p, "index.html"), "w") as out:
        out.write(head % ("Links for " + p))
        out.write("<h1>Links for %s</h1>\n" % p)
        for f, h, rp, mh in files:
            attrs = ' data-dist-info-metadata="sha256=%s" data-core-metadata="sha256=%s"' % (mh, mh)
            if rp:
                attrs += ' data-requires-python="%s"' % html.escape(rp, quote=True)
            out.write('<a href="../../packages/%s#sha256=%s"%s>%s</a><br/>\n' % (f, h, attrs, f))
        out.write("</body>\n</html>\n")
print(" ".join(sorted(projects)))
EOF
}

http_ok() { [[ $(curl -fs --max-time 3 "$HTTP_BASE/.kubox-e2e-marker" 2>/dev/null) == "kubox e2e www" ]]; }
ensure_http() {
  if http_ok; then return 0; fi
  [[ $(http_code "$HTTP_BASE/") == 000 ]] || die "something else answers on $HTTP_BASE"
  say "starting the static HTTP server on $HTTP_BASE"
  # Serves $WWW by path (not by open directory), so swapping the tree is seen.
  setsid "$SYS_PY" -m http.server "$HTTP_PORT" --bind "$HTTP_ADDR" --directory "$WWW" \
    >>"$LOG_DIR/http.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN_DIR/http.pid"
  local deadline=$(($(date +%s) + 20))
  until http_ok; do
    pid_alive "$RUN_DIR/http.pid" http.server || die "http server exited (see $LOG_DIR/http.log)"
    (($(date +%s) < deadline)) || die "http server did not answer within 20 s"
    sleep 0.2
  done
}

# Checks, once per www tree and base image: a container from the base adds the
# repo the way the seed does and installs kubectl with no apt warnings; pip in
# the base installs from the local index.
verify_in_container() {
  local stamp=$STATE/verified
  local key
  key="$WWW_KEY $BASE_DIGEST $(declare -f verify_in_container | sha256sum | cut -c1-12)"
  [[ -f $stamp && $(<"$stamp") == "$key" ]] && return 0
  say "checking apt repo, mc and pip index from a linux/amd64 base container"
  local out rc=0 kr=$STATE/verify-keyring.gpg
  # The base has no gpg: dearmor the published Release.key here, as the seed does in the image.
  gpg --batch --yes --dearmor -o "$kr" "$WWW/k8s/core:/stable:/v$KUBECTL_MINOR/deb/Release.key"
  out=$(docker run --rm --network host --platform linux/amd64 \
    -v "$kr:/etc/apt/keyrings/kubernetes-apt-keyring.gpg:ro" \
    "$BASE_REPO@$BASE_DIGEST" sh -euc "
      echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] $HTTP_BASE/k8s/core:/stable:/v$KUBECTL_MINOR/deb/ /' >/etc/apt/sources.list.d/kubernetes.list
      apt-get update -o Dir::Etc::SourceList=/dev/null 2>&1
      apt-get install -y kubectl 2>&1
      kubectl version --client
      python3 - <<'PY'
import hashlib, urllib.request
b = urllib.request.urlopen('$HTTP_BASE/minio/client/mc/release/linux-amd64/mc').read()
s = urllib.request.urlopen('$HTTP_BASE/minio/client/mc/release/linux-amd64/mc.sha256sum').read().decode().split()[0]
assert hashlib.sha256(b).hexdigest() == s, 'mc sha256 mismatch'
print('mc sha256 ok')
PY
      # Debian's python3-pip pulls in python3-wheel 0.38.4 and python3-setuptools:
      # --upgrade makes pip fetch wheel 0.46.1, which needs packaging>=24 from the index.
      pip install --no-cache-dir --index-url $HTTP_BASE/pypi/simple/ --upgrade wheel 2>&1
      python3 -c 'import wheel, packaging; print(\"wheel\", wheel.__version__, \"packaging\", packaging.__version__)'
    " 2>&1) || rc=$?
  echo "$out" >>"$LOG"
  ((rc == 0)) || die "container check failed"
  if grep -qE '^(W|E): ' <<<"$out"; then
    grep -E '^(W|E): ' <<<"$out" >&2
    die "apt printed warnings for the kubectl repo"
  fi
  echo "$key" >"$stamp"
}

# The loopback PyPI, for real, once per index and base image: in a linux/amd64 and a
# linux/arm64 (QEMU; a couple of minutes) container from the base, bookworm's pip
# 23.0.1 installs the seed's Python tools, then everything else the index has
# (the extension modules of both architectures load), and `pip check` is clean.
# Shared libraries the extension modules need but the base lacks go to the log.
verify_pip_index() {
  local stamp=$STATE/verified-pypi key
  key="$PYPI_KEY $BASE_DIGEST $(declare -f verify_pip_index write_pip_index | sha256sum | cut -c1-12)"
  [[ -f $stamp && $(<"$stamp") == "$key" ]] && return 0
  say "installing kubernetes, httpie and ipython from the loopback PyPI in linux/amd64 and linux/arm64 (QEMU) base containers"
  local names; names=$(tr '\n' ' ' <"$PYPI_OUT/names.txt")
  local script="
    idx='--no-cache-dir --index-url $HTTP_BASE/pypi/simple/'
    pip install \$idx kubernetes httpie ipython 2>&1
    python3 -c 'import kubernetes, httpie, IPython'
    http --version
    ipython --version
    pip check
    # requests' import-time version check passes (it takes chardet over charset-normalizer 3).
    python3 -W error -c 'import requests'
    pip install \$idx $names 2>&1
    pip check
    python3 -c '
from cryptography.fernet import Fernet
f = Fernet(Fernet.generate_key()); assert f.decrypt(f.encrypt(b\"x\")) == b\"x\"
import _cffi_backend, multidict._multidict, yaml
print(\"extension modules load; PyYAML with libyaml:\", yaml.__with_libyaml__)'
    for so in \$(find /usr/local/lib/python3*/dist-packages -name '*.so' | sort); do
      ldd \"\$so\" | sed -n \"s|^[[:space:]]*\\([^ ]*\\) => not found|base lacks \\1 (\$so)|p\"
    done
    echo pip-index-ok"
  local out64 rc64=0 outarm="$LOG_DIR/verify-pypi-arm64.log" pid
  docker run --rm --network host --platform linux/arm64 "$BASE_REPO@$BASE_DIGEST" sh -euc "$script" \
    >"$outarm" 2>&1 9>&- &
  pid=$!
  BG_PIDS+=("$pid")
  out64=$(docker run --rm --network host --platform linux/amd64 "$BASE_REPO@$BASE_DIGEST" sh -euc "$script" 2>&1) || rc64=$?
  { echo "--- pip index check, linux/amd64:"; echo "$out64"; } >>"$LOG"
  local rcarm=0
  wait "$pid" || rcarm=$?
  BG_PIDS=()
  { echo "--- pip index check, linux/arm64:"; cat "$outarm"; } >>"$LOG"
  ((rc64 == 0)) || die "pip index check failed in a linux/amd64 container"
  ((rcarm == 0)) || die "pip index check failed in a linux/arm64 container (see $outarm)"
  [[ $(tail -n1 <<<"$out64") == pip-index-ok && $(tail -n1 "$outarm") == pip-index-ok ]] ||
    die "pip index check did not finish"
  local l
  while read -r l; do say "note: $l"; done < <(
    sed -n 's/^base lacks/amd64: base lacks/p' <<<"$out64"
    sed -n 's/^base lacks/arm64: base lacks/p' "$outarm")
  echo "$key" >"$stamp"
}

# ---------------------------------------------------------------------------
# 6. env.json
# ---------------------------------------------------------------------------
write_env() {
  local tmp=$ENV_FILE.tmp.$$
  mkdir -p "$(dirname "$ENV_FILE")"
  local mc_amd64 mc_arm64 pkgs
  mc_amd64=$(cut -d' ' -f1 "$WWW/minio/client/mc/release/linux-amd64/mc.sha256sum")
  mc_arm64=$(cut -d' ' -f1 "$WWW/minio/client/mc/release/linux-arm64/mc.sha256sum")
  pkgs=$(ls "$WWW/pypi/simple" | grep -v '^index.html$' | tr '\n' ' ')
  REGISTRY=$REGISTRY REG_USER=$REG_USER REG_PASS=$REG_PASS DOCKER_CONFIG=$DOCKER_CONFIG \
    BASE="$BASE_REPO:$BASE_TAG@$BASE_DIGEST" HTTP_BASE=$HTTP_BASE KUBECTL_MINOR=$KUBECTL_MINOR \
    WWW=$WWW MC_AMD64=$mc_amd64 MC_ARM64=$mc_arm64 PKGS=$pkgs \
    PACKAGES_FILE="$WWW/k8s/core:/stable:/v$KUBECTL_MINOR/deb/Packages" \
    TOKEN_REGISTRY=$TOKEN_REGISTRY TOKEN_REALM=$TOKEN_REALM TOKEN_SERVICE=$TOKEN_SERVICE \
    TOKEN_ISSUER=$TOKEN_ISSUER TOKEN_DIR=$TOKEN_DIR SCRIPT_DEBS=$SCRIPT_DEBS \
    "$SYS_PY" - "$tmp" <<'EOF'
import json, os, sys
e = os.environ
kv = {}
for stanza in open(e["PACKAGES_FILE"]).read().split("\n\n"):
    f = dict(l.split(": ", 1) for l in stanza.splitlines() if ": " in l and not l.startswith(" "))
    if f.get("Package") == "kubectl":
        kv.setdefault(f["Architecture"], []).append(f["Version"])
h = e["HTTP_BASE"]
def pip_versions(d):
    import re
    out = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(".whl"):
            name, ver = f.split("-")[:2]
            vs = out.setdefault(re.sub(r"[-_.]+", "-", name).lower(), [])
            if ver not in vs:  # one per version, not per platform wheel
                vs.append(ver)
    return out
def debs_under(d):
    found = {}
    for root, _, files in os.walk(d):
        for f in files:
            if f.endswith(".deb"):
                found[f.split("_")[0]] = os.path.join(root, f)
    return dict(sorted(found.items()))
env = {
    "registry": e["REGISTRY"],
    "username": e["REG_USER"],
    "password": e["REG_PASS"],
    "dockerConfig": e["DOCKER_CONFIG"],
    "base": e["BASE"],
    "basePlatforms": ["linux/amd64", "linux/arm64"],
    "httpBase": h,
    "kubectlRepo": h + "/k8s/core:/stable:/v${KUBECTL_VERSION}/deb/",
    "kubectlVersion": e["KUBECTL_MINOR"],
    "kubectlPackageVersions": {a: sorted(v) for a, v in sorted(kv.items())},
    "mcUrl": h + "/minio/client/mc/release/linux-${TARGETARCH}/mc",
    "mcSha256": {"amd64": e["MC_AMD64"], "arm64": e["MC_ARM64"]},
    "pipIndex": h + "/pypi/simple/",
    "pipPackages": e["PKGS"].split(),
    "pipPackageVersions": pip_versions(e["WWW"] + "/pypi/packages"),
    "qemuArm64": True,
    "tokenRegistry": e["TOKEN_REGISTRY"],
    "tokenRealm": e["TOKEN_REALM"],
    "tokenService": e["TOKEN_SERVICE"],
    "tokenIssuer": e["TOKEN_ISSUER"],
    "tokenKey": e["TOKEN_DIR"] + "/key.pem",
    "tokenCert": e["TOKEN_DIR"] + "/cert.pem",
    # Package name -> .deb: bookworm's current one, and the one installed on this machine.
    "scriptDebs": {kind: debs_under(os.path.join(e["SCRIPT_DEBS"], kind)) for kind in ("current", "installed")},
}
with open(sys.argv[1], "w") as f:
    json.dump(env, f, indent=2)
    f.write("\n")
EOF
  mv -f "$tmp" "$ENV_FILE"
}

# Independent verifiers that need Debian trixie (its glibc), each in an image of
# its own built by mmdebstrap (see each script): skopeo 1.18 for cosign
# signatures, python3-cyclonedx-lib's strict validator for SBOMs. In the
# background: about 50 and 90 s on a fresh machine, nothing once built.
TRIXIE_PID=
start_trixie_tools() {
  say "building the trixie verifier images in the background"
  { "$HERE/skopeo-trixie.sh" >/dev/null && "$HERE/cyclonedx-trixie.sh" >/dev/null; } \
    2>"$LOG_DIR/trixie-tools.log" &
  TRIXIE_PID=$!
}
finish_trixie_tools() {
  wait "$TRIXIE_PID" || die "building the trixie verifier images failed (see $LOG_DIR/trixie-tools.log)"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
install_packages
ensure_binfmt
ensure_dockerd
ensure_registry
ensure_token_key
ensure_token_registry
docker_login
start_trixie_tools
if ! base_in_registry; then
  start_base_builds
fi
fetch_debs
fetch_script_debs
fetch_pypi_debs
ensure_gpg_key
build_pypi
build_www
ensure_http
if [[ -z $BASE_DIGEST ]]; then
  ((${#BG_PIDS[@]})) && say "waiting for the base rootfs builds"
  finish_base
fi
verify_in_container
verify_pip_index
finish_trixie_tools
write_env
say "ready in $(($(date +%s) - T0)) s: registry $REGISTRY (user $REG_USER), token registry $TOKEN_REGISTRY (realm $TOKEN_REALM), base $BASE_REPO:$BASE_TAG@${BASE_DIGEST:0:19}…, http $HTTP_BASE, env $ENV_FILE"
