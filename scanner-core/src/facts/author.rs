//! The people and organizations a project's own manifest names as its authors or maintainers
//! (`Cargo.toml` `[package] authors`, `pyproject.toml` `[project] authors`/`maintainers` and
//! Poetry's `[tool.poetry] authors`/`maintainers`). A manifest may be hostile: how many are
//! kept and how long each field may be are capped, control characters are refused (they would
//! break SPDX tag-value lines), and an email is text, never a link airlock follows.

use serde::{Deserialize, Serialize};

/// Most authors kept from one manifest; the rest are reported and dropped.
pub const MAX_AUTHORS: usize = 32;
/// Longest name or email kept, in characters.
pub const MAX_AUTHOR_FIELD: usize = 200;

/// One author or maintainer: a name, an email, or both.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Author {
    /// The name as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The email address as written (never checked, never contacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Author {
    /// An author from a name and an email (blank ones are absent); an error message when both
    /// are absent, one is longer than [`MAX_AUTHOR_FIELD`] or holds a control character.
    pub fn new(name: Option<&str>, email: Option<&str>) -> Result<Author, String> {
        let name = checked(name, "name")?;
        let email = checked(email, "email")?;
        if name.is_none() && email.is_none() {
            return Err("an author needs a name or an email".to_owned());
        }
        Ok(Author { name, email })
    }

    /// `Name <email>`, `Name` or `<email>` (Cargo's and Poetry's form).
    pub fn parse_contact(text: &str) -> Result<Author, String> {
        let text = text.trim();
        match text
            .strip_suffix('>')
            .and_then(|rest| rest.rsplit_once('<'))
        {
            Some((name, email)) => Author::new(Some(name), Some(email)),
            None => Author::new(Some(text), None),
        }
    }

    /// The name, else the email: how a writer that has one field names the author.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.email.as_deref())
            .unwrap_or_default()
    }

    /// `Name (email)`, `Name` or `email`: SPDX's `Person:` form.
    pub fn spdx_person(&self) -> String {
        match (&self.name, &self.email) {
            (Some(name), Some(email)) => format!("{name} ({email})"),
            _ => self.label().to_owned(),
        }
    }

    /// An author from SPDX's agent text, the inverse of [`Author::spdx_person`]: `Name (email)`,
    /// `Name`, or a bare email (one word with an `@`). Used for SPDX 2.3 `PackageOriginator`
    /// (after its `Person:` / `Organization:` prefix) and SPDX 3 agent names.
    pub fn parse_spdx_person(text: &str) -> Result<Author, String> {
        let text = text.trim();
        if let Some((name, email)) = text
            .strip_suffix(')')
            .and_then(|rest| rest.rsplit_once(" ("))
            .filter(|(_, email)| email.contains('@') && !email.contains(char::is_whitespace))
        {
            return Author::new(Some(name), Some(email));
        }
        if text.contains('@') && !text.contains(char::is_whitespace) {
            return Author::new(None, Some(text));
        }
        Author::new(Some(text), None)
    }

    /// `Name <email>`, `Name` or `<email>`: one line of free text.
    pub fn contact(&self) -> String {
        match (&self.name, &self.email) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            (Some(name), None) => name.clone(),
            (None, Some(email)) => format!("<{email}>"),
            (None, None) => String::new(),
        }
    }

    /// True when the fields obey the caps [`Author::new`] applies (for authors read back from
    /// an SBOM, which is input like any other).
    pub fn is_valid(&self) -> bool {
        Author::new(self.name.as_deref(), self.email.as_deref()).as_ref() == Ok(self)
    }
}

fn checked(field: Option<&str>, what: &str) -> Result<Option<String>, String> {
    let Some(text) = field.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_AUTHOR_FIELD {
        return Err(format!(
            "the author's {what} is longer than {MAX_AUTHOR_FIELD} characters"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("the author's {what} holds a control character"));
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_in_cargo_and_poetry_form() {
        let both = Author::parse_contact("Jane Doe <jane@example.org>").unwrap();
        assert_eq!(both.name.as_deref(), Some("Jane Doe"));
        assert_eq!(both.email.as_deref(), Some("jane@example.org"));
        assert_eq!(both.spdx_person(), "Jane Doe (jane@example.org)");
        assert_eq!(both.contact(), "Jane Doe <jane@example.org>");
        let name = Author::parse_contact("The Team").unwrap();
        for author in [
            both.clone(),
            name.clone(),
            Author::new(None, Some("team@example.org")).unwrap(),
            Author::new(Some("Team (Core) Ltd"), None).unwrap(),
        ] {
            assert_eq!(
                Author::parse_spdx_person(&author.spdx_person()).unwrap(),
                author
            );
        }
        assert_eq!((name.name.as_deref(), name.email), (Some("The Team"), None));
        let email = Author::parse_contact("<team@example.org>").unwrap();
        assert_eq!(email.label(), "team@example.org");
        assert_eq!(email.name, None);
        assert!(Author::parse_contact("  ").is_err());
    }

    #[test]
    fn hostile_fields_are_refused() {
        let long = "x".repeat(MAX_AUTHOR_FIELD + 1);
        assert!(Author::new(Some(&long), None)
            .unwrap_err()
            .contains("longer"));
        assert!(Author::new(Some("a\nPackageName: evil"), None)
            .unwrap_err()
            .contains("control"));
        assert!(Author::new(None, Some("a@\rb")).is_err());
        let ok = Author::new(Some(&"y".repeat(MAX_AUTHOR_FIELD)), None).unwrap();
        assert!(ok.is_valid());
        let tampered = Author {
            name: Some(long),
            email: None,
        };
        assert!(!tampered.is_valid());
    }
}
