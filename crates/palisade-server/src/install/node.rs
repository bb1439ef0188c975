//! `palisade install --node`: the node agent, `palisade node agent`, on
//! every node (a DaemonSet that tolerates the control-plane taints: the
//! node scan, the file-integrity compare, /metrics and /healthz), or
//! `palisade node scan` on one node (a Job pinned to it, or a CronJob), as
//! kube-bench's job and DaemonSet manifests do, with the least they need:
//!
//! - the host's `/` mounted read-only at `/host`, and `hostPID` so that
//!   `/proc` shows the host's processes (their command lines are
//!   world-readable: no capability is needed to read them);
//! - user 0 (group 65532) with every capability dropped: the files the benchmark asks
//!   about are root's own (`600 root:root`), which their owner reads without
//!   `CAP_DAC_OVERRIDE`; a mode or an owner is read with `stat`, which needs
//!   nothing but the folders' search bit;
//! - no service-account token, no network but the kubelet's probes of
//!   /healthz: results go to the pod's log (JSON, one report per run) and
//!   to the audit log (the agent's SQLite file in `/var/lib/palisade` on
//!   the host, or PostgreSQL with `PALISADE_AUDIT_DB`), where the agent
//!   also keeps the file-integrity baseline (a writable hostPath of its
//!   own, so both survive the pod).
//!
//! What Palisade's own restricted pack refuses in this (the host path, the
//! host PID namespace, running as root) is waived on the pod template with
//! the reason, so that scanning these manifests shows exactly those waivers.

use serde_json::{Value, json};

use super::set;

/// What to generate.
#[derive(Debug, Clone)]
pub struct NodeInstallOptions {
    /// Namespace of the agent (created, labelled for Pod Security
    /// Admission: its pods need the host, so `privileged` is enforced and
    /// `restricted` warned about).
    pub namespace: String,
    /// Container image of `palisade`.
    pub image: String,
    /// The frameworks each scan reports on (`--framework`).
    pub frameworks: Vec<String>,
    /// How often the DaemonSet scans, in seconds.
    pub every_seconds: u64,
    /// How often the DaemonSet compares the node's files with their
    /// baseline, in seconds.
    pub fim_every_seconds: u64,
    /// A Job pinned to this node instead of the DaemonSet.
    pub job_node: Option<String>,
    /// With `job_node`: a CronJob on this cron schedule instead of the Job.
    pub schedule: Option<String>,
}

const NAME: &str = "palisade-node";

fn labels() -> Value {
    json!({"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "palisade"})
}

/// Where the agent keeps its baseline and audit log, on the host.
const STATE: &str = "/var/lib/palisade";

/// The agent's /metrics and /healthz port.
const PORT: u16 = 9464;

/// The waivers of Palisade's own findings on the agent, with why.
fn waivers() -> Value {
    json!({
        "palisade.dev/waive.host-path-volumes":
            "the node scan reads the host's root, mounted read-only at /host; the agent keeps its file-integrity baseline and audit log in /var/lib/palisade on the host",
        "palisade.dev/waive.restricted-volume-types":
            "the node scan reads the host's root through a read-only hostPath volume; the agent's state is a hostPath so that it outlives the pod",
        "palisade.dev/waive.host-namespaces":
            "hostPID: the node scan reads the command lines of the host's kubelet and control-plane processes",
        "palisade.dev/waive.missing-run-as-non-root":
            "user 0, no capabilities: the kubelet's and control plane's files are root's own, mode 600",
        "palisade.dev/waive.run-as-root-user":
            "user 0, no capabilities: the kubelet's and control plane's files are root's own, mode 600",
        "palisade.dev/waive.forbidden-volume":
            "the node scan reads the host's root, mounted read-only at /host",
    })
}

/// The arguments: the agent's (`every`), or one scan's.
fn args(options: &NodeInstallOptions, every: bool) -> Vec<String> {
    let command = if every { "agent" } else { "scan" };
    let mut args: Vec<String> = ["node", command, "--root", "/host", "--proc", "/proc"]
        .map(str::to_owned)
        .to_vec();
    for framework in &options.frameworks {
        args.push("--framework".into());
        args.push(framework.clone());
    }
    args.extend(["--format".into(), "json".into()]);
    if every {
        args.extend([
            "--every".into(),
            format!("{}s", options.every_seconds),
            "--fim-every".into(),
            format!("{}s", options.fim_every_seconds),
            "--take-baseline".into(),
            "--baseline".into(),
            format!("{STATE}/fim-baseline.json"),
            "--listen".into(),
            format!("0.0.0.0:{PORT}"),
        ]);
    }
    args
}

/// The pod that scans one node.
fn pod_spec(options: &NodeInstallOptions, every: bool) -> Value {
    let mut spec = json!({
        "serviceAccountName": NAME,
        "automountServiceAccountToken": false,
        "hostPID": true,
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "tolerations": [
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
            {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
        ],
        "containers": [{
            "name": "node-scan",
            "image": options.image,
            "imagePullPolicy": "Always",
            "args": args(options, every),
            "securityContext": {
                "runAsUser": 0,
                // The files read are root's own: the owner's bits suffice,
                // and the root group is not needed.
                "runAsGroup": 65532,
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]},
            },
            "resources": {
                "requests": {"cpu": "10m", "memory": "32Mi"},
                "limits": {"cpu": "200m", "memory": "128Mi"},
            },
            "volumeMounts": [{"name": "host", "mountPath": "/host", "readOnly": true}],
        }],
        "volumes": [{"name": "host", "hostPath": {"path": "/", "type": "Directory"}}],
    });
    if every {
        let probe =
            json!({"httpGet": {"path": "/healthz", "port": "metrics"}, "periodSeconds": 30});
        if let Some(container) = spec
            .get_mut("containers")
            .and_then(|c| c.get_mut(0))
            .and_then(Value::as_object_mut)
        {
            container.insert(
                "ports".into(),
                json!([{"name": "metrics", "containerPort": PORT}]),
            );
            container.insert("livenessProbe".into(), probe.clone());
            container.insert("readinessProbe".into(), probe);
            container.insert(
                "env".into(),
                json!([
                    {"name": "PALISADE_AUDIT_DB", "value": format!("sqlite://{STATE}/audit.db")},
                    // Each node's baselines and events under the node's
                    // own name, whatever its /etc/hostname says.
                    {"name": "PALISADE_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                ]),
            );
            if let Some(mounts) = container
                .get_mut("volumeMounts")
                .and_then(Value::as_array_mut)
            {
                mounts.push(json!({"name": "state", "mountPath": STATE}));
            }
        }
        if let Some(volumes) = spec.get_mut("volumes").and_then(Value::as_array_mut) {
            volumes.push(
                json!({"name": "state", "hostPath": {"path": STATE, "type": "DirectoryOrCreate"}}),
            );
        }
    } else {
        set(&mut spec, "restartPolicy", json!("Never"));
    }
    spec
}

/// Every object, in the order `kubectl apply` should create them.
pub fn node_objects(options: &NodeInstallOptions) -> Vec<Value> {
    let ns = options.namespace.as_str();
    let meta = |name: &str| json!({"name": name, "namespace": ns, "labels": labels()});
    let template_meta = || json!({"labels": labels(), "annotations": waivers()});
    let mut out = vec![
        json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {
                "app.kubernetes.io/part-of": "palisade",
                "pod-security.kubernetes.io/enforce": "privileged",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            }},
        }),
        json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": meta(NAME),
            "automountServiceAccountToken": false,
        }),
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta("default-deny"),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        }),
    ];
    match &options.job_node {
        Some(node) => {
            let mut spec = pod_spec(options, false);
            set(&mut spec, "nodeName", json!(node));
            let job = json!({
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": 86400,
                "template": {"metadata": template_meta(), "spec": spec},
            });
            let metadata = json!({
                "name": format!("{NAME}-{node}"),
                "namespace": ns,
                "labels": labels(),
                "annotations": waivers(),
            });
            out.push(match &options.schedule {
                // One scan at a time, and the last few kept for their logs.
                Some(schedule) => json!({
                    "apiVersion": "batch/v1", "kind": "CronJob",
                    "metadata": metadata,
                    "spec": {
                        "schedule": schedule,
                        "concurrencyPolicy": "Forbid",
                        "successfulJobsHistoryLimit": 3,
                        "failedJobsHistoryLimit": 3,
                        "jobTemplate": {"metadata": {"labels": labels()}, "spec": job},
                    },
                }),
                None => json!({
                    "apiVersion": "batch/v1", "kind": "Job",
                    "metadata": metadata,
                    "spec": job,
                }),
            });
        }
        None => out.push(json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": NAME, "namespace": ns, "labels": labels(), "annotations": waivers()},
            "spec": {
                "selector": {"matchLabels": labels()},
                "updateStrategy": {"type": "RollingUpdate"},
                "template": {"metadata": template_meta(), "spec": pod_spec(options, true)},
            },
        })),
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn options(job: Option<&str>) -> NodeInstallOptions {
        NodeInstallOptions {
            namespace: "palisade-node".into(),
            image: "ghcr.io/palisade-dev/palisade:0.1.0".into(),
            frameworks: vec!["cis-kubernetes-1.12".into()],
            every_seconds: 86400,
            fim_every_seconds: 86400,
            job_node: job.map(str::to_owned),
            schedule: None,
        }
    }

    #[test]
    fn the_daemonset_reads_the_host_read_only_and_tolerates_the_control_plane() {
        let objects = node_objects(&options(None));
        let ds = objects.iter().find(|o| o["kind"] == "DaemonSet").unwrap();
        let spec = &ds["spec"]["template"]["spec"];
        assert_eq!(spec["hostPID"], true);
        assert_eq!(spec["automountServiceAccountToken"], false);
        let container = &spec["containers"][0];
        assert_eq!(container["volumeMounts"][0]["readOnly"], true);
        assert_eq!(
            container["securityContext"]["capabilities"]["drop"][0],
            "ALL"
        );
        assert!(
            container["securityContext"]["capabilities"]
                .get("add")
                .is_none()
        );
        let args: Vec<&str> = container["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            args,
            [
                "node",
                "agent",
                "--root",
                "/host",
                "--proc",
                "/proc",
                "--framework",
                "cis-kubernetes-1.12",
                "--format",
                "json",
                "--every",
                "86400s",
                "--fim-every",
                "86400s",
                "--take-baseline",
                "--baseline",
                "/var/lib/palisade/fim-baseline.json",
                "--listen",
                "0.0.0.0:9464"
            ]
        );
        // The host is read read-only; only the agent's own state is written.
        let mounts = container["volumeMounts"].as_array().unwrap();
        assert_eq!(mounts[1]["mountPath"], "/var/lib/palisade");
        assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
        let keys: Vec<&str> = spec["tolerations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap())
            .collect();
        assert!(keys.contains(&"node-role.kubernetes.io/control-plane"));
    }

    #[test]
    fn the_job_runs_once_on_its_node() {
        let objects = node_objects(&options(Some("worker-1")));
        assert!(objects.iter().all(|o| o["kind"] != "DaemonSet"));
        let job = objects.iter().find(|o| o["kind"] == "Job").unwrap();
        let spec = &job["spec"]["template"]["spec"];
        assert_eq!(spec["nodeName"], "worker-1");
        assert_eq!(spec["restartPolicy"], "Never");
        let args = spec["containers"][0]["args"].as_array().unwrap();
        assert!(!args.iter().any(|a| a == "--every"));
    }

    #[test]
    fn the_cron_job_scans_its_node_on_its_schedule_one_at_a_time() {
        let objects = node_objects(&NodeInstallOptions {
            schedule: Some("0 3 * * *".into()),
            ..options(Some("worker-1"))
        });
        assert!(objects.iter().all(|o| o["kind"] != "Job"));
        let cron = objects.iter().find(|o| o["kind"] == "CronJob").unwrap();
        assert_eq!(cron["spec"]["schedule"], "0 3 * * *");
        assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
        let spec = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
        assert_eq!(spec["nodeName"], "worker-1");
        assert_eq!(spec["restartPolicy"], "Never");
    }
}
