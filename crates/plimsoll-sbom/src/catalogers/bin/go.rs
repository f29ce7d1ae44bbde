//! Go binaries: the build information the Go linker embeds (Go 1.13 and later).
//!
//! The linker writes a 32-byte header starting with the magic `\xff Go buildinf:`,
//! 16-byte aligned, at the start of the `.go.buildinfo` section (or, when the
//! section headers are gone, near the start of the first writable segment: the
//! first 64 KiB are searched, as Go's `debug/buildinfo` does). Byte 14 is the
//! pointer size, byte 15 the flags:
//! - flag `2` set (Go 1.18 and later): the Go version and the module text follow
//!   the header inline, each as a uvarint length and the bytes;
//! - otherwise (Go 1.13–1.17): two pointers follow at offset 16, in the byte
//!   order of flag `1` (set = big-endian), each to a Go string header (data
//!   pointer, length) whose bytes are read through the loadable segments.
//!
//! The module text is framed by 16 sentinel bytes on each side and holds lines
//! `path\tP`, `mod\tPATH\tVERSION[\tSUM]`, `dep\t…`, `=>\tPATH\tVERSION\tSUM`
//! (replacing the module on the line before) and `build\tKEY=VALUE` (Go 1.18+,
//! keys and values Go-quoted when they need it). A binary built in GOPATH mode
//! has an empty module text: only the Go version is known.
//!
//! [`packages`] turns this into packages like syft 1.18.1 does:
//! - `stdlib` at the Go version (`go1.22.1`; purl `pkg:golang/stdlib@1.22.1`);
//! - the main module: the `mod` line; without one, the `path` line at version
//!   `(devel)`; for `go build file.go` binaries (`path command-line-arguments`),
//!   the one dependency at version `(devel)`, which is the module being built.
//!   A `(devel)` main module takes its version from the `-ldflags` `-X …version=V`
//!   (or `…tag=V`) setting, else from `vcs.revision` and `vcs.time` as a pseudo-version;
//! - every dependency, with a replacement's path and version when it is replaced
//!   (a replacement by a local directory keeps the original path at `(devel)`).

use crate::catalogers::bin::absolute;
use crate::catalogers::bin::elf::Elf;
use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// The magic that starts the build-information header.
pub const BUILDINFO_MAGIC: &[u8; 14] = b"\xff Go buildinf:";

/// How far into the data segment the header is searched for (as Go does).
const SEARCH_WINDOW: u64 = 64 * 1024;
/// Size and alignment of the header.
const HEADER_LEN: usize = 32;
const ALIGN: usize = 16;
/// Largest Go version or module text read (the biggest real ones are a few hundred KiB).
pub const MAX_STRING: u64 = 4 << 20;

/// The version Go gives a module built from its own source tree.
pub const DEVEL: &str = "(devel)";

/// One module of the build information.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Module {
    /// Module path (`github.com/spf13/cobra`).
    pub path: String,
    /// Version (`v1.9.1`, `(devel)`, or empty for a local replacement).
    pub version: String,
    /// `go.sum` hash (`h1:…`), when recorded.
    pub sum: String,
    /// The module that replaced this one (`=>` line).
    pub replace: Option<Box<Module>>,
}

/// The build information of a Go binary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    /// Toolchain version as written (`go1.22.1`, `go1.22.1 X:boringcrypto`, `devel go1.23-…`).
    pub go_version: String,
    /// Package path of the main package (`path` line).
    pub path: String,
    /// Main module (`mod` line), absent in GOPATH mode and for `go build file.go`.
    pub main: Option<Module>,
    /// Dependencies (`dep` lines), in order.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines), in order, unquoted.
    pub settings: Vec<(String, String)>,
}

impl BuildInfo {
    /// The value of build setting `key`, when present.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Read the build information of the ELF file `data`; `Ok(None)` when it is not a
/// Go binary (no build-information header). `file` names it in errors.
pub fn read_build_info(data: &[u8], file: &str) -> Result<Option<BuildInfo>> {
    read_build_info_elf(&Elf::parse(data, file)?, file)
}

/// [`read_build_info`] on an already parsed ELF file.
pub(crate) fn read_build_info_elf(elf: &Elf<'_>, file: &str) -> Result<Option<BuildInfo>> {
    let window = match elf.section(".go.buildinfo") {
        Some(s) => &s.data[..s.data.len().min(SEARCH_WINDOW as usize)],
        None => match elf
            .first_data_segment()
            .and_then(|a| elf.read_at(a, SEARCH_WINDOW))
        {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    let Some(at) = (0..window.len().saturating_sub(HEADER_LEN - 1))
        .step_by(ALIGN)
        .find(|&i| window[i..].starts_with(BUILDINFO_MAGIC))
    else {
        return Ok(None);
    };
    let blob = &window[at..];
    let where_ = elf.offset_of(blob);
    let ptr_size = blob[14];
    let flags = blob[15];
    let (vers, modtext) = if flags & 2 != 0 {
        let (vers, rest) = uvarint_string(&blob[HEADER_LEN..]).ok_or_else(|| {
            Error::format(file, where_, "Go build info: truncated version string")
        })?;
        let (modtext, _) = uvarint_string(rest)
            .ok_or_else(|| Error::format(file, where_, "Go build info: truncated module string"))?;
        (vers.to_vec(), modtext.to_vec())
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(Error::format(
                file,
                where_ + 14,
                format!("Go build info: pointer size {ptr_size} (expected 4 or 8)"),
            ));
        }
        let big = flags & 1 != 0;
        let ps = usize::from(ptr_size);
        let read_ptr = |b: &[u8]| -> u64 {
            match (ps, big) {
                (4, false) => u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                (4, true) => u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
                (_, false) => u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
                (_, true) => u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
            }
        };
        let read_string = |addr: u64| -> Result<Vec<u8>> {
            let Some(hdr) = elf
                .read_at(addr, 2 * ps as u64)
                .filter(|h| h.len() == 2 * ps)
            else {
                return Ok(Vec::new());
            };
            let (data_addr, len) = (read_ptr(hdr), read_ptr(&hdr[ps..]));
            if len > MAX_STRING {
                return Err(Error::limit(
                    file,
                    format!("Go build info string of {len} bytes (limit {MAX_STRING})"),
                ));
            }
            Ok(elf
                .read_at(data_addr, len)
                .filter(|d| d.len() as u64 == len)
                .map(<[u8]>::to_vec)
                .unwrap_or_default())
        };
        (
            read_string(read_ptr(&blob[16..]))?,
            read_string(read_ptr(&blob[16 + ps..]))?,
        )
    };
    if vers.is_empty() {
        return Ok(None);
    }
    // Strip the sentinels framing the module text (cmd/go's infoStart/infoEnd).
    let modtext: &[u8] = if modtext.len() >= 33 && modtext[modtext.len() - 17] == b'\n' {
        &modtext[16..modtext.len() - 16]
    } else {
        b""
    };
    let mut info = parse_modinfo(&String::from_utf8_lossy(modtext), file)?;
    info.go_version = String::from_utf8_lossy(&vers).into_owned();
    Ok(Some(info))
}

fn uvarint_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut value: u64 = 0;
    for (i, &b) in data.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            let start = i + 1;
            let len = usize::try_from(value).ok()?;
            let end = start.checked_add(len)?;
            return Some((data.get(start..end)?, data.get(end..)?));
        }
    }
    None
}

/// Parse the module text of the build information (the reverse of Go's
/// `BuildInfo.String`, as `runtime/debug.ParseBuildInfo` reads it). Errors
/// name `file` and the line.
pub fn parse_modinfo(text: &str, file: &str) -> Result<BuildInfo> {
    let mut info = BuildInfo::default();
    // Which module an `=>` line replaces: None, the main module, or a dep index.
    enum Last {
        None,
        Main,
        Dep(usize),
    }
    let mut last = Last::None;
    let mut rest = text;
    let mut lineno = 0;
    // Like Go, only complete (newline-terminated) lines count.
    while let Some((line, tail)) = rest.split_once('\n') {
        rest = tail;
        lineno += 1;
        let err = |m: String| Error::syntax(file, lineno, format!("Go module info: {m}"));
        let module = |cols: &str| -> Result<Module> {
            let elem: Vec<&str> = cols.split('\t').collect();
            if elem.len() != 2 && elem.len() != 3 {
                return Err(err(format!("expected 2 or 3 columns, got {}", elem.len())));
            }
            Ok(Module {
                path: elem[0].to_owned(),
                version: elem[1].to_owned(),
                sum: elem.get(2).copied().unwrap_or("").to_owned(),
                replace: None,
            })
        };
        if let Some(p) = line.strip_prefix("path\t") {
            info.path = p.to_owned();
        } else if let Some(cols) = line.strip_prefix("mod\t") {
            info.main = Some(module(cols)?);
            last = Last::Main;
        } else if let Some(cols) = line.strip_prefix("dep\t") {
            info.deps.push(module(cols)?);
            last = Last::Dep(info.deps.len() - 1);
        } else if let Some(cols) = line.strip_prefix("=>\t") {
            let elem: Vec<&str> = cols.split('\t').collect();
            if elem.len() != 3 {
                return Err(err(format!(
                    "expected 3 columns for a replacement, got {}",
                    elem.len()
                )));
            }
            let rep = Box::new(Module {
                path: elem[0].to_owned(),
                version: elem[1].to_owned(),
                sum: elem[2].to_owned(),
                replace: None,
            });
            let target = match last {
                Last::Main => info.main.as_mut(),
                Last::Dep(i) => info.deps.get_mut(i),
                Last::None => None,
            };
            let Some(target) = target else {
                return Err(err("replacement with no module on the line before".into()));
            };
            target.replace = Some(rep);
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix("build\t") {
            info.settings.push(parse_setting(kv).map_err(err)?);
        }
    }
    Ok(info)
}

fn parse_setting(kv: &str) -> Result<(String, String), String> {
    let (key, raw_value) = match kv.as_bytes().first() {
        None => return Err("build line missing '='".into()),
        Some(b'=') => return Err("build line with missing key".into()),
        Some(b'"' | b'`') => {
            let n = quoted_prefix(kv).ok_or("invalid quoted key in build line")?;
            let key = unquote(&kv[..n]).ok_or("invalid quoted key in build line")?;
            let after = kv[n..]
                .strip_prefix('=')
                .ok_or("build line missing '=' after quoted key")?;
            (key, after)
        }
        Some(_) => {
            let (k, v) = kv
                .split_once('=')
                .ok_or("build line missing '=' after key")?;
            (k.to_owned(), v)
        }
    };
    let value = match raw_value.as_bytes().first() {
        Some(b'"' | b'`') => unquote(raw_value).ok_or("invalid quoted value in build line")?,
        _ => raw_value.to_owned(),
    };
    Ok((key, value))
}

/// Length of the Go-quoted string (`"…"` with escapes, or `` `…` ``) at the start of `s`.
fn quoted_prefix(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.first()? {
        b'`' => s[1..].find('`').map(|i| i + 2),
        b'"' => {
            let mut i = 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    b'\n' => return None,
                    _ => i += 1,
                }
            }
            None
        }
        _ => None,
    }
}

/// Go's `strconv.Unquote` for the quoted strings `cmd/go` writes: the whole of
/// `s` must be one quoted string.
fn unquote(s: &str) -> Option<String> {
    if quoted_prefix(s)? != s.len() {
        return None;
    }
    if let Some(raw) = s.strip_prefix('`') {
        return raw.strip_suffix('`').map(|r| r.replace('\r', ""));
    }
    let inner = &s[1..s.len() - 1];
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    let hex = |t: &str| u32::from_str_radix(t, 16).ok();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let (_, e) = chars.next()?;
        let simple = match e {
            'a' => Some(7u8),
            'b' => Some(8),
            'f' => Some(12),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(11),
            '\\' => Some(b'\\'),
            '"' => Some(b'"'),
            '\'' => Some(b'\''),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        let start = i + 2;
        let (len, radix_byte) = match e {
            'x' => (2, true),
            'u' => (4, false),
            'U' => (8, false),
            '0'..='7' => {
                let t = inner.get(start - 1..start + 2)?;
                out.push(u8::try_from(u32::from_str_radix(t, 8).ok()?).ok()?);
                chars.nth(1)?;
                continue;
            }
            _ => return None,
        };
        let v = hex(inner.get(start..start + len)?)?;
        if radix_byte {
            out.push(u8::try_from(v).ok()?);
        } else {
            let c = char::from_u32(v)?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        chars.nth(len - 1)?;
    }
    String::from_utf8(out).ok()
}

/// The packages of a Go binary found at `file` (see the module documentation).
pub fn packages(info: &BuildInfo, file: &str) -> Vec<Package> {
    let location = absolute(file);
    let mut deps: Vec<&Module> = info.deps.iter().collect();
    let mut main = info.main.clone();
    if main.as_ref().is_none_or(|m| m.path.is_empty()) {
        main = None;
        if info.path == "command-line-arguments" {
            let devel: Vec<usize> = (0..deps.len())
                .filter(|&i| deps[i].version == DEVEL && deps[i].replace.is_none())
                .collect();
            if let [i] = devel[..] {
                main = Some(deps.remove(i).clone());
            }
        } else if !info.path.is_empty() {
            main = Some(Module {
                path: info.path.clone(),
                version: DEVEL.to_owned(),
                ..Module::default()
            });
        }
    }

    let mut out = Vec::with_capacity(deps.len() + 2);
    let mut push = |name: &str, version: &str| {
        let mut p = Package::new(Ecosystem::Golang, name, version);
        p.files = vec![location.clone()];
        out.push(p);
    };
    if let Some(m) = &main {
        let (path, mut version) = effective(m);
        if version == DEVEL {
            if let Some(v) = main_version_from_settings(info) {
                version = v;
            }
        }
        push(&path, &version);
    }
    for d in deps {
        let (path, version) = effective(d);
        if !path.is_empty() {
            push(&path, &version);
        }
    }
    let go = info.go_version.split_whitespace().next().unwrap_or("");
    if go
        .strip_prefix("go")
        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    {
        push("stdlib", go);
    }
    out
}

/// The path and version that ended up in the binary: the replacement's, unless
/// it is a local directory (then the original path, at `(devel)`).
fn effective(m: &Module) -> (String, String) {
    match m.replace.as_deref() {
        Some(r) if r.path.starts_with('.') || r.path.starts_with('/') => {
            (m.path.clone(), DEVEL.to_owned())
        }
        Some(r) => (r.path.clone(), r.version.clone()),
        None => (m.path.clone(), m.version.clone()),
    }
}

/// The version of a `(devel)` main module from the build settings: a version
/// set with `-ldflags -X` (syft's patterns: a variable named `version`,
/// `gitVersion`, `buildVersion`, `gitBuildVersion` or `tag`, any case of their
/// first letters), else the pseudo-version of `vcs.revision` at `vcs.time`.
pub fn main_version_from_settings(info: &BuildInfo) -> Option<String> {
    if let Some(v) = info.setting("-ldflags").and_then(version_from_ldflags) {
        return Some(if v.starts_with('v') {
            v
        } else {
            format!("v{v}")
        });
    }
    let rev = info.setting("vcs.revision")?;
    let time = info.setting("vcs.time")?;
    let rev: String = rev.chars().take(12).collect();
    Some(format!("v0.0.0-{}-{rev}", pseudo_timestamp(time)))
}

/// `2024-01-02T03:04:05Z` → `20240102030405`; anything else → the zero time, as Go does.
fn pseudo_timestamp(rfc3339: &str) -> String {
    let b = rfc3339.as_bytes();
    let ok = b.len() >= 20
        && [4, 7].iter().all(|&i| b[i] == b'-')
        && b[10] == b'T'
        && [13, 16].iter().all(|&i| b[i] == b':')
        && rfc3339.ends_with('Z')
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
            .iter()
            .all(|r| b[r.clone()].iter().all(u8::is_ascii_digit));
    if !ok {
        return "00010101000000".into();
    }
    [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
        .iter()
        .map(|r| &rfc3339[r.clone()])
        .collect()
}

/// Find `.NAME=VALUE` in `ldflags`, NAME one of syft's version variables, and the
/// version at the start of VALUE or after its last `/` (`v?D+.D+.D+[-\w]*`).
fn version_from_ldflags(ldflags: &str) -> Option<String> {
    let names: [fn(&str) -> Option<usize>; 2] = [version_name_len, tag_name_len];
    for name_len in names {
        for (eq, _) in ldflags.match_indices('=') {
            let before = &ldflags[..eq];
            let Some(n) = name_len(before) else { continue };
            if !before[..before.len() - n].ends_with('.') {
                continue;
            }
            let value = ldflags[eq + 1..].split_whitespace().next().unwrap_or("");
            let starts = std::iter::once(0).chain(
                value
                    .char_indices()
                    .filter(|&(_, c)| c == '/')
                    .map(|(i, _)| i + 1)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev(),
            );
            for s in starts {
                if let Some(v) = leading_version(&value[s..]) {
                    return Some(v.to_owned());
                }
            }
        }
    }
    None
}

/// Length of a `([gG]it)?([bB]uild)?[vV]ersion` suffix of `s`.
fn version_name_len(s: &str) -> Option<usize> {
    let core = s.strip_suffix("ersion")?;
    let core = core.strip_suffix('v').or_else(|| core.strip_suffix('V'))?;
    // Prefer the longest optional prefix that is preceded by '.'.
    let mut cands = vec![core];
    let b = core
        .strip_suffix("uild")
        .and_then(|c| c.strip_suffix('b').or_else(|| c.strip_suffix('B')));
    if let Some(b) = b {
        cands.push(b);
    }
    for c in cands.clone() {
        if let Some(g) = c
            .strip_suffix("it")
            .and_then(|c| c.strip_suffix('g').or_else(|| c.strip_suffix('G')))
        {
            cands.push(g);
        }
    }
    cands
        .into_iter()
        .filter(|c| c.ends_with('.'))
        .map(|c| s.len() - c.len())
        .max()
}

/// Length of a `[tT]ag` suffix of `s`.
fn tag_name_len(s: &str) -> Option<usize> {
    (s.ends_with(".tag") || s.ends_with(".Tag")).then_some(3)
}

/// `v?\d+.\d+.\d+[-\w]*` at the start of `s` (`.` is any character, as in syft's pattern).
fn leading_version(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'v'));
    for part in 0..3 {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        if part < 2 {
            // any one character (a UTF-8 character, to stay on a boundary)
            let c = s.get(i..)?.chars().next()?;
            i += c.len_utf8();
        }
    }
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
    {
        i += 1;
    }
    Some(&s[..i])
}

/// The purl of Go module `name` at `version`, split like syft: the first two
/// path segments are the namespace, the third the name and the rest the
/// subpath (`github.com/Masterminds/semver/v3` →
/// `pkg:golang/github.com/Masterminds/semver@v3.3.0#v3`); `stdlib` drops the
/// `go` prefix of its version (`pkg:golang/stdlib@1.22.1`).
pub fn purl(name: &str, version: &str) -> Purl {
    if name == "stdlib" {
        return Purl::new("golang", "stdlib")
            .with_version(version.strip_prefix("go").unwrap_or(version));
    }
    let fields: Vec<&str> = name.split('/').collect();
    let mut p = match fields.as_slice() {
        [] | [_] => Purl::new("golang", name),
        [ns, n] => Purl::new("golang", n).with_namespace(ns),
        [a, b, n, rest @ ..] => {
            let mut p = Purl::new("golang", n).with_namespace(&format!("{a}/{b}"));
            p.subpath = rest.iter().map(|s| (*s).to_owned()).collect();
            p
        }
    };
    p = p.with_version(version);
    p
}

/// Read the Go build information of the ELF binary `data` at `file` and list its packages
/// (empty when it is not a Go binary).
pub fn parse_binary(data: &[u8], file: &str) -> Result<Vec<Package>> {
    Ok(read_build_info(data, file)?
        .map(|i| packages(&i, file))
        .unwrap_or_default())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalogers::bin::elf::tests::{TestSection, build};

    /// A Go ≥ 1.18 build-info blob (inline strings).
    pub fn inline_blob(vers: &str, modtext: &str) -> Vec<u8> {
        let mut b = BUILDINFO_MAGIC.to_vec();
        b.extend_from_slice(&[8, 2]);
        b.resize(HEADER_LEN, 0);
        for s in [vers.as_bytes().to_vec(), framed(modtext)] {
            let mut n = s.len() as u64;
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    b.push(byte);
                    break;
                }
                b.push(byte | 0x80);
            }
            b.extend_from_slice(&s);
        }
        b
    }

    fn framed(modtext: &str) -> Vec<u8> {
        if modtext.is_empty() {
            return Vec::new();
        }
        let mut m = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6".to_vec();
        m.extend_from_slice(modtext.as_bytes());
        m.extend_from_slice(b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2");
        m
    }

    /// A Go 1.13–1.17 ELF: pointers (in `big`-endian order, `ps` bytes) to
    /// string headers in a `.rodata` segment.
    pub fn pointer_elf(vers: &str, modtext: &str, ps: usize, big: bool) -> Vec<u8> {
        const RODATA: u64 = 0x40_0000;
        let m = framed(modtext);
        let mut rodata = Vec::new();
        let put = |v: u64, out: &mut Vec<u8>| match (ps, big) {
            (4, false) => out.extend_from_slice(&(v as u32).to_le_bytes()),
            (4, true) => out.extend_from_slice(&(v as u32).to_be_bytes()),
            (_, false) => out.extend_from_slice(&v.to_le_bytes()),
            (_, true) => out.extend_from_slice(&v.to_be_bytes()),
        };
        // string headers first, then the bytes
        let hdr_len = 4 * ps as u64;
        let vers_at = RODATA + hdr_len;
        let mod_at = vers_at + vers.len() as u64;
        put(vers_at, &mut rodata);
        put(vers.len() as u64, &mut rodata);
        put(mod_at, &mut rodata);
        put(m.len() as u64, &mut rodata);
        rodata.extend_from_slice(vers.as_bytes());
        rodata.extend_from_slice(&m);
        let mut blob = BUILDINFO_MAGIC.to_vec();
        blob.extend_from_slice(&[ps as u8, u8::from(big)]);
        put(RODATA, &mut blob);
        put(RODATA + 2 * ps as u64, &mut blob);
        blob.resize(HEADER_LEN, 0);
        build(&[
            TestSection {
                name: ".rodata",
                addr: RODATA,
                data: &rodata,
                writable: false,
            },
            TestSection {
                name: ".go.buildinfo",
                addr: 0x50_0000,
                data: &blob,
                writable: true,
            },
        ])
    }

    pub const GITLEAKS_LIKE: &str = "path\tcommand-line-arguments\n\
dep\tgithub.com/Masterminds/semver/v3\tv3.3.0\th1:B8LG=\n\
dep\tgithub.com/zricethezav/gitleaks/v8\t(devel)\t\n\
dep\tgopkg.in/yaml.v3\tv3.0.1\th1:fxVm=\n\
build\t-ldflags=\"-s -w -X=github.com/zricethezav/gitleaks/v8/version.Version=8.30.1\"\n\
build\tGOARCH=amd64\n";

    fn names(p: &[Package]) -> Vec<(String, String, String)> {
        p.iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.purl.clone()))
            .collect()
    }

    #[test]
    fn inline_format_in_section() {
        let exe = build(&[TestSection {
            name: ".go.buildinfo",
            addr: 0x1000,
            data: &inline_blob("go1.24.11", GITLEAKS_LIKE),
            writable: true,
        }]);
        let info = read_build_info(&exe, "usr/local/bin/gitleaks")
            .unwrap()
            .unwrap();
        assert_eq!(info.go_version, "go1.24.11");
        assert_eq!(info.path, "command-line-arguments");
        assert_eq!(info.deps.len(), 3);
        assert_eq!(
            info.setting("-ldflags"),
            Some("-s -w -X=github.com/zricethezav/gitleaks/v8/version.Version=8.30.1")
        );
        let pkgs = packages(&info, "usr/local/bin/gitleaks");
        assert_eq!(
            names(&pkgs),
            [
                (
                    "github.com/zricethezav/gitleaks/v8".into(),
                    "v8.30.1".into(),
                    "pkg:golang/github.com/zricethezav/gitleaks@v8.30.1#v8".into()
                ),
                (
                    "github.com/Masterminds/semver/v3".into(),
                    "v3.3.0".into(),
                    "pkg:golang/github.com/Masterminds/semver@v3.3.0#v3".into()
                ),
                (
                    "gopkg.in/yaml.v3".into(),
                    "v3.0.1".into(),
                    "pkg:golang/gopkg.in/yaml.v3@v3.0.1".into()
                ),
                (
                    "stdlib".into(),
                    "go1.24.11".into(),
                    "pkg:golang/stdlib@1.24.11".into()
                ),
            ]
        );
        assert_eq!(pkgs[0].files, ["/usr/local/bin/gitleaks"]);
    }

    #[test]
    fn pointer_format_all_widths_and_orders() {
        let modtext = "path\tgithub.com/x/tool\nmod\tgithub.com/x/tool\tv1.2.3\th1:abc=\ndep\tgolang.org/x/sys\tv0.1.0\th1:def=\n";
        for (ps, big) in [(8, false), (8, true), (4, false), (4, true)] {
            let exe = pointer_elf("go1.16.15", modtext, ps, big);
            let info = read_build_info(&exe, "t").unwrap().unwrap();
            assert_eq!(info.go_version, "go1.16.15", "{ps} {big}");
            assert_eq!(info.main.as_ref().unwrap().version, "v1.2.3");
            let pkgs = packages(&info, "t");
            assert_eq!(
                names(&pkgs)
                    .iter()
                    .map(|n| n.2.as_str())
                    .collect::<Vec<_>>(),
                [
                    "pkg:golang/github.com/x/tool@v1.2.3",
                    "pkg:golang/golang.org/x/sys@v0.1.0",
                    "pkg:golang/stdlib@1.16.15"
                ]
            );
        }
    }

    #[test]
    fn gopath_mode_and_path_only() {
        // GOPATH mode: no module text at all → only the standard library.
        let exe = pointer_elf("go1.15", "", 8, false);
        let pkgs = parse_binary(&exe, "t").unwrap();
        assert_eq!(
            names(&pkgs),
            [(
                "stdlib".into(),
                "go1.15".into(),
                "pkg:golang/stdlib@1.15".into()
            )]
        );
        // Debian's fzf: a path line and build settings, no mod line.
        let info =
            parse_modinfo("path\tgithub.com/junegunn/fzf\nbuild\t-compiler=gc\n", "t").unwrap();
        let pkgs = packages(
            &BuildInfo {
                go_version: "go1.19.8".into(),
                ..info
            },
            "usr/bin/fzf",
        );
        assert_eq!(pkgs[0].version, "(devel)");
        assert_eq!(
            pkgs[0].purl,
            "pkg:golang/github.com/junegunn/fzf@%28devel%29"
        );
        assert_eq!(pkgs[1].purl, "pkg:golang/stdlib@1.19.8");
    }

    #[test]
    fn section_less_binary_is_found_in_the_data_segment() {
        let mut data = vec![0u8; 48];
        data.extend_from_slice(&inline_blob(
            "go1.21.0",
            "path\tx.org/y\nmod\tx.org/y\tv0.0.1\t\n",
        ));
        let exe = build(&[
            TestSection {
                name: ".text",
                addr: 0x1000,
                data: b"code",
                writable: false,
            },
            TestSection {
                name: ".noptrdata",
                addr: 0x2000,
                data: &data,
                writable: true,
            },
        ]);
        let pkgs = parse_binary(&exe, "t").unwrap();
        assert_eq!(pkgs[0].purl, "pkg:golang/x.org/y@v0.0.1");
        // Misaligned magic is ignored, as Go does.
        let mut data = vec![0u8; 40];
        data.extend_from_slice(&inline_blob("go1.21.0", ""));
        let exe = build(&[TestSection {
            name: ".data",
            addr: 0x2000,
            data: &data,
            writable: true,
        }]);
        assert!(read_build_info(&exe, "t").unwrap().is_none());
    }

    #[test]
    fn replacements_and_main_version_from_vcs() {
        let text = "path\texample.com/cmd/app\nmod\texample.com\t(devel)\t\n\
dep\tgithub.com/a/b\tv1.0.0\th1:x=\n=>\tgithub.com/fork/b\tv1.0.1\th1:y=\n\
dep\tgithub.com/c/d\tv0.3.0\th1:z=\n=>\t../d\t\t\n\
build\tvcs.revision=0123456789abcdef0123\nbuild\tvcs.time=2024-03-05T06:07:08Z\n";
        let info = parse_modinfo(text, "t").unwrap();
        assert_eq!(
            info.deps[0].replace.as_ref().unwrap().path,
            "github.com/fork/b"
        );
        let pkgs = packages(&info, "t");
        assert_eq!(
            names(&pkgs)
                .into_iter()
                .map(|n| (n.0, n.1))
                .collect::<Vec<_>>(),
            [
                (
                    "example.com".into(),
                    "v0.0.0-20240305060708-0123456789ab".into()
                ),
                ("github.com/fork/b".into(), "v1.0.1".into()),
                ("github.com/c/d".into(), "(devel)".into()),
            ]
        );
    }

    #[test]
    fn modinfo_errors_name_the_line() {
        let e = parse_modinfo("path\tx\ndep\tonly-one-column\n", "bin").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bin: line 2: Go module info: expected 2 or 3 columns, got 1"
        );
        let e = parse_modinfo("=>\ta\tb\tc\n", "bin").unwrap_err();
        assert!(
            e.to_string().contains("no module on the line before"),
            "{e}"
        );
        let e = parse_modinfo("build\t=x\n", "bin").unwrap_err();
        assert!(e.to_string().contains("missing key"), "{e}");
        let e = parse_modinfo("build\t-tags=\"unterminated\n", "bin").unwrap_err();
        assert!(e.to_string().contains("invalid quoted value"), "{e}");
        // An unterminated last line is ignored, like Go.
        assert!(
            parse_modinfo("path\tx\ndep\tbad", "bin")
                .unwrap()
                .deps
                .is_empty()
        );
    }

    #[test]
    fn quoted_settings() {
        let info = parse_modinfo(
            "build\t\"we\\\"ird=key\"=`raw value`\nbuild\tk=\"a\\tb\\x41\\u00e9\\101\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(info.settings[0], ("we\"ird=key".into(), "raw value".into()));
        assert_eq!(info.settings[1], ("k".into(), "a\tbAéA".into()));
    }

    #[test]
    fn ldflags_versions() {
        for (flags, want) in [
            ("-X main.version=1.2.3", Some("1.2.3")),
            (
                "-s -w -X github.com/a/b/cmd.gitVersion=v0.9.0-rc1",
                Some("v0.9.0-rc1"),
            ),
            ("-X 'main.BuildVersion=2.0.1'", Some("2.0.1")),
            ("-X main.Tag=refs/tags/v3.1.4", Some("v3.1.4")),
            ("-X main.commit=abc -X main.date=2024", None),
            ("-X main.myversion=1.2.3", None),
            ("-X main.version=dev", None),
        ] {
            assert_eq!(version_from_ldflags(flags).as_deref(), want, "{flags}");
        }
    }

    #[test]
    fn purls() {
        assert_eq!(
            purl("go4.org", "v0.1").to_string(),
            "pkg:golang/go4.org@v0.1"
        );
        assert_eq!(
            purl("dario.cat/mergo", "v1.0.1").to_string(),
            "pkg:golang/dario.cat/mergo@v1.0.1"
        );
        assert_eq!(
            purl("google.golang.org/genproto/googleapis/api", "v0.0.0-1").to_string(),
            "pkg:golang/google.golang.org/genproto/googleapis@v0.0.0-1#api"
        );
        assert_eq!(
            purl("stdlib", "go1.22.1").to_string(),
            "pkg:golang/stdlib@1.22.1"
        );
    }

    #[test]
    fn devel_toolchain_has_no_stdlib_package() {
        let info = BuildInfo {
            go_version: "devel go1.23-abcdef Tue".into(),
            ..BuildInfo::default()
        };
        assert!(packages(&info, "t").is_empty());
        let info = BuildInfo {
            go_version: "go1.22.1 X:boringcrypto".into(),
            ..BuildInfo::default()
        };
        assert_eq!(packages(&info, "t")[0].version, "go1.22.1");
    }

    #[test]
    fn hostile_headers() {
        // Inline format with a length running past the end.
        let mut blob = inline_blob("go1.22", "");
        blob.truncate(HEADER_LEN);
        blob.extend_from_slice(&[0xff, 0xff, 0xff, 0x0f]);
        let exe = build(&[TestSection {
            name: ".go.buildinfo",
            addr: 0x1000,
            data: &blob,
            writable: true,
        }]);
        assert!(matches!(
            read_build_info(&exe, "t"),
            Err(Error::Format { .. })
        ));
        // Pointer format with a bad pointer size.
        let mut blob = BUILDINFO_MAGIC.to_vec();
        blob.extend_from_slice(&[3, 0]);
        blob.resize(HEADER_LEN, 0);
        let exe = build(&[TestSection {
            name: ".go.buildinfo",
            addr: 0x1000,
            data: &blob,
            writable: true,
        }]);
        assert!(read_build_info(&exe, "t").is_err());
        // Pointers to nowhere: not a Go binary (empty version), not a panic.
        let mut blob = BUILDINFO_MAGIC.to_vec();
        blob.extend_from_slice(&[8, 0]);
        blob.extend_from_slice(&u64::MAX.to_le_bytes());
        blob.extend_from_slice(&0x2000u64.to_le_bytes());
        let exe = build(&[TestSection {
            name: ".go.buildinfo",
            addr: 0x1000,
            data: &blob,
            writable: true,
        }]);
        assert!(read_build_info(&exe, "t").unwrap().is_none());
        // A string header claiming petabytes: a limit error, nothing allocated.
        blob[24..32].copy_from_slice(&0x1000u64.to_le_bytes());
        let exe = build(&[TestSection {
            name: ".go.buildinfo",
            addr: 0x1000,
            data: &blob,
            writable: true,
        }]);
        assert!(matches!(
            read_build_info(&exe, "t"),
            Err(Error::Limit { .. })
        ));
    }
}
