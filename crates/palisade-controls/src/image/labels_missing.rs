//! The image lacks labels the organisation requires.

use palisade_load::image::Image;
use palisade_model::{ControlMeta, Severity};

use super::config_field;
use crate::{Check, Control, Param, Params, Violation};

const REQUIRED_LABELS: Param = Param {
    name: "required-labels",
    doc: "Labels every image must carry with a non-empty value, e.g. `org.opencontainers.image.source`, `org.opencontainers.image.revision`, `maintainer`. Nothing is required when empty.",
    default: &[],
};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-labels-missing",
        title: "Image lacks required labels",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[REQUIRED_LABELS],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags a container image whose config lacks a label listed in the `required-labels` parameter, or carries it with an empty value. Nothing is required by default: set the parameter in `palisade.yaml` to enforce your organisation's labels.

## Why is this bad?
Labels are how an image says where it comes from: its source repository and commit (`org.opencontainers.image.source`, `org.opencontainers.image.revision`), its owner, its version. Without them, a vulnerable image found running cannot be traced back to the code and the team that must fix it.

## How to fix
Add the labels with `LABEL` in the Dockerfile, or with `docker build --label` / `docker buildx build --annotation` in CI (the commit and the repository URL are known there), and rebuild.

## Example
```yaml
# palisade.yaml
controls:
  image-labels-missing:
    params:
      required-labels: [org.opencontainers.image.source]
```
```json
{"config": {"Labels": {"maintainer": "team@example.com"}}}
```
Use instead:
```json
{"config": {"Labels": {"maintainer": "team@example.com", "org.opencontainers.image.source": "https://github.com/acme/api"}}}
```

## References
- OCI image spec, pre-defined annotation keys: https://github.com/opencontainers/image-spec/blob/main/annotations.md
"#;

fn check(image: &Image, params: &Params) -> Vec<Violation> {
    params
        .list(REQUIRED_LABELS.name)
        .iter()
        .filter(|label| {
            image
                .config
                .labels
                .get(label.as_str())
                .is_none_or(|v| v.trim().is_empty())
        })
        .map(|label| Violation {
            container: None,
            path: config_field("Labels"),
            message: format!(
                "the image lacks the required label {}",
                crate::secrets::quoted(label)
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use palisade_load::image::ImageConfig;

    use super::CONTROL;
    use crate::Params;
    use crate::testing::{image, messages, messages_with};

    #[test]
    fn required_labels_are_a_parameter() {
        let labelled = image(ImageConfig {
            labels: [
                ("maintainer".to_owned(), "team@example.com".to_owned()),
                (
                    "org.opencontainers.image.revision".to_owned(),
                    " ".to_owned(),
                ),
            ]
            .into(),
            ..ImageConfig::default()
        });
        assert!(
            messages(&CONTROL, &labelled).is_empty(),
            "nothing required by default"
        );
        let mut params = Params::defaults(&CONTROL);
        params
            .set(
                &CONTROL,
                "required-labels",
                vec![
                    "maintainer".into(),
                    "org.opencontainers.image.source".into(),
                    "org.opencontainers.image.revision".into(),
                ],
            )
            .unwrap();
        assert_eq!(
            messages_with(&CONTROL, &params, &labelled),
            [
                r#"config.Labels: the image lacks the required label "org.opencontainers.image.source""#,
                r#"config.Labels: the image lacks the required label "org.opencontainers.image.revision""#,
            ]
        );
    }
}
