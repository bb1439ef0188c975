//! `palisade install --node`: the node agent that runs `palisade node scan`
//! on every node (a DaemonSet that tolerates the control-plane taints), or
//! on one node (a Job pinned to it, or a CronJob), as kube-bench's job and
//! DaemonSet manifests do, with the least the scan needs:
//!
//! - the host's `/` mounted read-only at `/host`, and `hostPID` so that
//!   `/proc` shows the host's processes (their command lines are
//!   world-readable: no capability is needed to read them);
//! - user 0 (group 65532) with every capability dropped: the files the benchmark asks
//!   about are root's own (`600 root:root`), which their owner reads without
//!   `CAP_DAC_OVERRIDE`; a mode or an owner is read with `stat`, which needs
//!   nothing but the folders' search bit;
//! - no service-account token, no network: results go to the pod's log
//!   (JSON, one report per scan) and, with `PALISADE_AUDIT_DB` pointing at
//!   PostgreSQL, to the audit log.
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
    /// A Job pinned to this node instead of the DaemonSet.
    pub job_node: Option<String>,
    /// With `job_node`: a CronJob on this cron schedule instead of the Job.
    pub schedule: Option<String>,
}

const NAME: &str = "palisade-node";

fn labels() -> Value {
    json!({"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "palisade"})
}

/// The waivers of Palisade's own findings on the agent, with why (a
/// long-running scan loop also has no endpoint to probe).
fn waivers(long_running: bool) -> Value {
    let mut waivers = json!({
        "palisade.dev/waive.host-path-volumes":
            "the node scan reads the host's root, mounted read-only at /host",
        "palisade.dev/waive.restricted-volume-types":
            "the node scan reads the host's root through a read-only hostPath volume",
        "palisade.dev/waive.host-namespaces":
            "hostPID: the node scan reads the command lines of the host's kubelet and control-plane processes",
        "palisade.dev/waive.missing-run-as-non-root":
            "user 0, no capabilities: the kubelet's and control plane's files are root's own, mode 600",
        "palisade.dev/waive.run-as-root-user":
            "user 0, no capabilities: the kubelet's and control plane's files are root's own, mode 600",
        "palisade.dev/waive.forbidden-volume":
            "the node scan reads the host's root, mounted read-only at /host",
    });
    if long_running {
        set(
            &mut waivers,
            "palisade.dev/waive.liveness-probe-missing",
            json!("a scan loop serves no endpoint: its health is its log and the pod's restarts"),
        );
        set(
            &mut waivers,
            "palisade.dev/waive.readiness-probe-missing",
            json!("a scan loop serves no endpoint and receives no traffic"),
        );
    }
    waivers
}

/// The scan's arguments.
fn args(options: &NodeInstallOptions, every: bool) -> Vec<String> {
    let mut args: Vec<String> = ["node", "scan", "--root", "/host", "--proc", "/proc"]
        .map(str::to_owned)
        .to_vec();
    for framework in &options.frameworks {
        args.push("--framework".into());
        args.push(framework.clone());
    }
    args.extend(["--format".into(), "json".into()]);
    if every {
        args.extend(["--every".into(), format!("{}s", options.every_seconds)]);
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
    if !every {
        set(&mut spec, "restartPolicy", json!("Never"));
    }
    spec
}

/// Every object, in the order `kubectl apply` should create them.
pub fn node_objects(options: &NodeInstallOptions) -> Vec<Value> {
    let ns = options.namespace.as_str();
    let meta = |name: &str| json!({"name": name, "namespace": ns, "labels": labels()});
    let template_meta =
        |long_running| json!({"labels": labels(), "annotations": waivers(long_running)});
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
                "template": {"metadata": template_meta(false), "spec": spec},
            });
            let metadata = json!({
                "name": format!("{NAME}-{node}"),
                "namespace": ns,
                "labels": labels(),
                "annotations": waivers(false),
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
            "metadata": {"name": NAME, "namespace": ns, "labels": labels(), "annotations": waivers(true)},
            "spec": {
                "selector": {"matchLabels": labels()},
                "updateStrategy": {"type": "RollingUpdate"},
                "template": {"metadata": template_meta(true), "spec": pod_spec(options, true)},
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
                "scan",
                "--root",
                "/host",
                "--proc",
                "/proc",
                "--framework",
                "cis-kubernetes-1.12",
                "--format",
                "json",
                "--every",
                "86400s"
            ]
        );
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
