//! Property tests: on any input the parser and the rules never panic, and
//! every span they produce lies inside the source on character boundaries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use plimsoll_dockerfile::{RuleConfig, audit, parse, shell};
use proptest::prelude::*;

/// Fragments that exercise the grammar's corners, glued at random.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FROM debian:12 AS build\n".to_string()),
        Just("FROM --platform=$BUILDPLATFORM ${BASE:-alpine}\n".to_string()),
        Just("RUN apt-get update && apt-get install -y curl \\\n".to_string()),
        Just("  # comment inside a continuation\n".to_string()),
        Just("RUN <<EOF\napt-get install x\nEOF\n".to_string()),
        Just("RUN <<-\"A\" cat <<B\n\tx\n\tA\ny\nB\n".to_string()),
        Just("COPY --from=build --chown=1:1 --link a b /dst/\n".to_string()),
        Just("ADD --checksum=sha256:00 https://x/y.tgz /\n".to_string()),
        Just("CMD [\"a\", \"b\"]\n".to_string()),
        Just("ENTRYPOINT [\"unterminated\n".to_string()),
        Just("ENV A=1 B=\"two words\" C=$A\n".to_string()),
        Just("ENV legacy value with spaces\n".to_string()),
        Just("ARG X=1 Y\n".to_string()),
        Just("USER 1000:1000\n".to_string()),
        Just("EXPOSE 80/tcp 53/udp 8000-8010\n".to_string()),
        Just("HEALTHCHECK --interval=5s CMD curl -f http://x || exit 1\n".to_string()),
        Just("ONBUILD RUN echo hi\n".to_string()),
        Just("SHELL [\"bash\", \"-o\", \"pipefail\", \"-c\"]\n".to_string()),
        Just("# escape=`\n".to_string()),
        Just("# syntax=docker/dockerfile:1\n".to_string()),
        Just("\\\n".to_string()),
        Just("`\n".to_string()),
        Just("\r\n".to_string()),
        Just("RUN \"quote ' $( `\n".to_string()),
        Just("LABEL a=b \"c d\"=e\n".to_string()),
        Just("VOLUME [\"/data\"]\n".to_string()),
        Just("WORKDIR /a b\n".to_string()),
        Just("é€😀\u{0}\n".to_string()),
        "[ -~]{0,40}\n",
        "\\PC{0,20}",
    ]
}

fn check_spans(src: &str) {
    if let Ok(df) = parse(src) {
        for inst in &df.instructions {
            assert!(inst.span.start <= inst.span.end, "{inst:?}");
            assert!((inst.span.end as usize) <= src.len());
            assert!(src.is_char_boundary(inst.span.start as usize));
            assert!(inst.pos.line >= 1 && inst.pos.column >= 1);
            for f in &inst.flags {
                assert!((f.span.end as usize) <= src.len());
            }
            if let Some(t) = inst.shell_text() {
                let s = shell::tokenize(t);
                for c in &s.commands {
                    for w in &c.words {
                        assert!(w.start <= w.end && w.end <= t.len());
                    }
                }
            }
        }
    }
    for f in audit("Dockerfile", src, &RuleConfig::default()) {
        let line = f.location.line.unwrap();
        assert!(
            line >= 1 && (line as usize) <= src.lines().count() + 1,
            "{f:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    #[test]
    fn parser_and_rules_never_panic(parts in prop::collection::vec(fragment(), 0..12)) {
        check_spans(&parts.concat());
    }

    #[test]
    fn tokenizer_never_panics(s in "\\PC{0,200}") {
        let _ = shell::tokenize(&s);
    }
}
