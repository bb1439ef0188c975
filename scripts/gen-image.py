#!/usr/bin/env python3
"""Build a deterministic `docker save` tarball for benchmarks, without a
daemon: a few gzip layers filled with real files copied from a directory of
this machine (default: Python's standard library, thousands of small files),
plus planted findings (a setuid binary, a world-writable file, a private
key, a package cache, a whiteout), and a config with a root user and an
exposed SSH port.

    python3 scripts/gen-image.py OUT.tar [--source DIR] [--layers 4] [--seed 1]

Same inputs, same bytes (fixed mtimes, sorted entries, gzip without
timestamps), so palisade and Trivy scan byte-identical images.
"""

import argparse
import gzip
import hashlib
import io
import json
import pathlib
import random
import sys
import sysconfig
import tarfile

FIXED_MTIME = 1_700_000_000


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = FIXED_MTIME
    tar.addfile(info, io.BytesIO(data))


def layer(files: list, extra: list) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in sorted(files + extra):
            add_bytes(tar, name, data, mode)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return raw.getvalue(), out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--source", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    source = pathlib.Path(args.source)
    files = []
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 256 * 1024:
            rel = "usr/lib/app/" + str(path.relative_to(source))
            files.append((rel, path.read_bytes(), 0o644))
    if not files:
        sys.exit(f"no files under {source}")
    chunks = [files[i :: args.layers] for i in range(args.layers)]
    key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQy\n-----END OPENSSH PRIVATE KEY-----\n"
    planted = [
        [("usr/local/bin/helper", b"\x7fELF" + bytes(rng.randrange(256) for _ in range(64)), 0o4755)],
        [("srv/shared/state.db", b"data", 0o666), ("root/.ssh/id_ed25519", key, 0o600)],
        [("var/cache/apt/archives/curl.deb", b"deb" * 100, 0o644), ("var/lib/apt/lists/deb.debian.org_dists", b"x" * 100, 0o644)],
        [("usr/lib/app/.wh.obsolete", b"", 0o644)],
    ]
    diff_ids, blobs = [], []
    for i, chunk in enumerate(chunks):
        raw, gz = layer(chunk, planted[i] if i < len(planted) else [])
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        blobs.append(gz)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "User": "",
            "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}},
            "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "APP_ENV=production"],
            "Cmd": ["/usr/local/bin/app"],
            "Labels": {"org.opencontainers.image.source": "https://example.com/app"},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": f"layer {i}"} for i in range(len(blobs))],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_id = hashlib.sha256(config_bytes).hexdigest()
    with tarfile.open(args.out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        layer_names = []
        for blob in blobs:
            digest = hashlib.sha256(blob).hexdigest()
            name = f"blobs/sha256/{digest}"
            add_bytes(tar, name, blob)
            layer_names.append(name)
        add_bytes(tar, f"{config_id}.json", config_bytes)
        manifest = [{"Config": f"{config_id}.json", "RepoTags": ["bench/app:1.0"], "Layers": layer_names}]
        add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
    print(f"wrote {args.out}: {len(files)} files in {len(blobs)} layers, image ID sha256:{config_id}")


if __name__ == "__main__":
    main()
