"""Check that the collection's version agrees everywhere, and that its tarball holds only what users install.

    .venv/bin/python scripts/release_check.py            # build a tarball in a temporary directory and check it
    .venv/bin/python scripts/release_check.py --tarball build/dist/logsafe-aws-0.2.0.tar.gz  # check this file
    .venv/bin/python scripts/release_check.py --release  # also require that every changelog fragment is released

It needs PyYAML and packaging, which .venv has (`make venv`).

The version in galaxy.yml must equal five others: COLLECTION_VERSION in
plugins/module_utils/_aws.py (the version in the modules' user agent), the
newest release in changelogs/changelog.yaml, and the version of the tarball in
three places. These are the file name that ee/requirements.yml installs, the
file name of the tarball, and its MANIFEST.json. No member of the
tarball may be a test, a virtual environment, a tool cache, compiled Python,
build output or another tarball. Every problem found is listed, and the exit
code is 1 when there is any.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml
from packaging.version import InvalidVersion, Version

REPO_ROOT = Path(__file__).resolve().parents[1]
GALAXY_FILE = REPO_ROOT / "galaxy.yml"
AWS_MODULE_UTILS = REPO_ROOT / "plugins" / "module_utils" / "_aws.py"
CHANGELOG_FILE = REPO_ROOT / "changelogs" / "changelog.yaml"
FRAGMENTS_DIR = REPO_ROOT / "changelogs" / "fragments"
# The execution environment installs the tarball by its file name.
EE_REQUIREMENTS = REPO_ROOT / "ee" / "requirements.yml"
BUILD_TIMEOUT = 300

# Member paths that must not be in the tarball, with the reason. The patterns
# match anywhere in the path, because ansible-galaxy's build_ignore patterns
# match whole relative paths and easily miss a nested directory.
FORBIDDEN_MEMBERS = (
    (re.compile(r"(^|/)tests(/|$)"), "tests"),
    (re.compile(r"(^|/)(\.?venv[^/]*|\.tox|\.nox)(/|$)"), "a virtual environment"),
    (re.compile(r"(^|/)\.[^/]*_cache(/|$)"), "a tool cache"),
    (re.compile(r"(^|/)\.benchmarks(/|$)"), "a benchmark cache"),
    (re.compile(r"^changelogs/\.plugin-cache\.yaml$"), "the antsibull-changelog cache"),
    (re.compile(r"(^|/)__pycache__(/|$)|\.py[co]$"), "compiled Python"),
    (re.compile(r"(^|/)\.git(/|$)"), "Git data"),
    (re.compile(r"^(build|collections)(/|$)|^(bench|tests)/output(/|$)"), "build or test output"),
    (re.compile(r"\.tar\.gz$"), "another tarball"),
)


def galaxy_metadata() -> dict:
    """Return the parsed galaxy.yml."""
    return yaml.safe_load(GALAXY_FILE.read_text(encoding="utf-8"))


def collection_version_constant() -> str | None:
    """Return the value of COLLECTION_VERSION in _aws.py, read without importing the module."""
    tree = ast.parse(AWS_MODULE_UTILS.read_text(encoding="utf-8"))
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
            continue
        names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        if "COLLECTION_VERSION" in names and isinstance(node.value.value, str):
            return node.value.value
    return None


def newest_changelog_release() -> str | None:
    """Return the highest version among the releases in changelogs/changelog.yaml."""
    changelog = yaml.safe_load(CHANGELOG_FILE.read_text(encoding="utf-8")) or {}
    versions = [str(version) for version in (changelog.get("releases") or {})]
    return max(versions, key=Version) if versions else None


def unreleased_fragments() -> list[str]:
    """Return the changelog fragments that no release has taken in yet."""
    if not FRAGMENTS_DIR.is_dir():
        return []
    return sorted(path.name for path in FRAGMENTS_DIR.iterdir() if path.suffix in (".yml", ".yaml"))


def check_versions(version: str) -> list[str]:
    """Compare the version of galaxy.yml with COLLECTION_VERSION and the newest changelog release."""
    problems = []
    try:
        Version(version)
    except InvalidVersion:
        problems.append(f"galaxy.yml: version {version!r} is not a valid version number; use MAJOR.MINOR.PATCH.")
    constant = collection_version_constant()
    if constant != version:
        problems.append(
            f"{AWS_MODULE_UTILS.relative_to(REPO_ROOT)}: COLLECTION_VERSION is {constant!r}, but galaxy.yml has "
            f"{version!r}. Set both to the release version."
        )
    if EE_REQUIREMENTS.is_file():
        for named in sorted(set(re.findall(r"logsafe-aws-([^/\s]+?)\.tar\.gz", EE_REQUIREMENTS.read_text("utf-8")))):
            if named != version:
                problems.append(
                    f"ee/requirements.yml: names the tarball of version {named!r}, but galaxy.yml has {version!r}."
                )
    newest = newest_changelog_release()
    if newest != version:
        problems.append(
            f"changelogs/changelog.yaml: the newest release is {newest!r}, but galaxy.yml has {version!r}. Add a "
            "changelog fragment and run `make changelog-release` (antsibull-changelog release)."
        )
    return problems


def build_tarball(output_dir: Path) -> Path:
    """Build the collection with ansible-galaxy into ``output_dir`` and return the tarball."""
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    command = [str(galaxy if galaxy.exists() else shutil.which("ansible-galaxy") or "ansible-galaxy")]
    command += ["collection", "build", str(REPO_ROOT), "--output-path", str(output_dir), "--force"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {completed.returncode}:\n{completed.stderr}")
    tarballs = sorted(output_dir.glob("*.tar.gz"))
    if len(tarballs) != 1:
        raise SystemExit(
            f"ansible-galaxy collection build wrote {len(tarballs)} tarballs into {output_dir}, expected 1."
        )
    return tarballs[0]


def check_tarball(tarball: Path, metadata: dict) -> list[str]:
    """Compare the tarball's name and MANIFEST.json with galaxy.yml, and look for members that must not be there."""
    problems = []
    namespace, name, version = metadata["namespace"], metadata["name"], str(metadata["version"])
    expected_name = f"{namespace}-{name}-{version}.tar.gz"
    if tarball.name != expected_name:
        problems.append(f"{tarball.name}: the file name should be {expected_name} for version {version}.")

    with tarfile.open(tarball) as archive:
        members = archive.getnames()
        try:
            manifest_file = archive.extractfile("MANIFEST.json")
        except KeyError:
            manifest_file = None
        manifest = json.load(manifest_file) if manifest_file else {}

    info = manifest.get("collection_info", {})
    if not info:
        problems.append(f"{tarball.name}: MANIFEST.json is missing or has no collection_info.")
    for field, expected in (("namespace", namespace), ("name", name), ("version", version)):
        if info and str(info.get(field)) != expected:
            problems.append(
                f"{tarball.name}: MANIFEST.json has {field} {info.get(field)!r}, galaxy.yml has {expected!r}."
            )

    found: dict[str, list[str]] = {}
    for member in members:
        for pattern, reason in FORBIDDEN_MEMBERS:
            if pattern.search(member):
                found.setdefault(reason, []).append(member)
                break
    for reason, paths in sorted(found.items()):
        examples = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        count = f"{len(paths)} member" + ("s" if len(paths) != 1 else "")
        problems.append(
            f"{tarball.name}: contains {reason} ({count}: {examples}). Add the path to build_ignore in galaxy.yml."
        )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="check this tarball instead of building one")
    parser.add_argument(
        "--release", action="store_true", help="also fail when changelog fragments are waiting for a release"
    )
    arguments = parser.parse_args()

    metadata = galaxy_metadata()
    version = str(metadata["version"])
    problems = check_versions(version)
    if arguments.release:
        fragments = unreleased_fragments()
        if fragments:
            problems.append(
                f"changelogs/fragments: {', '.join(fragments)} are not in a release yet. Run `make changelog-release`."
            )

    if arguments.tarball:
        problems += check_tarball(arguments.tarball.resolve(), metadata)
        tarball_name = arguments.tarball.name
    else:
        with tempfile.TemporaryDirectory(prefix="release-check-") as output_dir:
            tarball = build_tarball(Path(output_dir))
            problems += check_tarball(tarball, metadata)
            tarball_name = tarball.name

    if problems:
        print(f"Release check of {metadata['namespace']}.{metadata['name']} {version} failed:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(
        f"Release check passed: galaxy.yml, COLLECTION_VERSION, changelogs/changelog.yaml, ee/requirements.yml and "
        f"{tarball_name} all have version {version}, and the tarball holds no tests, virtual environments or caches."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
