//! Licenses of Debian packages from `/usr/share/doc/<package>/copyright`.
//!
//! dpkg records no license; Debian policy puts each package's licensing in
//! its copyright file. Two kinds exist:
//!
//! - **Machine-readable** (Debian's copyright-format 1.0, "DEP-5"): the first
//!   paragraph has a `Format:` field. The licenses are the synopses (first
//!   lines) of the `License:` fields of the header paragraph and of every
//!   `Files:` paragraph. A stand-alone `License:` paragraph only defines a
//!   license text for the others to use, so it adds nothing by itself, and
//!   `/usr/share/common-licenses/…` paths in such a file only say where a
//!   text lives (a `GPL-2+` file points at `GPL-2`), so they are not read.
//!   Should no synopsis be found at all, the file is read as a free-form one.
//! - **Free-form**: anything else. The licenses are the texts it refers to in
//!   `/usr/share/common-licenses/<name>`. A reference to a versioned GNU
//!   license gets "or later" when the text between the previous versioned
//!   reference (or the start of the file) and this one grants that version
//!   "or later" (the usual grant, "either version 2 of the License, or (at
//!   your option) any later version", precedes its "On Debian systems, the
//!   complete text … can be found in /usr/share/common-licenses/GPL-2");
//!   otherwise it names that version only, as the short name `GPL-2` would. Some old files put
//!   DEP-5-like `Files:` paragraphs under a free-form introduction (gnutls):
//!   their `License:` synopses count too.
//!
//! # The result
//! One entry per distinct license expression, in the order of first
//! appearance (the header's and `Files: *`'s license first). A synopsis is
//! split at its top-level `and`s: the package's list is read as all of its
//! entries applying together (the SPDX writer joins them with `AND`), so
//! `GPL-3+ and BSD-4-clause-UC` becomes two entries without changing its
//! meaning, while a choice (`GPL-1+ or Artistic`) stays one entry, an SPDX
//! expression with `OR`, because splitting it would turn a choice into an
//! obligation.
//!
//! # Names
//! Each short name is turned into an SPDX license id where the mapping is
//! unambiguous, see [`spdx_name`]; any other name is kept as written
//! (`public-domain`, `GPL`, `Artistic`, `permissive`). Exceptions (`GPL-2+
//! with Libtool exception`) become SPDX `WITH` expressions for the
//! exceptions whose Debian keyword names one SPDX exception text, see
//! [`spdx_exception`]; otherwise the base license is mapped and the `with …
//! exception` part is kept as written.
//!
//! # Bounds
//! At most [`MAX_COPYRIGHT_BYTES`] of a file are read (the rest is ignored,
//! without error), a synopsis longer than [`MAX_SYNOPSIS_BYTES`] is
//! skipped, and at most [`MAX_LICENSES`] entries are kept per file.

use crate::formats::license::KNOWN_IDS;

/// The most bytes of a copyright file that are read (4 MiB; perl's, one of
/// the largest of a Debian system, is 110 KB).
pub const MAX_COPYRIGHT_BYTES: usize = 4 << 20;
/// A `License:` synopsis longer than this is not a license expression.
pub const MAX_SYNOPSIS_BYTES: usize = 1024;
/// The most license entries kept for one file.
pub const MAX_LICENSES: usize = 256;

const DOC_DIR: &str = "usr/share/doc/";
const COMMON_LICENSES: &str = "/usr/share/common-licenses/";

/// The package whose copyright file `path` is: `usr/share/doc/<package>/copyright`
/// (relative to the root; a leading `/` or `./` is ignored).
pub fn package_of(path: &str) -> Option<&str> {
    let p = path.trim_start_matches("./").trim_start_matches('/');
    let pkg = p.strip_prefix(DOC_DIR)?.strip_suffix("/copyright")?;
    (!pkg.is_empty() && !pkg.contains('/') && !pkg.starts_with('.')).then_some(pkg)
}

/// The path of `package`'s copyright file (relative to the root). A
/// multi-arch name (`libc6:amd64`) uses its bare name.
pub fn path_for(package: &str) -> Option<String> {
    let bare = package.split(':').next().unwrap_or(package);
    (!bare.is_empty() && !bare.contains('/') && !bare.starts_with('.'))
        .then(|| format!("{DOC_DIR}{bare}/copyright"))
}

/// The licenses a copyright file declares (see the module documentation).
/// Never fails: unreadable parts are skipped, invalid UTF-8 is replaced.
pub fn parse_copyright(data: &[u8]) -> Vec<String> {
    let data = bounded(data);
    let text = String::from_utf8_lossy(data);
    let paragraphs = paragraphs(&text);
    let is_dep5 = paragraphs
        .first()
        .is_some_and(|p| p.get("Format").is_some() || p.get("Format-Specification").is_some());
    let mut out = Licenses::default();
    for (i, p) in paragraphs.iter().enumerate() {
        // The header's license and every Files paragraph's; without a
        // header, only Files paragraphs (some old files have them under a
        // free-form introduction). A stand-alone License paragraph only
        // holds a text.
        let header = i == 0 && is_dep5;
        if !header && p.get("Files").is_none() {
            continue;
        }
        if let Some(value) = p.get("License") {
            let synopsis = value.lines().next().unwrap_or("").trim();
            let usable = !synopsis.is_empty()
                && synopsis.len() <= MAX_SYNOPSIS_BYTES
                && (is_dep5 || looks_like_short_names(synopsis));
            if usable {
                for entry in synopsis_entries(synopsis) {
                    out.push(entry);
                }
            }
        }
    }
    if is_dep5 && !out.0.is_empty() {
        return out.0;
    }
    for entry in common_license_references(&text) {
        out.push(entry);
    }
    out.0
}

/// Whether a synopsis outside a DEP-5 file is made of short names (no
/// spaces but in a `with … exception`): free-form files also have `License:`
/// lines that start a sentence ("License: Redistribution and use in source
/// and binary forms, with or without").
fn looks_like_short_names(synopsis: &str) -> bool {
    let mut in_with = false;
    let mut after_word = false;
    for t in tokens(synopsis) {
        match t {
            Tok::Word(w) => {
                let name_like = w
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_'));
                if !name_like || (after_word && !in_with) {
                    return false;
                }
                after_word = true;
            }
            Tok::With => {
                in_with = true;
                after_word = false;
            }
            _ => {
                in_with = false;
                after_word = false;
            }
        }
    }
    true
}

/// `data` cut to [`MAX_COPYRIGHT_BYTES`], at the last line end before the
/// cap so that no line is read half.
fn bounded(data: &[u8]) -> &[u8] {
    if data.len() <= MAX_COPYRIGHT_BYTES {
        return data;
    }
    let head = data.get(..MAX_COPYRIGHT_BYTES).unwrap_or(data);
    match head.iter().rposition(|&b| b == b'\n') {
        Some(i) => head.get(..i).unwrap_or(head),
        None => head,
    }
}

/// Distinct entries in order of first appearance, at most [`MAX_LICENSES`].
#[derive(Default)]
struct Licenses(Vec<String>);

impl Licenses {
    fn push(&mut self, l: String) {
        if self.0.len() < MAX_LICENSES && !self.0.contains(&l) {
            self.0.push(l);
        }
    }
}

/// One paragraph of a deb822 file: fields with their values (continuation
/// lines joined with `\n`).
struct Paragraph<'a>(Vec<(&'a str, String)>);

impl Paragraph<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Split a copyright file into paragraphs, tolerantly: a line that is
/// neither `Field: value`, a continuation nor blank is skipped (copyright
/// files are written by hand; one bad line must not lose the rest).
fn paragraphs(text: &str) -> Vec<Paragraph<'_>> {
    let mut out = Vec::new();
    let mut cur: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(Paragraph(std::mem::take(&mut cur)));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = cur.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            cur.push((name, value.trim().to_owned()));
        }
    }
    if !cur.is_empty() {
        out.push(Paragraph(cur));
    }
    out
}

// ------------------------------------------------------------- synopses

/// A parsed synopsis.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    /// One license, already rendered (mapped name, `WITH` exception).
    License(String),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    And,
    Or,
    With,
    Comma,
    Open,
    Close,
}

fn tokens(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    for raw in s.split_whitespace() {
        let mut w = raw;
        let mut opens = 0;
        while let Some(rest) = w.strip_prefix('(') {
            opens += 1;
            w = rest;
        }
        let mut closes = 0;
        let mut comma = false;
        loop {
            if let Some(rest) = w.strip_suffix(',') {
                comma = true;
                w = rest;
            } else if let Some(rest) = w.strip_suffix(')') {
                closes += 1;
                w = rest;
            } else {
                break;
            }
        }
        out.extend(std::iter::repeat_n(Tok::Open, opens));
        if !w.is_empty() {
            out.push(if w.eq_ignore_ascii_case("and") {
                Tok::And
            } else if w.eq_ignore_ascii_case("or") || w.eq_ignore_ascii_case("and/or") {
                Tok::Or
            } else if w.eq_ignore_ascii_case("with") {
                Tok::With
            } else {
                Tok::Word(w)
            });
        }
        out.extend(std::iter::repeat_n(Tok::Close, closes));
        if comma {
            out.push(Tok::Comma);
        }
    }
    out
}

/// The entries of one synopsis: its top-level conjuncts, each rendered as
/// an expression. A synopsis that does not parse is kept whole, as written.
fn synopsis_entries(synopsis: &str) -> Vec<String> {
    let toks = tokens(synopsis);
    let mut p = SynParser { t: &toks, i: 0 };
    let parsed = p.comma_expr(0).filter(|_| p.i == toks.len());
    match parsed {
        Some(Expr::And(items)) => items.iter().map(|e| render(e, false)).collect(),
        Some(e) => vec![render(&e, false)],
        None => vec![synopsis.to_owned()],
    }
}

fn render(e: &Expr, nested: bool) -> String {
    let (items, op) = match e {
        Expr::License(l) => return l.clone(),
        Expr::And(items) => (items, " AND "),
        Expr::Or(items) => (items, " OR "),
    };
    let s = items
        .iter()
        .map(|i| render(i, true))
        .collect::<Vec<_>>()
        .join(op);
    if nested { format!("({s})") } else { s }
}

/// Joins two expressions with an operator, flattening like operators.
fn combine(a: Expr, b: Expr, and: bool) -> Expr {
    let mut items = Vec::new();
    for x in [a, b] {
        match (x, and) {
            (Expr::And(v), true) | (Expr::Or(v), false) => items.extend(v),
            (x, _) => items.push(x),
        }
    }
    if and {
        Expr::And(items)
    } else {
        Expr::Or(items)
    }
}

/// copyright-format 1.0, 7.2: `and` binds tighter than `or`, unless the
/// operator follows a comma, which makes it bind loosest (`A or B, and C`
/// is `(A or B) and C`). A comma without an operator is read as `and` (the
/// stricter reading); `and/or` as `or`. Parentheses, which the format does
/// not define but some files use, group.
struct SynParser<'t, 'a> {
    t: &'t [Tok<'a>],
    i: usize,
}

impl<'t, 'a> SynParser<'t, 'a> {
    fn peek(&self) -> Option<&'t Tok<'a>> {
        self.t.get(self.i)
    }

    fn comma_expr(&mut self, depth: usize) -> Option<Expr> {
        if depth > 16 {
            return None;
        }
        let mut e = self.or_expr(depth)?;
        while self.peek() == Some(&Tok::Comma) {
            self.i += 1;
            let and = match self.peek() {
                Some(Tok::Or) => {
                    self.i += 1;
                    false
                }
                Some(Tok::And) => {
                    self.i += 1;
                    true
                }
                _ => true,
            };
            let rhs = self.or_expr(depth)?;
            e = combine(e, rhs, and);
        }
        Some(e)
    }

    fn or_expr(&mut self, depth: usize) -> Option<Expr> {
        let mut e = self.and_expr(depth)?;
        while self.peek() == Some(&Tok::Or) {
            self.i += 1;
            let rhs = self.and_expr(depth)?;
            e = combine(e, rhs, false);
        }
        Some(e)
    }

    fn and_expr(&mut self, depth: usize) -> Option<Expr> {
        let mut e = self.term(depth)?;
        while self.peek() == Some(&Tok::And) {
            self.i += 1;
            let rhs = self.term(depth)?;
            e = combine(e, rhs, true);
        }
        Some(e)
    }

    fn term(&mut self, depth: usize) -> Option<Expr> {
        if self.peek() == Some(&Tok::Open) {
            self.i += 1;
            let e = self.comma_expr(depth + 1)?;
            if self.peek() != Some(&Tok::Close) {
                return None;
            }
            self.i += 1;
            return Some(e);
        }
        let name = self.words()?;
        if self.peek() != Some(&Tok::With) {
            return Some(Expr::License(license_name(&name)));
        }
        self.i += 1;
        let keyword = self.words()?;
        Some(Expr::License(with_exception(&name, &keyword)))
    }

    /// One or more words (a name that, against the format, has spaces keeps them).
    fn words(&mut self) -> Option<String> {
        let mut out: Vec<&'a str> = Vec::new();
        while let Some(Tok::Word(w)) = self.peek() {
            out.push(*w);
            self.i += 1;
        }
        (!out.is_empty()).then(|| out.join(" "))
    }
}

/// A short name, mapped to its SPDX id where [`spdx_name`] knows it.
fn license_name(name: &str) -> String {
    spdx_name(name).unwrap_or_else(|| name.to_owned())
}

/// `NAME with KEYWORD exception`: an SPDX `WITH` expression when the keyword
/// names one SPDX exception, else the mapped name with the Debian words.
fn with_exception(name: &str, keyword: &str) -> String {
    let base = license_name(name);
    let words: Vec<&str> = keyword.split(' ').collect();
    let bare = match words.split_last() {
        Some((last, rest)) if last.eq_ignore_ascii_case("exception") && !rest.is_empty() => {
            rest.join(" ")
        }
        _ => keyword.to_owned(),
    };
    match spdx_exception(&base, &bare) {
        Some(exc) => format!("{base} WITH {exc}"),
        None => format!("{base} with {keyword}"),
    }
}

/// The SPDX exception a Debian exception keyword names, given the SPDX id
/// of the license it modifies. Only keywords whose text is one SPDX
/// exception: `Font` (the text copyright-format 1.0 quotes is SPDX's
/// `Font-exception-2.0`), `Classpath`, `Libtool`, `Linux-syscall-note`,
/// and `Bison` on the GPL 3 (the Bison 2.2 skeleton exception; Bison 1's
/// GPL 2 exception is another text). `Autoconf` is not mapped: Debian uses
/// it both for the short generic Autoconf exception and for the Autoconf
/// Configure Script Exception 3.0; `OpenSSL` and `Texinfo` texts vary.
pub fn spdx_exception(base: &str, keyword: &str) -> Option<&'static str> {
    let k = keyword.to_ascii_lowercase();
    Some(match k.as_str() {
        "font" => "Font-exception-2.0",
        "classpath" => "Classpath-exception-2.0",
        "libtool" => "Libtool-exception",
        "linux-syscall-note" => "Linux-syscall-note",
        "bison-2.2" => "Bison-exception-2.2",
        "bison" if base.starts_with("GPL-3.0") => "Bison-exception-2.2",
        _ => return None,
    })
}

// ---------------------------------------------------------------- names

/// The SPDX license id for a Debian short name, when the mapping is
/// unambiguous; `None` keeps the name as written. The rule, in order:
///
/// 1. GNU licenses with a version (`GPL`, `LGPL`, `AGPL`, `GFDL`,
///    `GFDL-NIV`, any case, also written `GPLv2`): `GPL-2` is
///    `GPL-2.0-only`, `GPL-2+`
///    `GPL-2.0-or-later`, `LGPL-2` the Library GPL `LGPL-2.0-only`,
///    `GFDL-NIV-1.3+` `GFDL-1.3-no-invariants-or-later`. Versions with
///    trailing `.0`s are the same version (copyright-format 1.0, 7.1).
///    Only versions the license has are mapped (`GPL-4` is kept).
/// 2. `Expat` is SPDX's `MIT` (the Expat text); `CC0` is `CC0-1.0` (there is
///    no other version).
/// 3. A name equal to an SPDX id of Plimsoll's table
///    ([`KNOWN_IDS`]) but for case (`BSD-3-clause`, `zlib`, `Ms-PL`) is
///    that id: SPDX ids are case-insensitive.
/// 4. `FAMILY-VERSION[+]` equal, up to trailing `.0`s and case, to an id of
///    the table (`Apache-2`, `Artistic-2`, `MPL-2`, `BSL-1`) is that id,
///    with SPDX's `+` for "or later" on a non-GNU license; `Zope-N` is
///    `ZPL-N`.
///
/// A name without a version is never given one (`GPL`, `LGPL`, `Apache`,
/// `Artistic`, `BSD`, `MPL`): the format says the lowest version is meant,
/// but the GPL itself lets an unversioned grant use any version, and files
/// use bare names loosely. Everything else (`public-domain`, `permissive`,
/// `Unicode`, `MIT-like`) is kept.
pub fn spdx_name(name: &str) -> Option<String> {
    let name = name.trim();
    if let Some(id) = gnu_name(name) {
        return Some(id);
    }
    if name.eq_ignore_ascii_case("Expat") {
        return Some("MIT".to_owned());
    }
    if name.eq_ignore_ascii_case("CC0") {
        return Some("CC0-1.0".to_owned());
    }
    if let Some(id) = KNOWN_IDS
        .iter()
        .find(|id| id.eq_ignore_ascii_case(name) && !is_deprecated_gnu(id))
    {
        return Some((*id).to_owned());
    }
    let (base, plus) = match name.strip_suffix('+') {
        Some(b) => (b, true),
        None => (name, false),
    };
    let (family, version) = split_version(base)?;
    if family.eq_ignore_ascii_case("Artistic") && same_version(version, "1") {
        // Artistic-1.0, or Perl's Artistic-1.0-Perl, which Debian ships as
        // its `Artistic`: not one license.
        return None;
    }
    let family = if family.eq_ignore_ascii_case("Zope") {
        "ZPL"
    } else {
        family
    };
    let id = KNOWN_IDS.iter().find(|id| {
        !is_gnu_family(id)
            && split_version(id)
                .is_some_and(|(f, v)| f.eq_ignore_ascii_case(family) && same_version(v, version))
    })?;
    Some(if plus {
        format!("{id}+")
    } else {
        (*id).to_owned()
    })
}

/// The GNU ids SPDX deprecated (`GPL-2.0`, `GPL-2.0+`): rule 1 maps those
/// names to the current ids.
fn is_deprecated_gnu(id: &str) -> bool {
    is_gnu_family(id) && !id.ends_with("-only") && !id.ends_with("-or-later")
}

fn is_gnu_family(id: &str) -> bool {
    ["GPL-", "LGPL-", "AGPL-", "GFDL-"]
        .iter()
        .any(|p| id.starts_with(p))
}

/// `FAMILY-VERSION` where the version is digits and dots, perhaps ending in
/// a letter (`LPPL-1.3c`).
fn split_version(s: &str) -> Option<(&str, &str)> {
    let (family, version) = s.rsplit_once('-')?;
    let digits = version.trim_end_matches(|c: char| c.is_ascii_lowercase());
    let ok = !family.is_empty()
        && version.len() - digits.len() <= 1
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !digits.ends_with('.');
    ok.then_some((family, version))
}

/// `GPLv2`, `LGPLv2.1`: a GNU family, `v`, a version.
fn split_v_version(s: &str) -> Option<(&str, &str)> {
    let i = s.find(['v', 'V'])?;
    let (family, version) = (s.get(..i)?, s.get(i + 1..)?);
    let ok = ["GPL", "LGPL", "AGPL", "GFDL"]
        .iter()
        .any(|f| f.eq_ignore_ascii_case(family))
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !version.ends_with('.');
    ok.then_some((family, version))
}

/// Versions equal up to trailing `.0`s (`2` = `2.0` = `2.0.0`).
fn same_version(a: &str, b: &str) -> bool {
    fn norm(v: &str) -> &str {
        let mut v = v;
        while let Some(rest) = v.strip_suffix(".0") {
            v = rest;
        }
        v
    }
    norm(a) == norm(b)
}

/// Rule 1 of [`spdx_name`].
fn gnu_name(name: &str) -> Option<String> {
    let (base, plus) = match name.strip_suffix('+') {
        Some(b) => (b, true),
        None => (name, false),
    };
    let (family, version) = split_version(base).or_else(|| split_v_version(base))?;
    let fam = family.to_ascii_uppercase();
    let (prefix, versions, suffix): (&str, &[&str], (&str, &str)) = match fam.as_str() {
        "GPL" => ("GPL", &["1.0", "2.0", "3.0"], ("-only", "-or-later")),
        "LGPL" => ("LGPL", &["2.0", "2.1", "3.0"], ("-only", "-or-later")),
        "AGPL" => ("AGPL", &["3.0"], ("-only", "-or-later")),
        "GFDL" => ("GFDL", &["1.1", "1.2", "1.3"], ("-only", "-or-later")),
        "GFDL-NIV" => (
            "GFDL",
            &["1.1", "1.2", "1.3"],
            ("-no-invariants-only", "-no-invariants-or-later"),
        ),
        _ => return None,
    };
    let v = versions.iter().find(|v| same_version(v, version))?;
    Some(format!(
        "{prefix}-{v}{}",
        if plus { suffix.1 } else { suffix.0 }
    ))
}

// ------------------------------------------------------------ free-form

/// The licenses a free-form file refers to in `/usr/share/common-licenses/`,
/// in order (duplicates are dropped by the caller).
fn common_license_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut block_start = 0;
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| t.find(COMMON_LICENSES)) {
        let start = from + pos;
        let name_start = start + COMMON_LICENSES.len();
        let rest = text.get(name_start..).unwrap_or("");
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+')))
            .unwrap_or(rest.len());
        let name = rest
            .get(..len)
            .unwrap_or("")
            .trim_end_matches(['.', '-', '_']);
        from = name_start + len;
        if name.is_empty() {
            continue;
        }
        // The grant before a versioned reference may precede an unversioned
        // one ("… in `/usr/share/common-licenses/GPL', version 3 of this
        // license in `/usr/share/common-licenses/GPL-3'"): only versioned
        // references end a block.
        let block = text.get(block_start..start).unwrap_or("");
        let version = split_version(name).map(|(_, v)| v);
        if version.is_some() {
            block_start = from;
        }
        let later = version.is_some_and(|v| says_later_version(block, v));
        let is_gnu = gnu_name(name).is_some();
        let full = if is_gnu && later && !name.ends_with('+') {
            format!("{name}+")
        } else {
            name.to_owned()
        };
        out.push(license_name(&full));
    }
    out
}

/// Whether `block` grants `version` "or later": "version 2.1 of the
/// License, or (at your option) any later version", "Version 1.3 or any
/// later version", "version 3 or later" — the words `version <version>`
/// followed within [`LATER_WINDOW`] words by "later version" or "or later"
/// (case and line breaks do not matter).
fn says_later_version(block: &str, version: &str) -> bool {
    let words: Vec<&str> = block
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).enumerate().any(|(i, pair)| {
        let [v, n] = pair else { return false };
        if !v.eq_ignore_ascii_case("version") || !same_version(n, version) {
            return false;
        }
        let after = words.get(i + 2..).unwrap_or_default();
        after.windows(2).take(LATER_WINDOW).any(|w| match w {
            [a, b] => {
                (a.eq_ignore_ascii_case("later") && b.eq_ignore_ascii_case("version"))
                    || (a.eq_ignore_ascii_case("or") && b.eq_ignore_ascii_case("later"))
            }
            _ => false,
        })
    })
}

/// How many words after `version N` may hold its "or later".
const LATER_WINDOW: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Vec<String> {
        parse_copyright(s.as_bytes())
    }

    const DEP5: &str = "\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: demo
License: GPL-2+

Files: *
Copyright: 2001 Someone
License: GPL-2+
 This program is free software; see /usr/share/common-licenses/GPL-2.

Files: lib/*
Copyright: 2002 Someone Else
License: LGPL-2.1
Comment: On Debian systems see /usr/share/common-licenses/LGPL-2.1.

Files: perl/*
Copyright: Larry
License: GPL-1+ or Artistic, and BSD-3-clause

Files: m4/*
Copyright: FSF
License: GPL-3+ with Bison exception

Files: doc/*
Copyright: FSF
License: GFDL-NIV-1.3+ and Expat

Files: pd/*
Copyright: none
License: public-domain
 Written by someone who gave it away.

Files: odd/*
Copyright: x
License: BSD-3-Clause

License: Artistic
 The Artistic license, defined once; used above.

License: Unused-License
 A stand-alone text no Files paragraph uses.
";

    #[test]
    fn dep5_header_and_files_paragraphs() {
        assert_eq!(
            parse(DEP5),
            [
                "GPL-2.0-or-later",
                "LGPL-2.1-only",
                "GPL-1.0-or-later OR Artistic",
                "BSD-3-Clause",
                "GPL-3.0-or-later WITH Bison-exception-2.2",
                "GFDL-1.3-no-invariants-or-later",
                "MIT",
                "public-domain",
            ]
        );
    }

    #[test]
    fn synopsis_precedence() {
        let e = |s: &str| synopsis_entries(s);
        assert_eq!(e("A or B and C"), ["A OR (B AND C)"]);
        assert_eq!(e("A or B, and C"), ["A OR B", "C"]);
        assert_eq!(e("A and B, or C"), ["(A AND B) OR C"]);
        assert_eq!(
            e("GPL-2+ and BSD-3-clause"),
            ["GPL-2.0-or-later", "BSD-3-Clause"]
        );
        assert_eq!(
            e("MPL-1.1 or GPL-2+ or LGPL-2.1+"),
            ["MPL-1.1 OR GPL-2.0-or-later OR LGPL-2.1-or-later"]
        );
        assert_eq!(e("ISC and/or LGPL-2.1+"), ["ISC OR LGPL-2.1-or-later"]);
        assert_eq!(e("(GPL-2 or BSD) and MIT"), ["GPL-2.0-only OR BSD", "MIT"]);
        assert_eq!(e("GPL-2, BSD"), ["GPL-2.0-only", "BSD"]);
        // Unparseable: kept whole.
        assert_eq!(e("GPL-2 or"), ["GPL-2 or"]);
        assert_eq!(e("(GPL-2"), ["(GPL-2"]);
        assert_eq!(e("and"), ["and"]);
        // A name with spaces is kept with them.
        assert_eq!(e("GPL v2 or MIT"), ["GPL v2 OR MIT"]);
    }

    #[test]
    fn exceptions() {
        let e = |s: &str| synopsis_entries(s);
        assert_eq!(
            e("GPL-2+ with Libtool exception"),
            ["GPL-2.0-or-later WITH Libtool-exception"]
        );
        assert_eq!(
            e("GPL-2 with Linux-syscall-note exception"),
            ["GPL-2.0-only WITH Linux-syscall-note"]
        );
        assert_eq!(
            e("GPL-2+ with Texinfo exception"),
            ["GPL-2.0-or-later with Texinfo exception"]
        );
        assert_eq!(
            e("GPL-3+ with autoconf exception"),
            ["GPL-3.0-or-later with autoconf exception"]
        );
        assert_eq!(
            e("GPL-2+ with Bison exception"),
            ["GPL-2.0-or-later with Bison exception"]
        );
        assert_eq!(
            e("BSD-3-clause-Cambridge with BINARY LIBRARY-LIKE PACKAGES exception"),
            ["BSD-3-clause-Cambridge with BINARY LIBRARY-LIKE PACKAGES exception"]
        );
        assert_eq!(
            e("GPL-2+ with OpenSSL exception or MIT"),
            ["GPL-2.0-or-later with OpenSSL exception OR MIT"]
        );
    }

    #[test]
    fn names() {
        let m = |s: &str| spdx_name(s);
        for (debian, spdx) in [
            ("GPL-2", "GPL-2.0-only"),
            ("GPL-2+", "GPL-2.0-or-later"),
            ("gpl-3.0+", "GPL-3.0-or-later"),
            ("GPL-1", "GPL-1.0-only"),
            ("LGPL-2", "LGPL-2.0-only"),
            ("LGPL-2.0+", "LGPL-2.0-or-later"),
            ("LGPL-2.1", "LGPL-2.1-only"),
            ("LGPL-3+", "LGPL-3.0-or-later"),
            ("AGPL-3+", "AGPL-3.0-or-later"),
            ("GFDL-1.2", "GFDL-1.2-only"),
            ("GFDL-NIV-1.3", "GFDL-1.3-no-invariants-only"),
            ("GPL-2.0-or-later", "GPL-2.0-or-later"),
            ("BSD-3-clause", "BSD-3-Clause"),
            ("BSD-4-clause-UC", "BSD-4-Clause-UC"),
            ("Expat", "MIT"),
            ("expat", "MIT"),
            ("zlib", "Zlib"),
            ("ZLIB", "Zlib"),
            ("Ms-PL", "MS-PL"),
            ("CC0", "CC0-1.0"),
            ("CC0-1.0", "CC0-1.0"),
            ("Apache-2", "Apache-2.0"),
            ("Apache-2.0", "Apache-2.0"),
            ("Apache-2.0+", "Apache-2.0+"),
            ("Artistic-2", "Artistic-2.0"),
            ("MPL-2", "MPL-2.0"),
            ("BSL-1", "BSL-1.0"),
            ("Zope-2.1", "ZPL-2.1"),
            ("CC-BY-3.0", "CC-BY-3.0"),
            ("LPPL-1.3c", "LPPL-1.3c"),
            ("OLDAP-2.8", "OLDAP-2.8"),
            ("gpl-2.0-or-later", "GPL-2.0-or-later"),
            ("Artistic-dist", "Artistic-dist"),
            ("GPLv3+", "GPL-3.0-or-later"),
            ("LGPLv2.1+", "LGPL-2.1-or-later"),
            ("gplv2", "GPL-2.0-only"),
            // Written as the SPDX id: that id.
            ("artistic-1.0", "Artistic-1.0"),
        ] {
            assert_eq!(m(debian).as_deref(), Some(spdx), "{debian}");
        }
        for kept in [
            "GPL",
            "LGPL",
            "GFDL",
            "Apache",
            "Artistic",
            "BSD",
            "MPL",
            "GPL-4",
            "GPL-2.5+",
            "public-domain",
            "permissive",
            "Unicode",
            "MIT-like",
            "GFDL-1.3+-no-invariant",
            "Perl",
            "Artistic-1",
            "",
            "-",
            "GPL-",
            "GPL-2.",
            "GPLv",
            "GPLv2.",
            "MITv2",
            "LGPLv3+_or_GPLv2+",
        ] {
            assert_eq!(m(kept), None, "{kept}");
        }
    }

    #[test]
    fn free_form_references() {
        let libc = "\
* Most of the library:

    The GNU C Library is free software; you can redistribute it and/or
    modify it under the terms of the GNU Lesser General Public
    License as published by the Free Software Foundation; either
    version 2.1 of the License, or (at your option) any later version.

  On Debian systems, the complete text of the GNU Library
  General Public License can be found in `/usr/share/common-licenses/LGPL-2.1'.

* The utilities:

    This program is free software; you can redistribute it under the terms
    of the GNU General Public License version 2.

  See /usr/share/common-licenses/GPL-2.

The Apache part: /usr/share/common-licenses/Apache-2.0. The rest:
/usr/share/common-licenses/GPL. And /usr/share/common-licenses/ alone.
Again /usr/share/common-licenses/LGPL-2.1
";
        assert_eq!(
            parse(libc),
            [
                "LGPL-2.1-or-later",
                "GPL-2.0-only",
                "Apache-2.0",
                "GPL",
                "LGPL-2.1-only"
            ]
        );
        assert!(parse("Copyright 1999 someone. All rights reserved.\n").is_empty());
        // "or later" for another version than the one referred to.
        let other = "Parts: either version 3 of the License, or (at your option) any \
                     later version.\nThe rest: GPL version 2, /usr/share/common-licenses/GPL-2\n";
        assert_eq!(parse(other), ["GPL-2.0-only"]);
        let or_later = "GNU GPL version 3 or later; see /usr/share/common-licenses/GPL-3.";
        assert_eq!(parse(or_later), ["GPL-3.0-or-later"]);
        // Files paragraphs under a free-form introduction count; other
        // License lines of a free-form file do not.
        let hybrid = "Packaged by someone.\n\nLicense: The main library is LGPL\n\n\
                      See /usr/share/common-licenses/LGPL-2.1.\n\n\
                      Files: lib/*\nCopyright: x\nLicense: GPLv3+\n\n\
                      Files: a/*\nLicense: Redistribution and use in source and binary forms\n\n\
                      Files: b/*\nLicense: Expat or GPL-2+ with Font exception\n";
        assert_eq!(
            parse(hybrid),
            [
                "GPL-3.0-or-later",
                "MIT OR GPL-2.0-or-later WITH Font-exception-2.0",
                "LGPL-2.1-only"
            ]
        );
    }

    #[test]
    fn hostile_files() {
        // DEP-5 without any License field: read as free-form.
        let no_license = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: x\nComment: see /usr/share/common-licenses/GPL-3\n";
        assert_eq!(parse(no_license), ["GPL-3.0-only"]);
        assert!(parse("Format: x\n\nFiles: *\nCopyright: x\n").is_empty());
        assert!(parse("").is_empty());
        // CRLF line ends.
        let crlf = DEP5.replace('\n', "\r\n");
        assert_eq!(parse(&crlf), parse(DEP5));
        // Invalid UTF-8 in the text, garbage lines, an empty synopsis.
        let mut bytes = b"Format: x\nLicense:\n text\n\xff\xfe not a field\n\nFiles: *\nLicense: MIT\n \xc3\x28 caf\xe9\n".to_vec();
        bytes.extend_from_slice(b"\nFiles: a\nLicense: GPL-2+ \xff\n");
        // A name with a space (here a replaced byte) is kept as written.
        assert_eq!(parse_copyright(&bytes), ["MIT", "GPL-2+ \u{fffd}"]);
        // A continuation before any field, lone colons, deep parentheses.
        let odd = format!(
            " leading continuation\n:\nFormat: x\n\nFiles: *\nLicense: {}MIT{}\n",
            "(".repeat(100),
            ")".repeat(100)
        );
        assert_eq!(parse(&odd).len(), 1);
        // A synopsis over the limit is skipped.
        let long = format!(
            "Format: x\n\nFiles: *\nLicense: {}\n",
            "A or ".repeat(400) + "B"
        );
        assert!(parse(&long).is_empty());
    }

    #[test]
    fn huge_file_stops_at_the_cap() {
        let mut s = String::from("Format: x\n\nFiles: *\nLicense: MIT\n\n");
        let filler = "Files: x\nCopyright: y\nLicense: GPL-2+\n\n";
        while s.len() < MAX_COPYRIGHT_BYTES - 20 {
            s.push_str(filler);
        }
        // A paragraph across the cap is cut at its last whole line, the
        // rest is never read.
        s.push_str("Files: late\nCopyright: y\nLicense: Apache-2.0\n\n");
        while s.len() < MAX_COPYRIGHT_BYTES + 1000 {
            s.push_str(filler);
        }
        s.push_str("Files: later\nLicense: ISC\n");
        assert_eq!(parse(&s), ["MIT", "GPL-2.0-or-later"]);
        // Many distinct licenses: at most MAX_LICENSES.
        let mut many = String::from("Format: x\n");
        for i in 0..1000 {
            many.push_str(&format!("\nFiles: f{i}\nLicense: L{i}\n"));
        }
        assert_eq!(parse(&many).len(), MAX_LICENSES);
    }

    #[test]
    fn paths() {
        assert_eq!(package_of("usr/share/doc/libc6/copyright"), Some("libc6"));
        assert_eq!(package_of("/usr/share/doc/libc6/copyright"), Some("libc6"));
        assert_eq!(package_of("./usr/share/doc/a/copyright"), Some("a"));
        for p in [
            "usr/share/doc/copyright",
            "usr/share/doc//copyright",
            "usr/share/doc/a/b/copyright",
            "usr/share/doc/a/copyright.gz",
            "usr/share/doc/../copyright",
            "usr/local/share/doc/a/copyright",
        ] {
            assert_eq!(package_of(p), None, "{p}");
        }
        assert_eq!(
            path_for("libc6:amd64").as_deref(),
            Some("usr/share/doc/libc6/copyright")
        );
        assert_eq!(path_for("../x"), None);
        assert_eq!(path_for(""), None);
    }
}
