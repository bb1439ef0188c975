//! Command lines written as one string split into words as a POSIX shell
//! splits them: Dockerfile `RUN` and `CMD` in shell form, a systemd
//! `ExecStart=` line after expansion, an environment variable holding
//! flags.

/// Whitespace-separated words, with single and double quotes removed
/// (`"a b"` is one word) and a backslash escaping the next character,
/// except inside single quotes, where it stands for itself.
pub fn split(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some('\''), c) => word.push(c),
            (_, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_as_a_shell_splits_them() {
        assert_eq!(
            split(r#"/usr/bin/kubelet --a="x y" 'q r' \"z  --b=1"#),
            ["/usr/bin/kubelet", "--a=x y", "q r", "\"z", "--b=1"]
        );
        assert!(split("   ").is_empty());
        assert_eq!(split("--x=''"), ["--x="]);
        // Inside single quotes a backslash is itself.
        assert_eq!(split(r"'a\b'"), [r"a\b"]);
    }
}
