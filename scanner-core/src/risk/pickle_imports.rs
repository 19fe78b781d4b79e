//! `unsafe-serialization`, `dangerous-pickle-import`, `model-scan-incomplete`: what the pickle
//! streams of a weights file import, judged against an allowlist of what ordinary checkpoints
//! use (PyTorch tensor rebuilding, NumPy array reconstruction, plain containers) and a list of
//! known-dangerous modules and builtins (the lists of picklescan and modelscan, checked by
//! hand). Unpickling calls every imported callable, so an import outside the allowlist can run
//! code: that is high by default. A stream that could not be walked to its end is never clean,
//! and neither is a pickle-based file named by an SBOM, whose bytes airlock never saw.

use super::model_policy::ModelPolicy;
use super::{Finding, RuleId, Severity};
use crate::component::Component;
use crate::graph::DependencyGraph;
use crate::location::Location;
use crate::model::{PickleImport, WeightsFile};

/// Exact `module.name` imports of ordinary checkpoints.
const ALLOWED: &[&str] = &[
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.Counter",
    "collections.deque",
    "builtins.set",
    "builtins.frozenset",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.slice",
    "builtins.range",
    "builtins.complex",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.int",
    "builtins.float",
    "builtins.str",
    "builtins.bool",
    "builtins.object",
    "__builtin__.set",
    "__builtin__.frozenset",
    "__builtin__.slice",
    "__builtin__.complex",
    "__builtin__.object",
    "copyreg._reconstructor",
    "copy_reg._reconstructor",
    "_codecs.encode",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_sparse_csr_tensor",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_nested_tensor",
    "torch._tensor._rebuild_from_type",
    "torch._tensor._rebuild_from_type_v2",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.Size",
    "torch.device",
    "torch.strided",
    "torch.sparse_coo",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ndarray",
    "numpy.dtype",
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle.NDArrayWrapper",
];

/// `torch.<Type>Storage` classes and `torch.<dtype>` attributes are data descriptions.
const TORCH_DTYPES: &[&str] = &[
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "half",
    "float",
    "double",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "complex64",
    "complex128",
    "qint8",
    "quint8",
    "qint32",
    "float8_e4m3fn",
    "float8_e5m2",
];

/// Builtins that only compute on their arguments: a pickle calling them builds a value.
const HARMLESS_BUILTINS: &[&str] = &[
    "len",
    "abs",
    "min",
    "max",
    "sum",
    "round",
    "divmod",
    "sorted",
    "reversed",
    "enumerate",
    "zip",
    "range",
    "slice",
    "bool",
    "int",
    "float",
    "complex",
    "str",
    "bytes",
    "bytearray",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
    "object",
];

/// The maintained table of dangerous imports, one source per entry
/// (`dangerous_pickle_imports.tsv`).
const DANGEROUS_TABLE: &str = include_str!("dangerous_pickle_imports.tsv");

/// One entry of the dangerous table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DangerousEntry {
    /// `module.*` or an exact dotted path.
    pub pattern: &'static str,
    /// Where the entry comes from (advisory, published bypass, or the library line).
    pub source: &'static str,
}

impl DangerousEntry {
    /// True when the entry covers the full dotted path of an import.
    pub fn matches(&self, path: &str) -> bool {
        let prefix = self.pattern.strip_suffix(".*").unwrap_or(self.pattern);
        in_module(path, prefix)
    }
}

/// The rows of the dangerous table (comments and blank lines skipped; a line without a source
/// is kept with an empty one, and a unit test refuses it).
pub fn dangerous_entries() -> impl Iterator<Item = DangerousEntry> {
    DANGEROUS_TABLE
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (pattern, source) = line.split_once('\t').unwrap_or((line, ""));
            DangerousEntry {
                pattern: pattern.trim(),
                source: source.trim(),
            }
        })
}

/// The dangerous entry that covers `module.name`, if any. A name part that is a dunder
/// (`__globals__`, `__subclasses__`, `__builtins__`) is an attribute walk out of whatever
/// module it starts in: dangerous whatever the module.
pub fn dangerous_entry(module: &str, name: &str) -> Option<DangerousEntry> {
    let path = format!("{module}.{name}");
    if let Some(entry) = dangerous_entries().find(|entry| entry.matches(&path)) {
        return Some(entry);
    }
    let walks = name.contains('.')
        && name
            .split('.')
            .any(|part| part.len() > 4 && part.starts_with("__") && part.ends_with("__"));
    walks.then_some(DangerousEntry {
        pattern: "<dotted name through a dunder attribute>",
        source: "protocol 4 names are walked attribute by attribute (pickle.find_class)",
    })
}

/// Built-in safe profiles, chosen in policy (`[models] profiles = [...]`): what each library
/// pickles for its ordinary models. Entries use the allowlist syntax (`module.name`,
/// `module.*`); the dangerous table is checked first, so a profile never admits its entries.
/// A profile lists what it adds to the built-in allowlist (numpy's array reconstruction and
/// joblib's array wrappers are admitted without one).
pub const PROFILES: &[(&str, &[&str])] = &[
    (
        "scikit-learn",
        &[
            "sklearn.*",
            "scipy.sparse._csr.csr_matrix",
            "scipy.sparse._csc.csc_matrix",
            "scipy.sparse._coo.coo_matrix",
            "scipy.sparse.csr.csr_matrix",
            "scipy.sparse.csc.csc_matrix",
            "numpy.random._pickle.__randomstate_ctor",
            "numpy.random._pickle.__bit_generator_ctor",
            "numpy.random._pickle.__generator_ctor",
            "numpy.random.mtrand.RandomState",
            "numpy.random._mt19937.MT19937",
        ],
    ),
    ("xgboost", &["xgboost.sklearn.*", "xgboost.core.Booster"]),
    (
        "lightgbm",
        &["lightgbm.sklearn.*", "lightgbm.basic.Booster"],
    ),
    ("joblib", &["joblib.numpy_pickle.ZNDArrayWrapper"]),
    (
        "numpy",
        &[
            "numpy.dtypes.*",
            "numpy.ma.core._mareconstruct",
            "numpy.ma.core.MaskedArray",
            "numpy.random._pickle.__randomstate_ctor",
            "numpy.random._pickle.__bit_generator_ctor",
            "numpy.random._pickle.__generator_ctor",
        ],
    ),
];

/// The names of the built-in profiles, for policy errors and docs.
pub fn profile_names() -> impl Iterator<Item = &'static str> {
    PROFILES.iter().map(|(name, _)| *name)
}

/// How one import is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ImportClass {
    /// Admitted by the built-in allowlist, a profile or the policy.
    Allowed,
    /// A class of the program that loads the pickle (`__main__`): its code is the loader's
    /// own, but what it does with the stream's state is unknown.
    LoaderDefined,
    /// Outside the allowlist: it may run code.
    Unknown,
    /// In the dangerous table: it runs code or reaches the system.
    Dangerous,
}

fn in_module(module: &str, parent: &str) -> bool {
    module == parent
        || module
            .strip_prefix(parent)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// True when an allowlist entry (`module.name` or `module.*`) admits `module.name`.
pub fn pattern_allows(entry: &str, module: &str, name: &str) -> bool {
    match entry.strip_suffix(".*") {
        Some(allowed_module) => in_module(module, allowed_module),
        None => entry
            .rsplit_once('.')
            .is_some_and(|(allowed_module, allowed_name)| {
                allowed_module == module && allowed_name == name
            }),
    }
}

/// Judges `module.name`: the dangerous table first (nothing admits its entries), then the
/// built-in allowlist, the profiles the policy enables and its extra allowlist.
pub fn classify_import(module: &str, name: &str, policy: &ModelPolicy) -> ImportClass {
    if dangerous_entry(module, name).is_some() {
        return ImportClass::Dangerous;
    }
    let qualified = format!("{module}.{name}");
    let torch_data = module == "torch"
        && (name.ends_with("Storage") && name.chars().all(|c| c.is_ascii_alphanumeric())
            || TORCH_DTYPES.contains(&name));
    let harmless_builtin =
        matches!(module, "builtins" | "__builtin__") && HARMLESS_BUILTINS.contains(&name);
    let profiled = PROFILES
        .iter()
        .filter(|(profile, _)| policy.profiles.iter().any(|chosen| chosen == profile))
        .any(|(_, entries)| {
            entries
                .iter()
                .any(|entry| pattern_allows(entry, module, name))
        });
    if ALLOWED.contains(&qualified.as_str())
        || torch_data
        || harmless_builtin
        || profiled
        || policy.allows(module, name)
    {
        ImportClass::Allowed
    } else if module == "__main__" && !name.contains('.') {
        ImportClass::LoaderDefined
    } else {
        ImportClass::Unknown
    }
}

fn describe(imports: &[(&PickleImport, &str)]) -> String {
    let mut names: Vec<String> = imports
        .iter()
        .map(|(import, stream)| {
            format!(
                "`{}`{} ({} at byte {} of {stream})",
                import.qualified(),
                if import.called { ", called" } else { "" },
                import.opcode,
                import.offset
            )
        })
        .collect();
    names.dedup();
    let shown = names.len().min(8);
    let mut text = names.get(..shown).unwrap_or_default().join(", ");
    if names.len() > shown {
        text.push_str(&format!(" and {} more", names.len() - shown));
    }
    text
}

fn format_note(weights: &WeightsFile) -> String {
    match weights.extension_format {
        Some(extension) => format!(
            " (the file's extension says {}, its content is {})",
            extension.as_str(),
            weights.format.as_str()
        ),
        None => String::new(),
    }
}

pub(super) fn check(graph: &DependencyGraph, policy: &ModelPolicy) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        match component.facts.weights.as_deref() {
            Some(weights) if !weights.pickles.is_empty() => {
                check_file(graph, component, weights, policy, &mut findings);
            }
            Some(_) => {}
            None => {
                if let Some(format) = component
                    .facts
                    .weights_format
                    .filter(|format| format.may_run_code_on_load())
                {
                    check_unread(graph, component, format, policy, &mut findings);
                }
            }
        }
    }
    findings
}

/// A finding about the weights file `component`, pointing at the file itself.
fn file_finding(
    graph: &DependencyGraph,
    component: &Component,
    rule: RuleId,
    path: &str,
    message: String,
) -> Finding {
    let mut finding = Finding::new(graph, rule, &component.key, message);
    finding.evidence = vec![Location::file(path.to_owned())];
    finding
}

fn file_path(component: &Component) -> String {
    match &component.key.source {
        crate::component::Source::File { path } => path.clone(),
        other => other.to_string(),
    }
}

/// A weights file named by an SBOM, whose bytes airlock never saw: whatever the SBOM says, it
/// is not known to be safe (`model-scan-incomplete`), and the imports it states are judged as
/// claims, which can only add a finding.
fn check_unread(
    graph: &DependencyGraph,
    component: &Component,
    format: crate::model::WeightsFormat,
    policy: &ModelPolicy,
    findings: &mut Vec<Finding>,
) {
    let path = file_path(component);
    let dangerous: Vec<String> = component
        .facts
        .stated_pickle_imports
        .iter()
        .filter(|import| {
            classify_import(&import.module, &import.name, policy) == ImportClass::Dangerous
        })
        .map(|import| {
            format!(
                "`{}`{}",
                import.qualified(),
                if import.called { ", called" } else { "" }
            )
        })
        .collect();
    if !dangerous.is_empty() {
        findings.push(file_finding(
            graph,
            component,
            RuleId::DangerousPickleImport,
            &path,
            format!(
                "`{path}` is {} weights that import {}, as the SBOM it was read from states: \
                 loading it runs that code",
                format.as_str(),
                dangerous.join(", ")
            ),
        ));
    }
    findings.push(file_finding(
        graph,
        component,
        RuleId::ModelScanIncomplete,
        &path,
        format!(
            "`{path}` is {} weights named by an SBOM; airlock did not read the file, so what \
             loading it runs is unknown: scan the file itself",
            format.as_str()
        ),
    ));
}

fn check_file(
    graph: &DependencyGraph,
    component: &Component,
    weights: &WeightsFile,
    policy: &ModelPolicy,
    findings: &mut Vec<Finding>,
) {
    let path = file_path(component);
    let mut dangerous = Vec::new();
    let mut unknown = Vec::new();
    let mut loader_defined = Vec::new();
    let mut allowed = 0usize;
    for stream in &weights.pickles {
        for import in &stream.imports {
            match classify_import(&import.module, &import.name, policy) {
                ImportClass::Dangerous => dangerous.push((import, stream.name.as_str())),
                ImportClass::Unknown => unknown.push((import, stream.name.as_str())),
                ImportClass::LoaderDefined => {
                    loader_defined.push((import, stream.name.as_str()));
                }
                ImportClass::Allowed => allowed += 1,
            }
        }
    }
    let note = format_note(weights);
    if !dangerous.is_empty() {
        findings.push(file_finding(
            graph,
            component,
            RuleId::DangerousPickleImport,
            &path,
            format!(
                "`{path}` is a pickle{note} that imports {}: loading it runs that code",
                describe(&dangerous)
            ),
        ));
    } else {
        let (severity, message) = if unknown.is_empty() && !loader_defined.is_empty() {
            (
                Severity::Medium,
                format!(
                    "`{path}` is a pickle{note} that imports classes of the program loading it: \
                     {}; they run the loader's own code, but on state this file chooses",
                    describe(&loader_defined)
                ),
            )
        } else if unknown.is_empty() {
            let imports = match allowed {
                0 => "it imports nothing beyond plain data".to_owned(),
                1 => "its one import is on the allowlist".to_owned(),
                many => format!("its {many} imports are all on the allowlist"),
            };
            (
                Severity::Low,
                format!(
                    "`{path}` is a pickle{note}; {imports}, but loading a pickle can run code: \
                     prefer safetensors"
                ),
            )
        } else {
            (
                Severity::High,
                format!(
                    "`{path}` is a pickle{note} that imports callables outside the allowlist: {}",
                    describe(&unknown)
                ),
            )
        };
        let mut finding = file_finding(
            graph,
            component,
            RuleId::UnsafeSerialization,
            &path,
            message,
        );
        finding.severity = severity;
        findings.push(finding);
    }
    let incomplete: Vec<String> = weights
        .pickles
        .iter()
        .filter(|stream| !stream.complete)
        .map(|stream| {
            format!(
                "{}: {}",
                stream.name,
                stream.incomplete_reason.as_deref().unwrap_or("not walked")
            )
        })
        .collect();
    if !incomplete.is_empty() {
        findings.push(file_finding(
            graph,
            component,
            RuleId::ModelScanIncomplete,
            &path,
            format!(
                "`{path}` could not be scanned to the end, so it is not known to be safe: {}",
                incomplete.join("; ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_and_policy() {
        let policy = ModelPolicy::default();
        let class = |module, name| classify_import(module, name, &policy);
        assert_eq!(
            class("torch._utils", "_rebuild_tensor_v2"),
            ImportClass::Allowed
        );
        assert_eq!(class("torch", "FloatStorage"), ImportClass::Allowed);
        assert_eq!(class("torch", "bfloat16"), ImportClass::Allowed);
        assert_eq!(class("collections", "OrderedDict"), ImportClass::Allowed);
        assert_eq!(class("posix", "system"), ImportClass::Dangerous);
        assert_eq!(class("os.path", "join"), ImportClass::Dangerous);
        assert_eq!(class("builtins", "eval"), ImportClass::Dangerous);
        assert_eq!(class("builtins", "set"), ImportClass::Allowed);
        assert_eq!(
            class("ossify", "x"),
            ImportClass::Unknown,
            "prefix of a name, not a module"
        );
        assert_eq!(
            class("sklearn.linear_model", "LogisticRegression"),
            ImportClass::Unknown
        );
        let extended = ModelPolicy {
            extra_allowed_globals: vec![
                "sklearn.*".to_owned(),
                "argparse.Namespace".to_owned(),
                "os.*".to_owned(),
            ],
            ..ModelPolicy::default()
        };
        assert_eq!(
            classify_import("sklearn.linear_model", "LogisticRegression", &extended),
            ImportClass::Allowed
        );
        assert_eq!(
            classify_import("argparse", "Namespace", &extended),
            ImportClass::Allowed
        );
        assert_eq!(
            classify_import("argparse", "Other", &extended),
            ImportClass::Unknown
        );
        assert_eq!(
            classify_import("os", "system", &extended),
            ImportClass::Dangerous,
            "the policy cannot allow a dangerous import"
        );
    }

    /// Weights named by an SBOM: never clean, and stated dangerous imports raise.
    #[test]
    fn weights_airlock_did_not_read_are_not_known_to_be_safe() {
        use crate::component::{Component, ComponentKey, ComponentKind, Source};
        use crate::model::{StatedImport, WeightsFormat};
        let judged = |format: WeightsFormat, stated: Vec<StatedImport>| -> Vec<RuleId> {
            let ecosystem = crate::ecosystem::Ecosystem::GenericFile;
            let key = ComponentKey::new(
                ecosystem,
                crate::name::PackageName::new(ecosystem, "model.pkl").unwrap(),
                None,
                Source::File {
                    path: "models/model.pkl".to_owned(),
                },
            );
            let mut component = Component::new(key, ComponentKind::File);
            component.facts.weights_format = Some(format);
            component.facts.stated_pickle_imports = stated;
            let mut builder = crate::graph::GraphBuilder::new();
            builder.add_component(component);
            check(&builder.build(), &ModelPolicy::default())
                .into_iter()
                .map(|finding| finding.rule)
                .collect()
        };
        let import = |module: &str, name: &str| StatedImport {
            module: module.to_owned(),
            name: name.to_owned(),
            called: true,
        };
        assert_eq!(
            judged(WeightsFormat::Pickle, Vec::new()),
            [RuleId::ModelScanIncomplete]
        );
        assert_eq!(
            judged(WeightsFormat::PytorchZip, vec![import("posix", "system")]),
            [RuleId::DangerousPickleImport, RuleId::ModelScanIncomplete]
        );
        assert_eq!(
            judged(
                WeightsFormat::Pickle,
                vec![import("collections", "OrderedDict")]
            ),
            [RuleId::ModelScanIncomplete],
            "a stated harmless import clears nothing"
        );
        assert!(judged(WeightsFormat::Safetensors, Vec::new()).is_empty());
    }

    #[test]
    fn every_dangerous_entry_has_a_source_and_a_valid_pattern() {
        let entries: Vec<DangerousEntry> = dangerous_entries().collect();
        assert!(entries.len() > 100);
        for entry in &entries {
            assert!(!entry.source.is_empty(), "{} has no source", entry.pattern);
            let prefix = entry.pattern.strip_suffix(".*").unwrap_or(entry.pattern);
            assert!(
                !prefix.is_empty() && !prefix.contains('*') && !prefix.contains(' '),
                "{}",
                entry.pattern
            );
        }
    }

    /// No allow pattern, however wide, and no profile admits an entry of the dangerous table:
    /// each entry is tried with the entry itself, its top-level namespace and every profile
    /// allowed.
    #[test]
    fn no_allow_pattern_or_profile_admits_a_dangerous_entry() {
        for entry in dangerous_entries() {
            let path = entry
                .pattern
                .strip_suffix(".*")
                .map_or(entry.pattern.to_owned(), |module| {
                    format!("{module}.anything")
                });
            let (module, name) = path.rsplit_once('.').unwrap();
            let top = module.split('.').next().unwrap();
            let policy = ModelPolicy {
                extra_allowed_globals: vec![
                    path.clone(),
                    format!("{top}.*"),
                    format!("{module}.*"),
                ],
                profiles: profile_names().map(str::to_owned).collect(),
                ..ModelPolicy::default()
            };
            assert_eq!(
                classify_import(module, name, &policy),
                ImportClass::Dangerous,
                "{path}"
            );
            // The same path split at its first dot, as a protocol 4 dotted name.
            if let Some((first, rest)) = path.split_once('.') {
                assert_eq!(
                    classify_import(first, rest, &policy),
                    ImportClass::Dangerous,
                    "{first} + {rest}"
                );
            }
        }
    }

    #[test]
    fn profiles_dotted_names_and_loader_classes() {
        let profiled = ModelPolicy {
            profiles: vec!["scikit-learn".to_owned(), "numpy".to_owned()],
            ..ModelPolicy::default()
        };
        let class = |module, name| classify_import(module, name, &profiled);
        assert_eq!(
            class("sklearn.linear_model._logistic", "LogisticRegression"),
            ImportClass::Allowed
        );
        assert_eq!(
            class("sklearn.utils._testing", "assert_run_python_script"),
            ImportClass::Dangerous
        );
        assert_eq!(class("xgboost.core", "Booster"), ImportClass::Unknown);
        assert_eq!(
            class("torch", "utils.collect_env.run"),
            ImportClass::Dangerous,
            "dotted protocol-4 names are judged by their full path"
        );
        assert_eq!(
            class("collections", "OrderedDict.__init__.__globals__"),
            ImportClass::Dangerous
        );
        assert_eq!(class("builtins", "len"), ImportClass::Allowed);
        assert_eq!(
            class("__main__", "TrainingConfig"),
            ImportClass::LoaderDefined
        );
        assert!(dangerous_entry("torch.utils.collect_env", "run")
            .unwrap()
            .source
            .contains("GHSA-f745-w6jp-hpxx"));
    }
}
