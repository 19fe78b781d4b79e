//! The `airlock:` property names airlock writes into its CycloneDX documents so that reading one
//! back gives the same keys, kinds and edges (purls alone lose the git reference, the local path
//! and the edge kinds). Shared by the writer (scanner-cli) and the reader (this extractor).

/// The component's ecosystem (`crates.io`, `pypi`, ...), `Ecosystem::as_str`.
pub const ECOSYSTEM: &str = "airlock:ecosystem";
/// `registry`, `git`, `path`, `url` or `file` (`Source::kind`).
pub const SOURCE_KIND: &str = "airlock:source-kind";
/// Registry index, git repository or download URL.
pub const SOURCE_URL: &str = "airlock:source-url";
/// Scan-relative directory or file of a local source.
pub const SOURCE_PATH: &str = "airlock:source-path";
/// `branch=…`, `tag=…` or `rev=…` of a git source.
pub const GIT_REFERENCE: &str = "airlock:git-reference";
/// The locked commit of a git source.
pub const GIT_COMMIT: &str = "airlock:git-commit";
/// One `ComponentFlag::as_str` per property.
pub const FLAG: &str = "airlock:flag";
/// airlock's own scope (`dev`, `build`, ...), finer than CycloneDX's three.
pub const SCOPE: &str = "airlock:scope";
/// One extractor id that found the component, per property.
pub const EXTRACTOR: &str = "airlock:extractor";
/// An edge that is not one plain required dependency: a JSON object
/// `{"to": bom-ref, "kind": "dev", "marker": …, "extras": […], "relation": …}`. When a
/// component has any, its edges to those targets are exactly the ones listed.
pub const EDGE: &str = "airlock:edge";
/// The original purl of a component whose package type airlock has no ecosystem for.
pub const PURL: &str = "airlock:purl";
/// Marks the application airlock made up as the document's subject when a scan has several
/// roots; a reader skips it and takes its dependencies as the roots.
pub const SYNTHETIC: &str = "airlock:synthetic";
/// A rule that a finding about the component broke (`scan` only).
pub const FINDING: &str = "airlock:finding";
/// airlock's kind of a component whose kind the document's own type cannot say
/// (`mcp-server`, `agent-tool`), `ComponentKind::as_str`.
pub const KIND: &str = "airlock:kind";

/// Properties that describe the key and edges rather than the component: not kept as component
/// properties when read back.
pub const STRUCTURAL: &[&str] = &[
    ECOSYSTEM,
    SOURCE_KIND,
    SOURCE_URL,
    SOURCE_PATH,
    GIT_REFERENCE,
    GIT_COMMIT,
    FLAG,
    SCOPE,
    EXTRACTOR,
    EDGE,
    SYNTHETIC,
    FINDING,
    KIND,
];
