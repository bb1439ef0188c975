//! Conformance harness: Kyverno's Pod Security Standards policies
//! (`kyverno-policies/pod-security/`, kyverno/policies @ b9c4317c).
//!
//! Every policy folder there carries a Kyverno CLI test,
//! `<policy>/.kyverno-test/kyverno-test.yaml`, whose `results` label resources
//! of `resource.yaml` as `pass`, `fail` or `skip` for one rule of the policy.
//! Nobody on this project wrote those labels; this test scores Palisade's
//! verdicts against them.
//!
//! How a case is scored:
//! - [`POLICIES`] maps each policy folder to the Palisade controls that cover
//!   it (or to a whole framework, or to "not covered").
//! - The binary runs once per policy folder:
//!   `palisade scan --format json --fail-on critical --control <ID>... <resource files>`
//!   (exit status 0 or 1 are both fine; anything else fails the test).
//! - A case is one `(rule, kind, name)` of the test's `results`. The resource
//!   *fails* when any finding of a mapped control names it (same kind and
//!   name). Where one Kyverno policy splits a single PSS check over several
//!   rules, [`RULE_FACETS`] narrows the findings that count for a rule to
//!   those about the rule's field (see there).
//! - Expected `fail` must fail, `pass` must pass; `skip` (Kyverno did not
//!   apply the rule) is scored as `pass` and counted separately.
//!
//! Kyverno expands its Pod rules to Deployments, CronJobs and the other pod
//! controllers (autogen); Palisade finds the pod spec in every workload kind,
//! so those cases are scored the same way.
//!
//! Palisade implements the upstream Pod Security Admission semantics
//! (`shared/specs/pod-security-standards.md`, "the spec"). Where Kyverno's
//! label differs from what upstream PSA decides, the case is listed in
//! [`KNOWN_DIFFERENCES`] with the spec section that decides it; every other
//! disagreement fails the test. A listed case that starts agreeing fails the
//! test too, so the list only ever holds real differences.
//!
//! The corpus lives outside the repository
//! (`$CARGO_MANIFEST_DIR/../../../shared/conformance`, or
//! `$PALISADE_CONFORMANCE_DIR` pointing at the `conformance` folder). When it
//! is missing the test prints so and passes, unless
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

/// The corpus folder inside `conformance/`.
const CORPUS: &str = "kyverno-policies/pod-security";

/// How Palisade evaluates one Kyverno policy.
enum Eval {
    /// `--control <ID>` for each listed control; only findings of these
    /// controls count.
    Controls(&'static [&'static str]),
    /// `--framework <name>`; every finding counts except those of the
    /// `ignore` controls.
    Framework {
        name: &'static str,
        ignore: &'static [&'static str],
    },
    /// No Palisade control covers this policy (the reason says why).
    NotCovered(&'static str),
}

impl Eval {
    /// The command-line arguments that select the controls.
    fn args(&self) -> Vec<String> {
        match self {
            Eval::Controls(controls) => controls
                .iter()
                .flat_map(|c| ["--control".to_owned(), (*c).to_owned()])
                .collect(),
            Eval::Framework { name, .. } => vec!["--framework".to_owned(), (*name).to_owned()],
            Eval::NotCovered(_) => Vec::new(),
        }
    }

    /// Whether a finding of `control` counts against the resource.
    fn counts(&self, control: &str) -> bool {
        match self {
            Eval::Controls(controls) => controls.contains(&control),
            Eval::Framework { ignore, .. } => !ignore.contains(&control),
            Eval::NotCovered(_) => false,
        }
    }
}

/// One Kyverno policy folder (path relative to the corpus) and its mapping.
struct Policy {
    path: &'static str,
    eval: Eval,
}

/// The mapping from Kyverno policy to Palisade controls. Every folder of the
/// corpus with a `.kyverno-test/kyverno-test.yaml` must appear here, and every
/// entry must exist in the corpus.
const POLICIES: &[Policy] = &[
    // Baseline.
    Policy {
        path: "baseline/disallow-capabilities",
        eval: Eval::Controls(&["non-default-capabilities"]),
    },
    Policy {
        path: "baseline/disallow-host-namespaces",
        eval: Eval::Controls(&["host-namespaces"]),
    },
    Policy {
        path: "baseline/disallow-host-path",
        eval: Eval::Controls(&["host-path-volumes"]),
    },
    Policy {
        path: "baseline/disallow-host-ports",
        eval: Eval::Controls(&["host-ports"]),
    },
    Policy {
        path: "baseline/disallow-host-ports-range",
        eval: Eval::NotCovered(
            "allows hostPorts 5000-6000; not a Pod Security Standards check \
             (PSS forbids every non-zero hostPort, spec 3.6)",
        ),
    },
    Policy {
        path: "baseline/disallow-host-process",
        eval: Eval::Controls(&["windows-host-process"]),
    },
    Policy {
        path: "baseline/disallow-privileged-containers",
        eval: Eval::Controls(&["privileged-container"]),
    },
    Policy {
        path: "baseline/disallow-proc-mount",
        eval: Eval::Controls(&["unmasked-proc-mount"]),
    },
    Policy {
        path: "baseline/disallow-selinux",
        eval: Eval::Controls(&["forbidden-selinux-options"]),
    },
    Policy {
        path: "baseline/restrict-apparmor-profiles",
        eval: Eval::Controls(&["forbidden-apparmor-profile"]),
    },
    Policy {
        path: "baseline/restrict-seccomp",
        eval: Eval::Controls(&["forbidden-seccomp-profile"]),
    },
    Policy {
        path: "baseline/restrict-sysctls",
        eval: Eval::Controls(&["unsafe-sysctls"]),
    },
    // Restricted.
    Policy {
        path: "restricted/disallow-capabilities-strict",
        eval: Eval::Controls(&["capabilities-not-restricted"]),
    },
    Policy {
        path: "restricted/disallow-privilege-escalation",
        eval: Eval::Controls(&["privilege-escalation-allowed"]),
    },
    Policy {
        path: "restricted/require-run-as-non-root-user",
        eval: Eval::Controls(&["run-as-root-user"]),
    },
    Policy {
        path: "restricted/require-run-as-nonroot",
        eval: Eval::Controls(&["missing-run-as-non-root"]),
    },
    Policy {
        path: "restricted/restrict-seccomp-strict",
        eval: Eval::Controls(&["missing-seccomp-profile"]),
    },
    Policy {
        path: "restricted/restrict-volume-types",
        eval: Eval::Controls(&["restricted-volume-types"]),
    },
    // Kyverno's `validate.podSecurity` subrule runs the upstream PSA library
    // itself, so these map to whole levels.
    Policy {
        path: "subrule/podsecurity-subrule-baseline",
        eval: Eval::Framework {
            name: "pss-baseline",
            ignore: &[],
        },
    },
    Policy {
        path: "subrule/restricted/restricted-latest",
        eval: Eval::Framework {
            name: "pss-restricted",
            ignore: &[],
        },
    },
    // `exclude: [{controlName: Capabilities, images: [ghcr.io/kyverno/test-nginx*, redis*]}]`
    // is scoped to images, which a control list cannot express; the one case
    // it changes is a known difference.
    Policy {
        path: "subrule/restricted/restricted-exclude-capabilities",
        eval: Eval::Framework {
            name: "pss-restricted",
            ignore: &[],
        },
    },
    // `exclude: [{controlName: Seccomp}, {controlName: Seccomp, images: ['*']}]`
    // exempts the Seccomp control for every container and the pod, which is
    // exactly "restricted without the seccomp controls".
    Policy {
        path: "subrule/restricted/restricted-exclude-seccomp",
        eval: Eval::Framework {
            name: "pss-restricted",
            ignore: &["forbidden-seccomp-profile", "missing-seccomp-profile"],
        },
    },
];

/// A Kyverno rule that covers only part of one PSS check.
///
/// `restricted/disallow-capabilities-strict` splits PSA's
/// `capabilities_restricted` (spec 4.6: drop must contain `ALL` *and* add
/// may only hold `NET_BIND_SERVICE`) into two rules, and its test labels the
/// `adding-capabilities-strict` cases without dropping `ALL`. For such a rule
/// only findings whose `field` or `message` contains one of `needles` count.
/// The needles are the field names that PSA's own details name
/// (`... must set securityContext.capabilities.drop=["ALL"]`,
/// `... must not include "X" in securityContext.capabilities.add`).
struct RuleFacet {
    policy: &'static str,
    rule: &'static str,
    needles: &'static [&'static str],
}

const RULE_FACETS: &[RuleFacet] = &[
    RuleFacet {
        policy: "restricted/disallow-capabilities-strict",
        rule: "require-drop-all",
        needles: &["capabilities.drop"],
    },
    RuleFacet {
        policy: "restricted/disallow-capabilities-strict",
        rule: "adding-capabilities-strict",
        needles: &["capabilities.add"],
    },
];

/// A case where Kyverno's label and upstream PSA (the spec) disagree, so
/// Palisade is expected to disagree with Kyverno. Keep this list minimal:
/// only differences verified against the spec belong here.
struct KnownDifference {
    /// Policy folder, relative to the corpus.
    policy: &'static str,
    kind: &'static str,
    name: &'static str,
    /// Why upstream PSA decides differently, citing the spec.
    reason: &'static str,
}

const KNOWN_DIFFERENCES: &[KnownDifference] = &[KnownDifference {
    policy: "subrule/restricted/restricted-exclude-capabilities",
    kind: "Pod",
    name: "goodpod01",
    reason: "Kyverno's podSecurity `exclude` exempts the Capabilities control for images \
             ghcr.io/kyverno/test-nginx*; upstream PSA has no per-control or per-image \
             exemptions (spec 2.5: every in-force check runs; 6.3: exemptions are only \
             usernames, namespaces and runtime classes), and the container adds SYS_ADMIN, \
             which capabilities_restricted forbids at restricted:latest (spec 4.6)",
}];

/// What a Kyverno test expects of one case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expected {
    Pass,
    Fail,
    Skip,
}

impl Expected {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "pass" => Some(Expected::Pass),
            "fail" => Some(Expected::Fail),
            "skip" => Some(Expected::Skip),
            _ => None,
        }
    }

    fn should_fail(self) -> bool {
        self == Expected::Fail
    }

    fn label(self) -> &'static str {
        match self {
            Expected::Pass => "pass",
            Expected::Fail => "fail",
            Expected::Skip => "skip",
        }
    }
}

/// One labelled case of a Kyverno test.
#[derive(Debug)]
struct Case {
    rule: String,
    kind: String,
    name: String,
    expected: Expected,
}

/// A Kyverno CLI test: the resource files (absolute) and the cases.
struct KyvernoTest {
    resource_files: Vec<PathBuf>,
    cases: Vec<Case>,
}

/// One finding of Palisade's JSON output, reduced to what scoring needs.
struct Finding {
    control: String,
    kind: String,
    name: String,
    field: String,
    message: String,
}

/// Counts for the final summary line.
#[derive(Default)]
struct Totals {
    mapped: usize,
    not_covered: usize,
    cases: usize,
    agreed: usize,
    known: usize,
    skips: usize,
    not_covered_cases: usize,
}

/// Admission cases (`.chainsaw-test/`) where Kyverno's classic policy and
/// upstream PSA at `latest` disagree, grouped by reason. Each was checked
/// against the spec; an entry that starts to agree is reported as stale.
struct AdmissionDifference {
    policy: &'static str,
    /// `(kind, name)` of each object.
    objects: &'static [(&'static str, &'static str)],
    /// Why upstream PSA decides differently, citing the spec.
    reason: &'static str,
}

const KNOWN_ADMISSION_DIFFERENCES: &[AdmissionDifference] = &[
    AdmissionDifference {
        policy: "baseline/disallow-proc-mount",
        objects: &[
            ("Pod", "badpod01"),
            ("Pod", "badpod02"),
            ("Pod", "badpod03"),
            ("Pod", "badpod04"),
            ("Pod", "badpod05"),
        ],
        reason: "every pod sets hostUsers: false; from v1.35 upstream's baseline procMount check allows \
         any procMount in a user namespace (spec 3.10); Kyverno's policy predates that relaxation",
    },
    AdmissionDifference {
        policy: "baseline/disallow-selinux",
        objects: &[
            ("Pod", "badpod01-new"),
            ("Pod", "badpod03-new"),
            ("Pod", "badpod04-new"),
            ("Deployment", "baddeployment01-new"),
            ("CronJob", "badcronjob01-new"),
        ],
        reason: "the only SELinux type set is container_engine_t (with allowed types), which upstream \
         allows from v1.31 (spec 3.9); Kyverno's policy does not",
    },
    AdmissionDifference {
        policy: "subrule/restricted/restricted-exclude-capabilities",
        objects: &[
            ("Pod", "goodpod12"),
            ("Pod", "goodpod13"),
            ("Deployment", "gooddeployment12"),
            ("CronJob", "goodcronjob12"),
        ],
        reason: "Kyverno's podSecurity `exclude` exempts the Capabilities control for some images; \
         upstream PSA has no per-control or per-image exemption (spec 2.5, 6.3) and these \
         containers add SYS_ADMIN (spec 4.6)",
    },
];

fn known_admission_difference(policy: &str, kind: &str, name: &str) -> Option<&'static str> {
    KNOWN_ADMISSION_DIFFERENCES
        .iter()
        .find(|d| d.policy == policy && d.objects.contains(&(kind, name)))
        .map(|d| d.reason)
}

/// The admission cases of `.chainsaw-test/`: every object in a `*-good.yaml`
/// file must be admitted (no finding of the mapped controls) and every object
/// in a `*-bad.yaml` file denied.
#[test]
fn kyverno_chainsaw_admission_cases() {
    let Some(corpus) = corpus_dir(CORPUS) else {
        return;
    };
    let mut failures = Vec::new();
    let (mut agreed, mut total, mut policies, mut known) = (0usize, 0usize, 0usize, 0usize);
    println!(
        "Kyverno pod-security admission cases ({})",
        corpus.display()
    );
    for policy in POLICIES {
        if matches!(policy.eval, Eval::NotCovered(_)) {
            continue;
        }
        let dir = corpus.join(policy.path).join(".chainsaw-test");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|f| {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            name.ends_with("-good.yaml") || name.ends_with("-bad.yaml")
        });
        files.sort();
        if files.is_empty() {
            continue;
        }
        policies += 1;
        let (mut policy_agreed, mut policy_total) = (0usize, 0usize);
        for file in &files {
            let should_fail = file.to_string_lossy().ends_with("-bad.yaml");
            let objects = match read_yaml(file) {
                Ok(docs) => docs,
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            let findings = match run_palisade(&policy.eval.args(), std::slice::from_ref(file)) {
                Ok(findings) => findings,
                Err(e) => {
                    failures.push(format!("{}: {e}", policy.path));
                    continue;
                }
            };
            for object in objects {
                let kind = object["kind"].as_str().unwrap_or_default();
                let name = object["metadata"]["name"].as_str().unwrap_or_default();
                let failed = findings
                    .iter()
                    .any(|f| f.kind == kind && f.name == name && policy.eval.counts(&f.control));
                policy_total += 1;
                let difference = known_admission_difference(policy.path, kind, name);
                if failed == should_fail {
                    policy_agreed += 1;
                    if difference.is_some() {
                        failures.push(format!(
                            "{}: {kind}/{name} is listed in KNOWN_ADMISSION_DIFFERENCES but now agrees: remove it",
                            policy.path
                        ));
                    }
                } else if let Some(reason) = difference {
                    known += 1;
                    println!("    known difference {kind}/{name}: {reason}");
                } else {
                    failures.push(format!(
                        "{}: {} {kind}/{name}: expected {}, got {}",
                        policy.path,
                        file.file_name().unwrap_or_default().to_string_lossy(),
                        if should_fail { "denied" } else { "admitted" },
                        if failed { "denied" } else { "admitted" },
                    ));
                }
            }
        }
        println!("  {}: {policy_agreed}/{policy_total} agreed", policy.path);
        agreed += policy_agreed;
        total += policy_total;
    }
    println!(
        "SUMMARY kyverno admission cases: {policies} policies; cases agreed {agreed}/{total} ({known} known differences)"
    );
    assert!(
        total > 0,
        "no admission cases found under {}",
        corpus.display()
    );
    assert!(
        failures.is_empty(),
        "Kyverno admission cases disagree:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn kyverno_pod_security_conformance() {
    let Some(corpus) = corpus_dir(CORPUS) else {
        return;
    };

    let mut failures: Vec<String> = Vec::new();
    let mut totals = Totals::default();

    let found = match find_tests(&corpus) {
        Ok(found) => found,
        Err(e) => panic!("cannot list {}: {e}", corpus.display()),
    };
    let mapped_paths: BTreeSet<&str> = POLICIES.iter().map(|p| p.path).collect();
    for path in &found {
        if !mapped_paths.contains(path.as_str()) {
            failures.push(format!(
                "{path}: has a kyverno-test.yaml but no entry in POLICIES (map it or mark it not covered)"
            ));
        }
    }
    for entry in KNOWN_DIFFERENCES {
        if !mapped_paths.contains(entry.policy) {
            failures.push(format!(
                "KNOWN_DIFFERENCES names {}, which is not in POLICIES",
                entry.policy
            ));
        }
    }

    println!("Kyverno pod-security conformance ({})", corpus.display());
    let mut not_covered_lines = Vec::new();
    for policy in POLICIES {
        if !found.contains(policy.path) {
            failures.push(format!(
                "{}: in POLICIES but the corpus has no {0}/.kyverno-test/kyverno-test.yaml",
                policy.path
            ));
            continue;
        }
        let test = match read_kyverno_test(&corpus, policy.path) {
            Ok(test) => test,
            Err(e) => {
                failures.push(format!("{}: {e}", policy.path));
                continue;
            }
        };
        if let Eval::NotCovered(reason) = policy.eval {
            totals.not_covered += 1;
            totals.not_covered_cases += test.cases.len();
            not_covered_lines.push(format!(
                "  {}: NOT COVERED ({} cases): {reason}",
                policy.path,
                test.cases.len()
            ));
            continue;
        }
        totals.mapped += 1;
        match score_policy(policy, &test, &mut totals) {
            Ok((report, policy_failures)) => {
                print!("{report}");
                failures.extend(policy_failures);
            }
            Err(e) => failures.push(format!("{}: {e}", policy.path)),
        }
    }
    for line in &not_covered_lines {
        println!("{line}");
    }
    println!(
        "SUMMARY kyverno pod-security: {} policies mapped, {} not covered ({} cases); \
         cases agreed {}/{} ({} known differences, {} skips scored as pass)",
        totals.mapped,
        totals.not_covered,
        totals.not_covered_cases,
        totals.agreed,
        totals.cases,
        totals.known,
        totals.skips,
    );

    assert!(
        failures.is_empty(),
        "Kyverno pod-security conformance failed:\n  {}",
        failures.join("\n  ")
    );
}

/// Scores one mapped policy: runs the binary, compares every case, and
/// returns the printed report plus the failures it found.
fn score_policy(
    policy: &Policy,
    test: &KyvernoTest,
    totals: &mut Totals,
) -> Result<(String, Vec<String>), String> {
    if let Eval::NotCovered(_) = policy.eval {
        return Err("not covered; nothing to score".to_owned());
    }
    let findings: Vec<Finding> = run_palisade(&policy.eval.args(), &test.resource_files)?
        .into_iter()
        .filter(|f| policy.eval.counts(&f.control))
        .collect();
    let present = resources_in(&test.resource_files)?;

    let mut report = String::new();
    let mut failures = Vec::new();
    let mut agreed = 0usize;
    let mut skips = 0usize;
    let mut disagreements = Vec::new();
    let mut known_lines = Vec::new();

    for case in &test.cases {
        if case.expected == Expected::Skip {
            skips += 1;
        }
        if !present.contains(&(case.kind.clone(), case.name.clone())) {
            disagreements.push(format!(
                "{}/{} (rule {}): expected {}, but no such resource in the resource files",
                case.kind,
                case.name,
                case.rule,
                case.expected.label()
            ));
            continue;
        }
        let facet = RULE_FACETS
            .iter()
            .find(|f| f.policy == policy.path && f.rule == case.rule);
        let about_case: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.kind == case.kind && f.name == case.name)
            .collect();
        let relevant = |f: &&Finding| {
            facet.is_none_or(|facet| {
                facet
                    .needles
                    .iter()
                    .any(|n| f.field.contains(n) || f.message.contains(n))
            })
        };
        let got_fail = about_case.iter().any(relevant);
        let got = if got_fail { "fail" } else { "pass" };
        let known = KNOWN_DIFFERENCES
            .iter()
            .find(|k| k.policy == policy.path && k.kind == case.kind && k.name == case.name);
        if got_fail == case.expected.should_fail() {
            if known.is_some() {
                failures.push(format!(
                    "{}: {}/{} is in KNOWN_DIFFERENCES but now agrees with Kyverno ({got}); remove the entry",
                    policy.path, case.kind, case.name
                ));
            }
            agreed += 1;
            continue;
        }
        if let Some(known) = known {
            known_lines.push(format!(
                "    known difference {}/{} (rule {}): expected {}, got {got}: {}",
                case.kind,
                case.name,
                case.rule,
                case.expected.label(),
                known.reason
            ));
            continue;
        }
        let mut line = format!(
            "{}/{} (rule {}): expected {}, got {got}",
            case.kind,
            case.name,
            case.rule,
            case.expected.label()
        );
        if let Some(first) = about_case.first() {
            let ignored = about_case.iter().filter(|f| !relevant(f)).count();
            let _ = write!(
                line,
                " [{} finding(s), {ignored} outside the rule's facet; first: {}: {}]",
                about_case.len(),
                first.control,
                first.message
            );
        }
        disagreements.push(line);
    }

    let total = test.cases.len();
    totals.cases += total;
    totals.agreed += agreed;
    totals.known += known_lines.len();
    totals.skips += skips;

    let controls = match policy.eval {
        Eval::Controls(controls) => controls.join(", "),
        Eval::Framework { name, ignore: [] } => format!("framework {name}"),
        Eval::Framework { name, ignore } => {
            format!("framework {name} without {}", ignore.join(", "))
        }
        Eval::NotCovered(_) => String::new(),
    };
    let _ = writeln!(
        report,
        "  {}: {agreed}/{total} agreed [{controls}]{}{}",
        policy.path,
        if known_lines.is_empty() {
            String::new()
        } else {
            format!(", {} known difference(s)", known_lines.len())
        },
        if skips == 0 {
            String::new()
        } else {
            format!(", {skips} skip(s) scored as pass")
        },
    );
    for line in &disagreements {
        let _ = writeln!(report, "    DISAGREE {line}");
    }
    for line in &known_lines {
        let _ = writeln!(report, "{line}");
    }
    if !disagreements.is_empty() {
        failures.push(format!(
            "{}: {agreed}/{total} agreed; {} disagreement(s): {}",
            policy.path,
            disagreements.len(),
            disagreements.join("; ")
        ));
    }
    // An entry whose case agrees is reported in the loop above; an entry
    // whose case is not labelled at all is stale too.
    for k in KNOWN_DIFFERENCES.iter().filter(|k| k.policy == policy.path) {
        let listed = test
            .cases
            .iter()
            .any(|c| c.kind == k.kind && c.name == k.name);
        if !listed {
            failures.push(format!(
                "{}: KNOWN_DIFFERENCES names {}/{}, which its Kyverno test does not label",
                policy.path, k.kind, k.name
            ));
        }
    }
    Ok((report, failures))
}

/// Runs `palisade scan` on the resource files and returns its findings.
fn run_palisade(args: &[String], files: &[PathBuf]) -> Result<Vec<Finding>, String> {
    let output = support::binary()
        .args(["scan", "--format", "json", "--fail-on", "critical"])
        .args(args)
        .args(files)
        .output()
        .map_err(|e| format!("cannot run palisade: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0 | 1) => {}
        code => {
            return Err(format!(
                "palisade scan {} exited with {code:?}; stderr:\n{stderr}",
                args.join(" ")
            ));
        }
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
        return Err(format!(
            "palisade reported errors on the corpus: {}",
            rendered.join("; ")
        ));
    }
    let findings = json
        .get("findings")
        .and_then(Json::as_array)
        .ok_or_else(|| format!("palisade's JSON has no \"findings\" array: {json}"))?;
    findings
        .iter()
        .map(|f| {
            let text = |v: Option<&Json>| v.and_then(Json::as_str).unwrap_or_default().to_owned();
            let control = f
                .get("control")
                .and_then(Json::as_str)
                .ok_or_else(|| format!("finding without \"control\": {f}"))?
                .to_owned();
            let resource = f.get("resource");
            Ok(Finding {
                control,
                kind: text(resource.and_then(|r| r.get("kind"))),
                name: text(resource.and_then(|r| r.get("name"))),
                field: text(f.get("field")),
                message: text(f.get("message")),
            })
        })
        .collect()
}

/// Every policy folder (relative to the corpus, `/`-separated) that holds a
/// `.kyverno-test/kyverno-test.yaml`.
fn find_tests(corpus: &Path) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![corpus.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if entry.file_name() == ".kyverno-test" {
                if path.join("kyverno-test.yaml").is_file() {
                    let relative = dir
                        .strip_prefix(corpus)
                        .map_err(|e| format!("{}: {e}", dir.display()))?;
                    let parts: Vec<String> = relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    found.insert(parts.join("/"));
                }
            } else {
                stack.push(path);
            }
        }
    }
    Ok(found)
}

/// Reads `<policy>/.kyverno-test/kyverno-test.yaml`.
fn read_kyverno_test(corpus: &Path, policy: &str) -> Result<KyvernoTest, String> {
    let dir = corpus.join(policy).join(".kyverno-test");
    let path = dir.join("kyverno-test.yaml");
    let docs = read_yaml(&path)?;
    let [doc] = docs.as_slice() else {
        return Err(format!(
            "{}: expected one document, found {}",
            path.display(),
            docs.len()
        ));
    };
    let strings = |v: Option<&Json>| -> Vec<String> {
        match v {
            Some(Json::Array(items)) => items
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Json::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let resource_files: Vec<PathBuf> = strings(doc.get("resources"))
        .iter()
        .map(|r| dir.join(r))
        .collect();
    if resource_files.is_empty() {
        return Err(format!("{}: no `resources` files", path.display()));
    }
    let results = doc
        .get("results")
        .and_then(Json::as_array)
        .ok_or_else(|| format!("{}: no `results` list", path.display()))?;
    let mut cases: Vec<Case> = Vec::new();
    // Keyed by (rule, kind, name): a resource labelled twice for one rule
    // keeps the stricter label.
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for result in results {
        let field = |key: &str| result.get(key).and_then(Json::as_str).map(str::to_owned);
        let kind = field("kind")
            .ok_or_else(|| format!("{}: a result has no `kind`: {result}", path.display()))?;
        let rule = field("rule").unwrap_or_default();
        let label = field("result")
            .ok_or_else(|| format!("{}: a result has no `result`: {result}", path.display()))?;
        let expected = Expected::parse(&label)
            .ok_or_else(|| format!("{}: unknown result {label:?} in {result}", path.display()))?;
        let mut names = strings(result.get("resources"));
        names.extend(strings(result.get("resource")));
        if names.is_empty() {
            return Err(format!(
                "{}: a result names no resources: {result}",
                path.display()
            ));
        }
        for name in names {
            let key = (rule.clone(), kind.clone(), name.clone());
            if let Some(&index) = seen.get(&key) {
                if let Some(existing) = cases.get_mut(index)
                    && expected == Expected::Fail
                {
                    existing.expected = Expected::Fail;
                }
                continue;
            }
            seen.insert(key, cases.len());
            cases.push(Case {
                rule: rule.clone(),
                kind: kind.clone(),
                name,
                expected,
            });
        }
    }
    Ok(KyvernoTest {
        resource_files,
        cases,
    })
}

/// The (kind, name) of every object in the resource files, so that a label
/// for a resource the files do not hold is reported instead of passing.
fn resources_in(files: &[PathBuf]) -> Result<BTreeSet<(String, String)>, String> {
    let mut present = BTreeSet::new();
    for file in files {
        for doc in read_yaml(file)? {
            let kind = doc.get("kind").and_then(Json::as_str);
            let name = doc
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Json::as_str);
            if let (Some(kind), Some(name)) = (kind, name) {
                present.insert((kind.to_owned(), name.to_owned()));
            }
        }
    }
    Ok(present)
}
