//! What is known about a component beyond its identity, as typed values: the requirement a
//! manifest wrote, a lock's marker and groups, an MCP server's launch and credentials, a tool
//! declaration's hashes, a model card, a weights file. Extractors fill these fields, risk rules
//! match on them, and each output format maps them to its own names in one place
//! ([`properties`]), so no extractor or rule spells an output name.
//!
//! `Facts` is one closed struct of optional parts rather than one enum because one component
//! carries several at once: an MCP server's package has a requirement and an image tag, a uv
//! workspace member is a project and the target of a requirement.

pub mod agent;
pub mod artifact;
pub mod author;
pub mod image;
pub mod installed;
pub mod mcp;
pub mod properties;

use std::collections::BTreeMap;
use std::fmt;

use crate::location::Location;
use crate::model::{ChatTemplate, ModelCard, StatedImport, WeightsFile, WeightsFormat};

pub use agent::AgentFacts;
pub use author::Author;
pub use mcp::{McpServerFacts, ToolFacts};

/// Everything airlock records about a component besides its key, kind, scope, hashes,
/// licenses, evidence and flags.
///
/// Two files naming the same component are merged by [`Facts::merge`]: the first file to state
/// a fact keeps it (model cards and weights files fold both reports together).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The requirement as written when the input names no single version (`>=1.2`, `^0.4`, `1`):
    /// manifests without a lock, an MCP server's `npx pkg@^2`.
    pub requirement: Option<String>,
    /// The environment marker a lock records on the package (pylock's `marker`; Poetry's
    /// `markers`, per group as `group: marker; …` when it has one per group).
    pub marker: Option<String>,
    /// What Python inputs say beyond the key.
    pub python: Option<Box<PythonFacts>>,
    /// What Cargo inputs say beyond the key.
    pub cargo: Option<CargoFacts>,
    /// What an installed environment says (core metadata, the `RECORD` re-hash, `.pth` lines).
    pub installed: Option<Box<installed::InstalledFacts>>,
    /// What a container image says (its root component), or which layer of one introduced the
    /// file a component was read from.
    pub image: Option<Box<image::ImageFacts>>,
    /// A wheel, sdist, `.crate` or vendored crate read as a file (its kind, path, and what
    /// checking its own file list found).
    pub artifact: Option<Box<artifact::ArtifactFacts>>,
    /// An MCP server as a client config declares it.
    pub mcp_server: Option<Box<McpServerFacts>>,
    /// A tool as declared to a model.
    pub tool: Option<Box<ToolFacts>>,
    /// An agent's hook, settings file or instruction file (`extract/agent/`).
    pub agent: Option<Box<AgentFacts>>,
    /// Card and config data of a machine-learning model (kept for the CycloneDX model card).
    pub model_card: Option<Box<ModelCard>>,
    /// What a weights file holds (format, tensors, pickle imports, expected digests).
    pub weights: Option<Box<WeightsFile>>,
    /// The format a weights file was read as (set with [`Facts::weights`] by the extractor; kept
    /// apart because an SBOM names the format without the file's contents).
    pub weights_format: Option<WeightsFormat>,
    /// The pickle imports an SBOM states for a weights file airlock did not read itself: claims,
    /// which the pickle rules judge as such (they can raise a verdict, never clear one). Empty
    /// for files airlock read: their imports are in [`Facts::weights`].
    pub stated_pickle_imports: Vec<StatedImport>,
    /// The `total_size` a sharded checkpoint's index declares, as the index writes it (JSON).
    pub checkpoint_total_size: Option<String>,
    /// The tag of a container image an MCP server runs (the key's version is its digest, if any).
    pub image_tag: Option<String>,
    /// The purl an SBOM gave a component whose package type airlock has no ecosystem for: the
    /// component is generic, its purl is written back as read.
    pub original_purl: Option<String>,
    /// How a project policy file found in the scanned tree was applied.
    pub project_policy: Option<ProjectPolicyMode>,
    /// Authors and maintainers a local project's own manifest names (`Cargo.toml`,
    /// `pyproject.toml`), in file order. Who wrote it, not who supplies it.
    pub authors: Vec<Author>,
    /// Chat templates a model file holds (GGUF metadata, `tokenizer_config.json`,
    /// `chat_template.jinja`), as inspected.
    pub chat_templates: Vec<ChatTemplate>,
    /// `airlock:` properties an SBOM carried that are not facts of this airlock, or whose text
    /// is not the form this airlock writes, kept verbatim by name so that they are written back
    /// exactly as read. Filled only by [`properties::from_properties`].
    pub foreign: BTreeMap<String, String>,
}

/// Facts of Python inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PythonFacts {
    /// pylock.toml `extras` of the project the lock was made for.
    pub pylock_extras: Option<Vec<String>>,
    /// pylock.toml `dependency-groups`.
    pub pylock_dependency_groups: Option<Vec<String>>,
    /// pylock.toml `default-groups`.
    pub pylock_default_groups: Option<Vec<String>>,
    /// The Poetry groups a locked package belongs to.
    pub poetry_groups: Option<Vec<String>>,
    /// The component is a PEP 723 script (uv.lock `[manifest]` of a script).
    pub script: bool,
    /// The project has no `[project]` table and is named after its directory.
    pub virtual_project: bool,
    /// `--extra-index-url`s of the requirements file that listed the package.
    pub extra_index_urls: Option<Vec<String>>,
    /// `--find-links` of that file.
    pub find_links: Option<Vec<String>>,
    /// `--trusted-host`s of that file.
    pub trusted_hosts: Option<Vec<String>>,
    /// That file says `--no-index`.
    pub no_index: bool,
    /// The `-c` constraints line that pinned the package.
    pub constrained_by: Option<Location>,
    /// The requirements file names the package itself (not only through another requirement).
    pub direct: bool,
}

/// Facts of Cargo inputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CargoFacts {
    /// A member of the workspace the lock belongs to.
    pub workspace_member: bool,
    /// The graph was refined with `cargo metadata` (features resolved).
    pub resolved_by_cargo_metadata: bool,
}

/// How a project policy file was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProjectPolicyMode {
    /// Only entries that make the operator's policy stricter were applied.
    TightenOnly,
    /// Applied fully (`--trust-project-policy`).
    Trusted,
}

impl Vocabulary for ProjectPolicyMode {
    const ALL: &'static [Self] = &[ProjectPolicyMode::TightenOnly, ProjectPolicyMode::Trusted];

    fn as_str(self) -> &'static str {
        match self {
            ProjectPolicyMode::TightenOnly => "tighten-only",
            ProjectPolicyMode::Trusted => "trusted",
        }
    }
}

impl Vocabulary for WeightsFormat {
    const ALL: &'static [Self] = &[
        WeightsFormat::Safetensors,
        WeightsFormat::Gguf,
        WeightsFormat::PytorchZip,
        WeightsFormat::PytorchLegacy,
        WeightsFormat::PytorchTar,
        WeightsFormat::Pickle,
        WeightsFormat::Numpy,
        WeightsFormat::NumpyZip,
        WeightsFormat::Onnx,
        WeightsFormat::Hdf5,
        WeightsFormat::Archive,
        WeightsFormat::LfsPointer,
        WeightsFormat::Unknown,
    ];

    fn as_str(self) -> &'static str {
        WeightsFormat::as_str(self)
    }
}

/// A closed set of words with one spelling each.
pub trait Vocabulary: Copy + Eq + 'static {
    /// Every word, in declaration order.
    const ALL: &'static [Self];

    /// The word's one spelling.
    fn as_str(self) -> &'static str;

    /// The word spelled `text`, if any.
    fn from_name(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|word| word.as_str() == text)
    }
}

/// A word of a [`Vocabulary`], or the text an input used instead when it is none of them (a
/// transport a config declares that airlock does not know, a client a newer airlock wrote into
/// an SBOM). Built with [`Word::from`] or [`Word::read`], so a known word is never kept as
/// "other" text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Word<T: Vocabulary>(Spelling<T>);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Spelling<T> {
    Known(T),
    Other(String),
}

impl<T: Vocabulary> Word<T> {
    /// The word spelled `text`, or `text` itself as another word.
    pub fn read(text: &str) -> Word<T> {
        Word(match T::from_name(text) {
            Some(word) => Spelling::Known(word),
            None => Spelling::Other(text.to_owned()),
        })
    }

    /// The known word, if it is one.
    pub fn known(&self) -> Option<T> {
        match &self.0 {
            Spelling::Known(word) => Some(*word),
            Spelling::Other(_) => None,
        }
    }

    /// The word as written: the known word's spelling, or the unknown text as found.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Spelling::Known(word) => word.as_str(),
            Spelling::Other(text) => text,
        }
    }
}

impl<T: Vocabulary> From<T> for Word<T> {
    fn from(word: T) -> Word<T> {
        Word(Spelling::Known(word))
    }
}

impl<T: Vocabulary> fmt::Display for Word<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Facts {
    /// The Python part, created empty if absent (for extractors that set one field of it).
    pub fn python_mut(&mut self) -> &mut PythonFacts {
        self.python.get_or_insert_with(Box::default)
    }

    /// The installed-environment part, created empty if absent.
    pub fn installed_mut(&mut self) -> &mut installed::InstalledFacts {
        self.installed.get_or_insert_with(Box::default)
    }

    /// The container image part, created empty if absent.
    pub fn image_mut(&mut self) -> &mut image::ImageFacts {
        self.image.get_or_insert_with(Box::default)
    }

    /// The Cargo part, created empty if absent.
    pub fn cargo_mut(&mut self) -> &mut CargoFacts {
        self.cargo.get_or_insert_with(CargoFacts::default)
    }

    /// The MCP server part, created empty if absent.
    pub fn mcp_server_mut(&mut self) -> &mut McpServerFacts {
        self.mcp_server.get_or_insert_with(Box::default)
    }

    /// The tool part, created empty if absent.
    pub fn tool_mut(&mut self) -> &mut ToolFacts {
        self.tool.get_or_insert_with(Box::default)
    }

    /// Folds what another file said about the same component in: for each fact, the first file
    /// that stated it keeps it (a later file never overwrites an earlier one's value); model
    /// cards and weights files merge their own fields.
    pub fn merge(&mut self, mut other: Facts) {
        match (&mut self.model_card, other.model_card.take()) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
        match (&mut self.weights, other.weights.take()) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
        if !self.foreign.is_empty() || !other.foreign.is_empty() {
            // Verbatim text read from an SBOM stands for the fact of the same name: whether
            // `self` already states a fact then depends on its name, so the merge is made on
            // names (first name wins, as for typed facts).
            let (model_card, weights) = (self.model_card.take(), self.weights.take());
            let mut named = properties::to_properties(self);
            for (name, text) in properties::to_properties(&other) {
                named.entry(name).or_insert(text);
            }
            *self = properties::from_properties(named);
            self.model_card = model_card;
            self.weights = weights;
            return;
        }
        let Facts {
            requirement,
            marker,
            python,
            cargo,
            installed,
            image,
            artifact,
            mcp_server,
            tool,
            agent,
            model_card: _,
            weights: _,
            weights_format,
            stated_pickle_imports,
            checkpoint_total_size,
            image_tag,
            original_purl,
            project_policy,
            chat_templates,
            authors,
            foreign: _,
        } = other;
        if self.authors.is_empty() {
            self.authors = authors;
        }
        if self.stated_pickle_imports.is_empty() {
            self.stated_pickle_imports = stated_pickle_imports;
        }
        for template in chat_templates {
            if !self.chat_templates.contains(&template) {
                self.chat_templates.push(template);
            }
        }
        first(&mut self.requirement, requirement);
        first(&mut self.marker, marker);
        match (&mut self.python, python) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine, theirs) => first(mine, theirs),
        }
        match (&mut self.cargo, cargo) {
            (Some(mine), Some(theirs)) => {
                mine.workspace_member |= theirs.workspace_member;
                mine.resolved_by_cargo_metadata |= theirs.resolved_by_cargo_metadata;
            }
            (mine, theirs) => first(mine, theirs),
        }
        match (&mut self.installed, installed) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine, theirs) => first(mine, theirs),
        }
        match (&mut self.image, image) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine, theirs) => first(mine, theirs),
        }
        first(&mut self.artifact, artifact);
        match (&mut self.mcp_server, mcp_server) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine, theirs) => first(mine, theirs),
        }
        match (&mut self.tool, tool) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine, theirs) => first(mine, theirs),
        }
        // An agent file's facts are one property: the first file's stand, as for a name.
        first(&mut self.agent, agent);
        first(&mut self.weights_format, weights_format);
        first(&mut self.checkpoint_total_size, checkpoint_total_size);
        first(&mut self.image_tag, image_tag);
        first(&mut self.original_purl, original_purl);
        first(&mut self.project_policy, project_policy);
    }
}

impl PythonFacts {
    fn merge(&mut self, other: PythonFacts) {
        let PythonFacts {
            pylock_extras,
            pylock_dependency_groups,
            pylock_default_groups,
            poetry_groups,
            script,
            virtual_project,
            extra_index_urls,
            find_links,
            trusted_hosts,
            no_index,
            constrained_by,
            direct,
        } = other;
        first(&mut self.pylock_extras, pylock_extras);
        first(&mut self.pylock_dependency_groups, pylock_dependency_groups);
        first(&mut self.pylock_default_groups, pylock_default_groups);
        first(&mut self.poetry_groups, poetry_groups);
        self.script |= script;
        self.virtual_project |= virtual_project;
        first(&mut self.extra_index_urls, extra_index_urls);
        first(&mut self.find_links, find_links);
        first(&mut self.trusted_hosts, trusted_hosts);
        self.no_index |= no_index;
        first(&mut self.constrained_by, constrained_by);
        self.direct |= direct;
    }
}

/// Keeps `mine` when it is set, else takes `theirs`: the first file to state a fact keeps it.
fn first<T>(mine: &mut Option<T>, theirs: Option<T>) {
    if mine.is_none() {
        *mine = theirs;
    }
}

/// [`first`] for facts stored by name (credentials by variable, URLs by argument).
fn first_each<K: Ord, V>(mine: &mut BTreeMap<K, V>, theirs: BTreeMap<K, V>) {
    for (key, value) in theirs {
        mine.entry(key).or_insert(value);
    }
}
