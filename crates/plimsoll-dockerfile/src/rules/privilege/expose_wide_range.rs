use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::ports::{expose_items, parse_spec};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-210",
        name: "expose-wide-range",
        title: "EXPOSE of a wide port range",
        severity: Severity::Low,
        category: "privilege",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
`EXPOSE` of a port range covering more than 100 ports (`EXPOSE
10000-20000`, `EXPOSE 1-65535`), after expanding variables from the stage's
ARG and ENV defaults. Short ranges (`8000-8010`) are not reported. Ranges
that contain remote-access ports are also reported by
`expose-sensitive-port` (PL-DF-207).

## Why it matters
`docker run -P` and some orchestrators publish every exposed port, so a wide
range opens thousands of host ports, including ones the application never
listens on today but some later process might. A wide range also hides which
ports the service really needs from reviewers and firewall rules.

## Example
```dockerfile
EXPOSE 10000-20000/udp
```

## Use instead
```dockerfile
# the RTP range the server is configured for
EXPOSE 10000-10099/udp
```

## How to fix
Configure the application to use a small, fixed set of ports and expose
exactly those; publish large media ranges deliberately at run time.
"#,
    },
    check,
};

/// Ranges with more ports than this are reported.
const MAX_PORTS: u64 = 100;

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for item in expose_items(cx) {
        let Ok(p) = parse_spec(&item.spec) else {
            continue;
        };
        if p.problem().is_some() || !p.is_range() {
            continue;
        }
        let count = p.hi - p.lo + 1;
        if count <= MAX_PORTS {
            continue;
        }
        out.push(
            Violation::new(
                item.span,
                format!(
                    "EXPOSE {} opens {count} ports; expose only the ports the service listens on",
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
    fn flags_wide_ranges() {
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 10000-20000/udp\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 80 1-65535\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nARG LO=30000\nEXPOSE ${LO}-30200\n"), [3]);
    }

    #[test]
    fn accepts_short_ranges_and_single_ports() {
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 8000-8010 9191-9200\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 10000-10099/udp\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 80 443\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 9000-8000\n").is_empty());
    }
}
