//! Risk analysis: rules with stable ids that turn a dependency graph (and, when a database is
//! present, advisories) into findings. One file per rule; the rule table is tested for unique,
//! described ids because they become SARIF rule ids and ignore keys.

mod alternative_registry;
mod artifact_file_modified;
mod chat_template;
mod installed_file_modified;
mod installed_integrity_unknown;
mod license_policy;
mod loader_join;
mod missing_hashes;
mod model_code;
mod model_external_data;
mod model_integrity;
pub mod model_license;
pub mod model_policy;
mod model_provenance;
mod non_registry_source;
pub mod pickle_imports;
mod pth_startup_code;
mod remote_code;
mod unpinned;
mod unrecorded_installed_file;
pub mod vulnerability;

// The agent layer: MCP server configs and tool declarations (extract/mcp).
mod mcp_auto_approve;
mod mcp_common;
mod mcp_credentials;
mod mcp_flows;
mod mcp_server_override;
mod mcp_shell;
mod mcp_tool_shadowing;
mod mcp_toxic_flow;
mod mcp_transport;
mod mcp_unpinned;
mod mcp_unreadable;
mod tool_hidden_instructions;

// The agent layer beyond MCP: hooks, settings and instruction files (extract/agent).
mod agent_base_url;
mod agent_blanket_permission;
mod agent_code_loading_env;
mod agent_common;
mod agent_download_execute;
mod agent_hidden_instructions;
mod agent_hook_outside_project;
mod agent_literal_secret;
mod agent_prompts_disabled;

use std::fmt;

use crate::component::ComponentKey;
use crate::graph::DependencyGraph;
use crate::location::Location;

pub use license_policy::{LicenseLists, LicensePolicy};
pub use model_policy::{LicenseRestriction, ModelPolicy};
pub use vulnerability::{
    AdvisoryKind, AdvisoryRef, CvssRating, MatchOutcome, VulnerabilitySource,
    VulnerabilitySourceError,
};

/// How bad a finding is. The five rated levels are ordered, so `--fail-on` is a comparison;
/// `Unknown` is a vulnerability whose advisory gives no usable rating. It is shown as unknown
/// and counts, for `--fail-on`, sorting and totals, as the policy says
/// ([`Severity::counted_as`], `unknown-severity` in airlock.toml, high by default). It sorts
/// above `Critical` in the derived order only so that a comparison that forgets `counted_as`
/// fails closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing, no risk by itself.
    Info,
    /// A low risk.
    Low,
    /// A medium risk.
    Medium,
    /// A high risk.
    High,
    /// A critical risk.
    Critical,
    /// No usable rating: counts as the policy's `unknown-severity`.
    Unknown,
}

/// How a finding of unknown severity counts when nothing says otherwise: as high, so that an
/// advisory nobody rated still stops the default gate.
pub const DEFAULT_UNKNOWN_COUNTS_AS: Severity = Severity::High;

impl Severity {
    /// The rated levels, lowest first: what a rating, `--fail-on` and the policy can name.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The level as the outputs write it (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
            Severity::Unknown => "unknown",
        }
    }

    /// A rated level by name (`unknown` is not one: it cannot be a threshold or an override).
    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// A severity as reports write it, `unknown` included (reading an attested SBOM).
    pub fn from_report(name: &str) -> Option<Severity> {
        if name.trim().eq_ignore_ascii_case(Severity::Unknown.as_str()) {
            Some(Severity::Unknown)
        } else {
            Severity::from_name(name)
        }
    }

    /// The rated level this severity counts as: itself, or `unknown_counts_as` for `Unknown`.
    pub fn counted_as(self, unknown_counts_as: Severity) -> Severity {
        match self {
            Severity::Unknown => unknown_counts_as,
            rated => rated,
        }
    }

    /// The order of reports, worst first: by the level counted, and at the same level a
    /// rated finding before an unknown one.
    pub fn report_order(self, other: Severity, unknown_counts_as: Severity) -> std::cmp::Ordering {
        other
            .counted_as(unknown_counts_as)
            .cmp(&self.counted_as(unknown_counts_as))
            .then_with(|| (self == Severity::Unknown).cmp(&(other == Severity::Unknown)))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

macro_rules! rules {
    ($($variant:ident => $code:literal, $severity:ident, $description:literal;)*) => {
        /// Every rule airlock checks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum RuleId { $(#[doc = $description] $variant,)* }

        impl RuleId {
            /// Every rule, in table order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// The stable id (SARIF rule id, ignore key).
            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$variant => $code,)* }
            }

            /// The severity of a finding when nothing more specific is known.
            pub fn default_severity(self) -> Severity {
                match self { $(RuleId::$variant => Severity::$severity,)* }
            }

            /// One line on what the rule catches.
            pub fn description(self) -> &'static str {
                match self { $(RuleId::$variant => $description,)* }
            }
        }
    };
}

rules! {
    KnownVulnerability => "known-vulnerability", Unknown, "A component version is affected by a published advisory (its severity is the advisory's rating; unknown when the advisory gives none).";
    MaliciousPackage => "malicious-package", Critical, "A component is reported as malicious.";
    VulnerabilityUndetermined => "vulnerability-undetermined", Medium, "An advisory names the component but its version could not be compared.";
    UnpinnedDependency => "unpinned-dependency", Medium, "A dependency is named without one exact version, so what gets installed can change.";
    NonRegistrySource => "non-registry-source", Low, "A dependency comes from a git repository or a direct URL instead of a registry.";
    UnmaintainedDependency => "unmaintained-dependency", Low, "A dependency is reported as no longer maintained (RustSec informational).";
    UnsoundDependency => "unsound-dependency", Medium, "A dependency is reported as unsound: safe code can trigger undefined behaviour (RustSec informational).";
    AdvisoryNotice => "advisory-notice", Info, "An informational advisory names a dependency (RustSec notice).";
    AlternativeRegistry => "alternative-registry", Low, "A dependency comes from a package index other than its ecosystem's default registry (list trusted ones in the policy).";
    LicenseDenied => "license-denied", High, "A component's license is on the policy's deny list (no alternative of its expression avoids it).";
    LicenseNotAllowed => "license-not-allowed", Medium, "A component's license is not on the policy's allow list.";
    MissingHashes => "missing-hashes", Low, "A pinned Python package has no artifact hash in any lockfile, so the download cannot be verified.";
    UnsafeSerialization => "unsafe-serialization", High, "A model file is a pickle, which can run code when loaded (low when it imports only allowlisted callables).";
    DangerousPickleImport => "dangerous-pickle-import", Critical, "A pickle imports a callable that reaches the system, the network or an interpreter.";
    ModelScanIncomplete => "model-scan-incomplete", High, "A pickle-based model file could not be walked to its end, or was named by an SBOM and not read at all, so it is not known to be safe.";
    RemoteCodeRequired => "remote-code-required", High, "A model config maps classes to Python code that runs only with trust_remote_code.";
    UnsafeModelCode => "unsafe-model-code", Critical, "A model file makes its loader run code outside pickles: a Keras Lambda layer or foreign module, a NeMo Hydra _target_, TorchScript calls outside torch, TensorFlow ops that run Python or touch files (medium for a non-standard ONNX operator domain).";
    ModelExternalDataEscape => "model-external-data-escape", High, "A model stores tensors in a file outside its folder (an ONNX external_data location that is absolute, walks up with .., or links out): loading it reads any file into a tensor (CVE-2022-25882, CVE-2024-27318).";
    UnsafeChatTemplate => "unsafe-chat-template", Critical, "A model's Jinja chat template reaches Python internals (dunder attributes, gadget globals, module names), a sandbox escape when a loader renders it (medium when it could not be inspected to its end).";
    WeightsNotMaterialized => "weights-not-materialized", Medium, "A weights file is a git-lfs pointer: the weights were never downloaded.";
    ModelIntegrityMismatch => "model-integrity-mismatch", High, "A weights file does not hash to the digest it was published with.";
    MissingShard => "missing-shard", High, "A sharded checkpoint's index names shard files that are not present.";
    MalformedModelFile => "malformed-model-file", Medium, "A weights file contradicts its own format (truncated, offsets past the end, bad header).";
    RestrictedModelLicense => "restricted-model-license", Medium, "A model's license restricts use (non-commercial, no-derivatives, gated, other or vendor terms).";
    MissingModelProvenance => "missing-model-provenance", Low, "A model states no base model, no publisher and no digest to verify its weights.";
    McpUnpinnedServer => "mcp-unpinned-server", High, "An MCP server's command fetches its package without one exact version (npx/uvx without a version, @latest, an image tag without a digest).";
    McpPlainHttp => "mcp-plain-http", High, "An MCP server on another host is reached over plain HTTP, so tool calls and credentials travel unencrypted.";
    McpRemoteServer => "mcp-remote-server", Low, "An MCP server runs on another host: the agent's tool calls and their data leave the machine.";
    McpLiteralSecret => "mcp-literal-secret", High, "An agent config holds a literal secret (token, key or password) instead of a reference to the environment.";
    McpCredentialPassed => "mcp-credential-passed", Low, "An agent config hands credentials to an MCP server (listed by variable or header name, never by value).";
    McpAutoApprovedTools => "mcp-auto-approved-tools", Medium, "An agent client runs an MCP server's tools, or starts the server, without asking the user.";
    McpServerUnreadable => "mcp-server-unreadable", Unknown, "An MCP server entry could not be read (not an object, or neither a command nor a URL for a stdio or remote server), so what the client would start is unknown.";
    McpShellCommand => "mcp-shell-command", High, "An MCP server's command runs a shell (sh -c, cmd /c) or pipes a download into one (curl | sh).";
    ToolHiddenInstructions => "tool-hidden-instructions", High, "A tool declaration hides text from its reader (invisible Unicode) or gives the model instructions.";
    McpToolShadowing => "mcp-tool-shadowing", High, "A tool description of one MCP server names a tool of another server of the same client or steers its use (before calling X, instead of X).";
    McpToxicFlow => "mcp-toxic-flow", High, "One client's tools together read private data, ingest untrusted content and can send data out: injected content can make the agent leak private data.";
    McpServerOverridden => "mcp-server-overridden", Medium, "A project config declares a server under the name of a user-scope server with another command or URL, and the project's wins.";
    ToolPinChanged => "tool-pin-changed", High, "A tool declaration was added, removed or changed since the reviewed pin (--tools-lock): the rug pull.";
    ToolPinUnverified => "tool-pin-unverified", Unknown, "A server pinned in the reviewed tools lock has no tool declaration in the scan, so its tools could not be compared with the pin.";
    InstalledFileModified => "installed-file-modified", High, "A file of an installed Python package does not match the hash or size its RECORD lists, or is missing.";
    InstalledIntegrityUnknown => "installed-integrity-unknown", Medium, "An installed Python package's files could not be verified: its RECORD is missing or unreadable (legacy egg-info installs have none), or lists files airlock could not check.";
    UnrecordedInstalledFile => "unrecorded-installed-file", High, "A Python source, .pth or executable file lies in site-packages but no installed package's RECORD lists it.";
    ArtifactFileModified => "artifact-file-modified", High, "A wheel's entries do not match its RECORD, or a vendored crate's files do not match its .cargo-checksum.json (a file modified, missing or not listed), or they could not be checked.";
    PthStartupCode => "pth-startup-code", High, "A .pth file in site-packages has an `import` line, code the interpreter runs at every start (low when an installed package's RECORD lists the file).";
    AgentDownloadExecute => "agent-download-execute", Critical, "An agent hook, helper command or instruction file downloads code and runs it (curl | sh, iwr | iex, python -c with a URL, a base64 payload piped into a shell).";
    AgentHookOutsideProject => "agent-hook-outside-project", Medium, "An agent hook or helper runs a script outside the project (absolute path, home directory), automatically and unreviewed.";
    AgentBlanketPermission => "agent-blanket-permission", High, "An agent's allow rules hand a whole class of actions over without asking (all shell commands, curl or an interpreter, writes outside the project, no sandbox).";
    AgentPromptsDisabled => "agent-prompts-disabled", High, "An agent setting switches every permission prompt off (bypassPermissions, approval_policy never, yolo, chat.tools.autoApprove).";
    AgentCodeLoadingEnv => "agent-code-loading-env", High, "An agent setting sets an environment variable that makes every program started load code (NODE_OPTIONS --require, LD_PRELOAD, DYLD_*, PYTHONSTARTUP, BASH_ENV).";
    AgentBaseUrlRedirect => "agent-base-url-redirect", High, "An agent setting points the model API base URL or a proxy at a host other than the provider's, so prompts, files and the API key go there.";
    AgentHiddenInstructions => "agent-hidden-instructions", High, "An agent instruction or skill file hides text (invisible Unicode, decoded and quoted) or tells the model to ignore its instructions, conceal actions or follow remote content.";
    ProjectPolicyLoosening => "project-policy-loosening", Medium, "A policy file inside a scanned tree tries to loosen the operator's policy (an ignore, a lowered severity, a disabled rule, an allowlist, a trusted source, a database or sync setting); the entry was not applied.";
}

impl fmt::Display for RuleId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One risk finding about one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it.
    pub rule: RuleId,
    /// How serious it is, after the policy applied.
    pub severity: Severity,
    /// The component it is about.
    pub component: ComponentKey,
    /// What was found, in one sentence for people.
    pub message: String,
    /// The advisory it reports, for advisory rules.
    pub advisory: Option<AdvisoryRef>,
    /// Where the component was found.
    pub evidence: Vec<Location>,
    /// Shortest path from a root, root first, the component last (empty when no root reaches it).
    pub introduced_through: Vec<ComponentKey>,
}

impl Finding {
    pub(crate) fn new(
        graph: &DependencyGraph,
        rule: RuleId,
        component: &ComponentKey,
        message: String,
    ) -> Finding {
        let evidence = graph
            .get(component)
            .map(|found| {
                found
                    .evidence
                    .iter()
                    .map(|evidence| evidence.location.clone())
                    .collect()
            })
            .unwrap_or_default();
        let introduced_through = graph
            .introduced_through(component)
            .map(|path| path.into_iter().cloned().collect())
            .unwrap_or_default();
        Finding {
            rule,
            severity: rule.default_severity(),
            component: component.clone(),
            message,
            advisory: None,
            evidence,
            introduced_through,
        }
    }

    /// What identifies the finding across two scans of one project: the rule, the package
    /// (ecosystem, normalized name, version) and the advisory id; never where it was found.
    pub fn identity(&self) -> FindingIdentity {
        (
            self.rule,
            self.component.ecosystem,
            self.component.name.normalized().to_owned(),
            self.component.version.clone(),
            self.advisory_id(),
        )
    }

    /// The id of the advisory the finding reports, if it reports one.
    pub fn advisory_id(&self) -> Option<String> {
        self.advisory.as_ref().map(|advisory| advisory.id.clone())
    }

    /// The other ids of the advisory the finding reports (none without an advisory).
    pub fn advisory_aliases(&self) -> Vec<String> {
        self.advisory
            .as_ref()
            .map(|advisory| advisory.aliases.clone())
            .unwrap_or_default()
    }

    /// [`Finding::introduced_through`] as component references (`ComponentKey::reference`).
    pub fn path_references(&self) -> Vec<String> {
        self.introduced_through
            .iter()
            .map(ComponentKey::reference)
            .collect()
    }
}

/// [`Finding::identity`]: (rule, ecosystem, normalized name, version, advisory id).
pub type FindingIdentity = (
    RuleId,
    crate::ecosystem::Ecosystem,
    String,
    Option<String>,
    Option<String>,
);

/// The outcome of risk analysis.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Sorted by severity (worst first), then component, then rule.
    pub findings: Vec<Finding>,
    /// Problems of the vulnerability source (the scan still reports the other rules).
    pub source_errors: Vec<String>,
    /// What a finding of [`Severity::Unknown`] counts as (from [`RiskOptions`]).
    pub unknown_counts_as: Severity,
}

impl Default for Analysis {
    fn default() -> Self {
        Analysis {
            findings: Vec::new(),
            source_errors: Vec::new(),
            unknown_counts_as: DEFAULT_UNKNOWN_COUNTS_AS,
        }
    }
}

impl Analysis {
    /// The rated level `severity` counts as under this analysis' policy.
    pub fn counted(&self, severity: Severity) -> Severity {
        severity.counted_as(self.unknown_counts_as)
    }

    /// How many findings have an unknown severity.
    pub fn unknown_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.severity == Severity::Unknown)
            .count()
    }

    /// Sorts findings by severity (worst first, unknown counted as the policy says), then
    /// component, rule and advisory id.
    pub fn sort(&mut self) {
        let unknown_counts_as = self.unknown_counts_as;
        self.findings.sort_by(|a, b| {
            a.severity
                .report_order(b.severity, unknown_counts_as)
                .then_with(|| a.component.cmp(&b.component))
                .then_with(|| a.rule.cmp(&b.rule))
                .then_with(|| {
                    a.advisory
                        .as_ref()
                        .map(|advisory| &advisory.id)
                        .cmp(&b.advisory.as_ref().map(|advisory| &advisory.id))
                })
                // Several findings of one rule about one file (the entries of a policy file)
                // keep the order of where they were found.
                .then_with(|| a.evidence.cmp(&b.evidence))
        });
    }

    /// The worst rated level found (unknown counted as the policy says), if any: what
    /// `--fail-on` compares.
    pub fn worst(&self) -> Option<Severity> {
        self.findings
            .iter()
            .map(|finding| self.counted(finding.severity))
            .max()
    }
}

/// What the analysis is told beyond the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskOptions {
    /// Pickle allowlist extensions and license severities.
    pub model: ModelPolicy,
    /// The policy file's license lists for packages and models.
    pub licenses: LicensePolicy,
    /// What a vulnerability without a usable rating counts as (`unknown-severity`).
    pub unknown_counts_as: Severity,
}

impl Default for RiskOptions {
    fn default() -> Self {
        RiskOptions {
            model: ModelPolicy::default(),
            licenses: LicensePolicy::default(),
            unknown_counts_as: DEFAULT_UNKNOWN_COUNTS_AS,
        }
    }
}

/// The rules that need nothing but the graph (the order does not matter: findings are sorted).
/// Rules that take the operator's options or the database run in [`analyze_with`] itself.
const GRAPH_RULES: &[fn(&DependencyGraph) -> Vec<Finding>] = &[
    unpinned::check,
    non_registry_source::check,
    missing_hashes::check,
    alternative_registry::check,
    installed_file_modified::check,
    installed_integrity_unknown::check,
    unrecorded_installed_file::check,
    pth_startup_code::check,
    artifact_file_modified::check,
    mcp_unpinned::check,
    mcp_transport::check,
    mcp_credentials::check,
    mcp_auto_approve::check,
    mcp_shell::check,
    mcp_unreadable::check,
    tool_hidden_instructions::check,
    mcp_tool_shadowing::check,
    mcp_toxic_flow::check,
    mcp_server_override::check,
    agent_download_execute::check,
    agent_hook_outside_project::check,
    agent_blanket_permission::check,
    agent_prompts_disabled::check,
    agent_code_loading_env::check,
    agent_base_url::check,
    agent_hidden_instructions::check,
    agent_literal_secret::check,
];

/// Runs every rule over `graph`; advisories are matched only when a source is given.
pub fn analyze(graph: &DependencyGraph, source: Option<&dyn VulnerabilitySource>) -> Analysis {
    analyze_with(graph, source, &RiskOptions::default())
}

/// [`analyze`] with explicit options.
pub fn analyze_with(
    graph: &DependencyGraph,
    source: Option<&dyn VulnerabilitySource>,
    options: &RiskOptions,
) -> Analysis {
    let mut analysis = Analysis {
        unknown_counts_as: options.unknown_counts_as,
        ..Analysis::default()
    };
    for rule in GRAPH_RULES {
        analysis.findings.extend(rule(graph));
    }
    let mut model_findings = pickle_imports::check(graph, &options.model);
    model_findings.extend(model_integrity::check(graph));
    model_findings.extend(remote_code::check(graph));
    model_findings.extend(chat_template::check(graph));
    model_findings.extend(model_code::check(graph));
    model_findings.extend(model_external_data::check(graph));
    model_findings.extend(
        model_license::check(graph, &options.model)
            .into_iter()
            // A model whose every license the policy allows was accepted on purpose.
            .filter(|finding| {
                graph.get(&finding.component).is_none_or(|model| {
                    !license_policy::model_license_accepted(model, &options.licenses)
                })
            }),
    );
    analysis
        .findings
        .extend(license_policy::check(graph, &options.licenses));
    model_findings.extend(model_provenance::check(graph));
    loader_join::apply(graph, &mut model_findings);
    for finding in &mut model_findings {
        if let Some(severity) = options.model.rule_severities.get(&finding.rule) {
            finding.severity = *severity;
        }
    }
    analysis.findings.extend(model_findings);
    if let Some(source) = source {
        vulnerability::check(graph, source, &mut analysis);
    }
    analysis.sort();
    analysis
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn rule_ids_are_unique_and_described() {
        let mut seen = BTreeSet::new();
        for rule in RuleId::ALL {
            assert!(seen.insert(rule.as_str()), "duplicate rule id {rule}");
            assert!(rule
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'));
            assert!(rule.description().ends_with('.'));
        }
    }

    #[test]
    fn severities_parse_and_order() {
        assert_eq!(Severity::from_name("HIGH"), Some(Severity::High));
        assert_eq!(Severity::from_name("nope"), None);
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        // `unknown` is reported, never a threshold or an override.
        assert_eq!(Severity::from_name("unknown"), None);
        assert_eq!(Severity::from_report("UNKNOWN"), Some(Severity::Unknown));
        assert_eq!(Severity::from_report("low"), Some(Severity::Low));
    }

    #[test]
    fn unknown_counts_as_the_policy_says_and_sorts_after_that_level() {
        assert_eq!(Severity::Unknown.counted_as(Severity::Low), Severity::Low);
        assert_eq!(Severity::Medium.counted_as(Severity::Low), Severity::Medium);
        let mut severities = vec![
            Severity::Low,
            Severity::Unknown,
            Severity::Critical,
            Severity::High,
        ];
        severities.sort_by(|a, b| a.report_order(*b, Severity::High));
        assert_eq!(
            severities,
            [
                Severity::Critical,
                Severity::High,
                Severity::Unknown,
                Severity::Low
            ]
        );
        severities.sort_by(|a, b| a.report_order(*b, Severity::Low));
        assert_eq!(
            severities,
            [
                Severity::Critical,
                Severity::High,
                Severity::Low,
                Severity::Unknown
            ]
        );
    }

    /// A source that knows one advisory without any rating for every package.
    struct Unrated;
    impl VulnerabilitySource for Unrated {
        fn name(&self) -> String {
            "unrated".to_owned()
        }
        fn advisories_for(
            &self,
            _component: &ComponentKey,
        ) -> Result<Vec<MatchOutcome>, VulnerabilitySourceError> {
            Ok(vec![MatchOutcome::Affected(AdvisoryRef::new(
                "PYSEC-0000-1",
                AdvisoryKind::Vulnerability,
            ))])
        }
    }

    #[test]
    fn a_vulnerability_without_a_rating_is_unknown_not_high() {
        let extraction = crate::extract::Extraction {
            components: vec![crate::component::Component::new(
                ComponentKey::new(
                    crate::ecosystem::Ecosystem::PyPI,
                    crate::name::PackageName::new(crate::ecosystem::Ecosystem::PyPI, "alpha")
                        .unwrap(),
                    Some("1.0".to_owned()),
                    crate::component::Source::Registry { index: None },
                ),
                crate::component::ComponentKind::Library,
            )],
            ..crate::extract::Extraction::default()
        };
        let graph = crate::scan::merge(vec![extraction], &mut Vec::new());
        let analysis = analyze(&graph, Some(&Unrated));
        assert_eq!(analysis.findings.len(), 1);
        assert_eq!(analysis.findings[0].severity, Severity::Unknown);
        assert_eq!(analysis.worst(), Some(Severity::High), "counted as high");
        let lenient = analyze_with(
            &graph,
            Some(&Unrated),
            &RiskOptions {
                unknown_counts_as: Severity::Low,
                ..RiskOptions::default()
            },
        );
        assert_eq!(lenient.findings[0].severity, Severity::Unknown);
        assert_eq!(lenient.worst(), Some(Severity::Low));
    }
}
