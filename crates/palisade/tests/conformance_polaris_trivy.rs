//! Conformance harness: Polaris's checks (`polaris/`, FairwindsOps/polaris
//! @ c0e23a23) and Trivy's Kubernetes and Dockerfile check examples
//! (`trivy-checks-examples/checks/kubernetes/` and `checks/docker/`,
//! aquasecurity/trivy-checks @ 80e53822), scored against Palisade's built-in
//! controls.
//!
//! Nobody on this project wrote these labels:
//! - Polaris: `pkg/config/checks/<checkId>.yaml` defines a check (a few
//!   example custom checks are defined by `test/checks/<checkId>/check.yaml`
//!   instead); every `test/checks/<checkId>/success*.yaml` must pass it and
//!   every `failure*.yaml` must fail it. A file may hold several documents (a
//!   Pod and its ServiceAccount or NetworkPolicy, a binding and its role).
//! - Trivy: `checks/kubernetes/<name>.yaml` holds
//!   `kubernetes: {good: [...], bad: [...]}`, inline YAML documents for the
//!   check the file is named after, and `checks/docker/<name>.yaml` holds
//!   `dockerfile: {good: [...], bad: [...]}`, inline Dockerfiles; each `good`
//!   entry must pass and each `bad` entry must fail.
//!
//! How a case is scored:
//! - [`POLARIS_CHECKS`], [`TRIVY_CHECKS`] and [`TRIVY_DOCKER_CHECKS`] map
//!   every upstream check to the Palisade controls whose findings mean
//!   "fails", or to "not covered" with the reason. Every check of a corpus must appear in its table, and every
//!   entry must exist in the corpus.
//! - A case is one file (Polaris) or one inline document, written to a
//!   temporary file (Trivy; a Dockerfile case to a file named `Dockerfile`
//!   in a folder of its own, so it is scanned as one). The binary scans it
//!   alone, so cross-resource controls see exactly the documents of that
//!   file:
//!   `palisade scan --format json --fail-on critical --config <empty> --control <ID>... <file>`
//!   run in an empty temporary directory (no `palisade.yaml` is picked up).
//!   Exit status 0 or 1 are both fine; anything else, a parse error, or a
//!   case in which Palisade evaluates no resource at all fails the test.
//! - The case *fails* when any finding of a mapped control is reported in it.
//!   Where the upstream check covers only part of a Palisade control (Trivy's
//!   `host_ipc` is the hostIPC part of `host-namespaces`), a facet narrows the
//!   findings that count to those whose `field` or `message` names that part.
//! - Where upstream's label and Palisade's verdict differ for a principled
//!   reason (Palisade is right, upstream is stricter or looser), the case is
//!   listed in [`POLARIS_KNOWN_DIFFERENCES`] / [`TRIVY_KNOWN_DIFFERENCES`] /
//!   [`TRIVY_DOCKER_KNOWN_DIFFERENCES`] with that reason. Any other
//!   disagreement fails the test, and so does a listed case that now agrees,
//!   so the lists stay honest.
//! - Ratchet: the number of mapped checks and of agreed cases per corpus may
//!   not drop below [`POLARIS_FLOOR`] / [`TRIVY_FLOOR`] /
//!   [`TRIVY_DOCKER_FLOOR`]; raise them when coverage grows, never lower
//!   them.
//!
//! The corpora live outside the repository
//! (`$CARGO_MANIFEST_DIR/../../../shared/conformance`, or
//! `$PALISADE_CONFORMANCE_DIR` pointing at the `conformance` folder). When one
//! is missing its test prints "corpora missing" and passes, unless
//! `PALISADE_REQUIRE_CONFORMANCE=1`, which makes it fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

mod conformance;
use conformance::{corpus_dir, read_yaml};

mod support;

/// The Polaris corpus folder inside `conformance/`.
const POLARIS: &str = "polaris";
/// The Trivy Kubernetes examples inside `conformance/`.
const TRIVY: &str = "trivy-checks-examples/checks/kubernetes";
/// The Trivy Dockerfile examples inside `conformance/`.
const TRIVY_DOCKER: &str = "trivy-checks-examples/checks/docker";

/// How Palisade decides one upstream check.
enum Mapping {
    /// The case fails when any of `controls` reports a finding in it; when
    /// `facet` is not empty, only findings whose `field` or `message`
    /// contains one of its needles count.
    Controls {
        controls: &'static [&'static str],
        facet: &'static [&'static str],
    },
    /// No Palisade control covers the check (the reason says why).
    NotCovered(&'static str),
}

/// One upstream check and its mapping.
struct Check {
    id: &'static str,
    mapping: Mapping,
}

const fn mapped(id: &'static str, controls: &'static [&'static str]) -> Check {
    Check {
        id,
        mapping: Mapping::Controls {
            controls,
            facet: &[],
        },
    }
}

const fn faceted(
    id: &'static str,
    controls: &'static [&'static str],
    facet: &'static [&'static str],
) -> Check {
    Check {
        id,
        mapping: Mapping::Controls { controls, facet },
    }
}

const fn not_covered(id: &'static str, reason: &'static str) -> Check {
    Check {
        id,
        mapping: Mapping::NotCovered(reason),
    }
}

/// Polaris: every check of `pkg/config/checks/` and every folder of
/// `test/checks/`, in name order.
const POLARIS_CHECKS: &[Check] = &[
    // The pod's own field wins, else the ServiceAccount's (looked up in the
    // same file); Palisade decides it the same way.
    mapped(
        "automountServiceAccountToken",
        &["service-account-token-automount"],
    ),
    // Same rule matching (core group or `*`; `pods/exec`, `pods/attach` or
    // `*`; `get`, `create` or `*`); Polaris also exempts roles by name (see
    // the known differences).
    mapped("clusterrolePodExecAttach", &["rbac-pod-exec-attach"]),
    not_covered(
        "clusterrolebindingClusterAdmin",
        "different definition: Polaris flags a binding to cluster-admin or to any ClusterRole \
         granting every verb (or the 7 basic ones) on * in apiGroup *, and exempts bindings by \
         name; rbac-cluster-admin-binding flags only roleRef cluster-admin (1 of the 5 failure \
         cases), and rbac-wildcard flags the role itself for any single wildcard, bound or not",
    ),
    not_covered(
        "clusterrolebindingPodExecAttach",
        "different definition: Polaris judges the binding by the ClusterRole it references, fails \
         a binding whose role is not in the file, and exempts bindings by name; \
         rbac-pod-exec-attach flags the role's own rules, bound or not (scored under \
         clusterrolePodExecAttach)",
    ),
    // Polaris skips init containers; Palisade checks them too. Neither
    // difference is exercised by the corpus.
    mapped("cpuLimitsMissing", &["cpu-limits-missing"]),
    mapped("cpuRequestsMissing", &["cpu-requests-missing"]),
    // Polaris's list is ALL, SYS_ADMIN and NET_ADMIN (any case);
    // dangerous-capabilities' default list holds these and 11 more, so only
    // findings about these three count.
    faceted(
        "dangerousCapabilities",
        &["dangerous-capabilities"],
        &[
            "adds ALL capabilities",
            "capability SYS_ADMIN",
            "capability NET_ADMIN",
        ],
    ),
    not_covered(
        "deploymentMissingReplicas",
        "reliability (Deployment replicas >= 2): no Palisade control yet",
    ),
    // host-namespaces reports hostIPC, hostNetwork and hostPID separately.
    faceted("hostIPCSet", &["host-namespaces"], &["hostIPC"]),
    faceted("hostNetworkSet", &["host-namespaces"], &["hostNetwork"]),
    faceted("hostPIDSet", &["host-namespaces"], &["hostPID"]),
    mapped("hostPathSet", &["host-path-volumes"]),
    mapped("hostPortSet", &["host-ports"]),
    mapped("hostProcess", &["windows-host-process"]),
    not_covered("hpaMaxAvailability", "HPA checks: no Palisade control yet"),
    not_covered("hpaMinAvailability", "HPA checks: no Palisade control yet"),
    not_covered(
        "insecureCapabilities",
        "different definition: Polaris passes a container that drops ALL in any letter case or \
         drops 15 default capabilities one by one, and ignores `add`; capabilities-not-restricted \
         implements PSA restricted, which accepts only the exact string ALL in `drop` and allows \
         only NET_BIND_SERVICE in `add` (spec 4.6): 4 of the 9 cases differ",
    ),
    not_covered(
        "linuxHardening",
        "different definition: Polaris passes a container with any one of AppArmor, a seccomp \
         profile, SELinux options or a non-empty capabilities drop; Palisade checks each \
         mechanism on its own (missing-seccomp-profile, capabilities-not-restricted, ...) and has \
         no any-of control",
    ),
    // Polaris skips Jobs and CronJobs and init containers; Palisade skips
    // pods that run to completion (restartPolicy Never/OnFailure, which Job
    // templates must set) and init containers.
    mapped("livenessProbeMissing", &["liveness-probe-missing"]),
    mapped("memoryLimitsMissing", &["memory-limits-missing"]),
    mapped("memoryRequestsMissing", &["memory-requests-missing"]),
    not_covered(
        "metadataAndInstanceMismatched",
        "label convention (app.kubernetes.io/instance equals metadata.name): no Palisade control",
    ),
    // Polaris wants a policy selecting the pod with rules in both directions;
    // Palisade wants both directions governed, a deny-all included (see the
    // known differences).
    mapped("missingNetworkPolicy", &["workload-without-network-policy"]),
    not_covered(
        "missingPodDisruptionBudget",
        "PDB checks: no Palisade control yet",
    ),
    not_covered(
        "nakedPod",
        "example custom check of Polaris's test suite (Pod label app.kubernetes.io/name equals \
         metadata.name): label convention, no Palisade control",
    ),
    // Palisade reports a writable root filesystem per container; a
    // `readOnlyRootFilesystem` in the pod's securityContext is not an API
    // field and counts for neither.
    mapped("notReadOnlyRootFilesystem", &["writable-root-filesystem"]),
    not_covered(
        "oneController",
        "example custom check of Polaris's test suite (StatefulSet label app.kubernetes.io/name \
         equals metadata.name): label convention, no Palisade control",
    ),
    not_covered(
        "pdbDisruptionsIsZero",
        "PDB checks: no Palisade control yet",
    ),
    not_covered(
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        "PDB and HPA checks: no Palisade control yet",
    ),
    not_covered(
        "priorityClassNotSet",
        "reliability (priorityClassName): no Palisade control yet",
    ),
    mapped(
        "privilegeEscalationAllowed",
        &["privilege-escalation-allowed"],
    ),
    // Polaris requires procMount Default (or unset) with no user-namespace
    // relaxation: the baseline control, plus its restricted variant, which
    // drops the v1.35 hostUsers: false relaxation (spec 3.10, 4.7).
    mapped(
        "procMount",
        &["unmasked-proc-mount", "unmasked-proc-mount-restricted"],
    ),
    mapped("pullPolicyNotAlways", &["image-pull-policy-not-always"]),
    mapped("readinessProbeMissing", &["readiness-probe-missing"]),
    not_covered(
        "resourceRange",
        "example custom check of Polaris's test suite (CPU and memory limits within a range): no \
         Palisade control",
    ),
    // Same rule matching as clusterrolePodExecAttach, for Roles.
    mapped("rolePodExecAttach", &["rbac-pod-exec-attach"]),
    not_covered(
        "rolebindingClusterAdminClusterRole",
        "different definition: Polaris flags a RoleBinding to cluster-admin or to any ClusterRole \
         granting every verb (or the 7 basic ones) on * in apiGroup *, and exempts bindings by \
         name; rbac-cluster-admin-binding flags only roleRef cluster-admin (1 of the 5 failure \
         cases), and rbac-wildcard flags the role itself for any single wildcard, bound or not",
    ),
    not_covered(
        "rolebindingClusterAdminRole",
        "different definition: Polaris flags a RoleBinding to a Role granting every verb (or the 7 \
         basic ones) on * in apiGroup *; a Role is never cluster-admin, so \
         rbac-cluster-admin-binding cannot apply, and rbac-wildcard flags the role itself for any \
         single wildcard, bound or not",
    ),
    not_covered(
        "rolebindingClusterRolePodExecAttach",
        "different definition: Polaris judges the RoleBinding by the ClusterRole it references, \
         fails a binding whose role is not in the file, and exempts bindings by name; \
         rbac-pod-exec-attach flags the role's own rules, bound or not",
    ),
    not_covered(
        "rolebindingRolePodExecAttach",
        "different definition: Polaris judges the RoleBinding by the Role it references, fails a \
         binding whose role is not in the file, and exempts bindings by name; \
         rbac-pod-exec-attach flags the role's own rules, bound or not (scored under \
         rolePodExecAttach)",
    ),
    mapped("runAsPrivileged", &["privileged-container"]),
    // Polaris passes runAsNonRoot: true, or runAsUser >= 1, at the pod or
    // container, and fails runAsUser 0 anywhere: missing-run-as-non-root
    // (PSA, which also wants runAsNonRoot for a non-zero runAsUser) and
    // run-as-root-user together.
    mapped(
        "runAsRootAllowed",
        &["missing-run-as-non-root", "run-as-root-user"],
    ),
    mapped(
        "sensitiveConfigmapContent",
        &["configmap-sensitive-content"],
    ),
    mapped("sensitiveContainerEnvVar", &["secret-in-env-literal"]),
    // Polaris wants a tag other than latest; an image pinned by digest has
    // one in both views.
    mapped("tagNotSpecified", &["image-tag-latest"]),
    // Polaris wants `spec.tls`; Palisade also flags rule hosts that no TLS
    // entry covers.
    mapped("tlsSettingsMissing", &["ingress-without-tls"]),
    not_covered(
        "topologySpreadConstraint",
        "reliability (topologySpreadConstraints): no Palisade control yet",
    ),
];

/// Trivy: every `checks/kubernetes/*.yaml` (named after the check), in name
/// order. The AVD IDs are in the comments.
const TRIVY_CHECKS: &[Check] = &[
    mapped("CPU_not_limited", &["cpu-limits-missing"]), // KSV011
    mapped("CPU_requests_not_specified", &["cpu-requests-missing"]), // KSV015
    // KSV005 is about SYS_ADMIN alone; dangerous-capabilities' default list
    // holds it and 13 more.
    faceted(
        "SYS_ADMIN_capability",
        &["dangerous-capabilities"],
        &["capability SYS_ADMIN"],
    ),
    mapped("access_to_host_ports", &["host-ports"]), // KSV024
    mapped("apparmor_policy_disabled", &["forbidden-apparmor-profile"]), // KSV002
    mapped(
        "can_elevate_its_own_privileges",
        &["privilege-escalation-allowed"],
    ), // KSV001
    // KSV003 wants ALL in `drop` and ignores `add`: the drop half of
    // capabilities-not-restricted.
    faceted(
        "capabilities_no_drop_all",
        &["capabilities-not-restricted"],
        &["capabilities.drop"],
    ),
    mapped("configMap_with_secrets", &["configmap-sensitive-content"]), // KSV01010
    mapped("file_system_not_read_only", &["writable-root-filesystem"]), // KSV014
    faceted("host_ipc", &["host-namespaces"], &["hostIPC"]),            // KSV008
    faceted("host_network", &["host-namespaces"], &["hostNetwork"]),    // KSV009
    faceted("host_pid", &["host-namespaces"], &["hostPID"]),            // KSV010
    mapped("hostpath_volumes_mounted", &["host-path-volumes"]),         // KSV023
    not_covered(
        "insecure_ingress_nginx",
        "ingress-nginx annotation injection (auth-url, auth-tls-match-cn, mirror-*): no Palisade \
         control yet",
    ),
    mapped("memory_not_limited", &["memory-limits-missing"]), // KSV018
    mapped(
        "memory_requests_not_specified",
        &["memory-requests-missing"],
    ), // KSV016
    // KSV006 is about the Docker socket; forbidden-volume's default list
    // holds it and the other runtime sockets and sensitive host trees.
    faceted(
        "mounts_docker_socket",
        &["forbidden-volume"],
        &["docker.sock"],
    ),
    mapped("non_core_volume_types", &["restricted-volume-types"]), // KSV028
    // KSV027: procMount Default or unset, with no user-namespace relaxation.
    mapped(
        "non_default_proc_masks_set",
        &["unmasked-proc-mount", "unmasked-proc-mount-restricted"],
    ),
    mapped("privileged", &["privileged-container"]), // KSV017
    not_covered(
        "protect_core_components_namespace",
        "user workloads in kube-system: no Palisade control (default-namespace only flags \
         `default`)",
    ),
    // KSV036 fails automountServiceAccountToken: true, or an explicit mount
    // of the token path; Palisade decides whether Kubernetes mounts the
    // token (see the known differences).
    mapped(
        "protecting_pod_service_account_tokens",
        &["service-account-token-automount"],
    ),
    mapped("runs_as_root", &["missing-run-as-non-root"]), // KSV012
    not_covered(
        "runs_with_GID_le_10000",
        "requires runAsGroup > 10000: no Palisade control",
    ),
    not_covered(
        "runs_with_UID_le_10000",
        "requires runAsUser > 10000: no Palisade control (run-as-root-user flags only 0)",
    ),
    // KSV030: seccompProfile.type RuntimeDefault or Localhost, as PSA
    // restricted.
    mapped(
        "runtime_default_seccomp_profile_not_set",
        &["missing-seccomp-profile"],
    ),
    not_covered(
        "selector_usage_in_network_policies",
        "NetworkPolicy structure (podSelector present): no Palisade control",
    ),
    mapped("selinux_custom_options_set", &["forbidden-selinux-options"]), // KSV025
    not_covered(
        "specific_capabilities_added",
        "different definition: at this commit KSV022 flags every added capability (empty allowed \
         set; its bad case adds NET_BIND_SERVICE); non-default-capabilities implements PSS \
         baseline, which allows the runtime's default capabilities (spec 3.4), as later KSV022 \
         versions do too",
    ),
    not_covered(
        "tiller_is_deployed",
        "Helm v2 Tiller detection: no Palisade control",
    ),
    mapped("unsafe_sysctl_options_set", &["unsafe-sysctls"]), // KSV026
    mapped("uses_image_tag_latest", &["image-tag-latest"]),   // KSV013
];

/// Trivy: every `checks/docker/*.yaml` (named after the check), in name
/// order, with its DS ID. Trivy's Dockerfile checks are mostly hadolint-style
/// lint (build hygiene, image size, style); Palisade's Dockerfile controls
/// are the compliance ones (CIS Docker Benchmark section 4), so only the
/// checks with a security or compliance meaning are mapped.
const TRIVY_DOCKER_CHECKS: &[Check] = &[
    // DS005 accepts any ADD whose arguments mention `.tar`, a URL or `git@`;
    // dockerfile-add-instead-of-copy accepts URLs, Git sources and tar
    // archive names, and flags any other local source.
    mapped("add_instead_of_copy", &["dockerfile-add-instead-of-copy"]),
    not_covered(
        "apt_get_missing_yes_flag_to_avoid_manual_input",
        "build hygiene (DS021: apt-get install without -y stops a non-interactive build): a build \
         that fails, not a compliance control",
    ),
    not_covered(
        "copy_from_references_current_from_alias",
        "build correctness (DS006: COPY --from naming its own stage): not a compliance control",
    ),
    not_covered(
        "copy_with_more_than_two_arguments_not_ending_with_slash",
        "build correctness (DS011: several COPY sources need a destination folder ending in /): \
         not a compliance control",
    ),
    // DS001: the FROM tag is latest or missing, outside stage aliases and
    // scratch, after ARG substitution.
    mapped("latest_tag", &["dockerfile-base-image-latest"]),
    not_covered(
        "maintainer_is_deprecated",
        "style lint (DS022: MAINTAINER is deprecated in favour of a label), not a compliance \
         control",
    ),
    not_covered(
        "missing_dnf_clean_all",
        "image size hygiene (DS019: dnf clean all after installing), not a compliance control",
    ),
    not_covered(
        "missing_zypper_clean",
        "image size hygiene (DS020: zypper clean after installing), not a compliance control",
    ),
    not_covered(
        "multiple_cmd_instructions_listed",
        "style lint (DS016: only the last CMD of a stage takes effect), not a compliance control",
    ),
    not_covered(
        "multiple_entrypoint_instructions_listed",
        "style lint (DS007: only the last ENTRYPOINT of a stage takes effect), not a compliance \
         control",
    ),
    not_covered(
        "multiple_healthcheck_instructions",
        "style lint (DS023: only the last HEALTHCHECK of a stage takes effect), not a compliance \
         control; dockerfile-healthcheck-missing judges the last one",
    ),
    mapped("port22", &["dockerfile-expose-ssh"]), // DS004
    mapped("root_user", &["dockerfile-root-user"]), // DS002
    not_covered(
        "run_apt_get_dist_upgrade",
        "build hygiene (DS024, deprecated upstream: apt-get dist-upgrade in a Dockerfile), not a \
         compliance control",
    ),
    not_covered(
        "run_command_cd_instead_of_workdir",
        "style lint (DS013: RUN cd instead of WORKDIR), not a compliance control",
    ),
    mapped("run_using_sudo", &["dockerfile-sudo"]), // DS010
    not_covered(
        "run_using_wget_and_curl",
        "style lint (DS014: use one of wget and curl, not both), not a compliance control",
    ),
    not_covered(
        "same_alias_in_different_froms",
        "build correctness (DS012: two stages with the same name), not a compliance control",
    ),
    not_covered(
        "unix_ports_out_of_range",
        "input validation (DS008: EXPOSE of a port above 65535), not a compliance control",
    ),
    // DS017: an update (apt-get/apt, yum, apk, dnf, zypper) with no install
    // after it in the same RUN, heredocs included.
    mapped("update_instruction_alone", &["dockerfile-update-alone"]),
    not_covered(
        "workdir_path_not_absolute",
        "style lint (DS009: relative WORKDIR), not a compliance control",
    ),
    not_covered(
        "yum_clean_all_missing",
        "image size hygiene (DS015: yum clean all after installing), not a compliance control",
    ),
];

/// Cases of one mapped check where upstream's label and Palisade's verdict
/// differ for the same principled reason.
struct KnownDifference {
    check: &'static str,
    /// Case names: the file name (Polaris) or `good[i]` / `bad[i]` (Trivy).
    cases: &'static [&'static str],
    reason: &'static str,
}

const RBAC_NAME_EXEMPTION: &str = "Polaris exempts roles by name as cluster defaults (admin, \
     edit, cluster-admin, system:*, gce:podsecuritypolicy:calico-sa); these manifests define the \
     role with pods/exec or pods/attach rules, which grant exec whatever the role is called (and \
     anyone allowed to create roles can pick a system: name). Palisade judges rules, not names; \
     accepted defaults are exceptions in palisade.yaml";

const POLARIS_KNOWN_DIFFERENCES: &[KnownDifference] = &[
    KnownDifference {
        check: "clusterrolePodExecAttach",
        cases: &[
            "success.defaultclusterrole_admin.yaml",
            "success.defaultclusterrole_clusteradmin.yaml",
            "success.gce_calico_clusterrole.yaml",
            "success.system_prefix.yaml",
        ],
        reason: RBAC_NAME_EXEMPTION,
    },
    KnownDifference {
        check: "rolePodExecAttach",
        cases: &[
            "success.gce_calico_binding.yaml",
            "success.system_prefix_binding.yaml",
        ],
        reason: RBAC_NAME_EXEMPTION,
    },
    KnownDifference {
        check: "missingNetworkPolicy",
        cases: &[
            "failure.netpol_missing_egress_rules.yaml",
            "failure.netpol_missing_ingress_rules.yaml",
        ],
        reason: "the policy selects the pod and lists both Ingress and Egress in policyTypes but \
                 has no rules for one direction: Kubernetes then denies all traffic in that \
                 direction (a deny-all, the most isolated setting), so the pod is isolated both \
                 ways; Polaris wants at least one rule in each direction",
    },
];

const TRIVY_KNOWN_DIFFERENCES: &[KnownDifference] = &[
    KnownDifference {
        check: "capabilities_no_drop_all",
        cases: &["good[0]"],
        reason: "drops `all` in lower case; KSV003 lower-cases the entry, but PSA restricted \
                 compares the exact string ALL (spec 4.6: `all` does not count), so the API \
                 server rejects this pod at restricted and capabilities-not-restricted, which \
                 reproduces PSA, flags it",
    },
    KnownDifference {
        check: "protecting_pod_service_account_tokens",
        cases: &["good[0]"],
        reason: "the pod does not set automountServiceAccountToken and runs as the `default` \
                 ServiceAccount, which is not in the case and is created with automounting on, \
                 so Kubernetes does mount the token; KSV036 only fails an explicit `true` or an \
                 explicit mount of the token path",
    },
];

/// None: every case of the mapped Trivy Dockerfile checks agrees.
const TRIVY_DOCKER_KNOWN_DIFFERENCES: &[KnownDifference] = &[];

/// The ratchet: levels reached so far. Raise them when coverage grows; a
/// drop below them fails the test.
struct Floor {
    mapped_checks: usize,
    agreed_cases: usize,
}

const POLARIS_FLOOR: Floor = Floor {
    mapped_checks: 27,
    agreed_cases: 120,
};

const TRIVY_FLOOR: Floor = Floor {
    mapped_checks: 25,
    agreed_cases: 49,
};

const TRIVY_DOCKER_FLOOR: Floor = Floor {
    mapped_checks: 6,
    agreed_cases: 13,
};

/// One labelled case: a file to scan and whether it must fail.
struct Case {
    name: String,
    file: PathBuf,
    should_fail: bool,
}

/// One finding of Palisade's JSON output, reduced to what scoring needs.
struct Finding {
    control: String,
    field: String,
    message: String,
}

/// What one scan of a case returned.
struct Scan {
    findings: Vec<Finding>,
    /// `summary.resources`: objects Palisade evaluated.
    resources: u64,
}

/// Runs the binary in an empty temporary directory with an empty
/// configuration file, so no `palisade.yaml` or `PALISADE_*` setting of the
/// environment changes the verdicts.
struct Runner {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = dir.path().join("empty-config.yaml");
        std::fs::write(&config, "").expect("write the empty configuration");
        Runner { dir, config }
    }

    /// Scans `file` alone with the given controls.
    fn scan(&self, controls: &[&str], file: &Path) -> Result<Scan, String> {
        let mut command = support::binary();
        command
            .current_dir(self.dir.path())
            .args([
                "scan",
                "--format",
                "json",
                "--fail-on",
                "critical",
                "--config",
            ])
            .arg(&self.config);
        for control in controls {
            command.args(["--control", control]);
        }
        let output = command
            .arg(file)
            .output()
            .map_err(|e| format!("cannot run palisade: {e}"))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !matches!(output.status.code(), Some(0 | 1)) {
            return Err(format!(
                "palisade scan exited with {:?}; stderr:\n{stderr}",
                output.status.code()
            ));
        }
        let json: Json = serde_json::from_slice(&output.stdout).map_err(|e| {
            format!(
                "palisade's stdout is not JSON ({e}); stdout:\n{}\nstderr:\n{stderr}",
                String::from_utf8_lossy(&output.stdout)
            )
        })?;
        if let Some(errors) = json.get("errors").and_then(Json::as_array)
            && !errors.is_empty()
        {
            let rendered: Vec<String> = errors.iter().map(Json::to_string).collect();
            return Err(format!("palisade reported errors: {}", rendered.join("; ")));
        }
        let resources = json
            .pointer("/summary/resources")
            .and_then(Json::as_u64)
            .ok_or_else(|| format!("palisade's JSON has no summary.resources: {json}"))?;
        let findings = json
            .get("findings")
            .and_then(Json::as_array)
            .ok_or_else(|| format!("palisade's JSON has no \"findings\" array: {json}"))?
            .iter()
            .map(|f| {
                let text = |key: &str| f.get(key).and_then(Json::as_str).unwrap_or_default();
                Finding {
                    control: text("control").to_owned(),
                    field: text("field").to_owned(),
                    message: text("message").to_owned(),
                }
            })
            .collect();
        Ok(Scan {
            findings,
            resources,
        })
    }
}

/// The entries of a directory, sorted by name.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut paths = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .map(|entry| {
            entry
                .map(|e| e.path())
                .map_err(|e| format!("{}: {e}", dir.display()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Polaris's checks and their cases: every `pkg/config/checks/<id>.yaml`
/// and every `test/checks/<id>/` folder (a check defined only by a folder's
/// `check.yaml` is an example custom check).
fn polaris_cases(corpus: &Path) -> Result<BTreeMap<String, Vec<Case>>, String> {
    let mut found: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for path in sorted_entries(&corpus.join("pkg/config/checks"))? {
        let name = file_name(&path);
        if let Some(id) = name
            .strip_suffix(".yaml")
            .or_else(|| name.strip_suffix(".yml"))
        {
            found.entry(id.to_owned()).or_default();
        }
    }
    for dir in sorted_entries(&corpus.join("test/checks"))? {
        if !dir.is_dir() {
            continue;
        }
        let cases = found.entry(file_name(&dir)).or_default();
        for file in sorted_entries(&dir)? {
            let name = file_name(&file);
            if !is_yaml(&name) {
                continue;
            }
            let should_fail = if name.starts_with("failure") {
                true
            } else if name.starts_with("success") {
                false
            } else {
                continue; // check.yaml, mutated*.yaml
            };
            cases.push(Case {
                name,
                file,
                should_fail,
            });
        }
    }
    Ok(found)
}

/// Trivy's checks and their cases: each inline document of `<key>.good` /
/// `<key>.bad` (`key` is `kubernetes` or `dockerfile`) is written to its own
/// file under `out`: `<check>.<label>-<i>.yaml`, or
/// `<check>/<label>-<i>/Dockerfile` for a Dockerfile.
fn trivy_cases(
    corpus: &Path,
    out: &Path,
    key: &str,
) -> Result<BTreeMap<String, Vec<Case>>, String> {
    let mut found = BTreeMap::new();
    for path in sorted_entries(corpus)? {
        let name = file_name(&path);
        let Some(id) = name
            .strip_suffix(".yaml")
            .or_else(|| name.strip_suffix(".yml"))
        else {
            continue;
        };
        let docs = read_yaml(&path)?;
        let [doc] = docs.as_slice() else {
            return Err(format!(
                "{}: expected one document, found {}",
                path.display(),
                docs.len()
            ));
        };
        let examples = doc
            .get(key)
            .ok_or_else(|| format!("{}: no `{key}` key", path.display()))?;
        let mut cases = Vec::new();
        for (label, should_fail) in [("good", false), ("bad", true)] {
            let items = match examples.get(label) {
                None | Some(Json::Null) => &[][..],
                Some(Json::Array(items)) => items.as_slice(),
                Some(other) => {
                    return Err(format!(
                        "{}: `{key}.{label}` is not a list: {other}",
                        path.display()
                    ));
                }
            };
            for (index, item) in items.iter().enumerate() {
                let text = item.as_str().ok_or_else(|| {
                    format!("{}: {key}.{label}[{index}] is not a string", path.display())
                })?;
                let file = if key == "dockerfile" {
                    let dir = out.join(id).join(format!("{label}-{index}"));
                    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                    dir.join("Dockerfile")
                } else {
                    out.join(format!("{id}.{label}-{index}.yaml"))
                };
                std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
                cases.push(Case {
                    name: format!("{label}[{index}]"),
                    file,
                    should_fail,
                });
            }
        }
        found.insert(id.to_owned(), cases);
    }
    Ok(found)
}

fn verdict(fails: bool) -> &'static str {
    if fails { "fail" } else { "pass" }
}

/// A labelled case that disagrees, listed as a known difference.
struct Known {
    check: &'static str,
    case: String,
    should_fail: bool,
    reason: &'static str,
}

/// Scores every check of one corpus and fails the test on any unlisted
/// disagreement, stale list entry or ratchet drop.
fn score(
    label: &str,
    corpus: &Path,
    checks: &[Check],
    known_differences: &[KnownDifference],
    floor: &Floor,
    found: &BTreeMap<String, Vec<Case>>,
    runner: &Runner,
) {
    let mut failures: Vec<String> = Vec::new();
    let ids: BTreeSet<&str> = checks.iter().map(|c| c.id).collect();
    if ids.len() != checks.len() {
        failures.push("a check appears twice in the mapping table".to_owned());
    }
    for id in found.keys() {
        if !ids.contains(id.as_str()) {
            failures.push(format!(
                "{id}: in the corpus but not in the mapping table (map it or mark it not covered)"
            ));
        }
    }
    for entry in known_differences {
        let mapped = checks
            .iter()
            .any(|c| c.id == entry.check && matches!(c.mapping, Mapping::Controls { .. }));
        if !mapped {
            failures.push(format!(
                "known differences name {}, which is not a mapped check",
                entry.check
            ));
        }
        let cases = found
            .get(entry.check)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for name in entry.cases {
            if !cases.iter().any(|c| c.name == *name) {
                failures.push(format!(
                    "known differences name {} {name}, which the corpus does not hold",
                    entry.check
                ));
            }
        }
    }

    println!("{label} conformance ({})", corpus.display());
    let (mut mapped_checks, mut cases_total, mut agreed_total) = (0usize, 0usize, 0usize);
    let mut not_covered_lines = Vec::new();
    let mut not_covered_cases = 0usize;
    let mut known: Vec<Known> = Vec::new();
    for check in checks {
        let Some(cases) = found.get(check.id) else {
            failures.push(format!(
                "{}: in the mapping table but not in the corpus",
                check.id
            ));
            continue;
        };
        let (controls, facet) = match check.mapping {
            Mapping::NotCovered(reason) => {
                not_covered_cases += cases.len();
                not_covered_lines.push(format!("  {} ({} cases): {reason}", check.id, cases.len()));
                continue;
            }
            Mapping::Controls { controls, facet } => (controls, facet),
        };
        mapped_checks += 1;
        if cases.is_empty() {
            failures.push(format!("{}: mapped, but the corpus has no case", check.id));
        }
        let mut agreed = 0usize;
        let mut known_here = 0usize;
        let mut disagreements = Vec::new();
        for case in cases {
            let scan = match runner.scan(controls, &case.file) {
                Ok(scan) => scan,
                Err(e) => {
                    failures.push(format!("{} {}: {e}", check.id, case.name));
                    continue;
                }
            };
            if scan.resources == 0 {
                failures.push(format!(
                    "{} {}: Palisade evaluated no resource in {}",
                    check.id,
                    case.name,
                    case.file.display()
                ));
                continue;
            }
            let counted: Vec<&Finding> = scan
                .findings
                .iter()
                .filter(|f| controls.contains(&f.control.as_str()))
                .filter(|f| {
                    facet.is_empty()
                        || facet
                            .iter()
                            .any(|n| f.field.contains(n) || f.message.contains(n))
                })
                .collect();
            let fails = !counted.is_empty();
            let listed = known_differences
                .iter()
                .find(|k| k.check == check.id && k.cases.contains(&case.name.as_str()));
            if fails == case.should_fail {
                agreed += 1;
                if listed.is_some() {
                    failures.push(format!(
                        "{} {} is a known difference but now agrees (expected {}): remove it",
                        check.id,
                        case.name,
                        verdict(case.should_fail)
                    ));
                }
            } else if let Some(entry) = listed {
                known_here += 1;
                known.push(Known {
                    check: check.id,
                    case: case.name.clone(),
                    should_fail: case.should_fail,
                    reason: entry.reason,
                });
            } else {
                let mut line = format!(
                    "{} {}: expected {}, got {}",
                    check.id,
                    case.name,
                    verdict(case.should_fail),
                    verdict(fails)
                );
                if let Some(first) = counted.first() {
                    let _ = write!(line, " [{}: {}]", first.control, first.message);
                }
                disagreements.push(line);
            }
        }
        cases_total += cases.len();
        agreed_total += agreed;
        let mut mapping = controls.join(", ");
        if !facet.is_empty() {
            let needles: Vec<String> = facet.iter().map(|n| format!("{n:?}")).collect();
            let _ = write!(mapping, "; only findings naming {}", needles.join(" or "));
        }
        println!(
            "  {}: {agreed}/{} agreed [{mapping}]{}",
            check.id,
            cases.len(),
            if known_here == 0 {
                String::new()
            } else {
                format!(", {known_here} known difference(s)")
            }
        );
        for line in &disagreements {
            println!("    DISAGREE {line}");
        }
        failures.extend(disagreements);
    }

    println!(
        "{label}: not covered ({} checks, {not_covered_cases} cases):",
        not_covered_lines.len()
    );
    for line in &not_covered_lines {
        println!("{line}");
    }
    println!("{label}: known differences ({} cases):", known.len());
    let mut by_reason: Vec<(&str, Vec<&Known>)> = Vec::new();
    for k in &known {
        match by_reason.iter_mut().find(|(reason, _)| *reason == k.reason) {
            Some((_, group)) => group.push(k),
            None => by_reason.push((k.reason, vec![k])),
        }
    }
    for (reason, group) in &by_reason {
        for k in group {
            println!(
                "  {} {}: expected {}, got {}",
                k.check,
                k.case,
                verdict(k.should_fail),
                verdict(!k.should_fail)
            );
        }
        println!("    reason: {reason}");
    }
    println!(
        "SUMMARY {label}: {mapped_checks} checks mapped (floor {}), {} not covered \
         ({not_covered_cases} cases); cases agreed {agreed_total}/{cases_total} (floor {}), \
         {} known difference(s), {} unlisted disagreement(s)",
        floor.mapped_checks,
        not_covered_lines.len(),
        floor.agreed_cases,
        known.len(),
        cases_total - agreed_total - known.len(),
    );

    if mapped_checks < floor.mapped_checks {
        failures.push(format!(
            "ratchet: {mapped_checks} mapped checks, below the floor of {}",
            floor.mapped_checks
        ));
    }
    if agreed_total < floor.agreed_cases {
        failures.push(format!(
            "ratchet: {agreed_total} agreed cases, below the floor of {}",
            floor.agreed_cases
        ));
    }
    if mapped_checks > floor.mapped_checks || agreed_total > floor.agreed_cases {
        println!(
            "ratchet: raise the {label} floor to {mapped_checks} mapped checks and \
             {agreed_total} agreed cases"
        );
    }
    assert!(
        failures.is_empty(),
        "{label} conformance failed:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn polaris_conformance() {
    let Some(corpus) = corpus_dir(POLARIS) else {
        return;
    };
    let found = polaris_cases(&corpus).unwrap_or_else(|e| panic!("cannot read Polaris: {e}"));
    let runner = Runner::new();
    score(
        "polaris",
        &corpus,
        POLARIS_CHECKS,
        POLARIS_KNOWN_DIFFERENCES,
        &POLARIS_FLOOR,
        &found,
        &runner,
    );
}

#[test]
fn trivy_conformance() {
    let Some(corpus) = corpus_dir(TRIVY) else {
        return;
    };
    let runner = Runner::new();
    let out = runner.dir.path().join("cases");
    std::fs::create_dir(&out).expect("create the cases directory");
    let found = trivy_cases(&corpus, &out, "kubernetes")
        .unwrap_or_else(|e| panic!("cannot read Trivy: {e}"));
    score(
        "trivy",
        &corpus,
        TRIVY_CHECKS,
        TRIVY_KNOWN_DIFFERENCES,
        &TRIVY_FLOOR,
        &found,
        &runner,
    );
}

#[test]
fn trivy_docker_conformance() {
    let Some(corpus) = corpus_dir(TRIVY_DOCKER) else {
        return;
    };
    let runner = Runner::new();
    let out = runner.dir.path().join("cases");
    std::fs::create_dir(&out).expect("create the cases directory");
    let found = trivy_cases(&corpus, &out, "dockerfile")
        .unwrap_or_else(|e| panic!("cannot read Trivy's Dockerfile examples: {e}"));
    score(
        "trivy-docker",
        &corpus,
        TRIVY_DOCKER_CHECKS,
        TRIVY_DOCKER_KNOWN_DIFFERENCES,
        &TRIVY_DOCKER_FLOOR,
        &found,
        &runner,
    );
}
