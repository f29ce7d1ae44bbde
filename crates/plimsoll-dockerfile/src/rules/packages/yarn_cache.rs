use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, removes_dir, report_missing_cleanup};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-512",
        name: "yarn-cache-not-cleaned",
        title: "yarn install without yarn cache clean",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3060"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A RUN with `yarn install` and no `yarn cache clean` after it in the same
RUN, unless yarn's cache directory is a cache mount. Only stages that end up
in an image are judged: the final stage and stages another `FROM` builds on.

## Why it matters
Yarn (v1) keeps a copy of every downloaded package in its global cache
(`/usr/local/share/.cache/yarn` for root). In an image that is pure dead
weight, often larger than `node_modules` itself.

## Example
```dockerfile
RUN yarn install --frozen-lockfile
```

## Use instead
```dockerfile
RUN yarn install --frozen-lockfile && yarn cache clean
```

## How to fix
End the RUN with `yarn cache clean`, or use
`RUN --mount=type=cache,target=/usr/local/share/.cache/yarn`.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_cleanup(
        cx,
        true,
        out,
        |c| has_arg(c, "yarn", &["install"]),
        |c| has_arg(c, "yarn", &["cache", "clean"]) || removes_dir(c, "/usr/local/share/.cache/yarn"),
        &["/usr/local/share/.cache/yarn", "/root/.cache/yarn"],
        |_| "yarn install without `yarn cache clean` in the same RUN leaves yarn's cache in the image".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_clean() {
        assert_eq!(lines(&RULE, "FROM n:20\nRUN yarn install --frozen-lockfile\n"), [2]);
        assert_eq!(lines(&RULE, "FROM n:20\nRUN <<EOF\nyarn install\nyarn build\nEOF\n"), [3]);
    }

    #[test]
    fn accepts_clean() {
        for ok in [
            "yarn install && yarn cache clean",
            "yarn install --frozen-lockfile \\\n  # tidy\n  && yarn cache clean --all",
            "--mount=type=cache,target=/usr/local/share/.cache/yarn yarn install",
            "yarn build",
        ] {
            assert!(lines(&RULE, &format!("FROM n:20\nRUN {ok}\n")).is_empty(), "{ok}");
        }
        // A build stage whose files are copied, not its layers.
        assert!(lines(&RULE, "FROM n:20 AS build\nRUN yarn install\nFROM nginx:1\nCOPY --from=build /app/dist /srv\n").is_empty());
    }
}
