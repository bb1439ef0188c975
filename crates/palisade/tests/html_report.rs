//! The HTML compliance report in a real browser: headless Chromium driven
//! through WebDriver (Debian's `chromium` and `chromium-driver`, the
//! `fantoccini` client). The page runs its script without error, draws its
//! charts, tells apart objects of one name in two files, filters offline,
//! shows markup planted in a manifest as text, fits a 1280 px window and a
//! 390 px phone without horizontal scrolling (on the real-world corpora
//! too, when they are here), and prints. Screenshots are saved under the
//! target directory as artifacts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod conformance;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use fantoccini::Client;
use palisade_testkit::browser::{self, Driver, overflow, run, start};
use serde_json::{Value, json};

const FRONTEND: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: web
        image: registry.example.com/web:2.0
        securityContext:
          privileged: true
"#;

/// The planted name: a manifest is untrusted input.
const PLANTED: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: "evil<script>window.planted=1</script>"
  namespace: shop
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.0
    securityContext:
      privileged: true
"#;

fn chromedriver() -> Option<PathBuf> {
    browser::chromedriver("the HTML report")
}

async fn browser(driver: &Driver) -> Client {
    browser::browser(driver, &[]).await
}

fn screenshots() -> PathBuf {
    browser::screenshots(env!("CARGO_TARGET_TMPDIR"))
}

fn report(dir: &Path, args: &[&str]) -> PathBuf {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", "html", "-o", "report.html"]);
    let out = support::palisade_in(dir, &all);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        support::stderr(&out)
    );
    dir.join("report.html")
}

#[tokio::test(flavor = "current_thread")]
async fn the_report_renders_filters_and_fits_in_chromium() {
    let Some(binary) = chromedriver() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("frontend.yaml"), FRONTEND).unwrap();
    }
    std::fs::write(dir.path().join("planted.yaml"), PLANTED).unwrap();
    std::fs::write(
        dir.path().join("palisade.yaml"),
        "exceptions:\n  - controls: [host-namespaces]\n    names: [frontend]\n    justification: the proxy needs the node's network\n    owner: platform-team\n    expires: 2099-01-01\n",
    )
    .unwrap();
    let page = report(
        dir.path(),
        &[
            "a",
            "b",
            "planted.yaml",
            "--framework",
            "pci-dss-4.0",
            "--framework",
            "pss-baseline",
        ],
    );
    let html = std::fs::read_to_string(&page).unwrap();
    for external in [
        "http://",
        "https://",
        "<script src",
        "<link",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(external), "external reference {external}");
    }
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "one script, the report's own"
    );

    let driver = start(&binary);
    let client = browser(&driver).await;
    client
        .goto(&format!("file://{}", page.display()))
        .await
        .unwrap();
    // The script ran to its end (it marks the page), the planted one never.
    assert_eq!(
        run(
            &client,
            "return document.documentElement.classList.contains('scripted');"
        )
        .await,
        json!(true)
    );
    assert_eq!(
        run(&client, "return window.planted === undefined;").await,
        json!(true)
    );
    assert_eq!(
        run(&client, "return document.scripts.length;").await,
        json!(1)
    );
    let text = run(&client, "return document.body.innerText;").await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains("evil<script>window.planted=1</script>"),
        "{text}"
    );
    // A chart per framework, with its numbers for screen readers.
    let charts = run(
        &client,
        "return Array.from(document.querySelectorAll('.card svg[role=img]')).map(s => s.getAttribute('aria-label'));",
    )
    .await;
    assert_eq!(charts.as_array().unwrap().len(), 2, "{charts}");
    assert!(charts[0].as_str().unwrap().contains("fail"), "{charts}");
    // Two Deployments named frontend, in two files: two groups.
    let groups = run(
        &client,
        "return Array.from(document.querySelectorAll('#findings details.resource > summary')).map(s => s.textContent);",
    )
    .await;
    let frontends: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|s| s.contains("Deployment/shop/frontend"))
        .collect();
    assert_eq!(frontends.len(), 2, "{groups}");
    assert!(frontends[0].contains("a/frontend.yaml") && frontends[1].contains("b/frontend.yaml"));
    // The waiver, with who and until when.
    assert!(
        text.contains("the proxy needs the node's network"),
        "{text}"
    );
    assert!(
        text.contains("platform-team") && text.contains("2099-01-01"),
        "{text}"
    );

    // Search: only b/'s findings stay, and the count says so.
    let total = run(
        &client,
        "return document.querySelectorAll('tr.finding').length;",
    )
    .await;
    let in_b = run(
        &client,
        "return Array.from(document.querySelectorAll('tr.finding')).filter(r => r.textContent.includes('b/frontend.yaml')).length;",
    )
    .await;
    let shown = run(
        &client,
        "var q = document.getElementById('filter-text'); q.value = 'b/frontend'; q.dispatchEvent(new Event('input')); return [document.getElementById('findings-shown').textContent, Array.from(document.querySelectorAll('tr.finding')).filter(r => !r.hidden && r.closest('details').hidden === false).length];",
    )
    .await;
    assert!(in_b.as_u64().unwrap() > 0 && in_b != total);
    assert_eq!(shown[0], json!(in_b.to_string()), "{shown}");
    assert_eq!(shown[1], in_b, "{shown}");
    // Severity boxes and requirement statuses filter too.
    let after = run(
        &client,
        "var q = document.getElementById('filter-text'); q.value = ''; q.dispatchEvent(new Event('input')); Array.from(document.querySelectorAll('input[name=severity]')).forEach(b => { b.checked = b.value === 'critical'; }); document.querySelector('input[name=severity]').dispatchEvent(new Event('input')); var first = document.querySelector('section.framework'); var pass = first.querySelector('input[name=status][value=pass]'); pass.checked = false; pass.dispatchEvent(new Event('input')); return [Array.from(document.querySelectorAll('tr.finding')).filter(r => !r.hidden).map(r => r.dataset.severity), Array.from(first.querySelectorAll('tr[data-status=pass]')).every(r => r.hidden), Array.from(document.querySelectorAll('section.framework')[1].querySelectorAll('tr[data-status=pass]')).some(r => !r.hidden)];",
    )
    .await;
    assert!(
        after[0].as_array().unwrap().iter().all(|s| s == "critical"),
        "{after}"
    );
    assert_eq!(after[1], json!(true), "{after}");
    assert_eq!(
        after[2],
        json!(true),
        "the other framework's rows stay: {after}"
    );

    // WCAG AA: text at least 4.5:1 against its background, for every
    // badge, muted note, link and cell (colours as the browser computed
    // them).
    let low = run(
        &client,
        r#"
        function rgb(c) { return c.match(/[\d.]+/g).slice(0, 3).map(Number); }
        function lum(c) { var v = rgb(c).map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }); return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; }
        function background(el) { while (el) { var b = getComputedStyle(el).backgroundColor; if (b && !/rgba\(0, 0, 0, 0\)|transparent/.test(b)) { return b; } el = el.parentElement; } return 'rgb(255, 255, 255)'; }
        var low = [];
        document.querySelectorAll('.badge, .muted, a, td, th, summary, li').forEach(function (el) {
          var a = lum(getComputedStyle(el).color), b = lum(background(el));
          var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          if (ratio < 4.5) { low.push(el.className + ' ' + ratio.toFixed(2) + ' ' + el.textContent.slice(0, 40)); }
        });
        return low;"#,
    )
    .await;
    assert_eq!(low, json!([]), "contrast below 4.5:1");

    // Fits a laptop window and a phone.
    client.refresh().await.unwrap();
    for width in [1280, 390] {
        assert_eq!(
            overflow(&client, width).await,
            0,
            "horizontal overflow at {width} px"
        );
        let png = client.screenshot().await.unwrap();
        std::fs::write(screenshots().join(format!("report-{width}.png")), png).unwrap();
    }
    client.close().await.unwrap();

    // Print to PDF (the print stylesheet: every section open, no filters).
    let chromium = support::installed(&support::CHROMIUM).expect("chromium beside chromium-driver");
    let pdf = screenshots().join("report.pdf");
    let printed = Command::new(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            &format!("--print-to-pdf={}", pdf.display()),
            &format!("file://{}", page.display()),
        ])
        .output()
        .unwrap();
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(
        bytes.starts_with(b"%PDF") && bytes.len() > 10_000,
        "{} bytes",
        bytes.len()
    );
}

/// The real-world corpora (the conformance suites' manifests) with PCI DSS:
/// the page that once ran 1,369 px wide in a 1,280 px window.
#[tokio::test(flavor = "current_thread")]
async fn the_real_world_report_fits_at_1280_and_390_px() {
    let Some(corpus) = conformance::corpus_dir(".") else {
        return;
    };
    let Some(binary) = chromedriver() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = report(
        dir.path(),
        &[corpus.to_str().unwrap(), "--framework", "pci-dss-4.0"],
    );
    let driver = start(&binary);
    let client = browser(&driver).await;
    client
        .goto(&format!("file://{}", page.display()))
        .await
        .unwrap();
    for width in [1280, 390] {
        assert_eq!(
            overflow(&client, width).await,
            0,
            "horizontal overflow at {width} px"
        );
    }
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join("report-real-world-390.png"), png).unwrap();
    client.close().await.unwrap();
}
