//! rpm's SQLite database (`rpmdb.sqlite`, rpm ≥ 4.16).
//!
//! The headers are the `blob` column of table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`.
//!
//! The file is opened strictly read-only, as an immutable database: the URI
//! `file:PATH?mode=ro&immutable=1` with `SQLITE_OPEN_READ_ONLY | SQLITE_OPEN_URI`.
//! SQLite then takes no locks and never creates `-wal`, `-shm` or journal
//! files beside the database, so the source (an extracted layer, a mounted
//! image) is never touched. rpm leaves its databases in WAL mode; with
//! `immutable=1` SQLite reads the main file alone (a `-wal` file beside it, if
//! any, is ignored; rpm checkpoints before it closes).

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::packages_from_blobs;
use crate::error::{Error, Result};
use crate::package::Package;

/// Cap on one header blob (rpm's own header limit is 256 MiB of data).
pub const MAX_BLOB: usize = 0x1000_0000;

/// The `file:` URI for `path`, read-only and immutable. `%`, `?` and `#` (and
/// every byte outside printable ASCII) are percent-encoded so that SQLite reads
/// the path literally.
pub fn immutable_uri(path: &Path) -> Result<String> {
    let abs = std::path::absolute(path).map_err(|source| Error::Io {
        file: path.display().to_string(),
        source,
    })?;
    let Some(s) = abs.to_str() else {
        return Err(Error::unsupported(
            &abs.display().to_string(),
            "database path is not valid UTF-8",
        ));
    };
    let mut uri = String::from("file:");
    for b in s.bytes() {
        if b.is_ascii_graphic() && !matches!(b, b'%' | b'?' | b'#') {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    Ok(uri)
}

/// Every `(hnum, header blob)` of an `rpmdb.sqlite`, in `hnum` order.
pub fn read_blobs(path: &Path) -> Result<Vec<(u32, Vec<u8>)>> {
    let file = path.display().to_string();
    let sql = |source| Error::Sqlite {
        file: file.clone(),
        source,
    };
    let uri = immutable_uri(path)?;
    let conn = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        let hnum: i64 = row.get(0).map_err(sql)?;
        let blob = row.get_ref(1).map_err(sql)?;
        let bytes = blob.as_blob().map_err(|e| sql(e.into()))?;
        let rec = u32::try_from(hnum)
            .map_err(|_| Error::format(&file, 0, format!("record number {hnum} out of range")))?;
        if bytes.len() > MAX_BLOB {
            return Err(Error::format(
                &file,
                0,
                format!(
                    "record {rec}: header of {} bytes exceeds the cap",
                    bytes.len()
                ),
            ));
        }
        out.push((rec, bytes.to_vec()));
    }
    Ok(out)
}

/// The packages of an `rpmdb.sqlite` at `path` (opened read-only and immutable).
pub fn read_path(path: &Path) -> Result<Vec<Package>> {
    let blobs = read_blobs(path)?;
    packages_from_blobs(blobs, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_escapes() {
        let u = immutable_uri(Path::new("/tmp/a b/x?y#z%/rpmdb.sqlite")).unwrap();
        assert_eq!(
            u,
            "file:/tmp/a%20b/x%3Fy%23z%25/rpmdb.sqlite?mode=ro&immutable=1"
        );
    }

    #[test]
    fn missing_file_is_an_error_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rpmdb.sqlite");
        assert!(read_path(&p).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
