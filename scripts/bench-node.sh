#!/usr/bin/env bash
# Times whole-binary `palisade node scan` of a generated host tree: a
# kubeadm control-plane node (kubelet unit, drop-in, flags file and
# KubeletConfiguration; the four static pods; kubeconfigs, PKI, etcd's data
# directory) that also runs dockerd (unit, daemon.json, audit rules, 20
# containers and their images in the classic image store). Reports
# hyperfine medians for Palisade's reading, `--compat kube-bench` (which
# reads the host twice) and the HTML compliance report. kube-bench and
# docker-bench-security need Go binaries or a Docker daemon, neither of
# which installs here, so no peer is timed.
#
#   RUNS=50 scripts/bench-node.sh
#
# Needs: hyperfine (Debian). Output: bench-out/node.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-50}"
tree=bench-out/node-tree
rm -rf "$tree" && mkdir -p bench-out
python3 - "$tree" <<'PY'
import json, os, sys
root = sys.argv[1]
def put(path, text, mode=0o600):
    local = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(local), exist_ok=True)
    with open(local, "w") as f:
        f.write(text)
    os.chmod(local, mode)
put("/etc/hostname", "cp-1\n", 0o644)
put("/etc/passwd", "root:x:0:0::/root:/bin/sh\netcd:x:998:998::/var/lib/etcd:/sbin/nologin\n", 0o644)
put("/etc/group", "root:x:0:\ndocker:x:999:ops\netcd:x:998:\n", 0o644)
put("/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n", 0o644)
put("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "[Service]\n"
    'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"\n'
    'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\n'
    "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
    "ExecStart=\n"
    "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS\n", 0o644)
put("/var/lib/kubelet/kubeadm-flags.env",
    'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --read-only-port 10255"\n', 0o644)
put("/var/lib/kubelet/config.yaml",
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
    "authentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
    "authorization:\n  mode: Webhook\nrotateCertificates: true\nstaticPodPath: /etc/kubernetes/manifests\n")
for name in ["kubelet.conf", "admin.conf", "super-admin.conf", "controller-manager.conf", "scheduler.conf"]:
    put(f"/etc/kubernetes/{name}", "apiVersion: v1\nkind: Config\n")
for name in ["ca", "apiserver", "apiserver-kubelet-client", "front-proxy-ca", "etcd/ca", "etcd/server", "etcd/peer"]:
    put(f"/etc/kubernetes/pki/{name}.crt", "-----BEGIN CERTIFICATE-----\n", 0o644)
    put(f"/etc/kubernetes/pki/{name}.key", "-----BEGIN PRIVATE KEY-----\n")
put("/etc/kubernetes/pki/sa.key", "-----BEGIN PRIVATE KEY-----\n")
put("/etc/kubernetes/pki/sa.pub", "-----BEGIN PUBLIC KEY-----\n", 0o644)
pods = {
    "kube-apiserver": ["--advertise-address=10.0.0.10", "--allow-privileged=true", "--authorization-mode=Node,RBAC",
        "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--enable-admission-plugins=NodeRestriction",
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt", "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key", "--etcd-servers=https://127.0.0.1:2379",
        "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key", "--secure-port=6443",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub", "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
        "--service-cluster-ip-range=10.96.0.0/12", "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"],
    "kube-controller-manager": ["--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--bind-address=127.0.0.1", "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--leader-elect=true",
        "--root-ca-file=/etc/kubernetes/pki/ca.crt", "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
        "--use-service-account-credentials=true"],
    "kube-scheduler": ["--bind-address=127.0.0.1", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"],
    "etcd": ["--cert-file=/etc/kubernetes/pki/etcd/server.crt", "--client-cert-auth=true", "--data-dir=/var/lib/etcd",
        "--key-file=/etc/kubernetes/pki/etcd/server.key", "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
        "--peer-client-cert-auth=true", "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
        "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"],
}
for name, args in pods.items():
    command = "".join(f"    - {a}\n" for a in [name] + args)
    put(f"/etc/kubernetes/manifests/{name}.yaml",
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n"
        f"  containers:\n  - name: {name}\n    image: registry.k8s.io/{name}:v1.33.0\n    command:\n{command}"
        "  hostNetwork: true\n")
os.makedirs(os.path.join(root, "var/lib/etcd"), exist_ok=True)
os.chmod(os.path.join(root, "var/lib/etcd"), 0o700)
# dockerd, its containers and their images.
put("/lib/systemd/system/docker.service", "[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n", 0o644)
put("/etc/docker/daemon.json", json.dumps({"icc": False, "live-restore": True, "no-new-privileges": True, "userland-proxy": False}), 0o644)
put("/etc/audit/rules.d/docker.rules", "-w /usr/bin/dockerd -k docker\n-w /var/lib/docker -k docker\n-w /etc/docker -k docker\n", 0o640)
put("/etc/fstab", "/dev/sda1 / ext4 defaults 0 1\n/dev/sdb1 /var/lib/docker xfs defaults 0 2\n", 0o644)
store = "/var/lib/docker/image/overlay2"
repositories = {}
for i in range(20):
    image = f"{i:064x}"
    history = [{"created_by": "/bin/sh -c #(nop) ADD file:4b03b5f5 in / "},
               {"created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": True},
               {"created_by": "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"},
               {"created_by": f"COPY app{i} /app # buildkit"}]
    put(f"{store}/imagedb/content/sha256/{image}", json.dumps({"architecture": "amd64", "os": "linux", "config": {"User": "10001"}, "history": history}))
    repositories.setdefault(f"registry.example.com/app{i}", {})[f"registry.example.com/app{i}:1.0"] = f"sha256:{image}"
    cid = f"{i + 1:064x}"
    put(f"/var/lib/docker/containers/{cid}/config.v2.json", json.dumps({
        "ID": cid, "Name": f"/app{i}", "Image": f"sha256:{image}",
        "Config": {"Image": f"registry.example.com/app{i}:1.0", "User": "10001", "Healthcheck": {"Test": ["CMD", "/healthz"]}},
        "State": {"Running": True, "Pid": 4000 + i}, "AppArmorProfile": "docker-default", "NoNewPrivileges": True, "MountPoints": {}}))
    put(f"/var/lib/docker/containers/{cid}/hostconfig.json", json.dumps({
        "Privileged": i == 0, "NetworkMode": "app", "CapDrop": ["ALL"], "ReadonlyRootfs": True,
        "Memory": 268435456, "CpuShares": 512, "PidsLimit": 200, "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
        "SecurityOpt": ["no-new-privileges"]}))
put(f"{store}/repositories.json", json.dumps({"Repositories": repositories}))
PY
cargo build -q --release -p palisade
bin=target/release/palisade
scan="$bin node scan --root $tree"
# Findings exit 1: -i.
hyperfine -N -i -w 5 -r "$RUNS" --export-json bench-out/hf-node.json \
  -n "node scan (json)" "$scan --format json --output /dev/null" \
  -n "node scan --compat kube-bench (json)" "$scan --compat kube-bench --format json --output /dev/null" \
  -n "node scan --framework cis-kubernetes-1.12 --framework cis-docker-1.6 (html)" \
     "$scan --framework cis-kubernetes-1.12 --framework cis-docker-1.6 --format html --output /dev/null" \
  >/dev/null
python3 - <<'PY' | tee bench-out/node.md
import json, statistics
print("# node scan benchmark: a kubeadm control-plane node running dockerd (5 components, 20 containers, 20 images)\n")
print("| command | runs | median ms | min ms | max ms |")
print("|---|---:|---:|---:|---:|")
for r in json.load(open("bench-out/hf-node.json"))["results"]:
    t = [x * 1000 for x in r["times"]]
    print(f"| {r['command']} | {len(t)} | {statistics.median(t):.1f} | {min(t):.1f} | {max(t):.1f} |")
PY
