//! A Dockerfile parser that follows BuildKit's frontend (`dockerfile:1`
//! syntax): parser directives, line continuations with the active escape
//! character (comment and blank lines inside continuations are dropped),
//! heredocs on RUN/COPY/ADD, exec and shell forms, flags, and per-instruction
//! argument grammars. Every instruction, flag and word keeps a byte span into
//! the original text so findings point at file:line:column.
//!
//! Written by hand: no maintained Rust crate parses Dockerfiles with spans,
//! heredocs and BuildKit flags (the `dockerfile-parser` crate predates
//! heredocs and is unmaintained).

use std::fmt;

use serde::Serialize;

use crate::span::{LineIndex, Pos, Span};

/// A parse failure that Docker would also reject, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A parser directive at the top of the file (`# syntax=`, `# escape=`, `# check=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    pub name: String,
    pub value: String,
    pub span: Span,
}

/// A comment line (outside or inside a continuation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Text after `#`, trimmed.
    pub text: String,
    pub line: u32,
    pub span: Span,
}

/// One whitespace-separated word of an instruction, with quotes and escapes
/// removed in `value` and the source text in `raw`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    pub value: String,
    pub raw: String,
    pub span: Span,
}

/// A `--name[=value]` flag of an instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

/// A heredoc attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body.
    pub strip_tabs: bool,
    /// A quoted delimiter: no expansion in the body.
    pub quoted: bool,
    /// Body text including its final newline, with `<<-` tabs removed.
    pub body: String,
    /// Span of the body lines in the source.
    pub body_span: Span,
    /// Span of the `<<NAME` marker on the instruction line.
    pub marker_span: Span,
}

/// Shell form (a string given to the shell) or exec form (a JSON array).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Form {
    Shell { text: String, span: Span },
    Exec { args: Vec<String>, span: Span },
}

impl Form {
    pub fn span(&self) -> Span {
        match self {
            Form::Shell { span, .. } | Form::Exec { span, .. } => *span,
        }
    }

    pub fn is_exec(&self) -> bool {
        matches!(self, Form::Exec { .. })
    }
}

/// A `key=value` pair of ENV or LABEL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
    /// The value as written (quotes kept).
    pub raw_value: String,
    pub key_span: Span,
    pub span: Span,
}

/// An ARG declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArgDecl {
    pub name: String,
    pub default: Option<String>,
    pub span: Span,
}

/// The instruction keywords of the current Dockerfile syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Keyword {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
}

impl Keyword {
    pub fn parse(s: &str) -> Option<Keyword> {
        Some(match s.to_ascii_uppercase().as_str() {
            "FROM" => Keyword::From,
            "RUN" => Keyword::Run,
            "CMD" => Keyword::Cmd,
            "LABEL" => Keyword::Label,
            "MAINTAINER" => Keyword::Maintainer,
            "EXPOSE" => Keyword::Expose,
            "ENV" => Keyword::Env,
            "ADD" => Keyword::Add,
            "COPY" => Keyword::Copy,
            "ENTRYPOINT" => Keyword::Entrypoint,
            "VOLUME" => Keyword::Volume,
            "USER" => Keyword::User,
            "WORKDIR" => Keyword::Workdir,
            "ARG" => Keyword::Arg,
            "ONBUILD" => Keyword::Onbuild,
            "STOPSIGNAL" => Keyword::Stopsignal,
            "HEALTHCHECK" => Keyword::Healthcheck,
            "SHELL" => Keyword::Shell,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::From => "FROM",
            Keyword::Run => "RUN",
            Keyword::Cmd => "CMD",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Expose => "EXPOSE",
            Keyword::Env => "ENV",
            Keyword::Add => "ADD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Volume => "VOLUME",
            Keyword::User => "USER",
            Keyword::Workdir => "WORKDIR",
            Keyword::Arg => "ARG",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Shell => "SHELL",
        }
    }

    fn takes_flags(self) -> bool {
        matches!(
            self,
            Keyword::From | Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::Healthcheck
        )
    }

    fn takes_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parsed arguments of an instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Args {
    From {
        image: Word,
        alias: Option<Word>,
    },
    Run(Form),
    Cmd(Form),
    Entrypoint(Form),
    Shell(Vec<String>),
    /// COPY and ADD: sources and destination (exec/JSON form or words).
    Copy {
        sources: Vec<Word>,
        dest: Word,
        json: bool,
    },
    Env(Vec<KeyValue>),
    Label(Vec<KeyValue>),
    Arg(Vec<ArgDecl>),
    Expose(Vec<Word>),
    Volume(Vec<Word>),
    User(Word),
    Workdir(Word),
    Stopsignal(Word),
    Maintainer(String),
    Healthcheck(Option<Form>),
    Onbuild(Box<Instruction>),
}

/// One instruction with everything a rule may need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    pub keyword: Keyword,
    /// The keyword as written (for case checks).
    pub keyword_raw: String,
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// The logical line after the keyword and flags (continuations joined,
    /// comment lines removed).
    pub rest: String,
    /// Span of the whole instruction including heredoc bodies.
    pub span: Span,
    /// Start position of the keyword.
    pub pos: Pos,
    /// Last source line of the instruction.
    pub end_line: u32,
    /// Index of the build stage this instruction belongs to (`None` before the first FROM).
    pub stage: Option<usize>,
    #[serde(skip)]
    map: SegMap,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn flag_value(&self, name: &str) -> Option<&str> {
        self.flag(name).and_then(|f| f.value.as_deref())
    }

    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
    }

    /// Source span of the byte range `[start, end)` of [`Instruction::rest`].
    pub fn rest_span(&self, start: usize, end: usize) -> Span {
        Span::new(self.map.to_source(start), self.map.to_source_end(end))
    }

    /// The shell-form command text of RUN/CMD/ENTRYPOINT/HEALTHCHECK, if any.
    pub fn shell_text(&self) -> Option<&str> {
        match &self.args {
            Args::Run(Form::Shell { text, .. })
            | Args::Cmd(Form::Shell { text, .. })
            | Args::Entrypoint(Form::Shell { text, .. })
            | Args::Healthcheck(Some(Form::Shell { text, .. })) => Some(text),
            _ => None,
        }
    }
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub index: usize,
    /// Index of the FROM instruction in [`Dockerfile::instructions`].
    pub from: usize,
    /// Image reference as written (variables not expanded).
    pub image: String,
    /// `AS name`, lower-cased as BuildKit does.
    pub name: Option<String>,
    /// Instruction indices `[start, end)` including the FROM.
    pub start: usize,
    pub end: usize,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, Serialize)]
pub struct Dockerfile {
    #[serde(skip)]
    pub source: String,
    pub directives: Vec<Directive>,
    pub escape: char,
    pub instructions: Vec<Instruction>,
    pub comments: Vec<Comment>,
    pub stages: Vec<Stage>,
    #[serde(skip)]
    pub lines: LineIndex,
}

impl Dockerfile {
    pub fn pos(&self, offset: u32) -> Pos {
        self.lines.pos(&self.source, offset)
    }

    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// Global ARGs: declared before the first FROM.
    pub fn global_args(&self) -> impl Iterator<Item = &ArgDecl> {
        self.instructions
            .iter()
            .take_while(|i| i.keyword != Keyword::From)
            .filter_map(|i| match &i.args {
                Args::Arg(a) => Some(a.iter()),
                _ => None,
            })
            .flatten()
    }

    /// The instructions of stage `index`.
    pub fn stage_instructions(&self, index: usize) -> &[Instruction] {
        self.stages
            .get(index)
            .and_then(|s| self.instructions.get(s.start..s.end))
            .unwrap_or(&[])
    }

    /// Stage by name (case-insensitive) or by number.
    pub fn stage_by_ref(&self, r: &str) -> Option<&Stage> {
        let lower = r.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| r.parse::<usize>().ok().and_then(|n| self.stages.get(n)))
    }
}

/// Maps byte offsets of a logical line back to the source. Each entry is
/// `(logical_start, source_start)` of a contiguous piece.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct SegMap {
    segs: Vec<(usize, usize)>,
}

impl SegMap {
    fn to_source(&self, logical: usize) -> usize {
        let i = match self.segs.binary_search_by(|s| s.0.cmp(&logical)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        self.segs
            .get(i)
            .map_or(logical, |&(l, s)| s + (logical - l.min(logical)))
    }

    /// Like `to_source` but an end offset at a piece boundary maps to the end
    /// of the previous piece rather than the start of the next one.
    fn to_source_end(&self, logical: usize) -> usize {
        if logical == 0 {
            return self.to_source(0);
        }
        self.to_source(logical - 1) + 1
    }

    fn shifted(&self, by: usize) -> SegMap {
        // The map of `line[by..]`: logical offsets shift left by `by`.
        let mut segs = Vec::with_capacity(self.segs.len());
        for &(l, s) in &self.segs {
            if l <= by {
                segs.clear();
                segs.push((0, s + (by - l)));
            } else {
                segs.push((l - by, s));
            }
        }
        SegMap { segs }
    }
}

/// Options for parsing.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Recognise heredocs (BuildKit's default since dockerfile:1.4).
    pub heredocs: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { heredocs: true }
    }
}

/// Parse a Dockerfile.
pub fn parse(source: &str) -> Result<Dockerfile, ParseError> {
    parse_with(source, ParseOptions::default())
}

struct Line<'a> {
    /// Content without the line terminator (`\n` or `\r\n`).
    text: &'a str,
    start: usize,
}

fn split_lines(src: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in src.bytes().enumerate() {
        if b == b'\n' {
            let mut text = &src[start..i];
            if let Some(t) = text.strip_suffix('\r') {
                text = t;
            }
            out.push(Line { text, start });
            start = i + 1;
        }
    }
    if start < src.len() {
        let mut text = &src[start..];
        if let Some(t) = text.strip_suffix('\r') {
            text = t;
        }
        out.push(Line { text, start });
    }
    out
}

fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Parse with options.
pub fn parse_with(source: &str, opts: ParseOptions) -> Result<Dockerfile, ParseError> {
    // A UTF-8 BOM is accepted and skipped, as BuildKit does.
    let body_start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let lines_index = LineIndex::new(source);
    let err_at = |offset: usize, message: String| {
        let p = lines_index.pos(source, u32::try_from(offset).unwrap_or(u32::MAX));
        ParseError {
            message,
            line: p.line,
            column: p.column,
        }
    };

    let mut lines = split_lines(source);
    if body_start > 0 {
        if let Some(first) = lines.first_mut() {
            first.text = first.text.get(3..).unwrap_or("");
            first.start += 3;
        }
    }

    let mut directives: Vec<Directive> = Vec::new();
    let mut escape = '\\';
    let mut comments = Vec::new();
    let mut instructions: Vec<Instruction> = Vec::new();
    let mut in_directives = true;
    let mut i = 0;

    while i < lines.len() {
        let line = &lines[i];
        let trimmed = line.text.trim_start_matches(is_ws);
        let lead = line.text.len() - trimmed.len();
        if in_directives {
            if let Some((name, value)) = directive_of(line.text) {
                if directives.iter().any(|d| d.name == name) {
                    return Err(err_at(
                        line.start,
                        format!("only one {name} parser directive can be used"),
                    ));
                }
                if name == "escape" {
                    escape = match value.as_str() {
                        "\\" => '\\',
                        "`" => '`',
                        other => {
                            return Err(err_at(
                                line.start,
                                format!("invalid escape token {other:?}: it must be ` or \\"),
                            ));
                        }
                    };
                }
                directives.push(Directive {
                    name,
                    value,
                    span: Span::new(line.start, line.start + line.text.len()),
                });
                i += 1;
                continue;
            }
            in_directives = false;
        }
        if trimmed.is_empty() {
            i += 1;
            continue;
        }
        if let Some(c) = trimmed.strip_prefix('#') {
            comments.push(Comment {
                text: c.trim().to_string(),
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                span: Span::new(line.start + lead, line.start + line.text.len()),
            });
            i += 1;
            continue;
        }

        // Assemble the logical line.
        let mut logical = String::new();
        let mut map = SegMap::default();
        let first_start = line.start + lead;
        let mut piece = trimmed;
        let mut piece_start = first_start;
        let mut last_end = line.start + line.text.len();
        let mut last_line = i;
        loop {
            let (content, cont) = strip_continuation(piece, escape);
            map.segs.push((logical.len(), piece_start));
            logical.push_str(content);
            if !cont {
                break;
            }
            // Find the next line that is not blank or a comment.
            let mut j = last_line + 1;
            let mut next = None;
            while j < lines.len() {
                let t = lines[j].text.trim_start_matches(is_ws);
                if t.is_empty() {
                    j += 1;
                    continue;
                }
                if let Some(c) = t.strip_prefix('#') {
                    let lead = lines[j].text.len() - t.len();
                    comments.push(Comment {
                        text: c.trim().to_string(),
                        line: u32::try_from(j + 1).unwrap_or(u32::MAX),
                        span: Span::new(
                            lines[j].start + lead,
                            lines[j].start + lines[j].text.len(),
                        ),
                    });
                    j += 1;
                    continue;
                }
                next = Some(j);
                break;
            }
            match next {
                Some(j) => {
                    piece = lines[j].text;
                    piece_start = lines[j].start;
                    last_end = lines[j].start + lines[j].text.len();
                    last_line = j;
                }
                None => {
                    last_line = j.saturating_sub(1).max(last_line);
                    break;
                }
            }
        }
        i = last_line + 1;

        let mut inst = parse_instruction(&logical, &map, escape, &err_at)?;
        inst.pos = lines_index.pos(source, u32::try_from(first_start).unwrap_or(u32::MAX));

        // Heredocs: their bodies follow the instruction line.
        if opts.heredocs && inst.keyword.takes_heredocs() {
            let markers = heredoc_markers(&inst, escape);
            for (name, strip_tabs, quoted, marker_span) in markers {
                let body_start = lines.get(i).map_or(source.len(), |l| l.start);
                let mut body = String::new();
                let mut found = false;
                while i < lines.len() {
                    let text = lines[i].text;
                    let cmp = if strip_tabs {
                        text.trim_start_matches('\t')
                    } else {
                        text
                    };
                    if cmp == name {
                        found = true;
                        last_end = lines[i].start + text.len();
                        i += 1;
                        break;
                    }
                    body.push_str(cmp);
                    body.push('\n');
                    i += 1;
                }
                if !found {
                    return Err(err_at(
                        marker_span.start as usize,
                        format!(
                            "unterminated heredoc: no line {name:?} ends the heredoc started here"
                        ),
                    ));
                }
                let body_end = lines
                    .get(i.saturating_sub(1))
                    .map_or(source.len(), |l| l.start);
                inst.heredocs.push(Heredoc {
                    name,
                    strip_tabs,
                    quoted,
                    body,
                    body_span: Span::new(body_start, body_end.max(body_start)),
                    marker_span,
                });
            }
        }
        inst.span = Span::new(first_start, last_end);
        inst.end_line = lines_index.pos(source, inst.span.end).line;
        instructions.push(inst);
    }

    // Stages.
    let mut stages: Vec<Stage> = Vec::new();
    for (idx, inst) in instructions.iter_mut().enumerate() {
        if let Args::From { image, alias } = &inst.args {
            if let Some(last) = stages.last_mut() {
                last.end = idx;
            }
            stages.push(Stage {
                index: stages.len(),
                from: idx,
                image: image.value.clone(),
                name: alias.as_ref().map(|a| a.value.to_ascii_lowercase()),
                start: idx,
                end: idx + 1,
            });
        } else if stages.is_empty() && inst.keyword != Keyword::Arg {
            return Err(ParseError {
                message: format!(
                    "{} before the first FROM: only ARG may come before FROM",
                    inst.keyword
                ),
                line: inst.pos.line,
                column: inst.pos.column,
            });
        }
        inst.stage = stages.last().map(|s| s.index);
    }
    if let Some(last) = stages.last_mut() {
        last.end = instructions.len();
    }
    if stages.is_empty() {
        return Err(ParseError {
            message:
                "the file has no FROM instruction: a Dockerfile must start a build stage with FROM"
                    .into(),
            line: 1,
            column: 1,
        });
    }

    Ok(Dockerfile {
        source: source.to_string(),
        directives,
        escape,
        instructions,
        comments,
        stages,
        lines: lines_index,
    })
}

/// `# name=value` at the top of the file, for the directives BuildKit knows.
fn directive_of(line: &str) -> Option<(String, String)> {
    let t = line.trim_matches(is_ws).strip_prefix('#')?;
    let (k, v) = t.split_once('=')?;
    let k = k.trim_matches(is_ws);
    if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let k = k.to_ascii_lowercase();
    if !matches!(k.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    Some((k, v.trim_matches(is_ws).to_string()))
}

/// Removes a trailing escape character (optionally followed by spaces) and
/// says whether the line continues.
fn strip_continuation(line: &str, escape: char) -> (&str, bool) {
    let t = line.trim_end_matches(is_ws);
    if let Some(before) = t.strip_suffix(escape) {
        // An escaped escape (`\\` at end) is not a continuation.
        let n = before.chars().rev().take_while(|&c| c == escape).count();
        if n % 2 == 0 {
            return (before, true);
        }
    }
    (line, false)
}

type ErrAt<'a> = dyn Fn(usize, String) -> ParseError + 'a;

fn parse_instruction(
    logical: &str,
    map: &SegMap,
    escape: char,
    err_at: &ErrAt<'_>,
) -> Result<Instruction, ParseError> {
    let kw_end = logical.find(char::is_whitespace).unwrap_or(logical.len());
    let kw_raw = &logical[..kw_end];
    let keyword = Keyword::parse(kw_raw).ok_or_else(|| {
        err_at(
            map.to_source(0),
            format!("unknown instruction {:?}", kw_raw.to_ascii_uppercase()),
        )
    })?;
    let mut pos = kw_end;
    pos += logical[pos..].len() - logical[pos..].trim_start().len();

    let mut flags = Vec::new();
    if keyword.takes_flags() {
        loop {
            let rest = &logical[pos..];
            if !rest.starts_with("--") {
                break;
            }
            let words = split_words(rest, escape, 1);
            let Some(w) = words.first() else { break };
            let (wstart, wend) = (pos + w.1, pos + w.2);
            let body = &w.0.value[2..];
            if body.is_empty() {
                break;
            }
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            flags.push(Flag {
                name,
                value,
                span: Span::new(map.to_source(wstart), map.to_source_end(wend)),
            });
            pos = wend;
            pos += logical[pos..].len() - logical[pos..].trim_start().len();
        }
    }
    let rest = &logical[pos..];
    let rest_map = map.shifted(pos);
    let rest_span = Span::new(rest_map.to_source(0), rest_map.to_source_end(rest.len()));
    let words = |min: usize| -> Vec<Word> {
        split_words(rest, escape, min)
            .into_iter()
            .map(|(mut w, s, e)| {
                w.span = Span::new(rest_map.to_source(s), rest_map.to_source_end(e));
                w
            })
            .collect()
    };
    let here = map.to_source(pos);
    let need_args = |n: usize, got: usize| -> Result<(), ParseError> {
        if got < n {
            Err(err_at(
                here,
                format!(
                    "{keyword} requires at least {n} argument{}",
                    if n == 1 { "" } else { "s" }
                ),
            ))
        } else {
            Ok(())
        }
    };

    let args = match keyword {
        Keyword::From => {
            let ws = words(0);
            need_args(1, ws.len())?;
            let mut it = ws.into_iter();
            let image = it
                .next()
                .ok_or_else(|| err_at(here, "FROM requires an image".into()))?;
            let alias = match (it.next(), it.next(), it.next()) {
                (None, _, _) => None,
                (Some(as_kw), Some(name), None) if as_kw.value.eq_ignore_ascii_case("as") => {
                    Some(name)
                }
                _ => {
                    return Err(err_at(
                        here,
                        "FROM takes an image and optionally `AS name`: FROM [--platform=...] IMAGE [AS NAME]"
                            .into(),
                    ));
                }
            };
            Args::From { image, alias }
        }
        Keyword::Run => {
            let form = form_of(rest, rest_span);
            if let Form::Shell { text, .. } = &form {
                if text.trim().is_empty() {
                    need_args(1, 0)?;
                }
            }
            Args::Run(form)
        }
        Keyword::Cmd => Args::Cmd(form_of(rest, rest_span)),
        Keyword::Entrypoint => Args::Entrypoint(form_of(rest, rest_span)),
        Keyword::Shell => match form_of(rest, rest_span) {
            Form::Exec { args, .. } if !args.is_empty() => Args::Shell(args),
            _ => {
                return Err(err_at(
                    here,
                    "SHELL requires the arguments in JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]"
                        .into(),
                ));
            }
        },
        Keyword::Copy | Keyword::Add => {
            if let Form::Exec { args, .. } = form_of(rest, rest_span) {
                need_args(2, args.len())?;
                let mut ws: Vec<Word> = args
                    .into_iter()
                    .map(|a| Word {
                        raw: a.clone(),
                        value: a,
                        span: rest_span,
                    })
                    .collect();
                let dest = ws
                    .pop()
                    .ok_or_else(|| err_at(here, "missing destination".into()))?;
                Args::Copy {
                    sources: ws,
                    dest,
                    json: true,
                }
            } else {
                let mut ws = words(0);
                let has_heredoc = ws.iter().any(|w| w.raw.starts_with("<<"));
                need_args(if has_heredoc { 1 } else { 2 }, ws.len())?;
                let dest = ws
                    .pop()
                    .ok_or_else(|| err_at(here, "missing destination".into()))?;
                Args::Copy {
                    sources: ws,
                    dest,
                    json: false,
                }
            }
        }
        Keyword::Env | Keyword::Label => {
            let kvs = parse_key_values(rest, &rest_map, escape, keyword)
                .map_err(|(off, msg)| err_at(rest_map.to_source(off), msg))?;
            if keyword == Keyword::Env {
                Args::Env(kvs)
            } else {
                Args::Label(kvs)
            }
        }
        Keyword::Arg => {
            let ws = words(0);
            need_args(1, ws.len())?;
            Args::Arg(
                ws.into_iter()
                    .map(|w| {
                        let (name, default) = match w.value.split_once('=') {
                            Some((n, d)) => (n.to_string(), Some(d.to_string())),
                            None => (w.value.clone(), None),
                        };
                        ArgDecl {
                            name,
                            default,
                            span: w.span,
                        }
                    })
                    .collect(),
            )
        }
        Keyword::Expose => {
            let ws = words(0);
            need_args(1, ws.len())?;
            Args::Expose(ws)
        }
        Keyword::Volume => match form_of(rest, rest_span) {
            Form::Exec { args, .. } => Args::Volume(
                args.into_iter()
                    .map(|a| Word {
                        raw: a.clone(),
                        value: a,
                        span: rest_span,
                    })
                    .collect(),
            ),
            Form::Shell { .. } => {
                let ws = words(0);
                need_args(1, ws.len())?;
                Args::Volume(ws)
            }
        },
        Keyword::User | Keyword::Workdir | Keyword::Stopsignal => {
            let mut ws = words(0);
            need_args(1, ws.len())?;
            // WORKDIR and USER take the whole rest as one value (paths may
            // contain spaces); the first word's span is extended.
            let first = ws.remove(0);
            let w = if ws.is_empty() {
                first
            } else {
                Word {
                    value: rest.trim_end().to_string(),
                    raw: rest.trim_end().to_string(),
                    span: rest_span,
                }
            };
            match keyword {
                Keyword::User => Args::User(w),
                Keyword::Workdir => Args::Workdir(w),
                _ => Args::Stopsignal(w),
            }
        }
        Keyword::Maintainer => Args::Maintainer(rest.trim().to_string()),
        Keyword::Healthcheck => {
            let t = rest.trim_start();
            let lead = rest.len() - t.len();
            let first = t.split_whitespace().next().unwrap_or("");
            if first.eq_ignore_ascii_case("NONE") {
                Args::Healthcheck(None)
            } else if first.eq_ignore_ascii_case("CMD") {
                let off = lead + first.len();
                let cmd = &rest[off..];
                let cmd_t = cmd.trim_start();
                let off = off + (cmd.len() - cmd_t.len());
                let span = Span::new(rest_map.to_source(off), rest_span.end as usize);
                Args::Healthcheck(Some(form_of(cmd_t, span)))
            } else {
                return Err(err_at(
                    here,
                    "HEALTHCHECK must be followed by CMD ... or NONE".into(),
                ));
            }
        }
        Keyword::Onbuild => {
            let t = rest.trim_start();
            if t.is_empty() {
                need_args(1, 0)?;
            }
            let inner_kw = t.split_whitespace().next().unwrap_or("");
            if let Some(Keyword::Onbuild | Keyword::From | Keyword::Maintainer) =
                Keyword::parse(inner_kw)
            {
                return Err(err_at(
                    here,
                    format!(
                        "{} is not allowed as an ONBUILD trigger",
                        inner_kw.to_ascii_uppercase()
                    ),
                ));
            }
            let inner = parse_instruction(rest, &rest_map, escape, err_at)?;
            Args::Onbuild(Box::new(inner))
        }
    };

    Ok(Instruction {
        keyword,
        keyword_raw: kw_raw.to_string(),
        flags,
        args,
        heredocs: Vec::new(),
        rest: rest.to_string(),
        span: Span::default(),
        pos: Pos::default(),
        end_line: 0,
        stage: None,
        map: rest_map,
    })
}

/// Exec form if the text is a JSON array of strings, otherwise shell form.
fn form_of(rest: &str, span: Span) -> Form {
    let t = rest.trim();
    if t.starts_with('[') {
        if let Ok(args) = serde_json::from_str::<Vec<String>>(t) {
            return Form::Exec { args, span };
        }
    }
    Form::Shell {
        text: rest.to_string(),
        span,
    }
}

/// Splits on unquoted whitespace. Returns each word with its unquoted value
/// and its byte range in `text`. Stops after `limit` words when `limit > 0`.
pub(crate) fn split_words(text: &str, escape: char, limit: usize) -> Vec<(Word, usize, usize)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    loop {
        while let Some(&(_, c)) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
            } else {
                break;
            }
        }
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut value = String::new();
        let mut end = start;
        let mut quote: Option<char> = None;
        while let Some(&(i, c)) = chars.peek() {
            if quote.is_none() && c.is_whitespace() {
                break;
            }
            chars.next();
            end = i + c.len_utf8();
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (q, c) if c == escape && q != Some('\'') => {
                    if let Some((j, n)) = chars.next() {
                        end = j + n.len_utf8();
                        // Inside double quotes, only a few characters are escapable.
                        if q == Some('"') && !matches!(n, '"' | '\\' | '$' | '`') || n == '$' {
                            value.push(c);
                        }
                        value.push(n);
                    } else {
                        value.push(c);
                    }
                }
                (_, c) => value.push(c),
            }
        }
        out.push((
            Word {
                value,
                raw: text[start..end].to_string(),
                span: Span::default(),
            },
            start,
            end,
        ));
        if limit > 0 && out.len() >= limit {
            break;
        }
    }
    out
}

fn parse_key_values(
    rest: &str,
    map: &SegMap,
    escape: char,
    keyword: Keyword,
) -> Result<Vec<KeyValue>, (usize, String)> {
    let words = split_words(rest, escape, 0);
    let Some(first) = words.first() else {
        return Err((0, format!("{keyword} requires at least one argument")));
    };
    let span_of = |s: usize, e: usize| Span::new(map.to_source(s), map.to_source_end(e));
    if !first.0.raw.contains('=') {
        // Legacy form: `ENV key value with spaces`.
        let key = first.0.value.clone();
        let after = rest[first.2..].trim_start();
        if after.is_empty() {
            return Err((
                first.1,
                format!("{keyword} {key} has no value: use {keyword} {key}=VALUE"),
            ));
        }
        let vstart = rest.len() - after.len();
        let raw_value = after.trim_end().to_string();
        let value = split_words(after, escape, 0)
            .into_iter()
            .map(|w| w.0.value)
            .collect::<Vec<_>>()
            .join(" ");
        return Ok(vec![KeyValue {
            key,
            value,
            raw_value,
            key_span: span_of(first.1, first.2),
            span: span_of(first.1, vstart + after.trim_end().len()),
        }]);
    }
    let mut out = Vec::new();
    for (w, s, e) in words {
        let Some(eq) = w.raw.find('=') else {
            return Err((
                s,
                format!("{keyword} expects key=value pairs, found {:?}", w.raw),
            ));
        };
        let raw_key = &w.raw[..eq];
        let raw_value = &w.raw[eq + 1..];
        let key = split_words(raw_key, escape, 1)
            .into_iter()
            .next()
            .map_or_else(String::new, |x| x.0.value);
        let value = unquote(raw_value, escape);
        if key.is_empty() {
            return Err((s, format!("{keyword} has an empty key in {:?}", w.raw)));
        }
        out.push(KeyValue {
            key,
            value,
            raw_value: raw_value.to_string(),
            key_span: span_of(s, s + eq),
            span: span_of(s, e),
        });
    }
    Ok(out)
}

/// Removes quotes and escapes from a single word.
pub(crate) fn unquote(raw: &str, escape: char) -> String {
    if raw.is_empty() {
        return String::new();
    }
    let mut value = String::new();
    let mut quote: Option<char> = None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (q, c) if c == escape && q != Some('\'') => {
                if let Some(n) = chars.next() {
                    if q == Some('"') && !matches!(n, '"' | '\\' | '$' | '`') || n == '$' {
                        value.push(c);
                    }
                    value.push(n);
                } else {
                    value.push(c);
                }
            }
            (_, c) => value.push(c),
        }
    }
    value
}

/// Finds `<<NAME`, `<<-NAME`, `<<"NAME"` markers in the instruction's words.
fn heredoc_markers(inst: &Instruction, escape: char) -> Vec<(String, bool, bool, Span)> {
    let mut out = Vec::new();
    if let Args::Run(Form::Exec { .. }) = inst.args {
        return out;
    }
    if let Args::Copy { json: true, .. } = inst.args {
        return out;
    }
    for (w, s, e) in shell_words_for_heredoc(&inst.rest, escape) {
        let Some(after) = w.strip_prefix("<<") else {
            continue;
        };
        if after.starts_with('<') {
            continue; // here-string `<<<`
        }
        let (strip_tabs, name_raw) = match after.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, after),
        };
        // The delimiter ends at the first shell metacharacter.
        let end = name_raw
            .find([';', '&', '|', '>', '<', '(', ')'])
            .unwrap_or(name_raw.len());
        let name_raw = &name_raw[..end];
        if name_raw.is_empty() {
            continue;
        }
        let quoted = name_raw.contains(['\'', '"']);
        let name = unquote(name_raw, escape);
        if name.is_empty() {
            continue;
        }
        out.push((name, strip_tabs, quoted, inst.rest_span(s, e)));
    }
    out
}

/// Words of a shell command line, for heredoc detection: whitespace-split
/// outside quotes, so `echo "<<EOF"` is not a heredoc.
fn shell_words_for_heredoc(text: &str, escape: char) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut quoted_start = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    if !quoted_start {
                        out.push((text[s..i].to_string(), s, i));
                    }
                }
            }
            (None, '\'' | '"') => {
                if start.is_none() {
                    start = Some(i);
                    quoted_start = true;
                }
                quote = Some(c);
            }
            (Some(q), c) if c == q => quote = None,
            (q, c) if c == escape && q != Some('\'') => {
                if start.is_none() {
                    start = Some(i);
                    quoted_start = true;
                }
                chars.next();
            }
            _ => {
                if start.is_none() {
                    start = Some(i);
                    quoted_start = false;
                }
            }
        }
    }
    if let Some(s) = start {
        if !quoted_start {
            out.push((text[s..].to_string(), s, text.len()));
        }
    }
    out
}
