//! Byte spans in the original source and their line/column positions.

use serde::Serialize;

/// A half-open byte range `[start, end)` in the original Dockerfile text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

fn clamp(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A 1-based line and 1-based column (counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Converts byte offsets of one source text into line/column positions.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            src.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// Position of byte `offset` in `src` (which must be the text this index
    /// was built from). Offsets past the end map to the end.
    pub fn pos(&self, src: &str, offset: u32) -> Pos {
        let offset = (offset as usize).min(src.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = src
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Pos {
            line: clamp(line + 1),
            column: clamp(col + 1),
        }
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_chars() {
        let src = "FROM a\nRUN é x\n";
        let idx = LineIndex::new(src);
        assert_eq!(idx.pos(src, 0), Pos { line: 1, column: 1 });
        assert_eq!(idx.pos(src, 7), Pos { line: 2, column: 1 });
        // 'x' is after "RUN é " where é is two bytes
        let x = src.find('x').unwrap() as u32;
        assert_eq!(idx.pos(src, x), Pos { line: 2, column: 7 });
        assert_eq!(idx.pos(src, 10_000), Pos { line: 3, column: 1 });
    }
}
