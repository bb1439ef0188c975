//! Command lines read as Kubernetes components read them: with spf13/pflag
//! rules, not with grep. `--name=value` and `--name value` set a flag,
//! a boolean flag given bare is `true` (its value then only ever follows
//! `=`), `--` ends the flags, and a flag given twice takes its last value;
//! list and map flags are merged by the caller, who knows their type.

use super::origin::Origin;

/// One argument of a command line and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub text: String,
    pub origin: Origin,
}

/// One occurrence of a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The name without dashes (`anonymous-auth`).
    pub name: String,
    /// Its value (`true` for a bare boolean).
    pub value: String,
    /// Where it was written (the argument holding the name).
    pub origin: Origin,
}

/// The flags of `args` (the program name excluded), in order. `booleans`
/// names the component's boolean flags. A flag that is not known to be
/// boolean takes the next argument as its value, as pflag does, unless
/// that argument is itself a flag or there is none: then it is read as a
/// bare boolean, since an unknown flag written that way cannot be
/// anything else.
pub fn parse(args: &[Arg], booleans: &[&str]) -> Vec<Flag> {
    let mut flags = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let text = arg.text.as_str();
        if text == "--" {
            break;
        }
        let Some(body) = text
            .strip_prefix("--")
            .or_else(|| text.strip_prefix('-').filter(|b| !b.is_empty()))
        else {
            continue; // a positional argument
        };
        let (name, value) = match body.split_once('=') {
            Some((name, value)) => (name, value.to_owned()),
            None if booleans.contains(&body) => (body, "true".to_owned()),
            None => {
                let next = rest.as_slice().first();
                match next {
                    Some(next) if !next.text.starts_with('-') => {
                        rest.next();
                        (body, next.text.clone())
                    }
                    _ => (body, "true".to_owned()),
                }
            }
        };
        flags.push(Flag {
            name: name.to_owned(),
            value,
            origin: arg.origin.clone(),
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn args(texts: &[&str]) -> Vec<Arg> {
        let file: Arc<str> = "/proc/1/cmdline".into();
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Arg {
                text: (*t).to_owned(),
                origin: Origin::at(&file, 1, 0, format!("argument {}", i + 1)),
            })
            .collect()
    }

    fn pairs(flags: &[Flag]) -> Vec<(&str, &str)> {
        flags
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect()
    }

    #[test]
    fn flags_are_read_as_pflag_reads_them() {
        let flags = parse(
            &args(&[
                "--config=/var/lib/kubelet/config.yaml",
                "--anonymous-auth",
                "false", // a bare boolean does not take the next word: positional
                "--kubeconfig",
                "/etc/kubernetes/kubelet.conf",
                "-v=2",
                "--read-only-port=10255",
                "--read-only-port=0",
                "--unknown-bool",
                "--feature-gates",
                "A=true,B=false",
                "--",
                "--after=ignored",
            ]),
            &["anonymous-auth"],
        );
        assert_eq!(
            pairs(&flags),
            [
                ("config", "/var/lib/kubelet/config.yaml"),
                ("anonymous-auth", "true"),
                ("kubeconfig", "/etc/kubernetes/kubelet.conf"),
                ("v", "2"),
                ("read-only-port", "10255"),
                ("read-only-port", "0"),
                ("unknown-bool", "true"),
                ("feature-gates", "A=true,B=false"),
            ]
        );
        assert_eq!(flags[2].origin.what, "argument 4");
    }
}
