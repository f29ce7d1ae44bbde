//! The one error type of the catalogers: every variant names the file it
//! came from and where in it (line for text formats, byte offset for binary
//! ones), so the CLI can say what went wrong and where.

/// What went wrong while cataloguing a package database or release file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A text database (dpkg `status`, apk `installed`, …) is malformed at a line.
    #[error("{file}: line {line}: {message}")]
    Syntax {
        /// The file, as the caller named it (usually its path in the image).
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong there.
        message: String,
    },
    /// A binary database (rpm header, BerkeleyDB, NDB) is malformed at an offset.
    #[error("{file}: offset {offset}: {message}")]
    Format {
        /// The file, as the caller named it; for a header inside a database
        /// this includes the record (e.g. `var/lib/rpm/Packages (record 12)`).
        file: String,
        /// Byte offset inside the file or the record where the problem is.
        offset: u64,
        /// What is wrong there.
        message: String,
    },
    /// The file is a valid database of a kind or variant this reader does not handle
    /// (encrypted BerkeleyDB, a btree instead of a hash, an unknown NDB version…).
    #[error("{file}: unsupported: {message}")]
    Unsupported {
        /// The file, as the caller named it.
        file: String,
        /// Which feature is not supported.
        message: String,
    },
    /// An input exceeds a safety limit (file size, decompressed size, nesting
    /// depth, entry count): a zip bomb, a hostile binary, or simply a very large file.
    #[error("{file}: limit exceeded: {message}")]
    Limit {
        /// The file, as the caller named it (for nested archives, the whole chain).
        file: String,
        /// Which limit, and its value.
        message: String,
    },
    /// SQLite could not open or read an `rpmdb.sqlite`.
    #[error("{file}: sqlite: {source}")]
    Sqlite {
        /// The database path.
        file: String,
        /// The underlying SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// Reading a file from disk failed.
    #[error("{file}: {source}")]
    Io {
        /// The path that could not be read.
        file: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An SBOM document (CycloneDX, SPDX, Plimsoll JSON) is malformed, or is
    /// not what it claims to be, at a place in its JSON tree.
    #[error("{file}: at {pointer}: {message}")]
    Document {
        /// The document, as the caller named it.
        file: String,
        /// JSON pointer (RFC 6901) of the offending value; `/` for the whole document.
        pointer: String,
        /// What is wrong there.
        message: String,
    },
}

impl Error {
    pub(crate) fn syntax(file: &str, line: usize, message: impl Into<String>) -> Self {
        Error::Syntax {
            file: file.to_owned(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn format(file: &str, offset: u64, message: impl Into<String>) -> Self {
        Error::Format {
            file: file.to_owned(),
            offset,
            message: message.into(),
        }
    }

    pub(crate) fn limit(file: &str, message: impl Into<String>) -> Self {
        Error::Limit {
            file: file.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(file: &str, message: impl Into<String>) -> Self {
        Error::Unsupported {
            file: file.to_owned(),
            message: message.into(),
        }
    }
}

impl Error {
    pub(crate) fn document(file: &str, pointer: &str, message: impl Into<String>) -> Self {
        Error::Document {
            file: file.to_owned(),
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            },
            message: message.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
