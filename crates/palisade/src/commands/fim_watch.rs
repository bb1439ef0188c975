//! `palisade fim watch`: a compare at start, then whenever a watched path
//! changes (inotify, through the `notify` crate), and at least every
//! `--every`. Events are hints, never evidence: a burst of them gives one
//! compare once the writes settle, and a lost one (an overflowed queue, a
//! change while the agent was down) is caught by the next periodic
//! compare, which reads everything again.

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use notify::{RecursiveMode, Watcher};
use palisade_load::host::HostRoot;
use palisade_load::integrity::Baseline;

use crate::cli::FimWatchArgs;

pub fn run(args: &FimWatchArgs, mut compare: impl FnMut() -> Result<ExitCode>) -> Result<ExitCode> {
    let fim = &args.compare.fim;
    let baseline = Baseline::read(&fim.baseline)?;
    let profile = baseline.profile.profile()?;
    let root = HostRoot::new(&fim.root);
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading files (the compare itself) is no change.
        let change = event.map_or(true, |e| !e.kind.is_access());
        if change {
            let _ = tx.send(());
        }
    })
    .context("cannot start the file watcher")?;
    let mut watched = 0;
    for start in profile.starts() {
        let Some((local, mode)) = watchable(&root, &start) else {
            continue;
        };
        match watcher.watch(&local, mode) {
            Ok(()) => watched += 1,
            Err(e) => eprintln!(
                "palisade: warning: {start} is not watched ({e}); the periodic compare still covers it"
            ),
        }
    }
    eprintln!(
        "palisade: watching {watched} locations of profile {} under {}; a compare at least every {}s",
        profile.name,
        root.dir().display(),
        args.every
    );
    let every = Duration::from_secs(args.every.max(1));
    let settle = Duration::from_millis(args.settle_ms);
    loop {
        match compare() {
            Ok(code) => eprintln!("palisade: compare done ({code:?})"),
            Err(error) => eprintln!("palisade: compare failed: {error:#}"),
        }
        match rx.recv_timeout(every) {
            Ok(()) => {
                // One compare for a burst: wait for the writes to settle.
                std::thread::sleep(settle);
                while rx.try_recv().is_ok() {}
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => bail!("the file watcher stopped"),
        }
    }
}

/// Where to watch for changes under `start`: the folder itself
/// (recursively), a file's folder (so its replacement by rename is seen),
/// or the nearest existing folder above a path not there yet.
fn watchable(root: &HostRoot, start: &str) -> Option<(std::path::PathBuf, RecursiveMode)> {
    let resolved = root.resolve(start).ok()?;
    let mut local = resolved.local;
    if local.is_dir() {
        return Some((local, RecursiveMode::Recursive));
    }
    while !local.is_dir() {
        if !local.pop() || !local.starts_with(root.dir()) {
            return None;
        }
    }
    Some((local, RecursiveMode::NonRecursive))
}
