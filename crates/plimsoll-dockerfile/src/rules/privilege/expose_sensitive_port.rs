use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::ports::{expose_items, parse_spec};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-207",
        name: "expose-sensitive-port",
        title: "EXPOSE of a remote-administration or cleartext service port",
        severity: Severity::Medium,
        category: "privilege",
        equivalents: Equivalents {
            trivy: &["DS004"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`EXPOSE` of a port that belongs to a remote-login, remote-desktop,
cleartext file-transfer or host-control service, whatever the protocol:

| port | service |
|------|---------|
| 21 | FTP (cleartext credentials) |
| 22 | SSH |
| 23 | Telnet |
| 2375 | Docker Engine API without TLS |
| 2376 | Docker Engine API |
| 3389 | RDP |
| 5900-5909 | VNC |
| 6000-6009 | X11 |
| 10250 | kubelet API |

Port ranges that contain one of them are reported too, and variables are
expanded from the stage's ARG and ENV defaults (words with unknown
variables are skipped). For `host:container` forms the container port
counts. Trivy's DS004 reports port 22 only.

## Why it matters
These services give a shell, a desktop, credentials in cleartext or control
of the container engine to whoever can connect. In a container they are rarely
needed (`docker exec`, `kubectl exec` and logs replace SSH), they widen the
attack surface, and `docker run -P` publishes every exposed port on the
host. An exposed Docker API (2375) is root on the host for anyone who can
reach it.

## Example
```dockerfile
RUN apt-get install -y openssh-server
EXPOSE 22 8080
```

## Use instead
```dockerfile
EXPOSE 8080
# debug with: docker exec -it <container> sh
```

## How to fix
Remove the service from the image and the port from EXPOSE. Use
`docker exec`/`kubectl exec` for interactive access, and reach admin
interfaces through an authenticated, encrypted channel outside the
application container.
"#,
    },
    check,
};

/// (first port, last port, service, what to do instead).
const SENSITIVE: &[(u64, u64, &str, &str)] = &[
    (21, 21, "FTP", "FTP sends credentials in cleartext; use SFTP or FTPS"),
    (22, 22, "SSH", "use docker exec / kubectl exec instead of an SSH server in the image"),
    (23, 23, "Telnet", "Telnet is cleartext remote login; remove it and use docker exec / kubectl exec"),
    (2375, 2375, "Docker API without TLS", "the engine API is root on the host for anyone who reaches it; do not expose it"),
    (2376, 2376, "Docker API", "the engine API is root on the host; do not expose it from an image"),
    (3389, 3389, "RDP", "reach remote desktops only through an authenticated, encrypted tunnel"),
    (5900, 5909, "VNC", "reach remote desktops only through an authenticated, encrypted tunnel"),
    (6000, 6009, "X11", "X11 over TCP exposes the display; use a socket mount or SSH forwarding"),
    (10250, 10250, "kubelet API", "the kubelet API controls the node; do not expose it from a container"),
];

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for item in expose_items(cx) {
        let Ok(p) = parse_spec(&item.spec) else {
            continue;
        };
        if p.problem().is_some() {
            continue;
        }
        let hits: Vec<_> = SENSITIVE
            .iter()
            .filter(|(lo, hi, _, _)| *lo <= p.hi && p.lo <= *hi)
            .collect();
        let Some((_, _, _, advice)) = hits.first() else {
            continue;
        };
        let shown = if item.spec == item.raw {
            item.spec.clone()
        } else {
            format!("{} (= {})", item.raw, item.spec)
        };
        let what = if p.is_range() {
            let list: Vec<String> = hits
                .iter()
                .take(3)
                .map(|(lo, hi, name, _)| {
                    if lo == hi {
                        format!("{lo} ({name})")
                    } else {
                        format!("{lo}-{hi} ({name})")
                    }
                })
                .collect();
            let more = if hits.len() > 3 { ", …" } else { "" };
            format!("{shown} includes {}{more}", list.join(", "))
        } else {
            let names: Vec<&str> = hits.iter().map(|h| h.2).collect();
            format!("{shown} ({})", names.join(", "))
        };
        out.push(
            Violation::new(item.span, format!("EXPOSE {what}: {advice}"))
                .with_evidence(item.spec.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::RuleConfig;
    use crate::rules::testing::{lines, messages_with};

    #[test]
    fn flags_sensitive_ports() {
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 22\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 80 22/tcp 443\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 2375 2376\n"), [2, 2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 5901/tcp\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 3389/udp\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 20-25\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nARG SSH_PORT=22\nEXPOSE ${SSH_PORT}\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nENV PORTS=\"80 23\"\nEXPOSE $PORTS\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 2222:22\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nEXPOSE 80 \\\n  22\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nONBUILD EXPOSE 22\n"), [2]);
        let m = messages_with(&RULE, "FROM d:1\nEXPOSE 1-65535\n", &RuleConfig::default());
        assert!(m[0].1.contains("21 (FTP), 22 (SSH), 23 (Telnet), …"), "{}", m[0].1);
        let m = messages_with(&RULE, "FROM d:1\nEXPOSE 22/tcp\n", &RuleConfig::default());
        assert!(m[0].1.starts_with("EXPOSE 22/tcp (SSH): use docker exec"), "{}", m[0].1);
    }

    #[test]
    fn accepts_ordinary_ports() {
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 80 443 8080/tcp 53/udp\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 2222 220 5910 445 2379 139/tcp\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 8000-8010\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE $PORT\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nEXPOSE 22000\n").is_empty());
        // Variables are scoped to their stage.
        assert!(lines(&RULE, "FROM d:1\nARG P=22\nFROM e:1\nEXPOSE ${P}\n").is_empty());
    }
}
