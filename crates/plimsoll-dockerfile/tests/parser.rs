//! The parser against the Dockerfile grammar's corners: directives, escape
//! characters, continuations with comments and blank lines, heredocs, exec
//! and shell forms, flags, ENV/LABEL/ARG forms, stages, spans, and the
//! errors Docker would also raise.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use plimsoll_dockerfile::parser::{Args, Form, Keyword};
use plimsoll_dockerfile::{parse, shell};

fn text_at(src: &str, span: plimsoll_dockerfile::Span) -> &str {
    &src[span.start as usize..span.end as usize]
}

#[test]
fn directives_only_at_the_top() {
    let src =
        "# syntax=docker/dockerfile:1.7\n# escape=`\n# check=skip=JSONArgsRecommended\nFROM a:1\n";
    let df = parse(src).unwrap();
    assert_eq!(df.directives.len(), 3);
    assert_eq!(df.escape, '`');
    assert_eq!(
        df.directive("syntax").unwrap().value,
        "docker/dockerfile:1.7"
    );
    // After a comment, blank line or instruction, `# escape=` is a comment.
    let df = parse("# hello\n# escape=`\nFROM a:1\n").unwrap();
    assert_eq!(df.escape, '\\');
    assert!(df.directives.is_empty());
    let df = parse("\n# escape=`\nFROM a:1\n").unwrap();
    assert_eq!(df.escape, '\\');
    // An unknown directive ends the directive block.
    let df = parse("# foo=bar\n# escape=`\nFROM a:1\n").unwrap();
    assert_eq!(df.escape, '\\');
    // Invalid and repeated directives are errors, as in BuildKit.
    let e = parse("# escape=x\nFROM a:1\n").unwrap_err();
    assert_eq!((e.line, e.column), (1, 1));
    assert!(parse("# escape=`\n# escape=\\\nFROM a:1\n").is_err());
}

#[test]
fn continuation_with_comments_and_blank_lines() {
    let src = "FROM a:1\nRUN apt-get update \\\n  # install things\n\n  && apt-get install -y curl \\\n    wget\nUSER 1\n";
    let df = parse(src).unwrap();
    assert_eq!(df.instructions.len(), 3);
    let run = &df.instructions[1];
    assert_eq!(run.pos.line, 2);
    assert_eq!(run.end_line, 6);
    let text = run.shell_text().unwrap();
    assert!(!text.contains("install things"), "{text}");
    let s = shell::tokenize(text);
    let names: Vec<_> = s.commands.iter().filter_map(|c| c.name()).collect();
    assert_eq!(names, ["apt-get", "apt-get"]);
    // The comment inside the continuation is still known (for pragmas).
    assert!(
        df.comments
            .iter()
            .any(|c| c.text == "install things" && c.line == 3)
    );
    // Spans of words map back through the joined lines.
    let install = &s.commands[1];
    let wget = install.words.last().unwrap();
    let span = run.rest_span(wget.start, wget.end);
    assert_eq!(text_at(src, span), "wget");
    assert_eq!(df.pos(span.start).line, 6);
}

#[test]
fn backtick_escape_for_windows_files() {
    let src = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command `\n    Write-Host hi\nWORKDIR C:\\app\n";
    let df = parse(src).unwrap();
    assert_eq!(df.instructions.len(), 3);
    assert!(
        df.instructions[1]
            .shell_text()
            .unwrap()
            .contains("Write-Host hi")
    );
    match &df.instructions[2].args {
        Args::Workdir(w) => assert_eq!(w.value, "C:\\app"),
        other => panic!("{other:?}"),
    }
    // With the default escape, a trailing backslash continues the line.
    let df = parse("FROM a:1\nRUN echo a \\\n b\n").unwrap();
    assert_eq!(df.instructions.len(), 2);
}

#[test]
fn heredocs() {
    let src = "FROM a:1\nRUN <<EOF\napt-get update\napt-get install -y vim\nEOF\nCOPY <<-\"A\" <<B /dst/\n\tline a $HOME\n\tA\nline b\nB\nRUN python3 <<'PY' && echo done\nprint('<<not a heredoc>>')\nPY\nUSER 1\n";
    let df = parse(src).unwrap();
    let kws: Vec<_> = df.instructions.iter().map(|i| i.keyword).collect();
    assert_eq!(
        kws,
        [
            Keyword::From,
            Keyword::Run,
            Keyword::Copy,
            Keyword::Run,
            Keyword::User
        ]
    );
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 1);
    assert_eq!(
        run.heredocs[0].body,
        "apt-get update\napt-get install -y vim\n"
    );
    assert_eq!(run.end_line, 5);
    let copy = &df.instructions[2];
    assert_eq!(copy.heredocs.len(), 2);
    assert!(copy.heredocs[0].strip_tabs && copy.heredocs[0].quoted);
    assert_eq!(copy.heredocs[0].body, "line a $HOME\n");
    assert_eq!(copy.heredocs[1].body, "line b\n");
    let py = &df.instructions[3];
    assert_eq!(py.heredocs[0].name, "PY");
    assert_eq!(py.heredocs[0].body, "print('<<not a heredoc>>')\n");
    assert_eq!(df.instructions[4].pos.line, 14);
    // A here-string and a quoted `<<` are not heredocs.
    let df = parse("FROM a:1\nRUN cat <<<\"x\" && echo \"<<EOF\"\nUSER 1\n").unwrap();
    assert!(df.instructions[1].heredocs.is_empty());
    assert_eq!(df.instructions.len(), 3);
    // Exec form has no heredocs.
    let df = parse("FROM a:1\nRUN [\"cat\", \"<<EOF\"]\nUSER 1\n").unwrap();
    assert!(df.instructions[1].heredocs.is_empty());
    // Unterminated heredoc: an error at the marker.
    let e = parse("FROM a:1\nRUN <<EOF\necho hi\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 5));
    assert!(e.message.contains("EOF"));
}

#[test]
fn exec_and_shell_forms() {
    let df = parse("FROM a:1\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\nENTRYPOINT exec app\nCMD [not json\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n").unwrap();
    match &df.instructions[1].args {
        Args::Cmd(Form::Exec { args, .. }) => assert_eq!(args, &["nginx", "-g", "daemon off;"]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &df.instructions[2].args,
        Args::Entrypoint(Form::Shell { .. })
    ));
    assert!(matches!(
        &df.instructions[3].args,
        Args::Cmd(Form::Shell { .. })
    ));
    match &df.instructions[4].args {
        Args::Shell(v) => assert_eq!(v.len(), 4),
        other => panic!("{other:?}"),
    }
    assert!(parse("FROM a:1\nSHELL /bin/bash -c\n").is_err());
}

#[test]
fn flags_and_their_spans() {
    let src = "FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nRUN --mount=type=cache,target=/root/.cache --network=none go build\nCOPY --from=build --chown=1:1 --link --exclude=*.md a b /dst/\nADD --checksum=sha256:abc https://x/y.tgz /z\nHEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/ || exit 1\n";
    let df = parse(src).unwrap();
    let from = &df.instructions[0];
    assert_eq!(from.flag_value("platform"), Some("$BUILDPLATFORM"));
    assert_eq!(
        text_at(src, from.flag("platform").unwrap().span),
        "--platform=$BUILDPLATFORM"
    );
    // Stage names are case-insensitive; BuildKit lower-cases them.
    assert_eq!(df.stages[0].name.as_deref(), Some("build"));
    let run = &df.instructions[1];
    assert_eq!(
        run.flag_value("mount"),
        Some("type=cache,target=/root/.cache")
    );
    assert_eq!(run.shell_text(), Some("go build"));
    let copy = &df.instructions[2];
    assert_eq!(copy.flag_value("from"), Some("build"));
    assert!(copy.flag("link").unwrap().value.is_none());
    match &copy.args {
        Args::Copy {
            sources,
            dest,
            json,
        } => {
            assert!(!json);
            assert_eq!(
                sources.iter().map(|w| w.value.as_str()).collect::<Vec<_>>(),
                ["a", "b"]
            );
            assert_eq!(dest.value, "/dst/");
            assert_eq!(text_at(src, dest.span), "/dst/");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        df.instructions[3].flag_value("checksum"),
        Some("sha256:abc")
    );
    match &df.instructions[4].args {
        Args::Healthcheck(Some(Form::Shell { text, .. })) => assert!(text.starts_with("curl")),
        other => panic!("{other:?}"),
    }
    let df = parse("FROM a:1\nHEALTHCHECK NONE\n").unwrap();
    assert!(matches!(df.instructions[1].args, Args::Healthcheck(None)));
}

#[test]
fn env_label_arg_forms() {
    let src = "ARG V=1 W\nFROM a:${V}\nENV A=1 B=\"two words\" C=x\\ y D='s q'\nENV LEGACY value with  spaces\nLABEL \"com.example.key\"=\"v\" other=1\n";
    let df = parse(src).unwrap();
    let globals: Vec<_> = df
        .global_args()
        .map(|a| (a.name.as_str(), a.default.as_deref()))
        .collect();
    assert_eq!(globals, [("V", Some("1")), ("W", None)]);
    match &df.instructions[2].args {
        Args::Env(kv) => {
            let pairs: Vec<_> = kv
                .iter()
                .map(|k| (k.key.as_str(), k.value.as_str()))
                .collect();
            assert_eq!(
                pairs,
                [("A", "1"), ("B", "two words"), ("C", "x y"), ("D", "s q")]
            );
            assert_eq!(text_at(src, kv[1].key_span), "B");
        }
        other => panic!("{other:?}"),
    }
    match &df.instructions[3].args {
        Args::Env(kv) => assert_eq!(
            (kv[0].key.as_str(), kv[0].value.as_str()),
            ("LEGACY", "value with spaces")
        ),
        other => panic!("{other:?}"),
    }
    match &df.instructions[4].args {
        Args::Label(kv) => assert_eq!(kv[0].key, "com.example.key"),
        other => panic!("{other:?}"),
    }
    assert!(parse("FROM a:1\nENV ONLYKEY\n").is_err());
}

#[test]
fn stages_and_onbuild() {
    let df = parse("FROM a:1 AS base\nRUN x\nFROM base AS app\nONBUILD RUN make\nFROM scratch\nCOPY --from=app /a /a\n").unwrap();
    assert_eq!(df.stages.len(), 3);
    assert_eq!(df.stage_instructions(1).len(), 2);
    assert_eq!(df.stage_by_ref("APP").unwrap().index, 1);
    assert_eq!(df.stage_by_ref("0").unwrap().index, 0);
    match &df.instructions[3].args {
        Args::Onbuild(inner) => {
            assert_eq!(inner.keyword, Keyword::Run);
            assert_eq!(inner.shell_text(), Some("make"));
        }
        other => panic!("{other:?}"),
    }
    assert!(parse("FROM a:1\nONBUILD ONBUILD RUN x\n").is_err());
    assert!(parse("FROM a:1\nONBUILD FROM b\n").is_err());
}

#[test]
fn errors_docker_would_raise_with_positions() {
    let cases = [
        ("FORM debian:12\n", 1, 1, "FORM"),
        ("RUN echo hi\nFROM a:1\n", 1, 1, "before the first FROM"),
        ("# only a comment\n", 1, 1, "no FROM"),
        ("", 1, 1, "no FROM"),
        ("FROM a:1\n  BOGUS x\n", 2, 3, "BOGUS"),
        ("FROM\n", 1, 5, "FROM"),
        ("FROM a:1 AS\n", 1, 6, "AS"),
        ("FROM a:1\nCOPY onlyone\n", 2, 6, "COPY"),
    ];
    for (src, line, col, needle) in cases {
        let e = parse(src).unwrap_err();
        assert_eq!((e.line, e.column), (line, col), "{src:?}: {e}");
        assert!(e.message.contains(needle), "{src:?}: {e}");
    }
    // ARG may precede FROM.
    assert!(parse("ARG X=1\nFROM a:$X\n").is_ok());
}

#[test]
fn line_endings_bom_and_case() {
    let df = parse("\u{feff}from a:1\r\nrun echo hi \\\r\n  there\r\n").unwrap();
    assert_eq!(df.instructions.len(), 2);
    assert_eq!(df.instructions[1].keyword_raw, "run");
    assert_eq!(df.instructions[1].shell_text(), Some("echo hi   there"));
}

#[test]
fn huge_and_odd_inputs_do_not_panic() {
    let long = format!("FROM a:1\nRUN {}\n", "x ".repeat(200_000));
    assert!(parse(&long).is_ok());
    let many = "FROM a:1\n".to_string() + &"RUN \\\n".repeat(50_000);
    let _ = parse(&many);
    let deep = format!(
        "FROM a:1\nRUN {}{}\n",
        "$(".repeat(5_000),
        ")".repeat(5_000)
    );
    let df = parse(&deep).unwrap();
    let _ = shell::tokenize(df.instructions[1].shell_text().unwrap());
    let _ = parse("FROM a:1\nRUN <<");
    let _ = parse("\\");
    let _ = parse("FROM a:1\n\u{0}\u{1}\u{7f}\n");
}
