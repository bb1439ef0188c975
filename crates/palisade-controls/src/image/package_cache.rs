//! Package manager caches left in the image.

use palisade_load::image::{FileEntry, Image};
use palisade_model::{ControlMeta, Severity};

use super::file_field;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-package-cache",
        title: "Image keeps package manager caches",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags package manager caches left in a container image's final filesystem (layers merged in order, whiteouts applied), one finding per cache with its number of files and size:
- apt: package lists in `/var/lib/apt/lists/` and downloaded packages and caches in `/var/cache/apt/` (its `lock` files and empty `partial/` directories do not count);
- apk: `/var/cache/apk/` and `/etc/apk/cache/`;
- yum, dnf and zypper: `/var/cache/yum/`, `/var/cache/dnf/`, `/var/cache/zypp/`;
- pip: `.cache/pip/` in `/root` or a home directory;
- npm and yarn: `.npm/_cacache/` in `/root` or a home directory, `/usr/local/share/.cache/yarn/` and `.cache/yarn/`.

Only images whose layers were read are checked (a `docker save` tarball or an OCI layout).

## Why is this bad?
Caches make the image larger (often by tens of megabytes) for every pull and every node, and keep package indexes that scanners and attackers read as the image's software inventory although nothing uses them. Package lists also go stale, inviting an `apt-get install` in a running container against old indexes.

## How to fix
Clean the cache in the same `RUN` that fills it (a later `RUN rm` does not shrink the earlier layer), or do not write it at all:
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache curl
RUN pip install --no-cache-dir -r requirements.txt
RUN npm ci && npm cache clean --force
```
BuildKit cache mounts (`RUN --mount=type=cache,target=/var/cache/apt ...`) keep the cache between builds without putting it in the image.

## Example
```dockerfile
RUN apt-get update && apt-get install -y curl
```
Use instead:
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

## References
- Docker docs, "Best practices for writing Dockerfiles", apt-get: https://docs.docker.com/build/building/best-practices/#apt-get
"#;

/// A cache: what it is, where it lives, and which files in it count.
struct Cache {
    name: &'static str,
    /// The cache directory of `path`, if it lies in this cache.
    dir: fn(&str) -> Option<String>,
}

/// `prefix` itself when `path` lies below it.
fn below(path: &str, prefix: &str) -> Option<String> {
    path.strip_prefix(prefix)
        .filter(|rest| rest.starts_with('/'))
        .map(|_| prefix.to_owned())
}

/// `<home>/<dir>` when `path` lies below a home's `dir`: `/root/<dir>` or
/// `/home/<user>/<dir>`.
fn in_home(path: &str, dir: &str) -> Option<String> {
    let home = if path.starts_with("root/") {
        "root".to_owned()
    } else {
        let user = path.strip_prefix("home/")?.split('/').next()?;
        format!("home/{user}")
    };
    below(path, &format!("{home}/{dir}"))
}

const CACHES: &[Cache] = &[
    Cache {
        name: "the apt package lists",
        dir: |p| {
            below(p, "var/lib/apt/lists").filter(|_| {
                !p.ends_with("/lock") && !p.contains("/partial/") && !p.contains("/auxfiles/")
            })
        },
    },
    Cache {
        name: "the apt package cache",
        dir: |p| below(p, "var/cache/apt").filter(|_| !p.ends_with("/lock")),
    },
    Cache {
        name: "the apk package cache",
        dir: |p| below(p, "var/cache/apk").or_else(|| below(p, "etc/apk/cache")),
    },
    Cache {
        name: "the yum package cache",
        dir: |p| below(p, "var/cache/yum"),
    },
    Cache {
        name: "the dnf package cache",
        dir: |p| below(p, "var/cache/dnf"),
    },
    Cache {
        name: "the zypper package cache",
        dir: |p| below(p, "var/cache/zypp"),
    },
    Cache {
        name: "the pip cache",
        dir: |p| in_home(p, ".cache/pip"),
    },
    Cache {
        name: "the npm cache",
        dir: |p| in_home(p, ".npm/_cacache"),
    },
    Cache {
        name: "the yarn cache",
        dir: |p| below(p, "usr/local/share/.cache/yarn").or_else(|| in_home(p, ".cache/yarn")),
    },
];

fn check(image: &Image, _: &Params) -> Vec<Violation> {
    let Some(filesystem) = &image.filesystem else {
        return Vec::new();
    };
    // (cache, directory) -> (files, bytes), in the order first found.
    let mut found: Vec<(&Cache, String, usize, u64)> = Vec::new();
    for (path, entry) in filesystem.iter().filter(|(_, e)| counts(e)) {
        for cache in CACHES {
            if let Some(dir) = (cache.dir)(path) {
                match found
                    .iter_mut()
                    .find(|(c, d, _, _)| std::ptr::eq(*c, cache) && *d == dir)
                {
                    Some((_, _, files, bytes)) => {
                        *files += 1;
                        *bytes = bytes.saturating_add(entry.size);
                    }
                    None => found.push((cache, dir, 1, entry.size)),
                }
                break;
            }
        }
    }
    found
        .into_iter()
        .map(|(cache, dir, files, bytes)| Violation {
            container: None,
            path: file_field(&dir),
            message: format!(
                "the image keeps {} in \"/{dir}\" ({files} file{}, {}); clean it in the RUN that fills it",
                cache.name,
                if files == 1 { "" } else { "s" },
                size(bytes)
            ),
        })
        .collect()
}

/// Regular files count; directories, links and empty files do not.
fn counts(entry: &FileEntry) -> bool {
    entry.is_file() && entry.size > 0
}

/// `12.3 MB`, `512 bytes`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("TB"))
}

#[cfg(test)]
mod tests {
    use palisade_load::image::FileEntry;

    use super::CONTROL;
    use crate::testing::{image_with_files, messages};

    fn file(size: usize) -> FileEntry {
        FileEntry::file(0o644, &vec![b'x'; size])
    }

    #[test]
    fn one_finding_per_cache() {
        let image = image_with_files(vec![
            vec![
                ("var/lib/apt/lists/lock", FileEntry::file(0o640, b"")),
                (
                    "var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease",
                    file(1500),
                ),
                (
                    "var/lib/apt/lists/deb.debian.org_dists_bookworm_main_Packages.lz4",
                    file(2_500_000),
                ),
                ("var/cache/apt/archives/lock", FileEntry::file(0o640, b"")),
                (
                    "var/cache/apt/archives/partial",
                    FileEntry::directory(0o700),
                ),
                ("var/cache/apk/APKINDEX.tar.gz", file(700)),
                ("root/.cache/pip/http/a", file(10)),
                ("home/app/.npm/_cacache/index-v5/b", file(10)),
                ("home/app/.npmrc", file(10)),
                ("usr/share/doc/x", file(10)),
            ],
            // A later layer removes the apk cache.
            vec![("var/cache/.wh.apk", FileEntry::file(0, b""))],
        ]);
        assert_eq!(
            messages(&CONTROL, &image),
            [
                r#"files["/home/app/.npm/_cacache"]: the image keeps the npm cache in "/home/app/.npm/_cacache" (1 file, 10 bytes); clean it in the RUN that fills it"#,
                r#"files["/root/.cache/pip"]: the image keeps the pip cache in "/root/.cache/pip" (1 file, 10 bytes); clean it in the RUN that fills it"#,
                r#"files["/var/lib/apt/lists"]: the image keeps the apt package lists in "/var/lib/apt/lists" (2 files, 2.5 MB); clean it in the RUN that fills it"#,
            ]
        );
    }

    #[test]
    fn a_cleaned_image_passes() {
        let image = image_with_files(vec![vec![
            ("var/lib/apt/lists", FileEntry::directory(0o755)),
            ("var/lib/apt/lists/partial", FileEntry::directory(0o700)),
            ("var/cache/apt/archives/lock", FileEntry::file(0o640, b"")),
            ("var/cache/apk", FileEntry::directory(0o755)),
        ]]);
        assert!(messages(&CONTROL, &image).is_empty());
    }
}
