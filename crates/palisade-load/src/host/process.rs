//! Running components, found in the host's `/proc` (mounted with hostPID)
//! by their command line: `/proc/<pid>/comm` is cut to 15 characters
//! (`kube-controller`), so only `argv` names a component reliably.

use std::path::Path;
use std::sync::Arc;

use super::flags::Arg;
use super::origin::Origin;

/// A command line longer than this is not read whole (the kernel's own
/// limit on arguments is about this size).
const MAX_CMDLINE: u64 = 2 * 1024 * 1024;

/// A running process of a component.
#[derive(Debug, Clone)]
pub struct Process {
    pub pid: u32,
    /// The arguments after the program (and after `kubelet` for
    /// `hyperkube kubelet`), each with its origin.
    pub args: Vec<Arg>,
    /// `/proc/<pid>/cmdline`, as the host names it.
    pub cmdline: Arc<str>,
}

/// The processes under `proc` whose program is `binary` (its file name,
/// or `hyperkube <binary>`), by pid.
pub fn find(proc: &Path, binary: &str) -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir(proc) else {
        return Vec::new();
    };
    let mut found: Vec<Process> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let argv = read_argv(&proc.join(pid.to_string()).join("cmdline"))?;
            let skip = program_words(&argv, binary)?;
            let cmdline: Arc<str> = format!("/proc/{pid}/cmdline").into();
            let args = argv
                .into_iter()
                .enumerate()
                .skip(skip)
                .map(|(i, text)| Arg {
                    text,
                    origin: Origin::at(&cmdline, 0, 0, format!("argument {i} of process {pid}")),
                })
                .collect();
            Some(Process { pid, args, cmdline })
        })
        .collect();
    found.sort_by_key(|p| p.pid);
    found
}

/// At most `limit` bytes of a `/proc` file. Files there are not regular
/// (their size reads 0), so the host root's bounded reader does not apply;
/// this is the one capped reader of the host's `/proc`.
pub(crate) fn read_proc(path: &Path, limit: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(limit)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

fn read_argv(path: &Path) -> Option<Vec<String>> {
    let bytes = read_proc(path, MAX_CMDLINE)?;
    let argv: Vec<String> = bytes
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    (!argv.is_empty()).then_some(argv)
}

/// How many leading words name the program, when it is `binary` (its file
/// name, or `hyperkube <binary>`).
pub fn program_words(argv: &[String], binary: &str) -> Option<usize> {
    let name = |word: &String| word.rsplit('/').next().map(str::to_owned);
    let first = name(argv.first()?)?;
    if first == binary {
        return Some(1);
    }
    (first == "hyperkube" && argv.get(1).is_some_and(|w| w == binary)).then_some(2)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn components_are_found_by_argv() {
        let dir = tempfile::tempdir().unwrap();
        let write = |pid: &str, argv: &[&str]| {
            std::fs::create_dir_all(dir.path().join(pid)).unwrap();
            let mut bytes = argv.join("\0").into_bytes();
            bytes.push(0);
            std::fs::write(dir.path().join(pid).join("cmdline"), bytes).unwrap();
        };
        write(
            "812",
            &["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"],
        );
        write("90", &["hyperkube", "kubelet", "--anonymous-auth=false"]);
        write("91", &["/usr/bin/kubelet-wrapper", "--x"]);
        write("92", &["grep", "kubelet"]);
        std::fs::create_dir_all(dir.path().join("self")).unwrap();
        let found = find(dir.path(), "kubelet");
        assert_eq!(found.iter().map(|p| p.pid).collect::<Vec<_>>(), [90, 812]);
        assert_eq!(found[0].args[0].text, "--anonymous-auth=false");
        assert_eq!(found[0].args[0].origin.what, "argument 2 of process 90");
        assert_eq!(&*found[1].cmdline, "/proc/812/cmdline");
    }
}
