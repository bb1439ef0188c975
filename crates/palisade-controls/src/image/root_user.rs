//! The image runs as root.

use palisade_load::image::Image;
use palisade_model::{ControlMeta, Severity};

use super::config_field;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-root-user",
        title: "Image runs as root (User unset, root or 0)",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags a container image whose config runs its process as root: `User` is empty (unset, so the runtime's default, root, applies), `root` or `0`, with or without a group (`0:0`, `root:wheel`). Any other user name or UID passes; a name is resolved by the runtime from the image's `/etc/passwd`, which Palisade does not check.

The image is read from a `docker save` tarball, an OCI layout, an image config or `docker inspect` output; the finding points at the image file.

## Why is this bad?
A process running as root inside a container is root on the host if it escapes (a kernel or runtime vulnerability, a mounted socket, a privileged setting added later), and can modify the whole container filesystem. Kubernetes' `runAsNonRoot` refuses such an image at run time, unless the pod sets a user itself.

## How to fix
Create an unprivileged user in the image and end the Dockerfile with `USER <uid>` (numeric, so that Kubernetes can verify it is not root), then rebuild.

## Example
```json
{"config": {"User": "", "Cmd": ["/app"]}}
```
Use instead:
```json
{"config": {"User": "10001", "Cmd": ["/app"]}}
```

## References
- OCI image spec, config `User`: https://github.com/opencontainers/image-spec/blob/main/config.md
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(image: &Image, _: &Params) -> Vec<Violation> {
    let user = image.config.user.trim();
    let name = user.split(':').next().unwrap_or(user).trim();
    let message = if user.is_empty() {
        "the image sets no User, so its containers run as root".to_owned()
    } else if name == "root" || name == "0" {
        format!("the image's User is \"{user}\", so its containers run as root")
    } else {
        return Vec::new();
    };
    vec![Violation {
        container: None,
        path: config_field("User"),
        message,
    }]
}

#[cfg(test)]
mod tests {
    use palisade_load::image::ImageConfig;

    use super::CONTROL;
    use crate::testing::{image, messages};

    fn user(user: &str) -> Vec<String> {
        messages(
            &CONTROL,
            &image(ImageConfig {
                user: user.into(),
                ..ImageConfig::default()
            }),
        )
    }

    #[test]
    fn root_and_unset_users() {
        assert_eq!(
            user(""),
            ["config.User: the image sets no User, so its containers run as root"]
        );
        assert_eq!(
            user("root"),
            [r#"config.User: the image's User is "root", so its containers run as root"#]
        );
        assert_eq!(
            user("0:0"),
            [r#"config.User: the image's User is "0:0", so its containers run as root"#]
        );
        assert_eq!(user("root:wheel").len(), 1);
        for ok in ["10001", "app", "nonroot:nonroot", "65532:65532", "rooter"] {
            assert!(user(ok).is_empty(), "{ok}");
        }
    }
}
