//! A POSIX shell tokenizer for RUN bodies, good enough for rules to reason
//! about commands and their flags: quoting (`'…'`, `"…"`, `\`), command and
//! arithmetic substitution, parameter expansion, `&&`/`||`/`;`/`&`/pipes,
//! subshells and brace groups, reserved words (`if … then … fi`, loops),
//! redirections including here-strings and heredocs, and `NAME=value`
//! prefixes. Command substitutions are tokenized recursively and their
//! commands are reported too (marked `nested`).
//!
//! Written by hand rather than with a full shell parser crate: rules need an
//! error-tolerant token stream with byte offsets that still makes sense for
//! the half-finished, variable-laden scripts found in real Dockerfiles
//! (unbalanced quotes across `\`-joined lines, Windows `cmd`/PowerShell
//! bodies); a strict grammar rejects those and would leave rules blind.

use serde::Serialize;

/// What separates a command from the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Connector {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`, `;;`, a newline, or a subshell boundary
    Seq,
    /// `|` or `|&`
    Pipe,
    /// `&` (background)
    Background,
    /// End of the script.
    End,
}

/// A word of a command, with quotes removed in `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShWord {
    /// The word with quoting removed; substitutions (`$(…)`, `${…}`, `` `…` ``) are kept verbatim.
    pub text: String,
    /// Byte range in the script.
    pub start: usize,
    pub end: usize,
    /// Whether any part of the word was quoted.
    pub quoted: bool,
}

/// A redirection like `> /dev/null`, `2>&1`, `<<< "text"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    pub op: String,
    pub target: String,
}

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// `NAME=value` words before the command name.
    pub assignments: Vec<ShWord>,
    /// The command name and its arguments.
    pub words: Vec<ShWord>,
    pub redirects: Vec<Redirect>,
    /// What connects this command to the previous one (`Seq` for the first).
    pub prev: Connector,
    /// What connects this command to the next one.
    pub next: Connector,
    /// Inside a `$(…)` or backtick substitution.
    pub nested: bool,
    /// Byte range in the script.
    pub start: usize,
    pub end: usize,
}

impl Command {
    /// The command name without any path (`/usr/bin/apt-get` → `apt-get`).
    pub fn name(&self) -> Option<&str> {
        self.words
            .first()
            .map(|w| w.text.rsplit('/').next().unwrap_or(&w.text))
    }

    pub fn is(&self, name: &str) -> bool {
        self.name() == Some(name)
    }

    /// Arguments after the command name.
    pub fn args(&self) -> &[ShWord] {
        self.words.get(1..).unwrap_or(&[])
    }

    pub fn arg_texts(&self) -> impl Iterator<Item = &str> {
        self.args().iter().map(|w| w.text.as_str())
    }

    /// Whether a flag is given: long flags by exact name (`--yes`, also
    /// `--yes=…`), short flags also inside clusters (`-qy` has `-y`).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.arg_texts()
            .take_while(|a| *a != "--")
            .any(|a| flag_matches(a, flag))
    }

    pub fn has_any_flag(&self, flags: &[&str]) -> bool {
        flags.iter().any(|f| self.has_flag(f))
    }

    /// Arguments that are not flags. `with_value` names flags that consume
    /// the next word (`-o`, `--target`), so their values are skipped.
    pub fn positionals<'a>(&'a self, with_value: &[&str]) -> Vec<&'a ShWord> {
        let mut out = Vec::new();
        let mut skip = false;
        let mut after_dashdash = false;
        for w in self.args() {
            if skip {
                skip = false;
                continue;
            }
            let a = w.text.as_str();
            if after_dashdash {
                out.push(w);
                continue;
            }
            if a == "--" {
                after_dashdash = true;
                continue;
            }
            if a.starts_with('-') && a.len() > 1 {
                if !a.contains('=') && with_value.iter().any(|f| flag_takes_next(a, f)) {
                    skip = true;
                }
                continue;
            }
            out.push(w);
        }
        out
    }

    /// The first positional argument (often a subcommand: `apt-get install`).
    pub fn subcommand(&self, with_value: &[&str]) -> Option<&str> {
        self.positionals(with_value)
            .first()
            .map(|w| w.text.as_str())
    }
}

fn flag_matches(arg: &str, flag: &str) -> bool {
    if let Some(long) = flag.strip_prefix("--") {
        let a = match arg.strip_prefix("--") {
            Some(a) => a,
            None => return false,
        };
        return a == long || a.strip_prefix(long).is_some_and(|r| r.starts_with('='));
    }
    if let Some(short) = flag.strip_prefix('-') {
        if arg == flag {
            return true;
        }
        // Short flag clusters: `-qy` contains `-y` (single-letter flags only).
        if short.chars().count() == 1 && !arg.starts_with("--") {
            if let Some(cluster) = arg.strip_prefix('-') {
                return cluster.chars().all(|c| c.is_ascii_alphanumeric())
                    && cluster.contains(short);
            }
        }
        return false;
    }
    arg == flag
}

fn flag_takes_next(arg: &str, flag: &str) -> bool {
    if flag.starts_with("--") {
        return arg == flag;
    }
    // A short flag takes the next word if it is the last letter of a cluster.
    arg == flag
        || (!arg.starts_with("--")
            && flag.len() == 2
            && arg.len() > 2
            && arg.ends_with(&flag[1..])
            && arg[1..].chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A tokenized script.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Script {
    pub commands: Vec<Command>,
}

impl Script {
    /// Commands with the given name (at any nesting).
    pub fn find<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Command> + 'a {
        self.commands.iter().filter(move |c| c.is(name))
    }

    pub fn has_pipe(&self) -> bool {
        self.commands.iter().any(|c| c.next == Connector::Pipe)
    }

    /// Indices of the pipelines: runs of commands joined by `|`.
    pub fn pipelines(&self) -> Vec<&[Command]> {
        let mut out = Vec::new();
        let mut start = 0;
        let top: Vec<usize> = (0..self.commands.len()).collect();
        for &i in &top {
            if self.commands[i].next != Connector::Pipe {
                out.push(&self.commands[start..=i]);
                start = i + 1;
            }
        }
        out
    }
}

const RESERVED_PREFIX: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
    "esac",
];

/// Subshells and substitutions nested deeper than this are read as plain
/// text: real scripts nest a few levels, and recursion must stay bounded on
/// hostile input.
const MAX_NESTING: usize = 64;

/// Tokenize a shell script. Never fails: unbalanced quotes run to the end.
pub fn tokenize(src: &str) -> Script {
    tokenize_at(src, 0)
}

fn tokenize_at(src: &str, nesting: usize) -> Script {
    let mut commands = Vec::new();
    Lexer {
        src,
        pos: 0,
        nested: nesting > 0,
        nesting,
        pending_heredocs: Vec::new(),
        case_depth: 0,
        pattern_next: false,
    }
    .run(&mut commands, 0);
    Script { commands }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    nested: bool,
    /// How many subshells/substitutions enclose this lexer (see [`MAX_NESTING`]).
    nesting: usize,
    pending_heredocs: Vec<(String, bool)>,
    /// Open `case … in` constructs.
    case_depth: usize,
    /// A `case` pattern (`x86_64|aarch64)`) comes next: its `|` is not a pipe.
    pattern_next: bool,
}

struct Builder {
    assignments: Vec<ShWord>,
    words: Vec<ShWord>,
    redirects: Vec<Redirect>,
    pending_redirect: Option<String>,
    prev: Connector,
    start: Option<usize>,
    end: usize,
}

impl Builder {
    fn new(prev: Connector) -> Self {
        Builder {
            assignments: Vec::new(),
            words: Vec::new(),
            redirects: Vec::new(),
            pending_redirect: None,
            prev,
            start: None,
            end: 0,
        }
    }

    fn push_word(&mut self, w: ShWord) {
        self.start.get_or_insert(w.start);
        self.end = w.end;
        if let Some(op) = self.pending_redirect.take() {
            self.redirects.push(Redirect { op, target: w.text });
            return;
        }
        if self.words.is_empty() {
            if !w.quoted && RESERVED_PREFIX.contains(&w.text.as_str()) {
                return;
            }
            if is_assignment(&w.text) {
                self.assignments.push(w);
                return;
            }
        }
        self.words.push(w);
    }

    fn finish(self, next: Connector, nested: bool, out: &mut Vec<Command>) -> Connector {
        if self.words.is_empty() && self.assignments.is_empty() && self.redirects.is_empty() {
            // After a closing reserved word (`{ …; } | tee`, `done | sort`,
            // `fi && x`) the connector belongs to the group's last command.
            if self.start.is_some()
                && matches!(next, Connector::Pipe | Connector::And | Connector::Or)
            {
                if let Some(last) = out.last_mut() {
                    if last.next == Connector::Seq {
                        last.next = next;
                    }
                }
            }
            // Nothing here: keep the stronger of the connectors for the next command.
            return if self.prev == Connector::Seq {
                next
            } else {
                self.prev
            };
        }
        let start = self.start.unwrap_or(self.end);
        out.push(Command {
            assignments: self.assignments,
            words: self.words,
            redirects: self.redirects,
            prev: self.prev,
            next,
            nested,
            start,
            end: self.end,
        });
        next
    }
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            let name = name.strip_suffix('+').unwrap_or(name);
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn starts_with(&self, s: &str) -> bool {
        self.src[self.pos..].starts_with(s)
    }

    /// Runs until the end of input, or until an unmatched `)` when `depth > 0`.
    fn run(&mut self, out: &mut Vec<Command>, depth: usize) {
        let mut cmd = Builder::new(Connector::Seq);
        loop {
            let Some(c) = self.peek() else {
                cmd.finish(Connector::End, self.nested, out);
                return;
            };
            if self.pattern_next
                && !matches!(c, ' ' | '\t' | '\r' | '\n' | '#' | ';')
                && !(c == '\\' && self.peek_at(1) == Some('\n'))
            {
                self.pattern_next = false;
                if !self.at_word("esac") {
                    self.skip_case_pattern();
                    continue;
                }
            }
            match c {
                ' ' | '\t' | '\r' => {
                    self.bump();
                }
                '\\' if self.peek_at(1) == Some('\n') => {
                    self.pos += 2;
                }
                '\n' => {
                    self.bump();
                    self.skip_heredoc_bodies();
                    let prev = cmd.finish(Connector::Seq, self.nested, out);
                    cmd = Builder::new(prev_for(prev));
                }
                '#' => {
                    // A comment runs to the end of the line.
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                ';' => {
                    self.bump();
                    if self.peek() == Some(';') {
                        self.bump();
                        // `;;` ends a case branch: a pattern or `esac` follows.
                        self.pattern_next = self.case_depth > 0;
                    }
                    let prev = cmd.finish(Connector::Seq, self.nested, out);
                    cmd = Builder::new(prev_for(prev));
                }
                '&' if self.starts_with("&&") => {
                    self.pos += 2;
                    cmd.finish(Connector::And, self.nested, out);
                    cmd = Builder::new(Connector::And);
                }
                '&' if self.starts_with("&>") => {
                    let op = if self.starts_with("&>>") { "&>>" } else { "&>" };
                    self.pos += op.len();
                    cmd.pending_redirect = Some(op.to_string());
                }
                '&' => {
                    self.bump();
                    cmd.finish(Connector::Background, self.nested, out);
                    cmd = Builder::new(Connector::Background);
                }
                '|' if self.starts_with("||") => {
                    self.pos += 2;
                    cmd.finish(Connector::Or, self.nested, out);
                    cmd = Builder::new(Connector::Or);
                }
                '|' => {
                    self.bump();
                    if self.peek() == Some('&') {
                        self.bump();
                    }
                    cmd.finish(Connector::Pipe, self.nested, out);
                    cmd = Builder::new(Connector::Pipe);
                }
                '(' if self.nesting + depth >= MAX_NESTING => {
                    // Too deep: a separator, without recursing.
                    self.bump();
                    let prev = cmd.finish(Connector::Seq, self.nested, out);
                    cmd = Builder::new(prev_for(prev));
                }
                '(' => {
                    self.bump();
                    let prev = cmd.finish(Connector::Seq, self.nested, out);
                    // The subshell's commands continue the outer chain.
                    let before = out.len();
                    self.run(out, depth + 1);
                    if let Some(first) = out.get_mut(before) {
                        if first.prev == Connector::Seq {
                            first.prev = prev_for(prev);
                        }
                    }
                    cmd = Builder::new(Connector::Seq);
                    // What follows `)` connects to the subshell's last command.
                    self.after_group(out, before, &mut cmd);
                }
                ')' => {
                    self.bump();
                    if depth > 0 {
                        cmd.finish(Connector::Seq, self.nested, out);
                        return;
                    }
                    // Unbalanced `)` (e.g. a `case` pattern): a separator.
                    let prev = cmd.finish(Connector::Seq, self.nested, out);
                    cmd = Builder::new(prev_for(prev));
                }
                '<' | '>' => {
                    let op = self.redirect_op();
                    if op == "<<" || op == "<<-" {
                        self.read_heredoc_delimiter(op == "<<-");
                        cmd.redirects.push(Redirect {
                            op,
                            target: String::new(),
                        });
                    } else {
                        cmd.pending_redirect = Some(op);
                    }
                }
                d if d.is_ascii_digit() && self.digit_redirect() => {
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.bump();
                    }
                }
                _ => {
                    let w = self.word(out);
                    if cmd.words.is_empty() && !w.quoted && w.text == "esac" {
                        self.case_depth = self.case_depth.saturating_sub(1);
                    }
                    cmd.push_word(w);
                    // `case WORD in`: patterns follow.
                    if cmd.words.len() == 3
                        && !cmd.words[0].quoted
                        && cmd.words[0].text == "case"
                        && !cmd.words[2].quoted
                        && cmd.words[2].text == "in"
                    {
                        let prev = cmd.finish(Connector::Seq, self.nested, out);
                        cmd = Builder::new(prev_for(prev));
                        self.case_depth += 1;
                        self.pattern_next = true;
                    }
                }
            }
        }
    }

    /// Whether the input continues with `word` followed by a delimiter.
    fn at_word(&self, word: &str) -> bool {
        self.starts_with(word)
            && self.src[self.pos + word.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')'))
    }

    /// Skips a `case` pattern up to and including its unquoted `)`.
    fn skip_case_pattern(&mut self) {
        if self.peek() == Some('(') {
            self.bump();
        }
        let mut quote: Option<char> = None;
        while let Some(c) = self.bump() {
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (q, '\\') if q != Some('\'') => {
                    self.bump();
                }
                (None, ')') => return,
                _ => {}
            }
        }
    }

    /// After a subshell `( … )` the next connector belongs to its last command.
    fn after_group(&mut self, out: &mut [Command], before: usize, cmd: &mut Builder) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
        let conn = if self.starts_with("&&") {
            Some((Connector::And, 2))
        } else if self.starts_with("||") {
            Some((Connector::Or, 2))
        } else if self.starts_with("|") {
            Some((Connector::Pipe, 1))
        } else {
            None
        };
        if let Some((c, n)) = conn {
            if out.len() > before {
                if let Some(last) = out.last_mut() {
                    last.next = c;
                }
                self.pos += n;
                *cmd = Builder::new(c);
            }
        }
    }

    fn digit_redirect(&self) -> bool {
        let rest = &self.src[self.pos..];
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        matches!(rest[digits..].chars().next(), Some('<' | '>'))
    }

    fn redirect_op(&mut self) -> String {
        for op in [
            "<<<", "<<-", "&>>", ">>", "<<", ">&", "<&", "<>", ">|", ">", "<",
        ] {
            if self.starts_with(op) {
                self.pos += op.len();
                return op.to_string();
            }
        }
        self.bump();
        String::new()
    }

    fn read_heredoc_delimiter(&mut self, strip: bool) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ';' | '&' | '|' | '<' | '>' | '(' | ')') {
                break;
            }
            self.bump();
            if c != '\'' && c != '"' && c != '\\' {
                name.push(c);
            }
        }
        if !name.is_empty() {
            self.pending_heredocs.push((name, strip));
        }
    }

    fn skip_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.pending_heredocs);
        for (name, strip) in pending {
            loop {
                let rest = &self.src[self.pos..];
                if rest.is_empty() {
                    return;
                }
                let (line, adv) = match rest.find('\n') {
                    Some(i) => (&rest[..i], i + 1),
                    None => (rest, rest.len()),
                };
                self.pos += adv;
                let cmp = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if cmp.trim_end_matches('\r') == name {
                    break;
                }
            }
        }
    }

    /// Reads one word, recursing into command substitutions.
    fn word(&mut self, out: &mut Vec<Command>) -> ShWord {
        let start = self.pos;
        let mut text = String::new();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                    // `(` inside a word like `a=(x y)` or `$(`: handled below; here it ends the word.
                    if c == '(' && !text.is_empty() && text.ends_with('=') {
                        // array assignment `a=(1 2)`: take it whole
                        let s = self.pos;
                        self.skip_balanced('(', ')');
                        text.push_str(&self.src[s..self.pos]);
                        continue;
                    }
                    break;
                }
                '\\' => {
                    self.bump();
                    match self.bump() {
                        Some('\n') | None => {}
                        Some(n) => {
                            quoted = true;
                            text.push(n);
                        }
                    }
                }
                '\'' => {
                    quoted = true;
                    self.bump();
                    while let Some(c) = self.bump() {
                        if c == '\'' {
                            break;
                        }
                        text.push(c);
                    }
                }
                '"' => {
                    quoted = true;
                    self.bump();
                    while let Some(c) = self.peek() {
                        match c {
                            '"' => {
                                self.bump();
                                break;
                            }
                            '\\' => {
                                self.bump();
                                match self.bump() {
                                    Some(n @ ('"' | '\\' | '$' | '`')) => text.push(n),
                                    Some('\n') => {}
                                    Some(n) => {
                                        text.push('\\');
                                        text.push(n);
                                    }
                                    None => {}
                                }
                            }
                            '$' | '`' => self.substitution(&mut text, out),
                            _ => {
                                self.bump();
                                text.push(c);
                            }
                        }
                    }
                }
                '$' | '`' => self.substitution(&mut text, out),
                _ => {
                    self.bump();
                    text.push(c);
                }
            }
        }
        if self.pos == start {
            // Defensive: never loop without progress.
            if let Some(c) = self.bump() {
                text.push(c);
            }
        }
        ShWord {
            text,
            start,
            end: self.pos,
            quoted,
        }
    }

    /// `$(…)`, `$((…))`, `${…}`, `` `…` ``, `$NAME`: copied verbatim into the
    /// word; the commands inside `$(…)` and backticks are tokenized too.
    fn substitution(&mut self, text: &mut String, out: &mut Vec<Command>) {
        let s = self.pos;
        // Arithmetic, or a substitution nested too deep to tokenize: skipped.
        if self.starts_with("$((") || (self.starts_with("$(") && self.nesting >= MAX_NESTING) {
            self.pos += 1;
            self.skip_balanced('(', ')');
        } else if self.starts_with("$(") {
            self.pos += 2;
            let inner_start = self.pos;
            let mut sub = Lexer {
                src: self.src,
                pos: inner_start,
                nested: true,
                nesting: self.nesting + 1,
                pending_heredocs: Vec::new(),
                case_depth: 0,
                pattern_next: false,
            };
            sub.run(out, 1);
            self.pos = sub.pos;
        } else if self.starts_with("${") {
            self.pos += 1;
            self.skip_balanced('{', '}');
        } else if self.starts_with("`") {
            self.bump();
            let inner_start = self.pos;
            while let Some(c) = self.bump() {
                if c == '\\' {
                    self.bump();
                } else if c == '`' {
                    break;
                }
            }
            let end = if self.src[..self.pos].ends_with('`') && self.pos > inner_start {
                self.pos - 1
            } else {
                self.pos
            };
            let inner = &self.src[inner_start..end];
            let mut sub = if self.nesting >= MAX_NESTING {
                Script::default()
            } else {
                tokenize_at(inner, self.nesting + 1)
            };
            for mut c in sub.commands.drain(..) {
                c.nested = true;
                c.start += inner_start;
                c.end += inner_start;
                for w in c.words.iter_mut().chain(c.assignments.iter_mut()) {
                    w.start += inner_start;
                    w.end += inner_start;
                }
                out.push(c);
            }
        } else {
            self.bump();
        }
        text.push_str(&self.src[s..self.pos]);
    }

    fn skip_balanced(&mut self, open: char, close: char) {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.bump() {
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (q, '\\') if q != Some('\'') => {
                    self.bump();
                }
                (None, c) if c == open => depth += 1,
                (None, c) if c == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

fn prev_for(c: Connector) -> Connector {
    match c {
        Connector::End => Connector::Seq,
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Script) -> Vec<String> {
        s.commands
            .iter()
            .map(|c| c.name().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn splits_on_operators() {
        let s = tokenize(
            "apt-get update && apt-get install -y curl; rm -rf /var/lib/apt/lists/* || true",
        );
        assert_eq!(names(&s), ["apt-get", "apt-get", "rm", "true"]);
        assert_eq!(s.commands[0].next, Connector::And);
        assert_eq!(s.commands[1].prev, Connector::And);
        assert_eq!(s.commands[2].next, Connector::Or);
        assert!(s.commands[1].has_flag("-y"));
        assert_eq!(s.commands[1].subcommand(&[]), Some("install"));
    }

    #[test]
    fn quotes_are_removed_and_do_not_split() {
        let s = tokenize(r#"echo "a && b" 'c | d' e\ f"#);
        assert_eq!(s.commands.len(), 1);
        let texts: Vec<_> = s.commands[0].arg_texts().collect();
        assert_eq!(texts, ["a && b", "c | d", "e f"]);
    }

    #[test]
    fn pipes_and_pipelines() {
        let s = tokenize("curl -sSL https://x | sh -s -- -y && echo ok");
        assert!(s.has_pipe());
        assert_eq!(s.commands[0].next, Connector::Pipe);
        let p = s.pipelines();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].len(), 2);
    }

    #[test]
    fn reserved_words_and_subshells() {
        let s = tokenize("if [ -f x ]; then (cd /tmp && make); else exit 1; fi");
        assert_eq!(names(&s), ["[", "cd", "make", "exit"]);
    }

    #[test]
    fn command_substitution_is_tokenized_nested() {
        let s = tokenize("sh -c \"$(curl -fsSL https://get.example)\" && X=`id -u` foo");
        let nested: Vec<_> = s
            .commands
            .iter()
            .filter(|c| c.nested)
            .filter_map(|c| c.name())
            .collect();
        assert_eq!(nested, ["curl", "id"]);
        let foo = s.find("foo").next().unwrap();
        assert_eq!(foo.assignments.len(), 1);
    }

    #[test]
    fn comments_and_redirects() {
        let s = tokenize("make > /dev/null 2>&1 # build it && rm -rf /");
        assert_eq!(names(&s), ["make"]);
        assert_eq!(s.commands[0].redirects.len(), 2);
        assert_eq!(s.commands[0].args().len(), 0);
    }

    #[test]
    fn heredoc_bodies_are_skipped() {
        let s = tokenize("cat <<EOF > /etc/x\napt-get install foo\nEOF\necho done");
        assert_eq!(names(&s), ["cat", "echo"]);
    }

    #[test]
    fn short_flag_clusters_and_values() {
        let s = tokenize(
            "apt-get -qqy -o Dpkg::Options::=--force-confnew install --no-install-recommends curl=7.1",
        );
        let c = &s.commands[0];
        assert!(c.has_flag("-y"));
        assert!(c.has_flag("-q"));
        assert!(!c.has_flag("-o2"));
        assert!(c.has_flag("--no-install-recommends"));
        let p: Vec<_> = c
            .positionals(&["-o"])
            .iter()
            .map(|w| w.text.clone())
            .collect();
        assert_eq!(p, ["install", "curl=7.1"]);
    }

    #[test]
    fn case_patterns_are_not_pipes() {
        let s = tokenize(
            "case \"$arch\" in \\\n x86_64|aarch64) echo a ;; \\\n *) echo b | tee x ;; \\\n esac && make",
        );
        assert_eq!(names(&s), ["case", "echo", "echo", "tee", "make"]);
        let piped: Vec<_> = s
            .commands
            .iter()
            .filter(|c| c.next == Connector::Pipe)
            .filter_map(|c| c.arg_texts().next())
            .collect();
        assert_eq!(piped, ["b"]);
        // Not in a case: `a|b)` is still a pipe.
        assert!(tokenize("a|b").has_pipe());
    }

    #[test]
    fn groups_and_loops_pass_their_connector_on() {
        let s = tokenize("{ echo a; echo b; } | tee f; for x in 1; do echo $x; done | sort");
        let piped: Vec<_> = s
            .commands
            .iter()
            .filter(|c| c.next == Connector::Pipe)
            .filter_map(|c| c.arg_texts().next())
            .collect();
        assert_eq!(piped, ["b", "$x"]);
        let s = tokenize("if a; then b; fi && c");
        assert_eq!(s.commands[1].next, Connector::And);
    }

    #[test]
    fn unbalanced_input_does_not_panic() {
        for s in [
            "\"unterminated",
            "$(",
            "`",
            "a && && b",
            "((",
            "))",
            "<<",
            "2>",
            "${",
            "x=(",
            "\\",
            "case x in",
            "case x in a",
            "case x in (a|b",
            "} | ; done |",
        ] {
            let _ = tokenize(s);
        }
    }
}
