//! `unsafe-serialization`, `dangerous-pickle-import`, `model-scan-incomplete`: what the pickle
//! streams of a weights file import, judged against an allowlist of what ordinary checkpoints
//! use (PyTorch tensor rebuilding, NumPy array reconstruction, plain containers) and a list of
//! known-dangerous modules and builtins (the lists of picklescan and modelscan, checked by
//! hand). Unpickling calls every imported callable, so an import outside the allowlist can run
//! code: that is high by default. A stream that could not be walked to its end is never clean.

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

/// Whole modules (and their submodules) whose callables reach the system, the network or an
/// interpreter.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "socket",
    "runpy",
    "importlib",
    "webbrowser",
    "pickle",
    "_pickle",
    "cPickle",
    "dill",
    "shutil",
    "sys",
    "pty",
    "code",
    "codeop",
    "ctypes",
    "multiprocessing",
    "marshal",
    "types",
    "requests",
    "urllib",
    "urllib2",
    "urllib3",
    "http",
    "httplib",
    "ftplib",
    "telnetlib",
    "smtplib",
    "asyncio",
    "pdb",
    "bdb",
    "timeit",
    "commands",
    "cProfile",
    "profile",
    "trace",
    "pip",
    "setuptools",
    "distutils",
    "torch.hub",
];

/// Builtins that evaluate code, reach attributes or open files.
const DANGEROUS_BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "execfile",
    "compile",
    "getattr",
    "setattr",
    "delattr",
    "__import__",
    "open",
    "input",
    "breakpoint",
    "globals",
    "locals",
    "vars",
    "apply",
    "file",
    "reload",
];

/// Single dangerous callables in otherwise harmless modules.
const DANGEROUS_CALLABLES: &[&str] = &[
    "operator.attrgetter",
    "operator.methodcaller",
    "_operator.attrgetter",
    "_operator.methodcaller",
    "numpy.load",
    "torch.load",
];

/// How one import is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ImportClass {
    Allowed,
    /// Outside the allowlist: it may run code.
    Unknown,
    Dangerous,
}

fn in_module(module: &str, parent: &str) -> bool {
    module == parent
        || module
            .strip_prefix(parent)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Judges `module.name` against the built-in lists and the policy's extra allowlist.
pub fn classify_import(module: &str, name: &str, policy: &ModelPolicy) -> ImportClass {
    let qualified = format!("{module}.{name}");
    if DANGEROUS_MODULES
        .iter()
        .any(|parent| in_module(module, parent))
        || (matches!(module, "builtins" | "__builtin__") && DANGEROUS_BUILTINS.contains(&name))
        || DANGEROUS_CALLABLES.contains(&qualified.as_str())
    {
        return ImportClass::Dangerous;
    }
    let torch_data = module == "torch"
        && (name.ends_with("Storage") && name.chars().all(|c| c.is_ascii_alphanumeric())
            || TORCH_DTYPES.contains(&name));
    if ALLOWED.contains(&qualified.as_str()) || torch_data || policy.allows(module, name) {
        ImportClass::Allowed
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
        let Some(weights) = component.facts.weights.as_deref() else {
            continue;
        };
        if weights.pickles.is_empty() {
            continue;
        }
        check_file(graph, component, weights, policy, &mut findings);
    }
    findings
}

fn check_file(
    graph: &DependencyGraph,
    component: &Component,
    weights: &WeightsFile,
    policy: &ModelPolicy,
    findings: &mut Vec<Finding>,
) {
    let path = match &component.key.source {
        crate::component::Source::File { path } => path.clone(),
        other => other.to_string(),
    };
    let mut dangerous = Vec::new();
    let mut unknown = Vec::new();
    let mut allowed = 0usize;
    for stream in &weights.pickles {
        for import in &stream.imports {
            match classify_import(&import.module, &import.name, policy) {
                ImportClass::Dangerous => dangerous.push((import, stream.name.as_str())),
                ImportClass::Unknown => unknown.push((import, stream.name.as_str())),
                ImportClass::Allowed => allowed += 1,
            }
        }
    }
    let note = format_note(weights);
    let evidence = vec![Location::file(path.clone())];
    if !dangerous.is_empty() {
        let mut finding = Finding::new(
            graph,
            RuleId::DangerousPickleImport,
            &component.key,
            format!(
                "`{path}` is a pickle{note} that imports {}: loading it runs that code",
                describe(&dangerous)
            ),
        );
        finding.evidence.clone_from(&evidence);
        findings.push(finding);
    } else {
        let (severity, message) = if unknown.is_empty() {
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
        let mut finding = Finding::new(graph, RuleId::UnsafeSerialization, &component.key, message);
        finding.severity = severity;
        finding.evidence.clone_from(&evidence);
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
        let mut finding = Finding::new(
            graph,
            RuleId::ModelScanIncomplete,
            &component.key,
            format!(
                "`{path}` could not be scanned to the end, so it is not known to be safe: {}",
                incomplete.join("; ")
            ),
        );
        finding.evidence = evidence;
        findings.push(finding);
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
}
