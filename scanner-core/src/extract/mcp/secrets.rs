//! Credentials in agent configs: which names are credentials, which values are references to
//! the environment (`${VAR}`, `$VAR`, `${env:VAR}`, `${input:id}`) and which are literal secrets
//! written into the file, and how a literal is shown: redacted, never whole.
//!
//! The rule of this module and of its callers: a value read from an `env` block, a header, a
//! command argument or a URL is classified here and then dropped. Only names, lines, the class
//! and the redacted form (the first four characters and `…`) reach the graph.

/// What a value in an env block, a header or an argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ValueClass {
    /// Nothing was written.
    Empty,
    /// Only a reference to the environment or to a client input (`${GITHUB_TOKEN}`).
    Reference,
    /// Only the name is given; the value is inherited from the environment (`docker -e NAME`,
    /// Goose `env_keys`).
    Inherited,
    /// A made-up value left for the user to replace (`<your-token>`, `YOUR_API_KEY`).
    Placeholder,
    /// A literal that is not a credential (`LOG_LEVEL=debug`).
    Literal,
    /// A literal credential written into the file.
    Secret,
}

impl ValueClass {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ValueClass::Empty => "empty",
            ValueClass::Reference => "reference",
            ValueClass::Inherited => "inherited",
            ValueClass::Placeholder => "placeholder",
            ValueClass::Literal => "literal",
            ValueClass::Secret => "secret",
        }
    }
}

/// Known token prefixes: a value starting with one of these is a credential whatever its name.
const TOKEN_PREFIXES: &[&str] = &[
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "pk_live_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xapp-",
    "AKIA",
    "ASIA",
    "AIza",
    "hf_",
    "npm_",
    "pypi-",
    "ya29.",
    "eyJ",
    "lin_api_",
    "ntn_",
    "secret_",
    "shpat_",
    "dop_v1_",
    "SG.",
];

/// Words of a variable, header or flag name that say it carries a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "token",
    "secret",
    "secrets",
    "password",
    "passwd",
    "passphrase",
    "apikey",
    "credential",
    "credentials",
    "cookie",
    "bearer",
    "session",
    "pat",
    "sig",
    "signature",
];

/// Word parts that make any word containing them a credential (`PGPASSWORD`,
/// `CLIENTSECRET`, `XAPIKEY`).
const CREDENTIAL_PARTS: &[&str] = &["password", "passwd", "passphrase", "secret", "apikey"];

/// Words that make a following `key` a credential (`API_KEY`, `ACCESS_KEY`).
const KEY_QUALIFIERS: &[&str] = &["api", "access", "private", "secret", "license", "client"];

/// The lowercase words of a name: split on `_`, `-`, `.`, spaces and camelCase humps.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for character in name.chars() {
        if !character.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if character.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = character.is_ascii_lowercase() || character.is_ascii_digit();
        current.push(character.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// True when a variable, header, flag or query parameter name says it carries a credential.
pub(crate) fn is_credential_name(name: &str) -> bool {
    let words = words(name);
    words.iter().enumerate().any(|(position, word)| {
        CREDENTIAL_WORDS.contains(&word.as_str())
            || CREDENTIAL_PARTS.iter().any(|part| word.contains(part))
            // `ACCESSTOKEN`, `AUTHTOKEN`; not `TOKENS` or `TOKENIZER`.
            || word.ends_with("token")
            || matches!(
                word.as_str(),
                "auth" | "authorization" | "authentication" | "authtoken"
            )
            || (word == "key"
                && (words.len() == 1
                    || position + 1 == words.len()
                    || position
                        .checked_sub(1)
                        .and_then(|before| words.get(before))
                        .is_some_and(|before| KEY_QUALIFIERS.contains(&before.as_str()))))
    })
}

/// True when the whole value is made of references (`${VAR}`, `$VAR`, `${env:VAR}`,
/// `${input:id}`, `{env:VAR}`, `%VAR%`) and fixed words such as `Bearer`.
pub(crate) fn is_reference(value: &str) -> bool {
    let mut rest = value.trim();
    if rest.is_empty() {
        return false;
    }
    let mut found = false;
    let mut left = String::new();
    while let Some(character) = rest.chars().next() {
        let reference_length = reference_at(rest);
        if reference_length > 0 {
            found = true;
            rest = rest.get(reference_length..).unwrap_or_default();
            continue;
        }
        left.push(character);
        rest = rest.get(character.len_utf8()..).unwrap_or_default();
    }
    // Besides the references: separators and an auth scheme at most.
    found
        && left
            .split(|c: char| c.is_whitespace() || matches!(c, ':' | '/' | '-' | '_' | '.' | ','))
            .filter(|word| !word.is_empty())
            .all(|word| {
                matches!(
                    word.to_ascii_lowercase().as_str(),
                    "bearer" | "basic" | "token" | "apikey" | "key"
                )
            })
}

/// The byte length of a reference starting `text`, or 0.
fn reference_at(text: &str) -> usize {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if let Some(inner) = text.strip_prefix("${") {
        return inner.find('}').map_or(0, |end| end + 3);
    }
    if let Some(inner) = text.strip_prefix('$') {
        let length: usize = inner.chars().take_while(|c| is_name(*c)).count();
        return if length > 0 { length + 1 } else { 0 };
    }
    if let Some(inner) = text.strip_prefix('{') {
        if inner.starts_with("env:") || inner.starts_with("input:") {
            return inner.find('}').map_or(0, |end| end + 2);
        }
    }
    if let Some(inner) = text.strip_prefix('%') {
        let length: usize = inner.chars().take_while(|c| is_name(*c)).count();
        if length > 0
            && inner
                .get(length..)
                .is_some_and(|after| after.starts_with('%'))
        {
            return length + 2;
        }
    }
    0
}

/// True for values left to be replaced: `<token>`, `YOUR_KEY_HERE`, `xxxx`, `changeme`.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let trimmed = value.trim();
    let lower = trimmed.to_ascii_lowercase();
    (trimmed.starts_with('<') && trimmed.ends_with('>'))
        || lower.starts_with("your")
        || lower.contains("your_")
        || lower.contains("your-")
        || lower.contains("here")
        || lower.contains("changeme")
        || lower.contains("replace")
        || lower.contains("placeholder")
        || lower.contains("example")
        || (trimmed.len() >= 3 && trimmed.chars().all(|c| matches!(c, 'x' | 'X' | '*' | '.')))
}

/// Shannon entropy in bits per character.
fn entropy(value: &str) -> f64 {
    let mut counts: std::collections::BTreeMap<char, usize> = std::collections::BTreeMap::new();
    let mut total = 0_usize;
    for character in value.chars() {
        *counts.entry(character).or_default() += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    counts
        .values()
        .map(|count| {
            let share = *count as f64 / total;
            -share * share.log2()
        })
        .sum()
}

/// True when a value looks like a credential by itself: a known token prefix, an
/// `Authorization` scheme with a literal token, or a long random-looking string.
pub(crate) fn looks_like_secret(value: &str) -> bool {
    let trimmed = value.trim();
    let token = strip_scheme(trimmed);
    if token.len() < 8 {
        return false;
    }
    if TOKEN_PREFIXES
        .iter()
        .any(|prefix| token.starts_with(prefix) && token.len() >= prefix.len() + 8)
    {
        return true;
    }
    if token.len() != trimmed.len() && token.len() >= 12 && !token.contains(char::is_whitespace) {
        // `Bearer <literal>`, `Basic <literal>`.
        return true;
    }
    random_looking(token)
}

/// A long string of token characters with letters and digits and high entropy (not a path, a
/// URL, a version, a package name or a hex digest, which are not secrets).
fn random_looking(token: &str) -> bool {
    if token.len() < 24 || token.len() > 512 {
        return false;
    }
    if !token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '=' | '.'))
    {
        return false;
    }
    if token.contains("://") || token.starts_with('/') || token.starts_with('.') {
        return false;
    }
    if token.contains('/') && token.chars().filter(|c| *c == '/').count() > 1 {
        return false;
    }
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let has_upper = token.chars().any(|c| c.is_ascii_uppercase());
    let has_lower = token.chars().any(|c| c.is_ascii_lowercase());
    // Lowercase-hex strings are digests and commit ids more often than secrets.
    let hex_only = token.chars().all(|c| c.is_ascii_hexdigit());
    let entropy = entropy(token);
    // Mixed case with digits is how tokens look; lowercase with digits (not hex) only when
    // nearly random, since long lowercase names with a year in them are common.
    (has_digit && has_lower && has_upper && entropy >= 3.8)
        || (has_digit && has_lower && !hex_only && entropy >= 4.2)
}

/// The part of a longer literal that is a credential: a token-shaped word inside it, as in
/// `{"Authorization": "Bearer ntn_…"}` or `token=ghp_…;mode=fast`.
pub(crate) fn embedded_secret(value: &str) -> Option<String> {
    let is_token_character =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '=' | '.');
    // References are names, not secrets: blank them out first.
    let mut literal = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(character) = rest.chars().next() {
        let reference_length = reference_at(rest);
        if reference_length > 0 {
            literal.push(' ');
            rest = rest.get(reference_length..).unwrap_or_default();
        } else {
            literal.push(character);
            rest = rest.get(character.len_utf8()..).unwrap_or_default();
        }
    }
    let words: Vec<&str> = literal
        .split(|c: char| !is_token_character(c))
        .filter(|word| !word.is_empty())
        .collect();
    for (position, word) in words.iter().enumerate() {
        let after_scheme = position
            .checked_sub(1)
            .and_then(|before| words.get(before))
            .is_some_and(|before| {
                matches!(
                    before.to_ascii_lowercase().as_str(),
                    "bearer" | "basic" | "token"
                )
            });
        if (after_scheme && word.len() >= 12) || looks_like_secret(word) {
            return Some((*word).to_owned());
        }
    }
    None
}

/// `Bearer abc` → `abc`; anything else unchanged.
fn strip_scheme(value: &str) -> &str {
    for scheme in ["Bearer ", "bearer ", "Basic ", "basic ", "Token ", "token "] {
        if let Some(rest) = value.strip_prefix(scheme) {
            return rest.trim_start();
        }
    }
    value
}

/// Classifies the value of a variable, header or flag called `name`.
pub(crate) fn classify(name: &str, value: &str) -> ValueClass {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return ValueClass::Empty;
    }
    if is_reference(trimmed) {
        return ValueClass::Reference;
    }
    if looks_like_secret(trimmed) || embedded_secret(trimmed).is_some() {
        return ValueClass::Secret;
    }
    if is_credential_name(name) {
        if is_placeholder(trimmed) {
            return ValueClass::Placeholder;
        }
        // Flags and booleans are settings, not credentials (`AUTH_ENABLED=true`).
        let lower = trimmed.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "true" | "false" | "0" | "1" | "yes" | "no" | "on" | "off" | "none" | "null"
        ) {
            return ValueClass::Literal;
        }
        return ValueClass::Secret;
    }
    ValueClass::Literal
}

/// The redacted form of a secret: its auth scheme if any, the first four characters, and `…`
/// (only `…` for short values, whose first characters would be most of them). A longer
/// literal with a token inside is shown by that token only.
pub(crate) fn redact(value: &str) -> String {
    let trimmed = value.trim();
    if !looks_like_secret(trimmed) && strip_scheme(trimmed).len() == trimmed.len() {
        if let Some(token) = embedded_secret(trimmed).filter(|token| token.len() < trimmed.len()) {
            return redact(&token);
        }
    }
    let token = strip_scheme(trimmed);
    let scheme = trimmed
        .get(..trimmed.len() - token.len())
        .unwrap_or_default();
    if token.chars().count() < 12 {
        return format!("{scheme}…");
    }
    let head: String = token.chars().take(4).collect();
    format!("{scheme}{head}…")
}

/// Flags whose next argument is a credential (`--api-key VALUE`).
pub(crate) fn is_credential_flag(argument: &str) -> bool {
    argument.starts_with('-') && !argument.contains('=') && is_credential_name(argument)
}

/// A URL with its credentials taken out: the password of the user part, values of query
/// parameters, and path segments that look like tokens are replaced by `…`. Returns the safe
/// form and, when something was a literal secret, its redacted form.
pub(crate) fn sanitize_url(url: &str) -> (String, Option<String>) {
    let trimmed = url.trim();
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, trimmed),
    };
    let (before_fragment, _) = rest.split_once('#').unwrap_or((rest, ""));
    let (authority_and_path, query) = match before_fragment.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (before_fragment, None),
    };
    let (authority, path) = match authority_and_path.find('/') {
        Some(position) => (
            authority_and_path.get(..position).unwrap_or_default(),
            authority_and_path.get(position..).unwrap_or_default(),
        ),
        None => (authority_and_path, ""),
    };
    let mut secret: Option<String> = None;
    let host = match authority.rsplit_once('@') {
        Some((user_part, host)) => {
            let (_, password) = user_part.split_once(':').unwrap_or((user_part, ""));
            let literal = if password.is_empty() {
                user_part
            } else {
                password
            };
            if !is_reference(literal) {
                secret.get_or_insert_with(|| redact(literal));
            }
            format!("…@{host}")
        }
        None => authority.to_owned(),
    };
    let path: Vec<String> = path
        .split('/')
        .map(|segment| {
            if !is_reference(segment) && looks_like_secret(segment) {
                secret.get_or_insert_with(|| redact(segment));
                "…".to_owned()
            } else {
                segment.to_owned()
            }
        })
        .collect();
    let mut safe = match scheme {
        Some(scheme) => format!("{scheme}://{host}{}", path.join("/")),
        None => format!("{host}{}", path.join("/")),
    };
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                if value.is_empty() || is_reference(value) {
                    return pair.to_owned();
                }
                if matches!(classify(name, value), ValueClass::Secret) {
                    secret.get_or_insert_with(|| redact(value));
                }
                format!("{name}=…")
            })
            .collect();
        if !parameters.is_empty() {
            safe.push('?');
            safe.push_str(&parameters.join("&"));
        }
    }
    (safe, secret)
}

/// The host of a URL (lowercase, without port, brackets kept off IPv6), if it has one.
pub(crate) fn url_host(url: &str) -> Option<String> {
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = if let Some(inner) = host_port.strip_prefix('[') {
        inner.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The scheme of a URL, lowercase.
pub(crate) fn url_scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.trim().split_once("://")?;
    let mut characters = scheme.chars();
    let valid = characters.next().is_some_and(|c| c.is_ascii_alphabetic())
        && characters.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// True for hosts that never leave the machine.
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host == "0:0:0:0:0:0:0:1"
        || host == "0.0.0.0"
        || host
            .strip_prefix("127.")
            .is_some_and(|rest| rest.split('.').count() == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_not_secrets() {
        for value in [
            "${GITHUB_TOKEN}",
            "$GITHUB_TOKEN",
            "${env:GITHUB_TOKEN}",
            "${input:github-token}",
            "Bearer ${API_KEY}",
            "{env:API_KEY}",
            "%API_KEY%",
        ] {
            assert!(is_reference(value), "{value}");
            assert_eq!(classify("GITHUB_TOKEN", value), ValueClass::Reference);
        }
        assert!(!is_reference("abc${X}def123secret"));
        assert!(!is_reference("plain"));
    }

    #[test]
    fn literal_credentials_are_secrets_and_settings_are_not() {
        assert_eq!(
            classify(
                "GITHUB_PERSONAL_ACCESS_TOKEN",
                "ghp_0123456789abcdefghijABCDEFGHIJ012345"
            ),
            ValueClass::Secret
        );
        assert_eq!(
            classify("ANY", "sk-proj-abcdefghij0123456789"),
            ValueClass::Secret
        );
        assert_eq!(
            classify("Authorization", "Bearer abcdefghijklmnop"),
            ValueClass::Secret
        );
        assert_eq!(classify("DB_PASSWORD", "hunter22"), ValueClass::Secret);
        assert_eq!(
            classify("API_KEY", "<your-api-key>"),
            ValueClass::Placeholder
        );
        assert_eq!(
            classify("API_KEY", "YOUR_API_KEY_HERE"),
            ValueClass::Placeholder
        );
        assert_eq!(classify("LOG_LEVEL", "debug"), ValueClass::Literal);
        assert_eq!(classify("AUTH_ENABLED", "true"), ValueClass::Literal);
        assert_eq!(classify("TOKEN", ""), ValueClass::Empty);
        // Paths, URLs, package names and digests are not secrets by shape.
        for value in [
            "/home/user/projects/some-long-directory-name",
            "https://api.example.com/v1/resources",
            "@modelcontextprotocol/server-filesystem",
            "0123456789abcdef0123456789abcdef01234567",
        ] {
            assert_eq!(
                classify("PATH_OR_URL", value),
                ValueClass::Literal,
                "{value}"
            );
        }
        assert_eq!(
            classify("OTHER", "Zx8kQ2vT9mN4pL7wR1sY6uB3cF5hJ0dG"),
            ValueClass::Secret
        );
    }

    #[test]
    fn credential_names() {
        for name in [
            "GITHUB_TOKEN",
            "OPENAI_API_KEY",
            "Authorization",
            "X-Api-Key",
            "--api-key",
            "--token",
            "SLACK_BOT_TOKEN",
            "DB_PASSWORD",
            "GITHUB_PAT",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        assert!(is_credential_name("PGPASSWORD") && is_credential_name("accessToken"));
        for name in [
            "LOG_LEVEL",
            "PATH",
            "signal",
            "DEBUG",
            "HOME",
            "--port",
            "Accept",
            "MAX_TOKENS",
            "TOKENIZER_PATH",
            "AUTHOR",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn redaction_keeps_at_most_four_characters() {
        assert_eq!(redact("ghp_0123456789abcdefghij"), "ghp_…");
        assert_eq!(redact("Bearer sk-abcdefghijklmnop"), "Bearer sk-a…");
        assert_eq!(redact("short"), "…");
        let headers = r#"{"Authorization": "Bearer ntn_0123456789abcdefghij", "Notion-Version": "2022-06-28"}"#;
        assert_eq!(classify("OPENAPI_MCP_HEADERS", headers), ValueClass::Secret);
        assert_eq!(redact(headers), "ntn_…");
        assert_eq!(
            classify(
                "OPTIONS",
                r#"{"Authorization": "Bearer ${A_LONG_TOKEN_NAME}"}"#
            ),
            ValueClass::Literal
        );
    }

    #[test]
    fn urls_lose_their_credentials() {
        let (safe, secret) = sanitize_url("https://user:hunter2hunter2@mcp.example.com/sse");
        assert_eq!(safe, "https://…@mcp.example.com/sse");
        assert_eq!(secret.as_deref(), Some("hunt…"));
        let (safe, secret) =
            sanitize_url("https://mcp.example.com/sse?api_key=abcdefghijklmnop123&mode=fast");
        assert_eq!(safe, "https://mcp.example.com/sse?api_key=…&mode=…");
        assert_eq!(secret.as_deref(), Some("abcd…"));
        let (safe, secret) =
            sanitize_url("https://actions.example.com/mcp/Zx8kQ2vT9mN4pL7wR1sY6uB3cF5hJ0dG/sse");
        assert_eq!(safe, "https://actions.example.com/mcp/…/sse");
        assert!(secret.is_some());
        let (safe, secret) = sanitize_url("http://localhost:3000/mcp?token=${TOKEN}");
        assert_eq!(safe, "http://localhost:3000/mcp?token=${TOKEN}");
        assert_eq!(secret, None);
    }

    #[test]
    fn hosts_and_loopback() {
        assert_eq!(
            url_host("https://u:p@Example.com:8443/x").as_deref(),
            Some("example.com")
        );
        assert_eq!(url_host("http://[::1]:8080/mcp").as_deref(), Some("::1"));
        assert!(is_loopback("127.0.0.1") && is_loopback("localhost") && is_loopback("::1"));
        assert!(!is_loopback("127.example.com") && !is_loopback("10.0.0.1"));
    }
}
