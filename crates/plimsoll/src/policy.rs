//! The gate's inputs: which rules are disabled, which severities are
//! overridden, and the threshold. Rule keys may be ids, names or hadolint ids.

use std::collections::BTreeMap;

use plimsoll_core::{Finding, FindingKind, RuleMeta, Severity};

#[derive(Debug, Default, Clone)]
pub struct Policy {
    pub disabled: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub fail_on: Option<Severity>,
}

fn key_matches(key: &str, id: &str, meta: Option<&RuleMeta>) -> bool {
    key.eq_ignore_ascii_case(id)
        || meta.is_some_and(|m| {
            m.name.eq_ignore_ascii_case(key)
                || m.equivalents
                    .hadolint
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(key))
        })
}

impl Policy {
    /// Keys that name no known rule (a typo, or a hadolint id Plimsoll has
    /// no equivalent for), so the caller can warn about them.
    pub fn unknown_keys(&self, rules: &[RuleMeta]) -> Vec<String> {
        self.disabled
            .iter()
            .chain(self.severity.keys())
            .filter(|key| !rules.iter().any(|m| key_matches(key, m.id, Some(m))))
            .cloned()
            .collect()
    }

    /// Drop disabled findings and apply severity overrides. Parse errors are
    /// never dropped: they mean the file was not audited.
    pub fn apply(&self, findings: &mut Vec<Finding>, rules: &[RuleMeta]) {
        let meta_of = |id: &str| rules.iter().find(|m| m.id == id);
        findings.retain(|f| {
            f.kind == FindingKind::Error
                || !self
                    .disabled
                    .iter()
                    .any(|k| key_matches(k, &f.id, meta_of(&f.id)))
        });
        for f in findings.iter_mut() {
            if let Some((_, sev)) = self
                .severity
                .iter()
                .find(|(k, _)| key_matches(k, &f.id, meta_of(&f.id)))
            {
                f.severity = *sev;
            }
        }
    }

    /// Whether the findings fail the gate.
    pub fn gate_failed<'a>(&self, mut findings: impl Iterator<Item = &'a Finding>) -> bool {
        match self.fail_on {
            None => false,
            Some(t) => findings.any(|f| f.severity >= t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plimsoll_core::{Equivalents, Location};

    fn meta() -> Vec<RuleMeta> {
        vec![RuleMeta {
            id: "PL-DF-401",
            name: "apt-get-unpinned",
            title: "t",
            severity: Severity::Low,
            category: "supply-chain",
            equivalents: Equivalents {
                hadolint: &["DL3008"],
                ..Equivalents::NONE
            },
            doc: "",
        }]
    }

    fn finding(id: &str, sev: Severity) -> Finding {
        Finding {
            id: id.into(),
            kind: FindingKind::Misconfiguration,
            severity: sev,
            title: "t".into(),
            message: "m".into(),
            target: "D".into(),
            location: Location::file("D"),
            evidence: None,
            remediation: None,
            references: vec![],
        }
    }

    #[test]
    fn disable_by_any_key_and_override() {
        for key in ["PL-DF-401", "apt-get-unpinned", "dl3008"] {
            let p = Policy {
                disabled: vec![key.into()],
                ..Policy::default()
            };
            let mut f = vec![finding("PL-DF-401", Severity::Low)];
            p.apply(&mut f, &meta());
            assert!(f.is_empty(), "{key}");
        }
        let mut p = Policy::default();
        p.severity.insert("DL3008".into(), Severity::Critical);
        p.fail_on = Some(Severity::High);
        let mut f = vec![finding("PL-DF-401", Severity::Low)];
        p.apply(&mut f, &meta());
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(p.gate_failed(f.iter()));
        p.fail_on = None;
        assert!(!p.gate_failed(f.iter()));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let p = Policy {
            disabled: vec!["DL9999".into()],
            ..Policy::default()
        };
        assert_eq!(p.unknown_keys(&meta()), ["DL9999"]);
        let p = Policy {
            disabled: vec!["DL3008".into()],
            ..Policy::default()
        };
        assert!(p.unknown_keys(&meta()).is_empty());
    }
}
