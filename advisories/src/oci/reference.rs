//! `oci://HOST[:PORT]/REPO[:TAG|@sha256:HEX]`: the one way an operator names a registry artifact.
//! The scheme is required so that a path on disk is never taken for a registry (and the network
//! is used only when the operator wrote `oci://`); the host is required (no implicit Docker Hub:
//! an isolated network's registry is named, never guessed).

use std::fmt;

use super::RegistryError;

/// The prefix that marks a registry reference on the command line.
pub const SCHEME: &str = "oci://";

/// A parsed `oci://` reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// `HOST` or `HOST:PORT`, lower-cased: the only host the client talks to.
    pub registry: String,
    /// The repository path (`team/app`), lower case letters, digits and separators only.
    pub repository: String,
    /// The tag, when one was given (`latest` is never assumed).
    pub tag: Option<String>,
    /// The manifest digest (`sha256:…`), when one was given; it pins the content.
    pub digest: Option<String>,
}

impl Reference {
    /// Whether a command-line argument names a registry artifact.
    pub fn is_oci(argument: &str) -> bool {
        argument.starts_with(SCHEME)
    }

    /// Parses `oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX]`. A reference with neither a tag nor a
    /// digest is refused: which image was meant must be explicit.
    pub fn parse(text: &str) -> Result<Reference, RegistryError> {
        let invalid = |why: &str| RegistryError::InvalidReference {
            reference: text.to_owned(),
            reason: why.to_owned(),
        };
        let rest = text
            .strip_prefix(SCHEME)
            .ok_or_else(|| invalid("it does not start with oci://"))?;
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| invalid("it names no repository (oci://HOST/REPO:TAG)"))?;
        if !valid_registry(registry) {
            return Err(invalid("the host is not HOST or HOST:PORT"));
        }
        let (without_digest, digest) = match path.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (path, None),
        };
        let last_slash = without_digest.rfind('/').map_or(0, |position| position + 1);
        let (repository, tag) = match without_digest
            .get(last_slash..)
            .and_then(|last| last.rfind(':'))
        {
            Some(colon) => (
                without_digest.get(..last_slash + colon).unwrap_or_default(),
                without_digest.get(last_slash + colon + 1..),
            ),
            None => (without_digest, None),
        };
        if !valid_repository(repository) {
            return Err(invalid(
                "the repository must be lower-case path components ([a-z0-9] separated by . _ - /)",
            ));
        }
        if let Some(tag) = tag {
            if !valid_tag(tag) {
                return Err(invalid(
                    "the tag must be 1 to 128 of [A-Za-z0-9_.-], not starting with . or -",
                ));
            }
        }
        if let Some(digest) = digest {
            if !super::valid_digest(digest) {
                return Err(invalid(
                    "the digest must be sha256: followed by 64 lower-case hex digits",
                ));
            }
        }
        if tag.is_none() && digest.is_none() {
            return Err(invalid(
                "it names no tag and no digest (REPO:TAG or REPO@sha256:…)",
            ));
        }
        Ok(Reference {
            registry: registry.to_ascii_lowercase(),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
        })
    }

    /// What a manifest request names: the digest when pinned, else the tag.
    pub fn manifest_reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or_default()
    }

    /// The same repository at another tag or digest.
    pub fn with_reference(&self, reference: &str) -> Reference {
        let mut other = Reference {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: None,
            digest: None,
        };
        if reference.starts_with("sha256:") {
            other.digest = Some(reference.to_owned());
        } else {
            other.tag = Some(reference.to_owned());
        }
        other
    }

    /// The host without the port (for comparing with redirect and token hosts).
    pub fn host(&self) -> &str {
        host_of(&self.registry)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{SCHEME}{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(formatter, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(formatter, "@{digest}")?;
        }
        Ok(())
    }
}

/// `HOST` of `HOST:PORT` (an IPv6 literal keeps its brackets).
pub(super) fn host_of(registry: &str) -> &str {
    if registry.starts_with('[') {
        return registry
            .find(']')
            .and_then(|end| registry.get(..=end))
            .unwrap_or(registry);
    }
    registry.split(':').next().unwrap_or(registry)
}

fn valid_registry(registry: &str) -> bool {
    let (host, port) = if let Some(inside) = registry.strip_prefix('[') {
        match inside.split_once(']') {
            Some((host, port)) => (host, port),
            None => return false,
        }
    } else {
        match registry.find(':') {
            Some(colon) => (
                registry.get(..colon).unwrap_or_default(),
                registry.get(colon..).unwrap_or_default(),
            ),
            None => (registry, ""),
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit())
                && digits.parse::<u16>().is_ok()
        });
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b':'));
    port_ok && host_ok
}

/// The distribution spec's repository name grammar: `[a-z0-9]+([._-][a-z0-9]+)*` components
/// joined by `/`. It keeps a name from carrying `..`, `%` or a query into a URL.
fn valid_repository(repository: &str) -> bool {
    !repository.is_empty()
        && repository.len() <= 255
        && repository.split('/').all(|component| {
            !component.is_empty()
                && component.bytes().all(|byte| {
                    byte.is_ascii_lowercase()
                        || byte.is_ascii_digit()
                        || matches!(byte, b'.' | b'_' | b'-')
                })
                && component
                    .bytes()
                    .next()
                    .is_some_and(|byte| byte.is_ascii_alphanumeric())
                && component
                    .bytes()
                    .last()
                    .is_some_and(|byte| byte.is_ascii_alphanumeric())
                && !component.contains("..")
        })
}

/// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub(super) fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 128
        && tag
            .bytes()
            .next()
            .is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
        && tag
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_digests_and_ports() {
        let reference = Reference::parse("oci://127.0.0.1:5000/team/app:1.0").unwrap();
        assert_eq!(reference.registry, "127.0.0.1:5000");
        assert_eq!(reference.repository, "team/app");
        assert_eq!(reference.tag.as_deref(), Some("1.0"));
        assert_eq!(reference.digest, None);
        assert_eq!(reference.host(), "127.0.0.1");
        assert_eq!(reference.to_string(), "oci://127.0.0.1:5000/team/app:1.0");

        let digest = format!("sha256:{}", "a".repeat(64));
        let pinned = Reference::parse(&format!("oci://Registry.Example/app@{digest}")).unwrap();
        assert_eq!(pinned.registry, "registry.example");
        assert_eq!(pinned.tag, None);
        assert_eq!(pinned.manifest_reference(), digest);

        let both = Reference::parse(&format!("oci://r.example/app:v1@{digest}")).unwrap();
        assert_eq!(both.tag.as_deref(), Some("v1"));
        assert_eq!(both.manifest_reference(), digest);
    }

    #[test]
    fn refuses_what_could_escape_or_is_ambiguous() {
        for bad in [
            "127.0.0.1:5000/app:1",
            "oci://app:1",
            "oci://127.0.0.1:5000/app",
            "oci://127.0.0.1:5000/../app:1",
            "oci://127.0.0.1:5000/App:1",
            "oci://127.0.0.1:5000/app:-x",
            "oci://127.0.0.1:5000/app@sha256:abc",
            "oci://127.0.0.1:5000/app@md5:0123",
            "oci://127.0.0.1:99999999/app:1",
            "oci://user:pass@host/app:1",
            "oci://host/app%2f..:1",
            "oci://host/app?x=1:1",
            "oci:///app:1",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ipv6_hosts_keep_their_brackets() {
        let reference = Reference::parse("oci://[::1]:5000/app:1").unwrap();
        assert_eq!(reference.registry, "[::1]:5000");
        assert_eq!(reference.host(), "[::1]");
    }
}
