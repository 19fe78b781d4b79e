//! Jinja chat templates, the code a model ships for its tokenizer: GGUF metadata
//! (`tokenizer.chat_template`, `tokenizer.chat_template.<name>`), `tokenizer_config.json`
//! (`chat_template`, a string or a list of `{name, template}`) and `chat_template.jinja` files
//! (`transformers` ≥ 4.43 writes them beside the tokenizer, more under
//! `additional_chat_templates/`). A loader that renders one outside Jinja's sandbox runs what it
//! reaches (CVE-2024-34359 in `llama-cpp-python`), and sandboxes have had escapes of their own.
//!
//! Templates are never rendered. Each one is checked on MiniJinja's token stream (the lexer of
//! a Jinja2-compatible engine: strings, names, `.` and `|` are tokens, so comments and
//! template text cannot hide or fake a pattern) for sandbox-escape patterns: attribute walks
//! through dunders (`__class__`, `__globals__`, `__subclasses__`, `__builtins__`) and frame or
//! function internals, dunder strings (also when pieced together with `~` or `+`), attribute
//! walks on the gadget globals (`cycler`, `joiner`, `namespace`, `lipsum`, `self._…`), module
//! names (`os`, `subprocess`, `sys`, `builtins`, `importlib`), `attr()` with a computed name,
//! `%c` string formatting, and `import` / `include` / `extends` / `from` statements. It is then
//! parsed with MiniJinja's parser; a template that does not parse (Hugging Face extensions
//! such as `{% generation %}`) keeps its token check and records why.

use std::path::Path;

use super::{evidence, ModelDirectory};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Sample, Syntax,
};
use crate::model::{ChatTemplate, ModelCard, TemplateHazard};
use crate::text::LineIndex;

const ID: ExtractorId = "model/chat-template";

/// `chat_template.jinja`, and the named templates of `additional_chat_templates/`.
fn is_template_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str());
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|parent| parent.to_str());
    name == Some("chat_template.jinja")
        || (parent == Some("additional_chat_templates")
            && name.is_some_and(|name| name.ends_with(".jinja")))
}

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Chat templates (chat_template.jinja): Jinja sandbox-escape patterns, never rendered",
    FileMatch::Custom(is_template_file),
    &ChatTemplateFile,
)
.max_bytes(MAX_TEMPLATE_BYTES as u64)
.fuzzed_as(
    "chat_template",
    &[Sample::new("m/chat_template.jinja", Syntax::Lines)],
);

/// `model/chat-template`: a template file becomes a `file` component (hashed) of its model,
/// carrying what [`inspect`] found.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChatTemplateFile;

impl Parse for ChatTemplateFile {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let mut extraction = Extraction::default();
        let Some(model) = ModelDirectory::of(input.path) else {
            return Ok(extraction);
        };
        let text = std::str::from_utf8(input.bytes).map_err(|error| ExtractError::InvalidUtf8 {
            location: input.location(None),
            offset: error.valid_up_to(),
        })?;
        let template = inspect(text, "file", Some(1));
        let problem = match (&template.incomplete, &template.parse_error) {
            (Some(reason), _) => Some(format!("{reason}; what follows was not checked")),
            (None, Some(error)) => Some(format!(
                "not a Jinja template MiniJinja parses ({error}); its tokens were still checked \
                 for sandbox escapes"
            )),
            (None, None) => None,
        };
        if let Some(message) = problem {
            extraction
                .diagnostics
                .push(crate::diagnostic::Diagnostic::warning(
                    crate::diagnostic::DiagnosticCode::InvalidEntry,
                    input.location(Some(template.parse_line.unwrap_or(1))),
                    message,
                ));
        }
        let Some(mut file) = super::file_component(ID, input) else {
            return Ok(extraction);
        };
        file.facts.chat_templates.push(template);
        let model_component = model.component(evidence(ID, input.path, None), ModelCard::default());
        extraction.roots.push(model.key.clone());
        extraction.components.push(model_component);
        super::link_file(&model, file, input.path, &mut extraction);
        Ok(extraction)
    }
}

/// Longer templates are not inspected (and say so): real ones are a few kilobytes.
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;

/// At most this many hazards are kept per template.
const MAX_HAZARDS: usize = 16;

/// Globals of Jinja environments whose attributes lead to Python internals; chat templates
/// call them (`namespace(...)`, `cycler(...)`) but never read their attributes.
const GADGETS: &[&str] = &[
    "cycler",
    "joiner",
    "namespace",
    "lipsum",
    "url_for",
    "get_flashed_messages",
    "config",
    "request",
];

/// Module names that have no business in a chat template.
const MODULES: &[&str] = &[
    "os",
    "subprocess",
    "sys",
    "builtins",
    "importlib",
    "posix",
    "socket",
];

/// Attributes of functions, frames, generators and code objects (no dunder needed).
const INTERNALS: &[&str] = &[
    "func_globals",
    "func_code",
    "f_globals",
    "f_locals",
    "f_builtins",
    "f_back",
    "gi_frame",
    "gi_code",
    "cr_frame",
    "ag_frame",
    "tb_frame",
    "co_code",
    "mro",
];

/// Statements that load other templates.
const LOADING_STATEMENTS: &[&str] = &["import", "include", "extends", "from"];

fn is_dunder(text: &str) -> bool {
    text.len() > 4 && text.starts_with("__") && text.ends_with("__")
}

/// The first `__name__` inside a string, if any.
fn dunder_inside(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(start) = rest.find("__") {
        let after = rest.get(start + 2..).unwrap_or_default();
        let name_length = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let candidate = rest.get(start..start + 2 + name_length).unwrap_or_default();
        let trimmed = candidate.trim_end_matches('_');
        if trimmed.len() > 2 && candidate.len() >= trimmed.len() + 2 {
            return Some(candidate);
        }
        rest = after;
    }
    None
}

/// A lexed token reduced to what the checks need.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Name(String),
    Text(String),
    Dot,
    Pipe,
    Concat,
    ParenOpen,
    BlockStart,
    Other,
}

/// Inspects one template. `origin` says where it was read, `line` where its text starts.
pub fn inspect(source: &str, origin: &str, line: Option<u32>) -> ChatTemplate {
    let mut template = ChatTemplate {
        origin: origin.to_owned(),
        line,
        hazards: Vec::new(),
        parse_error: None,
        parse_line: None,
        incomplete: None,
    };
    if source.len() > MAX_TEMPLATE_BYTES {
        template.incomplete = Some(format!(
            "the template is {} bytes, over the {MAX_TEMPLATE_BYTES}-byte cap",
            source.len()
        ));
        return template;
    }
    let lines = LineIndex::new(source);
    let mut pieces: Vec<(Piece, u32)> = Vec::new();
    for token in minijinja::machinery::tokenize(source, false, Default::default()) {
        let (token, span) = match token {
            Ok(token) => token,
            Err(error) => {
                template.parse_line = error.line().and_then(|line| u32::try_from(line).ok());
                template.incomplete = Some(format!("the template cannot be lexed: {error}"));
                break;
            }
        };
        use minijinja::machinery::Token;
        let piece = match token {
            Token::Ident(name) => Piece::Name(name.to_owned()),
            Token::Str(text) => Piece::Text(text.to_owned()),
            Token::String(text) => Piece::Text(text.into()),
            Token::Dot => Piece::Dot,
            Token::Pipe => Piece::Pipe,
            Token::Tilde | Token::Plus => Piece::Concat,
            Token::ParenOpen => Piece::ParenOpen,
            Token::BlockStart => Piece::BlockStart,
            _ => Piece::Other,
        };
        let at = usize::try_from(span.start_offset).unwrap_or(usize::MAX);
        pieces.push((piece, lines.line(at.min(source.len()))));
    }
    check(&pieces, &mut template.hazards);
    if template.incomplete.is_none() {
        if let Err(error) = minijinja::machinery::parse(source, "chat_template", Default::default())
        {
            template.parse_line = error.line().and_then(|line| u32::try_from(line).ok());
            template.parse_error = Some(error.to_string());
        }
    }
    template
}

fn check(pieces: &[(Piece, u32)], hazards: &mut Vec<TemplateHazard>) {
    let mut found = |line: u32, what: String| {
        let hazard = TemplateHazard { line, what };
        if hazards.len() < MAX_HAZARDS && !hazards.contains(&hazard) {
            hazards.push(hazard);
        }
    };
    let piece = |index: usize| pieces.get(index).map(|(piece, _)| piece);
    let mut index = 0;
    while let Some((current, line)) = pieces.get(index) {
        let line = *line;
        let previous = index.checked_sub(1).and_then(piece);
        match current {
            Piece::Name(name) if previous == Some(&Piece::Dot) => {
                if is_dunder(name) {
                    found(
                        line,
                        format!("attribute `{name}` (walks into Python internals)"),
                    );
                } else if INTERNALS.contains(&name.as_str()) {
                    found(
                        line,
                        format!("attribute `{name}` (function or frame internals)"),
                    );
                }
            }
            Piece::Name(name) => {
                let next = piece(index + 1);
                let attribute = match piece(index + 2) {
                    Some(Piece::Name(attribute)) if next == Some(&Piece::Dot) => Some(attribute),
                    _ => None,
                };
                if is_dunder(name) {
                    found(line, format!("name `{name}`"));
                } else if MODULES.contains(&name.as_str()) {
                    found(line, format!("module name `{name}`"));
                } else if let Some(attribute) = attribute {
                    if GADGETS.contains(&name.as_str()) {
                        found(
                            line,
                            format!("`{name}.{attribute}`: attributes of the `{name}` global lead to Python internals"),
                        );
                    } else if name == "self" && attribute.starts_with('_') {
                        found(
                            line,
                            format!("`self.{attribute}`: the template's private context"),
                        );
                    }
                }
                if previous == Some(&Piece::BlockStart)
                    && LOADING_STATEMENTS.contains(&name.as_str())
                {
                    found(line, format!("`{{% {name} %}}` loads another template"));
                }
                if name == "attr"
                    && previous == Some(&Piece::Pipe)
                    && next == Some(&Piece::ParenOpen)
                    && !matches!(piece(index + 2), Some(Piece::Text(_)))
                {
                    found(line, "`attr()` with a computed attribute name".to_owned());
                }
            }
            Piece::Text(text) => {
                // Fold `'__cla' ~ 'ss__'` and `'__gl' + 'obals__'` into one string first.
                let mut folded = text.clone();
                let mut end = index;
                while let (Some(Piece::Concat), Some(Piece::Text(more))) =
                    (piece(end + 1), piece(end + 2))
                {
                    folded.push_str(more);
                    end += 2;
                }
                if let Some(dunder) = dunder_inside(&folded) {
                    found(
                        line,
                        format!("string `{dunder}` (an attribute name for `attr()` or `[...]`)"),
                    );
                }
                if folded.contains("%c") {
                    found(
                        line,
                        "`%c` formatting (builds names from character codes)".to_owned(),
                    );
                }
                index = end;
            }
            _ => {}
        }
        index += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hazards(source: &str) -> Vec<String> {
        inspect(source, "test", None)
            .hazards
            .into_iter()
            .map(|hazard| format!("{}: {}", hazard.line, hazard.what))
            .collect()
    }

    #[test]
    fn escapes_are_found_with_their_line() {
        let found = hazards("{{ x }}\n{{ cycler.__init__.__globals__.os.popen('id').read() }}");
        assert!(
            found.iter().any(|h| h.starts_with("2: `cycler.__init__`")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|h| h.contains("`__globals__`")),
            "{found:?}"
        );
        assert!(found.iter().any(|h| h.contains("`__init__`")), "{found:?}");
        assert!(!hazards("{{ ''.__class__.__mro__[1].__subclasses__() }}").is_empty());
        assert!(!hazards("{{ x|attr('__cla' ~ 'ss__') }}").is_empty());
        assert!(!hazards("{{ x|attr(name) }}").is_empty());
        assert!(!hazards("{{ x['__glo' + 'bals__'] }}").is_empty());
        assert!(!hazards("{{ self._TemplateReference__context }}").is_empty());
        assert!(!hazards("{% include 'other' %}").is_empty());
        assert!(!hazards("{{ '%c%c'|format(95, 95) }}").is_empty());
        assert!(!hazards("{{ lipsum.__globals__ }}").is_empty());
    }

    #[test]
    fn ordinary_templates_pass_and_text_is_not_code() {
        let chatml = "{% set ns = namespace(found=false) %}{% for message in messages %}\
            {{ '<|im_start|>' + message['role'] + '\\n' + message['content'] | trim }}\
            {% if loop.last and message.content.startswith('x') %}{% endif %}{% endfor %}\
            {% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        assert_eq!(hazards(chatml), Vec::<String>::new());
        let parsed = inspect(chatml, "t", None);
        assert_eq!(parsed.parse_error, None);
        // Outside tags, text is text: `os.system` and `__class__` in prose are not code.
        assert_eq!(
            hazards("Use os.system or __class__ here {{ x }}"),
            Vec::<String>::new()
        );
        let generation = inspect("{% generation %}{{ x }}{% endgeneration %}", "t", None);
        assert!(generation.parse_error.is_some());
        assert!(generation.hazards.is_empty());
        let long = "x".repeat(MAX_TEMPLATE_BYTES + 1);
        assert!(inspect(&long, "t", None).incomplete.is_some());
    }
}
