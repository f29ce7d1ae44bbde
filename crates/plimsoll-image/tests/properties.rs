//! Property tests: the layer reader on random and mutated bytes never
//! panics and never yields a path outside the root; the target parser never
//! panics and references round-trip; the squash never panics and keeps only
//! entries of the layers it was given.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "common/tarbuild.rs"]
mod tarbuild;

use plimsoll_image::{
    Digest, EntryKind, Expected, FileEntry, ImageReference, LayerFiles, Limits, Target, read_layer,
    squash,
};
use proptest::prelude::*;
use tarbuild::{TarBuf, gzip};

fn small_limits() -> Limits {
    Limits {
        max_layer_bytes: 4 << 20,
        max_entry_bytes: 1 << 20,
        max_entries: 10_000,
        max_read_bytes: 1 << 16,
        max_extension_bytes: 1 << 16,
        max_path_bytes: 4096,
        max_sparse_entries: 1024,
    }
}

fn check(blob: &[u8]) {
    let zero = Digest::of_bytes(b"");
    if let Ok(r) = read_layer(
        blob,
        Expected {
            digest: None,
            size: None,
            diff_id: Some(&zero),
        },
        &[],
        &small_limits(),
    ) {
        for e in &r.files.entries {
            assert!(!e.path.is_empty() && !e.path.starts_with('/'));
            assert!(
                !e.path
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == "..")
            );
        }
        let _ = squash([&r.files]);
    }
}

fn sample_tar() -> Vec<u8> {
    TarBuf::default()
        .dir(b"etc")
        .file(b"etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        .long_name(("a/".repeat(80) + "long").as_bytes())
        .file(b"x", b"long")
        .pax(&[("path", b"pax/p"), ("size", b"3")])
        .file(b"y", b"abc")
        .symlink(b"l", b"../../etc/passwd")
        .hardlink(b"h", b"etc/passwd")
        .file(b"etc/.wh.gone", b"")
        .file(b"opt/.wh..wh..opq", b"")
        .finish()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&bytes);
        check(&gzip(&bytes));
    }

    #[test]
    fn mutated_tars_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
        compress in any::<bool>(),
    ) {
        let mut tar = sample_tar();
        for (i, b) in &flips {
            let at = i.index(tar.len());
            tar[at] = *b;
        }
        let blob = if compress { gzip(&tar) } else { tar.clone() };
        check(&blob);
        let end = cut.index(blob.len() + 1);
        check(&blob[..end]);
    }

    #[test]
    fn mutated_gzip_never_panics(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut blob = gzip(&sample_tar());
        for (i, b) in &flips {
            let at = i.index(blob.len());
            blob[at] = *b;
        }
        check(&blob);
    }

    #[test]
    fn targets_never_panic(s in "\\PC{0,80}") {
        let _ = Target::parse(&s);
        let _ = ImageReference::parse(&s);
    }

    #[test]
    fn references_round_trip(
        host in prop::option::of("[a-z]{1,8}\\.[a-z]{2,3}(:[0-9]{1,5})?"),
        path in "[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,2}",
        tag in prop::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
    ) {
        let mut s = match &host { Some(h) => format!("{h}/{path}"), None => path.clone() };
        if let Some(t) = &tag { s = format!("{s}:{t}"); }
        let r = ImageReference::parse(&s).unwrap();
        prop_assert_eq!(ImageReference::parse(&r.to_string()).unwrap(), r.clone());
        prop_assert_eq!(ImageReference::parse(&r.familiar()).unwrap(), r);
    }

    #[test]
    fn squash_keeps_only_given_entries(
        layers in proptest::collection::vec(
            (
                proptest::collection::vec(("[abc]{1,2}(/[abc]{1,2}){0,2}", 0u8..4), 0..12),
                proptest::collection::vec("[abc]{1,2}(/[abc]{1,2}){0,1}", 0..3),
                proptest::collection::vec("([abc]{1,2})?", 0..2),
            ),
            1..5,
        )
    ) {
        let tables: Vec<LayerFiles> = layers
            .iter()
            .map(|(entries, wh, opq)| LayerFiles {
                entries: entries
                    .iter()
                    .map(|(p, k)| FileEntry {
                        path: p.clone(),
                        kind: [EntryKind::File, EntryKind::Dir, EntryKind::Symlink, EntryKind::Hardlink][usize::from(*k)],
                        mode: 0o644,
                        uid: 0,
                        gid: 0,
                        size: 1,
                        mtime: 0,
                        link: (*k >= 2).then(|| "a".to_owned()),
                    })
                    .collect(),
                whiteouts: wh.clone(),
                opaque_dirs: opq.clone(),
                anomalies: vec![],
            })
            .collect();
        let s = squash(&tables);
        for f in s.iter() {
            prop_assert!(f.layer < tables.len());
            prop_assert!(tables[f.layer].entries.iter().any(|e| e.path == f.path));
            let _ = s.resolve(&f.path);
        }
        // The last entry of each path in the top layer survives, unless a
        // later entry of that layer needs it to be a directory.
        let top = &tables[tables.len() - 1].entries;
        for (i, e) in top.iter().enumerate() {
            if top[i + 1..].iter().any(|o| o.path == e.path) {
                continue;
            }
            let later = &top[i + 1..];
            // A later descendant turns a non-directory into a directory; a
            // later non-directory at an ancestor replaces the whole tree.
            let shadowed = (e.kind != EntryKind::Dir
                && e.kind != EntryKind::Symlink
                && later.iter().any(|o| o.path.starts_with(&format!("{}/", e.path))))
                || later.iter().any(|o| {
                    o.kind != EntryKind::Dir && e.path.starts_with(&format!("{}/", o.path))
                });
            if !shadowed {
                prop_assert!(s.get(&e.path).is_some(), "{} lost", e.path);
            }
        }
    }
}
