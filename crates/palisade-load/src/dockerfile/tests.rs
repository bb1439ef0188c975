use super::*;

fn parse(text: &str) -> ParsedDockerfile {
    parse_dockerfile("Dockerfile".into(), text)
}

fn keywords(d: &Dockerfile) -> Vec<(&str, u32)> {
    d.instructions
        .iter()
        .map(|i| (i.keyword.as_str(), i.line))
        .collect()
}

#[test]
fn continuations_comments_and_positions() {
    let text = "FROM alpine:3.20\n\n# a comment\n  run apk add \\\n  # dropped inside the continuation\n    curl \\\n\n    jq\nUSER app\n";
    let parsed = parse(text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let d = parsed.dockerfile;
    assert_eq!(keywords(&d), [("FROM", 1), ("RUN", 4), ("USER", 9)]);
    let run = &d.instructions[1];
    assert_eq!(run.column, 3);
    assert_eq!(run.end_line, 8);
    assert_eq!(run.args, Args::Shell("apk add     curl     jq".into()));
}

#[test]
fn escape_directive_changes_the_continuation_character() {
    let text = "# escape=`\n# syntax=docker/dockerfile:1\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n    C:\\\nCOPY a b\n";
    let d = parse(text).dockerfile;
    assert_eq!(
        d.directives,
        [
            ("escape".to_owned(), "`".to_owned()),
            ("syntax".to_owned(), "docker/dockerfile:1".to_owned())
        ]
    );
    assert_eq!(d.instructions[1].args, Args::Shell("dir     C:\\".into()));
    assert_eq!(keywords(&d), [("FROM", 3), ("RUN", 4), ("COPY", 6)]);
}

#[test]
fn a_directive_after_an_instruction_is_a_comment() {
    let d = parse("FROM x\n# escape=`\nRUN a \\\n  b\n").dockerfile;
    assert!(d.directives.is_empty());
    assert_eq!(d.instructions[1].args, Args::Shell("a   b".into()));
}

#[test]
fn heredocs() {
    let text = "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nCOPY <<-\"END\" /etc/motd\n\thello\n\tEND\nRUN echo $((1<<2))\n";
    let parsed = parse(text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let d = parsed.dockerfile;
    assert_eq!(
        keywords(&d),
        [("FROM", 1), ("RUN", 2), ("COPY", 6), ("RUN", 9)]
    );
    let run = &d.instructions[1];
    assert_eq!(
        run.heredocs[0].body,
        "apt-get update\napt-get install -y curl"
    );
    assert_eq!(run.heredocs[0].line, 3);
    assert_eq!(run.end_line, 5);
    assert!(run.script().contains("apt-get install -y curl"));
    assert_eq!(d.instructions[2].heredocs[0].body, "hello");
    assert!(d.instructions[3].heredocs.is_empty());
}

#[test]
fn unterminated_heredoc_is_an_error_with_its_line() {
    let parsed = parse("FROM x\nRUN <<EOF\necho hi\n");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].line, 2);
    assert!(parsed.errors[0].message.contains("<<EOF"));
}

#[test]
fn exec_form_flags_and_invalid_json() {
    let d = parse("FROM --platform=$BUILDPLATFORM golang:1.23 AS Build\nCOPY --from=build --chown=app:app --link /src /dst\nCMD [\"a\", \"b c\"]\nENTRYPOINT [not json]\n").dockerfile;
    assert_eq!(d.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(d.stages[0].name.as_deref(), Some("build"));
    let copy = &d.instructions[1];
    assert_eq!(copy.flag("from"), Some("build"));
    assert_eq!(copy.flag("chown"), Some("app:app"));
    assert!(
        copy.flags
            .iter()
            .any(|f| f.name == "link" && f.value.is_none())
    );
    assert_eq!(copy.args, Args::Shell("/src /dst".into()));
    assert_eq!(
        d.instructions[2].args,
        Args::Exec(vec!["a".into(), "b c".into()])
    );
    assert_eq!(d.instructions[3].args, Args::Shell("[not json]".into()));
}

#[test]
fn stages_and_global_args() {
    let text = "ARG REGISTRY=docker.io\nARG TAG\nFROM $REGISTRY/library/node:${TAG:-20} AS deps\nRUN npm ci\nFROM deps\nARG REGISTRY\nRUN echo $REGISTRY\n";
    let d = parse(text).dockerfile;
    assert_eq!(d.stages.len(), 2);
    assert_eq!(d.stages[0].base_expanded, "docker.io/library/node:20");
    assert_eq!(d.stages[1].base, "deps");
    assert_eq!(d.stage_instructions(&d.stages[1]).len(), 3);
    assert_eq!(d.final_stage().map(|s| s.index), Some(1));
    // A stage sees a global ARG only once it declares it again.
    assert_eq!(d.variables_at(6).get("REGISTRY"), Some("docker.io"));
    assert_eq!(d.variables_at(3).get("REGISTRY"), None);
    assert_eq!(d.instructions[3].stage, Some(0));
    assert_eq!(d.instructions[6].stage, Some(1));
}

#[test]
fn onbuild_wraps_an_instruction() {
    let d = parse("FROM x\nONBUILD RUN make\nonbuild copy . /src\n").dockerfile;
    let inner = d.instructions[1].onbuild.as_deref().unwrap();
    assert_eq!(inner.keyword, "RUN");
    assert_eq!(inner.args, Args::Shell("make".into()));
    assert_eq!(
        d.instructions[2].onbuild.as_deref().unwrap().keyword,
        "COPY"
    );
}

#[test]
fn bad_lines_are_errors_and_parsing_goes_on() {
    let parsed = parse("RUN early\nFROM x\nFROBNICATE now\nONBUILD FROM y\nUSER app\n");
    let lines: Vec<u32> = parsed.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [1, 3, 4]);
    assert!(
        parsed.errors[1]
            .message
            .contains("unknown instruction `FROBNICATE`")
    );
    assert_eq!(keywords(&parsed.dockerfile), [("FROM", 2), ("USER", 5)]);
}

#[test]
fn env_forms() {
    assert_eq!(
        expand::env_pairs("A=1 B=\"two words\" C=x\\ y"),
        [
            ("A".to_owned(), "1".to_owned()),
            ("B".to_owned(), "two words".to_owned()),
            ("C".to_owned(), "x y".to_owned())
        ]
    );
    assert_eq!(
        expand::env_pairs("LEGACY value with spaces"),
        [("LEGACY".to_owned(), "value with spaces".to_owned())]
    );
}

#[test]
fn empty_and_comment_only_files_have_no_stages() {
    let parsed = parse("# just a comment\n\n");
    assert!(parsed.errors.is_empty());
    assert!(parsed.dockerfile.stages.is_empty());
}

/// `ARG A1=${A0}${A0}` doubling per line (then the same with `ENV`): 2^40
/// bytes unbounded. Each value past the bound is an error at its line, left
/// unknown, and the instructions after it are still parsed and expandable.
fn expansion_bomb() -> String {
    let mut text = String::from("FROM alpine:3.20\nARG A0=0123456789abcdef\n");
    for i in 1..=20 {
        text.push_str(&format!("ARG A{i}=${{A{p}}}${{A{p}}}\n", p = i - 1));
    }
    text.push_str("ENV E0=$A11\n");
    for i in 1..=20 {
        text.push_str(&format!("ENV E{i}=${{E{p}}}${{E{p}}}$E{p}\n", p = i - 1));
    }
    text.push_str("USER root\nRUN echo $A20 $E20 ${A12:-${A11}}\n");
    text
}

#[test]
fn an_expansion_bomb_is_an_error_at_its_line_and_the_rest_is_parsed() {
    let text = expansion_bomb();
    assert!(text.len() < 1024, "{} bytes", text.len());
    let started = std::time::Instant::now();
    let parsed = parse(&text);
    let d = &parsed.dockerfile;
    let last = d.instructions.len() - 1;
    let vars = d.variables_at(last);
    let expanded = vars.expand(&d.instructions[last].text());
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // A0 is 16 bytes, A12 is 64 KiB: A13 is the first value past the bound.
    let first = &parsed.errors[0];
    assert_eq!(first.line, 15, "{:?}", parsed.errors);
    assert!(
        first.message.contains("ARG A13 expands past 65536 bytes"),
        "{first}"
    );
    assert!(
        parsed
            .errors
            .iter()
            .any(|e| e.message.contains("ENV") && e.message.contains("in this stage")),
        "{:?}",
        parsed.errors
    );
    assert_eq!(vars.get("A12").map(str::len), Some(65536));
    assert_eq!(vars.get("A13"), None, "left unknown");
    assert!(expanded.len() <= MAX_VALUE_BYTES, "{}", expanded.len());
    assert_eq!(d.instructions[last - 1].keyword, "USER");
    assert_eq!(d.instructions[last - 1].text(), "root");
}

#[test]
fn nested_defaults_are_bounded() {
    let deep = "${X:-".repeat(100_000) + &"}".repeat(100_000);
    let parsed = parse(&format!("FROM x\nARG V={deep}\nRUN true\n"));
    assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
    assert_eq!(parsed.errors[0].line, 2);
    assert!(parsed.errors[0].message.contains("nests"));
    let vars = parsed.dockerfile.variables_at(2);
    assert_eq!(vars.try_expand(&deep), Err(ExpansionError::TooDeep));
    assert_eq!(vars.expand(&deep), deep, "left as written");
    let shallow = "${X:-".repeat(MAX_NESTING) + "v" + &"}".repeat(MAX_NESTING);
    assert_eq!(vars.expand(&shallow), "v");
}

#[test]
fn a_base_image_past_the_bound_is_an_error_at_its_from() {
    let mut text = String::from("ARG B0=0123456789abcdef\n");
    for i in 1..=13 {
        text.push_str(&format!("ARG B{i}=${{B{p}}}${{B{p}}}\n", p = i - 1));
    }
    text.push_str("ARG BIG=${B12}\nFROM ${BIG}${BIG}\n");
    let parsed = parse(&text);
    let lines: Vec<u32> = parsed.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [14, 16], "{:?}", parsed.errors);
    assert!(parsed.errors[1].message.contains("the base image"));
}
