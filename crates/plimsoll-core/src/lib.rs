//! The shared vocabulary of Plimsoll: every analysis (Dockerfile rules, image
//! checks, vulnerability matching, host and container audits) speaks in
//! [`Finding`]s, described by [`RuleMeta`], collected into a [`Report`].
//! Nothing in this crate knows where data comes from or how it is printed.

mod finding;
mod rule;
mod severity;

pub use finding::{
    Finding, FindingKind, Location, REPORT_SCHEMA_VERSION, Report, Summary, TargetReport,
};
pub use rule::{Equivalents, RuleMeta};
pub use severity::{ParseSeverityError, Severity};

/// The tool's name as it appears in reports.
pub const TOOL_NAME: &str = "plimsoll";
/// Where users find documentation (used as `informationUri` in SARIF).
pub const TOOL_URI: &str = "https://github.com/plimsoll-dev/plimsoll";
