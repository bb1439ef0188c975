#!/usr/bin/env python3
"""Writes AdmissionReview requests for scripts/bench-serve.sh, one JSON
document per line: a deterministic mix of Pods and Deployments as an API
server would send them (CREATE and UPDATE, namespaced, with the usual labels,
annotations, environment, probes, resources and volumes), about a third of
them hardened, the rest with the common mistakes (privileged, root, latest
tags, hostPath, no limits, added capabilities).

Usage: gen-admission-reviews.py [COUNT] > reviews.jsonl
"""

import json
import random
import sys
import uuid


def container(rng, name, hardened):
    image = rng.choice(["nginx", "redis", "api", "worker", "envoyproxy/envoy", "postgres"])
    c = {
        "name": name,
        "image": f"registry.example.com/{image}@sha256:{rng.getrandbits(256):064x}"
        if hardened
        else f"{image}:{rng.choice(['latest', '1.27', '7.2', 'v3'])}",
        "imagePullPolicy": "Always" if hardened else "IfNotPresent",
        "ports": [{"containerPort": rng.choice([8080, 8443, 6379, 80]), "protocol": "TCP"}],
        "env": [{"name": f"VAR_{i}", "value": f"value-{rng.randint(0, 999)}"} for i in range(rng.randint(2, 8))]
        + [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}],
    }
    if hardened or rng.random() < 0.5:
        c["resources"] = {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        }
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5}
    if hardened:
        c["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
    else:
        c["securityContext"] = rng.choice(
            [
                {"privileged": True},
                {"runAsUser": 0},
                {"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"]}},
                {"allowPrivilegeEscalation": True},
                {},
            ]
        )
    return c


def pod_spec(rng, hardened):
    spec = {
        "containers": [container(rng, f"app-{i}", hardened) for i in range(rng.randint(1, 3))],
        "volumes": [{"name": "config", "configMap": {"name": "app-config"}}],
        "serviceAccountName": "app" if hardened else "default",
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "terminationGracePeriodSeconds": 30,
    }
    if rng.random() < 0.3:
        spec["initContainers"] = [container(rng, "init", hardened)]
    if hardened:
        spec["automountServiceAccountToken"] = False
        spec["securityContext"] = {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    elif rng.random() < 0.3:
        spec["hostNetwork"] = True
        spec["volumes"].append({"name": "host", "hostPath": {"path": "/var/run"}})
    return spec


def metadata(rng, name, namespace):
    return {
        "name": name,
        "namespace": namespace,
        "uid": str(uuid.UUID(int=rng.getrandbits(128))),
        "labels": {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/part-of": "shop",
            "app.kubernetes.io/version": "1.4.2",
            "team": rng.choice(["payments", "search", "checkout"]),
        },
        "annotations": {"deployment.kubernetes.io/revision": str(rng.randint(1, 40))},
    }


def review(rng, i):
    namespace = rng.choice(["payments", "search", "checkout", "default"])
    hardened = rng.random() < 0.35
    operation = "CREATE" if rng.random() < 0.7 else "UPDATE"
    if rng.random() < 0.5:
        name = f"web-{i}-{rng.getrandbits(20):05x}"
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata(rng, name, namespace), "spec": pod_spec(rng, hardened)}
        gvk = {"group": "", "version": "v1", "kind": "Pod"}
        gvr = {"group": "", "version": "v1", "resource": "pods"}
    else:
        name = f"api-{i}"
        labels = {"app.kubernetes.io/name": name}
        obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata(rng, name, namespace),
            "spec": {
                "replicas": rng.randint(1, 5),
                "selector": {"matchLabels": labels},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec(rng, hardened)},
            },
        }
        gvk = {"group": "apps", "version": "v1", "kind": "Deployment"}
        gvr = {"group": "apps", "version": "v1", "resource": "deployments"}
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.UUID(int=rng.getrandbits(128))),
            "kind": gvk,
            "resource": gvr,
            "requestKind": gvk,
            "requestResource": gvr,
            "name": name,
            "namespace": namespace,
            "operation": operation,
            "userInfo": {"username": "system:serviceaccount:ci:deployer", "uid": "42", "groups": ["system:serviceaccounts", "system:authenticated"]},
            "object": obj,
            "oldObject": obj if operation == "UPDATE" else None,
            "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions" if operation == "CREATE" else "UpdateOptions"},
        },
    }


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rng = random.Random(6)
    for i in range(count):
        print(json.dumps(review(rng, i), separators=(",", ":")))


if __name__ == "__main__":
    main()
