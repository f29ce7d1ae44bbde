//! Java archives (jar, war, ear, …): what the archive says it is, and the
//! archives nested in it (Spring Boot `BOOT-INF/lib/*.jar`, `WEB-INF/lib/*.jar`,
//! jars in ears), to any depth within [`Limits`].
//!
//! For each archive:
//! - every `META-INF/maven/<group>/<artifact>/pom.properties` names a Maven
//!   artifact (`groupId`, `artifactId`, `version`);
//! - the one whose artifact is the archive itself — its `artifactId` is the file
//!   name's name part, the manifest's `Implementation-Title`/`Specification-Title`,
//!   or the (last segment of the) `Bundle-SymbolicName`/`Automatic-Module-Name` — is
//!   the archive's package. The others are artifacts shaded into it and are listed too;
//! - without such a pom.properties, the archive's package comes from its file name
//!   (`log4j-1.2.17.jar` → `log4j`, `1.2.17`) and `META-INF/MANIFEST.MF`, like
//!   syft: name from the file name, else `Name`, `Bundle-Name`, `Short-Name`,
//!   `Extension-Name`, `Implementation-Title`; version from the file name, else
//!   `Implementation-Version`, `Specification-Version`, `Plugin-Version`,
//!   `Bundle-Version` (main section first, then the named sections); group from
//!   the manifest fields syft reads (`Group-Id`, `Bundle-SymbolicName`,
//!   `Extension-Name`, `Specification-Vendor`, `Implementation-Vendor`,
//!   `Implementation-Vendor-Id`, `Implementation-Title`, `Bundle-Activator`, then
//!   `Automatic-Module-Name`, `Package`): the alphabetically first value that starts
//!   with `com.`, `org.`, `net.`, `io.` or `be.`, OSGi directives cut off. syft also
//!   reads `Main-Class`, which names a class, not a group: not here. An archive
//!   without a version anywhere gives no package.
//!
//! `name` is `groupId:artifactId` (the artifactId alone without a group); the
//! purl `pkg:maven/org.yaml/snakeyaml@1.33`. Every package's `files` is the
//! outermost archive on disk.
//!
//! **Safety.** An archive is read from memory; a stored nested archive is read in
//! place, a deflated one is inflated into memory only up to
//! [`Limits::max_nested_in_memory`]. Across the whole outer archive the number of
//! zip entries indexed ([`Limits::max_entries`]), the bytes inflated
//! ([`Limits::max_inflated`]) and the nesting depth ([`Limits::max_depth`]) are
//! capped, and each manifest or pom.properties is read up to
//! [`Limits::max_metadata`]. A nested archive that is corrupt or over a limit is
//! skipped and reported in [`ArchiveScan::problems`]; the rest is still listed.

use crate::catalogers::bin::absolute;
use crate::catalogers::bin::zip::{ZipArchive, ZipEntry};
use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package};

/// The file extensions of Java archives (lowercase), as syft globs them.
pub const ARCHIVE_EXTENSIONS: &[&str] = &[
    "jar", "war", "ear", "par", "sar", "nar", "jpi", "hpi", "kar", "lpkg",
];

/// Whether the file name `name` has a Java archive extension (any case).
pub fn is_archive_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && ARCHIVE_EXTENSIONS
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e))
    })
}

/// Caps on the work one outer archive may cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How deep archives may nest below the outer one (8).
    pub max_depth: usize,
    /// Zip entries indexed across the outer archive and all nested ones (500,000).
    pub max_entries: u64,
    /// Bytes inflated across everything read (1 GiB).
    pub max_inflated: u64,
    /// Largest deflated nested archive inflated into memory (128 MiB).
    pub max_nested_in_memory: u64,
    /// Largest `MANIFEST.MF` or `pom.properties` read (1 MiB).
    pub max_metadata: u64,
    /// Nested archives opened across the outer archive (10,000): bounds the work of
    /// archives whose many entries point at the same nested archive.
    pub max_archives: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 8,
            max_entries: 500_000,
            max_inflated: 1 << 30,
            max_nested_in_memory: 128 << 20,
            max_metadata: 1 << 20,
            max_archives: 10_000,
        }
    }
}

/// What [`parse_archive`] found.
#[derive(Debug, Default)]
pub struct ArchiveScan {
    /// The packages: each archive's own, then those shaded into it, then those of
    /// its nested archives (depth first).
    pub packages: Vec<Package>,
    /// Nested archives or metadata files that could not be read, each naming its
    /// place as `outer.jar:BOOT-INF/lib/inner.jar:…`.
    pub problems: Vec<Error>,
}

/// At most this many problems are kept; the rest are counted in one last entry.
pub const MAX_PROBLEMS: usize = 100;

struct Ctx<'l> {
    limits: &'l Limits,
    archives_left: u64,
    problems_dropped: u64,
    entries_left: u64,
    inflate_left: u64,
    location: String,
    scan: ArchiveScan,
}

/// Catalog the Java archive `data` found at `file` (its path in the image).
/// Fails only when the outer archive itself cannot be read.
pub fn parse_archive(data: &[u8], file: &str, limits: &Limits) -> Result<ArchiveScan> {
    let mut ctx = Ctx {
        limits,
        archives_left: limits.max_archives,
        problems_dropped: 0,
        entries_left: limits.max_entries,
        inflate_left: limits.max_inflated,
        location: absolute(file),
        scan: ArchiveScan::default(),
    };
    let base = file.rsplit('/').next().unwrap_or(file);
    scan_archive(data, file, base, 0, &mut ctx)?;
    if ctx.problems_dropped > 0 {
        ctx.scan.problems.push(Error::limit(
            file,
            format!("{} more problems not listed", ctx.problems_dropped),
        ));
    }
    Ok(ctx.scan)
}

impl Ctx<'_> {
    fn problem(&mut self, e: Error) {
        if self.scan.problems.len() < MAX_PROBLEMS {
            self.scan.problems.push(e);
        } else {
            self.problems_dropped += 1;
        }
    }
}

fn scan_archive(
    data: &[u8],
    chain: &str,
    base: &str,
    depth: usize,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    let zip = ZipArchive::parse(data, chain, ctx.entries_left)?;
    ctx.entries_left -= zip.entries.len() as u64;

    let mut manifest = None;
    let mut poms = Vec::new();
    let mut nested = Vec::new();
    for e in zip.entries.iter().filter(|e| !e.is_dir()) {
        if e.name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            manifest = Some(e);
        } else if is_pom_properties(&e.name) {
            poms.push(e);
        } else if is_archive_name(e.name.rsplit('/').next().unwrap_or(&e.name)) {
            nested.push(e);
        }
    }
    let manifest = manifest.and_then(|e| {
        read_metadata(&zip, e, chain, ctx).map(|b| Manifest::parse(&String::from_utf8_lossy(&b)))
    });
    let poms: Vec<PomProperties> = poms
        .into_iter()
        .filter_map(|e| {
            read_metadata(&zip, e, chain, ctx)
                .map(|b| PomProperties::parse(&String::from_utf8_lossy(&b)))
        })
        .filter(|p| !p.artifact_id.is_empty() && !p.version.is_empty())
        .collect();

    let (fname, fversion) = split_file_name(base);
    let own = poms
        .iter()
        .position(|p| is_own_pom(p, &fname, manifest.as_ref()));
    let mut found: Vec<(String, String)> = Vec::new();
    match own {
        Some(i) => found.push(poms[i].coordinates()),
        None => {
            if let Some(p) = manifest_identity(&fname, &fversion, manifest.as_ref()) {
                found.push(p);
            }
        }
    }
    for (i, p) in poms.iter().enumerate() {
        if Some(i) != own {
            found.push(p.coordinates());
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (name, version) in found {
        if seen.insert((name.clone(), version.clone())) {
            let mut pkg = Package::new(Ecosystem::Maven, &name, &version);
            pkg.files = vec![ctx.location.clone()];
            ctx.scan.packages.push(pkg);
        }
    }

    for e in nested {
        let inner_chain = format!("{chain}:{}", e.name);
        if depth + 1 > ctx.limits.max_depth {
            ctx.problem(Error::limit(
                &inner_chain,
                format!("archive nested deeper than {} levels", ctx.limits.max_depth),
            ));
            continue;
        }
        if ctx.archives_left == 0 {
            ctx.problem(Error::limit(
                &inner_chain,
                format!("more than {} nested archives", ctx.limits.max_archives),
            ));
            continue;
        }
        ctx.archives_left -= 1;
        let cap = ctx.limits.max_nested_in_memory.min(ctx.inflate_left);
        let body = match zip.read(e, cap, &inner_chain) {
            Ok(b) => b,
            Err(err) => {
                ctx.problem(err);
                continue;
            }
        };
        if let std::borrow::Cow::Owned(v) = &body {
            ctx.inflate_left = ctx.inflate_left.saturating_sub(v.len() as u64);
        }
        let inner_base = e.name.rsplit('/').next().unwrap_or(&e.name);
        if let Err(err) = scan_archive(&body, &inner_chain, inner_base, depth + 1, ctx) {
            ctx.problem(err);
        }
    }
    Ok(())
}

fn read_metadata(
    zip: &ZipArchive<'_>,
    e: &ZipEntry,
    chain: &str,
    ctx: &mut Ctx<'_>,
) -> Option<Vec<u8>> {
    let cap = ctx.limits.max_metadata.min(ctx.inflate_left);
    match zip.read(e, cap, &format!("{chain}:{}", e.name)) {
        Ok(b) => {
            ctx.inflate_left = ctx.inflate_left.saturating_sub(b.len() as u64);
            Some(b.into_owned())
        }
        Err(err) => {
            ctx.problem(err);
            None
        }
    }
}

fn is_pom_properties(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    matches!(parts.as_slice(), ["META-INF", "maven", g, a, "pom.properties"] if !g.is_empty() && !a.is_empty())
}

/// `jackson-databind-2.14.0` (or `.jar`) → (`jackson-databind`, `2.14.0`): the
/// version starts at the first `-` followed by a digit.
pub fn split_file_name(base: &str) -> (String, String) {
    let stem = match base.rsplit_once('.') {
        Some((s, ext))
            if ARCHIVE_EXTENSIONS
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e)) =>
        {
            s
        }
        _ => base,
    };
    let b = stem.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return (stem[..i].to_owned(), stem[i + 1..].to_owned());
        }
    }
    (stem.to_owned(), String::new())
}

fn is_own_pom(p: &PomProperties, fname: &str, manifest: Option<&Manifest>) -> bool {
    let aid = p.artifact_id.as_str();
    if aid == fname {
        return true;
    }
    let Some(m) = manifest else { return false };
    let dotted = format!(".{aid}");
    ["Implementation-Title", "Specification-Title"]
        .iter()
        .filter_map(|k| m.main(k))
        .any(|v| v == aid)
        || ["Bundle-SymbolicName", "Automatic-Module-Name"]
            .iter()
            .filter_map(|k| m.main(k))
            .map(clean_group)
            .any(|v| v == aid || v.ends_with(&dotted))
}

fn manifest_identity(
    fname: &str,
    fversion: &str,
    m: Option<&Manifest>,
) -> Option<(String, String)> {
    let mut name = fname.to_owned();
    let mut version = fversion.to_owned();
    if let Some(m) = m {
        if name.is_empty() {
            name = [
                "Name",
                "Bundle-Name",
                "Short-Name",
                "Extension-Name",
                "Implementation-Title",
            ]
            .iter()
            .find_map(|k| m.main(k).filter(|v| !v.is_empty()))
            .unwrap_or("")
            .to_owned();
        }
        if version.is_empty() {
            version = [
                "Implementation-Version",
                "Specification-Version",
                "Plugin-Version",
                "Bundle-Version",
            ]
            .iter()
            .find_map(|k| m.any(k))
            .unwrap_or("")
            .to_owned();
        }
    }
    if name.is_empty() || version.is_empty() {
        return None;
    }
    let group = m.and_then(manifest_group);
    Some(match group {
        Some(g) => (format!("{g}:{name}"), version),
        None => (name, version),
    })
}

const PRIMARY_GROUP_FIELDS: &[&str] = &[
    "Group-Id",
    "Bundle-SymbolicName",
    "Extension-Name",
    "Specification-Vendor",
    "Implementation-Vendor",
    "Implementation-Vendor-Id",
    "Implementation-Title",
    "Bundle-Activator",
];
const SECONDARY_GROUP_FIELDS: &[&str] = &["Automatic-Module-Name", "Package"];

fn manifest_group(m: &Manifest) -> Option<String> {
    for fields in [PRIMARY_GROUP_FIELDS, SECONDARY_GROUP_FIELDS] {
        let mut cands: Vec<String> = fields
            .iter()
            .flat_map(|k| m.all(k))
            .map(clean_group)
            .filter(|v| looks_like_group(v))
            .map(str::to_owned)
            .collect();
        cands.sort();
        if let Some(first) = cands.into_iter().next() {
            return Some(first);
        }
    }
    None
}

fn clean_group(v: &str) -> &str {
    v.split(';')
        .next()
        .unwrap_or(v)
        .split('#')
        .next()
        .unwrap_or(v)
        .trim()
}

fn looks_like_group(v: &str) -> bool {
    ["com.", "org.", "net.", "io.", "be."]
        .iter()
        .any(|p| v.starts_with(p))
        && v.len() > 4
        && !v.contains(char::is_whitespace)
}

/// A parsed `META-INF/MANIFEST.MF`: the main section and the named sections, in
/// file order. Attribute names compare case-insensitively, as the JAR spec says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Sections; the first is the main section.
    pub sections: Vec<Vec<(String, String)>>,
}

impl Manifest {
    /// Parse manifest text: `Name: value` lines, continuation lines starting
    /// with one space, sections separated by blank lines. Lines without a colon
    /// are ignored (never an error: jars in the wild have all sorts).
    pub fn parse(text: &str) -> Manifest {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut sections: Vec<Vec<(String, String)>> = vec![Vec::new()];
        let mut continuing = false;
        for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
            let Some(cur) = sections.last_mut() else {
                break;
            };
            if line.trim().is_empty() {
                if !cur.is_empty() {
                    sections.push(Vec::new());
                }
                continuing = false;
                continue;
            }
            if let Some(more) = line.strip_prefix(' ') {
                if continuing {
                    if let Some((_, v)) = cur.last_mut() {
                        v.push_str(more);
                    }
                }
                continue;
            }
            match line.split_once(':') {
                Some((k, v)) => {
                    cur.push((k.trim().to_owned(), v.trim_start().to_owned()));
                    continuing = true;
                }
                None => continuing = false,
            }
        }
        if sections.len() > 1 && sections.last().is_some_and(Vec::is_empty) {
            sections.pop();
        }
        for s in &mut sections {
            for (_, v) in s.iter_mut() {
                *v = v.trim_end().to_owned();
            }
        }
        Manifest { sections }
    }

    /// The value of `key` in the main section.
    pub fn main(&self, key: &str) -> Option<&str> {
        self.sections
            .first()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The first non-empty value of `key`, main section first, then the named sections.
    pub fn any<'s>(&'s self, key: &'s str) -> Option<&'s str> {
        self.all(key).find(|v| !v.is_empty())
    }

    /// Every value of `key`, main section first.
    pub fn all<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.sections
            .iter()
            .flat_map(move |s| s.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v.as_str())
    }
}

/// The three keys of a `pom.properties`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PomProperties {
    /// `groupId`.
    pub group_id: String,
    /// `artifactId`.
    pub artifact_id: String,
    /// `version`.
    pub version: String,
}

impl PomProperties {
    /// Parse Java properties text (`key=value`, `key: value` or `key value`;
    /// `#` and `!` comments; `\` line continuations and escapes), keeping the
    /// three keys Maven writes.
    pub fn parse(text: &str) -> PomProperties {
        let mut out = PomProperties::default();
        let mut logical = String::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let mut line = line.trim_start().to_owned();
            if logical.is_empty() && (line.starts_with('#') || line.starts_with('!')) {
                continue;
            }
            // An odd number of trailing backslashes continues the line.
            loop {
                let trailing = line.len() - line.trim_end_matches('\\').len();
                if trailing % 2 == 1 {
                    line.pop();
                    logical.push_str(&line);
                    match lines.next() {
                        Some(next) => line = next.trim_start().to_owned(),
                        None => {
                            line.clear();
                            break;
                        }
                    }
                } else {
                    break;
                }
            }
            logical.push_str(&line);
            let entry = std::mem::take(&mut logical);
            let (key, value) = split_property(&entry);
            let value = unescape_property(value.trim_end());
            match unescape_property(key).as_str() {
                "groupId" => out.group_id = value.trim().to_owned(),
                "artifactId" => out.artifact_id = value.trim().to_owned(),
                "version" => out.version = value.trim().to_owned(),
                _ => {}
            }
        }
        out
    }

    /// `groupId:artifactId` (or the artifactId alone) and the version.
    fn coordinates(&self) -> (String, String) {
        let name = if self.group_id.is_empty() {
            self.artifact_id.clone()
        } else {
            format!("{}:{}", clean_group(&self.group_id), self.artifact_id)
        };
        (name, self.version.clone())
    }
}

fn split_property(entry: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in entry.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' => return (&entry[..i], entry[i + 1..].trim_start()),
            c if c.is_whitespace() => {
                let rest = entry[i..].trim_start();
                let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
                return (&entry[..i], rest.trim_start());
            }
            _ => {}
        }
    }
    (entry, "")
}

fn unescape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalogers::bin::zip::tests::build;

    pub const LOG4J_MANIFEST: &str = "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.apache.log4j\r\nBundle-Version: 1.2.17\r\nExport-Package: org.apache.log4j;uses:=\"org.apache.log4j.helpers,org.a\r\n pache.log4j.or\"\r\n\r\nName: org/apache/log4j\r\nImplementation-Title: log4j\r\nImplementation-Vendor: \"Apache Software Foundation\"\r\nImplementation-Version: 1.2.17\r\n\r\n";

    fn purls(scan: &ArchiveScan) -> Vec<&str> {
        scan.packages.iter().map(|p| p.purl.as_str()).collect()
    }

    fn pom(g: &str, a: &str, v: &str) -> String {
        format!("#Created by Apache Maven 3.8.6\ngroupId={g}\nartifactId={a}\nversion={v}\n")
    }

    #[test]
    fn log4j_from_its_manifest_alone() {
        let jar = build(&[("META-INF/MANIFEST.MF", LOG4J_MANIFEST.as_bytes(), true)]);
        let s = parse_archive(&jar, "opt/lib/log4j-1.2.17.jar", &Limits::default()).unwrap();
        assert_eq!(purls(&s), ["pkg:maven/org.apache.log4j/log4j@1.2.17"]);
        assert_eq!(s.packages[0].name, "org.apache.log4j:log4j");
        assert_eq!(s.packages[0].files, ["/opt/lib/log4j-1.2.17.jar"]);
        // Renamed without a version: the version comes from the named section.
        let s = parse_archive(&jar, "opt/lib/logging.jar", &Limits::default()).unwrap();
        assert_eq!(purls(&s), ["pkg:maven/org.apache.log4j/logging@1.2.17"]);
    }

    #[test]
    fn pom_properties_win_and_shaded_artifacts_are_listed() {
        let m = "Manifest-Version: 1.0\nImplementation-Title: demo\nMain-Class: org.springframework.boot.loader.JarLauncher\n";
        let jar = build(&[
            ("META-INF/MANIFEST.MF", m.as_bytes(), true),
            (
                "META-INF/maven/com.example/demo/pom.properties",
                pom("com.example", "demo", "0.0.1-SNAPSHOT").as_bytes(),
                true,
            ),
            (
                "META-INF/maven/com.google.guava/guava/pom.properties",
                pom("com.google.guava", "guava", "31.1-jre").as_bytes(),
                false,
            ),
        ]);
        let s = parse_archive(&jar, "opt/javaapp/app.jar", &Limits::default()).unwrap();
        assert_eq!(
            purls(&s),
            [
                "pkg:maven/com.example/demo@0.0.1-SNAPSHOT",
                "pkg:maven/com.google.guava/guava@31.1-jre"
            ]
        );
    }

    #[test]
    fn nested_jars_at_depth() {
        let inner = build(&[(
            "META-INF/maven/org.yaml/snakeyaml/pom.properties",
            pom("org.yaml", "snakeyaml", "1.33").as_bytes(),
            true,
        )]);
        let middle = build(&[
            (
                "META-INF/maven/com.x/mid/pom.properties",
                pom("com.x", "mid", "2").as_bytes(),
                true,
            ),
            ("WEB-INF/lib/snakeyaml-1.33.jar", &inner, true),
        ]);
        let outer = build(&[("lib/mid-2.war", &middle, false), ("lib/", b"", false)]);
        let s = parse_archive(&outer, "srv/app.ear", &Limits::default()).unwrap();
        assert_eq!(
            purls(&s),
            ["pkg:maven/com.x/mid@2", "pkg:maven/org.yaml/snakeyaml@1.33"]
        );
        assert!(s.packages.iter().all(|p| p.files == ["/srv/app.ear"]));
        assert!(s.problems.is_empty());

        let shallow = Limits {
            max_depth: 1,
            ..Limits::default()
        };
        let s = parse_archive(&outer, "srv/app.ear", &shallow).unwrap();
        assert_eq!(purls(&s), ["pkg:maven/com.x/mid@2"]);
        assert_eq!(
            s.problems[0].to_string(),
            "srv/app.ear:lib/mid-2.war:WEB-INF/lib/snakeyaml-1.33.jar: limit exceeded: archive nested deeper than 1 levels"
        );
    }

    #[test]
    fn bombs_and_corrupt_nested_archives_are_problems() {
        // A deflated nested "jar" of 4 MiB of zeros with a 1 MiB in-memory cap.
        let zeros = vec![0u8; 4 << 20];
        let outer = build(&[
            ("BOOT-INF/lib/bomb.jar", &zeros, true),
            ("BOOT-INF/lib/junk.jar", b"not a zip", false),
        ]);
        let limits = Limits {
            max_nested_in_memory: 1 << 20,
            ..Limits::default()
        };
        let s = parse_archive(&outer, "app.jar", &limits).unwrap();
        assert!(s.packages.is_empty());
        assert_eq!(s.problems.len(), 2);
        assert!(
            matches!(s.problems[0], Error::Limit { .. }),
            "{}",
            s.problems[0]
        );
        assert!(
            s.problems[1]
                .to_string()
                .starts_with("app.jar:BOOT-INF/lib/junk.jar: offset"),
            "{}",
            s.problems[1]
        );
        // The total inflation budget holds across entries.
        let many: Vec<(String, Vec<u8>)> = (0..8)
            .map(|i| {
                (
                    format!("META-INF/maven/g.x/a{i}/pom.properties"),
                    vec![b'#'; 100_000],
                )
            })
            .collect();
        let entries: Vec<(&str, &[u8], bool)> = many
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice(), true))
            .collect();
        let jar = build(&entries);
        let limits = Limits {
            max_inflated: 350_000,
            ..Limits::default()
        };
        let s = parse_archive(&jar, "x.jar", &limits).unwrap();
        assert_eq!(s.problems.len(), 5);
        // Entry-count limit on the outer archive is an error.
        let limits = Limits {
            max_entries: 3,
            ..Limits::default()
        };
        assert!(matches!(
            parse_archive(&jar, "x.jar", &limits),
            Err(Error::Limit { .. })
        ));
        assert!(parse_archive(b"PK\x03\x04 truncated", "x.jar", &Limits::default()).is_err());
    }

    #[test]
    fn many_entries_pointing_at_one_nested_archive_are_bounded() {
        // 300 central-directory entries, all naming the same stored nested jar,
        // which itself holds 300 such entries: the archive count stops it.
        let leaf = build(&[(
            "META-INF/maven/g.x/leaf/pom.properties",
            pom("g.x", "leaf", "1").as_bytes(),
            false,
        )]);
        let names: Vec<String> = (0..300).map(|i| format!("lib/l{i}.jar")).collect();
        let level = |inner: &[u8]| {
            let entries: Vec<(&str, &[u8], bool)> =
                names.iter().map(|n| (n.as_str(), inner, false)).collect();
            build(&entries)
        };
        let outer = level(&level(&leaf));
        let limits = Limits {
            max_archives: 1000,
            ..Limits::default()
        };
        let s = parse_archive(&outer, "x.jar", &limits).unwrap();
        // Depth first: 3 middle jars with their 300 leaves each, then a 4th with 96.
        assert_eq!(s.packages.len(), 996);
        assert_eq!(s.problems.len(), MAX_PROBLEMS + 1);
        assert!(
            s.problems[MAX_PROBLEMS]
                .to_string()
                .ends_with("more problems not listed"),
            "{}",
            s.problems[MAX_PROBLEMS]
        );
    }

    #[test]
    fn file_names() {
        for (f, n, v) in [
            ("jackson-databind-2.14.0.jar", "jackson-databind", "2.14.0"),
            ("guava-31.1-jre.jar", "guava", "31.1-jre"),
            ("app.jar", "app", ""),
            (
                "spring-boot-3.1.0-SNAPSHOT.war",
                "spring-boot",
                "3.1.0-SNAPSHOT",
            ),
            ("x.y.z", "x.y.z", ""),
        ] {
            assert_eq!(split_file_name(f), (n.into(), v.into()), "{f}");
        }
        assert!(is_archive_name("a.JAR") && is_archive_name("b.hpi") && !is_archive_name(".jar"));
        assert!(!is_archive_name("a.zip") && !is_archive_name("jar"));
    }

    #[test]
    fn manifest_parsing() {
        let m = Manifest::parse(LOG4J_MANIFEST);
        assert_eq!(m.sections.len(), 2);
        assert_eq!(m.main("bundle-symbolicname"), Some("org.apache.log4j"));
        assert_eq!(m.main("Implementation-Version"), None);
        assert_eq!(m.any("Implementation-Version"), Some("1.2.17"));
        assert_eq!(
            m.main("Export-Package"),
            Some("org.apache.log4j;uses:=\"org.apache.log4j.helpers,org.apache.log4j.or\"")
        );
        assert_eq!(manifest_group(&m).as_deref(), Some("org.apache.log4j"));
        let m = Manifest::parse("\u{feff}A: 1\n continued\nno colon here\n more\n");
        assert_eq!(m.main("a"), Some("1continued"));
        // Group candidates are sorted; OSGi directives are cut off.
        let m = Manifest::parse(
            "Bundle-SymbolicName: com.fasterxml.jackson.core.jackson-databind;singleton:=true\nImplementation-Vendor-Id: com.fasterxml.jackson.core\nImplementation-Vendor: FasterXML\n",
        );
        assert_eq!(
            manifest_group(&m).as_deref(),
            Some("com.fasterxml.jackson.core")
        );
        let m =
            Manifest::parse("Main-Class: org.example.Main\nAutomatic-Module-Name: io.github.x\n");
        assert_eq!(manifest_group(&m).as_deref(), Some("io.github.x"));
    }

    #[test]
    fn properties_parsing() {
        let p = PomProperties::parse(
            "# comment\n! other\ngroupId = org.y\\\n  aml\nartifactId:snake\\u0079aml\nversion 1.33\n",
        );
        assert_eq!(
            p,
            PomProperties {
                group_id: "org.yaml".into(),
                artifact_id: "snakeyaml".into(),
                version: "1.33".into()
            }
        );
        let p = PomProperties::parse("version=1\\\n");
        assert_eq!(p.version, "1");
    }
}
