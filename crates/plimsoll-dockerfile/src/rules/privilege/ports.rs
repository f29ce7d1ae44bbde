//! EXPOSE values as Docker reads them: `80`, `80/tcp`, `53/udp`,
//! `8000-8010`, variables expanded from the stage's ARG/ENV defaults (one
//! word may expand to several), and the `host:container` forms Docker only
//! accepts for `docker run -p`.

use super::stage_env::expand_at;
use crate::parser::Args;
use crate::rules::Ctx;
use crate::span::Span;

/// One port specification of an EXPOSE, after variable expansion.
pub struct ExposeItem<'a> {
    /// Span of the EXPOSE word it came from.
    pub span: Span,
    /// The word as written.
    pub raw: &'a str,
    /// The expanded specification.
    pub spec: String,
}

/// Every port specification of every EXPOSE (including `ONBUILD EXPOSE`).
/// Words that reference unknown variables are skipped.
pub fn expose_items<'a>(cx: &Ctx<'a>) -> Vec<ExposeItem<'a>> {
    let mut out = Vec::new();
    for (index, outer) in cx.df.instructions.iter().enumerate() {
        let inst = match &outer.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => outer,
        };
        let Args::Expose(words) = &inst.args else {
            continue;
        };
        for w in words {
            let Some(expanded) = expand_at(cx, index, &w.value) else {
                continue;
            };
            for spec in expanded.split_whitespace() {
                out.push(ExposeItem {
                    span: w.span,
                    raw: w.raw.as_str(),
                    spec: spec.to_string(),
                });
            }
        }
    }
    out
}

/// A parsed port specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// `ip:host:` or `host:` part of a `host:container` mapping, if any.
    pub host: Option<String>,
    /// First and last container port (equal for a single port); may be out
    /// of range, see [`PortSpec::problem`].
    pub lo: u64,
    pub hi: u64,
    pub proto: Option<String>,
}

/// Parse a specification; `Err` says what is malformed.
pub fn parse_spec(spec: &str) -> Result<PortSpec, String> {
    let (ports, proto) = match spec.rsplit_once('/') {
        Some((p, proto)) => (p, Some(proto.to_string())),
        None => (spec, None),
    };
    if let Some(p) = &proto {
        if !matches!(p.to_ascii_lowercase().as_str(), "tcp" | "udp" | "sctp") {
            return Err(format!("unknown protocol {p:?} (use tcp, udp or sctp)"));
        }
    }
    let (host, container) = match ports.rsplit_once(':') {
        Some((h, c)) => (Some(h.to_string()), c),
        None => (None, ports),
    };
    let number = |s: &str| -> Result<u64, String> {
        if s.is_empty() {
            return Err("an empty port".to_string());
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("{s:?} is not a port number"));
        }
        // Saturate absurdly long numbers: they are out of range anyway.
        Ok(s.parse::<u64>().unwrap_or(u64::MAX))
    };
    let (lo, hi) = match container.split_once('-') {
        Some((a, b)) => (number(a)?, number(b)?),
        None => {
            let n = number(container)?;
            (n, n)
        }
    };
    Ok(PortSpec {
        host,
        lo,
        hi,
        proto,
    })
}

impl PortSpec {
    /// Why the container part is invalid, if it is: out of 0-65535 or a
    /// reversed range.
    pub fn problem(&self) -> Option<String> {
        let max = 65535;
        if self.lo > max || self.hi > max {
            let bad = if self.lo > max { self.lo } else { self.hi };
            return Some(format!("port {bad} is outside 0-65535"));
        }
        if self.hi < self.lo {
            return Some(format!(
                "range {}-{} ends before it starts",
                self.lo, self.hi
            ));
        }
        None
    }

    pub fn is_range(&self) -> bool {
        self.hi != self.lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let p = parse_spec("80").unwrap();
        assert_eq!((p.lo, p.hi, p.host, p.proto), (80, 80, None, None));
        let p = parse_spec("53/UDP").unwrap();
        assert_eq!((p.lo, p.proto.as_deref()), (53, Some("UDP")));
        let p = parse_spec("8000-8010/tcp").unwrap();
        assert_eq!((p.lo, p.hi), (8000, 8010));
        assert!(p.is_range());
        let p = parse_spec("127.0.0.1:8080:80/tcp").unwrap();
        assert_eq!((p.host.as_deref(), p.lo), (Some("127.0.0.1:8080"), 80));
        assert!(parse_spec("80/http").is_err());
        assert!(parse_spec("abc").is_err());
        assert!(parse_spec("80-").is_err());
        assert!(parse_spec("").is_err());
        assert!(parse_spec("70000").unwrap().problem().is_some());
        assert!(
            parse_spec("99999999999999999999999")
                .unwrap()
                .problem()
                .is_some()
        );
        assert!(parse_spec("8010-8000").unwrap().problem().is_some());
        assert!(parse_spec("65535").unwrap().problem().is_none());
        assert!(parse_spec("0").unwrap().problem().is_none());
    }
}
