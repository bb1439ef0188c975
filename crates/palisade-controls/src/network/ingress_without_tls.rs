//! Ingresses that serve hosts without TLS.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use crate::pod_security::format::quote_list;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "ingress-without-tls",
        title: "Ingress serves hosts without TLS",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

/// Annotations with which a cloud load balancer terminates TLS for the
/// Ingress from a certificate it manages, outside `spec.tls`.
const CERTIFICATE_ANNOTATIONS: &[&str] = &[
    "alb.ingress.kubernetes.io/certificate-arn",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "networking.gke.io/managed-certificates",
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
];

const DOCS: &str = r#"## What it does
Flags Ingresses (`networking.k8s.io` and the older `extensions` group) that serve traffic without TLS:
- an Ingress with no `spec.tls` (absent, `null` or empty) is flagged once, at `spec`;
- an Ingress with `spec.tls` is flagged for each rule whose `host` no `spec.tls[].hosts` entry covers. A TLS host covers the same name (case-insensitively), and a wildcard `*.example.com` covers exactly one more label (`shop.example.com`, not `a.shop.example.com` nor `example.com`).

Not flagged: rules without `host` when `spec.tls` exists (they match every name, and the certificate a controller presents for them is the controller's choice); Ingresses with a `spec.tls` entry that lists no hosts (the API documents it as applying to every host the controller serves); and Ingresses whose TLS is terminated by the cloud load balancer from a managed certificate, named by one of the annotations `alb.ingress.kubernetes.io/certificate-arn`, `ingress.gcp.kubernetes.io/pre-shared-cert`, `networking.gke.io/managed-certificates` or `appgw.ingress.kubernetes.io/appgw-ssl-certificate`. Whether plain HTTP is also served next to TLS (controller redirects) is not checked.

## Why is this bad?
Without TLS, requests and responses, including session cookies, tokens and passwords typed into forms, cross the network in clear text and can be read or altered by anyone on the path. Browsers mark such sites as insecure, and most compliance regimes require encryption in transit for any sensitive data.

## How to fix
Add a `tls` entry listing every host of the rules, with a certificate Secret (cert-manager can issue and renew it), and have the controller redirect HTTP to HTTPS.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: shop, port: {number: 80}}
```
Use instead:
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  tls:
  - hosts: [shop.example.com]
    secretName: shop-tls
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: shop, port: {number: 80}}
```

## References
- Kubernetes docs, "Ingress", TLS: https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
- CWE-319: Cleartext Transmission of Sensitive Information
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let api = object.api_version();
    if object.kind() != "Ingress"
        || !(api.starts_with("networking.k8s.io/") || api.starts_with("extensions/"))
    {
        return Vec::new();
    }
    let managed_certificate = object
        .metadata()
        .and_then(|m| m.get("annotations"))
        .map_or(&[][..], Node::entries)
        .iter()
        .any(|a| CERTIFICATE_ANNOTATIONS.contains(&a.key.as_str()));
    if managed_certificate {
        return Vec::new();
    }
    let spec = object.node.get("spec");
    let field = |name: &str| spec.and_then(|s| s.get(name)).map_or(&[][..], Node::items);
    let rules = field("rules");
    let host = |rule: &Node| {
        rule.get("host")
            .and_then(Node::as_str)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
    };
    let tls = field("tls");
    if tls.is_empty() {
        let hosts: Vec<String> = rules.iter().filter_map(host).collect();
        let served = match hosts.len() {
            0 => "it is".to_owned(),
            1 => format!("host {} is", quote_list(&hosts)),
            _ => format!("hosts {} are", quote_list(&hosts)),
        };
        return vec![Violation {
            container: None,
            path: FieldPath::root().keys(&["spec", "tls"]),
            message: format!(
                "Ingress has no spec.tls: {served} served over plain HTTP; add a tls entry with a certificate Secret"
            ),
        }];
    }
    let mut tls_hosts = Vec::new();
    for entry in tls {
        let hosts = entry.get("hosts").map_or(&[][..], Node::items);
        if hosts.is_empty() {
            return Vec::new();
        }
        tls_hosts.extend(hosts.iter().map(Node::scalar_text));
    }
    rules
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| {
            let name = host(rule)?;
            if tls_hosts.iter().any(|t| covers(t, &name)) {
                return None;
            }
            Some(Violation {
                container: None,
                path: FieldPath::root()
                    .keys(&["spec", "rules"])
                    .index(i)
                    .key("host"),
                message: format!(
                    "host {} is in no spec.tls[].hosts, so it is served over plain HTTP",
                    quote_list(&[&name])
                ),
            })
        })
        .collect()
}

/// Whether TLS host `tls` covers rule host `host`: the same name, or a
/// wildcard matching exactly one more label.
fn covers(tls: &str, host: &str) -> bool {
    if tls.eq_ignore_ascii_case(host) {
        return true;
    }
    let Some(suffix) = tls.strip_prefix('*') else {
        return false;
    };
    let Some(split) = host.len().checked_sub(suffix.len()) else {
        return false;
    };
    match (host.get(..split), host.get(split..)) {
        (Some(label), Some(rest)) => {
            suffix.starts_with('.')
                && rest.eq_ignore_ascii_case(suffix)
                && !label.is_empty()
                && !label.contains('.')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{CONTROL, covers};
    use crate::testing::messages;

    fn ingress(body: &str) -> String {
        format!("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n{body}")
    }

    #[test]
    fn flags_missing_tls() {
        assert_eq!(
            messages(
                &CONTROL,
                &ingress(
                    "spec:\n  rules:\n  - host: a.example.com\n  - host: b.example.com\n  - http: {}\n"
                )
            ),
            [
                r#"spec.tls: Ingress has no spec.tls: hosts "a.example.com", "b.example.com" are served over plain HTTP; add a tls entry with a certificate Secret"#
            ]
        );
        assert_eq!(
            messages(
                &CONTROL,
                &ingress(
                    "spec:\n  tls: []\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n"
                )
            ),
            [
                "spec.tls: Ingress has no spec.tls: it is served over plain HTTP; add a tls entry with a certificate Secret"
            ]
        );
    }

    #[test]
    fn flags_hosts_no_tls_entry_covers() {
        let body = "spec:\n  tls:\n  - hosts: ['*.example.com', api.example.org]\n    secretName: t\n  rules:\n  - host: shop.example.com\n  - host: a.shop.example.com\n  - host: example.com\n  - host: API.example.org\n  - http: {}\n";
        assert_eq!(
            messages(&CONTROL, &ingress(body)),
            [
                r#"spec.rules[1].host: host "a.shop.example.com" is in no spec.tls[].hosts, so it is served over plain HTTP"#,
                r#"spec.rules[2].host: host "example.com" is in no spec.tls[].hosts, so it is served over plain HTTP"#,
            ]
        );
    }

    #[test]
    fn accepts_tls_for_every_host_and_managed_certificates() {
        let open_tls = "spec:\n  tls:\n  - secretName: t\n  rules:\n  - host: a.example.com\n";
        assert!(messages(&CONTROL, &ingress(open_tls)).is_empty());
        let alb = "  annotations:\n    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:eu-west-1:1:certificate/x\nspec:\n  rules:\n  - host: a.example.com\n";
        assert!(messages(&CONTROL, &ingress(alb)).is_empty());
        let old = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old}\nspec:\n  backend: {serviceName: s, servicePort: 80}\n";
        assert_eq!(messages(&CONTROL, old).len(), 1);
        let other = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n";
        assert!(messages(&CONTROL, other).is_empty());
    }

    #[test]
    fn wildcards_cover_one_label() {
        assert!(covers("*.example.com", "a.EXAMPLE.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", ".example.com"));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(!covers("*example.com", "aexample.com"));
        assert!(!covers("a.example.com", "*.example.com"));
    }
}
