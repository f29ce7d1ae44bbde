use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::ports::{expose_items, parse_spec};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-208",
        name: "expose-invalid-port",
        title: "EXPOSE names a port outside 0-65535 or a malformed port",
        severity: Severity::Medium,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3011"],
            trivy: &["DS008"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`EXPOSE` values Docker rejects: ports above 65535 (also as a range bound),
ranges that end before they start (`8010-8000`), values that are not
numbers (`http`, `80-`), and protocols other than `tcp`, `udp` and `sctp`
(`80/http`). Variables are expanded from the stage's ARG and ENV defaults
first; words with unknown variables are skipped. In `host:container` forms
the container port is checked (the form itself is reported by
`expose-host-port`, PL-DF-209).

hadolint's DL3011 and Trivy's DS008 check the 0-65535 range only.

## Why it matters
Docker fails the build on these values (`invalid containerPort`, `invalid
proto`), usually on a port typed wrong or a variable that did not expand as
intended, and the service is not reachable where the Dockerfile says.

## Example
```dockerfile
EXPOSE 80800
```

## Use instead
```dockerfile
EXPOSE 8080
```

## How to fix
Use a port between 0 and 65535, write ranges low-high, and use only tcp,
udp or sctp as the protocol.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for item in expose_items(cx) {
        let problem = match parse_spec(&item.spec) {
            Ok(p) => match p.problem() {
                Some(problem) => problem,
                None => continue,
            },
            Err(e) => e,
        };
        let shown = if item.spec == item.raw {
            item.spec.clone()
        } else {
            format!("{} (= {})", item.raw, item.spec)
        };
        out.push(
            Violation::new(
                item.span,
                format!("EXPOSE {shown} is invalid: {problem}; Docker refuses it, use a port in 0-65535 with tcp, udp or sctp"),
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
    fn flags_invalid_ports() {
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 80800\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 80 65536/udp\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 8000-70000\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 8010-8000\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE http\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 80/http\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 8080:99999\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nARG P=123456\nEXPOSE $P\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 80 \\\n  443 \\\n  99999\n"), [4]);
    }

    #[test]
    fn accepts_valid_ports() {
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 0 80 65535 53/udp 80/TCP 9000/sctp\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 8000-8010 9191-9200/tcp\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE ${PORT} $OTHER/udp\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 5555:5555 53:53/udp\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nENV PORT=8080\nEXPOSE $PORT\n").is_empty());
    }
}
