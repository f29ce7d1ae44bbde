//! Unit tests of the format layer: detection, hostile input, edge cases.
