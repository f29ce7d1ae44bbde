//! The squash: layer file tables applied in order — opaque dirs and
//! whiteouts first (they hide only lower layers, per the OCI spec), then the
//! layer's own entries, last writer wins — remembering which layer
//! introduced each surviving file and which removed each deleted one.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::layer::LayerFiles;
use crate::path;
use crate::tarframe::EntryKind;

/// A file of the squashed image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SquashedFile {
    /// Normalised path.
    pub path: String,
    /// Kind.
    pub kind: EntryKind,
    /// Permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Size (a hard link has its target's size).
    pub size: u64,
    /// Symlink or hard-link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Index of the layer that introduced this version of the file.
    pub layer: usize,
}

/// A file that a later layer deleted (whiteout or opaque dir): it is gone
/// from the container but its bytes are still in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedFile {
    /// The file as it was.
    pub file: SquashedFile,
    /// The layer whose whiteout or opaque dir removed it.
    pub removed_by: usize,
}

/// The squashed file system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Squashed {
    files: BTreeMap<String, SquashedFile>,
    /// Files deleted by whiteouts or opaque dirs, in the order removed.
    pub removed: Vec<RemovedFile>,
    /// Hard links whose target existed in no layer: (layer, path, target).
    pub dangling_hardlinks: Vec<(usize, String, String)>,
}

/// Symlinks followed before [`Squashed::resolve`] gives up (as Linux's ELOOP).
pub const MAX_SYMLINK_HOPS: usize = 40;

impl Squashed {
    /// The file at `path` (normalised, no leading slash), links not followed.
    pub fn get(&self, path: &str) -> Option<&SquashedFile> {
        self.files.get(path)
    }

    /// All files, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = &SquashedFile> {
        self.files.values()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file at `path` with symlinks followed lexically inside the root
    /// (never on disk); `None` when missing, dangling or looping.
    pub fn resolve(&self, path: &str) -> Option<&SquashedFile> {
        let mut rest: VecDeque<String> = split(path).collect();
        let mut cur = String::new();
        let mut hops = 0;
        while let Some(c) = rest.pop_front() {
            match c.as_str() {
                "." => continue,
                ".." => {
                    cur = path::parent(&cur).to_owned();
                    continue;
                }
                _ => {}
            }
            let next = path::join(&cur, &c);
            match self.files.get(&next) {
                Some(f) if f.kind == EntryKind::Symlink => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return None;
                    }
                    let target = f.link.as_deref().unwrap_or_default();
                    if target.starts_with('/') {
                        cur.clear();
                    }
                    for (i, t) in split(target).enumerate() {
                        rest.insert(i, t);
                    }
                }
                _ => cur = next,
            }
        }
        self.files.get(&cur)
    }

    fn remove_tree(&mut self, dir: &str, include_self: bool, by: usize) {
        if include_self {
            if let Some(f) = self.files.remove(dir) {
                self.removed.push(RemovedFile {
                    file: f,
                    removed_by: by,
                });
            }
        }
        let keys: Vec<String> = if dir.is_empty() {
            self.files.keys().cloned().collect()
        } else {
            let prefix = format!("{dir}/");
            self.files
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.clone())
                .collect()
        };
        for k in keys {
            if let Some(f) = self.files.remove(&k) {
                self.removed.push(RemovedFile {
                    file: f,
                    removed_by: by,
                });
            }
        }
    }

    fn drop_descendants(&mut self, dir: &str) {
        let prefix = format!("{dir}/");
        let keys: Vec<String> = self
            .files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            self.files.remove(&k);
        }
    }
}

fn split(p: &str) -> impl Iterator<Item = String> + '_ {
    p.split('/').filter(|c| !c.is_empty()).map(str::to_owned)
}

fn squashed_file(e: &crate::layer::FileEntry, size: u64, layer: usize) -> SquashedFile {
    SquashedFile {
        path: e.path.clone(),
        kind: e.kind,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        size,
        link: e.link.clone(),
        layer,
    }
}

/// Squashes layer file tables, base layer first.
pub fn squash<'a, I>(layers: I) -> Squashed
where
    I: IntoIterator<Item = &'a LayerFiles>,
{
    let mut fs = Squashed::default();
    for (i, layer) in layers.into_iter().enumerate() {
        fs.apply(i, layer);
    }
    fs
}

impl Squashed {
    /// Applies `layer`, the layer at `index`, over what is squashed so far:
    /// `squash(L0..Ln)` is `Squashed::default()` with each applied in
    /// order, so the fold can start anywhere (the base layer is folded on
    /// its own reading thread).
    pub fn apply(&mut self, index: usize, layer: &LayerFiles) {
        let fs = self;
        let i = index;
        // Hard links may point at lower files that this layer's whiteouts
        // remove: the link was made while the target existed.
        let mut lower_targets: HashMap<&str, (u64, u32)> = HashMap::new();
        for e in &layer.entries {
            if let (EntryKind::Hardlink, Some(t)) = (e.kind, e.link.as_deref()) {
                if let Some(f) = fs.files.get(t) {
                    lower_targets.insert(t, (f.size, f.mode));
                }
            }
        }
        for dir in &layer.opaque_dirs {
            fs.remove_tree(dir, false, i);
        }
        for w in &layer.whiteouts {
            fs.remove_tree(w, true, i);
        }
        // Ancestors already checked in this layer (with all of theirs):
        // entries come in directory order, so most checks stop at once, and
        // an entry in the same directory as the one before needs none.
        let mut checked: HashSet<&str> = HashSet::new();
        let mut last_parent: Option<&str> = None;
        for e in &layer.entries {
            // A non-directory ancestor is replaced by an implicit directory
            // (symlinks are kept: the runtime writes through them).
            let parent = path::parent(&e.path);
            if last_parent != Some(parent) {
                let mut a = parent;
                while !a.is_empty() && !checked.contains(a) {
                    if fs
                        .files
                        .get(a)
                        .is_some_and(|f| !matches!(f.kind, EntryKind::Dir | EntryKind::Symlink))
                    {
                        fs.files.remove(a);
                    }
                    checked.insert(a);
                    a = path::parent(a);
                }
                last_parent = Some(parent);
            }
            if !matches!(e.kind, EntryKind::Dir | EntryKind::Symlink) {
                // A file written over a checked directory makes it a
                // non-directory ancestor again for what follows.
                checked.remove(e.path.as_str());
            }
            if e.kind == EntryKind::Hardlink {
                if fs
                    .files
                    .get(&e.path)
                    .is_some_and(|f| f.kind == EntryKind::Dir)
                {
                    fs.drop_descendants(&e.path);
                }
                let mut size = e.size;
                if let Some(t) = e.link.as_deref() {
                    let same_layer = fs.files.get(t).filter(|f| f.layer == i).map(|f| f.size);
                    match same_layer.or_else(|| lower_targets.get(t).map(|(s, _)| *s)) {
                        Some(s) => size = s,
                        None => fs
                            .dangling_hardlinks
                            .push((i, e.path.clone(), t.to_owned())),
                    }
                }
                fs.files.insert(e.path.clone(), squashed_file(e, size, i));
                continue;
            }
            // One search of the tree for the common case.
            match fs.files.entry(e.path.clone()) {
                Entry::Vacant(v) => {
                    v.insert(squashed_file(e, e.size, i));
                }
                Entry::Occupied(mut o) => {
                    let over_dir = o.get().kind == EntryKind::Dir && e.kind != EntryKind::Dir;
                    o.insert(squashed_file(e, e.size, i));
                    if over_dir {
                        fs.drop_descendants(&e.path);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::FileEntry;

    fn f(path: &str) -> FileEntry {
        FileEntry {
            path: path.into(),
            kind: EntryKind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: path.len() as u64,
            mtime: 0,
            link: None,
        }
    }
    fn d(path: &str) -> FileEntry {
        FileEntry {
            kind: EntryKind::Dir,
            size: 0,
            mode: 0o755,
            ..f(path)
        }
    }
    fn hl(path: &str, target: &str) -> FileEntry {
        FileEntry {
            kind: EntryKind::Hardlink,
            size: 0,
            link: Some(target.into()),
            ..f(path)
        }
    }
    fn sl(path: &str, target: &str) -> FileEntry {
        FileEntry {
            kind: EntryKind::Symlink,
            size: 0,
            link: Some(target.into()),
            ..f(path)
        }
    }
    fn layer(entries: Vec<FileEntry>, wh: &[&str], opq: &[&str]) -> LayerFiles {
        LayerFiles {
            entries,
            whiteouts: wh.iter().map(|s| s.to_string()).collect(),
            opaque_dirs: opq.iter().map(|s| s.to_string()).collect(),
            anomalies: vec![],
        }
    }
    fn paths(s: &Squashed) -> Vec<(String, usize)> {
        s.iter().map(|f| (f.path.clone(), f.layer)).collect()
    }
    fn p(v: &[(&str, usize)]) -> Vec<(String, usize)> {
        v.iter().map(|(a, b)| (a.to_string(), *b)).collect()
    }

    #[test]
    fn file_deleted() {
        let l0 = layer(vec![d("etc"), f("etc/a"), f("etc/b")], &[], &[]);
        let l1 = layer(vec![], &["etc/a"], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("etc", 0), ("etc/b", 0)]));
        assert_eq!(s.removed.len(), 1);
        assert_eq!(s.removed[0].file.path, "etc/a");
        assert_eq!(s.removed[0].file.layer, 0);
        assert_eq!(s.removed[0].removed_by, 1);
    }

    #[test]
    fn last_writer_wins() {
        let l0 = layer(vec![f("a"), f("b")], &[], &[]);
        let l1 = layer(vec![FileEntry { size: 99, ..f("a") }], &[], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("a", 1), ("b", 0)]));
        assert_eq!(s.get("a").unwrap().size, 99);
        assert!(s.removed.is_empty());
    }

    #[test]
    fn dir_deleted_then_recreated_later() {
        let l0 = layer(
            vec![d("x"), f("x/old"), d("x/sub"), f("x/sub/deep"), f("xy")],
            &[],
            &[],
        );
        let l1 = layer(vec![], &["x"], &[]);
        let l2 = layer(vec![d("x"), f("x/new")], &[], &[]);
        let s = squash([&l0, &l1, &l2]);
        assert_eq!(paths(&s), p(&[("x", 2), ("x/new", 2), ("xy", 0)]));
        assert_eq!(s.removed.len(), 4); // x, x/old, x/sub, x/sub/deep
    }

    #[test]
    fn dir_deleted_and_recreated_in_same_layer() {
        // Whiteouts hide only lower layers, whatever the tar order.
        let l0 = layer(vec![d("x"), f("x/old")], &[], &[]);
        let l1 = layer(vec![d("x"), f("x/new")], &["x"], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("x", 1), ("x/new", 1)]));
    }

    #[test]
    fn opaque_dir_then_new_files_in_same_layer() {
        let l0 = layer(
            vec![d("opt"), f("opt/a"), d("opt/d"), f("opt/d/b"), f("other")],
            &[],
            &[],
        );
        let l1 = layer(vec![d("opt"), f("opt/c")], &[], &["opt"]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("opt", 1), ("opt/c", 1), ("other", 0)]));
        // The opaque dir itself is not removed, only its lower children.
        assert!(s.removed.iter().all(|r| r.file.path.starts_with("opt/")));
    }

    #[test]
    fn opaque_root() {
        let l0 = layer(vec![f("a"), d("b"), f("b/c")], &[], &[]);
        let l1 = layer(vec![f("z")], &[], &[""]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("z", 1)]));
    }

    #[test]
    fn whiteout_of_missing_file_is_a_no_op() {
        let l0 = layer(vec![f("a")], &[], &[]);
        let l1 = layer(vec![], &["nope", "dir/nope"], &["nodir"]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("a", 0)]));
        assert!(s.removed.is_empty());
    }

    #[test]
    fn nested_whiteouts() {
        let l0 = layer(
            vec![
                d("a"),
                d("a/b"),
                f("a/b/c"),
                f("a/b/d"),
                d("a/b/e"),
                f("a/b/e/f"),
            ],
            &[],
            &[],
        );
        // whiteout of a file inside a dir that the same layer also whites out
        let l1 = layer(vec![], &["a/b/c", "a/b/e"], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("a", 0), ("a/b", 0), ("a/b/d", 0)]));
        let l2 = layer(vec![], &["a/b/d", "a"], &[]);
        let s = squash([&l0, &l1, &l2]);
        assert!(s.is_empty());
        // prefix siblings survive: "a/b" whiteout does not touch "a/bc"
        let l0 = layer(vec![f("a/b"), f("a/bc"), f("a/b-c")], &[], &[]);
        let l1 = layer(vec![], &["a/b"], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("a/b-c", 0), ("a/bc", 0)]));
    }

    #[test]
    fn hardlink_to_whited_out_file_keeps_content() {
        let l0 = layer(vec![f("bin/tool")], &[], &[]);
        // link made in a later layer, target whited out in the same layer
        let l1 = layer(vec![hl("bin/alias", "bin/tool")], &["bin/tool"], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("bin/alias", 1)]));
        assert_eq!(s.get("bin/alias").unwrap().size, "bin/tool".len() as u64);
        // link and target in one layer, target whited out later
        let l0 = layer(vec![f("x"), hl("y", "x")], &[], &[]);
        let l1 = layer(vec![], &["x"], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("y", 0)]));
        assert_eq!(s.get("y").unwrap().size, 1);
        assert!(s.dangling_hardlinks.is_empty());
        // link to nothing
        let l0 = layer(vec![hl("y", "missing")], &[], &[]);
        let s = squash([&l0]);
        assert_eq!(
            s.dangling_hardlinks,
            vec![(0, "y".into(), "missing".into())]
        );
    }

    #[test]
    fn file_replaces_dir_and_dir_replaces_file() {
        let l0 = layer(vec![d("x"), f("x/a"), f("y")], &[], &[]);
        let l1 = layer(vec![f("x"), d("y"), f("y/b")], &[], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("x", 1), ("y", 1), ("y/b", 1)]));
        assert_eq!(s.get("x").unwrap().kind, EntryKind::File);
        // A file below a lower non-directory replaces it.
        let l0 = layer(vec![f("z")], &[], &[]);
        let l1 = layer(vec![f("z/inner")], &[], &[]);
        let s = squash([&l0, &l1]);
        assert_eq!(paths(&s), p(&[("z/inner", 1)]));
    }

    #[test]
    fn resolve_follows_symlinks_inside_root() {
        let l0 = layer(
            vec![
                d("usr"),
                d("usr/lib"),
                f("usr/lib/os-release"),
                sl("etc/os-release", "../usr/lib/os-release"),
                sl("lib", "usr/lib"),
                sl("abs", "/usr/lib/os-release"),
                sl("up", "../../../../usr/lib/os-release"),
                sl("loop1", "loop2"),
                sl("loop2", "loop1"),
                sl("self", "self"),
                sl("dangling", "nowhere"),
            ],
            &[],
            &[],
        );
        let s = squash([&l0]);
        let want = Some("usr/lib/os-release");
        assert_eq!(s.resolve("etc/os-release").map(|f| f.path.as_str()), want);
        assert_eq!(s.resolve("lib/os-release").map(|f| f.path.as_str()), want);
        assert_eq!(s.resolve("/abs").map(|f| f.path.as_str()), want);
        assert_eq!(s.resolve("up").map(|f| f.path.as_str()), want);
        assert!(s.resolve("loop1").is_none());
        assert!(s.resolve("self").is_none());
        assert!(s.resolve("dangling").is_none());
        assert_eq!(s.get("lib").unwrap().kind, EntryKind::Symlink);
    }
}
