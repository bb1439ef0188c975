//! Headless Chromium for the browser tests: Debian's `chromium` and
//! `chromium-driver`, driven through WebDriver by `fantoccini`. Without
//! chromium-driver the tests say so and pass, unless
//! `PALISADE_REQUIRE_CHROMIUM` is set (CI sets it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

/// The first of `names` that runs with `--version`.
pub fn installed(names: &[&str]) -> Option<PathBuf> {
    names
        .iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(PathBuf::from)
}

/// Chromium, as the browser tests look for it.
pub const CHROMIUM: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// chromedriver, if installed; `what` names what goes untested without it.
pub fn chromedriver(what: &str) -> Option<PathBuf> {
    let found = installed(&["chromedriver", "/usr/lib/chromium/chromedriver"]);
    if found.is_none() {
        assert!(
            std::env::var_os("PALISADE_REQUIRE_CHROMIUM").is_none(),
            "chromium-driver is required here but not installed"
        );
        eprintln!("chromium-driver not installed: {what} is not tested in a browser");
    }
    found
}

/// A chromedriver on a free loopback port, stopped when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary` (a chromedriver) and waits until it listens.
pub fn start(binary: &Path) -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A headless browser session. `extra_args` go to Chromium as they are
/// (e.g. `--host-resolver-rules=...` to reach a test server by name).
pub async fn browser(driver: &Driver, extra_args: &[&str]) -> Client {
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
    ];
    args.extend_from_slice(extra_args);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), json!({ "args": args }));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap()
}

/// The page's width beyond the window's at `width`: 0 when nothing
/// scrolls sideways.
pub async fn overflow(client: &Client, width: u32) -> i64 {
    client.set_window_size(width, 900).await.unwrap();
    let sizes = run(
        client,
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
    )
    .await;
    sizes[0].as_i64().unwrap() - sizes[1].as_i64().unwrap()
}

/// Runs `script` in the page; its return value.
pub async fn run(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap()
}

/// Where screenshots go: `screenshots/` under `target_tmpdir` (a test's
/// `CARGO_TARGET_TMPDIR`), created.
pub fn screenshots(target_tmpdir: &str) -> PathBuf {
    let dir = Path::new(target_tmpdir).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
