use std::sync::LazyLock;

use plimsoll_core::{Equivalents, RuleMeta, Severity};
use regex::Regex;

use super::{effective, is_downloader, is_interpreter};
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::{Command, ShWord};
use crate::span::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-451",
        name: "pipe-to-shell",
        title: "Downloaded script piped into an interpreter",
        severity: Severity::High,
        category: "supply-chain",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
A `RUN` that executes a script straight from the network:

- `curl … | sh`, `wget -qO- … | bash`, `curl … | sudo -E bash -`,
  `curl … | python3 -`, and the same with `perl`, `ruby`, `node`, `php`…;
- `sh -c "$(curl …)"`, `eval "$(wget -O- …)"`;
- `bash <(curl …)`, `source <(curl …)`.

An interpreter that reads its program from an argument (`python3 -c …`,
`perl -e …`, `python3 script.py`) only receives data on stdin and is not
reported.

## Why it matters
Nothing checks what the server sent before it runs as root in the build: a
compromised host, a hijacked domain or a man in the middle gets code
execution in your image, and the script can differ from one build to the
next (servers can even detect `curl | sh` and serve different content).

## Example
```dockerfile
RUN curl -fsSL https://get.example.com/install.sh | sh
```

## Use instead
```dockerfile
ARG INSTALL_SH_SHA256=3f5c…
RUN curl -fsSLo /tmp/install.sh https://get.example.com/install.sh \
 && echo "${INSTALL_SH_SHA256}  /tmp/install.sh" | sha256sum -c - \
 && sh /tmp/install.sh && rm /tmp/install.sh
```

## How to fix
Download to a file, verify its checksum or signature, then run it. Better,
install the software from a signed package repository or copy it from a
pinned image (`COPY --from=image@sha256:… /bin/tool /usr/local/bin/`).
"#,
    },
    check,
};

static SUBST_DOWNLOAD: LazyLock<Regex> =
    LazyLock::new(|| crate::rules::regex(r"(?:\$\(|`)\s*(?:sudo\s+)?(?:\S*/)?(?:curl|wget)\b"));

static PROCESS_SUBST: LazyLock<Regex> = LazyLock::new(|| {
    crate::rules::regex(
        r"(?:^|[\s;&|(])(?:\S*/)?(?:bash|zsh|ksh|sh|source|\.|python[0-9.]*|perl|ruby|node)\s+(?:-\S+\s+)*<\(\s*(?:sudo\s+)?(?:\S*/)?(?:curl|wget)\b",
    )
});

/// Whether an interpreter invoked with `args` runs the program it reads on stdin.
fn runs_stdin(name: &str, args: &[ShWord]) -> bool {
    let mut positional: Option<&str> = None;
    let mut after_dashdash = false;
    for a in args {
        let t = a.text.as_str();
        if after_dashdash {
            break;
        }
        if t == "--" {
            after_dashdash = true;
            continue;
        }
        if t == "-" {
            positional = Some(t);
            break;
        }
        if let Some(f) = t.strip_prefix('-') {
            let shell = !name.starts_with("python")
                && !matches!(name, "perl" | "ruby" | "node" | "nodejs" | "php");
            let program_arg = if shell {
                !f.starts_with('-') && f.contains('c')
            } else {
                matches!(f, "c" | "e" | "E" | "m" | "r" | "p" | "-eval" | "-print")
                    || (name == "perl" && f.starts_with('e'))
            };
            if program_arg {
                return false;
            }
            if shell && !f.starts_with('-') && f.contains('s') {
                return true;
            }
            continue;
        }
        positional = Some(t);
        break;
    }
    positional.is_none_or(|p| p == "-" || p == "/dev/stdin")
}

fn pipeline_violation(cmds: &[Command]) -> Option<(usize, usize, String, String)> {
    let di = cmds
        .iter()
        .position(|c| effective(c).is_some_and(|(n, _)| is_downloader(n)))?;
    let down = effective(&cmds[di])?.0.to_string();
    for c in &cmds[di + 1..] {
        let Some((mut n, mut args)) = effective(c) else {
            continue;
        };
        if n == "busybox" {
            match args.first() {
                Some(a) if matches!(a.text.as_str(), "sh" | "ash") => {
                    n = "sh";
                    args = &args[1..];
                }
                _ => continue,
            }
        }
        if is_interpreter(n) && runs_stdin(n, args) {
            return Some((cmds[di].start, c.end, down, n.to_string()));
        }
    }
    None
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        let mut spans: Vec<Span> = Vec::new();
        for script in run.scripts {
            for p in script.script.pipelines() {
                if let Some((s, e, down, interp)) = pipeline_violation(p) {
                    let span = run.span_in(script, s, e);
                    spans.push(span);
                    out.push(
                        Violation::new(
                            span,
                            format!(
                                "{down} output is piped into {interp} and executed unverified; \
                                 download to a file, check its sha256, then run it"
                            ),
                        )
                        .with_evidence(format!("{down} | {interp}")),
                    );
                }
            }
            for c in &script.script.commands {
                let Some((n, args)) = effective(c) else {
                    continue;
                };
                if !(is_interpreter(n) || matches!(n, "eval" | "source" | ".")) {
                    continue;
                }
                if let Some(w) = args.iter().find(|w| SUBST_DOWNLOAD.is_match(&w.text)) {
                    let span = run.span_in(script, c.start, c.end);
                    if spans.contains(&span) {
                        continue;
                    }
                    spans.push(span);
                    let shown: String = w.text.chars().take(60).collect();
                    out.push(
                        Violation::new(
                            span,
                            format!(
                                "{n} executes a downloaded script ({shown}) unverified; \
                                 download to a file, check its sha256, then run it"
                            ),
                        )
                        .with_evidence(shown),
                    );
                }
            }
        }
        // `bash <(curl …)`: process substitution, matched on the text.
        let Args::Run(form) = &run.inst.args else {
            continue;
        };
        let start = form.span().start as usize;
        let end = cx
            .df
            .instructions
            .get(run.index)
            .map_or(start, |i| i.span.end as usize);
        let text = cx.df.source.get(start..end).unwrap_or("");
        for m in PROCESS_SUBST.find_iter(text) {
            let t = m.as_str().trim_start_matches([' ', '\t', '\n', ';', '&', '|', '(']);
            let off = m.as_str().len() - t.len();
            let span = Span::new(start + m.start() + off, start + m.end());
            if spans.iter().any(|s| s.start <= span.start && span.start < s.end) {
                continue;
            }
            out.push(
                Violation::new(
                    span,
                    "a downloaded script is executed through process substitution without \
                     verification; download to a file, check its sha256, then run it",
                )
                .with_evidence(t.to_string()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_pipes_into_interpreters() {
        assert_eq!(
            lines(&RULE, "# escape=`\nFROM a:1\nRUN curl -fsSL https://x `\n  | sh\n"),
            [3]
        );
        for src in [
            "FROM a:1\nRUN curl -fsSL https://get.example.com | sh\n",
            "FROM a:1\nRUN wget -qO- https://x/install.sh | bash -s -- -y\n",
            "FROM a:1\nRUN curl -sL https://deb.nodesource.com/setup_20.x | sudo -E bash -\n",
            "FROM a:1\nRUN curl https://bootstrap.pypa.io/get-pip.py | python3\n",
            "FROM a:1\nRUN curl -L https://cpanmin.us | perl - App::cpanminus\n",
            "FROM a:1\nRUN sh -c \"$(curl -fsSL https://raw.example.com/install.sh)\"\n",
            "FROM a:1\nRUN bash <(curl -s https://x/y.sh)\n",
            "FROM a:1\nRUN [\"/bin/sh\", \"-c\", \"curl -s https://x | sh\"]\n",
            "FROM a:1\nONBUILD RUN curl -s https://x | /bin/bash\n",
            "FROM a:1\nRUN curl -s https://x | tee /tmp/i.sh | sh\n",
        ] {
            assert_eq!(lines(&RULE, src), [2], "{src}");
        }
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN set -eux; \\\n  # install\n  curl -fsSL https://x \\\n    | sh\n"),
            [4]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\nset -e\ncurl -fsSL https://x | bash\nEOF\n"), [4]);
    }

    #[test]
    fn ignores_data_pipes_and_verified_files() {
        for src in [
            "FROM a:1\nRUN curl -fsSL https://x/k.gpg | gpg --dearmor -o /usr/share/keyrings/k.gpg\n",
            "FROM a:1\nRUN curl -fsSL https://x/a.tgz | tar -xz -C /opt\n",
            "FROM a:1\nRUN curl -s https://api/x | python3 -c 'import json,sys; print(json.load(sys.stdin))'\n",
            "FROM a:1\nRUN curl -s https://api/x | python -m json.tool\n",
            "FROM a:1\nRUN curl -s https://api/x | perl -ne 'print'\n",
            "FROM a:1\nRUN curl -fsSLo i.sh https://x && sha256sum -c i.sum && sh i.sh\n",
            "FROM a:1\nRUN cat install.sh | sh\n",
            "FROM a:1\nRUN echo curl https://x | sh\n",
            "FROM a:1\nRUN sh -c 'echo $(date)'\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
