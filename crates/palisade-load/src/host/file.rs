//! The facts of one host file that benchmarks judge: its permission bits,
//! its owner and group (numbers, and names from the host's own
//! `/etc/passwd` and `/etc/group`, never the scanner's), and the links
//! that led to it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::root::HostRoot;

/// A host file's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileFacts {
    /// The path as the component names it.
    pub path: String,
    /// The path after following links, when they led elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    /// The links followed (`link -> target`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// What is there.
    pub state: FileState,
}

/// What a path holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FileState {
    /// A file or folder (of the resolved path: a link is judged by what
    /// it protects, and reported as a link).
    Present {
        /// `file`, `directory`, `socket`, ...
        #[serde(rename = "type")]
        file_type: &'static str,
        /// Permission bits with setuid, setgid and sticky (`0o7777` mask).
        mode: u32,
        uid: u32,
        gid: u32,
        /// The owner's name in the host's `/etc/passwd`, if listed.
        #[serde(skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// The group's name in the host's `/etc/group`, if listed.
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    /// Nothing is there.
    Missing,
    /// It could not be read, and why.
    Unreadable { reason: String },
}

impl FileFacts {
    /// `rw-------`-style octal of the mode (`600`), when present.
    pub fn mode_octal(&self) -> Option<String> {
        match &self.state {
            FileState::Present { mode, .. } => Some(format!("{mode:o}")),
            _ => None,
        }
    }
}

/// User and group names of the host, by number, and who is in which group.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    users: BTreeMap<u32, String>,
    groups: BTreeMap<u32, String>,
    /// The files' text, read once, for the questions the tables do not
    /// answer (who is in a group, and on which line).
    passwd: String,
    group: String,
}

/// A member of a group, and the line that makes it one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// `/etc/group` (listed on the group's line) or `/etc/passwd` (the
    /// group is the user's primary group).
    pub file: &'static str,
    /// 1-based.
    pub line: u32,
}

impl Accounts {
    /// Reads the host's `/etc/passwd` and `/etc/group` (either may be
    /// missing: numbers are then reported without names).
    pub fn read(root: &HostRoot) -> Accounts {
        let passwd = root.read_text("/etc/passwd").unwrap_or_default();
        let group = root.read_text("/etc/group").unwrap_or_default();
        Accounts {
            users: parse_table(&passwd),
            groups: parse_table(&group),
            passwd,
            group,
        }
    }

    /// The members of the group `name`, sorted by name: those its line of
    /// `/etc/group` lists, then the users whose primary group it is (each
    /// once, where it is first named). Empty when there is no such group.
    pub fn members_of(&self, name: &str) -> Vec<Member> {
        let line_number = |n: usize| u32::try_from(n + 1).unwrap_or(u32::MAX);
        let Some((line, gid, listed)) = self.group.lines().enumerate().find_map(|(n, line)| {
            let fields: Vec<&str> = line.split(':').collect();
            match fields.as_slice() {
                [group, _, gid, members, ..] if *group == name => Some((n, *gid, *members)),
                _ => None,
            }
        }) else {
            return Vec::new();
        };
        let mut members: Vec<Member> = listed
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|member| Member {
                name: member.to_owned(),
                file: "/etc/group",
                line: line_number(line),
            })
            .collect();
        for (n, entry) in self.passwd.lines().enumerate() {
            let fields: Vec<&str> = entry.split(':').collect();
            if let [user, _, _, primary, ..] = fields.as_slice()
                && *primary == gid
                && !members.iter().any(|m| m.name == *user)
            {
                members.push(Member {
                    name: (*user).to_owned(),
                    file: "/etc/passwd",
                    line: line_number(n),
                });
            }
        }
        members.sort_by(|a, b| a.name.cmp(&b.name));
        members
    }

    /// The user named for `uid`.
    pub fn user(&self, uid: u32) -> Option<&str> {
        self.users.get(&uid).map(String::as_str)
    }

    /// The group named for `gid`.
    pub fn group(&self, gid: u32) -> Option<&str> {
        self.groups.get(&gid).map(String::as_str)
    }
}

/// `name:password:id:...` lines (both files share the layout up to the
/// number); the first name listed for a number wins, as `getpwuid` does.
fn parse_table(text: &str) -> BTreeMap<u32, String> {
    let mut table = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        if let Ok(id) = id.parse::<u32>() {
            table.entry(id).or_insert_with(|| name.to_owned());
        }
    }
    table
}

/// The facts of the host file `path`.
pub fn facts(root: &HostRoot, accounts: &Accounts, path: &str) -> FileFacts {
    let resolved = match root.resolve(path) {
        Ok(resolved) => resolved,
        Err(e) => {
            return FileFacts {
                path: path.to_owned(),
                resolved: None,
                links: Vec::new(),
                state: FileState::Unreadable {
                    reason: e.to_string(),
                },
            };
        }
    };
    let state = match std::fs::metadata(&resolved.local) {
        Ok(meta) => present(&meta, accounts),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Missing,
        Err(e) => FileState::Unreadable {
            reason: e.to_string(),
        },
    };
    FileFacts {
        path: path.to_owned(),
        resolved: (resolved.host_path != path).then_some(resolved.host_path),
        links: resolved.links,
        state,
    }
}

#[cfg(unix)]
fn present(meta: &std::fs::Metadata, accounts: &Accounts) -> FileState {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let t = meta.file_type();
    let file_type = if t.is_dir() {
        "directory"
    } else if t.is_file() {
        "file"
    } else if t.is_socket() {
        "socket"
    } else if t.is_fifo() {
        "fifo"
    } else if t.is_block_device() || t.is_char_device() {
        "device"
    } else {
        "other"
    };
    FileState::Present {
        file_type,
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
        owner: accounts.user(meta.uid()).map(str::to_owned),
        group: accounts.group(meta.gid()).map(str::to_owned),
    }
}

#[cfg(not(unix))]
fn present(_meta: &std::fs::Metadata, _accounts: &Accounts) -> FileState {
    FileState::Unreadable {
        reason: "file modes and owners are read on Unix hosts only".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_come_from_the_hosts_own_tables() {
        let table = parse_table(
            "root:x:0:0:root:/root:/bin/bash\n# c\nadmin:x:0:0::/:/bin/sh\nkube:x:998:998::/:\nbad line\n",
        );
        assert_eq!(table.get(&0).map(String::as_str), Some("root"));
        assert_eq!(table.get(&998).map(String::as_str), Some("kube"));
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn a_groups_members_are_listed_and_primary_once_with_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/group"),
            "root:x:0:
docker:x:999:ci, alice
",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh
alice:x:1000:999::/:
build:x:1001:999::/:
",
        )
        .unwrap();
        let accounts = Accounts::read(&HostRoot::new(dir.path()));
        let members: Vec<(String, &str, u32)> = accounts
            .members_of("docker")
            .into_iter()
            .map(|m| (m.name, m.file, m.line))
            .collect();
        assert_eq!(
            members,
            [
                ("alice".to_owned(), "/etc/group", 2),
                ("build".to_owned(), "/etc/passwd", 3),
                ("ci".to_owned(), "/etc/group", 2),
            ]
        );
        assert!(accounts.members_of("wheel").is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn facts_follow_links_and_report_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        let uid = rustix::process::geteuid().as_raw();
        std::fs::write(
            dir.path().join("etc/passwd"),
            format!("owner:x:{uid}:{uid}::/:\n"),
        )
        .unwrap();
        std::fs::write(dir.path().join("etc/real.conf"), "x").unwrap();
        std::fs::set_permissions(
            dir.path().join("etc/real.conf"),
            std::fs::Permissions::from_mode(0o4640),
        )
        .unwrap();
        std::os::unix::fs::symlink("real.conf", dir.path().join("etc/link.conf")).unwrap();
        let root = HostRoot::new(dir.path());
        let accounts = Accounts::read(&root);
        let f = facts(&root, &accounts, "/etc/link.conf");
        assert_eq!(f.resolved.as_deref(), Some("/etc/real.conf"));
        assert_eq!(f.links, ["/etc/link.conf -> real.conf"]);
        assert_eq!(f.mode_octal().as_deref(), Some("4640"));
        assert!(matches!(&f.state, FileState::Present { owner: Some(o), .. } if o == "owner"));
        assert_eq!(
            facts(&root, &accounts, "/etc/none").state,
            FileState::Missing
        );
    }
}
