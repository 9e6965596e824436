//! Reading a scenario file, with errors a user can act on.
//!
//! Every error names the file, the line and column, what was expected and a hint; the CLI
//! prints it and exits with code 2.

use std::fmt;
use std::path::{Path, PathBuf};

use super::Scenario;
use super::locate::{TextPos, locate, position_of};

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Where (1-based), if known.
    pub pos: Option<TextPos>,
    /// Path of the value in the scenario (`halls[0].rows[1].rack`), if known.
    pub path: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Why a scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: cannot read the file: {source}\n  hint: check the path; scenarios ship in scenarios/")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid scenario RON, or a value is invalid.
    #[error("{}", render(file, problems))]
    Invalid {
        /// The file (or `<input>`).
        file: String,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

impl ScenarioError {
    /// The problems, for tests and machine-readable output.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Io { .. } => &[],
            ScenarioError::Invalid { problems, .. } => problems,
        }
    }
}

fn render(file: &str, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&p.display_in(file).to_string());
    }
    if problems.len() > 1 {
        out.push_str(&format!("\n{} problems in {file}", problems.len()));
    }
    out
}

/// A problem rendered as `file:line:col: error: message` plus its hint.
pub struct ProblemDisplay<'a> {
    file: &'a str,
    problem: &'a Problem,
}

impl Problem {
    /// Renders with the file name.
    pub fn display_in<'a>(&'a self, file: &'a str) -> ProblemDisplay<'a> {
        ProblemDisplay { file, problem: self }
    }
}

impl fmt::Display for ProblemDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.problem;
        match p.pos {
            Some(pos) => write!(f, "{}:{}:{}: error: ", self.file, pos.line, pos.col)?,
            None => write!(f, "{}: error: ", self.file)?,
        }
        if let Some(path) = &p.path {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", p.message)?;
        if !p.hint.is_empty() {
            write!(f, "\n  hint: {}", p.hint)?;
        }
        Ok(())
    }
}

/// A scenario with the text and path it came from (paths inside it resolve from there).
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    /// The parsed scenario.
    pub scenario: Scenario,
    /// The file's text (for locating problems).
    pub text: String,
    /// The file (or `<input>`).
    pub file: String,
    /// Directory that relative paths in the scenario start from.
    pub base_dir: PathBuf,
}

impl LoadedScenario {
    /// A located problem at `path`.
    pub fn problem(&self, path: &str, message: impl Into<String>, hint: impl Into<String>) -> Problem {
        Problem {
            pos: Some(locate(&self.text, path)),
            path: Some(path.to_owned()),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// A hint for a RON syntax error.
fn syntax_hint(code: &ron::error::Error) -> String {
    use ron::error::Error as E;
    match code {
        E::ExpectedComma => "separate fields and list items with commas".into(),
        E::ExpectedArrayEnd => "a list ends with `]`; check for a missing comma or bracket".into(),
        E::ExpectedStructLikeEnd | E::ExpectedMapEnd => {
            "check for a missing comma, an extra value, or an unclosed bracket before this point".into()
        }
        E::ExpectedString | E::ExpectedStringEnd => {
            "ids and durations are strings in double quotes, e.g. \"30min\"".into()
        }
        E::NoSuchStructField { .. } | E::NoSuchEnumVariant { .. } => {
            "check the spelling; docs/scenarios.md lists every field".into()
        }
        E::MissingStructField { .. } => "add the field; docs/scenarios.md says what it means".into(),
        E::DuplicateStructField { .. } => "remove one of the two".into(),
        E::Eof => "the file ends too early: a bracket is probably not closed".into(),
        E::ExpectedFloat | E::ExpectedInteger => "write a plain number such as 12 or 0.85".into(),
        E::TrailingCharacters => "there is text after the scenario's closing `)`".into(),
        E::ExpectedNamedStructLike(_) | E::ExpectedStructLike => {
            "a scenario is a RON struct `( name: \"…\", duration: \"24h\", … )`; copy one from scenarios/".into()
        }
        _ => "see the scenario reference in docs/scenarios.md, or copy a file from scenarios/".into(),
    }
}

/// Parses scenario text. `file` is used in messages, `base_dir` for relative paths.
pub fn parse_str(text: &str, file: &str, base_dir: &Path) -> Result<LoadedScenario, ScenarioError> {
    // `IMPLICIT_SOME` lets users write `emergency: "genbus"` for optional fields.
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    match options.from_str::<Scenario>(text) {
        Ok(scenario) => {
            Ok(LoadedScenario { scenario, text: text.to_owned(), file: file.to_owned(), base_dir: base_dir.to_owned() })
        }
        Err(e) => {
            // ron reports the span of the offending token; point at its start.
            let start = e.span.start;
            let pos = TextPos { line: start.line.max(1), col: start.col.max(1) };
            let pos = if pos.line > text.lines().count().max(1) { position_of(text, text.len()) } else { pos };
            Err(ScenarioError::Invalid {
                file: file.to_owned(),
                problems: vec![Problem {
                    pos: Some(pos),
                    path: None,
                    message: e.code.to_string(),
                    hint: syntax_hint(&e.code),
                }],
            })
        }
    }
}

/// Reads and parses a scenario file (no semantic checks: see [`super::validate`]).
pub fn load_file(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io { path: path.to_owned(), source })?;
    let file = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| not_utf8(&file, e.as_bytes(), e.utf8_error().valid_up_to()))?;
    let base = path.parent().map(Path::to_owned).unwrap_or_default();
    parse_str(&text, &file, &base)
}

/// The error for a file that is not UTF-8: the line and column (in characters) of the first
/// invalid byte, its byte offset and value, and how to fix the encoding.
fn not_utf8(file: &str, bytes: &[u8], valid_up_to: usize) -> ScenarioError {
    let (pos, message) = utf8_error_at(bytes, valid_up_to);
    ScenarioError::Invalid {
        file: file.to_owned(),
        problems: vec![Problem { pos: Some(pos), path: None, message, hint: NOT_UTF8_HINT.into() }],
    }
}

/// Hint for a file that is not UTF-8.
pub const NOT_UTF8_HINT: &str =
    "save the file as UTF-8 (Latin-1 or Windows-1252 editors write °, é and the like as single bytes)";

/// Where the first byte that is not UTF-8 sits (`valid_up_to` bytes are good) and what it is.
pub fn utf8_error_at(bytes: &[u8], valid_up_to: usize) -> (super::locate::TextPos, String) {
    let good = std::str::from_utf8(&bytes[..valid_up_to.min(bytes.len())]).unwrap_or_default();
    let line = good.matches('\n').count() + 1;
    let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let byte = bytes.get(valid_up_to).copied().unwrap_or(0);
    (super::locate::TextPos { line, col }, format!("byte {valid_up_to} (0x{byte:02X}) is not UTF-8 text"))
}
