use std::sync::LazyLock;

use plimsoll_core::{Equivalents, RuleMeta, Severity};
use regex::Regex;

use super::effective;
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;
use crate::span::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-455",
        name: "package-signature-disabled",
        title: "Package signature or checksum verification disabled",
        severity: Severity::High,
        category: "supply-chain",
        equivalents: Equivalents {
            cis: &["4.11"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
Options and configuration that make a package manager install packages it
cannot authenticate:

- apt: `--allow-unauthenticated`, `--allow-insecure-repositories`,
  `--force-yes`, `APT::Get::AllowUnauthenticated`,
  `Acquire::AllowInsecureRepositories`, and `[trusted=yes]` source entries;
- yum/dnf/microdnf/tdnf: `--nogpgcheck`, `gpgcheck=0` (in `--setopt` or a
  `.repo` file); zypper `--no-gpg-checks`;
- `rpm --nosignature`/`--nodigest`; `apk --allow-untrusted`;
- Go: `GOSUMDB=off`, `GONOSUMCHECK`, `GOFLAGS=-insecure`, `go get -insecure`.

Repository files written with `echo`/`printf` and heredoc bodies (`COPY
<<EOF /etc/yum.repos.d/x.repo`, `RUN cat <<EOF > …`) are inspected too.

## Why it matters
Package signatures are what makes a mirror, a proxy or the network
untrusted-but-harmless: with them off, anyone who can answer the package
request can install arbitrary code as root in the image.

## Example
```dockerfile
RUN echo "deb [trusted=yes] http://repo.example.com/ stable main" > /etc/apt/sources.list.d/x.list \
 && apt-get update && apt-get install -y --allow-unauthenticated tool
```

## Use instead
```dockerfile
RUN curl -fsSL https://repo.example.com/key.gpg | gpg --dearmor -o /usr/share/keyrings/x.gpg \
 && echo "deb [signed-by=/usr/share/keyrings/x.gpg] https://repo.example.com/ stable main" \
      > /etc/apt/sources.list.d/x.list \
 && apt-get update && apt-get install -y tool
```

## How to fix
Import the repository's signing key (for apt into a keyring referenced by
`signed-by=`; for rpm with `rpm --import`) and remove the options that skip
verification. For local packages, sign them or verify a pinned checksum.
"#,
    },
    check,
};

use crate::rules::regex as re;

/// Configuration text that disables verification, with a description.
static MARKERS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        (
            // Not for local `file:`/`copy:` repositories built in the same build.
            re(r"(?i)\[[^\]\n]*\btrusted\s*=\s*yes\b[^\]\n]*\]\s*(?:[^f\s]|f[^i]|fi[^l])"),
            "an apt source marked [trusted=yes] is used without signature checks",
        ),
        (
            re(r#"(?i)\bAllowUnauthenticated\b["'\s=]*(?:true|1|yes)\b"#),
            "APT::Get::AllowUnauthenticated lets apt install unsigned packages",
        ),
        (
            re(r#"(?i)\bAllow(?:DowngradeTo)?InsecureRepositories\b["'\s=]*(?:true|1|yes)\b"#),
            "Acquire::AllowInsecureRepositories lets apt use unsigned repositories",
        ),
        (
            re(r"(?i)(?:^|\\n|[^_a-z])gpgcheck\s*=\s*(?:0|false|no)\b"),
            "gpgcheck=0 turns off RPM package signature checks",
        ),
    ]
});

/// An environment assignment that disables Go module checksum verification.
fn insecure_env(name: &str, value: &str) -> Option<String> {
    let v = value.trim();
    let bad = match name {
        "GOSUMDB" => v == "off",
        "GONOSUMCHECK" | "GONOSUMDB_ALL" => !v.is_empty() && v != "0",
        "GOFLAGS" => v.split_whitespace().any(|f| f == "-insecure"),
        _ => false,
    };
    bad.then(|| format!("{name}={v} disables Go module checksum verification"))
}

fn command_problem(cmd: &Command) -> Option<String> {
    let (name, args) = effective(cmd)?;
    let flag = |f: &str| {
        args.iter()
            .any(|a| a.text == f || a.text.starts_with(&format!("{f}=")))
    };
    let found = match name {
        "apt-get" | "apt" | "aptitude"
            if !matches!(
                cmd.subcommand(&["-o", "-c", "-t"]),
                Some("clean" | "autoclean" | "autoremove" | "remove" | "purge")
            ) =>
        {
            [
            "--allow-unauthenticated",
            "--allow-insecure-repositories",
            "--force-yes",
        ]
        .into_iter()
            .find(|f| flag(f))
            .map(|f| format!("{name} {f} installs packages without verifying their signatures"))
        }
        "yum" | "dnf" | "microdnf" | "tdnf" | "yum-config-manager" | "dnf5" => ["--nogpgcheck", "--no-gpgcheck"]
            .into_iter()
            .find(|f| flag(f))
            .map(|f| format!("{name} {f} installs packages without checking their signatures")),
        "zypper" => flag("--no-gpg-checks")
            .then(|| "zypper --no-gpg-checks installs packages without checking their signatures".to_string()),
        "rpm" => ["--nosignature", "--nodigest"]
            .into_iter()
            .find(|f| flag(f))
            .map(|f| format!("rpm {f} skips package verification")),
        "apk" => flag("--allow-untrusted")
            .then(|| "apk --allow-untrusted installs packages with untrusted signatures".to_string()),
        "go" => flag("-insecure")
            .then(|| "go get -insecure fetches modules without verification".to_string()),
        "export" | "declare" | "typeset" => args.iter().find_map(|a| {
            let (k, v) = a.text.split_once('=')?;
            insecure_env(k, v)
        }),
        _ => None,
    };
    if found.is_some() {
        return found;
    }
    if let Some(m) = cmd.assignments.iter().find_map(|a| {
        let (k, v) = a.text.split_once('=')?;
        insecure_env(k, v)
    }) {
        return Some(m);
    }
    // Options and repository lines given as arguments (`-o …`, `--setopt=…`, `echo …`).
    args.iter().find_map(|a| {
        MARKERS
            .iter()
            .find(|(re, _)| re.is_match(&a.text))
            .map(|(_, m)| (*m).to_string())
    })
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let mut found: Vec<Violation> = Vec::new();
    for outer in &cx.df.instructions {
        let inst = match &outer.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => outer,
        };
        if let Args::Env(kvs) = &inst.args {
            for kv in kvs {
                if let Some(m) = insecure_env(&kv.key, &kv.value) {
                    found.push(
                        Violation::new(kv.span, format!("ENV {m}; keep the checksum database on"))
                            .with_evidence(format!("{}={}", kv.key, kv.value)),
                    );
                }
            }
        }
    }
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if let Some(m) = command_problem(cmd) {
                let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
                found.push(
                    Violation::new(
                        run.span_in(script, cmd.start, cmd.end),
                        format!("{m}; import the signing key instead"),
                    )
                    .with_evidence(words.join(" ").chars().take(100).collect::<String>()),
                );
            }
        }
    }
    // Heredoc bodies: repository files and scripts.
    for inst in &cx.df.instructions {
        let heredocs = match &inst.args {
            Args::Onbuild(inner) => &inner.heredocs,
            _ => &inst.heredocs,
        };
        for h in heredocs {
            for (re, m) in MARKERS.iter() {
                for mt in re.find_iter(&h.body) {
                    let t = mt.as_str();
                    let lead = t.len()
                        - t.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '[')
                            .len();
                    let base = h.body_span.start as usize;
                    let span = Span::new(base + mt.start() + lead, base + mt.end());
                    if found
                        .iter()
                        .any(|v| v.span.start <= span.start && span.start < v.span.end)
                    {
                        continue;
                    }
                    found.push(
                        Violation::new(span, format!("{m}; import the signing key instead"))
                            .with_evidence(mt.as_str().trim().to_string()),
                    );
                }
            }
        }
    }
    out.extend(found);
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_disabled_signatures() {
        for src in [
            "FROM a:1\nRUN apt-get install -y --allow-unauthenticated foo\n",
            "FROM a:1\nRUN apt-get update --allow-insecure-repositories\n",
            "FROM a:1\nRUN apt-get install -y --force-yes foo\n",
            "FROM a:1\nRUN apt-get -o APT::Get::AllowUnauthenticated=true install foo\n",
            "FROM a:1\nRUN echo 'APT::Get::AllowUnauthenticated \"true\";' > /etc/apt/apt.conf.d/99\n",
            "FROM a:1\nRUN echo \"deb [trusted=yes] http://r/ ./\" > /etc/apt/sources.list.d/r.list\n",
            "FROM a:1\nRUN yum install -y --nogpgcheck foo\n",
            "FROM a:1\nRUN dnf --setopt=gpgcheck=0 install -y foo\n",
            "FROM a:1\nRUN printf '[r]\\nbaseurl=http://r\\ngpgcheck=0\\n' > /etc/yum.repos.d/r.repo\n",
            "FROM a:1\nRUN zypper --no-gpg-checks install -y foo\n",
            "FROM a:1\nRUN echo \"deb [trusted=yes] $REPO stable main\" >> /etc/apt/sources.list\n",
            "FROM a:1\nRUN rpm -ivh --nosignature foo.rpm\n",
            "FROM a:1\nRUN apk add --allow-untrusted /tmp/foo.apk\n",
            "FROM a:1\nENV GOSUMDB=off\n",
            "FROM a:1\nRUN GOFLAGS=-insecure go mod download\n",
            "FROM a:1\nRUN sudo apt-get install --allow-unauthenticated x\n",
        ] {
            assert_eq!(lines(&RULE, src), [2], "{src}");
        }
        assert_eq!(
            lines(&RULE, "FROM a:1\nCOPY <<EOF /etc/yum.repos.d/r.repo\n[r]\nbaseurl=http://r\ngpgcheck=0\nEOF\n"),
            [5]
        );
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN cat <<EOF > /etc/apt/sources.list.d/r.list\ndeb [arch=amd64 trusted=yes] http://r/ ./\nEOF\n"),
            [3]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\napk add --allow-untrusted x.apk\nEOF\n"), [3]);
    }

    #[test]
    fn accepts_verified_installs() {
        for src in [
            "FROM a:1\nRUN apt-get install -y foo\n",
            "FROM a:1\nRUN apt-get clean -y --force-yes\n",
            // nginx's official images: a local repository of packages built in this RUN.
            "FROM a:1\nRUN echo \"deb [ trusted=yes ] file://$tempDir ./\" > /etc/apt/sources.list.d/temp.list\n",
            "FROM a:1\nRUN echo \"deb [signed-by=/usr/share/keyrings/r.gpg] https://r/ ./\" > /etc/apt/sources.list.d/r.list\n",
            "FROM a:1\nRUN printf '[r]\\ngpgcheck=1\\nrepo_gpgcheck=0\\n' > /etc/yum.repos.d/r.repo\n",
            "FROM a:1\nENV GOSUMDB=sum.golang.org GONOSUMDB=corp.example.com\n",
            "FROM a:1\nRUN rpm --import https://r/key && rpm -K foo.rpm\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
