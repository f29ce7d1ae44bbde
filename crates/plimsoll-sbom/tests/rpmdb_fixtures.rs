//! The BerkeleyDB reader against ten more real rpm databases (CentOS 5, 6, 7
//! and 8 images, plain and with many packages), compared with the `rpm -qa`
//! output captured inside each image, as Debian's
//! `golang-github-knqyf263-go-rpmdb-dev` package ships them (`rpmdb_testcase.go`).
//!
//! `bash scripts/fetch-rpmdb-fixtures.sh DIR` fetches that package; then set
//! `PLIMSOLL_RPMDB_FIXTURES=DIR` (`scripts/test` does both). A missing
//! variable fails the test: it never passes without having read the data.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::BTreeMap;
use std::path::PathBuf;

use plimsoll_sbom::catalogers::rpm;

const PKG_DIR: &str = "usr/share/gocode/src/github.com/knqyf263/go-rpmdb/pkg";

fn fixtures() -> Option<PathBuf> {
    match std::env::var_os("PLIMSOLL_RPMDB_FIXTURES") {
        Some(dir) => {
            let pkg = PathBuf::from(dir).join(PKG_DIR);
            assert!(
                pkg.join("rpmdb_testcase.go").is_file(),
                "PLIMSOLL_RPMDB_FIXTURES is set but {} holds no go-rpmdb fixtures: \
                 run scripts/fetch-rpmdb-fixtures.sh",
                pkg.display()
            );
            Some(pkg)
        }
        None => panic!(
            "PLIMSOLL_RPMDB_FIXTURES is not set: run the suite with `bash scripts/test`, \
             or fetch the databases with scripts/fetch-rpmdb-fixtures.sh DIR and set it to DIR"
        ),
    }
}

/// A Go literal value of the test case file: a string, a number or `nil`.
fn go_values(row: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = row.chars();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match (in_str, c) {
            (true, '\\') => cur.extend(chars.next()),
            (true, '"') => in_str = false,
            (true, c) => cur.push(c),
            (false, '"') => in_str = true,
            (false, ',') => out.push(std::mem::take(&mut cur).trim().to_owned()),
            (false, c) => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

/// `Name = []*PackageInfo{ {…}, … }` and `Name = []string{ "…", … }` blocks.
fn go_tables(src: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut tables = BTreeMap::new();
    let mut current: Option<(String, Vec<Vec<String>>)> = None;
    for line in src.lines() {
        let t = line.trim();
        if let Some((name, rest)) = t.split_once(" = []") {
            if rest.ends_with('{') {
                current = Some((name.trim().to_owned(), Vec::new()));
                continue;
            }
        }
        if let Some((_, rows)) = current.as_mut() {
            if t == "}" {
                let (name, rows) = current.take().unwrap();
                tables.insert(name, rows);
            } else if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix("},")) {
                rows.push(go_values(inner));
            } else if t.starts_with('"') {
                rows.push(go_values(t.trim_end_matches(',')));
            }
        }
    }
    tables
}

#[test]
fn centos_bdb_fixtures_match_rpm_qa() {
    let Some(pkg) = fixtures() else { return };
    let src = std::fs::read_to_string(pkg.join("rpmdb_testcase.go")).unwrap();
    let tables = go_tables(&src);
    let cases = [
        ("centos5-plain", "CentOS5Plain"),
        ("centos6-plain", "CentOS6Plain"),
        ("centos6-devtools", "CentOS6DevTools"),
        ("centos6-many", "CentOS6Many"),
        ("centos7-plain", "CentOS7Plain"),
        ("centos7-devtools", "CentOS7DevTools"),
        ("centos7-many", "CentOS7Many"),
        ("centos7-python35", "CentOS7Python35"),
        ("centos7-httpd24", "CentOS7Httpd24"),
        ("centos8-modularitylabel", "CentOS8Modularitylabel"),
    ];
    for (dir, table) in cases {
        let path = pkg.join("testdata").join(dir).join("Packages");
        let data = std::fs::read(&path).unwrap();
        let pkgs = rpm::read_database(&data, &path.display().to_string()).unwrap();
        // epoch (none → 0), name, version, release, arch, sourcerpm, license, vendor
        let mut got: Vec<Vec<String>> = pkgs
            .iter()
            .map(|p| {
                vec![
                    p.epoch.unwrap_or(0).to_string(),
                    p.name.clone(),
                    p.version.clone(),
                    p.release.clone().unwrap_or_default(),
                    p.arch.clone().unwrap_or_default(),
                    p.source_rpm.clone().unwrap_or_default(),
                    p.licenses.join(" "),
                    p.vendor.clone().unwrap_or_default(),
                ]
            })
            .collect();
        let rows = tables
            .get(table)
            .unwrap_or_else(|| panic!("no table {table}"));
        let mut want: Vec<Vec<String>> = rows
            .iter()
            .filter(|r| r[1] != "gpg-pubkey")
            .map(|r| [&r[0..6], &r[7..9]].concat())
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got.len(), want.len(), "{dir}: package count");
        assert_eq!(got, want, "{dir}");
        eprintln!("{dir}: {} packages match rpm -qa", got.len());
    }

    for (dir, name, table) in [
        ("centos5-plain", "python", "CentOS5PythonInstalledFiles"),
        ("centos6-plain", "glibc", "CentOS6GlibcInstalledFiles"),
        (
            "centos8-modularitylabel",
            "nodejs",
            "CentOS8NodejsInstalledFiles",
        ),
    ] {
        let path = pkg.join("testdata").join(dir).join("Packages");
        let pkgs = rpm::bdb::read(&std::fs::read(&path).unwrap(), dir).unwrap();
        let p = pkgs.iter().find(|p| p.name == name).unwrap();
        let want: Vec<String> = tables[table].iter().map(|r| r[0].clone()).collect();
        assert_eq!(p.files, want, "{dir} {name}: files");
    }
}
