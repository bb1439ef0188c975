//! A throwaway PostgreSQL server for tests and the benchmark: `initdb` and
//! `pg_ctl` from Debian's `postgresql` package (or `PALISADE_PG_BIN`), a
//! data directory in a temporary folder, listening on a free loopback port,
//! stopped when dropped.
//!
//! PostgreSQL refuses to run as root; as root the server runs as the
//! `postgres` user (created by the Debian package) through `runuser`.
//! Without the binaries the caller skips, unless PALISADE_REQUIRE_POSTGRES
//! is set (as in `.ci/run`), where their absence is a failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TestPostgres {
    bin: PathBuf,
    data: PathBuf,
    run_as: Option<String>,
    _dir: tempfile::TempDir,
    options: String,
    pub port: u16,
}

/// Where `initdb` and `pg_ctl` are, if anywhere.
fn find_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PALISADE_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    // Debian keeps the server binaries out of PATH, one folder per version.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| d.join("pg_ctl").is_file() && d.join("initdb").is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

impl TestPostgres {
    /// Starts a server, or returns None (after saying so) when PostgreSQL is
    /// not installed and not required. `durable: false` turns fsync off
    /// (tests); the benchmark keeps PostgreSQL's defaults.
    pub fn start(durable: bool) -> Option<TestPostgres> {
        let Some(bin) = find_bin() else {
            if std::env::var_os("PALISADE_REQUIRE_POSTGRES").is_some() {
                panic!(
                    "PostgreSQL binaries (initdb, pg_ctl) not found and PALISADE_REQUIRE_POSTGRES is set: apt-get install postgresql"
                );
            }
            eprintln!(
                "skipping PostgreSQL tests: initdb/pg_ctl not found (apt-get install postgresql, or set PALISADE_PG_BIN)"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let run_as = is_root().then(|| "postgres".to_owned());
        if let Some(user) = &run_as {
            let status = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "cannot give {} to {user}",
                dir.path().display()
            );
        }
        let data = dir.path().join("data");
        let port = free_port();
        let mut server = TestPostgres {
            bin,
            data,
            run_as,
            _dir: dir,
            options: String::new(),
            port,
        };
        let data_arg = server.data.display().to_string();
        server.run(
            "initdb",
            &[
                "-D",
                &data_arg,
                "-U",
                "palisade",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        );
        let socket_dir = server.data.display().to_string();
        let mut options = format!(
            "-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        );
        if !durable {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        server.options = options;
        server.resume();
        Some(server)
    }

    /// Starts the (stopped) server again, on the same port.
    pub fn resume(&self) {
        let data = self.data.display().to_string();
        let log = self.data.join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &data,
                "-o",
                &self.options,
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Stops the server at once, as a crash or an outage would.
    pub fn halt(&self) {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let output = command
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            output.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A URL for database `db` (created with [`TestPostgres::create_db`]).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://palisade@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates an empty database.
    pub async fn create_db(&self, db: &str) -> String {
        let (client, connection) =
            tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls)
                .await
                .expect("connect");
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .await
            .expect("create database");
        self.url(db)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let exe = self.bin.join("pg_ctl");
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let _ = command
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .output();
    }
}
