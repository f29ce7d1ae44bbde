//! The Dockerfile rules: one file per rule, each declaring its [`Rule`]
//! (metadata + check function). [`RULES`] is the registry that drives
//! auditing, `plimsoll rules`, `plimsoll explain`, SARIF metadata and the
//! generated docs.

use std::collections::HashMap;

use plimsoll_core::RuleMeta;

use crate::parser::{Args, Dockerfile, Form, Instruction, Keyword};
use crate::shell::{self, Command, Script};
use crate::span::Span;

/// A check: metadata plus the function that finds violations.
pub struct Rule {
    pub meta: RuleMeta,
    pub check: fn(&Ctx<'_>, &mut Vec<Violation>),
}

/// One place where a rule is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub span: Span,
    pub message: String,
    /// The offending text (redacted for secrets).
    pub evidence: Option<String>,
}

impl Violation {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Violation {
            span,
            message: message.into(),
            evidence: None,
        }
    }

    pub fn with_evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = Some(evidence.into());
        self
    }
}

/// Settings that change what rules look for (not severities or ignores:
/// those are generic and applied afterwards).
#[derive(Debug, Clone, Default)]
pub struct RuleConfig {
    /// Registries FROM may pull from (`docker.io`, `ghcr.io`, `registry.example.com:5000`).
    /// Empty: the trusted-registry rule is silent.
    pub trusted_registries: Vec<String>,
    /// Values for ARGs, as `--build-arg` would give them.
    pub build_args: HashMap<String, String>,
}

/// Where a tokenized script's offsets point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptBase {
    /// Offsets are into [`Instruction::rest`].
    Rest,
    /// Offsets are into a heredoc body starting at this source offset.
    Source(usize),
    /// Exec form: no precise offsets; the whole argument span.
    Whole(Span),
}

/// A tokenized shell script belonging to a RUN (or ONBUILD RUN).
#[derive(Debug, Clone)]
pub struct RunScript {
    pub script: Script,
    pub base: ScriptBase,
}

/// A RUN instruction as rules see it.
pub struct Run<'a> {
    /// Index of the (outer) instruction in [`Dockerfile::instructions`].
    pub index: usize,
    /// The RUN itself (the inner instruction for ONBUILD RUN).
    pub inst: &'a Instruction,
    pub onbuild: bool,
    pub scripts: &'a [RunScript],
}

impl Run<'_> {
    /// All commands of all scripts of this RUN.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.scripts.iter().flat_map(|s| s.script.commands.iter())
    }

    /// Commands with their script (for spans).
    pub fn commands_with_script(&self) -> impl Iterator<Item = (&RunScript, &Command)> {
        self.scripts
            .iter()
            .flat_map(|s| s.script.commands.iter().map(move |c| (s, c)))
    }

    /// Source span of a byte range of a script.
    pub fn span_in(&self, script: &RunScript, start: usize, end: usize) -> Span {
        match script.base {
            ScriptBase::Rest => self.inst.rest_span(start, end),
            ScriptBase::Source(base) => Span::new(base + start, base + end),
            ScriptBase::Whole(span) => span,
        }
    }

    /// Span of a command (in the script it came from).
    pub fn command_span(&self, cmd: &Command) -> Span {
        for s in self.scripts {
            if s.script.commands.iter().any(|c| std::ptr::eq(c, cmd)) {
                return self.span_in(s, cmd.start, cmd.end);
            }
        }
        self.inst.span
    }
}

/// What a rule sees: the parsed file, configuration and tokenized RUNs.
pub struct Ctx<'a> {
    pub df: &'a Dockerfile,
    pub config: &'a RuleConfig,
    /// Global ARG values (defaults before the first FROM, with build-arg
    /// overrides), computed once for all rules.
    pub globals: HashMap<String, String>,
    runs: Vec<(usize, &'a Instruction, bool, Vec<RunScript>)>,
    /// For each stage, the earlier stage its FROM builds on.
    parents: Vec<Option<usize>>,
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"];

impl<'a> Ctx<'a> {
    pub fn new(df: &'a Dockerfile, config: &'a RuleConfig) -> Self {
        let mut runs = Vec::new();
        for (i, inst) in df.instructions.iter().enumerate() {
            let (inner, onbuild) = match &inst.args {
                Args::Onbuild(inner) => (inner.as_ref(), true),
                _ => (inst, false),
            };
            if inner.keyword == Keyword::Run {
                runs.push((i, inner, onbuild, scripts_of(inner)));
            }
        }
        let globals = crate::vars::global_args(df, &config.build_args);
        let parents = (0..df.stages.len())
            .map(|i| parent_of(df, &globals, i))
            .collect();
        Ctx {
            df,
            config,
            globals,
            runs,
            parents,
        }
    }

    /// Every RUN, in file order, including ONBUILD RUN triggers.
    pub fn runs(&self) -> impl Iterator<Item = Run<'_>> {
        self.runs.iter().map(|(i, inst, onbuild, scripts)| Run {
            index: *i,
            inst,
            onbuild: *onbuild,
            scripts,
        })
    }

    /// The run at an instruction index.
    pub fn run_at(&self, index: usize) -> Option<Run<'_>> {
        self.runs().find(|r| r.index == index)
    }

    /// A FROM image with the global ARGs expanded; `None` when it depends on
    /// an ARG without a value.
    pub fn resolve_image(&self, image: &str) -> Option<String> {
        crate::vars::resolve_from_image(self.df, image, &self.globals)
    }

    /// The earlier stage that stage `stage` is built on (`FROM build AS
    /// test`, or `FROM 0`), if any.
    pub fn parent_stage(&self, stage: usize) -> Option<usize> {
        self.parents.get(stage).copied().flatten()
    }

    /// The final stage and the stages it is built on, nearest first: the
    /// stages whose layers make up the image.
    pub fn final_chain(&self) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut cur = self.df.stages.len().checked_sub(1);
        while let Some(s) = cur {
            if chain.contains(&s) {
                break;
            }
            chain.push(s);
            cur = self.parent_stage(s);
        }
        chain
    }

    /// Whether the layers of stage `stage` end up in an image: it is the
    /// final stage or another stage builds on it. (A stage that is only
    /// `COPY --from`'d does not ship its layers.)
    pub fn stage_ships(&self, stage: usize) -> bool {
        stage + 1 == self.df.stages.len() || self.parents.contains(&Some(stage))
    }

    /// Instructions of the final stage.
    pub fn final_stage(&self) -> &'a [Instruction] {
        self.df
            .stage_instructions(self.df.stages.len().saturating_sub(1))
    }

    /// The SHELL in effect for instruction `index` (its stage's last SHELL
    /// before it), or `None` for the default `/bin/sh -c`.
    pub fn shell_at(&self, index: usize) -> Option<&'a [String]> {
        let inst = self.df.instructions.get(index)?;
        let stage = self.df.stages.get(inst.stage?)?;
        self.df.instructions[stage.start..index]
            .iter()
            .rev()
            .find_map(|i| match &i.args {
                Args::Shell(v) => Some(v.as_slice()),
                _ => None,
            })
    }
}

/// The earlier stage a stage's FROM names, by name (after ARG expansion)
/// or by number.
fn parent_of(df: &Dockerfile, globals: &HashMap<String, String>, stage: usize) -> Option<usize> {
    let st = df.stages.get(stage)?;
    let image = crate::vars::resolve_from_image(df, &st.image, globals)?;
    let lower = image.to_ascii_lowercase();
    df.stages[..stage]
        .iter()
        .rev()
        .find(|p| p.name.as_deref() == Some(lower.as_str()))
        .map(|p| p.index)
        .or_else(|| image.parse::<usize>().ok().filter(|n| *n < stage))
}

/// Tokenize what a RUN executes: the shell-form line; a heredoc body when
/// the line is just the heredoc (`RUN <<EOF`) or feeds it to a shell
/// (`RUN bash <<EOF`); `sh -c SCRIPT` in exec form; other exec forms as one
/// command.
fn scripts_of(inst: &Instruction) -> Vec<RunScript> {
    let mut out = Vec::new();
    match &inst.args {
        Args::Run(Form::Exec { args, span }) => {
            let is_shell_c = args.len() >= 3
                && SHELLS.contains(&args[0].rsplit('/').next().unwrap_or(""))
                && args[1].starts_with('-')
                && args[1].contains('c');
            if is_shell_c {
                out.push(RunScript {
                    script: shell::tokenize(&args[2]),
                    base: ScriptBase::Whole(*span),
                });
            } else {
                let quoted: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
                out.push(RunScript {
                    script: shell::tokenize(&quoted.join(" ")),
                    base: ScriptBase::Whole(*span),
                });
            }
        }
        Args::Run(Form::Shell { text, .. }) => {
            let line = shell::tokenize(text);
            let heredoc_is_script = inst.heredocs.first().is_some_and(|_| {
                let first_cmd = line.commands.first();
                match first_cmd {
                    // `RUN <<EOF`: the line has no command words at all.
                    None => true,
                    Some(c) => c.words.is_empty() || SHELLS.contains(&c.name().unwrap_or("")),
                }
            });
            if !line.commands.iter().all(|c| c.words.is_empty()) {
                out.push(RunScript {
                    script: line,
                    base: ScriptBase::Rest,
                });
            }
            if heredoc_is_script {
                if let Some(h) = inst.heredocs.first() {
                    out.push(RunScript {
                        script: shell::tokenize(&h.body),
                        base: ScriptBase::Source(h.body_span.start as usize),
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// Compiles a regular expression written in this crate. Every pattern is a
/// constant exercised by the unit tests, so a failure is a bug in Plimsoll
/// (reported by the CLI as an internal error), never a reaction to input.
#[allow(clippy::expect_used)]
pub(crate) fn regex(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("a constant pattern of this crate compiles")
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

mod parse_error;

mod hygiene;
mod packages;
mod privilege;
mod secrets;
mod supply;
mod trust;

/// Declares a group of rules: one module per rule, and the group's list.
macro_rules! group {
    ($($m:ident),* $(,)?) => {
        $(mod $m;)*
        /// The rules of this group.
        pub static RULES: &[&crate::rules::Rule] = &[$(&$m::RULE),*];
    };
}
pub(crate) use group;

/// Every Dockerfile rule, in id order.
pub static RULES: std::sync::LazyLock<Vec<&'static Rule>> = std::sync::LazyLock::new(|| {
    let mut v: Vec<&'static Rule> = std::iter::once(&parse_error::RULE)
        .chain(trust::RULES.iter().copied())
        .chain(privilege::RULES.iter().copied())
        .chain(secrets::RULES.iter().copied())
        .chain(supply::RULES.iter().copied())
        .chain(packages::RULES.iter().copied())
        .chain(hygiene::RULES.iter().copied())
        .collect();
    v.sort_by_key(|r| r.meta.id);
    v
});

/// hadolint rules where Plimsoll deliberately differs from hadolint, with
/// the reason (see docs/hadolint-agreement.md).
pub fn hadolint_deviations() -> Vec<(&'static str, &'static str)> {
    [
        trust::HADOLINT_DEVIATIONS,
        privilege::HADOLINT_DEVIATIONS,
        secrets::HADOLINT_DEVIATIONS,
        supply::HADOLINT_DEVIATIONS,
        packages::HADOLINT_DEVIATIONS,
        hygiene::HADOLINT_DEVIATIONS,
    ]
    .concat()
}

/// Look a rule up by id (`PL-DF-001`), name (`from-untagged`) or an
/// equivalent hadolint id (`DL3006`).
pub fn find(key: &str) -> Vec<&'static Rule> {
    let exact: Vec<_> = RULES
        .iter()
        .copied()
        .filter(|r| r.meta.id.eq_ignore_ascii_case(key) || r.meta.name.eq_ignore_ascii_case(key))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    RULES
        .iter()
        .copied()
        .filter(|r| {
            r.meta
                .equivalents
                .hadolint
                .iter()
                .any(|h| h.eq_ignore_ascii_case(key))
        })
        .collect()
}

pub use parse_error::RULE as PARSE_ERROR;

#[cfg(test)]
pub(crate) mod testing {
    use super::{Ctx, Rule, RuleConfig};

    /// Lines where `rule` fires on `src` (which must parse).
    pub fn lines(rule: &Rule, src: &str) -> Vec<u32> {
        lines_with(rule, src, &RuleConfig::default())
    }

    pub fn lines_with(rule: &Rule, src: &str, config: &RuleConfig) -> Vec<u32> {
        messages_with(rule, src, config)
            .into_iter()
            .map(|(l, _)| l)
            .collect()
    }

    /// (line, message) of each violation.
    pub fn messages_with(rule: &Rule, src: &str, config: &RuleConfig) -> Vec<(u32, String)> {
        let df = match crate::parse(src) {
            Ok(df) => df,
            Err(e) => panic!("test input does not parse: {e}\n{src}"),
        };
        let cx = Ctx::new(&df, config);
        let mut v = Vec::new();
        (rule.check)(&cx, &mut v);
        v.into_iter()
            .map(|v| (df.pos(v.span.start).line, v.message))
            .collect()
    }
}
