//! The extended attributes that decide what a file may do: its file
//! capabilities (`security.capability`, shown as `getcap` shows them), its
//! SELinux label, its POSIX ACLs (as `getfacl` writes them), and any other
//! `security.*` attribute (IMA, EVM, SMACK) as hex. User attributes
//! (`user.*`) and `trusted.*` say nothing about access and are left out.
//! Links are read themselves, never followed.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One attribute: its name and its value in words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Xattr {
    pub name: String,
    pub value: String,
}

/// Linux's largest attribute list and value.
const XATTR_MAX: usize = 64 * 1024;

/// The security-relevant attributes of `path`, sorted by name. A file
/// system without attributes has none; any other failure is an error.
pub fn read(path: &Path) -> Result<Vec<Xattr>, String> {
    let mut list = vec![0u8; XATTR_MAX];
    let len = match rustix::fs::llistxattr(path, &mut list[..]) {
        Ok(len) => len,
        Err(rustix::io::Errno::NOTSUP) => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list extended attributes: {e}")),
    };
    let mut value = vec![0u8; XATTR_MAX];
    let mut out = Vec::new();
    for name in list.get(..len).unwrap_or_default().split(|b| *b == 0) {
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        if !is_security_relevant(name) {
            continue;
        }
        let len = match rustix::fs::lgetxattr(path, name, &mut value[..]) {
            Ok(len) => len,
            // Removed between the list and the read.
            Err(rustix::io::Errno::NODATA) => continue,
            Err(e) => return Err(format!("cannot read {name}: {e}")),
        };
        let bytes = value.get(..len).unwrap_or_default();
        out.push(Xattr {
            name: name.to_owned(),
            value: describe(name, bytes),
        });
    }
    out.sort();
    Ok(out)
}

fn is_security_relevant(name: &str) -> bool {
    name.starts_with("security.") || name.starts_with("system.posix_acl_")
}

/// The value in words: capabilities and ACLs decoded, a label as text,
/// anything else (or anything malformed) as hex.
pub fn describe(name: &str, bytes: &[u8]) -> String {
    let decoded = match name {
        "security.capability" => capabilities(bytes),
        "system.posix_acl_access" | "system.posix_acl_default" => acl(bytes),
        "security.selinux" | "security.SMACK64" | "security.apparmor" => {
            std::str::from_utf8(bytes.strip_suffix(&[0]).unwrap_or(bytes))
                .ok()
                .map(str::to_owned)
        }
        _ => None,
    };
    decoded.unwrap_or_else(|| format!("0x{}", super::profile::hex(bytes)))
}

/// Capability names by number (`linux/capability.h`).
const CAPABILITIES: &[&str] = &[
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)?
        .try_into()
        .ok()
        .map(u32::from_le_bytes)
}

fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    bytes
        .get(at..at + 2)?
        .try_into()
        .ok()
        .map(u16::from_le_bytes)
}

/// `vfs_cap_data` as `getcap` prints it: `cap_net_raw,cap_sys_admin=ep`
/// (`e` effective, `i` inheritable, `p` permitted), with the namespace's
/// root user of a version 3 entry.
fn capabilities(bytes: &[u8]) -> Option<String> {
    let magic = le32(bytes, 0)?;
    let effective = magic & 1 != 0;
    let (words, rootid) = match magic & 0xFF00_0000 {
        0x0100_0000 if bytes.len() == 12 => (1, None),
        0x0200_0000 if bytes.len() == 20 => (2, None),
        0x0300_0000 if bytes.len() == 24 => (2, Some(le32(bytes, 20)?)),
        _ => return None,
    };
    let mut permitted = 0u64;
    let mut inheritable = 0u64;
    for word in 0..words {
        permitted |= u64::from(le32(bytes, 4 + word * 8)?) << (32 * word);
        inheritable |= u64::from(le32(bytes, 8 + word * 8)?) << (32 * word);
    }
    // Capabilities grouped by their flags, in the order of the numbers.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for bit in 0..64 {
        let (p, i) = (permitted >> bit & 1 == 1, inheritable >> bit & 1 == 1);
        if !p && !i {
            continue;
        }
        let mut flags = String::new();
        if effective && p {
            flags.push('e');
        }
        if i {
            flags.push('i');
        }
        if p {
            flags.push('p');
        }
        let name = CAPABILITIES
            .get(bit)
            .map_or_else(|| format!("cap_{bit}"), |n| format!("cap_{n}"));
        match groups.iter_mut().find(|(f, _)| *f == flags) {
            Some((_, names)) => names.push(name),
            None => groups.push((flags, vec![name])),
        }
    }
    let mut text = groups
        .iter()
        .map(|(flags, names)| format!("{}={flags}", names.join(",")))
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        text.push_str("(none)");
    }
    if let Some(rootid) = rootid {
        text.push_str(&format!(" [rootid={rootid}]"));
    }
    Some(text)
}

/// `posix_acl_xattr` as `getfacl` writes it, entries joined by commas.
fn acl(bytes: &[u8]) -> Option<String> {
    if le32(bytes, 0)? != 2 || !(bytes.len() - 4).is_multiple_of(8) {
        return None;
    }
    let mut entries = Vec::new();
    for entry in bytes.get(4..)?.chunks_exact(8) {
        let tag = le16(entry, 0)?;
        let perm = le16(entry, 2)?;
        let id = le32(entry, 4)?;
        let rwx: String = [(4, 'r'), (2, 'w'), (1, 'x')]
            .iter()
            .map(|(bit, c)| if perm & bit != 0 { *c } else { '-' })
            .collect();
        let who = match tag {
            0x01 => "user::".to_owned(),
            0x02 => format!("user:{id}:"),
            0x04 => "group::".to_owned(),
            0x08 => format!("group:{id}:"),
            0x10 => "mask::".to_owned(),
            0x20 => "other::".to_owned(),
            _ => return None,
        };
        entries.push(format!("{who}{rwx}"));
    }
    Some(entries.join(","))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn capabilities_read_as_getcap_prints_them() {
        // setcap cap_net_raw,cap_net_admin+ep: version 2, effective.
        let mut v2 = vec![0x01, 0, 0, 0x02];
        v2.extend((1u32 << 12 | 1 << 13).to_le_bytes());
        v2.extend([0; 12]);
        assert_eq!(
            describe("security.capability", &v2),
            "cap_net_admin,cap_net_raw=ep"
        );
        // Version 3 with inheritable bpf (bit 39) and a namespace root.
        let mut v3 = vec![0, 0, 0, 0x03];
        v3.extend(0u32.to_le_bytes());
        v3.extend(0u32.to_le_bytes());
        v3.extend(0u32.to_le_bytes());
        v3.extend((1u32 << 7).to_le_bytes());
        v3.extend(100_000u32.to_le_bytes());
        assert_eq!(
            describe("security.capability", &v3),
            "cap_bpf=i [rootid=100000]"
        );
        assert_eq!(describe("security.capability", &[1, 2, 3]), "0x010203");
    }

    #[test]
    fn acls_read_as_getfacl_writes_them() {
        let mut bytes = 2u32.to_le_bytes().to_vec();
        for (tag, perm, id) in [
            (1u16, 6u16, u32::MAX),
            (2, 4, 1000),
            (4, 4, u32::MAX),
            (16, 4, u32::MAX),
            (32, 0, u32::MAX),
        ] {
            bytes.extend(tag.to_le_bytes());
            bytes.extend(perm.to_le_bytes());
            bytes.extend(id.to_le_bytes());
        }
        assert_eq!(
            describe("system.posix_acl_access", &bytes),
            "user::rw-,user:1000:r--,group::r--,mask::r--,other::---"
        );
    }

    #[test]
    fn labels_are_text() {
        assert_eq!(
            describe("security.selinux", b"system_u:object_r:kubelet_exec_t:s0\0"),
            "system_u:object_r:kubelet_exec_t:s0"
        );
    }
}
