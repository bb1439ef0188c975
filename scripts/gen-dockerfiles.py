#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic Dockerfiles for benchmarks.

    python3 scripts/gen-dockerfiles.py OUTDIR [--count 1000] [--seed 1]

Each file is a small multi-stage or single-stage build of the kinds found in
real repositories (Go, Node, Python, Java, nginx), with the mistakes the
Dockerfile controls look for sprinkled in at random (no USER, sudo, ADD of
local files, `latest` tags, `apt-get update` alone, `curl | sh`, secrets in
ENV, chmod 777, EXPOSE 22). One Dockerfile per directory, named
`Dockerfile`, as builds lay them out. Same seed, same files.
"""

import argparse
import pathlib
import random

BASES = {
    "go": ("golang:1.23", "gcr.io/distroless/static-debian12"),
    "node": ("node:22-alpine", "node:22-alpine"),
    "python": ("python:3.12-slim", "python:3.12-slim"),
    "java": ("maven:3.9-eclipse-temurin-21", "eclipse-temurin:21-jre"),
    "nginx": ("node:22-alpine", "nginx:1.27-alpine"),
}


def dockerfile(rng: random.Random, i: int) -> str:
    kind = rng.choice(sorted(BASES))
    build, runtime = BASES[kind]
    if rng.random() < 0.15:
        runtime = runtime.split(":")[0] + (":latest" if rng.random() < 0.5 else "")
    lines = [f"# syntax=docker/dockerfile:1", f"# service {i} ({kind})", "ARG VERSION=1.0.0"]
    lines += [f"FROM {build} AS build", "WORKDIR /src"]
    if rng.random() < 0.2:
        lines.append("ADD . /src")
    else:
        lines.append("COPY . /src")
    if kind == "go":
        lines.append("RUN --mount=type=cache,target=/root/.cache/go-build \\\n    CGO_ENABLED=0 go build -o /out/app ./cmd/app")
    elif kind in ("node", "nginx"):
        lines.append("RUN npm ci && npm run build")
    elif kind == "python":
        lines.append("RUN pip install --no-cache-dir -r requirements.txt")
    else:
        lines.append("RUN mvn -B -q package -DskipTests")
    lines += ["", f"FROM {runtime}"]
    if rng.random() < 0.3:
        lines.append("RUN apt-get update")
        lines.append("RUN apt-get install -y --no-install-recommends curl ca-certificates")
    elif rng.random() < 0.3:
        lines.append("RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*")
    if rng.random() < 0.1:
        lines.append("RUN curl -fsSL https://example.com/install.sh | sh")
    if rng.random() < 0.1:
        lines.append("RUN sudo chmod 777 /srv")
    if rng.random() < 0.1:
        lines.append("ENV API_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345")
    lines.append("ENV APP_ENV=production PORT=8080")
    lines.append("COPY --from=build /out /app" if kind == "go" else "COPY --from=build /src /app")
    lines.append("EXPOSE 8080" + (" 22" if rng.random() < 0.05 else ""))
    if rng.random() < 0.6:
        lines.append("HEALTHCHECK --interval=30s CMD [\"/app/healthcheck\"]")
    if rng.random() < 0.7:
        lines.append("USER 10001")
    lines.append('ENTRYPOINT ["/app/app"]' if kind == "go" else 'CMD ["/app/start"]')
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = pathlib.Path(args.outdir)
    for i in range(args.count):
        directory = out / f"svc-{i:04d}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "Dockerfile").write_text(dockerfile(rng, i))
    print(f"wrote {args.count} Dockerfiles to {out}")


if __name__ == "__main__":
    main()
