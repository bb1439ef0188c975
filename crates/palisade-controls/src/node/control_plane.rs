//! What the control-plane controls share (`api_server/`,
//! `controller_manager/`, `scheduler/`, `etcd/`): judging one effective
//! flag at its origin, the admission plugins in force, and the files a
//! component's flags and static pod name. Each helper answers the
//! [`NodeJudgement`]s of one instance.

use palisade_load::host::ControlPlaneComponent;
use palisade_load::host::kubelet::Setting;

use super::{NodeJudgement, NodeViolation, mode_at_most, mode_param, owned_by_root, setting_fails};
use crate::{Param, Params};

/// The parameter of the permission controls.
pub(crate) const MAX_MODE: &str = "max-mode";

pub(crate) const MAX_MODE_600: &[Param] = &[Param {
    name: MAX_MODE,
    doc: "The most permissive mode allowed, in octal, as a mask.",
    default: &["600"],
}];

pub(crate) const MAX_MODE_700: &[Param] = &[Param {
    name: MAX_MODE,
    doc: "The most permissive mode allowed, in octal, as a mask.",
    default: &["700"],
}];

/// The admission plugins kube-apiserver enables when
/// `--enable-admission-plugins` does not name them (Kubernetes 1.33,
/// `kube-apiserver --help`).
pub(crate) const DEFAULT_ADMISSION_PLUGINS: &[&str] = &[
    "CertificateApproval",
    "CertificateSigning",
    "CertificateSubjectRestriction",
    "ClusterTrustBundleAttest",
    "DefaultIngressClass",
    "DefaultStorageClass",
    "DefaultTolerationSeconds",
    "LimitRanger",
    "MutatingAdmissionWebhook",
    "NamespaceLifecycle",
    "PersistentVolumeClaimResize",
    "PodSecurity",
    "Priority",
    "ResourceQuota",
    "RuntimeClass",
    "ServiceAccount",
    "StorageObjectInUseProtection",
    "TaintNodesByCondition",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
];

/// A violation for a flag that nobody set and that has no default: it
/// points at the command line, where it would be added (`message` says
/// that it is not given).
pub(crate) fn unset(
    component: &ControlPlaneComponent,
    flag: &str,
    message: String,
) -> NodeJudgement {
    NodeJudgement::Fail(NodeViolation {
        subject: format!("--{flag}"),
        message,
        origin: component.command.clone(),
    })
}

/// Judges one flag: `fails` says what is wrong with its value; an unset
/// flag without a default is `when_unset`'s answer.
pub(crate) fn judge(
    component: &ControlPlaneComponent,
    flag: &str,
    fails: impl FnOnce(&str) -> Option<String>,
    when_unset: impl FnOnce() -> Option<String>,
) -> Vec<NodeJudgement> {
    if let Some(unread) = etcd_config_file(component) {
        return vec![unread];
    }
    let judgement = match component.flag(flag) {
        Some(setting) => {
            fails(&setting.value).map(|m| setting_fails(&format!("--{flag}"), setting, m))
        }
        None => super::kube_bench::absent(
            component.reading,
            component.component.binary(),
            flag,
            when_unset,
        )
        .map(|m| unset(component, flag, m)),
    };
    judgement.into_iter().collect()
}

/// The flag must read as the boolean `want` (Go's `strconv.ParseBool`).
pub(crate) fn boolean_is(
    component: &ControlPlaneComponent,
    flag: &str,
    want: bool,
    consequence: &str,
) -> Vec<NodeJudgement> {
    judge(
        component,
        flag,
        |value| {
            (go_bool(value) != Some(want)).then(|| format!("{consequence}: --{flag} is {value}"))
        },
        || {
            Some(format!(
                "{consequence}: --{flag} is not given and has no default"
            ))
        },
    )
}

/// Each of `flags` must be given.
pub(crate) fn all_given(
    component: &ControlPlaneComponent,
    flags: &[&str],
    consequence: &str,
) -> Vec<NodeJudgement> {
    if let Some(unread) = etcd_config_file(component) {
        return vec![unread];
    }
    let missing: Vec<String> = flags
        .iter()
        .filter(|f| component.flag(f).is_none())
        .map(|f| format!("--{f}"))
        .collect();
    match missing.as_slice() {
        [] => Vec::new(),
        _ => vec![unset(
            component,
            flags.first().copied().unwrap_or_default(),
            format!(
                "{consequence}: {} {} not given",
                missing.join(" and "),
                if missing.len() == 1 { "is" } else { "are" }
            ),
        )],
    }
}

/// The flag must not be given.
pub(crate) fn not_given(
    component: &ControlPlaneComponent,
    flag: &str,
    consequence: &str,
) -> Vec<NodeJudgement> {
    judge(
        component,
        flag,
        |value| Some(format!("{consequence}: --{flag}={value}")),
        || None,
    )
}

/// A list flag's items (`Node,RBAC`).
pub(crate) fn items(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|i| !i.is_empty())
}

/// The list flag must (`want` true) or must not hold `item`.
pub(crate) fn list_holds(
    component: &ControlPlaneComponent,
    flag: &str,
    item: &str,
    want: bool,
    consequence: &str,
) -> Vec<NodeJudgement> {
    judge(
        component,
        flag,
        |value| {
            (items(value).any(|i| i == item) != want)
                .then(|| format!("{consequence}: --{flag} is {value}"))
        },
        || want.then(|| format!("{consequence}: --{flag} is not given")),
    )
}

/// Whether kube-apiserver runs admission plugin `plugin`: enabled by
/// default or by `--enable-admission-plugins`, and not disabled by
/// `--disable-admission-plugins`; with the setting that decided it.
pub(crate) fn plugin_state<'a>(
    component: &'a ControlPlaneComponent,
    plugin: &str,
) -> (bool, Option<&'a Setting>) {
    if let Some(disabled) = component.flag("disable-admission-plugins")
        && items(&disabled.value).any(|p| p == plugin)
    {
        return (false, Some(disabled));
    }
    let enabled = component.flag("enable-admission-plugins");
    if let Some(setting) = enabled
        && items(&setting.value).any(|p| p == plugin)
    {
        return (true, Some(setting));
    }
    // Neither list names it: the default decides, and a plugin that is off
    // by default is off because the enabled list (if any) leaves it out.
    let by_default = DEFAULT_ADMISSION_PLUGINS.contains(&plugin);
    (by_default, enabled.filter(|_| !by_default))
}

/// Admission plugin `plugin` must (`want` true) or must not run.
pub(crate) fn plugin_runs(
    component: &ControlPlaneComponent,
    plugin: &str,
    want: bool,
    consequence: &str,
) -> Vec<NodeJudgement> {
    let (runs, decided_by) = plugin_state(component, plugin);
    if runs == want {
        return Vec::new();
    }
    let state = if runs { "enabled" } else { "not enabled" };
    let message = format!("{consequence}: the admission plugin {plugin} is {state}");
    vec![match decided_by {
        Some(setting) => setting_fails("admission plugins", setting, message),
        None => unset(
            component,
            "enable-admission-plugins",
            format!("{message} (by default, and no --enable-admission-plugins names it)"),
        ),
    }]
}

/// The number the flag holds must be at least the parameter `minimum`.
pub(crate) fn at_least(
    component: &ControlPlaneComponent,
    params: &Params,
    flag: &str,
    consequence: &str,
) -> Vec<NodeJudgement> {
    let minimum = match params
        .list(MINIMUM)
        .first()
        .map(|m| m.trim().parse::<i64>())
    {
        Some(Ok(minimum)) => minimum,
        _ => {
            return vec![NodeJudgement::Unknown {
                subject: format!("parameter {MINIMUM}"),
                reason: format!("{:?} is no whole number", params.list(MINIMUM)),
            }];
        }
    };
    judge(
        component,
        flag,
        |value| match value.trim().parse::<i64>() {
            Ok(n) if n >= minimum => None,
            Ok(n) => Some(format!("{consequence}: --{flag} is {n}, below {minimum}")),
            Err(_) => Some(format!("--{flag} is {value:?}, which is no whole number")),
        },
        || Some(format!("{consequence}: --{flag} is not given")),
    )
}

/// The parameter of [`at_least`].
pub(crate) const MINIMUM: &str = "minimum";

/// The address the flag binds must be a loopback address.
pub(crate) fn loopback(
    component: &ControlPlaneComponent,
    flag: &str,
    what: &str,
) -> Vec<NodeJudgement> {
    judge(
        component,
        flag,
        |address| {
            let loopback =
                address == "localhost" || address.starts_with("127.") || address == "::1";
            (!loopback).then(|| format!("{what} listens on {address}, not only on the loopback interface: --{flag} is {address}"))
        },
        || None,
    )
}

/// Every cipher suite in `flag` must be in the parameter
/// `allowed-cipher-suites`; unset, Go's defaults (with CBC suites) apply.
pub(crate) fn strong_ciphers(
    component: &ControlPlaneComponent,
    params: &Params,
    flag: &str,
) -> Vec<NodeJudgement> {
    let allowed = params.list(ALLOWED_CIPHER_SUITES);
    let binary = component.component.binary();
    judge(
        component,
        flag,
        |suites| {
            let weak: Vec<&str> = items(suites)
                .filter(|s| !allowed.iter().any(|a| a == s))
                .collect();
            (!weak.is_empty()).then(|| {
                format!(
                    "{binary} accepts cipher suites outside the allowed list: {}",
                    weak.join(", ")
                )
            })
        },
        || {
            Some(format!(
                "{binary} accepts Go's default cipher suites, which include CBC-mode and RSA key-exchange suites: --{flag} is not given"
            ))
        },
    )
}

/// The parameter of [`strong_ciphers`].
pub(crate) const ALLOWED_CIPHER_SUITES: &str = "allowed-cipher-suites";

/// The feature gate must not be turned off.
pub(crate) fn gate_not_off(
    component: &ControlPlaneComponent,
    gate: &str,
    consequence: &str,
) -> Vec<NodeJudgement> {
    judge(
        component,
        &format!("feature-gates.{gate}"),
        |value| {
            (go_bool(value) == Some(false))
                .then(|| format!("{consequence}: the feature gate {gate} is false"))
        },
        || None,
    )
}

/// The component's static-pod manifest on the host: its mode within the
/// control's `max-mode`.
pub(crate) fn manifest_mode(
    component: &ControlPlaneComponent,
    params: &Params,
) -> Vec<NodeJudgement> {
    let Some(manifest) = &component.manifest else {
        return vec![no_manifest(component)];
    };
    let what = format!("{} static-pod manifest", component.component.binary());
    with_max_mode(params, |max| {
        mode_at_most(manifest, max, &what, || None)
            .into_iter()
            .collect()
    })
}

/// The component's static-pod manifest on the host: owned by root.
pub(crate) fn manifest_owner(component: &ControlPlaneComponent) -> Vec<NodeJudgement> {
    let Some(manifest) = &component.manifest else {
        return vec![no_manifest(component)];
    };
    let what = format!("{} static-pod manifest", component.component.binary());
    owned_by_root(manifest, &what, || None)
        .into_iter()
        .collect()
}

fn no_manifest(component: &ControlPlaneComponent) -> NodeJudgement {
    NodeJudgement::NotApplicable(format!(
        "{} runs from no static-pod manifest on this host",
        component.component.binary()
    ))
}

/// The file the component's flag `flag` names: its mode within `max-mode`.
pub(crate) fn named_file_mode(
    component: &ControlPlaneComponent,
    params: &Params,
    flag: &str,
    what: &str,
) -> Vec<NodeJudgement> {
    let Some(file) = component.files.get(flag) else {
        return vec![not_named(component, flag)];
    };
    with_max_mode(params, |max| {
        mode_at_most(file, max, what, || Some(missing(file, what)))
            .into_iter()
            .collect()
    })
}

/// The file the component's flag `flag` names: owned by root.
pub(crate) fn named_file_owner(
    component: &ControlPlaneComponent,
    flag: &str,
    what: &str,
) -> Vec<NodeJudgement> {
    let Some(file) = component.files.get(flag) else {
        return vec![not_named(component, flag)];
    };
    owned_by_root(file, what, || Some(missing(file, what)))
        .into_iter()
        .collect()
}

fn with_max_mode(
    params: &Params,
    judge: impl FnOnce(u32) -> Vec<NodeJudgement>,
) -> Vec<NodeJudgement> {
    match mode_param(params, MAX_MODE) {
        Ok(max) => judge(max),
        Err(error) => vec![error],
    }
}

fn not_named(component: &ControlPlaneComponent, flag: &str) -> NodeJudgement {
    let binary = component.component.binary();
    if component.manifest.is_none()
        && !matches!(component.found, palisade_load::host::Found::Running { .. })
    {
        return NodeJudgement::NotApplicable(format!(
            "{binary}'s files are judged on its host (palisade node scan), not in a manifest"
        ));
    }
    NodeJudgement::NotApplicable(format!("{binary} is not given --{flag}"))
}

fn missing(file: &palisade_load::host::FileFacts, what: &str) -> NodeJudgement {
    NodeJudgement::NotApplicable(format!("the {what} {} does not exist", file.path))
}

/// etcd given `--config-file` ignores its other flags and its environment:
/// what runs is in that file, which is not read yet, so nothing is judged
/// from the flags (an error of the scan rather than a wrong verdict).
fn etcd_config_file(component: &ControlPlaneComponent) -> Option<NodeJudgement> {
    if component.component != palisade_load::host::Component::Etcd {
        return None;
    }
    let file = component.flag("config-file")?;
    Some(NodeJudgement::Unknown {
        subject: file.value.clone(),
        reason: "etcd reads its configuration from --config-file and ignores its flags; Palisade does not read etcd configuration files yet".to_owned(),
    })
}

/// A boolean as Go's `strconv.ParseBool` reads it.
pub(crate) fn go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The judgements of several files, each file's apart: not applicable
/// only when none of them was there to judge.
pub(crate) fn without_missing(parts: Vec<Vec<NodeJudgement>>) -> Vec<NodeJudgement> {
    let na = |j: &NodeJudgement| matches!(j, NodeJudgement::NotApplicable(_));
    let absent = |part: &Vec<NodeJudgement>| !part.is_empty() && part.iter().all(na);
    if parts.iter().all(absent) {
        return parts.into_iter().flatten().take(1).collect();
    }
    parts.into_iter().flatten().filter(|j| !na(j)).collect()
}

/// The entries of the PKI folder (`/etc/kubernetes/pki`) whose name ends
/// with `suffix` (all of them for `""`), not applicable when there are none.
pub(crate) fn pki<'a>(
    component: &'a ControlPlaneComponent,
    suffix: &str,
) -> Result<Vec<&'a palisade_load::host::FileFacts>, NodeJudgement> {
    let found: Vec<_> = component
        .files
        .iter()
        .filter(|(role, _)| role.starts_with("pki:") && role.ends_with(suffix))
        .map(|(_, facts)| facts)
        .collect();
    if found.is_empty() {
        let what = if suffix.is_empty() { "entry" } else { suffix };
        return Err(NodeJudgement::NotApplicable(format!(
            "no {what} under /etc/kubernetes/pki on this host (or it is judged on its host, not in a manifest)"
        )));
    }
    Ok(found)
}

/// Each PKI entry ending with `suffix` within `max` as a mask.
pub(crate) fn pki_mode(
    component: &ControlPlaneComponent,
    suffix: &str,
    max: u32,
    what: &str,
) -> Vec<NodeJudgement> {
    match pki(component, suffix) {
        Ok(files) => files
            .into_iter()
            .filter_map(|f| mode_at_most(f, max, what, || None))
            .collect(),
        Err(not_applicable) => vec![not_applicable],
    }
}
