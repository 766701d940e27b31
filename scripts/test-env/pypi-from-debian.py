#!/usr/bin/python3
"""Wheels for the kubox e2e loopback "PyPI", repacked from Debian's own packages.

TEST ONLY. Run by setup.sh with Debian's python3 (needs python3-apt and python3-packaging):

  pypi-from-debian.py resolve [-o KEY=VALUE]... [--suite S]... [--exclude GLOB]... ROOT...
      The Depends closure of ROOT... (Depends and Pre-Depends; the first alternative
      that exists; a virtual package by its provider), restricted to Python library
      packages (python3-*, httpie) minus --exclude. Versions: the newest one that a
      release of one of the --suite codenames carries (the host's apt also sees trixie;
      that is never used). Prints "package version architecture", sorted. -o options
      are apt configuration (a private apt for another architecture).

  pypi-from-debian.py build --debs DIR [--debs DIR]... --existing DIR --out DIR
      Repacks every .deb in the --debs dirs (all/amd64 in the first, arm64 in the
      second) as a wheel into OUT/packages/ and writes OUT/CHANGES.txt, the record of
      everything that differs from what the .debs ship. --existing: wheels served next
      to them (Debian's own pip/setuptools/wheel/packaging wheels), used to map
      python3-pip & co. to their names and to settle clashes.

A repacked wheel is reproducible: same .debs, same bytes (sorted entries, fixed
timestamps and modes, deflate level 9 with the host's zlib).
"""
import argparse
import base64
import csv
import email.parser
import fnmatch
import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile
import textwrap
import zipfile

DIST_PACKAGES = "usr/lib/python3/dist-packages/"
PY_TAG = "cp311"  # bookworm's python3.11; Debian builds extension modules for it only
# Debian bookworm has glibc 2.36, so its extension modules need at least that.
MANYLINUX = "manylinux_2_36"
WHEEL_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}
ELF_MACHINE = {"amd64": 0x3E, "arm64": 0xB7}
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold

# .debs with a Python module but no metadata of their own: repacked into the wheel of
# the package that has the metadata (PyPI's cffi wheel holds both cffi/ and
# _cffi_backend*.so; Debian splits them). `resolve` adds the target to the closure.
MERGE_INTO = {"python3-cffi-backend": "python3-cffi"}

# What the metadata cannot say: notes for CHANGES.txt.
NOTES = {
    "requests": "upstream requests 2.28.1 requires charset_normalizer>=2,<3 (Debian has 3.0.1); "
                "dh_python3 removed that requirement, so there is no pin to relax. requests' "
                "import-time check would warn about charset_normalizer 3.0.1 (RequestsDependencyWarning); "
                "it checks chardet instead when that is installed, which is why Debian (and this "
                "wheel) requires chardet",
}

# Debian packages that are (part of) the interpreter, its standard library, or in the
# test base already and served from Debian's own wheels: not repacked. A Depends on
# one of the latter becomes a requirement on the wheel's name; on the former, nothing.
STDLIB = {"python3", "python3-minimal", "python3-distutils", "python3-lib2to3", "python3-venv"}
STDLIB_GLOBS = ("python3.*", "libpython*")
AS_EXISTING = {"python3-pip": "pip", "python3-setuptools": "setuptools",
               "python3-pkg-resources": "setuptools", "python3-wheel": "wheel",
               "python3-packaging": "packaging"}


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def is_python_pkg(name):
    return name.startswith("python3-") or name == "httpie"


def is_stdlib(name):
    return name in STDLIB or any(fnmatch.fnmatch(name, g) for g in STDLIB_GLOBS)


# ---------------------------------------------------------------------------
# resolve
# ---------------------------------------------------------------------------
def cmd_resolve(a):
    import apt_pkg
    import functools

    apt_pkg.init_config()
    for o in a.o:
        k, v = o.split("=", 1)
        if k.endswith("::"):
            apt_pkg.config.clear(k[:-2])
        apt_pkg.config.set(k, v)
    apt_pkg.init_system()
    cache = apt_pkg.Cache(None)
    suites = set(a.suite)
    excluded = lambda n: any(fnmatch.fnmatch(n, g) for g in a.exclude)
    newest = functools.cmp_to_key(lambda x, y: apt_pkg.version_compare(x.ver_str, y.ver_str))

    def in_suites(v):
        return any(f.codename in suites or f.archive in suites for f, _ in v.file_list)

    def best(name):
        try:
            p = cache[name]
        except KeyError:
            return None
        vs = sorted((v for v in p.version_list if in_suites(v)), key=newest)
        if vs:
            return vs[-1]
        provs = sorted((v for _, _, v in p.provides_list if in_suites(v)), key=newest)
        return provs[-1] if provs else None

    todo, seen = list(a.roots), {}
    while todo:
        name = todo.pop()
        v = best(name)
        if v is None:
            sys.exit("resolve: no %s version of %s" % ("/".join(sorted(suites)), name))
        pkg = v.parent_pkg.name
        if pkg in seen:
            continue
        seen[pkg] = v
        if pkg in MERGE_INTO:
            todo.append(MERGE_INTO[pkg])
        for kind in ("PreDepends", "Depends"):
            for group in v.depends_list.get(kind, []):
                pick = next((d for d in group if best(d.target_pkg.name) is not None), None)
                if pick is None:
                    sys.exit("resolve: nothing satisfies a Depends of %s %s" % (pkg, v.ver_str))
                target = best(pick.target_pkg.name).parent_pkg.name
                if is_python_pkg(target) and not excluded(target):
                    todo.append(target)
    for pkg in sorted(seen):
        print(pkg, seen[pkg].ver_str, seen[pkg].arch)


# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------
class Deb:
    def __init__(self, path):
        self.path = path
        ctl = subprocess.run(["dpkg-deb", "-f", path], check=True, capture_output=True).stdout
        self.control = email.parser.BytesParser().parsebytes(ctl, headersonly=True)
        self.package = self.control["Package"]
        self.version = self.control["Version"]
        self.arch = self.control["Architecture"]
        self.sha256 = hashlib.sha256(open(path, "rb").read()).hexdigest()
        self.files = {}  # path below dist-packages -> (bytes, mode)
        self.dropped = []  # other shipped files (docs and man pages not listed)
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", path], stdout=subprocess.PIPE)
        with tarfile.open(fileobj=tar.stdout, mode="r|") as t:
            for m in t:
                name = m.name[2:] if m.name.startswith("./") else m.name
                if m.isdir():
                    continue
                if not name.startswith(DIST_PACKAGES):
                    if not name.startswith(("usr/share/doc/", "usr/share/man/")):
                        self.dropped.append("/" + name)
                    continue
                rel = name[len(DIST_PACKAGES):]
                if not m.isfile():
                    die("%s: %s is a %s; only regular files are repacked" %
                        (self.label(), name, "link" if m.issym() or m.islnk() else "special file"))
                self.files[rel] = (t.extractfile(m).read(), 0o755 if m.mode & 0o111 else 0o644)
        if tar.wait() != 0:
            die("dpkg-deb --fsys-tarfile %s failed" % path)

    def label(self):
        return "%s %s %s" % (self.package, self.version, self.arch)

    def relations(self):
        """Depends + Pre-Depends as [[(name, op, version)]] (alternatives inner)."""
        out = []
        for field in ("Pre-Depends", "Depends"):
            for group in (self.control.get(field) or "").replace("\n", " ").split(","):
                alts = []
                for alt in group.split("|"):
                    m = re.match(r"\s*([a-z0-9][a-z0-9+.-]*)(?::\w+)?\s*(?:\((<<|<=|=|>=|>>)\s*([^)\s]+)\s*\))?", alt)
                    if m:
                        alts.append((m.group(1), m.group(2), m.group(3)))
                if alts:
                    out.append(alts)
        return out

    def provides(self):
        for p in (self.control.get("Provides") or "").replace("\n", " ").split(","):
            m = re.match(r"\s*([a-z0-9][a-z0-9+.-]*)", p)
            if m:
                yield m.group(1)


def die(msg):
    sys.exit("pypi-from-debian: " + msg)


def debian_upstream(v):
    """Debian version -> the upstream version it packages, as PEP 440, or None."""
    from packaging.version import InvalidVersion, Version

    v = re.sub(r"^\d+:", "", v)
    v = re.sub(r"-[^-]*$", "", v)  # Debian revision
    v = re.sub(r"\+(dfsg|ds|repack|really)[^+]*$", "", v)
    v = re.sub(r"~(?=(a|b|rc|alpha|beta|dev|pre)\d*)", "", v)  # 1.0~rc1 -> 1.0rc1
    v = v.rstrip("~")
    try:
        return Version(v)
    except InvalidVersion:
        return None


def metadata_dirs(files):
    tops = sorted({p.split("/", 1)[0] for p in files})
    return [t for t in tops if t.endswith(".dist-info")], [t for t in tops if t.endswith(".egg-info")]


def split_headers(text):
    """Core metadata text -> ([(key, raw header text)], body)."""
    head, sep, body = text.partition("\n\n")
    headers = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + "\n" + line)
        elif line:
            headers.append((line.split(":", 1)[0], line))
    return headers, body if sep else None


def requires_txt_to_dist(text):
    """setuptools' egg-info requires.txt -> Requires-Dist strings, the way wheel's
    bdist_wheel converts it ("[extra:marker]" sections), and the extras it names."""
    out, extras, section = [], [], ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        extra, _, cond = section.partition(":")
        extra = re.sub(r"[^A-Za-z0-9.-]+", "_", extra).lower()
        marker = ""
        if extra:
            if extra not in extras:
                extras.append(extra)
            marker = ('(%s) and ' % cond if cond else "") + 'extra == "%s"' % extra
        elif cond:
            marker = cond
        out.append(line + ("; " + marker if marker else ""))
    return out, extras


class Dist:
    """One wheel's worth: a .deb with metadata, plus the metadata-less .debs merged in."""

    def __init__(self, holder, members, arch):
        self.holder, self.members, self.arch = holder, members, arch  # arch: None = pure
        self.notes = []
        files = {}
        for d in [holder] + members:
            for p, v in d.files.items():
                if p in files and files[p] != v:
                    die("%s and another merged .deb both ship %s" % (d.label(), p))
                files[p] = v
        dist_infos, egg_infos = metadata_dirs(holder.files)
        if dist_infos:
            if len(dist_infos) > 1:
                die("%s ships several .dist-info dirs: %s" % (holder.label(), dist_infos))
            self.meta_kind, self.meta_dir = "dist-info", dist_infos[0]
            meta = files[self.meta_dir + "/METADATA"][0].decode("utf-8")
            requires, extras = [], []
        elif egg_infos:
            if len(egg_infos) > 1:
                die("%s ships several .egg-info: %s" % (holder.label(), egg_infos))
            self.meta_kind, self.meta_dir = "egg-info", egg_infos[0]
            if self.meta_dir in files:  # a single-file egg-info: it is the PKG-INFO
                meta = files[self.meta_dir][0].decode("utf-8")
            else:
                meta = files[self.meta_dir + "/PKG-INFO"][0].decode("utf-8")
            req = files.get(self.meta_dir + "/requires.txt")
            requires, extras = requires_txt_to_dist(req[0].decode("utf-8")) if req else ([], [])
        else:
            die("%s has no .dist-info or .egg-info (add it to MERGE_INTO?)" % holder.label())
        if self.meta_kind == "dist-info" and egg_infos:
            for e in egg_infos:
                self.notes.append("dropped %s (Debian ships it next to %s)" % (e, self.meta_dir))
        # The metadata dir(s) are rebuilt below; everything else is the wheel's payload.
        self.payload = {p: v for p, v in files.items()
                        if p.split("/", 1)[0] not in dist_infos + egg_infos}
        self.meta_files = {p[len(self.meta_dir) + 1:]: v for p, v in files.items()
                           if p.startswith(self.meta_dir + "/")}
        self.headers, self.body = split_headers(meta.replace("\r\n", "\n"))
        get = lambda k: [h.split(":", 1)[1].strip() for key, h in self.headers if key.lower() == k.lower()]
        self.name = get("Name")[0]
        self.version = get("Version")[0]
        if self.meta_kind == "dist-info":
            requires, extras = get("Requires-Dist"), []
        self.requires = requires
        self.extras = get("Provides-Extra") + [e for e in extras if e not in get("Provides-Extra")]
        self.new_extras = [e for e in extras if e not in get("Provides-Extra")]
        self.metadata_version = get("Metadata-Version")[0]

    def debs(self):
        return [self.holder] + self.members


def build(a):
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    debs = []
    for i, d in enumerate(a.debs):
        for f in sorted(os.listdir(d)):
            if f.endswith(".deb"):
                deb = Deb(os.path.join(d, f))
                if i > 0 and deb.arch == "all":
                    continue  # "all" .debs come from the first dir
                debs.append(deb)
    by_pkg = {}
    for d in debs:
        by_pkg.setdefault(d.package, {})[d.arch] = d
    archs = sorted({d.arch for d in debs if d.arch != "all"})

    # Existing wheels: name and versions.
    existing = {}
    for f in sorted(os.listdir(a.existing)):
        if f.endswith(".whl"):
            with zipfile.ZipFile(os.path.join(a.existing, f)) as z:
                mn = next(n for n in z.namelist() if re.match(r"[^/]+\.dist-info/METADATA$", n))
                m = email.parser.BytesParser().parsebytes(z.read(mn), headersonly=True)
            existing.setdefault(norm(m["Name"]), (m["Name"], []))[1].append((m["Version"], f))

    # Group: holder .deb + merged ones, per architecture.
    merged_into = {}
    for src, dst in MERGE_INTO.items():
        if src in by_pkg:
            if dst not in by_pkg:
                die("%s is there but %s (which it is merged into) is not" % (src, dst))
            merged_into.setdefault(dst, []).append(src)
    dists = []
    for pkg in sorted(by_pkg):
        if pkg in MERGE_INTO:
            continue
        group = [pkg] + merged_into.get(pkg, [])
        specific = any("all" not in by_pkg[p] for p in group)
        if not specific:
            dists.append(Dist(by_pkg[pkg]["all"], [by_pkg[p]["all"] for p in group[1:]], None))
            continue
        for arch in archs:
            pick = lambda p: by_pkg[p].get("all") or by_pkg[p].get(arch)
            if any(pick(p) is None for p in group):
                die("no %s .deb for %s" % (arch, [p for p in group if pick(p) is None]))
            dists.append(Dist(pick(pkg), [pick(p) for p in group[1:]], arch))

    # Names: Debian package (and what it provides) -> the Name its metadata declares.
    name_of, provided_by = {}, {}
    for dist in dists:
        for d in dist.debs():
            name_of[d.package] = dist.name
            for v in d.provides():
                provided_by.setdefault(v, d.package)
    for pkg, proj in AS_EXISTING.items():
        if norm(proj) in existing:
            name_of.setdefault(pkg, existing[norm(proj)][0])
    exact = {norm(n): n for n in list(name_of.values()) + [v[0] for v in existing.values()]}
    # Markers are evaluated for the test base: CPython 3.11 on Linux.
    env = default_environment()
    env.update(python_version="3.11", python_full_version="3.11.2", implementation_name="cpython",
               platform_python_implementation="CPython", sys_platform="linux", os_name="posix",
               platform_system="Linux")
    relaxed, version_fixes = [], []

    # Version: the metadata's, unless it is a placeholder (0.0.0 from a failed setuptools_scm).
    for dist in dists:
        up = debian_upstream(dist.holder.version)
        mv = Version(dist.version)
        if up is not None and up != mv:
            if mv == Version("0.0.0"):
                version_fixes.append((dist, dist.version, str(up)))
                dist.version = str(up)
            else:
                dist.notes.append("metadata Version %s differs from Debian's upstream version %s: kept" % (mv, up))
    # Versions in the index, per project (Debian's own wheels included).
    available = {}
    for dist in dists:
        available.setdefault(norm(dist.name), set()).add(Version(dist.version))
    for n, (_, vs) in existing.items():
        available.setdefault(n, set()).update(Version(v) for v, _ in vs)

    def pep440(op, dv):
        """Debian relation -> PEP 440 clause, or None when it makes no sense there."""
        up = debian_upstream(dv)
        if up is None:
            return None
        # With a Debian revision or suffix (1.15.1-5, 2.14.0+dfsg) a strict bound on the
        # Debian version does not exclude that upstream version itself.
        plain = re.sub(r"^\d+:", "", dv)
        upstream_only = "-" not in plain and "+" not in plain
        if op == ">=":
            return ">=%s" % up
        if op == ">>":
            return (">%s" if upstream_only else ">=%s") % up
        if op == "<=":
            return "<=%s" % up
        if op == "<<":
            return ("<%s" if upstream_only else "<=%s") % up
        if op == "=":
            return "==%s" % up
        return None

    for dist in dists:
        own = {d.package for d in dist.debs()}
        # Upstream's own requirement on a name (plain or behind an environment marker)
        # wins over Debian's Depends on it. A name upstream has only in an extra, Debian
        # made a hard dependency (requests: chardet, which its import-time version check
        # needs next to charset-normalizer 3.0.1; oauthlib: cryptography, PyJWT, blinker):
        # it is added, as in Debian.
        mentioned, in_extra = set(), {}
        for r in dist.requires:
            req = Requirement(r)
            m = re.search(r'extra\s*==\s*["\']([^"\']+)', str(req.marker or ""))
            if m:
                in_extra.setdefault(norm(req.name), []).append(m.group(1))
            else:
                mentioned.add(norm(req.name))
        derived = {}  # exact name -> [clauses], in Depends order
        marker_of = {}
        skipped = []
        seen_from = {}
        promoted = {}
        for group in dist.holder.relations() + [g for m in dist.members for g in m.relations()]:
            # "python3-foo | python3 (>> 3.8)": foo only on an older python.
            pys = [alt for alt in group if alt[0] == "python3" and alt[1]]
            cands = [alt for alt in group if alt[0] != "python3"]
            marker = None
            if pys and cands:
                op, ver = pys[0][1], pys[0][2]
                flip = {">>": "<", ">=": "<", "<<": ">=", "<=": ">"}.get(op)
                pv = debian_upstream(ver)
                if flip and pv is not None:
                    marker = 'python_version %s "%s"' % (flip, pv)
            pick = None
            for alt in cands:
                pkg = provided_by.get(alt[0], alt[0]) if alt[0] not in name_of else alt[0]
                virtual = pkg != alt[0]
                if pkg in name_of or is_stdlib(pkg) or not is_python_pkg(pkg):
                    pick = (pkg, alt, virtual)
                    break
            if pick is None:
                if any(is_python_pkg(alt[0]) for alt in cands):
                    die("%s: Depends %s: not in the index" % (dist.holder.label(), " | ".join(c[0] for c in cands)))
                continue
            pkg, (dep, op, ver), virtual = pick
            if pkg in own or is_stdlib(pkg) or not is_python_pkg(pkg):
                continue
            target = name_of[pkg]
            if norm(target) in mentioned:
                seen_from.setdefault(target, []).append(dep)
                continue
            if norm(target) in in_extra:
                promoted[target] = sorted(set(in_extra[norm(target)]))
            derived.setdefault(target, [])
            if marker:
                marker_of[target] = marker
            if op and not virtual:
                clause = pep440(op, ver)
                if clause:
                    derived[target].append(clause)
                else:
                    skipped.append("%s (%s %s)" % (dep, op, ver))
        dist.derived = derived
        lines = []
        for target, clauses in derived.items():
            r = target + ",".join(clauses) + ("; " + marker_of[target] if target in marker_of else "")
            dist.requires.append(r)
            lines.append(r)
        dist.derived_lines = lines
        dist.kept_over_depends = seen_from
        dist.promoted = promoted
        dist.skipped = skipped

    def installable_extras(dist):
        out = []
        for e in dist.extras:
            reqs = [Requirement(r) for r in dist.requires]
            wanted = [r for r in reqs if r.marker is not None and r.marker.evaluate(dict(env, extra=e))
                      and not r.marker.evaluate(dict(env, extra=""))]
            if wanted and all(norm(r.name) in available for r in wanted):
                out.append(e)
        return out

    # Every requirement by the exact Name the target's metadata declares. pip 23.0.1
    # (bookworm's, in the test base) compares a PEP 658 .metadata file's Name with
    # the requirement's name as written, byte for byte ("inconsistent Name: expected
    # 'pyyaml', but metadata has 'PyYAML'"; pip 23.2 compares normalized names).
    # Then relax a pin no version in the index satisfies.
    for dist in dists:
        out, renamed = [], []
        for r in dist.requires:
            req = Requirement(r)
            orig = r
            changed = False
            key = norm(req.name)
            if key in exact and req.name != exact[key]:
                renamed.append("%s -> %s" % (req.name, exact[key]))
                req.name = exact[key]
                changed = True
            # Pins that matter: those of a plain install, and those of an extra whose
            # requirements are all in the index (jedi[docs] wants Sphinx: left alone).
            applies = req.marker is None or any(
                req.marker.evaluate(dict(env, extra=e)) for e in [""] + installable_extras(dist))
            if applies and key in available and req.specifier:
                vs = available[key]
                if not any(req.specifier.contains(v, prereleases=True) for v in vs):
                    top = max(vs)
                    kept = [s for s in req.specifier if s.contains(top, prereleases=True)]
                    req.specifier = SpecifierSet(",".join(str(s) for s in kept))
                    relaxed.append((dist, orig, str(req), "the index has %s %s" % (
                        exact.get(key, req.name), ", ".join(str(v) for v in sorted(vs)))))
                    changed = True
            elif key not in available and (req.marker is None or req.marker.evaluate(dict(env, extra=""))):
                die("%s requires %s, which is not in the index" % (dist.name, r))
            out.append(str(req) if changed else r)
        dist.requires = out
        dist.renamed = renamed

    # Clashes with Debian's own wheels: keep those (built by Debian as wheels).
    clashes = []
    for dist in list(dists):
        n = norm(dist.name)
        if n in existing and any(Version(v) == Version(dist.version) for v, _ in existing[n][1]):
            clashes.append(dist)
            dists.remove(dist)

    os.makedirs(os.path.join(a.out, "packages"), exist_ok=True)
    built = []
    for dist in dists:
        built.append(write_wheel(dist, os.path.join(a.out, "packages")))
    write_changes(a.out, built, relaxed, version_fixes, clashes)
    with open(os.path.join(a.out, "names.txt"), "w") as f:
        f.write("".join(n + "\n" for n in sorted({d.name for d in dists}, key=str.lower)))
    for dist, fname in sorted(built, key=lambda x: x[1]):
        print(fname)


def write_wheel(dist, outdir):
    from packaging.version import Version

    safe = re.sub(r"[-_.]+", "_", dist.name).lower()
    ver = str(Version(dist.version)).replace("-", "_")
    info = "%s-%s.dist-info" % (safe, ver)
    if dist.arch is None:
        tag, purelib = "py3-none-any", "true"
        for p, (data, _) in dist.payload.items():
            if data[:4] == b"\x7fELF":
                die("%s is Architecture: all but ships an ELF file: %s" % (dist.holder.label(), p))
    else:
        arch = WHEEL_ARCH[dist.arch]
        sos = [p for p, (data, _) in dist.payload.items() if data[:4] == b"\x7fELF"]
        for p in sos:
            machine = int.from_bytes(dist.payload[p][0][18:20], "little")
            if machine != ELF_MACHINE[dist.arch]:
                die("%s: %s is not a %s ELF file" % (dist.holder.label(), p, dist.arch))
            if ".cpython-" in p and "-%s-linux-gnu." % arch not in p:
                die("%s: %s is not built for %s" % (dist.holder.label(), p, arch))
        # Debian builds each extension module for one python (cpython-311-<triplet>) or
        # for the stable ABI (abi3). They link against Debian's shared libraries
        # (libyaml-0.so.2, libffi.so.8, libssl.so.3/libcrypto.so.3) where a real manylinux
        # wheel bundles its own copies (auditwheel): the tag is honest about glibc and
        # the architecture, not about those.
        if not sos:
            abi = "none"
        elif all(p.endswith(".abi3.so") for p in sos):
            abi = "abi3"
        else:
            abi = PY_TAG
        tag = "%s-%s-%s_%s" % (PY_TAG, abi, MANYLINUX, arch)
        purelib = "false"
        dist.notes.append("extension modules: %s" % ", ".join(sorted(sos)) if sos else
                          "Architecture: %s without extension modules" % dist.arch)
    fname = "%s-%s-%s.whl" % (safe, ver, tag)

    # METADATA: Debian's headers, with the version fixed, Requires-Dist rebuilt.
    headers = []
    md_version = dist.metadata_version
    if Version(md_version) < Version("2.1") and (dist.requires or dist.extras):
        md_version = "2.1"  # Requires-Dist needs 1.2, Provides-Extra 2.1
    for key, raw in dist.headers:
        k = key.lower()
        if k == "metadata-version":
            raw = "Metadata-Version: " + md_version
        elif k == "version":
            raw = "Version: " + dist.version
        elif k == "requires-dist":
            continue
        headers.append((key, raw))
    last_extra = max([i for i, (k, _) in enumerate(headers) if k.lower() == "provides-extra"], default=None)
    extra_lines = [("Provides-Extra", "Provides-Extra: " + e) for e in dist.new_extras]
    req_lines = [("Requires-Dist", "Requires-Dist: " + r) for r in dist.requires]
    if last_extra is not None:
        headers[last_extra + 1:last_extra + 1] = extra_lines + req_lines
    else:
        pos = max(i for i, (k, _) in enumerate(headers) if k.lower() in ("version", "requires-python", "license",
                                                                           "classifier", "platform", "name")) + 1
        headers[pos:pos] = extra_lines + req_lines
    metadata = "\n".join(raw for _, raw in headers) + "\n"
    if dist.body is not None:
        metadata += "\n" + dist.body
    if not metadata.endswith("\n"):
        metadata += "\n"

    files = dict((p, v) for p, v in dist.payload.items())
    keep_meta = {}
    for p, v in dist.meta_files.items():
        if dist.meta_kind == "dist-info":
            if p in ("RECORD", "WHEEL", "METADATA", "INSTALLER", "REQUESTED", "direct_url.json"):
                continue
        else:
            # What wheel's bdist_wheel drops when it turns an .egg-info into a .dist-info.
            if p in ("PKG-INFO", "requires.txt", "SOURCES.txt", "not-zip-safe"):
                continue
            if p == "dependency_links.txt" and not v[0].strip():
                continue
        keep_meta[p] = v
    for p, v in keep_meta.items():
        files[info + "/" + p] = v
    files[info + "/METADATA"] = (metadata.encode("utf-8"), 0o644)
    files[info + "/WHEEL"] = (("Wheel-Version: 1.0\nGenerator: kubox-e2e pypi-from-debian.py\n"
                               "Root-Is-Purelib: %s\nTag: %s\n\n" % (purelib, tag)).encode(), 0o644)

    def record_hash(data):
        return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

    # Sorted, the .dist-info last and RECORD last in it (as bdist_wheel orders them).
    order = (sorted(p for p in files if not p.startswith(info + "/")) +
             sorted(p for p in files if p.startswith(info + "/")))
    rec = io.StringIO()
    w = csv.writer(rec, lineterminator="\n")
    for p in order:
        w.writerow([p, record_hash(files[p][0]), len(files[p][0])])
    w.writerow([info + "/RECORD", "", ""])
    files[info + "/RECORD"] = (rec.getvalue().encode(), 0o644)
    order.append(info + "/RECORD")

    path = os.path.join(outdir, fname)
    with zipfile.ZipFile(path + ".part", "w") as z:
        for p in order:
            data, mode = files[p]
            zi = zipfile.ZipInfo(p, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = (0o100000 | mode) << 16
            z.writestr(zi, data, compresslevel=9)
    os.replace(path + ".part", path)
    return dist, fname


def summarize(paths):
    """Paths, with a directory of more than 3 of them given as one entry."""
    groups = {}
    for p in paths:
        groups.setdefault("/".join(p.split("/")[:5]), []).append(p)
    out = []
    for key, ps in sorted(groups.items()):
        out += ["%s/ (%d files)" % (key, len(ps))] if len(ps) > 3 else ps
    return out


def write_changes(out, built, relaxed, version_fixes, clashes):
    L = []
    L.append("kubox e2e loopback PyPI (TEST ONLY): wheels repacked from Debian bookworm's .debs")
    L.append("by scripts/test-env/pypi-from-debian.py. What differs from what the .debs ship:")
    L.append("")
    L.append("For every wheel:")
    L.append("  - the files under /usr/lib/python3/dist-packages/ are the wheel's root; Debian's")
    L.append("    /usr/bin wrappers and other files outside it are not shipped (pip writes the")
    L.append("    console scripts from entry_points.txt); /usr/share/doc and man pages dropped")
    L.append("  - an .egg-info becomes a .dist-info: PKG-INFO -> METADATA (Metadata-Version 2.1")
    L.append("    when it was older), requires.txt -> Requires-Dist, entry_points.txt, top_level.txt")
    L.append("    and the rest kept; PKG-INFO, requires.txt, SOURCES.txt, not-zip-safe and an empty")
    L.append("    dependency_links.txt dropped (as bdist_wheel does)")
    L.append("  - WHEEL and RECORD written anew (RECORD: sha256 and size of every file)")
    L.append("  - Requires-Dist: dh_python3 removes from requires.txt every requirement it turned")
    L.append("    into a Debian Depends. Those are derived back from the Depends on python3-*")
    L.append("    packages, each by the Name its metadata declares, with Debian's version bounds")
    L.append("    as PEP 440 (>= V, >> V, << V, <= V, = V of the upstream part of the Debian version;")
    L.append("    >> and << relax to >= and <= when the Debian version had a revision). Where the")
    L.append("    metadata still requires the name itself (plain or behind an environment marker),")
    L.append("    upstream's requirement stays and the Depends is not added; a name upstream has")
    L.append("    only in an extra is added as Debian has it. python3-pip/-setuptools/-pkg-resources/-wheel map")
    L.append("    to pip/setuptools/wheel (Debian's own wheels of those are served too); the")
    L.append("    interpreter, python3-distutils and python3-lib2to3 to nothing.")
    L.append("    'python3-X | python3 (>> V)' becomes 'X; python_version < \"V\"'.")
    L.append("  - every Requires-Dist names its target exactly as the target's metadata does")
    L.append("    (PyYAML, Pygments, ...): Debian bookworm's pip 23.0.1 rejects PEP 658 metadata")
    L.append("    whose Name differs from the requirement as written (fixed in pip 23.2)")
    L.append("  - tags: py3-none-any for Architecture: all; a .deb with extension modules gives one")
    L.append("    wheel per architecture, cp311-cp311-%s_<arch> (cp311-abi3-... when all its" % MANYLINUX)
    L.append("    modules are abi3), built from that architecture's .deb. Those modules link against")
    L.append("    Debian's shared libraries (libyaml, libffi, libssl) that a real manylinux wheel")
    L.append("    would bundle.")
    L.append("")
    L.append("Relaxed pins (no version in the index satisfied them):")
    if relaxed:
        for dist, before, after, why in relaxed:
            L.append("  - %s %s: %s -> %s (%s)" % (dist.name, dist.version, before, after, why))
    else:
        L.append("  - none")
    L.append("Version fixes:")
    if version_fixes:
        for dist, before, after in version_fixes:
            L.append("  - %s: metadata says %s (setuptools_scm found no version when Debian built it);"
                     " %s, the version of %s %s" % (dist.name, before, after, dist.holder.package, dist.holder.version))
    else:
        L.append("  - none")
    L.append("Clashes with Debian's own wheels (same name and version; Debian's wheel kept):")
    if clashes:
        for dist in clashes:
            L.append("  - %s %s from %s" % (dist.name, dist.version, dist.holder.label()))
    else:
        L.append("  - none")
    L.append("")
    L.append("Per wheel:")
    for dist, fname in sorted(built, key=lambda x: x[1].lower()):
        L.append("")
        L.append(fname)
        for d in dist.debs():
            L.append("  from %s_%s_%s.deb sha256=%s" % (d.package, d.version, d.arch, d.sha256))
        L.append("  metadata: %s%s" % (dist.meta_dir, " (converted)" if dist.meta_kind == "egg-info" else ""))
        if dist.members:
            L.append("  merged: %s (no metadata of its own)" % ", ".join(m.package for m in dist.members))
        if dist.derived_lines:
            L.append("  Requires-Dist from Depends:")
            L += ["    " + r for r in dist.derived_lines]
        if dist.promoted:
            L.append("  of those, the remaining metadata names only in an extra: %s" % ", ".join(
                "%s [%s]" % (t, ",".join(e)) for t, e in sorted(dist.promoted.items())))
        if dist.kept_over_depends:
            L.append("  already required by the metadata (Depends not added): %s" % ", ".join(
                "%s (%s)" % (t, "/".join(ds)) for t, ds in sorted(dist.kept_over_depends.items())))
        if dist.skipped:
            L.append("  Depends version bounds left out (not PEP 440): %s" % ", ".join(dist.skipped))
        if dist.renamed:
            L.append("  requirement names made exact: %s" % ", ".join(dist.renamed))
        for n in dist.notes + ([NOTES[dist.name]] if dist.name in NOTES else []):
            L += textwrap.wrap(n, 92, initial_indent="  ", subsequent_indent="    ",
                               break_long_words=False, break_on_hyphens=False)
        dropped = sorted({p for d in dist.debs() for p in d.dropped})
        if dropped:
            L.append("  not shipped: %s" % ", ".join(summarize(dropped)))
    with open(os.path.join(out, "CHANGES.txt"), "w") as f:
        f.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("resolve")
    r.add_argument("-o", action="append", default=[])
    r.add_argument("--suite", action="append", default=[])
    r.add_argument("--exclude", action="append", default=[])
    r.add_argument("roots", nargs="+")
    b = sub.add_parser("build")
    b.add_argument("--debs", action="append", required=True)
    b.add_argument("--existing", required=True)
    b.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.cmd == "resolve":
        cmd_resolve(a)
    else:
        build(a)


if __name__ == "__main__":
    main()
