//! Helpers shared by the privilege rules: the variables visible to an
//! instruction (stage ARGs and ENVs, inherited ENVs of a parent stage), and
//! the effective USER of a stage.

use std::collections::HashMap;

use crate::parser::{Args, Keyword};
use crate::rules::Ctx;
use crate::vars;

/// Variables visible at instruction `index` (BuildKit scoping: global ARGs
/// only when re-declared in the stage; ENV wins over ARG; ENV of a parent
/// stage is inherited by `FROM parent`).
pub fn vars_at(cx: &Ctx<'_>, index: usize) -> HashMap<String, String> {
    let Some(stage) = cx.df.instructions.get(index).and_then(|i| i.stage) else {
        return cx.globals.clone();
    };
    let (args, env) = scan(cx, stage, index, &cx.globals, 0);
    let mut m = args;
    m.extend(env);
    m
}

/// Expand `s` with the variables visible at instruction `index`; `None`
/// when a referenced variable is unknown.
pub fn expand_at(cx: &Ctx<'_>, index: usize, s: &str) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let m = vars_at(cx, index);
    let lookup = |k: &str| m.get(k).cloned();
    let (v, known) = vars::expand(s, cx.df.escape, &lookup);
    known.then_some(v)
}

type Scope = (HashMap<String, String>, HashMap<String, String>);

fn scan(
    cx: &Ctx<'_>,
    stage: usize,
    upto: usize,
    globals: &HashMap<String, String>,
    depth: usize,
) -> Scope {
    let mut args: HashMap<String, String> = HashMap::new();
    let mut env: HashMap<String, String> = HashMap::new();
    let Some(s) = cx.df.stages.get(stage) else {
        return (args, env);
    };
    if depth < 16 {
        if let Some(p) = cx.parent_stage(stage) {
            let end = cx.df.stages[p].end;
            env = scan(cx, p, end, globals, depth + 1).1;
        }
    }
    let upto = upto.min(s.end);
    for inst in cx.df.instructions.get(s.start + 1..upto).unwrap_or(&[]) {
        match &inst.args {
            Args::Arg(decls) => {
                for d in decls {
                    let value =
                        cx.config
                            .build_args
                            .get(&d.name)
                            .cloned()
                            .or_else(|| match &d.default {
                                Some(def) => {
                                    let lookup =
                                        |k: &str| env.get(k).or_else(|| args.get(k)).cloned();
                                    Some(vars::expand(def, cx.df.escape, &lookup).0)
                                }
                                None => globals.get(&d.name).cloned(),
                            });
                    match value {
                        Some(v) => {
                            args.insert(d.name.clone(), v);
                        }
                        None => {
                            args.remove(&d.name);
                        }
                    }
                }
            }
            Args::Env(kvs) => {
                for kv in kvs {
                    let lookup = |k: &str| env.get(k).or_else(|| args.get(k)).cloned();
                    let (v, _) = vars::expand(&kv.value, cx.df.escape, &lookup);
                    env.insert(kv.key.clone(), v);
                }
            }
            _ => {}
        }
    }
    (args, env)
}

/// The USER in effect at the end of a stage: the index of the last USER
/// instruction (following `FROM earlier-stage` chains), or `None` when no
/// USER is set and the base image's user applies.
pub fn effective_user(cx: &Ctx<'_>, stage: usize) -> Option<usize> {
    let mut cur = stage;
    for _ in 0..=cx.df.stages.len() {
        let s = cx.df.stages.get(cur)?;
        let last = (s.start..s.end)
            .rev()
            .find(|&i| cx.df.instructions[i].keyword == Keyword::User);
        if last.is_some() {
            return last;
        }
        cur = cx.parent_stage(cur)?;
    }
    None
}

/// Whether a USER value names root: user `root` or UID 0, with any group.
pub fn is_root_user(value: &str) -> bool {
    let user = value.split(':').next().unwrap_or(value).trim();
    user == "root" || (!user.is_empty() && user.chars().all(|c| c == '0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleConfig;

    #[test]
    fn stage_scoping() {
        let src = "ARG G=1\nARG H=2\nFROM a:1 AS base\nARG G\nENV E=${G}x\nFROM base\nARG H\nARG K=${E}\nUSER u\n";
        let df = crate::parse(src).unwrap();
        let config = RuleConfig::default();
        let cx = Ctx::new(&df, &config);
        let m = vars_at(&cx, 8);
        assert_eq!(m.get("E").map(String::as_str), Some("1x"));
        assert_eq!(m.get("H").map(String::as_str), Some("2"));
        assert_eq!(m.get("K").map(String::as_str), Some("1x"));
        assert_eq!(m.get("G"), None);
        assert_eq!(expand_at(&cx, 8, "$E-$H").as_deref(), Some("1x-2"));
        assert_eq!(expand_at(&cx, 8, "$NOPE"), None);
        assert_eq!(cx.parent_stage(1), Some(0));
    }

    #[test]
    fn root_values() {
        for v in ["root", "0", "root:root", "0:0", "root:staff", "00"] {
            assert!(is_root_user(v), "{v}");
        }
        for v in ["1000", "app", "1000:0", "rooty", "", "10"] {
            assert!(!is_root_user(v), "{v}");
        }
    }
}
