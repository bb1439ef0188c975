//! Kubelet controls (CIS Kubernetes section 4, the worker node): the
//! permissions and owners of the kubelet's files (4.1) and its effective
//! configuration (4.2), judged per kubelet on the value the kubelet runs
//! with: its default (which depends on whether `--config` is given), the
//! configuration file, its drop-ins and its flags, merged as the kubelet
//! merges them (`palisade_load::host::kubelet`).

pub(crate) mod anonymous_auth;
pub(crate) mod authorization_always_allow;
pub(crate) mod certificate_rotation_disabled;
pub(crate) mod client_ca_not_set;
pub(crate) mod client_ca_ownership;
pub(crate) mod client_ca_permissions;
pub(crate) mod config_file_ownership;
pub(crate) mod config_file_permissions;
pub(crate) mod event_qps;
pub(crate) mod hostname_override;
pub(crate) mod iptables_util_chains_disabled;
pub(crate) mod kubeconfig_ownership;
pub(crate) mod kubeconfig_permissions;
pub(crate) mod pod_pids_unlimited;
pub(crate) mod read_only_port;
pub(crate) mod seccomp_default_disabled;
pub(crate) mod server_certificate_rotation_disabled;
pub(crate) mod service_file_ownership;
pub(crate) mod service_file_permissions;
pub(crate) mod serving_certificate_not_set;
pub(crate) mod streaming_timeout_disabled;
pub(crate) mod weak_tls_ciphers;

use palisade_load::host::kubelet::Setting;
use palisade_load::host::{FileFacts, Kubelet};

use super::{NodeJudgement, NodeViolation, mode_at_most, mode_param, owned_by_root};
use crate::{Param, Params};

/// The parameter of the permission controls.
pub(crate) const MAX_MODE: &str = "max-mode";

pub(crate) const MAX_MODE_600: &[Param] = &[Param {
    name: MAX_MODE,
    doc: "The most permissive mode allowed, in octal, as a mask (managed-node benchmarks allow 644).",
    default: &["600"],
}];

pub(crate) const MAX_MODE_644: &[Param] = &[Param {
    name: MAX_MODE,
    doc: "The most permissive mode allowed, in octal, as a mask.",
    default: &["644"],
}];

/// The value the kubelet runs with at `path` (a `KubeletConfiguration`
/// path, or `--flag` for flags the file cannot set).
pub(crate) fn value<'a>(kubelet: &'a Kubelet, path: &str) -> Option<&'a Setting> {
    kubelet.config.get(path).filter(|s| !s.value.is_empty())
}

/// A violation for a setting nobody set and that has no default: it points
/// at the kubelet's command line, where it would be added.
pub(crate) fn unset(kubelet: &Kubelet, path: &str, message: String) -> NodeJudgement {
    NodeJudgement::Fail(NodeViolation {
        subject: path.to_owned(),
        message: format!(
            "{message} (neither the kubelet's flags ({}) nor its configuration file set it)",
            kubelet.command.what
        ),
        origin: kubelet.command.clone(),
    })
}

/// Judges one setting: `fails` says what is wrong with its value, if
/// anything; an unset setting without a default is `when_unset`'s answer.
pub(crate) fn judge(
    kubelet: &Kubelet,
    path: &str,
    fails: impl FnOnce(&str) -> Option<String>,
    when_unset: impl FnOnce() -> Option<String>,
) -> Vec<NodeJudgement> {
    let judgement = match value(kubelet, path) {
        Some(setting) => fails(&setting.value).map(|m| super::setting_fails(path, setting, m)),
        None => {
            let flag = palisade_load::host::kubelet::flag_of(path).unwrap_or(path);
            crate::node::kube_bench::absent(kubelet.reading, "kubelet", flag, when_unset)
                .map(|m| unset(kubelet, path, m))
        }
    };
    judgement.into_iter().collect()
}

/// Whether a setting reads as a Go `bool` `true` (`strconv.ParseBool`).
pub(crate) fn is_true(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// Whether a setting reads as a Go `bool` `false`.
pub(crate) fn is_false(value: &str) -> bool {
    matches!(value, "0" | "f" | "F" | "false" | "FALSE" | "False")
}

/// Judges each of `files` with `check`; no files at all is not applicable
/// for `none`'s reason.
fn each_file(
    files: &[&FileFacts],
    none: &str,
    mut check: impl FnMut(&FileFacts) -> Option<NodeJudgement>,
) -> Vec<NodeJudgement> {
    if files.is_empty() {
        return vec![NodeJudgement::NotApplicable(none.to_owned())];
    }
    let judged: Vec<NodeJudgement> = files.iter().filter_map(|f| check(f)).collect();
    // Not applicable only when no file was there to judge: one missing
    // drop-in beside a judged file is no reason to say so.
    let na = |j: &NodeJudgement| matches!(j, NodeJudgement::NotApplicable(_));
    if judged.len() == files.len() && judged.iter().all(na) {
        return judged;
    }
    judged.into_iter().filter(|j| !na(j)).collect()
}

/// The permission check of `files` against the control's `max-mode`.
pub(crate) fn files_mode(
    files: &[&FileFacts],
    params: &Params,
    what: &str,
    none: &str,
) -> Vec<NodeJudgement> {
    let max = match mode_param(params, MAX_MODE) {
        Ok(max) => max,
        Err(error) => return vec![error],
    };
    each_file(files, none, |file| {
        mode_at_most(file, max, what, || missing(file, what))
    })
}

/// The ownership check of `files`.
pub(crate) fn files_owner(files: &[&FileFacts], what: &str, none: &str) -> Vec<NodeJudgement> {
    each_file(files, none, |file| {
        owned_by_root(file, what, || missing(file, what))
    })
}

/// A file the kubelet names that is not there protects nothing.
fn missing(file: &FileFacts, what: &str) -> Option<NodeJudgement> {
    Some(NodeJudgement::NotApplicable(format!(
        "the {what} {} does not exist",
        file.path
    )))
}

/// The configuration file and its drop-ins.
pub(crate) fn config_files(kubelet: &Kubelet) -> Vec<&FileFacts> {
    kubelet
        .files
        .config
        .iter()
        .chain(&kubelet.files.config_drop_ins)
        .collect()
}

#[cfg(test)]
pub(crate) mod testing {
    //! Kubelets built from a host tree, for the controls' unit tests.

    use palisade_load::host::{HostOptions, Kubelet, collect};
    use palisade_testkit::host::write;

    /// The kubelet a systemd unit configures with `flags` and, when given,
    /// `config` as its `--config` file (mode 600, the test user's owner).
    pub(crate) fn kubelet(flags: &str, config: Option<&str>) -> Kubelet {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path();
        let mut exec = format!("/usr/bin/kubelet {flags}");
        if let Some(config) = config {
            write(root, "/var/lib/kubelet/config.yaml", config, 0o600);
            exec.push_str(" --config=/var/lib/kubelet/config.yaml");
        }
        write(
            root,
            "/etc/systemd/system/kubelet.service",
            &format!("[Service]\nExecStart={exec}\n"),
            0o644,
        );
        let facts = collect(&HostOptions {
            root: root.to_path_buf(),
            proc: None,
            limits: palisade_load::Limits::default(),
            reading: Default::default(),
        });
        facts
            .kubelets
            .into_iter()
            .next()
            .expect("the unit configures a kubelet")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::kubelet;
    use super::*;
    use crate::testing::{messages, messages_with};

    const UNIT: &str = "/etc/systemd/system/kubelet.service";
    const CONFIG: &str = "/var/lib/kubelet/config.yaml";

    fn config(body: &str) -> String {
        format!("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n{body}")
    }

    #[test]
    fn defaults_depend_on_whether_a_configuration_file_is_given() {
        let control = &anonymous_auth::CONTROL;
        let legacy = messages(control, &kubelet("", None));
        assert_eq!(legacy.len(), 1, "{legacy:?}");
        assert!(legacy[0].starts_with(&format!("{UNIT}:2: ")), "{legacy:?}");
        assert!(legacy[0].contains("default without --config"), "{legacy:?}");
        assert!(messages(control, &kubelet("", Some(&config("")))).is_empty());
        let read_only = messages(&read_only_port::CONTROL, &kubelet("", None));
        assert!(read_only[0].contains("port 10255"), "{read_only:?}");
    }

    #[test]
    fn the_command_line_wins_over_the_file() {
        let file_on = config("authentication:\n  anonymous:\n    enabled: true\n");
        let control = &anonymous_auth::CONTROL;
        let from_file = messages(control, &kubelet("", Some(&file_on)));
        assert_eq!(from_file.len(), 1);
        assert!(
            from_file[0].starts_with(&format!("{CONFIG}:5: ")),
            "{from_file:?}"
        );
        assert!(messages(control, &kubelet("--anonymous-auth=false", Some(&file_on))).is_empty());
        let flag_on = messages(control, &kubelet("--anonymous-auth", Some(&config(""))));
        assert!(flag_on[0].contains("--anonymous-auth=true"), "{flag_on:?}");
    }

    #[test]
    fn durations_and_lists_read_as_the_kubelet_reads_them() {
        let timeout = &streaming_timeout_disabled::CONTROL;
        for zero in ["0", "0s", "0h0m0s"] {
            let body = config(&format!("streamingConnectionIdleTimeout: {zero}\n"));
            assert_eq!(
                messages(timeout, &kubelet("", Some(&body))).len(),
                1,
                "{zero}"
            );
        }
        assert!(messages(timeout, &kubelet("", Some(&config("")))).is_empty());
        let ciphers = &weak_tls_ciphers::CONTROL;
        let strong = config("tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n");
        assert!(messages(ciphers, &kubelet("", Some(&strong))).is_empty());
        let appended = messages(
            ciphers,
            &kubelet(
                "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 --tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA",
                Some(&strong),
            ),
        );
        assert_eq!(appended.len(), 1, "{appended:?}");
        assert!(appended[0].ends_with("list: TLS_RSA_WITH_RC4_128_SHA (set by --tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA (argument 2 of ExecStart= of /etc/systemd/system/kubelet.service))"), "{appended:?}");
        let unset = messages(ciphers, &kubelet("", Some(&config(""))));
        assert!(unset[0].contains("Go's default cipher suites"), "{unset:?}");
    }

    #[test]
    fn file_controls_judge_modes_as_masks_and_say_when_nothing_applies() {
        let control = &config_file_permissions::CONTROL;
        // The helper writes the configuration with mode 600.
        assert!(messages(control, &kubelet("", Some(&config("")))).is_empty());
        let mut strict = Params::defaults(control);
        strict
            .set(control, MAX_MODE, vec!["400".into()])
            .expect("a parameter");
        let found = messages_with(control, &strict, &kubelet("", Some(&config(""))));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("mode 600, which allows more than 400 (bits 200"),
            "{found:?}"
        );
        assert_eq!(
            messages(control, &kubelet("", None)),
            ["not applicable: the kubelet reads no --config file"]
        );
        let mut broken = Params::defaults(control);
        broken
            .set(control, MAX_MODE, vec!["rw-------".into()])
            .expect("a parameter");
        let judged = messages_with(control, &broken, &kubelet("", Some(&config(""))));
        assert!(
            judged[0].starts_with("could not judge parameter max-mode"),
            "{judged:?}"
        );
    }

    #[test]
    fn a_kubeconfig_that_is_not_there_protects_nothing() {
        let control = &kubeconfig_permissions::CONTROL;
        let found = messages(
            control,
            &kubelet("--kubeconfig=/etc/kubernetes/kubelet.conf", None),
        );
        assert_eq!(
            found,
            ["not applicable: the kubelet kubeconfig /etc/kubernetes/kubelet.conf does not exist"]
        );
        assert_eq!(
            messages(control, &kubelet("", None)),
            ["not applicable: the kubelet is given no --kubeconfig"]
        );
    }
}
