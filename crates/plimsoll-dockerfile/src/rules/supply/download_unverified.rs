use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{effective, is_interpreter};
use crate::rules::{Ctx, Run, Rule, Violation};
use crate::shell::{Command, Connector, ShWord};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-452",
        name: "download-unverified",
        title: "Download without checksum or signature verification",
        severity: Severity::Medium,
        category: "supply-chain",
        equivalents: Equivalents {
            cis: &["4.11"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `RUN` that downloads a file with `curl` or `wget` (to a file, or piped into
`tar`, `unzip`, `dpkg`, `rpm`…) and never verifies it: no `sha256sum -c`
(or `sha512sum`, `shasum`, `md5sum`…), no `gpg --verify`/`gpgv`, no
`cosign verify*`, `minisign -V`, `openssl dgst` or `rpm --checksig` in the
same `RUN`, and no later `RUN` of the stage that verifies the downloaded
file by name.

Downloads of keys, signatures and checksum files themselves (`*.asc`,
`*.sig`, `*.gpg`, `*.key`, `*.pub`, `SHA256SUMS`, `…/gpg`), of package
repository definitions (`*.list`, `*.repo`) and to `/dev/null` are not
reported, nor are calls whose output is only printed (API calls). The
docker-library pattern (download, download the `.asc`, `gpg --verify`,
`sha256sum -c`) passes. Piping into a shell is `pipe-to-shell` (PL-DF-451).

## Why it matters
TLS only proves which server answered, not that the file is the one you
reviewed: a compromised release host, a re-tagged release or a mirror can
serve a different binary, and every rebuild trusts it blindly. A pinned
checksum or a signature check makes the build fail instead.

## Example
```dockerfile
RUN curl -fsSLo /usr/local/bin/kubectl https://dl.k8s.io/release/v1.31.0/bin/linux/amd64/kubectl
```

## Use instead
```dockerfile
ARG KUBECTL_SHA256=…
RUN curl -fsSLo /usr/local/bin/kubectl https://dl.k8s.io/release/v1.31.0/bin/linux/amd64/kubectl \
 && echo "${KUBECTL_SHA256}  /usr/local/bin/kubectl" | sha256sum -c - \
 && chmod +x /usr/local/bin/kubectl
```

## How to fix
Pin the expected SHA-256 (in an `ARG` or inline) and check it with
`sha256sum -c` right after the download, or verify the publisher's signature
with `gpg --verify`/`cosign verify-blob`. `ADD --checksum=sha256:…` does the
same for a single file.
"#,
    },
    check,
};

const HASHERS: &[&str] = &[
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "md5sum",
    "b2sum",
    "b3sum",
    "shasum",
    "sha256",
    "sha512",
    "cksum",
    "rhash",
    "gpgv",
    "gpgv2",
    "minisign",
    "signify",
    "signify-openbsd",
    "slsa-verifier",
    "pgpverify",
    "certutil",
];

/// Whether `cmd` verifies a checksum or a signature.
pub(crate) fn is_verification(cmd: &Command) -> bool {
    let Some((n, args)) = effective(cmd) else {
        return false;
    };
    let has = |f: &str| args.iter().any(|a| a.text == f || a.text.starts_with(&format!("{f}=")));
    match n {
        _ if HASHERS.contains(&n) => true,
        "gpg" | "gpg2" => has("--verify") || has("--verify-files"),
        "cosign" | "sigstore" | "notation" | "sigstore-python" => {
            args.iter().any(|a| a.text.starts_with("verify"))
        }
        "openssl" => args
            .iter()
            .any(|a| a.text == "dgst" || a.text == "-verify" || a.text.starts_with("sha")),
        "rpm" | "rpmkeys" => cmd.has_any_flag(&["-K", "--checksig"]),
        "python" | "python3" => args.iter().any(|a| a.text.contains("hashlib")),
        _ => false,
    }
}

/// Files that are keys, signatures, checksums or repository definitions.
fn is_trust_material(target: &str) -> bool {
    let t = target
        .trim_end_matches('/')
        .to_ascii_lowercase()
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_string();
    let base = t.rsplit('/').next().unwrap_or(&t);
    const SUFFIXES: &[&str] = &[
        ".asc", ".sig", ".sign", ".gpg", ".pgp", ".pub", ".key", ".sha1", ".sha256", ".sha512",
        ".md5", ".sum", ".sums", ".minisig", ".pem", ".crt", ".cer", ".list", ".repo",
        ".sources", ".sha256sum", ".sha512sum", ".sha256.txt", ".intoto.jsonl", ".keyring",
        ".sigstore", ".bundle",
    ];
    SUFFIXES.iter().any(|s| base.ends_with(s))
        || matches!(base, "gpg" | "gpgkey" | "key" | "keys" | "pubkey")
        || base.contains("sha256sums")
        || base.contains("shasums")
        || base.contains("checksums")
        || base.contains("keyring")
}

const EXTRACTORS: &[&str] = &[
    "tar", "bsdtar", "unzip", "gunzip", "gzip", "xz", "unxz", "bzip2", "bunzip2", "zcat",
    "xzcat", "zstd", "unzstd", "dpkg", "rpm", "cpio", "7z", "7za", "jar", "tee", "dd", "install",
    "apk", "busybox",
];

/// curl options that take a value (so their value is not a URL).
const CURL_VALUE: &[&str] = &[
    "-o", "--output", "-u", "--user", "-H", "--header", "-A", "--user-agent", "-e", "--referer",
    "-x", "--proxy", "-X", "--request", "-m", "--max-time", "--connect-timeout", "--retry",
    "--retry-delay", "--retry-max-time", "-w", "--write-out", "-b", "--cookie", "-c",
    "--cookie-jar", "-r", "--range", "-C", "--continue-at", "--cacert", "--cert", "--key", "-E",
    "-K", "--config", "--output-dir", "-z", "--limit-rate", "--max-filesize", "--resolve",
    "--connect-to", "--proto", "--proto-redir", "-y", "-Y", "--speed-limit", "--speed-time",
    "--interface", "--netrc-file", "--noproxy", "--stderr", "--trace", "--trace-ascii",
    "--retry-all-errors-delay", "--url",
];

/// The value of a short option `-x` (alone, at the end of a cluster, or
/// attached) or its long form.
fn opt_value<'a>(args: &'a [ShWord], short: char, long: &str) -> Option<&'a str> {
    for (i, w) in args.iter().enumerate() {
        let a = w.text.as_str();
        if a == "--" {
            break;
        }
        if a == long {
            return args.get(i + 1).map(|n| n.text.as_str());
        }
        if let Some(v) = a.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
            return Some(v);
        }
        if let Some(cluster) = a.strip_prefix('-') {
            if cluster.starts_with('-') || cluster.is_empty() {
                continue;
            }
            if let Some(pos) = cluster.find(short) {
                let rest = &cluster[pos + short.len_utf8()..];
                if rest.is_empty() {
                    return args.get(i + 1).map(|n| n.text.as_str());
                }
                if cluster[..pos].chars().all(|c| c.is_ascii_alphabetic()) {
                    return Some(rest);
                }
            }
        }
    }
    None
}

fn urls(args: &[ShWord], with_value: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for w in args {
        if skip {
            skip = false;
            continue;
        }
        let a = w.text.as_str();
        if a.starts_with('-') {
            skip = !a.contains('=') && with_value.contains(&a);
            continue;
        }
        out.push(a.to_string());
    }
    out
}

/// A download to a file (or into an extractor): (what is downloaded, where to).
fn download(cmd: &Command, next: Option<&Command>) -> Option<(String, Option<String>)> {
    let (name, args) = effective(cmd)?;
    let to_stdout: bool;
    let mut output: Option<String> = None;
    let url_list;
    match name {
        "curl" => {
            if cmd.has_any_flag(&[
                "-I", "--head", "-d", "--data", "--data-binary", "--data-raw", "--data-urlencode",
                "-F", "--form", "-T", "--upload-file", "--json",
            ]) {
                return None;
            }
            if let Some(m) = opt_value(args, 'X', "--request") {
                if !m.eq_ignore_ascii_case("GET") {
                    return None;
                }
            }
            url_list = urls(args, CURL_VALUE);
            if let Some(o) = opt_value(args, 'o', "--output") {
                output = Some(o.to_string());
            }
            let remote_name = cmd.has_any_flag(&["-O", "--remote-name", "--remote-name-all"]);
            to_stdout = output.is_none() && !remote_name;
        }
        "wget" => {
            if cmd.has_flag("--spider") {
                return None;
            }
            url_list = urls(args, &["-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file", "-a", "--append-output", "-U", "--user-agent", "--header", "-e", "--execute", "-t", "--tries", "-T", "--timeout", "--user", "--password", "--post-data", "-i", "--input-file", "--progress", "-w", "--wait"]);
            output = opt_value(args, 'O', "--output-document").map(str::to_string);
            to_stdout = output.as_deref() == Some("-");
        }
        _ => return None,
    }
    let url = url_list
        .iter()
        .find(|u| u.contains("://"))
        .or_else(|| url_list.first())
        .cloned()
        .unwrap_or_default();
    if is_trust_material(&url) {
        return None;
    }
    if let Some(o) = &output {
        if o == "/dev/null" || is_trust_material(o) {
            return None;
        }
    }
    if to_stdout {
        let redirected = cmd
            .redirects
            .iter()
            .find(|r| matches!(r.op.as_str(), ">" | ">>" | ">|"))
            .map(|r| r.target.clone());
        if let Some(t) = redirected {
            if t == "/dev/null" || is_trust_material(&t) {
                return None;
            }
            return Some((url, Some(t)));
        }
        if cmd.next != Connector::Pipe {
            return None;
        }
        let (n, nargs) = next.and_then(effective)?;
        if is_interpreter(n) && n != "busybox" {
            return None;
        }
        if !EXTRACTORS.contains(&n) {
            return None;
        }
        if n == "tee" {
            let t = nargs.iter().find(|a| !a.text.starts_with('-'))?;
            if is_trust_material(&t.text) {
                return None;
            }
            return Some((url, Some(t.text.clone())));
        }
        return Some((url, None));
    }
    let out = output.filter(|o| o != "-").or_else(|| {
        let base = url.split(['?', '#']).next().unwrap_or("");
        base.rsplit('/').next().map(str::to_string)
    });
    Some((url, out))
}

/// A later RUN of the same stage verifies `file`.
fn verified_later(cx: &Ctx<'_>, run: &Run<'_>, file: &str) -> bool {
    let base = file.rsplit('/').next().unwrap_or(file);
    if base.len() < 3 || base.contains('$') {
        return false;
    }
    let stage = run.inst.stage.or_else(|| cx.df.instructions.get(run.index).and_then(|i| i.stage));
    cx.runs()
        .filter(|r| r.index > run.index)
        .filter(|r| cx.df.instructions.get(r.index).and_then(|i| i.stage) == stage)
        .any(|r| {
            r.commands().any(is_verification)
                && cx
                    .df
                    .instructions
                    .get(r.index)
                    .and_then(|i| cx.df.source.get(i.span.start as usize..i.span.end as usize))
                    .is_some_and(|t| t.contains(base))
        })
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        if run.commands().any(is_verification) {
            continue;
        }
        for script in run.scripts {
            let cmds = &script.script.commands;
            for (i, cmd) in cmds.iter().enumerate() {
                let Some((url, target)) = download(cmd, cmds.get(i + 1)) else {
                    continue;
                };
                if target.as_deref().is_some_and(|t| verified_later(cx, &run, t)) {
                    continue;
                }
                let shown: String = url.chars().take(100).collect();
                let into = match &target {
                    Some(t) => format!(" to {t}"),
                    None => String::new(),
                };
                out.push(
                    Violation::new(
                        run.span_in(script, cmd.start, cmd.end),
                        format!(
                            "{} downloads {shown}{into} without verifying it; check a pinned sha256 \
                             (`sha256sum -c`) or a signature (`gpg --verify`) in the same RUN",
                            cmd.name().unwrap_or("download")
                        ),
                    )
                    .with_evidence(shown),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_unverified_downloads() {
        for src in [
            "FROM a:1\nRUN curl -fsSLo /usr/local/bin/tool https://x/tool\n",
            "FROM a:1\nRUN curl -fsSL -o tool.tgz https://x/tool.tgz && tar xzf tool.tgz\n",
            "FROM a:1\nRUN curl -fsSLO https://x/tool.tgz\n",
            "FROM a:1\nRUN wget https://x/tool.tgz\n",
            "FROM a:1\nRUN wget -q -O /tmp/t.deb https://x/t.deb && dpkg -i /tmp/t.deb\n",
            "FROM a:1\nRUN curl -fsSL https://x/tool.tgz | tar -xz -C /usr/local\n",
            "FROM a:1\nRUN wget -qO- https://x/tool.tgz | tar xz\n",
            "FROM a:1\nRUN curl -fsSL https://x/tool > /usr/bin/tool\n",
        ] {
            assert_eq!(lines(&RULE, src), [2], "{src}");
        }
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\ncurl -o /t https://x/t\nEOF\n"), [3]);
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN set -e \\\n  # get it\n  && curl -fsSLo t https://x/t\n"),
            [4]
        );
    }

    #[test]
    fn accepts_verified_downloads_and_non_downloads() {
        for src in [
            // docker-library style
            "FROM a:1\nRUN set -eux; curl -fsSL -o php.tar.xz \"$PHP_URL\"; \\\n  if [ -n \"$PHP_SHA256\" ]; then echo \"$PHP_SHA256 *php.tar.xz\" | sha256sum -c -; fi; \\\n  curl -fsSL -o php.tar.xz.asc \"$PHP_ASC_URL\"; gpg --batch --verify php.tar.xz.asc php.tar.xz\n",
            "FROM a:1\nRUN wget -O python.tar.xz \"$URL\" && wget -O python.tar.xz.asc \"$URL.asc\" && gpgv --keyring k python.tar.xz.asc python.tar.xz\n",
            "FROM a:1\nRUN curl -fsSLo t.tgz https://x/t.tgz && [ \"$(sha256sum t.tgz | cut -d' ' -f1)\" = \"$SHA\" ]\n",
            "FROM a:1\nRUN curl -fsSLo b https://x/b && cosign verify-blob --key k --signature b.sig b\n",
            "FROM a:1\nRUN curl -fsSL https://download.docker.com/linux/debian/gpg | gpg --dearmor -o /etc/apt/keyrings/docker.gpg\n",
            "FROM a:1\nRUN curl -fsSLo /usr/share/keyrings/x.asc https://x/KEY.asc\n",
            "FROM a:1\nRUN curl -s https://api.example.com/health\n",
            "FROM a:1\nRUN curl -s https://api/x | jq .version\n",
            "FROM a:1\nRUN curl -X POST -d x https://api/x -o /tmp/r\n",
            "FROM a:1\nRUN wget --spider https://x\n",
            "FROM a:1\nRUN curl -o /dev/null https://x\n",
            "FROM a:1\nRUN curl -fsSL https://x/i.sh | sh\n",
            "FROM a:1\nRUN curl -fsSLo t.tgz https://x/t.tgz\nRUN echo \"$SHA  t.tgz\" | sha256sum -c -\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
