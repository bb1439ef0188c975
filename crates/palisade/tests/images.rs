//! End-to-end tests of image scanning through the `palisade` binary. The
//! images are built here (tar and JSON written by the test): no daemon, no
//! registry.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Output;

use palisade_testkit::image::{self as build, Entry, OciLayout};
use serde_json::{Value, json};

mod support;

fn palisade(args: &[&str], dir: &Path) -> Output {
    support::binary()
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `(file name, control, resource name)` of every finding, sorted.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["location"]["file"].as_str().unwrap();
            let name = Path::new(file).file_name().unwrap().to_string_lossy();
            (
                name.to_string(),
                f["control"].as_str().unwrap().to_owned(),
                f["resource"]["name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// An image config JSON.
fn config(user: &str, env: &[&str], ports: &[&str], healthcheck: bool) -> Vec<u8> {
    let mut config = json!({
        "User": user,
        "Env": env,
        "ExposedPorts": ports.iter().map(|p| (p.to_string(), json!({}))).collect::<serde_json::Map<_, _>>(),
        "Cmd": ["/app"],
    });
    if healthcheck {
        config["Healthcheck"] = json!({"Test": ["CMD", "/app", "health"]});
    }
    build::config(config)
}

#[test]
fn images_are_found_loaded_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let app = build::layer(&[("app", Entry::File(0o755, b"binary"))]);

    // A root image exposing SSH with a password in its environment.
    let bad = config(
        "",
        &["PATH=/usr/bin", "DB_PASSWORD=hunter2-hunter2"],
        &["22/tcp"],
        false,
    );
    // Its second layer adds sudo, a world-writable file, a registry token
    // and apt lists, then a third deletes the token (still in layer 2).
    let dirty = build::layer(&[
        ("usr/bin/sudo", Entry::File(0o4755, b"elf")),
        ("app/config.yaml", Entry::File(0o666, b"x: 1")),
        (
            "root/.npmrc",
            Entry::File(0o600, b"//registry.npmjs.org/:_authToken=npm_0123456789\n"),
        ),
        (
            "var/lib/apt/lists/deb.debian.org_InRelease",
            Entry::File(0o644, b"Origin: Debian"),
        ),
    ]);
    let cleanup = build::layer(&[("root/.wh..npmrc", Entry::File(0o644, b""))]);
    std::fs::write(
        root.join("bad.tar"),
        build::docker_save(&bad, Some("acme/bad:1"), &[app.clone(), dirty, cleanup]),
    )
    .unwrap();

    // A clean image, as an OCI layout directory and as an OCI tar.
    let good = config("10001", &["PATH=/usr/bin"], &["8080/tcp"], true);
    let layout = OciLayout::new(
        &good,
        std::slice::from_ref(&app),
        json!({"io.containerd.image.name": "registry.example.com/acme/good:2"}),
    );
    layout.write_to(&root.join("layout"));
    std::fs::write(root.join("good-oci.tar"), layout.tar()).unwrap();
    let manifest_digest = layout.manifest_digest;

    // A bare config (root user) and `docker inspect` output.
    std::fs::write(root.join("config.json"), config("0", &[], &[], true)).unwrap();
    let inspect = json!([{"Id": "sha256:abc", "RepoTags": ["nginx:1.27"], "RepoDigests": ["nginx@sha256:def"],
        "Config": {"User": "nginx", "ExposedPorts": {"22/tcp": {}}, "Healthcheck": {"Test": ["CMD", "true"]}},
        "RootFS": {"Type": "layers", "Layers": []}}]);
    std::fs::write(root.join("inspect.json"), inspect.to_string()).unwrap();

    // Neither images nor manifests: skipped without error.
    std::fs::write(
        root.join("backup.tar"),
        build::tar(&[("notes.txt", Entry::File(0o644, b"x"))]),
    )
    .unwrap();
    std::fs::write(
        root.join("package.json"),
        r#"{"name": "x", "version": "1.0.0"}"#,
    )
    .unwrap();
    // A Kubernetes object in JSON is still one.
    std::fs::write(
        root.join("pod.json"),
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"nginx:1.27","securityContext":{"privileged":true}}]}}"#,
    )
    .unwrap();

    let out = palisade(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--control",
            "image-root-user",
            "--control",
            "image-expose-ssh",
            "--control",
            "image-secret-in-env",
            "--control",
            "image-healthcheck-missing",
            "--control",
            "privileged-container",
            "--control",
            "image-setuid-files",
            "--control",
            "image-world-writable-files",
            "--control",
            "image-secret-files",
            "--control",
            "image-package-cache",
        ],
        root,
    );
    let report = report(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 0, "{report:#}");
    let found = findings(&report);
    let expected = [
        ("bad.tar", "image-expose-ssh", "acme/bad:1"),
        ("bad.tar", "image-healthcheck-missing", "acme/bad:1"),
        ("bad.tar", "image-package-cache", "acme/bad:1"),
        ("bad.tar", "image-root-user", "acme/bad:1"),
        ("bad.tar", "image-secret-files", "acme/bad:1"),
        ("bad.tar", "image-secret-in-env", "acme/bad:1"),
        ("bad.tar", "image-setuid-files", "acme/bad:1"),
        ("bad.tar", "image-world-writable-files", "acme/bad:1"),
        ("config.json", "image-root-user", "./config.json"),
        ("inspect.json", "image-expose-ssh", "nginx:1.27"),
        ("pod.json", "privileged-container", "p"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(found, expected, "{report:#}");
    // Five image sources and the pod; backup.tar and package.json hold nothing.
    assert_eq!(report["summary"]["resources"], 6, "{report:#}");
    let secret = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "image-secret-in-env")
        .unwrap();
    assert_eq!(secret["resource"]["kind"], "Image");
    assert_eq!(secret["location"]["line"], 1);
    assert!(
        !secret.to_string().contains("hunter2"),
        "values are never printed"
    );
    let token = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "image-secret-files")
        .unwrap();
    assert!(
        token["message"].as_str().unwrap().contains("in layer 2"),
        "{token}"
    );
    assert!(
        !token.to_string().contains("npm_0123456789"),
        "values are never printed"
    );
    // The OCI layout's digest is the manifest's, as a registry computes it.
    let out = palisade(
        &[
            "scan",
            "layout",
            "--format",
            "json",
            "--control",
            "image-root-user",
        ],
        root,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(manifest_digest.starts_with("sha256:"));

    // A broken image is an error naming the file and the entry; exit 2.
    let mut broken = build::docker_save(&bad, Some("acme/broken:1"), &[app]);
    broken.truncate(1536);
    std::fs::write(root.join("broken.tar"), broken).unwrap();
    let out = palisade(&["scan", "broken.tar", "--format", "json"], root);
    assert_eq!(out.status.code(), Some(2));
    let report = self::report(&out);
    let error = &report["errors"][0];
    assert!(
        error["file"].as_str().unwrap().ends_with("broken.tar"),
        "{error}"
    );
}

/// `docker save` writes `manifest.json` last: an archive cut before it
/// (a copy interrupted, a download cut short) is an error and exits 2, not
/// a tar without an image, skipped.
#[test]
fn an_archive_cut_before_its_manifest_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let config = config("app", &[], &[], true);
    let layer = build::layer(&[("app", Entry::File(0o755, b"binary"))]);
    let whole = build::docker_save(&config, Some("acme/app:1"), std::slice::from_ref(&layer));
    // The same entries without the manifest, ending with its two zero
    // blocks: the archive cut exactly where the manifest's header starts
    // is that, less the zero blocks.
    let config_name = format!("{}.json", build::sha256_hex(&config));
    let rest = build::tar(&[
        (config_name.as_str(), Entry::File(0o644, config.as_slice())),
        ("layer0/layer.tar", Entry::File(0o644, layer.as_slice())),
    ]);
    let manifest_len = whole.len() - rest.len();
    let cut = &whole[manifest_len..whole.len() - 1024];
    // `docker_save` puts the manifest first; move it last, as docker does.
    let mut reordered = cut.to_vec();
    reordered.extend_from_slice(&whole[..manifest_len]);
    reordered.extend_from_slice(&[0; 1024]);
    std::fs::write(root.join("whole.tar"), &reordered).unwrap();
    let out = palisade(&["scan", "whole.tar", "--format", "json"], root);
    assert_eq!(
        report(&out)["errors"].as_array().unwrap().len(),
        0,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    std::fs::write(root.join("cut.tar"), cut).unwrap();
    let out = palisade(&["scan", "cut.tar", "--format", "json"], root);
    let report = report(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}");
    let error = &report["errors"][0];
    assert!(
        error["file"].as_str().unwrap().ends_with("cut.tar"),
        "{error}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("truncated tar archive"),
        "{error}"
    );
}

/// Drift prevention: `--allowed-digests FILE` and `allowed-digests:` in the
/// configuration, for images and for Kubernetes containers.
#[test]
fn allowed_digests_catch_drift() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let app = build::layer(&[("app", Entry::File(0o755, b"binary"))]);
    let approved = config("10001", &[], &[], true);
    let layout = OciLayout::new(
        &approved,
        std::slice::from_ref(&app),
        json!({"io.containerd.image.name": "registry.example.com/api:1.0"}),
    );
    layout.write_to(&root.join("approved"));
    let (files, approved_digest) = (layout.files, layout.manifest_digest);
    // The manifest digest is the SHA-256 of the manifest bytes, as stored.
    let manifest = files
        .iter()
        .find(|(p, _)| p.ends_with(approved_digest.trim_start_matches("sha256:")))
        .unwrap();
    assert_eq!(
        format!("sha256:{}", build::sha256_hex(&manifest.1)),
        approved_digest
    );
    // Rebuilt outside the release process: another config, another digest.
    let rebuilt = config("10001", &["DEBUG=1"], &[], true);
    std::fs::write(
        root.join("rebuilt.tar"),
        build::docker_save(&rebuilt, Some("registry.example.com/api:1.0"), &[app]),
    )
    .unwrap();
    let other = format!("sha256:{}", "d".repeat(64));
    std::fs::write(
        root.join("deploy.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: api, namespace: shop}}\nspec:\n  containers:\n  - {{name: ok, image: 'registry.example.com/api@{approved_digest}'}}\n  - {{name: drifted, image: 'registry.example.com/api@{other}'}}\n  - {{name: tagged, image: 'registry.example.com/api:1.0'}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("digests.txt"),
        format!("# approved releases\n{approved_digest}  # api 1.0\n"),
    )
    .unwrap();

    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "approved",
            "rebuilt.tar",
            "deploy.yaml",
            "--format",
            "json",
            "--control",
            "image-root-user",
        ];
        args.extend_from_slice(extra);
        palisade(&args, root)
    };
    // Without a list the control is inactive.
    let out = scan(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let expected = [
        ("deploy.yaml", "image-digest-not-allowed", "api"),
        ("deploy.yaml", "image-digest-not-allowed", "api"),
        (
            "rebuilt.tar",
            "image-digest-not-allowed",
            "registry.example.com/api:1.0",
        ),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    let out = scan(&["--allowed-digests", "digests.txt"]);
    let json = report(&out);
    assert_eq!(out.status.code(), Some(1), "{json:#}");
    assert_eq!(findings(&json), expected, "{json:#}");
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"drifted\"") && m.contains("not on the allowed digests list")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"tagged\"") && m.contains("cannot be verified")),
        "{messages:?}"
    );

    // The same list in the configuration.
    std::fs::write(
        root.join("palisade.yaml"),
        format!("allowed-digests:\n  - registry.example.com/api@{approved_digest}\n"),
    )
    .unwrap();
    let out = scan(&[]);
    assert_eq!(findings(&report(&out)), expected);

    // A broken list is an error naming its line.
    std::fs::write(root.join("bad.txt"), "# ok\nnginx:latest\n").unwrap();
    let out = scan(&["--allowed-digests", "bad.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.txt:2:") && stderr.contains("nginx:latest"),
        "{stderr}"
    );
}

/// Layers named by a digest are cached by it: a second scan finds the same,
/// a layer whose bytes changed under its name is still an error, and
/// `--no-image-cache` writes nothing.
#[test]
fn layer_results_are_cached_by_verified_digest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("scan");
    let cache = dir.path().join("cache");
    let layer = build::layer(&[
        ("app", Entry::File(0o755, b"binary")),
        ("usr/bin/sudo", Entry::File(0o4755, b"elf")),
        (
            "root/.npmrc",
            Entry::File(0o600, b"//registry.npmjs.org/:_authToken=npm_0123456789\n"),
        ),
    ]);
    let image = config("", &["PATH=/usr/bin"], &[], false);
    let layout = OciLayout::new(
        &image,
        std::slice::from_ref(&layer),
        json!({"io.containerd.image.name": "acme/cached:1"}),
    );
    layout.write_to(&root.join("layout"));
    let files = layout.files;
    let cache_arg = cache.to_str().unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--format", "json", "layout"];
        args.extend_from_slice(extra);
        palisade(&args, &root)
    };
    let cold = scan(&["--image-cache", cache_arg]);
    assert_eq!(cold.status.code(), Some(1), "{cold:?}");
    let entries = || std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0);
    assert_eq!(entries(), 1, "one layer, one entry");
    let warm = scan(&["--image-cache", cache_arg]);
    assert_eq!(findings(&report(&warm)), findings(&report(&cold)));
    let controls: Vec<String> = findings(&report(&warm)).into_iter().map(|f| f.1).collect();
    assert!(
        controls.iter().any(|c| c == "image-secret-files"),
        "{controls:?}"
    );
    assert!(
        controls.iter().any(|c| c == "image-setuid-files"),
        "{controls:?}"
    );

    // Off: nothing is read or written, whatever names a folder.
    let unused = dir.path().join("unused");
    let off = scan(&[
        "--image-cache",
        unused.to_str().unwrap(),
        "--no-image-cache",
    ]);
    assert_eq!(findings(&report(&off)), findings(&report(&cold)));
    assert!(!unused.exists());

    // Other bytes under the layer's name: refused, cache or no cache.
    let (blob, _) = files.iter().find(|(_, bytes)| *bytes == layer).unwrap();
    std::fs::write(
        root.join("layout").join(blob),
        build::layer(&[("app", Entry::File(0o755, b"other"))]),
    )
    .unwrap();
    let tampered = scan(&["--image-cache", cache_arg]);
    assert_eq!(tampered.status.code(), Some(2), "{tampered:?}");
    assert!(
        String::from_utf8_lossy(&tampered.stdout).contains("does not match its digest"),
        "{}",
        String::from_utf8_lossy(&tampered.stdout)
    );
}
