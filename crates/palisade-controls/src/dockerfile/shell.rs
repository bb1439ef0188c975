//! Splits a `RUN` script into pipelines of simple commands, enough for
//! controls to ask "is there an `apt-get update` without an install in the
//! same RUN?" or "is `curl` piped into `sh`?".
//!
//! It honours single and double quotes and backslash escapes, and splits on
//! `&&`, `||`, `;`, `&`, newlines (pipelines) and `|` (commands of a
//! pipeline). Words keep their quotes removed; `$VAR` is left as written.
//! It is not a shell: subshells, `$(...)` and control flow are treated as
//! words, which errs towards seeing the commands they contain (a word that
//! is itself a whole command line, as in `sh -c "..."`, is split again by
//! [`commands`]).

/// One simple command: its words.
pub(crate) type Command = Vec<String>;

/// Pipelines (`a | b`), in order.
pub(crate) fn pipelines(script: &str) -> Vec<Vec<Command>> {
    let mut pipelines: Vec<Vec<Command>> = Vec::new();
    let mut pipeline: Vec<Command> = Vec::new();
    let mut command: Command = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();
    let end_word = |word: &mut String, in_word: &mut bool, command: &mut Command| {
        if *in_word {
            command.push(std::mem::take(word));
            *in_word = false;
        }
    };
    let end_command = |command: &mut Command, pipeline: &mut Vec<Command>| {
        if !command.is_empty() {
            pipeline.push(std::mem::take(command));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(next) = chars.next() {
                                word.push(next);
                            }
                        }
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(next) = chars.next()
                    && next != '\n'
                {
                    in_word = true;
                    word.push(next);
                }
            }
            '|' if chars.peek() == Some(&'|') => {
                chars.next();
                end_word(&mut word, &mut in_word, &mut command);
                end_command(&mut command, &mut pipeline);
                pipelines.push(std::mem::take(&mut pipeline));
            }
            '|' => {
                end_word(&mut word, &mut in_word, &mut command);
                end_command(&mut command, &mut pipeline);
            }
            '&' | ';' | '\n' => {
                if c == '&' && chars.peek() == Some(&'&') {
                    chars.next();
                }
                end_word(&mut word, &mut in_word, &mut command);
                end_command(&mut command, &mut pipeline);
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
            '#' if !in_word => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                end_command(&mut command, &mut pipeline);
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
            c if c.is_whitespace() => end_word(&mut word, &mut in_word, &mut command),
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut command);
    end_command(&mut command, &mut pipeline);
    if !pipeline.is_empty() {
        pipelines.push(pipeline);
    }
    pipelines
}

/// Every simple command of a script, in order, with `sudo`, `env`, `time`,
/// `nice` prefixes kept (controls that care look at the first word), and
/// the scripts of `sh -c "..."` / `bash -c "..."` split too.
pub(crate) fn commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for pipeline in pipelines(script) {
        for command in pipeline {
            let inner = unwrapped(&command);
            let inline = inner
                .first()
                .filter(|w| matches!(program(w), "sh" | "bash" | "ash" | "dash" | "zsh"))
                .and_then(|_| inner.iter().position(|w| w == "-c"))
                .and_then(|i| inner.get(i + 1).cloned());
            out.push(command);
            if let Some(inline) = inline {
                out.extend(commands(&inline));
            }
        }
    }
    out
}

/// The program a word names: `/usr/bin/apt-get` is `apt-get`.
pub(crate) fn program(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The command without leading `sudo`/`env VAR=x`/`nice` wrappers and
/// variable assignments (`DEBIAN_FRONTEND=noninteractive apt-get ...`).
pub(crate) fn unwrapped(command: &[String]) -> &[String] {
    let mut rest = command;
    while let Some((first, tail)) = rest.split_first() {
        let name = program(first);
        let assignment = first.contains('=') && !first.starts_with('-');
        if assignment || matches!(name, "sudo" | "env" | "nice" | "time" | "nohup" | "exec") {
            rest = tail;
            // `sudo -u user cmd`: skip sudo's own options.
            while rest.first().is_some_and(|w| w.starts_with('-')) && name == "sudo" {
                let takes_value = rest
                    .first()
                    .is_some_and(|w| matches!(w.as_str(), "-u" | "-g" | "-C"));
                rest = rest.get(if takes_value { 2 } else { 1 }..).unwrap_or(&[]);
            }
        } else {
            break;
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lists_pipelines_and_quotes() {
        let got = pipelines(
            "apt-get update && apt-get install -y 'a b' \"c\\\"d\" || true; curl -fsSL https://x | sh -\necho # a comment\nls",
        );
        let got: Vec<Vec<Vec<&str>>> = got
            .iter()
            .map(|p| {
                p.iter()
                    .map(|c| c.iter().map(String::as_str).collect())
                    .collect()
            })
            .collect();
        assert_eq!(
            got,
            vec![
                vec![vec!["apt-get", "update"]],
                vec![vec!["apt-get", "install", "-y", "a b", "c\"d"]],
                vec![vec!["true"]],
                vec![vec!["curl", "-fsSL", "https://x"], vec!["sh", "-"]],
                vec![vec!["echo"]],
                vec![vec!["ls"]],
            ]
        );
    }

    #[test]
    fn inline_shells_and_wrappers() {
        let all = commands("sudo -u root bash -c \"apt-get update && chmod 777 /x\"");
        let firsts: Vec<&str> = all
            .iter()
            .map(|c| unwrapped(c).first().map_or("", String::as_str))
            .collect();
        assert_eq!(firsts, ["bash", "apt-get", "chmod"]);
        let env = vec![
            "DEBIAN_FRONTEND=noninteractive".to_owned(),
            "apt-get".to_owned(),
            "install".to_owned(),
        ];
        assert_eq!(unwrapped(&env)[0], "apt-get");
        assert_eq!(program("/usr/bin/apt-get"), "apt-get");
    }
}
