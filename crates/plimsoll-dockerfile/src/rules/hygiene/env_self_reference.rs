use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{instructions, keyword_label};
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-608",
        name: "env-self-reference",
        title: "ENV refers to a variable defined in the same instruction",
        severity: Severity::Low,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3044"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
An `ENV` (also in `ONBUILD`) with several `KEY=value` pairs where one value
uses `$KEY` or `${KEY}` of another pair of the same instruction, and `KEY`
was not defined by an earlier `ENV` or `ARG`. Single-quoted and escaped
(`\$KEY`) references are literal and not counted.

## Why it matters
All values of one `ENV` are expanded with the variables as they were
*before* the instruction: in `ENV DIR=/opt/app PATH=$DIR/bin:$PATH`, `$DIR`
is empty, so `PATH` gets `/bin:…` rather than `/opt/app/bin:…`. The image
builds fine and the mistake shows up at run time.

## Example
```dockerfile
ENV APP_HOME=/opt/app APP_BIN=${APP_HOME}/bin
```

## Use instead
```dockerfile
ENV APP_HOME=/opt/app
ENV APP_BIN=${APP_HOME}/bin
```

## How to fix
Define the variable in an earlier `ENV` instruction.
"#,
    },
    check,
};

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Variables referenced in a raw ENV value (outside single quotes, not
/// escaped).
fn references(raw: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    let mut single = false;
    let mut double = false;
    while i < chars.len() {
        let c = chars[i];
        if c == escape && !single {
            i += 2;
            continue;
        }
        if c == '\'' && !double {
            single = !single;
        } else if c == '"' && !single {
            double = !double;
        } else if c == '$' && !single {
            let braced = chars.get(i + 1) == Some(&'{');
            let start = if braced { i + 2 } else { i + 1 };
            let mut j = start;
            while j < chars.len() && is_name_char(chars[j]) {
                j += 1;
            }
            if j > start {
                out.push(chars[start..j].iter().collect());
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let mut known: Vec<String> = Vec::new();
    for (_, inst, onbuild) in instructions(cx.df) {
        match &inst.args {
            Args::Arg(decls) => known.extend(decls.iter().map(|d| d.name.clone())),
            Args::Env(pairs) => {
                for (i, p) in pairs.iter().enumerate() {
                    for r in references(&p.raw_value, cx.df.escape) {
                        let defined_here = pairs
                            .iter()
                            .enumerate()
                            .any(|(j, q)| j != i && q.key == r);
                        if defined_here && !known.contains(&r) {
                            out.push(
                                Violation::new(
                                    p.span,
                                    format!(
                                        "{} sets {} from ${r}, which the same instruction defines: values see ${r} as it was before this {}, so it is empty here; define {r} in an earlier ENV",
                                        keyword_label(inst, onbuild),
                                        p.key,
                                        keyword_label(inst, onbuild)
                                    ),
                                )
                                .with_evidence(format!("{}={}", p.key, p.raw_value)),
                            );
                        }
                    }
                }
                known.extend(pairs.iter().map(|p| p.key.clone()));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_same_instruction_references() {
        assert_eq!(lines(&RULE, "FROM a:1\nENV A=/opt B=${A}/bin\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nENV A=/opt \\\n  # bin dir\n  B=$A/bin\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nENV B=\"$A/bin\" A=/opt\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD ENV A=1 B=$A\n"), [2]);
    }

    #[test]
    fn accepts_earlier_definitions_and_literals() {
        assert!(lines(&RULE, "FROM a:1\nENV A=/opt\nENV B=${A}/bin\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nARG A\nENV A=${A} B=${A}/bin\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nENV PATH=/x:$PATH\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nENV A=1 B=$AB\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nENV A=1 B='$A'\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nENV A=1 B=\\$A\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nENV A /x $A\n").is_empty());
    }
}
