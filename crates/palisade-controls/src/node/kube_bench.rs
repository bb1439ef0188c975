//! kube-bench's verdict on a flag it does not find, for `--compat
//! kube-bench` (the host read by `palisade_load::host::kube_bench`). Its
//! reading has no defaults, so what decides is how its check treats an
//! absent flag: a compared flag that is absent fails; a check that offers
//! `set: false` as an alternative (`bin_op: or`) passes. The table lists
//! the flags of kube-bench's checks that controls judge one by one (admission plugins are judged through their lists, with the same
//! outcome); the conformance harness checks it against kube-bench's
//! definitions. A flag kube-bench does not check keeps the control's own
//! answer for a flag with no value.

use palisade_load::host::Reading;

/// Whether kube-bench's check of a flag passes when the flag is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Absent {
    Passes,
    Fails,
}

/// `(component, flag, verdict when absent)`, from `cfg/cis-1.12` (master,
/// controlplane, etcd and node definitions). Where the managed benchmarks
/// disagree (EKS's and AKS's 3.2.4 fail an absent `--read-only-port`,
/// 3.2.9 an absent `RotateKubeletServerCertificate` gate, AKS's 3.2.7 an
/// absent `--event-qps`), cis-1.12's verdict is kept: the conformance
/// harness lists those cases.
const FLAGS: &[(&str, &str, Absent)] = &[
    ("etcd", "auto-tls", Absent::Passes),
    ("etcd", "cert-file", Absent::Fails),
    ("etcd", "client-cert-auth", Absent::Fails),
    ("etcd", "key-file", Absent::Fails),
    ("etcd", "peer-auto-tls", Absent::Passes),
    ("etcd", "peer-cert-file", Absent::Fails),
    ("etcd", "peer-client-cert-auth", Absent::Fails),
    ("etcd", "peer-key-file", Absent::Fails),
    ("etcd", "trusted-ca-file", Absent::Fails),
    ("kube-apiserver", "anonymous-auth", Absent::Fails),
    ("kube-apiserver", "audit-log-maxage", Absent::Fails),
    ("kube-apiserver", "audit-log-maxbackup", Absent::Fails),
    ("kube-apiserver", "audit-log-maxsize", Absent::Fails),
    ("kube-apiserver", "audit-log-path", Absent::Fails),
    ("kube-apiserver", "audit-policy-file", Absent::Fails),
    ("kube-apiserver", "authorization-mode", Absent::Fails),
    ("kube-apiserver", "client-ca-file", Absent::Fails),
    (
        "kube-apiserver",
        "encryption-provider-config",
        Absent::Fails,
    ),
    ("kube-apiserver", "etcd-cafile", Absent::Fails),
    ("kube-apiserver", "etcd-certfile", Absent::Fails),
    ("kube-apiserver", "etcd-keyfile", Absent::Fails),
    (
        "kube-apiserver",
        "kubelet-certificate-authority",
        Absent::Fails,
    ),
    (
        "kube-apiserver",
        "kubelet-client-certificate",
        Absent::Fails,
    ),
    ("kube-apiserver", "kubelet-client-key", Absent::Fails),
    ("kube-apiserver", "profiling", Absent::Fails),
    (
        "kube-apiserver",
        "service-account-extend-token-expiration",
        Absent::Fails,
    ),
    ("kube-apiserver", "service-account-key-file", Absent::Fails),
    ("kube-apiserver", "service-account-lookup", Absent::Passes),
    ("kube-apiserver", "tls-cert-file", Absent::Fails),
    ("kube-apiserver", "tls-cipher-suites", Absent::Fails),
    ("kube-apiserver", "tls-private-key-file", Absent::Fails),
    ("kube-apiserver", "token-auth-file", Absent::Passes),
    ("kube-controller-manager", "bind-address", Absent::Passes),
    ("kube-controller-manager", "feature-gates", Absent::Passes),
    ("kube-controller-manager", "profiling", Absent::Fails),
    ("kube-controller-manager", "root-ca-file", Absent::Fails),
    (
        "kube-controller-manager",
        "service-account-private-key-file",
        Absent::Fails,
    ),
    (
        "kube-controller-manager",
        "terminated-pod-gc-threshold",
        Absent::Fails,
    ),
    (
        "kube-controller-manager",
        "use-service-account-credentials",
        Absent::Fails,
    ),
    ("kube-scheduler", "bind-address", Absent::Passes),
    ("kube-scheduler", "profiling", Absent::Fails),
    ("kubelet", "anonymous-auth", Absent::Fails),
    ("kubelet", "authorization-mode", Absent::Fails),
    ("kubelet", "client-ca-file", Absent::Fails),
    ("kubelet", "event-qps", Absent::Passes),
    ("kubelet", "hostname-override", Absent::Passes),
    ("kubelet", "make-iptables-util-chains", Absent::Passes),
    ("kubelet", "pod-max-pids", Absent::Fails),
    ("kubelet", "read-only-port", Absent::Passes),
    ("kubelet", "rotate-certificates", Absent::Passes),
    ("kubelet", "seccomp-default", Absent::Fails),
    (
        "kubelet",
        "streaming-connection-idle-timeout",
        Absent::Passes,
    ),
    ("kubelet", "tls-cert-file", Absent::Fails),
    ("kubelet", "tls-cipher-suites", Absent::Fails),
    ("kubelet", "tls-private-key-file", Absent::Fails),
];

/// What to say of a flag of `component` that has no value, read by
/// `reading`: the control's own answer (`when_unset`) for Palisade's
/// reading and for flags kube-bench does not check; else kube-bench's
/// verdict, with the control's words when it fails too.
pub(crate) fn absent(
    reading: Reading,
    component: &str,
    flag: &str,
    when_unset: impl FnOnce() -> Option<String>,
) -> Option<String> {
    if reading == Reading::Palisade {
        return when_unset();
    }
    // A feature gate is a part of `--feature-gates`.
    let flag = flag.split('.').next().unwrap_or(flag);
    let verdict = FLAGS
        .iter()
        .find(|(c, f, _)| *c == component && *f == flag)
        .map(|(_, _, verdict)| *verdict);
    match verdict {
        None => when_unset(),
        Some(Absent::Passes) => None,
        Some(Absent::Fails) => Some(match when_unset() {
            Some(message) => format!("{message} (kube-bench's reading: no defaults)"),
            None => format!(
                "--{flag} is not given: kube-bench's reading has no defaults, and its check fails an absent flag"
            ),
        }),
    }
}
