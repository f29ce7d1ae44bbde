use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::ports::{expose_items, parse_spec};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-209",
        name: "expose-host-port",
        title: "EXPOSE maps a host port or address",
        severity: Severity::Low,
        category: "correctness",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
`EXPOSE` values in `docker run -p` syntax: `host:container`
(`8080:80`), `ip:host:container` (`127.0.0.1:8080:80`) and `ip::container`.
BuildKit reports the same problem as its `ExposeInvalidFormat` build check.

## Why it matters
A Dockerfile cannot publish ports or bind addresses: Docker keeps only the
container port and silently drops the host part, so `EXPOSE
127.0.0.1:5432:5432` does *not* restrict the service to localhost and
`EXPOSE 8080:80` does not publish 8080. Readers (and reviewers) believe the
image does something it does not, and a future Docker release will reject
the syntax.

## Example
```dockerfile
EXPOSE 127.0.0.1:5432:5432
```

## Use instead
```dockerfile
EXPOSE 5432
# publish at run time: docker run -p 127.0.0.1:5432:5432 …
```

## How to fix
Keep only the container port (and protocol) in EXPOSE, and choose host
ports and addresses when running the container (`docker run -p`, Compose
`ports:`, a Kubernetes Service).
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for item in expose_items(cx) {
        let Ok(p) = parse_spec(&item.spec) else {
            continue;
        };
        let Some(host) = &p.host else {
            continue;
        };
        let container = item.spec.rsplit_once(':').map_or("", |(_, c)| c);
        out.push(
            Violation::new(
                item.span,
                format!(
                    "EXPOSE {} maps host part {host:?}, which Docker ignores: only {container} is exposed; write EXPOSE {container} and publish with docker run -p",
                    item.spec
                ),
            )
            .with_evidence(item.spec.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_host_mappings() {
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 5555:5555\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 80 53:53/udp\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 127.0.0.1:5432:5432\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 0.0.0.0::80\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nARG M=8080:80\nEXPOSE $M\n"), [3]);
    }

    #[test]
    fn accepts_plain_ports() {
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 80 443/tcp 8000-8010\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE ${HOST}:${PORT}\n").is_empty());
    }
}
