//! Finds where a value sits in RON text, so that problems found after parsing (a dangling
//! reference, a negative capacity) can be reported as `file:line:col` like syntax errors.
//!
//! A path is written `halls[0].rows[2].rack`: field names, list indices and map keys
//! (`catalog.racks["gb200_nvl72"]`). Enum variants such as `Crah(...)` or
//! `action: SwapRacks(...)` are transparent: their fields are reached as if the variant were a
//! plain struct. When a path goes deeper than the text (a field left at its default), the
//! position of the deepest part that exists is returned.

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextPos {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Field(String),
    Index(usize),
    Key(String),
}

fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
            continue;
        }
        if let Some(r) = rest.strip_prefix('[') {
            // A quoted key may itself contain `]` (`set["events[1].at"]`): it ends at `"]`.
            let end = match r.strip_prefix('"') {
                Some(quoted) => quoted.find("\"]").map_or(r.len(), |e| e + 2),
                None => r.find(']').unwrap_or(r.len()),
            };
            let inner = &r[..end];
            if let Ok(i) = inner.parse::<usize>() {
                segs.push(Seg::Index(i));
            } else {
                segs.push(Seg::Key(inner.trim_matches('"').to_owned()));
            }
            rest = r.get(end + 1..).unwrap_or("");
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        segs.push(Seg::Field(rest[..end].to_owned()));
        rest = &rest[end..];
    }
    segs
}

struct Cursor<'a> {
    src: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_ascii_whitespace() => self.i += 1,
                Some(b'/') if self.src.get(self.i + 1) == Some(&b'/') => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                }
                Some(b'/') if self.src.get(self.i + 1) == Some(&b'*') => {
                    self.i += 2;
                    let mut depth = 1;
                    while depth > 0 && self.i < self.src.len() {
                        if self.src[self.i..].starts_with(b"/*") {
                            depth += 1;
                            self.i += 2;
                        } else if self.src[self.i..].starts_with(b"*/") {
                            depth -= 1;
                            self.i += 2;
                        } else {
                            self.i += 1;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        // A raw identifier (`r#type`, `r#None`) is the identifier after `r#`.
        if self.src[self.i..].starts_with(b"r#")
            && self.src.get(self.i + 2).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        {
            self.i += 2;
        }
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'#' {
                self.i += 1;
            } else {
                break;
            }
        }
        (self.i > start).then(|| core::str::from_utf8(&self.src[start..self.i]).unwrap_or(""))
    }

    /// Skips a string literal starting at the cursor (plain or raw); returns its content.
    fn string(&mut self) -> Option<String> {
        if self.peek() == Some(b'r') {
            let mut j = self.i + 1;
            let mut hashes = 0;
            while self.src.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if self.src.get(j) != Some(&b'"') {
                return None;
            }
            let start = j + 1;
            let mut k = start;
            while k < self.src.len() {
                if self.src[k] == b'"'
                    && self.src[k + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes
                {
                    self.i = k + 1 + hashes;
                    return Some(String::from_utf8_lossy(&self.src[start..k]).into_owned());
                }
                k += 1;
            }
            self.i = self.src.len();
            return None;
        }
        if self.peek() != Some(b'"') {
            return None;
        }
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            match c {
                b'\\' => self.i += 2,
                b'"' => {
                    let s = String::from_utf8_lossy(&self.src[start..self.i]).into_owned();
                    self.i += 1;
                    return Some(s);
                }
                _ => self.i += 1,
            }
        }
        None
    }

    /// Whether a raw string (`r"…"`, `r#"…"#`) starts at the cursor — not a raw identifier
    /// such as `r#None`, which ron writes for enum variants named like keywords.
    fn raw_string_ahead(&self) -> bool {
        let hashes = self.src[self.i + 1..].iter().take_while(|&&c| c == b'#').count();
        self.src.get(self.i + 1 + hashes) == Some(&b'"')
    }

    /// Skips one whole value (always at least one byte, so no caller can spin in place).
    fn skip_value(&mut self) {
        let start = self.i;
        self.skip_value_inner();
        if self.i == start && self.i < self.src.len() {
            self.i += 1;
        }
    }

    fn skip_value_inner(&mut self) {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => {
                self.string();
            }
            Some(b'\'') => {
                self.i += 1;
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if c == b'\\' {
                        self.i += 1;
                    } else if c == b'\'' {
                        break;
                    }
                }
            }
            Some(b'(') | Some(b'[') | Some(b'{') => self.skip_group(),
            Some(b'r') if self.raw_string_ahead() => {
                self.string();
            }
            Some(_) => {
                // Number, identifier, or identifier followed by a group (enum variant / named struct).
                let start = self.i;
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'+') {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                if self.i == start {
                    self.i += 1;
                }
                // A group right after the name belongs to it; otherwise the value ends at the
                // name (not after the blanks or comments that follow it).
                let end = self.i;
                self.skip_ws();
                if self.peek() == Some(b'(') {
                    self.skip_group();
                } else {
                    self.i = end;
                }
            }
            None => {}
        }
    }

    fn skip_group(&mut self) {
        let open = self.peek();
        let close = match open {
            Some(b'(') => b')',
            Some(b'[') => b']',
            _ => b'}',
        };
        self.i += 1;
        loop {
            self.skip_ws();
            match self.peek() {
                None => return,
                Some(c) if c == close => {
                    self.i += 1;
                    return;
                }
                Some(b',') | Some(b':') => self.i += 1,
                Some(_) => self.skip_value(),
            }
        }
    }

    /// At a value, enter its body: returns the bracket kind entered, skipping a leading
    /// struct or variant name.
    fn enter(&mut self) -> Option<u8> {
        self.skip_ws();
        if matches!(self.peek(), Some(c) if c.is_ascii_alphabetic() || c == b'_') {
            let save = self.i;
            self.ident();
            self.skip_ws();
            if self.peek() != Some(b'(') {
                self.i = save;
                return None;
            }
        }
        match self.peek() {
            Some(c @ (b'(' | b'[' | b'{')) => {
                self.i += 1;
                Some(c)
            }
            _ => None,
        }
    }

    /// Inside a `(` struct body, finds `name:`; leaves the cursor at its value.
    fn find_field(&mut self, name: &str) -> bool {
        loop {
            self.skip_ws();
            match self.peek() {
                None | Some(b')') => return false,
                Some(b',') => self.i += 1,
                Some(_) => {
                    let save = self.i;
                    let id = self.ident();
                    self.skip_ws();
                    if let Some(id) = id
                        && self.peek() == Some(b':')
                    {
                        self.i += 1;
                        if id == name {
                            self.skip_ws();
                            return true;
                        }
                        self.skip_value();
                        continue;
                    }
                    // A tuple element, not a field: skip it.
                    self.i = save;
                    self.skip_value();
                }
            }
        }
    }

    /// Inside a `[` or `(` body, moves to element `idx`.
    fn find_index(&mut self, idx: usize, close: u8) -> bool {
        let mut k = 0;
        loop {
            self.skip_ws();
            match self.peek() {
                None => return false,
                Some(c) if c == close => return false,
                Some(b',') => self.i += 1,
                Some(_) => {
                    if k == idx {
                        return true;
                    }
                    self.skip_value();
                    k += 1;
                }
            }
        }
    }

    /// Inside a `{` map body, finds key `key`; leaves the cursor at its value.
    fn find_key(&mut self, key: &str) -> bool {
        loop {
            self.skip_ws();
            match self.peek() {
                None | Some(b'}') => return false,
                Some(b',') => self.i += 1,
                Some(_) => {
                    let k = if self.peek() == Some(b'"') { self.string() } else { self.ident().map(str::to_owned) };
                    self.skip_ws();
                    if self.peek() == Some(b':') {
                        self.i += 1;
                    }
                    self.skip_ws();
                    if k.as_deref() == Some(key) {
                        return true;
                    }
                    self.skip_value();
                }
            }
        }
    }
}

/// Byte offset → 1-based line and column (in characters).
pub fn position_of(src: &str, offset: usize) -> TextPos {
    let offset = offset.min(src.len());
    let before = &src[..src.floor_char_boundary(offset)];
    let line = 1 + before.matches('\n').count();
    let col = 1 + before.rsplit('\n').next().map_or(0, |l| l.chars().count());
    TextPos { line, col }
}

/// Skips RON `#![enable(...)]` attributes and blanks at the start of a file.
fn skip_preamble(c: &mut Cursor) {
    c.skip_ws();
    while c.src[c.i..].starts_with(b"#!") {
        while let Some(ch) = c.peek() {
            c.i += 1;
            if ch == b']' {
                break;
            }
        }
        c.skip_ws();
    }
}

/// How far a path was followed in the text.
struct Walk {
    /// Offset of the value at the path, or of the deepest part that exists.
    found: usize,
    /// Every segment was found.
    complete: bool,
    /// When the last segment is a field missing from a `(` struct: the offset just inside the
    /// struct's opening bracket.
    missing_field_body: Option<usize>,
}

fn walk(src: &str, path: &str) -> Walk {
    let mut c = Cursor { src: src.as_bytes(), i: 0 };
    skip_preamble(&mut c);
    let segs = parse_path(path);
    let last = segs.len().saturating_sub(1);
    for (k, seg) in segs.iter().enumerate() {
        let value_start = c.i;
        let Some(kind) = c.enter() else {
            return Walk { found: value_start, complete: false, missing_field_body: None };
        };
        let body = c.i;
        let ok = match (seg, kind) {
            (Seg::Field(name), b'(') => c.find_field(name),
            (Seg::Index(i), b'[') => c.find_index(*i, b']'),
            (Seg::Index(i), b'(') => c.find_index(*i, b')'),
            (Seg::Key(k), b'{') => c.find_key(k),
            (Seg::Field(k), b'{') => c.find_key(k),
            _ => false,
        };
        if !ok {
            let missing = (k == last && kind == b'(' && matches!(seg, Seg::Field(_))).then_some(body);
            return Walk { found: value_start, complete: false, missing_field_body: missing };
        }
        c.skip_ws();
    }
    Walk { found: c.i, complete: true, missing_field_body: None }
}

/// Where the value at `path` starts in `src` (or the deepest existing part of it).
pub fn locate(src: &str, path: &str) -> TextPos {
    position_of(src, walk(src, path).found)
}

/// Where the value at a path is written, for editing the text in place (batch sweeps
/// substitute parameter values this way and parse the result with the normal loader).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueSlot {
    /// The value is written at these bytes.
    Span(core::ops::Range<usize>),
    /// The path's last part is a struct field left at its default: write `field: value, ` at
    /// this offset (just inside the struct's opening bracket).
    Missing {
        /// Byte offset to insert at.
        at: usize,
        /// The field's name.
        field: String,
    },
}

/// The slot of the value at `path` in `src`: its byte span, or where to insert a field that
/// is not written; `None` when an earlier part of the path does not exist.
pub fn value_slot(src: &str, path: &str) -> Option<ValueSlot> {
    let w = walk(src, path);
    if w.complete {
        let mut c = Cursor { src: src.as_bytes(), i: w.found };
        c.skip_value();
        return (c.i > w.found).then_some(ValueSlot::Span(w.found..c.i));
    }
    let field = match parse_path(path).pop() {
        Some(Seg::Field(f)) => f,
        _ => return None,
    };
    w.missing_field_body.map(|at| ValueSlot::Missing { at, field })
}

/// 1-based line and column → byte offset (the inverse of [`position_of`]; clamped to the text).
pub fn offset_of(src: &str, pos: TextPos) -> usize {
    let mut offset = 0;
    for (i, line) in src.split_inclusive('\n').enumerate() {
        if i + 1 == pos.line {
            let col = line.char_indices().nth(pos.col.saturating_sub(1)).map_or(line.len(), |(b, _)| b);
            return offset + col;
        }
        offset += line.len();
    }
    src.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"// header
(
    name: "x",
    halls: [
        (id: "a", rows: [(rows: "1-2", rack: "legacy")]),
        ( id: "b", /* comment (with parens) */
          rows: [
            (rows: "3", rack: "gb200_nvl72"),
            (rows: "4", rack: "nope"),
          ],
          cooling_units: [ Crah(id: "c1", airflow_m3_per_s: -3.0) ],
        ),
    ],
    events: [ (at: "1h", action: SwapRacks(hall: "b", rack: "x")) ],
    catalog: ( racks: { "my": ( base_idle_kw: 1.0 ) } ),
)"#;

    /// Position of the first occurrence of `needle` (a unique marker in the sample).
    fn at(needle: &str) -> TextPos {
        position_of(SRC, SRC.find(needle).unwrap_or_else(|| panic!("{needle} not in sample")))
    }

    #[test]
    fn finds_nested_fields_indices_variants_and_keys() {
        assert_eq!(locate(SRC, "name"), at("\"x\""));
        assert_eq!(locate(SRC, "halls[1].rows[1].rack"), at("\"nope\""));
        assert_eq!(locate(SRC, "halls[1].cooling_units[0].airflow_m3_per_s"), at("-3.0"));
        assert_eq!(locate(SRC, "events[0].action.rack"), at("\"x\")"));
        assert_eq!(locate(SRC, "catalog.racks[\"my\"].base_idle_kw"), at("1.0 )"));
        assert_eq!(locate(SRC, "halls[1].rows[0]"), at("(rows: \"3\""));
    }

    #[test]
    fn stops_at_the_deepest_existing_part() {
        // `containment` is not written: point at hall b itself.
        assert_eq!(locate(SRC, "halls[1].containment"), at("( id: \"b\""));
        assert_eq!(locate(SRC, "halls[7]"), at("[\n        (id: \"a\""));
    }

    #[test]
    fn value_slots_cover_exactly_the_value() {
        let span = |path: &str| match value_slot(SRC, path) {
            Some(ValueSlot::Span(r)) => &SRC[r],
            other => panic!("{path}: {other:?}"),
        };
        assert_eq!(span("name"), "\"x\"");
        assert_eq!(span("halls[1].cooling_units[0]"), "Crah(id: \"c1\", airflow_m3_per_s: -3.0)");
        assert_eq!(span("halls[1].cooling_units[0].airflow_m3_per_s"), "-3.0");
        assert_eq!(span("events[0].action"), "SwapRacks(hall: \"b\", rack: \"x\")");
        assert_eq!(span("catalog.racks[\"my\"].base_idle_kw"), "1.0");
        assert_eq!(span("halls[0].rows"), "[(rows: \"1-2\", rack: \"legacy\")]");
    }

    #[test]
    fn a_field_left_at_its_default_is_inserted_inside_its_struct() {
        let Some(ValueSlot::Missing { at, field }) = value_slot(SRC, "halls[0].containment") else {
            panic!("expected an insertion point")
        };
        assert_eq!(field, "containment");
        assert!(SRC[at..].starts_with("id: \"a\""), "{}", &SRC[at..at + 10]);
        // A missing list element or a missing parent is not an insertion point.
        assert_eq!(value_slot(SRC, "halls[7]"), None);
        assert_eq!(value_slot(SRC, "site.grid.capacity_kw"), None);
    }

    #[test]
    fn offsets_and_positions_are_inverse() {
        for needle in ["\"nope\"", "-3.0", "1.0 )", "name"] {
            let o = SRC.find(needle).unwrap();
            assert_eq!(offset_of(SRC, position_of(SRC, o)), o, "{needle}");
        }
    }

    #[test]
    fn raw_identifiers_are_values_not_strings() {
        // ron writes `r#None` for an enum variant named like Option's: locating a field after
        // one once looped forever (a saved viewer session hung `dctwin check`).
        let src = "(a: (containment: r#None, rows: []), b: [(at: \"1h\")], r#type: 3)";
        assert_eq!(locate(src, "b[0].at"), position_of(src, src.find("\"1h").unwrap()));
        assert_eq!(locate(src, "type"), position_of(src, src.find('3').unwrap()));
    }

    #[test]
    fn never_panics_on_odd_text() {
        for s in ["", "(", "((((", "\"unterminated", "(a: [1, 2", "/* open", "r#\"x", "(é: 1)"] {
            let _ = locate(s, "a[3].b[\"k\"].c");
            let _ = value_slot(s, "a[3].b[\"k\"].c");
            let _ = value_slot(s, "a");
        }
    }
}
