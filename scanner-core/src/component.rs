//! Components and their identity. A component is one package (or model, or file) at one version
//! from one source; [`ComponentKey`] is that identity and everything else (hashes, licenses,
//! evidence) is merged onto it when several files name the same thing.

use std::collections::BTreeSet;
use std::fmt;

use crate::ecosystem::Ecosystem;
use crate::facts::Facts;
use crate::location::Evidence;
use crate::name::PackageName;
use crate::purl::Purl;

/// Where a component comes from. Part of the identity: `serde 1.0.0` from crates.io and from a
/// git fork are different components.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A package index; `None` is the ecosystem's default (crates.io, pypi.org).
    Registry {
        /// The index URL as written; `None` for the ecosystem's default.
        index: Option<String>,
    },
    /// A git repository, with the reference that was asked for and the commit that was locked.
    Git {
        /// The repository as the input wrote it (credentials are redacted by the link stage).
        url: String,
        /// The branch, tag or revision the input asked for, if any.
        reference: Option<GitReference>,
        /// The commit the lock resolved it to, if locked.
        commit: Option<String>,
    },
    /// A local directory (a workspace member or a path dependency), scan-relative.
    Path {
        /// The directory, scan-relative.
        path: String,
    },
    /// A direct download URL.
    Url {
        /// The URL as written (credentials are redacted by the link stage).
        url: String,
    },
    /// A file found by the scan itself (model weights, scripts), scan-relative.
    File {
        /// The file, scan-relative.
        path: String,
    },
}

/// What a git dependency asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GitReference {
    /// A branch, which moves: what it names can change under the same lock entry.
    Branch(String),
    /// A tag.
    Tag(String),
    /// A revision (a commit id or another git revision expression).
    Rev(String),
}

impl Source {
    /// The default registry of any ecosystem.
    pub const DEFAULT_REGISTRY: Source = Source::Registry { index: None };

    /// A short stable word for the kind of source.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Registry { .. } => "registry",
            Source::Git { .. } => "git",
            Source::Path { .. } => "path",
            Source::Url { .. } => "url",
            Source::File { .. } => "file",
        }
    }

    /// True for a local directory (a workspace member, a path dependency, a local Python
    /// project): its code is whatever is on disk, so registry advisories never speak for it.
    pub fn is_local_project(&self) -> bool {
        matches!(self, Source::Path { .. })
    }

    /// True for the ecosystem's default registry.
    pub fn is_default_registry(&self) -> bool {
        matches!(self, Source::Registry { index: None })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Registry { index: None } => formatter.write_str("registry"),
            Source::Registry { index: Some(index) } => write!(formatter, "registry {index}"),
            Source::Git {
                url,
                reference,
                commit,
            } => {
                write!(formatter, "git {url}")?;
                match reference {
                    Some(GitReference::Branch(branch)) => write!(formatter, " branch={branch}")?,
                    Some(GitReference::Tag(tag)) => write!(formatter, " tag={tag}")?,
                    Some(GitReference::Rev(rev)) => write!(formatter, " rev={rev}")?,
                    None => {}
                }
                if let Some(commit) = commit {
                    write!(formatter, " #{commit}")?;
                }
                Ok(())
            }
            Source::Path { path } => write!(formatter, "path {path}"),
            Source::Url { url } => write!(formatter, "url {url}"),
            Source::File { path } => write!(formatter, "file {path}"),
        }
    }
}

/// The identity of a component: (ecosystem, normalized name, version, source).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentKey {
    /// The ecosystem whose rules name and version the package.
    pub ecosystem: Ecosystem,
    /// The name, normalized per ecosystem for identity.
    pub name: PackageName,
    /// `None` when the input does not pin a version (a bare requirement, a manifest range).
    pub version: Option<String>,
    /// Where the package comes from.
    pub source: Source,
}

impl ComponentKey {
    /// A key from its four parts; the purl and the reference derive from them.
    pub fn new(
        ecosystem: Ecosystem,
        name: PackageName,
        version: Option<String>,
        source: Source,
    ) -> Self {
        ComponentKey {
            ecosystem,
            name,
            version,
            source,
        }
    }

    /// The key of something found in the file at `path` (the file itself, or a server or tool
    /// it declares): a generic name with no version whose source is that file, so that the same
    /// name in two files stays two components.
    pub fn in_file(name: PackageName, path: &str) -> Self {
        ComponentKey::new(
            Ecosystem::GenericFile,
            name,
            None,
            Source::File {
                path: path.to_owned(),
            },
        )
    }

    /// The purl derived from this key.
    pub fn purl(&self) -> Purl {
        Purl::for_key(self)
    }

    /// A reference unique within one scan (SBOM `bom-ref`, JSON `ref`): the purl, plus the
    /// directory for local sources, whose purls alone do not tell two checkouts apart.
    pub fn reference(&self) -> String {
        self.reference_and_purl().0
    }

    /// [`ComponentKey::reference`] and the length of the purl it starts with (a writer that
    /// needs both formats the purl once).
    pub fn reference_and_purl(&self) -> (String, usize) {
        let purl = self.purl().to_string();
        let length = purl.len();
        match &self.source {
            Source::Path { path } | Source::File { path } => {
                (format!("{purl}#path={path}"), length)
            }
            Source::Registry { .. } | Source::Git { .. } | Source::Url { .. } => (purl, length),
        }
    }
}

impl fmt::Display for ComponentKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}", self.ecosystem, self.name)?;
        if let Some(version) = &self.version {
            write!(formatter, " {version}")?;
        }
        if !self.source.is_default_registry() {
            write!(formatter, " ({})", self.source)?;
        }
        Ok(())
    }
}

/// What kind of thing a component is (mirrors the CycloneDX component types airlock emits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentKind {
    /// A first-party project: a workspace member or the scanned application itself.
    Application,
    /// A third-party package.
    Library,
    /// A machine-learning model.
    MachineLearningModel,
    /// A dataset.
    Data,
    /// A plain file.
    File,
    /// A service an agent client launches or connects to: an MCP server (stdio command or
    /// remote URL), read from the client's configuration.
    McpServer,
    /// A tool an agent may call, as declared to the model (name, description, input schema).
    AgentTool,
    /// A command an agent client runs on an event (a Claude Code or Cursor hook, an
    /// `apiKeyHelper`, Codex `notify`), read from its settings.
    AgentHook,
    /// An agent client's settings file, as far as it decides what runs without asking
    /// (permissions, approval modes, environment, base URLs).
    AgentSettings,
    /// A file of instructions the model is told to follow (`AGENTS.md`, `CLAUDE.md`,
    /// `.cursorrules`, a skill's `SKILL.md`, …).
    AgentInstructions,
}

impl ComponentKind {
    /// Every kind, in declaration order.
    pub const ALL: [ComponentKind; 10] = [
        ComponentKind::Application,
        ComponentKind::Library,
        ComponentKind::MachineLearningModel,
        ComponentKind::Data,
        ComponentKind::File,
        ComponentKind::McpServer,
        ComponentKind::AgentTool,
        ComponentKind::AgentHook,
        ComponentKind::AgentSettings,
        ComponentKind::AgentInstructions,
    ];

    /// Reads [`ComponentKind::as_str`] back.
    pub fn from_name(name: &str) -> Option<ComponentKind> {
        ComponentKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The kind as the outputs write it (`library`, `machine-learning-model`, `mcp-server`).
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Application => "application",
            ComponentKind::Library => "library",
            ComponentKind::MachineLearningModel => "machine-learning-model",
            ComponentKind::Data => "data",
            ComponentKind::File => "file",
            ComponentKind::McpServer => "mcp-server",
            ComponentKind::AgentTool => "agent-tool",
            ComponentKind::AgentHook => "agent-hook",
            ComponentKind::AgentSettings => "agent-settings",
            ComponentKind::AgentInstructions => "agent-instructions",
        }
    }
}

/// How a component is needed, from weakest to strongest; `Ord` follows that strength so that
/// "the strongest scope by which any root reaches it" is a `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Only for development and tests.
    Dev,
    /// Only behind an optional feature or extra.
    Optional,
    /// Only to build (build scripts, build backends).
    Build,
    /// Needed at run time.
    Required,
}

impl Scope {
    /// The scope as the outputs write it (`required`, `dev`, `build`, `optional`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Dev => "dev",
            Scope::Optional => "optional",
            Scope::Build => "build",
            Scope::Required => "required",
        }
    }
}

/// The kind of a dependency edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// A dependency needed at run time.
    Normal,
    /// A dependency for development and tests only.
    Dev,
    /// A dependency for building (Cargo build-dependencies, build-system requirements).
    Build,
    /// A dependency installed only on request (an extra, an optional feature).
    Optional,
}

impl EdgeKind {
    /// The kind as the outputs write it (`normal`, `dev`, `build`, `optional`).
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Normal => "normal",
            EdgeKind::Dev => "dev",
            EdgeKind::Build => "build",
            EdgeKind::Optional => "optional",
        }
    }

    /// The scope a path keeps when it runs through an edge of this kind.
    pub fn scope(self) -> Scope {
        match self {
            EdgeKind::Normal => Scope::Required,
            EdgeKind::Dev => Scope::Dev,
            EdgeKind::Build => Scope::Build,
            EdgeKind::Optional => Scope::Optional,
        }
    }
}

/// What an edge says beyond its kind. Python locks guard dependencies with PEP 508 environment
/// markers and request extras; model lineage says how a model derives from its base. Kept on the
/// edge because the same target can be reached under different conditions from different places.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeDetails {
    /// PEP 508 environment marker under which the dependency applies, as written.
    pub marker: Option<String>,
    /// Extras requested of the target, sorted and deduplicated.
    pub extras: Vec<String>,
    /// How the target relates to the source (model lineage: `finetune`, `adapter`, ...).
    pub relation: Option<String>,
}

impl EdgeDetails {
    /// True when the edge says nothing beyond its kind.
    pub fn is_empty(&self) -> bool {
        self.marker.is_none() && self.extras.is_empty() && self.relation.is_none()
    }

    /// Details holding only `marker`; a blank marker is no marker.
    pub fn with_marker(marker: Option<String>) -> EdgeDetails {
        EdgeDetails {
            marker: marker.filter(|marker| !marker.trim().is_empty()),
            ..EdgeDetails::default()
        }
    }

    /// Combines what two sources said about the same edge: the dependency applies when either
    /// marker holds (an unconditional edge stays unconditional), extras are united, and the
    /// first relation named is kept.
    pub fn merge(&mut self, other: &EdgeDetails) {
        self.marker = match (self.marker.take(), &other.marker) {
            (Some(mine), Some(theirs)) if mine != *theirs => {
                Some(format!("({mine}) or ({theirs})"))
            }
            (Some(mine), Some(_)) => Some(mine),
            // Either side unconditional: the union is unconditional.
            (None, _) | (Some(_), None) => None,
        };
        self.extras.extend(other.extras.iter().cloned());
        self.extras.sort();
        self.extras.dedup();
        if self.relation.is_none() {
            self.relation.clone_from(&other.relation);
        }
    }
}

/// Supported digest algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// SHA-256, the digest airlock computes itself.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA-1, read from inputs only.
    Sha1,
    /// MD5, read from inputs only.
    Md5,
    /// BLAKE2b-256.
    Blake2b256,
}

impl HashAlgorithm {
    /// The algorithm as the outputs write it (`sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
            HashAlgorithm::Sha1 => "sha1",
            HashAlgorithm::Md5 => "md5",
            HashAlgorithm::Blake2b256 => "blake2b-256",
        }
    }

    /// Length of the digest in hex characters.
    pub fn hex_length(self) -> usize {
        match self {
            HashAlgorithm::Sha256 | HashAlgorithm::Blake2b256 => 64,
            HashAlgorithm::Sha384 => 96,
            HashAlgorithm::Sha512 => 128,
            HashAlgorithm::Sha1 => 40,
            HashAlgorithm::Md5 => 32,
        }
    }

    /// Reads the names used by lockfiles (`sha256`, `SHA-256`, `blake2b_256`).
    pub fn from_name(name: &str) -> Option<HashAlgorithm> {
        let folded: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match folded.as_str() {
            "sha256" => Some(HashAlgorithm::Sha256),
            "sha384" => Some(HashAlgorithm::Sha384),
            "sha512" => Some(HashAlgorithm::Sha512),
            "sha1" => Some(HashAlgorithm::Sha1),
            "md5" => Some(HashAlgorithm::Md5),
            "blake2b256" => Some(HashAlgorithm::Blake2b256),
            _ => None,
        }
    }
}

/// A digest of a component's artifact, read from hex of the algorithm's length and written as
/// lowercase hex.
///
/// The digest is held as its bytes, inline: a large lock has thousands (one per wheel), and a
/// heap string each was one allocation and twice the bytes per digest. The order is the order
/// of the lowercase hex (same algorithm, same length, bytes compared as the hex compares).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash {
    algorithm: HashAlgorithm,
    /// The digest in `digest[..length]`; the rest is zero.
    length: u8,
    digest: [u8; MAX_DIGEST_BYTES],
}

/// The longest digest airlock reads: SHA-512's 64 bytes.
const MAX_DIGEST_BYTES: usize = 64;

impl std::fmt::Debug for Hash {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "Hash({}:{})",
            self.algorithm.as_str(),
            self.value()
        )
    }
}

/// A digest string that does not fit its algorithm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a {algorithm} digest ({expected} hex characters)", algorithm = algorithm.as_str(), expected = algorithm.hex_length())]
pub struct InvalidHash {
    /// The algorithm the digest was said to be of.
    pub algorithm: HashAlgorithm,
    /// The text that is not such a digest (its first 200 characters).
    pub value: String,
}

impl Hash {
    /// A digest of `algorithm` from hex text: trimmed, of the algorithm's length, lowercased.
    pub fn new(algorithm: HashAlgorithm, value: &str) -> Result<Hash, InvalidHash> {
        let value = value.trim();
        let invalid = || InvalidHash {
            algorithm,
            value: value.chars().take(200).collect(),
        };
        let hex = value.as_bytes();
        let length = algorithm.hex_length() / 2;
        if hex.len() != algorithm.hex_length() || length > MAX_DIGEST_BYTES {
            return Err(invalid());
        }
        // Checked and decoded in one pass: a large lock has thousands of digests, and a second
        // pass over text read from a megabyte file ran at memory's speed, not the cache's.
        let mut digest = [0; MAX_DIGEST_BYTES];
        let mut not_hex = 0;
        for (byte, pair) in digest.iter_mut().zip(hex.chunks_exact(2)) {
            if let [high, low] = pair {
                let (high, low) = (nibble(*high), nibble(*low));
                not_hex |= high | low;
                *byte = high << 4 | low;
            }
        }
        if not_hex & NOT_HEX != 0 {
            return Err(invalid());
        }
        Ok(Hash {
            algorithm,
            length: u8::try_from(length).map_err(|_| invalid())?,
            digest,
        })
    }

    /// The digest's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.digest
            .get(..usize::from(self.length))
            .unwrap_or_default()
    }

    /// The algorithm of the digest.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The digest as lowercase hex.
    pub fn value(&self) -> String {
        let mut hex = String::with_capacity(self.bytes().len() * 2);
        self.write_hex(&mut hex);
        hex
    }

    /// Appends the digest as lowercase hex to `out`.
    pub fn write_hex(&self, out: &mut String) {
        let mut hex = [0; MAX_DIGEST_BYTES * 2];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(self.bytes()) {
            if let [high, low] = pair {
                *high = hex_digit(byte >> 4);
                *low = hex_digit(byte & 0x0f);
            }
        }
        let length = self.bytes().len() * 2;
        out.push_str(
            std::str::from_utf8(hex.get(..length).unwrap_or_default()).unwrap_or_default(),
        );
    }
}

/// The value of a hex digit (`0-9`, `a-f`, `A-F`), or [`NOT_HEX`] for any other byte: one table
/// read, so a digest is checked and decoded without a branch per character.
fn nibble(digit: u8) -> u8 {
    NIBBLES.get(usize::from(digit)).copied().unwrap_or(NOT_HEX)
}

/// What [`nibble`] gives a byte that is no hex digit: a bit no digit's value has.
const NOT_HEX: u8 = 0x10;

/// [`nibble`]'s table, made at compile time: an index out of bounds here fails the build, it
/// cannot panic at run time.
#[allow(clippy::indexing_slicing)]
const NIBBLES: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 10 {
        table[b'0' as usize + digit] = digit as u8;
        digit += 1;
    }
    let mut letter = 0;
    while letter < 6 {
        table[b'a' as usize + letter] = 10 + letter as u8;
        table[b'A' as usize + letter] = 10 + letter as u8;
        letter += 1;
    }
    table
};

/// The lowercase hex digit of a value below 16.
fn hex_digit(value: u8) -> u8 {
    if value < 10 {
        b'0' + value
    } else {
        b'a' - 10 + value
    }
}

/// Facts about a component that risk rules act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentFlag {
    /// The input names the package without pinning one version.
    Unpinned,
    /// Installed in editable (development) mode from a local path: its code is whatever is on
    /// disk, not a released artifact.
    Editable,
}

impl ComponentFlag {
    /// The flag as the outputs write it (`unpinned`, `editable`).
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentFlag::Unpinned => "unpinned",
            ComponentFlag::Editable => "editable",
        }
    }
}

/// One component with everything known about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The identity every file's statements about the component are merged on.
    pub key: ComponentKey,
    /// What the component is; merged, first-party wins over third-party.
    pub kind: ComponentKind,
    /// The scope an extractor declared, later replaced by the scope computed from the roots.
    pub scope: Option<Scope>,
    /// Digests of its artifact, validated.
    pub hashes: BTreeSet<Hash>,
    /// License expressions as found (validated against SPDX when SBOMs are written).
    pub licenses: BTreeSet<String>,
    /// Every place the component was found, and by which extractor.
    pub evidence: BTreeSet<Evidence>,
    /// Facts the risk rules act on (unpinned, editable).
    pub flags: BTreeSet<ComponentFlag>,
    /// Everything else known about it, typed (requirement, markers, MCP server, tool, model
    /// card, weights file, ...).
    pub facts: Facts,
}

impl Component {
    /// A component with nothing known about it yet but its key and kind.
    pub fn new(key: ComponentKey, kind: ComponentKind) -> Component {
        Component {
            key,
            kind,
            scope: None,
            hashes: BTreeSet::new(),
            licenses: BTreeSet::new(),
            evidence: BTreeSet::new(),
            flags: BTreeSet::new(),
            facts: Facts::default(),
        }
    }

    /// The component, also found at `evidence`.
    pub fn with_evidence(mut self, evidence: Evidence) -> Component {
        self.evidence.insert(evidence);
        self
    }

    /// Folds what another file said about the same key into this component.
    pub fn merge(&mut self, other: Component) {
        debug_assert_eq!(self.key, other.key);
        // First-party beats third-party: a workspace member that another lockfile lists as a
        // plain package is still a workspace member.
        self.kind = self.kind.min(other.kind);
        self.scope = match (self.scope, other.scope) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.hashes.extend(other.hashes);
        self.licenses.extend(other.licenses);
        self.evidence.extend(other.evidence);
        self.flags.extend(other.flags);
        self.facts.merge(other.facts);
    }

    /// The purl of the component's key.
    pub fn purl(&self) -> Purl {
        self.key.purl()
    }

    /// The purl every output states: the one its source wrote when the key cannot say it (a
    /// component read back from an SBOM with a purl type airlock has no ecosystem for, a Debian
    /// or Alpine package), else the one derived from the key.
    pub fn stated_purl(&self) -> String {
        self.facts
            .original_purl
            .clone()
            .unwrap_or_else(|| self.purl().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_validated_and_lowercased() {
        let hash = Hash::new(HashAlgorithm::Sha256, &"AB".repeat(32)).unwrap();
        assert_eq!(hash.value(), "ab".repeat(32));
        assert_eq!(hash.bytes(), [0xab; 32]);
        let mixed = "0123456789abcdefABCDEF".repeat(6);
        let sha512 = Hash::new(HashAlgorithm::Sha512, &mixed[..128]).unwrap();
        assert_eq!(sha512.value(), mixed[..128].to_ascii_lowercase());
        assert!(Hash::new(HashAlgorithm::Sha256, "abc").is_err());
        assert!(Hash::new(HashAlgorithm::Sha256, &format!("{}g", "a".repeat(63))).is_err());
        assert!(Hash::new(HashAlgorithm::Sha256, &"é".repeat(32)).is_err());
        // Ordered as their lowercase hex is ordered.
        let mut hexes = ["0f", "f0", "a9", "9a", "00", "ff"].map(|pair| pair.repeat(32));
        let mut hashes: Vec<Hash> = hexes
            .iter()
            .map(|hex| Hash::new(HashAlgorithm::Sha256, hex).unwrap())
            .collect();
        hexes.sort();
        hashes.sort();
        assert_eq!(hashes.iter().map(Hash::value).collect::<Vec<_>>(), hexes);
        assert!(Hash::new(HashAlgorithm::Sha256, &"zz".repeat(32)).is_err());
        // The table agrees with the standard library on every byte, and a digest with any
        // byte that is no hex digit, anywhere, is refused.
        for byte in 0..=u8::MAX {
            let digit = char::from(byte).to_digit(16).filter(|_| byte.is_ascii());
            assert_eq!(
                (nibble(byte) & NOT_HEX == 0).then_some(u32::from(nibble(byte))),
                digit
            );
            if byte.is_ascii() {
                for position in [0, 31, 63] {
                    let mut text = vec![b'a'; 64];
                    text[position] = byte;
                    let text = String::from_utf8(text).unwrap();
                    assert_eq!(
                        Hash::new(HashAlgorithm::Sha256, &text).is_ok(),
                        digit.is_some(),
                        "{text:?}"
                    );
                }
            }
        }
        assert_eq!(
            HashAlgorithm::from_name("SHA-256"),
            Some(HashAlgorithm::Sha256)
        );
        assert_eq!(
            HashAlgorithm::from_name("blake2b_256"),
            Some(HashAlgorithm::Blake2b256)
        );
    }

    #[test]
    fn scope_strength_order() {
        assert!(Scope::Required > Scope::Build);
        assert!(Scope::Build > Scope::Optional);
        assert!(Scope::Optional > Scope::Dev);
    }
}
