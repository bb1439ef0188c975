#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic Kubernetes manifests for benchmarks.

    python3 scripts/gen-corpus.py OUTDIR [--resources 10000] [--seed 1] [--force]
                                         [--stats FILE]

Why this exists: whole-binary benchmarks (scripts/bench-scan.sh) need a large,
realistic and *reproducible* input that every tool (palisade, trivy, checkov)
scans byte-for-byte identically, without shipping megabytes of YAML in the
repo.  Same seed + same --resources => identical files (only the stdlib
`random.Random` stream is used; no hash(), no clocks, no set iteration).

Shape of the corpus, chosen to look like a real GitOps repository:
  * one "app" per file (ENV/NAMESPACE/APP.yaml, some `.yml`), each app holding
    ~5-20 documents separated by `---`: ServiceAccount, Secrets, ConfigMaps,
    1-4 workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod,
    ReplicaSet), Services, Ingress, HPA, NetworkPolicy, Role/RoleBinding;
  * workloads with 1-3 containers, sometimes initContainers, resources, probes,
    env/envFrom, configMap/secret/emptyDir/PVC volumes and occasionally hostPath;
  * security contexts that vary: hardened for PSS "restricted", partial, absent,
    and baseline-violating (privileged, hostNetwork/PID/IPC, added capabilities,
    runAsUser 0, hostPort, unsafe sysctls, Unconfined seccomp/AppArmor, ...);
  * YAML written in several equivalent styles (indented vs. flush sequences,
    double vs. single quotes, flow lists, block literals, comments, leading
    `---`) so the parser is exercised the way real repos exercise it.

No third-party dependencies: YAML is emitted by the small writer below, which
quotes every string a YAML 1.1 or 1.2 reader could take as a non-string.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from random import Random

# ---------------------------------------------------------------------------
# Minimal YAML writer
# ---------------------------------------------------------------------------

# Plain scalars that YAML 1.1 (still used by many tools) or 1.2 would read as
# booleans, nulls or specials; compared case-insensitively.
_RESERVED = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "",
    ".inf", "-.inf", "+.inf", ".nan", "<<", "=",
}
# Anything made only of digits and number punctuation could be an int, float,
# hex/octal/binary or a YAML 1.1 sexagesimal ("12:30"), so it gets quoted.
# Strings such as "100m" or "128Mi" contain other letters and stay plain.
_NUMBERISH = re.compile(r"[-+.]?[0-9][0-9a-fA-FxXoObB_.:eE+-]*|[-+]?\.[0-9][0-9_eE.+-]*")
_PLAIN_FIRST_BAD = set("-?:,[]{}#&*!|>'\"%@`")
_PLAIN_ANY_BAD = re.compile(r"[\x00-\x1f\x7f{}\[\]]|: |:$| #|^\s|\s$")


@dataclass
class Style:
    """Per-file formatting choices; all variants are equivalent YAML."""

    indent_seq: bool  # "key:\n  - a" (kubectl/helm) vs. "key:\n- a" (kustomize)
    single_quotes: bool  # quote with '...' instead of "..."
    flow_scalar_lists: bool  # short scalar lists as ["a", "b"]
    leading_doc_marker: bool  # file starts with "---"
    helm_source_comments: bool  # "# Source: chart/templates/x.yaml" per doc


def _needs_quotes(s: str) -> bool:
    if s.lower() in _RESERVED:
        return True
    if s[0] in _PLAIN_FIRST_BAD or _NUMBERISH.fullmatch(s):
        return True
    if not s.isascii():
        return True
    return bool(_PLAIN_ANY_BAD.search(s))


def _quote(s: str, st: Style) -> str:
    if st.single_quotes and s.isprintable():
        return "'" + s.replace("'", "''") + "'"
    return json.dumps(s, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars


def _inline(v, st: Style) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dict):
        assert not v, "non-empty mappings are emitted in block style"
        return "{}"
    if isinstance(v, list):
        assert not v, "non-empty sequences are emitted in block style"
        return "[]"
    s = str(v)
    return _quote(s, st) if _needs_quotes(s) else s


def _is_flow_list(v, st: Style) -> bool:
    return (
        st.flow_scalar_lists
        and isinstance(v, list)
        and 0 < len(v) <= 4
        and all(isinstance(x, (str, int)) and "\n" not in str(x) for x in v)
    )


def _flow_list(v: list) -> str:
    # Inside flow context plain scalars may not contain ",[]{}": always quote strings.
    return "[" + ", ".join(json.dumps(x) if isinstance(x, str) else repr(x) for x in v) + "]"


def _block_literal(s: str, ind: int, head: str, lines: list[str]) -> None:
    # "|" keeps one trailing newline, "|-" none; we never produce more than one.
    indicator = "|" if s.endswith("\n") else "|-"
    lines.append(f"{head}{indicator}")
    pad = " " * ind
    for line in s.rstrip("\n").split("\n"):
        lines.append(pad + line if line else "")


def _emit_map(m: dict, ind: int, lines: list[str], st: Style) -> None:
    pad = " " * ind
    for k, v in m.items():
        key = _inline(k, st)
        if isinstance(v, dict) and v:
            lines.append(f"{pad}{key}:")
            _emit_map(v, ind + 2, lines, st)
        elif _is_flow_list(v, st):
            lines.append(f"{pad}{key}: {_flow_list(v)}")
        elif isinstance(v, list) and v:
            lines.append(f"{pad}{key}:")
            _emit_seq(v, ind + 2 if st.indent_seq else ind, lines, st)
        elif isinstance(v, str) and "\n" in v:
            _block_literal(v, ind + 2, f"{pad}{key}: ", lines)
        else:
            lines.append(f"{pad}{key}: {_inline(v, st)}")


def _emit_seq(seq: list, ind: int, lines: list[str], st: Style) -> None:
    pad = " " * ind
    for item in seq:
        if isinstance(item, dict) and item:
            sub: list[str] = []
            _emit_map(item, ind + 2, sub, st)
            sub[0] = f"{pad}- {sub[0][ind + 2:]}"
            lines.extend(sub)
        elif isinstance(item, list) and item:
            lines.append(f"{pad}-")
            _emit_seq(item, ind + 2, lines, st)
        elif isinstance(item, str) and "\n" in item:
            _block_literal(item, ind + 2, f"{pad}- ", lines)
        else:
            lines.append(f"{pad}- {_inline(item, st)}")


def to_yaml(doc: dict, st: Style) -> str:
    lines: list[str] = []
    _emit_map(doc, 0, lines, st)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

# No environment is called "dev": trivy (<= 0.76 at least, aquasecurity/trivy#6651)
# silently skips any directory named dev/proc/sys, which would make peers scan
# less than palisade does.
ENVS = ["prod", "staging", "qa"]
ENV_WEIGHTS = [5, 3, 2]
NAMESPACES = [
    "payments", "checkout", "search", "identity", "platform", "monitoring",
    "logging", "ingress-nginx", "data", "ml-serving", "web", "mobile-api",
    "notifications", "billing", "inventory", "shipping", "analytics", "auth",
    "cms", "kube-system", "cert-manager", "ci", "storage", "messaging",
]
TEAMS = ["core", "growth", "infra", "sre", "data-eng", "security", "frontend", "ml"]
WORDS_A = [
    "order", "cart", "user", "profile", "ledger", "invoice", "catalog", "price",
    "stock", "route", "session", "token", "email", "sms", "push", "report",
    "event", "audit", "media", "image", "feed", "rank", "quote", "tax", "fraud",
    "risk", "geo", "chat", "review", "coupon", "loyalty", "asset", "backup",
]
WORDS_B = [
    "api", "service", "worker", "gateway", "processor", "indexer", "sync",
    "scheduler", "consumer", "publisher", "store", "cache", "proxy", "backend",
    "frontend", "exporter", "agent", "collector", "controller", "manager",
]
REGISTRIES = [
    "", "docker.io/library/", "ghcr.io/acme/", "quay.io/acme/",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/", "registry.k8s.io/",
    "europe-docker.pkg.dev/acme-prod/images/", "registry.acme.internal:5000/",
]
SIDECAR_IMAGES = [
    "envoyproxy/envoy", "fluent/fluent-bit", "prom/statsd-exporter",
    "istio/proxyv2", "oliver006/redis_exporter", "nginx", "busybox",
    "hashicorp/vault", "grafana/promtail",
]
INIT_IMAGES = ["busybox", "alpine", "curlimages/curl", "postgres", "flyway/flyway", "bitnami/kubectl"]
STATEFUL_IMAGES = ["postgres", "redis", "bitnami/kafka", "mongo", "elasticsearch", "bitnami/rabbitmq", "zookeeper"]
DAEMON_IMAGES = [
    "fluent/fluent-bit", "prom/node-exporter", "datadog/agent", "calico/node",
    "falcosecurity/falco", "k8s-dns-node-cache", "cilium/cilium", "nvidia/k8s-device-plugin",
]
CAPS_BASELINE_OK = ["NET_BIND_SERVICE", "CHOWN", "SETUID", "SETGID", "KILL"]
CAPS_DANGEROUS = ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_MODULE", "SYS_TIME", "BPF", "ALL"]
HOST_PATHS = [
    "/var/log", "/var/lib/docker/containers", "/proc", "/sys", "/var/run/docker.sock",
    "/etc", "/run/containerd/containerd.sock", "/", "/dev", "/var/lib/kubelet",
]
UNSAFE_SYSCTLS = ["kernel.msgmax", "kernel.shm_rmid_forced", "net.core.somaxconn", "vm.max_map_count"]
SAFE_SYSCTLS = ["net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range"]


def wchoice(rng: Random, items: list, weights: list):
    return rng.choices(items, weights=weights, k=1)[0]


def image_ref(rng: Random, name: str) -> str:
    reg = rng.choice(REGISTRIES)
    if reg == "docker.io/library/" and "/" in name:  # "library/" only holds official images
        reg = "docker.io/"
    tag_kind = wchoice(rng, ["semver", "latest", "none", "digest", "sha-tag", "semver-digest"], [55, 10, 5, 12, 12, 6])
    ver = f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
    digest = "sha256:" + rng.randbytes(32).hex()
    if tag_kind == "semver":
        return f"{reg}{name}:{rng.choice(['', 'v'])}{ver}"
    if tag_kind == "latest":
        return f"{reg}{name}:latest"
    if tag_kind == "none":
        return f"{reg}{name}"
    if tag_kind == "digest":
        return f"{reg}{name}@{digest}"
    if tag_kind == "sha-tag":
        return f"{reg}{name}:git-{rng.randbytes(5).hex()}"
    return f"{reg}{name}:{ver}@{digest}"


# ---------------------------------------------------------------------------
# Security profiles
# ---------------------------------------------------------------------------

# Baseline-violating knobs; 1-3 are picked per violating workload.
VIOLATIONS = [
    "privileged", "hostNetwork", "hostPID", "hostIPC", "capAddDangerous",
    "runAsRoot", "hostPath", "hostPort", "allowPrivEsc", "seccompUnconfined",
    "apparmorUnconfined", "procMountUnmasked", "unsafeSysctl", "seLinuxType",
]
VIOLATION_WEIGHTS = [14, 10, 5, 4, 12, 14, 10, 6, 8, 5, 3, 1, 3, 2]


def pick_profile(rng: Random, kind: str) -> str:
    if kind == "DaemonSet":  # node agents: frequently privileged / host access
        return wchoice(rng, ["restricted", "partial", "none", "violating"], [10, 15, 15, 60])
    if kind == "Pod":  # ad-hoc debug pods
        return wchoice(rng, ["restricted", "partial", "none", "violating"], [10, 15, 30, 45])
    return wchoice(rng, ["restricted", "partial", "none", "violating"], [27, 25, 30, 18])


def restricted_container_sc(rng: Random) -> dict:
    sc = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": rng.random() < 0.8,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    if rng.random() < 0.15:  # the one capability "restricted" allows adding
        sc["capabilities"]["add"] = ["NET_BIND_SERVICE"]
    if rng.random() < 0.3:
        sc["seccompProfile"] = {"type": "RuntimeDefault"}
    return sc


def partial_container_sc(rng: Random) -> dict | None:
    options = [
        lambda: {"runAsNonRoot": True},
        lambda: {"allowPrivilegeEscalation": False},
        lambda: {"readOnlyRootFilesystem": True, "runAsUser": rng.choice([1000, 1001, 65534])},
        lambda: {"capabilities": {"drop": ["ALL"]}},
        lambda: {"capabilities": {"add": [rng.choice(CAPS_BASELINE_OK)]}, "runAsNonRoot": True},
        lambda: {"privileged": False},
        lambda: None,
    ]
    return rng.choice(options)()


# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------


@dataclass
class App:
    env: str
    ns: str
    name: str
    team: str
    system: str
    labels: dict
    sa_name: str | None
    secret_names: list
    rng: Random


def meta(app: App, name: str, extra_labels: dict | None = None, annotations: dict | None = None) -> dict:
    labels = dict(app.labels)
    if extra_labels:
        labels.update(extra_labels)
    m = {"name": name, "namespace": app.ns, "labels": labels}
    if annotations:
        m["annotations"] = annotations
    return m


def resources_block(rng: Random, heavy: bool = False) -> dict | None:
    choice = wchoice(rng, ["full", "requests", "limits", "none", "cpu-only"], [55, 15, 7, 18, 5])
    cpu_req = rng.choice(["10m", "50m", "100m", "250m", "500m", "1", "2"] if heavy else ["10m", "25m", "50m", "100m", "200m", "250m"])
    mem_req = rng.choice(["64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"] if heavy else ["32Mi", "64Mi", "128Mi", "256Mi", "512Mi"])
    cpu_lim = rng.choice(["200m", "500m", "1", "2", "4000m"])
    mem_lim = rng.choice(["128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "8Gi", "1073741824"])
    if choice == "full":
        r = {"requests": {"cpu": cpu_req, "memory": mem_req}, "limits": {"memory": mem_lim}}
        if rng.random() < 0.6:
            r["limits"]["cpu"] = cpu_lim
        if rng.random() < 0.1:
            r["requests"]["ephemeral-storage"] = "1Gi"
            r["limits"]["ephemeral-storage"] = "2Gi"
        return r
    if choice == "requests":
        return {"requests": {"cpu": cpu_req, "memory": mem_req}}
    if choice == "limits":
        return {"limits": {"cpu": cpu_lim, "memory": mem_lim}}
    if choice == "cpu-only":
        return {"requests": {"cpu": cpu_req}}
    return None


def probe(rng: Random, port: int, kind: str | None = None) -> dict:
    kind = kind or wchoice(rng, ["http", "tcp", "exec", "grpc"], [65, 20, 12, 3])
    if kind == "http":
        p = {"httpGet": {"path": rng.choice(["/healthz", "/ready", "/livez", "/actuator/health", "/-/healthy", "/ping"]), "port": rng.choice([port, "http"])}}
        if rng.random() < 0.1:
            p["httpGet"]["scheme"] = "HTTPS"
            p["httpGet"]["httpHeaders"] = [{"name": "X-Probe", "value": "kubelet"}]
    elif kind == "tcp":
        p = {"tcpSocket": {"port": port}}
    elif kind == "exec":
        p = {"exec": {"command": ["/bin/sh", "-c", rng.choice(["pg_isready -U postgres", "redis-cli ping", "test -f /tmp/healthy", "curl -fsS localhost:%d/health" % port])]}}
    else:
        p = {"grpc": {"port": port}}
    if rng.random() < 0.7:
        p["initialDelaySeconds"] = rng.choice([0, 5, 10, 15, 30, 60])
    if rng.random() < 0.6:
        p["periodSeconds"] = rng.choice([5, 10, 15, 30])
    if rng.random() < 0.4:
        p["timeoutSeconds"] = rng.choice([1, 2, 3, 5])
    if rng.random() < 0.3:
        p["failureThreshold"] = rng.choice([3, 5, 10, 30])
    return p


def env_list(rng: Random, app: App, cm_name: str | None) -> list:
    env = []
    plain = [
        ("LOG_LEVEL", rng.choice(["info", "debug", "warn", "error"])),
        ("PORT", str(rng.choice([8080, 8000, 3000, 9090]))),
        ("ENVIRONMENT", app.env),
        ("JAVA_OPTS", "-Xms256m -Xmx%dm -XX:+UseG1GC" % rng.choice([512, 1024, 2048])),
        ("FEATURE_FLAGS", "new-checkout,fast-search"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring:4317"),
        ("GOMAXPROCS", "2"),
        ("ENABLE_TRACING", rng.choice(["true", "false", "yes", "no", "on"])),  # must stay strings: quoted
        ("TZ", "UTC"),
        ("CACHE_TTL", "1h30m"),
        ("MAX_CONNS", "0100"),  # octal-looking string: quoted
    ]
    for k, v in rng.sample(plain, rng.randint(1, 6)):
        env.append({"name": k, "value": v})
    if app.secret_names and rng.random() < 0.7:
        for key in rng.sample(["DATABASE_PASSWORD", "API_KEY", "JWT_SECRET", "REDIS_PASSWORD"], rng.randint(1, 2)):
            env.append({"name": key, "valueFrom": {"secretKeyRef": {"name": rng.choice(app.secret_names), "key": key.lower().replace("_", "-")}}})
    if cm_name and rng.random() < 0.5:
        env.append({"name": "APP_MODE", "valueFrom": {"configMapKeyRef": {"name": cm_name, "key": "mode", "optional": True}}})
    if rng.random() < 0.35:
        env.append({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
        env.append({"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
    if rng.random() < 0.15:
        env.append({"name": "MEMORY_LIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}})
    if rng.random() < 0.06:  # hard-coded credential, the classic finding
        env.append({"name": rng.choice(["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "ADMIN_TOKEN"]), "value": base64.b64encode(rng.randbytes(18)).decode()})
    return env


def container(rng: Random, app: App, name: str, image_name: str, profile: str, cm_name: str | None,
              volumes: list, port: int | None, violations: set, heavy: bool = False, is_init: bool = False) -> dict:
    c: dict = {"name": name, "image": image_ref(rng, image_name)}
    if rng.random() < 0.4:
        c["imagePullPolicy"] = rng.choice(["IfNotPresent", "Always", "Never"] if rng.random() < 0.05 else ["IfNotPresent", "Always"])
    if is_init:
        c["command"] = ["sh", "-c", rng.choice([
            "until nc -z postgres 5432; do echo waiting; sleep 2; done",
            "cp -r /config/. /work/ && chmod 0644 /work/*",
            "flyway migrate",
            "sysctl -w vm.max_map_count=262144",
            "chown -R 1000:1000 /data",
        ])]
    elif rng.random() < 0.3:
        c["args"] = rng.sample(["--port=%d" % (port or 8080), "--log-format=json", "--metrics-addr=:9090", "--config=/etc/app/config.yaml", "--v=2", "--enable-leader-election"], rng.randint(1, 4))
    if port and not is_init:
        ports = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        if rng.random() < 0.4:
            ports.append({"name": "metrics", "containerPort": 9090})
        if "hostPort" in violations:
            ports[0]["hostPort"] = port
        c["ports"] = ports
    if not is_init or rng.random() < 0.3:
        env = env_list(rng, app, cm_name)
        if env:
            c["env"] = env
    if cm_name and not is_init and rng.random() < 0.25:
        c["envFrom"] = [{"configMapRef": {"name": cm_name}}]
        if app.secret_names and rng.random() < 0.5:
            c["envFrom"].append({"secretRef": {"name": app.secret_names[0]}})
    res = resources_block(rng, heavy)
    if res:
        c["resources"] = res
    if port and not is_init:
        if rng.random() < 0.65:
            c["livenessProbe"] = probe(rng, port)
        if rng.random() < 0.7:
            c["readinessProbe"] = probe(rng, port)
        if rng.random() < 0.1:
            c["startupProbe"] = probe(rng, port, "http")
    if rng.random() < 0.05 and not is_init:
        c["lifecycle"] = {"preStop": {"exec": {"command": ["/bin/sh", "-c", "sleep 15"]}}}
    mounts = []
    for v in volumes:
        if rng.random() < (0.9 if not is_init else 0.4):
            m = {"name": v["name"], "mountPath": v["_mount"]}
            if v.get("_ro") or (rng.random() < 0.3 and "emptyDir" not in v):
                m["readOnly"] = True
            if rng.random() < 0.05:
                m["subPath"] = "config.yaml"
            mounts.append(m)
    if mounts:
        c["volumeMounts"] = mounts

    # Container-level securityContext by profile.
    sc: dict | None
    if profile == "restricted":
        sc = restricted_container_sc(rng)
    elif profile == "partial":
        sc = partial_container_sc(rng)
    elif profile == "none":
        sc = None
    else:
        sc = partial_container_sc(rng) or {}
        if "privileged" in violations and (not is_init or rng.random() < 0.5):
            sc["privileged"] = True
        if "capAddDangerous" in violations:
            sc["capabilities"] = {"add": rng.sample(CAPS_DANGEROUS, rng.randint(1, 3))}
        if "runAsRoot" in violations:
            sc["runAsUser"] = 0
            if rng.random() < 0.4:
                sc["runAsNonRoot"] = False
        if "allowPrivEsc" in violations:
            sc["allowPrivilegeEscalation"] = True
        if "procMountUnmasked" in violations:
            sc["procMount"] = "Unmasked"
        if "seLinuxType" in violations:
            sc["seLinuxOptions"] = {"type": rng.choice(["spc_t", "unconfined_t"]), "user": "system_u"}
        if "seccompUnconfined" in violations and rng.random() < 0.5:
            sc["seccompProfile"] = {"type": "Unconfined"}
        if not sc:
            sc = None
    if sc:
        c["securityContext"] = sc
    if rng.random() < 0.05 and not is_init:
        c["terminationMessagePolicy"] = "FallbackToLogsOnError"
    return c


def volumes_for(rng: Random, app: App, cm_name: str | None, violations: set, kind: str) -> list:
    vols = []
    if cm_name and rng.random() < 0.6:
        v = {"name": "config", "configMap": {"name": cm_name}, "_mount": "/etc/app", "_ro": True}
        if rng.random() < 0.2:
            v["configMap"]["defaultMode"] = 420  # 0644, written in decimal as kubectl does
            v["configMap"]["items"] = [{"key": "config.yaml", "path": "config.yaml"}]
        vols.append(v)
    if app.secret_names and rng.random() < 0.35:
        vols.append({"name": "secrets", "secret": {"secretName": rng.choice(app.secret_names), "defaultMode": 0o400}, "_mount": "/var/run/secrets/app", "_ro": True})
    if rng.random() < 0.45:
        ed: dict = {}
        if rng.random() < 0.3:
            ed["sizeLimit"] = rng.choice(["64Mi", "500Mi", "1Gi"])
        if rng.random() < 0.1:
            ed["medium"] = "Memory"
        vols.append({"name": "tmp", "emptyDir": ed, "_mount": "/tmp"})
    if kind in ("Deployment", "ReplicaSet") and rng.random() < 0.06:
        vols.append({"name": "data", "persistentVolumeClaim": {"claimName": f"{app.name}-data"}, "_mount": "/data"})
    if rng.random() < 0.04:
        vols.append({"name": "podinfo", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}, "_mount": "/etc/podinfo", "_ro": True})
    if rng.random() < 0.04:
        vols.append({"name": "bound-token", "projected": {"sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3600, "audience": "vault"}}]}, "_mount": "/var/run/secrets/tokens", "_ro": True})
    if "hostPath" in violations:
        for i, hp in enumerate(rng.sample(HOST_PATHS, rng.randint(1, 2))):
            v = {"name": f"host-{i}", "hostPath": {"path": hp}, "_mount": "/host" + (hp if hp != "/" else "/root")}
            if rng.random() < 0.5:
                v["hostPath"]["type"] = rng.choice(["Directory", "DirectoryOrCreate", "Socket", "File"])
            vols.append(v)
    return vols


def strip_private(vols: list) -> list:
    return [{k: v for k, v in vol.items() if not k.startswith("_")} for vol in vols]


def pod_spec(rng: Random, app: App, kind: str, comp: str, cm_name: str | None, main_image: str,
             port: int | None) -> tuple[dict, dict]:
    """Return (pod spec, pod-template annotations)."""
    profile = pick_profile(rng, kind)
    violations: set = set()
    if profile == "violating":
        weights = list(VIOLATION_WEIGHTS)
        if kind == "DaemonSet":  # node agents: host access is the norm
            for v in ("privileged", "hostNetwork", "hostPath", "hostPID"):
                weights[VIOLATIONS.index(v)] *= 3
        k = wchoice(rng, [1, 2, 3], [55, 30, 15])
        while len(violations) < k:
            violations.add(wchoice(rng, VIOLATIONS, weights))
    elif kind == "DaemonSet" and rng.random() < 0.5:
        violations.add("hostPath")  # log collectors read /var/log even when otherwise tidy

    vols = volumes_for(rng, app, cm_name, violations, kind)
    n_containers = wchoice(rng, [1, 2, 3], [65, 25, 10])
    heavy = kind == "StatefulSet"
    containers = [container(rng, app, comp, main_image, profile, cm_name, vols, port, violations, heavy)]
    for i in range(1, n_containers):
        img = rng.choice(SIDECAR_IMAGES)
        side_name = img.split("/")[-1].replace("_", "-")
        if any(c["name"] == side_name for c in containers):
            side_name = f"{side_name}-{i}"
        containers.append(container(rng, app, side_name, img, profile, cm_name, vols, rng.choice([None, 9102, 15090, 8081]), violations))
    spec: dict = {}
    if app.sa_name and rng.random() < 0.9:
        spec["serviceAccountName"] = app.sa_name
    if rng.random() < 0.2:
        spec["automountServiceAccountToken"] = False
    if rng.random() < 0.25 or (kind in ("DaemonSet", "StatefulSet") and rng.random() < 0.5):
        inits = []
        for i in range(wchoice(rng, [1, 2], [75, 25])):
            img = rng.choice(INIT_IMAGES)
            inits.append(container(rng, app, f"init-{img.split('/')[-1]}-{i}", img, profile, cm_name, vols, None, violations, is_init=True))
        spec["initContainers"] = inits
    spec["containers"] = containers

    # Pod-level securityContext and host namespaces.
    psc: dict = {}
    if profile == "restricted":
        psc = {"runAsNonRoot": True, "runAsUser": rng.choice([1000, 10001, 65532]), "seccompProfile": {"type": "RuntimeDefault"}}
        if rng.random() < 0.6:
            psc["runAsGroup"] = psc["runAsUser"]
            psc["fsGroup"] = psc["runAsUser"]
        if rng.random() < 0.1:
            psc["sysctls"] = [{"name": rng.choice(SAFE_SYSCTLS), "value": "1"}]
    elif profile == "partial" and rng.random() < 0.6:
        psc = rng.choice([{"fsGroup": 2000}, {"runAsUser": 1000, "runAsGroup": 3000}, {"runAsNonRoot": True}, {"seccompProfile": {"type": "RuntimeDefault"}}])
    elif profile == "violating":
        if "runAsRoot" in violations and rng.random() < 0.5:
            psc["runAsUser"] = 0
        if "seccompUnconfined" in violations:
            psc["seccompProfile"] = {"type": "Unconfined"}
        if "unsafeSysctl" in violations:
            psc["sysctls"] = [{"name": rng.choice(UNSAFE_SYSCTLS), "value": rng.choice(["65536", "1", "262144"])}]
    if psc:
        spec["securityContext"] = psc
    if "hostNetwork" in violations:
        spec["hostNetwork"] = True
        if rng.random() < 0.5:
            spec["dnsPolicy"] = "ClusterFirstWithHostNet"
    if "hostPID" in violations:
        spec["hostPID"] = True
    if "hostIPC" in violations:
        spec["hostIPC"] = True
    if vols:
        spec["volumes"] = strip_private(vols)

    if kind in ("Job", "CronJob"):
        spec["restartPolicy"] = rng.choice(["OnFailure", "Never"])
    elif kind == "Pod" and rng.random() < 0.5:
        spec["restartPolicy"] = "Always"
    if rng.random() < 0.3:
        spec["nodeSelector"] = rng.choice([{"kubernetes.io/os": "linux"}, {"node.kubernetes.io/instance-type": "m5.xlarge"}, {"workload": "general"}])
    if kind == "DaemonSet" and rng.random() < 0.7:
        spec["tolerations"] = [{"operator": "Exists"}]
        if rng.random() < 0.4:
            spec["priorityClassName"] = "system-node-critical"
    elif rng.random() < 0.15:
        spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": app.team, "effect": "NoSchedule"}]
    if kind == "Deployment" and rng.random() < 0.2:
        spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100,
            "podAffinityTerm": {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": app.name, "app.kubernetes.io/component": comp}}, "topologyKey": "kubernetes.io/hostname"},
        }]}}
    if rng.random() < 0.12:
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app.kubernetes.io/component": comp}}}]
    if rng.random() < 0.2:
        spec["terminationGracePeriodSeconds"] = rng.choice([10, 30, 60, 120])
    if rng.random() < 0.1:
        spec["imagePullSecrets"] = [{"name": "regcred"}]

    annotations: dict = {}
    if port and rng.random() < 0.45:
        annotations.update({"prometheus.io/scrape": "true", "prometheus.io/port": "9090", "prometheus.io/path": "/metrics"})
    if rng.random() < 0.3:
        annotations["checksum/config"] = rng.randbytes(32).hex()
    if "apparmorUnconfined" in violations:
        annotations[f"container.apparmor.security.beta.kubernetes.io/{comp}"] = "unconfined"
    elif profile == "restricted" and rng.random() < 0.2:
        annotations[f"container.apparmor.security.beta.kubernetes.io/{comp}"] = "runtime/default"
    if rng.random() < 0.1:
        annotations["sidecar.istio.io/inject"] = rng.choice(["true", "false"])
    return spec, annotations


# ---------------------------------------------------------------------------
# Resource builders
# ---------------------------------------------------------------------------

CONFIG_SNIPPETS = [
    lambda rng, app: {"config.yaml": (
        f"server:\n  port: 8080\n  shutdownTimeout: 30s\nlogging:\n  level: info\n  format: json\n"
        f"database:\n  host: {app.name}-db.{app.ns}.svc.cluster.local\n  pool: {rng.randint(5, 50)}\n"
        f"features:\n  - checkout-v2\n  - {rng.choice(['dark-mode', 'beta-search', 'fast-path'])}\n")},
    lambda rng, app: {"nginx.conf": (
        "worker_processes auto;\nevents { worker_connections 1024; }\nhttp {\n  server {\n"
        f"    listen 8080;\n    location / {{ proxy_pass http://{app.name}:80; }}\n"
        "    location /healthz { return 200 'ok'; }\n  }\n}\n")},
    lambda rng, app: {"settings.json": json.dumps({"name": app.name, "replicas": rng.randint(1, 9), "timeouts": {"read": 30, "write": 30}, "regions": ["eu-west-1", "us-east-1"]}, indent=2) + "\n"},
    lambda rng, app: {"mode": rng.choice(["production", "canary", "shadow"]), "region": rng.choice(["eu-west-1", "us-east-1", "ap-south-1"]),
                      "max_batch": str(rng.randint(1, 500)), "retry": rng.choice(["true", "false"]), "version": "1.10"},
    lambda rng, app: {"application.properties": (
        f"spring.application.name={app.name}\nspring.datasource.url=jdbc:postgresql://db:5432/{app.name.replace('-', '_')}\n"
        "management.endpoints.web.exposure.include=health,info,prometheus\nserver.port=8080\n")},
    lambda rng, app: {"fluent-bit.conf": (
        "[SERVICE]\n    Flush        5\n    Log_Level    info\n\n[INPUT]\n    Name   tail\n    Path   /var/log/containers/*.log\n\n"
        "[OUTPUT]\n    Name   es\n    Match  *\n    Host   elasticsearch.logging\n")},
]


def configmap(rng: Random, app: App, name: str) -> dict:
    data: dict = {}
    for _ in range(wchoice(rng, [1, 2], [75, 25])):
        data.update(rng.choice(CONFIG_SNIPPETS)(rng, app))
    data.setdefault("mode", rng.choice(["production", "canary"]))
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(app, name), "data": data}
    if rng.random() < 0.03:
        doc["binaryData"] = {"logo.png": base64.b64encode(rng.randbytes(rng.randint(64, 600))).decode()}
    if rng.random() < 0.05:
        doc["immutable"] = True
    return doc


def secret(rng: Random, app: App, name: str) -> dict:
    kind = wchoice(rng, ["opaque", "tls", "docker"], [75, 18, 7])
    if kind == "tls":
        body = base64.b64encode(rng.randbytes(rng.randint(600, 1200))).decode()
        pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n"
        data = {"tls.crt": base64.b64encode(pem.encode()).decode(), "tls.key": base64.b64encode(rng.randbytes(120)).decode()}
        return {"apiVersion": "v1", "kind": "Secret", "metadata": meta(app, name), "type": "kubernetes.io/tls", "data": data}
    if kind == "docker":
        auth = {"auths": {"registry.acme.internal:5000": {"auth": base64.b64encode(rng.randbytes(24)).decode()}}}
        return {"apiVersion": "v1", "kind": "Secret", "metadata": meta(app, "regcred"), "type": "kubernetes.io/dockerconfigjson",
                "data": {".dockerconfigjson": base64.b64encode(json.dumps(auth).encode()).decode()}}
    keys = rng.sample(["database-password", "api-key", "jwt-secret", "redis-password", "username", "webhook-token"], rng.randint(1, 4))
    doc = {"apiVersion": "v1", "kind": "Secret", "metadata": meta(app, name), "type": "Opaque",
           "data": {k: base64.b64encode(rng.randbytes(rng.randint(12, 40))).decode() for k in keys}}
    if rng.random() < 0.15:  # stringData in plain text: happens in real repos
        doc["stringData"] = {"connection-string": f"postgres://app:{rng.randbytes(6).hex()}@db:5432/app?sslmode=require"}
    return doc


def service(rng: Random, app: App, comp: str, port: int, headless: bool = False) -> dict:
    selector = {"app.kubernetes.io/name": app.name, "app.kubernetes.io/component": comp}
    spec: dict = {"selector": selector, "ports": [{"name": "http", "port": 80 if not headless else port, "targetPort": rng.choice([port, "http"]), "protocol": "TCP"}]}
    if headless:
        spec["clusterIP"] = "None"
    else:
        spec["type"] = wchoice(rng, ["ClusterIP", "NodePort", "LoadBalancer"], [85, 8, 7])
        if spec["type"] == "NodePort" and rng.random() < 0.5:
            spec["ports"][0]["nodePort"] = rng.randint(30000, 32767)
        if spec["type"] == "LoadBalancer" and rng.random() < 0.4:
            spec["loadBalancerSourceRanges"] = ["10.0.0.0/8"]
    if rng.random() < 0.3:
        spec["ports"].append({"name": "metrics", "port": 9090, "targetPort": 9090})
    ann = {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"} if spec.get("type") == "LoadBalancer" and rng.random() < 0.5 else None
    name = f"{app.name}-{comp}" + ("-headless" if headless else "")
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(app, name, {"app.kubernetes.io/component": comp}, ann), "spec": spec}


def workload(rng: Random, app: App, kind: str, comp: str, cm_name: str | None, port: int | None) -> dict:
    if kind == "StatefulSet":
        image = rng.choice(STATEFUL_IMAGES)
    elif kind == "DaemonSet":
        image = rng.choice(DAEMON_IMAGES)
    else:
        image = f"{app.system}/{app.name}-{comp}"
    spec, pod_ann = pod_spec(rng, app, kind, comp, cm_name, image, port)
    sel_labels = {"app.kubernetes.io/name": app.name, "app.kubernetes.io/component": comp}
    tmpl_meta: dict = {"labels": dict(sel_labels)}
    if rng.random() < 0.5:
        tmpl_meta["labels"]["version"] = f"v{rng.randint(1, 12)}"
    if pod_ann:
        tmpl_meta["annotations"] = pod_ann
    template = {"metadata": tmpl_meta, "spec": spec}
    name = f"{app.name}-{comp}"
    obj_ann = None
    if rng.random() < 0.35:
        obj_ann = {"deployment.kubernetes.io/revision": str(rng.randint(1, 40))} if kind == "Deployment" else {"argocd.argoproj.io/sync-wave": str(rng.randint(-1, 3))}
    if rng.random() < 0.1:
        obj_ann = dict(obj_ann or {})
        obj_ann["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": app.ns}}) + "\n"
    md = meta(app, name, {"app.kubernetes.io/component": comp}, obj_ann)

    if kind == "Pod":
        md["labels"].update(sel_labels)
        if pod_ann:
            md["annotations"] = {**(md.get("annotations") or {}), **pod_ann}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec}
    if kind == "Job":
        job_spec = {"backoffLimit": rng.choice([0, 3, 6]), "template": template}
        if rng.random() < 0.5:
            job_spec["ttlSecondsAfterFinished"] = 3600
        if rng.random() < 0.2:
            job_spec["activeDeadlineSeconds"] = 1800
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": md, "spec": job_spec}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": md, "spec": {
            "schedule": rng.choice(["*/5 * * * *", "0 * * * *", "0 3 * * *", "30 2 * * 0", "@daily", "15 */6 * * *"]),
            "concurrencyPolicy": rng.choice(["Forbid", "Allow", "Replace"]),
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {"backoffLimit": rng.choice([0, 2, 6]), "template": template}},
        }}
    spec_out: dict = {}
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        spec_out["replicas"] = wchoice(rng, [1, 2, 3, 5, 10], [30, 30, 25, 10, 5])
    if kind == "StatefulSet":
        spec_out["serviceName"] = f"{name}-headless"
    spec_out["selector"] = {"matchLabels": sel_labels}
    if kind == "Deployment" and rng.random() < 0.4:
        spec_out["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": rng.choice(["25%", 1]), "maxUnavailable": rng.choice([0, "25%"])}}
    if kind == "DaemonSet" and rng.random() < 0.5:
        spec_out["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    if rng.random() < 0.2:
        spec_out["revisionHistoryLimit"] = rng.choice([3, 5, 10])
    spec_out["template"] = template
    if kind == "StatefulSet":
        spec_out["volumeClaimTemplates"] = [{
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": rng.choice(["gp3", "standard", "premium-rwo"]),
                     "resources": {"requests": {"storage": rng.choice(["10Gi", "50Gi", "100Gi", "500Gi"])}}},
        }]
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": md, "spec": spec_out}


def hpa(rng: Random, app: App, kind: str, comp: str) -> dict:
    metrics = [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": rng.choice([50, 60, 70, 80])}}}]
    if rng.random() < 0.3:
        metrics.append({"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}})
    lo = rng.randint(1, 3)
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(app, f"{app.name}-{comp}"),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": f"{app.name}-{comp}"},
                     "minReplicas": lo, "maxReplicas": lo * rng.choice([3, 5, 10]), "metrics": metrics}}


def ingress(rng: Random, app: App, svc_names: list) -> dict:
    host = f"{app.name}.{rng.choice(['acme.com', 'acme.io', 'internal.acme.net'])}"
    paths = [{"path": p, "pathType": rng.choice(["Prefix", "ImplementationSpecific"]),
              "backend": {"service": {"name": s, "port": {"number": 80}}}} for p, s in zip(["/", "/api", "/v2"], svc_names)]
    ann: dict = {"kubernetes.io/ingress.class": "nginx"} if rng.random() < 0.2 else {}
    if rng.random() < 0.4:
        ann["cert-manager.io/cluster-issuer"] = "letsencrypt-prod"
    if rng.random() < 0.3:
        ann["nginx.ingress.kubernetes.io/proxy-body-size"] = "16m"
    if rng.random() < 0.03:
        ann["nginx.ingress.kubernetes.io/configuration-snippet"] = "more_set_headers \"X-Frame-Options: DENY\";\n"
    spec: dict = {"rules": [{"host": host, "http": {"paths": paths}}]}
    if not ann.get("kubernetes.io/ingress.class"):
        spec = {"ingressClassName": rng.choice(["nginx", "alb", "traefik"]), **spec}
    if rng.random() < 0.7:
        spec["tls"] = [{"hosts": [host], "secretName": f"{app.name}-tls"}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta(app, app.name, None, ann or None), "spec": spec}


def network_policy(rng: Random, app: App) -> dict:
    if rng.random() < 0.35:
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(app, f"{app.name}-default-deny"),
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
    ingress_rules = [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(NAMESPACES)}}},
                               {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": app.system}}}],
                      "ports": [{"protocol": "TCP", "port": 8080}]}]
    spec: dict = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": app.name}}, "policyTypes": ["Ingress"], "ingress": ingress_rules}
    if rng.random() < 0.4:
        spec["policyTypes"].append("Egress")
        spec["egress"] = [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.99.0/24"]}}]},
                          {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(app, app.name), "spec": spec}


def rbac(rng: Random, app: App) -> list:
    cluster = rng.random() < 0.12
    role_kind = "ClusterRole" if cluster else "Role"
    rules = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}]
    r = rng.random()
    if r < 0.10:  # over-privileged wildcard role
        rules = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
    elif r < 0.25:
        rules.append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]})
    elif r < 0.33:
        rules.append({"apiGroups": [""], "resources": ["pods/exec", "pods"], "verbs": ["create", "get"]})
    elif r < 0.38:
        rules.append({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings", "roles"], "verbs": ["create", "bind", "escalate"]})
    elif r < 0.55:
        rules.append({"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]})
    role_md = meta(app, app.name)
    if cluster:
        del role_md["namespace"]
        role_md["name"] = f"{app.ns}-{app.name}"
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": role_kind, "metadata": role_md, "rules": rules}
    subjects = [{"kind": "ServiceAccount", "name": app.sa_name or "default", "namespace": app.ns}]
    if rng.random() < 0.05:
        subjects.append({"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"})
    bind_md = meta(app, app.name)
    if cluster:
        del bind_md["namespace"]
        bind_md["name"] = f"{app.ns}-{app.name}"
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding" if cluster else "RoleBinding", "metadata": bind_md,
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_md["name"]}, "subjects": subjects}
    return [role, binding]


# ---------------------------------------------------------------------------
# Apps and files
# ---------------------------------------------------------------------------

PRIMARY_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Pod", "ReplicaSet", "Job", "CronJob"]
PRIMARY_WEIGHTS = [74, 11, 6, 3, 2, 2, 2]
EXTRA_KINDS = ["Deployment", "CronJob", "Job", "StatefulSet", "DaemonSet", "Pod", "ReplicaSet"]
EXTRA_WEIGHTS = [45, 20, 14, 9, 3, 5, 4]
LONG_RUNNING = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"}


def gen_app(rng: Random, env: str, ns: str, name: str) -> list[dict]:
    system = rng.choice(["shop", "platform", "data", "identity", "comms", "ops"])
    team = rng.choice(TEAMS)
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": system,
              "app.kubernetes.io/managed-by": rng.choice(["Helm", "kustomize", "argocd"]), "team": team}
    if rng.random() < 0.5:
        labels["app.kubernetes.io/version"] = f"{rng.randint(0, 5)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
    if rng.random() < 0.3:
        labels["environment"] = env
    if labels["app.kubernetes.io/managed-by"] == "Helm" and rng.random() < 0.7:
        labels["helm.sh/chart"] = f"{name}-{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
    sa_name = name if rng.random() < 0.85 else None
    app = App(env, ns, name, team, system, labels, sa_name, [], rng)

    docs: list[dict] = []
    if sa_name:
        sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(app, sa_name)}
        if rng.random() < 0.25:
            sa["metadata"]["annotations"] = {"eks.amazonaws.com/role-arn": f"arn:aws:iam::123456789012:role/{ns}-{name}"}
        if rng.random() < 0.3:
            sa["automountServiceAccountToken"] = False
        docs.append(sa)
    for i in range(wchoice(rng, [0, 1, 2], [20, 60, 20])):
        s = secret(rng, app, f"{name}-secrets" if i == 0 else f"{name}-credentials")
        if all(d["metadata"]["name"] != s["metadata"]["name"] for d in docs):
            docs.append(s)
            if s["type"] != "kubernetes.io/dockerconfigjson":  # pull secrets are not mounted or read as env
                app.secret_names.append(s["metadata"]["name"])

    n_comp = wchoice(rng, [1, 2, 3, 4], [50, 30, 15, 5])
    comps = ["main"] + rng.sample(["worker", "api", "migrate", "cron", "cache", "db", "agent", "web", "exporter"], n_comp - 1)
    svc_names = []
    for ci, comp in enumerate(comps):
        kind = wchoice(rng, PRIMARY_KINDS, PRIMARY_WEIGHTS) if ci == 0 else wchoice(rng, EXTRA_KINDS, EXTRA_WEIGHTS)
        cm_name = None
        if rng.random() < 0.7:
            cm_name = f"{name}-{comp}-config"
            docs.append(configmap(rng, app, cm_name))
        port = rng.choice([8080, 8000, 3000, 9000, 5432, 6379, 8443]) if kind in LONG_RUNNING else None
        docs.append(workload(rng, app, kind, comp, cm_name, port))
        if port and (kind in ("Deployment", "ReplicaSet") and rng.random() < 0.85 or kind == "StatefulSet" or kind == "DaemonSet" and rng.random() < 0.3):
            if kind == "StatefulSet":
                docs.append(service(rng, app, comp, port, headless=True))
            svc = service(rng, app, comp, port)
            docs.append(svc)
            svc_names.append(svc["metadata"]["name"])
        if kind in ("Deployment", "StatefulSet") and rng.random() < (0.35 if kind == "Deployment" else 0.1):
            docs.append(hpa(rng, app, kind, comp))
    if svc_names and rng.random() < 0.45:
        docs.append(ingress(rng, app, svc_names))
    if rng.random() < 0.45:
        docs.append(network_policy(rng, app))
    if rng.random() < 0.4:
        docs.extend(rbac(rng, app))
    while len(docs) < 5:  # small apps still carry some config
        docs.append(configmap(rng, app, f"{name}-extra-{len(docs)}"))
    return docs[:20]


def render_file(rng: Random, docs: list[dict], app_name: str) -> str:
    st = Style(
        indent_seq=rng.random() < 0.7,
        single_quotes=rng.random() < 0.2,
        flow_scalar_lists=rng.random() < 0.25,
        leading_doc_marker=rng.random() < 0.4,
        helm_source_comments=rng.random() < 0.2,
    )
    parts = []
    if rng.random() < 0.3:
        parts.append(f"# {app_name}: managed by GitOps, do not edit by hand\n")
    for i, d in enumerate(docs):
        if i > 0 or st.leading_doc_marker:
            parts.append("---\n")
        if st.helm_source_comments:
            parts.append(f"# Source: {app_name}/templates/{d['kind'].lower()}.yaml\n")
        parts.append(to_yaml(d, st))
    return "".join(parts)


def looks_like_corpus(path: Path) -> bool:
    """Only a directory of YAML files (and subdirectories) may be wiped by --force."""
    return all(p.is_dir() or p.suffix in (".yaml", ".yml") for p in path.rglob("*"))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--resources", type=int, default=10000, help="exact number of Kubernetes objects to write (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--force", action="store_true", help="replace OUTDIR if it already holds a corpus")
    ap.add_argument("--stats", type=Path, help="also write counts as JSON to this file (keep it outside OUTDIR)")
    args = ap.parse_args(argv)
    if args.resources < 1:
        ap.error("--resources must be positive")

    out: Path = args.outdir
    if out.exists() and any(out.iterdir()):
        if not args.force:
            ap.error(f"{out} is not empty (use --force to replace it)")
        if not looks_like_corpus(out):
            ap.error(f"refusing to delete {out}: it holds files other than .yaml/.yml")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)

    rng = Random(args.seed)
    kinds: Counter = Counter()
    files = 0
    total = 0
    total_bytes = 0
    used: set = set()
    while total < args.resources:
        env = wchoice(rng, ENVS, ENV_WEIGHTS)
        ns = rng.choice(NAMESPACES)
        base = f"{rng.choice(WORDS_A)}-{rng.choice(WORDS_B)}"
        name, n = base, 2
        while (env, ns, name) in used:
            name, n = f"{base}-{n}", n + 1
        used.add((env, ns, name))
        docs = gen_app(rng, env, ns, name)[: args.resources - total]
        ext = ".yml" if rng.random() < 0.1 else ".yaml"
        path = out / env / ns / f"{name}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render_file(rng, docs, name)
        path.write_text(text, encoding="utf-8", newline="\n")
        files += 1
        total += len(docs)
        total_bytes += len(text.encode())
        kinds.update(d["kind"] for d in docs)

    if args.stats:  # before printing, so a closed stdout cannot lose it
        args.stats.parent.mkdir(parents=True, exist_ok=True)
        args.stats.write_text(json.dumps({"seed": args.seed, "files": files, "resources": total, "bytes": total_bytes,
                                          "kinds": dict(sorted(kinds.items()))}, indent=2) + "\n")
    print(f"wrote {files} files, {total} resources ({total_bytes / 1e6:.1f} MB) to {out} (seed {args.seed})")
    for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {kind:<26}{n:>7}  {100 * n / total:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
