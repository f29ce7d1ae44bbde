//! Dockerfile parsing and rules.
