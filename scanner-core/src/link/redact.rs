//! Credential redaction, for every format at once: lockfiles copy private index URLs with their
//! tokens, and a source ends up in every output format (purls, SBOM properties, finding
//! messages). Done before merging so keys stay consistent between components and edges.

use crate::component::Source;
use crate::extract::{Extraction, Requirement, Target};

/// Replaces credentials in every URL a source carries (`https://user:token@host/…` becomes
/// `https://user:***@host/…`).
pub(crate) fn redact_extraction(extraction: &mut Extraction) {
    for component in &mut extraction.components {
        redact_source(&mut component.key.source);
    }
    for key in &mut extraction.roots {
        redact_source(&mut key.source);
    }
    for reference in &mut extraction.references {
        redact_source(&mut reference.from.source);
        match &mut reference.to {
            Target::Key(key) => redact_source(&mut key.source),
            Target::Named(named) => match &mut named.requirement {
                Requirement::Exact { source, .. } | Requirement::Declared { source, .. } => {
                    if let Some(source) = source {
                        redact_source(source);
                    }
                }
                Requirement::Allowed { .. } => {}
            },
        }
    }
}

fn redact_source(source: &mut Source) {
    use crate::extract::python::requirements_txt::redact_credentials;
    match source {
        Source::Registry { index: Some(url) } | Source::Git { url, .. } | Source::Url { url } => {
            // Without an `@` there are no credentials to take out, and nothing to copy: this
            // runs for every key of the graph (4,000 copies of the index URL on autogen's lock).
            if url.contains('@') {
                *url = redact_credentials(url);
            }
        }
        Source::Registry { index: None } | Source::Path { .. } | Source::File { .. } => {}
    }
}
