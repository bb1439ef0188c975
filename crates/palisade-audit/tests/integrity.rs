//! The file-integrity verdict per host (PCI DSS 11.5.2) from the events
//! `palisade fim` writes, judged at chosen times: compared within the
//! period, overdue, changed; and where each host's baseline is anchored.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palisade_audit::{
    AnyStore, AuditFinding, AuditWaiver, Decision, Event, IntegrityVerdict, Reader, Resource,
    Source, Store, Timestamp,
};
use palisade_model::Severity;

const T0: i64 = 1_795_000_000_000;
const DAY: i64 = 86_400_000;

fn event(host: &str, action: &str, day: i64, baseline: &str, findings: Vec<AuditFinding>) -> Event {
    let decision = match (action, findings.iter().any(|f| !f.is_waived())) {
        ("fim-compare", true) => Decision::Denied,
        ("fim-accept", _) => Decision::Waived,
        _ => Decision::Allowed,
    };
    Event {
        time: Timestamp::from_millis(T0 + day * DAY),
        source: Source::Node {
            host: host.into(),
            action: action.into(),
            baseline: baseline.into(),
            previous: None,
            user: "alice".into(),
        },
        resource: Resource {
            api_version: String::new(),
            kind: palisade_audit::INTEGRITY_KIND.into(),
            namespace: None,
            name: Some(host.into()),
        },
        decision,
        reason: None,
        findings,
        policy_version: "sha256:p".into(),
        palisade_version: "0.1.0".into(),
    }
}

fn finding(waived: bool) -> AuditFinding {
    AuditFinding {
        control: "file-integrity-file-added".into(),
        severity: Severity::High,
        message: "added".into(),
        action: None,
        waiver: waived.then(|| AuditWaiver {
            justification: "CHG-1".into(),
            owner: Some("platform".into()),
            ticket: None,
            expires: Some("2099-01-01".into()),
            source: "baseline approval".into(),
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_host_is_judged_on_its_newest_compare_and_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    let store = AnyStore::open(&url).await.unwrap();
    let events = vec![
        event("a", "fim-baseline", 0, "sha256:a1", vec![]),
        event("b", "fim-baseline", 0, "sha256:b1", vec![]),
        event("c", "fim-baseline", 0, "sha256:c1", vec![]),
        event("d", "fim-baseline", 0, "sha256:d1", vec![]),
        event("b", "fim-compare", 1, "sha256:b1", vec![]),
        event("a", "fim-compare", 2, "sha256:a1", vec![]),
        // b changed after its clean compare.
        event("b", "fim-compare", 2, "sha256:b1", vec![finding(false)]),
        // d's change is approved for a while.
        event("d", "fim-compare", 2, "sha256:d1", vec![finding(true)]),
        // a's baseline is replaced by an approval: the newest anchor.
        event("a", "fim-accept", 3, "sha256:a2", vec![finding(true)]),
    ];
    store.append("fim", &events).await.unwrap();
    let reader = Reader::new(store);
    let verdicts = |day: i64| {
        let reader = &reader;
        async move {
            reader
                .integrity_status(Timestamp::from_millis(T0 + day * DAY), 7 * DAY)
                .await
                .unwrap()
                .into_iter()
                .map(|h| (h.host, h.verdict))
                .collect::<Vec<_>>()
        }
    };
    let s = |t: &str| t.to_owned();
    use IntegrityVerdict::*;
    assert_eq!(
        verdicts(4).await,
        [
            (s("a"), Pass),
            (s("b"), Changed),
            (s("c"), Pass),
            (s("d"), Pass)
        ]
    );
    // Day 9: c's baseline (day 0) is over a week old and it was never
    // compared; the others' compares (day 2) are a week old exactly.
    assert_eq!(
        verdicts(9).await,
        [
            (s("a"), Pass),
            (s("b"), Changed),
            (s("c"), Overdue),
            (s("d"), Pass)
        ]
    );
    // Day 10: every newest compare is older than a week; a's approval (day
    // 3, after its last compare) is its newest evidence, a week old exactly.
    assert_eq!(
        verdicts(10).await,
        [
            (s("a"), Pass),
            (s("b"), Overdue),
            (s("c"), Overdue),
            (s("d"), Overdue)
        ]
    );
    assert_eq!(verdicts(11).await[0], (s("a"), Overdue));
    let status = reader
        .integrity_status(Timestamp::from_millis(T0 + 4 * DAY), 7 * DAY)
        .await
        .unwrap();
    assert_eq!(
        status[0].baseline, "sha256:a2",
        "the approval is a's anchor now"
    );
    assert_eq!(status[1].unapproved, 1);
    assert_eq!(status[2].compared_at, None);
    assert_eq!(
        status[0].compared_at, None,
        "a's compare judged the replaced baseline"
    );
    assert_eq!(status[3].unapproved, 0, "a waived finding is approved");

    let anchor = reader.integrity_anchor("a").await.unwrap().unwrap();
    assert_eq!(anchor.seq, 9);
    assert!(reader.integrity_anchor("nobody").await.unwrap().is_none());
}
