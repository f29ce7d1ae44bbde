//! The catalogers: one module per package database. Each one takes the bytes
//! of specific files (or, for rpm's SQLite database, a path) and returns
//! [`crate::Package`]s; none knows where the files come from.

pub mod apk;
pub mod dpkg;
pub mod rpm;
