//! Dockerfile variable substitution (`$V`, `${V}`, `${V:-x}`, `${V-x}`,
//! `${V:+x}`, `${V+x}`, `${V:?msg}`) as BuildKit applies it to FROM, COPY,
//! ENV and friends, with ARG scoping: global ARGs (before the first FROM)
//! are visible in FROM lines; inside a stage only ARGs re-declared in the
//! stage and ENVs are visible.

use std::collections::HashMap;

use crate::parser::{Args, Dockerfile, Keyword};

/// Expand variables in `s`. `lookup` returns `None` for unset variables.
/// `escape` is the Dockerfile's escape character; an escaped `$` stays literal.
/// Returns the expansion and whether every referenced variable was known.
pub fn expand(s: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut all_known = true;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == escape {
            match chars.peek() {
                Some('$') => {
                    chars.next();
                    out.push('$');
                }
                _ => out.push(c),
            }
            continue;
        }
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('{') => {
                chars.next();
                let mut inner = String::new();
                let mut depth = 1;
                for c in chars.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(c);
                }
                let name_end = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, op) = inner.split_at(name_end);
                let val = lookup(name);
                let (v, known) = apply_modifier(val, op, escape, lookup);
                all_known &= known;
                out.push_str(&v);
            }
            Some(&n) if n.is_ascii_alphabetic() || n == '_' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                match lookup(&name) {
                    Some(v) => out.push_str(&v),
                    None => all_known = false,
                }
            }
            _ => out.push('$'),
        }
    }
    (out, all_known)
}

fn apply_modifier(
    val: Option<String>,
    op: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> (String, bool) {
    let word = |w: &str| expand(w, escape, lookup);
    if op.is_empty() {
        return match val {
            Some(v) => (v, true),
            None => (String::new(), false),
        };
    }
    let (colon, rest) = match op.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, op),
    };
    let set = match &val {
        Some(v) => !(colon && v.is_empty()),
        None => false,
    };
    match rest.chars().next() {
        Some('-') => {
            if set {
                (val.unwrap_or_default(), true)
            } else {
                word(&rest[1..])
            }
        }
        Some('+') => {
            if set {
                word(&rest[1..])
            } else {
                (String::new(), true)
            }
        }
        Some('?') => match val {
            Some(v) if set => (v, true),
            _ => (String::new(), false),
        },
        // Pattern operators (`#`, `%`, `/`): keep the value, unknown result.
        _ => (val.unwrap_or_default(), false),
    }
}

/// The global ARG defaults (declared before the first FROM), with build-arg
/// overrides applied.
pub fn global_args(
    df: &Dockerfile,
    overrides: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for inst in &df.instructions {
        if inst.keyword == Keyword::From {
            break;
        }
        if let Args::Arg(decls) = &inst.args {
            for d in decls {
                let lookup = |k: &str| m.get(k).cloned();
                let v = overrides.get(&d.name).cloned().or_else(|| {
                    d.default
                        .as_ref()
                        .map(|def| expand(def, df.escape, &lookup).0)
                });
                if let Some(v) = v {
                    m.insert(d.name.clone(), v);
                }
            }
        }
    }
    m
}

/// The image of a FROM, with global ARGs expanded; `None` when it depends on
/// an ARG without a default.
pub fn resolve_from_image(
    df: &Dockerfile,
    image: &str,
    globals: &HashMap<String, String>,
) -> Option<String> {
    let lookup = |k: &str| globals.get(k).cloned();
    let (v, known) = expand(image, df.escape, &lookup);
    known.then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn forms() {
        let l = env(&[("A", "1"), ("E", "")]);
        let x = |s: &str| expand(s, '\\', &l);
        assert_eq!(x("$A"), ("1".into(), true));
        assert_eq!(x("${A}x"), ("1x".into(), true));
        assert_eq!(x("${B:-dflt}"), ("dflt".into(), true));
        assert_eq!(x("${E:-dflt}"), ("dflt".into(), true));
        assert_eq!(x("${E-dflt}"), ("".into(), true));
        assert_eq!(x("${A:+alt}"), ("alt".into(), true));
        assert_eq!(x("${B:+alt}"), ("".into(), true));
        assert_eq!(x("$B"), ("".into(), false));
        assert_eq!(x("\\$A"), ("$A".into(), true));
        assert_eq!(x("${B:-${A}}"), ("1".into(), true));
        assert_eq!(x("cost$"), ("cost$".into(), true));
    }

    #[test]
    fn global_args_feed_from() {
        let df = crate::parse("ARG V=3.19\nARG IMG=alpine:${V}\nFROM ${IMG}\nARG V\n").unwrap();
        let g = global_args(&df, &HashMap::new());
        assert_eq!(
            resolve_from_image(&df, "${IMG}", &g).as_deref(),
            Some("alpine:3.19")
        );
        assert_eq!(resolve_from_image(&df, "${NOPE}", &g), None);
        let mut o = HashMap::new();
        o.insert("V".to_string(), "3.20".to_string());
        let g = global_args(&df, &o);
        assert_eq!(
            resolve_from_image(&df, "$IMG", &g).as_deref(),
            Some("alpine:3.20")
        );
    }
}
