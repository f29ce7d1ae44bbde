use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::{Args, Keyword};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-453",
        name: "add-remote-unverified",
        title: "ADD from a URL or Git repository without a checksum",
        severity: Severity::Medium,
        category: "supply-chain",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
`ADD` of a remote source without integrity pinning:

- an `http://` or `https://` URL without `--checksum=sha256:…`;
- a Git repository (`git@host:…`, `git://…`, `https://…/repo.git`) without
  `--checksum` and without a ref that is a full commit id
  (`https://github.com/o/r.git#<40 hex digits>`).

## Why it matters
`ADD` fetches the URL on every build without any verification: if the file
or the branch changes, whatever it now contains goes into the image. Plain
`http://` can even be altered in transit. `--checksum` (BuildKit,
`dockerfile:1.6`+) makes the build fail on any change, and a commit id pins a
repository to exactly what was reviewed.

## Example
```dockerfile
ADD https://github.com/tianon/gosu/releases/download/1.17/gosu-amd64 /usr/local/bin/gosu
ADD https://github.com/org/tool.git#main /src
```

## Use instead
```dockerfile
ADD --checksum=sha256:bbc4136d03ab138b1ad66fa4fc051bafc6cc7ffae632b069a53657279a450de3 \
    https://github.com/tianon/gosu/releases/download/1.17/gosu-amd64 /usr/local/bin/gosu
ADD https://github.com/org/tool.git#3f2c1e7d9b0a4c5e6f708192a3b4c5d6e7f80912 /src
```

## How to fix
Add `--checksum=sha256:HASH` (compute it with `sha256sum` on a reviewed
download), or pin a Git source to a commit id. Alternatively download with
`RUN curl` and verify with `sha256sum -c`.
"#,
    },
    check,
};

fn is_git(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    let no_frag = lower.split('#').next().unwrap_or("");
    lower.starts_with("git@")
        || lower.starts_with("git://")
        || lower.starts_with("ssh://")
        || (lower.contains("://") && no_frag.trim_end_matches('/').ends_with(".git"))
}

/// The `#ref[:subdir]` of a Git source is a full commit id.
fn pinned_commit(src: &str) -> bool {
    let Some((_, frag)) = src.split_once('#') else {
        return false;
    };
    let r = frag.split(':').next().unwrap_or("");
    (r.len() == 40 || r.len() == 64) && r.chars().all(|c| c.is_ascii_hexdigit())
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for outer in &cx.df.instructions {
        let inst = match &outer.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => outer,
        };
        if inst.keyword != Keyword::Add || inst.flag("checksum").is_some() {
            continue;
        }
        let Args::Copy { sources, .. } = &inst.args else {
            continue;
        };
        for src in sources {
            let v = src.value.as_str();
            let lower = v.to_ascii_lowercase();
            let msg = if is_git(v) {
                if pinned_commit(v) {
                    continue;
                }
                format!(
                    "ADD clones {v} at a moving ref; pin it to a commit id (#<sha>) or add --checksum"
                )
            } else if lower.starts_with("http://") || lower.starts_with("https://") {
                let plain = if lower.starts_with("http://") {
                    " over plain HTTP"
                } else {
                    ""
                };
                format!(
                    "ADD downloads {v}{plain} without --checksum: a changed file goes into the image unnoticed; \
                     add --checksum=sha256:…"
                )
            } else {
                continue;
            };
            out.push(Violation::new(src.span, msg).with_evidence(v.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_unpinned_remote_sources() {
        for src in [
            "FROM a:1\nADD https://x/gosu /usr/local/bin/gosu\n",
            "FROM a:1\nADD --chmod=755 http://x/tool /bin/tool\n",
            "FROM a:1\nADD https://github.com/o/r.git#main /src\n",
            "FROM a:1\nADD git@github.com:o/r.git /src\n",
            "FROM a:1\nADD [\"https://x/a.tgz\", \"/tmp/\"]\n",
            "FROM a:1\nONBUILD ADD https://x/a /a\n",
        ] {
            assert_eq!(lines(&RULE, src), [2], "{src}");
        }
        assert_eq!(lines(&RULE, "FROM a:1\nADD a.txt \\\n    https://x/b /dst/\n"), [3]);
    }

    #[test]
    fn accepts_pinned_and_local_sources() {
        for src in [
            "FROM a:1\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://x/a /a\n",
            "FROM a:1\nADD https://github.com/o/r.git#3f2c1e7d9b0a4c5e6f708192a3b4c5d6e7f80912 /src\n",
            "FROM a:1\nADD https://github.com/o/r.git#3f2c1e7d9b0a4c5e6f708192a3b4c5d6e7f80912:sub /src\n",
            "FROM a:1\nADD rootfs.tar.gz /\n",
            "FROM a:1\nCOPY https-proxy.conf /etc/\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
