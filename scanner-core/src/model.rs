//! Facts about machine-learning models kept on components: the model card (read from a Hugging
//! Face card's YAML front matter and `config.json`) on the model component, and what a weights
//! file holds (format, tensors, pickle imports, LFS pointer, expected digests) on each file
//! component. Risk rules read these facts; SBOM writers turn [`ModelCard`] into a CycloneDX
//! `modelCard` (task → `modelParameters.task`, architecture family and architecture,
//! datasets, `quantitativeAnalysis.performanceMetrics`, `considerations`), so every field here
//! names its CycloneDX counterpart or says that it has none.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::location::Location;

fn location_text<S: serde::Serializer>(
    location: &Location,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(location)
}

fn optional_location_text<S: serde::Serializer>(
    location: &Option<Location>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match location {
        Some(location) => serializer.collect_str(location),
        None => serializer.serialize_none(),
    }
}

/// Everything known about one model, merged from its card, its configs and its weights.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ModelCard {
    /// The hub repository and revision, when the Hugging Face cache layout names them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<HubRepository>,
    /// Where the card (README.md front matter) was read, if there is one.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "optional_location_text"
    )]
    pub card: Option<Location>,
    /// `pipeline_tag` (CycloneDX `modelParameters.task`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// `model_type` from `config.json` or the card (`modelParameters.architectureFamily`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture_family: Option<String>,
    /// `architectures` from `config.json`; the first is `modelParameters.modelArchitecture`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub architectures: Vec<String>,
    /// `library_name` of the card (`transformers`, `peft`, `gguf`): the library that loads the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library_name: Option<String>,
    /// The card's `language` list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// The card's `tags`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Hub dataset ids (`modelParameters.datasets`, as references to data components).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<String>,
    /// The card's license, with where it is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<ModelLicense>,
    /// `base_model` entries with how this model derives from each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub base_models: Vec<BaseModel>,
    /// `model-index` results (`quantitativeAnalysis.performanceMetrics`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<EvaluationResult>,
    /// Card sections on intended use, limitations and ethics (`considerations`).
    #[serde(skip_serializing_if = "Considerations::is_empty")]
    pub considerations: Considerations,
    /// Access is gated on the hub (`extra_gated_*` or `gated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gated: Option<Gating>,
    /// `model_name`, `model_creator`, `quantized_by` of quantization cards (no CycloneDX field;
    /// the creator is a provenance hint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// Who made the model the file was quantized from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_creator: Option<String>,
    /// Who quantized it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantized_by: Option<String>,
    /// `torch_dtype` / `dtype` from `config.json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dtype: Option<String>,
    /// `transformers_version` from `config.json`: the library version the files were saved with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transformers_version: Option<String>,
    /// `auto_map` entries: loading needs `trust_remote_code`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remote_code: Vec<RemoteCode>,
    /// Shards a sharded checkpoint's index names that are not on disk.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<MissingShard>,
}

impl ModelCard {
    /// Folds another file's facts about the same model in: single values keep the first one
    /// found, lists are united (sorted, without duplicates).
    pub fn merge(&mut self, other: ModelCard) {
        fn first<T>(mine: &mut Option<T>, theirs: Option<T>) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
        fn unite<T: Ord>(mine: &mut Vec<T>, theirs: Vec<T>) {
            mine.extend(theirs);
            mine.sort();
            mine.dedup();
        }
        first(&mut self.repository, other.repository);
        first(&mut self.card, other.card);
        first(&mut self.task, other.task);
        first(&mut self.architecture_family, other.architecture_family);
        if self.architectures.is_empty() {
            // Order matters: the first architecture is the model's class.
            self.architectures = other.architectures;
        }
        first(&mut self.library_name, other.library_name);
        unite(&mut self.languages, other.languages);
        unite(&mut self.tags, other.tags);
        unite(&mut self.datasets, other.datasets);
        first(&mut self.license, other.license);
        for base in other.base_models {
            if !self.base_models.iter().any(|known| known.name == base.name) {
                self.base_models.push(base);
            }
        }
        self.base_models.sort();
        unite(&mut self.results, other.results);
        unite(
            &mut self.considerations.intended_uses,
            other.considerations.intended_uses,
        );
        unite(
            &mut self.considerations.limitations,
            other.considerations.limitations,
        );
        unite(
            &mut self.considerations.ethical,
            other.considerations.ethical,
        );
        first(&mut self.gated, other.gated);
        first(&mut self.model_name, other.model_name);
        first(&mut self.model_creator, other.model_creator);
        first(&mut self.quantized_by, other.quantized_by);
        first(&mut self.dtype, other.dtype);
        first(&mut self.transformers_version, other.transformers_version);
        unite(&mut self.remote_code, other.remote_code);
        unite(&mut self.missing_shards, other.missing_shards);
    }
}

/// A hub repository at one revision.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct HubRepository {
    /// `org/name` (or a bare `name` for legacy repositories).
    pub id: String,
    /// The commit the snapshot holds.
    pub revision: String,
}

/// The card's license.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ModelLicense {
    /// The hub license id as written (`apache-2.0`, `cc-by-nc-4.0`, `other`, `llama3`).
    pub id: String,
    /// `license_name` (with `other`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `license_link` (with `other`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Where the license is written (the card's line).
    #[serde(serialize_with = "location_text")]
    pub location: Location,
}

/// One base model and how this model derives from it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BaseModel {
    /// Hub id, `org/name`.
    pub name: String,
    /// `finetune`, `adapter`, `quantized` or `merge`.
    pub relation: String,
    /// False when the card gave no `base_model_relation` and airlock inferred it the way the hub
    /// does (an adapter library or config, a quantized format, several bases).
    pub relation_declared: bool,
    /// Where the base model is named.
    #[serde(serialize_with = "location_text")]
    pub location: Location,
}

/// One `model-index` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EvaluationResult {
    /// `task.type` (`text-generation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// `dataset.type`: the hub id of the dataset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// `dataset.name` as shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_name: Option<String>,
    /// `dataset.config`: the dataset configuration evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_config: Option<String>,
    /// `dataset.split`: the split evaluated (`test`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_split: Option<String>,
    /// `metric.type` (`accuracy`).
    pub metric_type: String,
    /// `metric.name` as shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// As written (numbers are kept as text: no rounding, deterministic output).
    pub value: String,
}

/// Text of the card's sections about use and limits, capped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Considerations {
    /// `considerations.useCases`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub intended_uses: Vec<String>,
    /// `considerations.technicalLimitations`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub limitations: Vec<String>,
    /// `considerations.ethicalConsiderations`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ethical: Vec<String>,
}

impl Considerations {
    /// True when the card has none of these sections.
    pub fn is_empty(&self) -> bool {
        self.intended_uses.is_empty() && self.limitations.is_empty() && self.ethical.is_empty()
    }
}

/// Hub access gating declared by the card.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Gating {
    /// The `extra_gated_*` keys (or `gated`) present.
    pub keys: Vec<String>,
    /// Where the gating keys are written.
    #[serde(serialize_with = "location_text")]
    pub location: Location,
}

/// One `auto_map` entry: a class whose code is not part of the library.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RemoteCode {
    /// `AutoModel`, `AutoTokenizer`, …
    pub auto_class: String,
    /// As written: `modeling.NewModel` or `org/repo--modeling.NewModel`.
    pub reference: String,
    /// The other hub repository holding the code, when the reference names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The Python file the code would come from (`modeling.py`).
    pub module_file: String,
    /// Whether that file is in the model directory (`None` when it could not be checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_present: Option<bool>,
    /// Where the `auto_map` entry is written.
    #[serde(serialize_with = "location_text")]
    pub location: Location,
}

/// A shard named by an index that is not on disk.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MissingShard {
    /// The shard's file name, as the index names it.
    pub shard: String,
    /// The index entry that names it.
    #[serde(serialize_with = "location_text")]
    pub location: Location,
}

/// What a weights file holds, by content (the extension only chose the extractor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightsFormat {
    /// safetensors: a JSON header and raw tensors, no code.
    Safetensors,
    /// GGUF (llama.cpp): metadata and tensors, no code.
    Gguf,
    /// `torch.save` since PyTorch 1.6: a zip with `*/data.pkl` and raw storages.
    PytorchZip,
    /// PyTorch before 1.6 with `_use_new_zipfile_serialization=False`: pickles back to back.
    PytorchLegacy,
    /// The oldest PyTorch layout: a tar with `sys_info`, `pickle`, `storages`, `tensors`.
    PytorchTar,
    /// A plain pickle stream (`.pkl`, `.joblib`, or a `.bin` that is one).
    Pickle,
    /// A NumPy `.npy` array (an object array is a pickle).
    Numpy,
    /// A NumPy `.npz` zip of arrays.
    NumpyZip,
    /// An ONNX protobuf graph.
    Onnx,
    /// An HDF5 file (Keras `.h5`): its `model_config` is checked, its datasets are hashed.
    Hdf5,
    /// A generic container (zip, tar) holding pickles, found by content.
    Archive,
    /// A git-lfs pointer: the weights were never downloaded.
    LfsPointer,
    /// Nothing airlock recognizes.
    Unknown,
}

impl WeightsFormat {
    /// True for the formats whose loading can unpickle (PyTorch in every layout, plain pickles,
    /// NumPy object arrays, generic archives of pickles) and for content airlock could not
    /// recognize: such a file is safe only as far as airlock walked it.
    pub fn may_run_code_on_load(self) -> bool {
        match self {
            WeightsFormat::PytorchZip
            | WeightsFormat::PytorchLegacy
            | WeightsFormat::PytorchTar
            | WeightsFormat::Pickle
            | WeightsFormat::Numpy
            | WeightsFormat::NumpyZip
            | WeightsFormat::Archive
            // Keras `.h5` models carry Lambda layers (marshalled Python code).
            | WeightsFormat::Hdf5
            | WeightsFormat::Unknown => true,
            WeightsFormat::Safetensors
            | WeightsFormat::Gguf
            | WeightsFormat::Onnx
            | WeightsFormat::LfsPointer => false,
        }
    }

    /// The format as the outputs write it (`pytorch-zip`).
    pub fn as_str(self) -> &'static str {
        match self {
            WeightsFormat::Safetensors => "safetensors",
            WeightsFormat::Gguf => "gguf",
            WeightsFormat::PytorchZip => "pytorch-zip",
            WeightsFormat::PytorchLegacy => "pytorch-legacy",
            WeightsFormat::PytorchTar => "pytorch-tar",
            WeightsFormat::Pickle => "pickle",
            WeightsFormat::Numpy => "numpy",
            WeightsFormat::NumpyZip => "numpy-zip",
            WeightsFormat::Onnx => "onnx",
            WeightsFormat::Hdf5 => "hdf5",
            WeightsFormat::Archive => "archive",
            WeightsFormat::LfsPointer => "lfs-pointer",
            WeightsFormat::Unknown => "unknown",
        }
    }
}

/// Facts about one weights file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeightsFile {
    /// What the content is.
    pub format: WeightsFormat,
    /// The format the extension promised, when the content is something else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_format: Option<WeightsFormat>,
    /// Real size on disk, even when only a prefix was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// How many tensors the file holds, when its format says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tensors: Option<u64>,
    /// How many parameters (elements over all tensors), when its format says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<u64>,
    /// Parameters per element type (`F32`, `BF16`, `Q4_K`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dtypes: BTreeMap<String, u64>,
    /// Format-level metadata (safetensors `__metadata__`, GGUF `general.*`, ONNX producer),
    /// capped in count and length.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// The pickle streams found, with what they import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pickles: Vec<PickleStream>,
    /// The pointer, when the file is a git-lfs pointer instead of the weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lfs: Option<LfsPointer>,
    /// Digests the content must have, with where that expectation comes from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_sha256: Vec<ExpectedDigest>,
    /// Why the file does not match its own format (truncated, offsets past the end, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Code a loader runs that the file names or carries (Keras `Lambda` layers and modules,
    /// NeMo `_target_`s, TorchScript `code/` calls outside `torch`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub code_hazards: Vec<CodeHazard>,
    /// Files the model's tensors are read from (ONNX `external_data` locations).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_data: Vec<ExternalData>,
    /// Chat templates read from the file's metadata (GGUF); moved to the file component's
    /// [`crate::facts::Facts::chat_templates`] by the extractor.
    #[serde(skip)]
    pub chat_templates: Vec<ChatTemplate>,
}

impl WeightsFile {
    /// Facts of a file of `format`, with nothing else known yet.
    pub fn new(format: WeightsFormat) -> WeightsFile {
        WeightsFile {
            format,
            extension_format: None,
            size: None,
            tensors: None,
            parameters: None,
            dtypes: BTreeMap::new(),
            metadata: BTreeMap::new(),
            pickles: Vec::new(),
            lfs: None,
            expected_sha256: Vec::new(),
            problems: Vec::new(),
            code_hazards: Vec::new(),
            external_data: Vec::new(),
            chat_templates: Vec::new(),
        }
    }

    /// Folds another report on the same file in (two extractors rarely read one file; keep both
    /// sets of observations).
    pub fn merge(&mut self, other: WeightsFile) {
        if self.format == WeightsFormat::Unknown {
            self.format = other.format;
        }
        self.extension_format = self.extension_format.or(other.extension_format);
        self.size = self.size.or(other.size);
        self.tensors = self.tensors.or(other.tensors);
        self.parameters = self.parameters.or(other.parameters);
        for (key, value) in other.dtypes {
            self.dtypes.entry(key).or_insert(value);
        }
        for (key, value) in other.metadata {
            self.metadata.entry(key).or_insert(value);
        }
        self.pickles.extend(other.pickles);
        self.pickles.sort();
        self.pickles.dedup();
        self.lfs = self.lfs.take().or(other.lfs);
        self.expected_sha256.extend(other.expected_sha256);
        self.expected_sha256.sort();
        self.expected_sha256.dedup();
        self.problems.extend(other.problems);
        self.problems.sort();
        self.problems.dedup();
        self.code_hazards.extend(other.code_hazards);
        self.code_hazards.sort();
        self.code_hazards.dedup();
        self.external_data.extend(other.external_data);
        self.external_data.sort();
        self.external_data.dedup();
    }
}

/// A Jinja chat template found in a model's files (GGUF metadata, `tokenizer_config.json`,
/// `chat_template.jinja`), as inspected without rendering it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ChatTemplate {
    /// Where the template was read: `tokenizer.chat_template` (GGUF metadata key),
    /// `chat_template` (JSON key), `chat_template["tool_use"]`, or `file` for a `.jinja` file.
    pub origin: String,
    /// Line of the file where the template's text starts, when the file has lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Sandbox-escape patterns found, with their line in the template.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hazards: Vec<TemplateHazard>,
    /// Why the template does not parse as Jinja (its tokens were still checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
    /// The template line the parse error points at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_line: Option<u32>,
    /// Why the template was not inspected to its end (too long, not lexable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
}

/// Code a model file makes its loader run, found without running it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CodeHazard {
    /// The entry and line it was found in (`config.json`, `model_config.yaml:3`).
    pub place: String,
    /// What the loader would run (`auto_map` class, a Keras `Lambda` layer, ...).
    pub what: String,
}

/// A file a model's loader reads tensors from, as the model names it (ONNX `TensorProto`
/// `external_data` entry `location`, relative to the model file's folder).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExternalData {
    /// The location as written in the model.
    pub location: String,
    /// The first tensor stored there.
    pub tensor: String,
    /// How many tensors are stored there.
    pub tensors: u64,
    /// The largest `offset + length` the tensors claim (the file must be at least that long).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extent: Option<u64>,
    /// Why the location reaches outside the model's folder (absolute, `..`, a link that leaves
    /// it): the loader would read (or, on save, write) a file the model does not own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escapes: Option<String>,
}

/// One sandbox-escape pattern in a chat template.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TemplateHazard {
    /// 1-based line within the template.
    pub line: u32,
    /// What was found: "attribute `__globals__`", "the `cycler` global's attributes".
    pub what: String,
}

/// One pickle stream as walked, opcode by opcode, without unpickling.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PickleStream {
    /// Where in the file: `data.pkl` inside a zip, `pickle 2 at byte 58`, …
    pub name: String,
    /// Every callable or class the stream imports, in order of first appearance.
    pub imports: Vec<PickleImport>,
    /// False when the walk stopped before the stream's end: what follows is unknown.
    pub complete: bool,
    /// Why the walk stopped early, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete_reason: Option<String>,
}

/// A global a pickle imports (`GLOBAL`, `STACK_GLOBAL`, `INST`) and whether it is then called
/// (`REDUCE`, `OBJ`, `NEWOBJ`, `INST`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PickleImport {
    /// The module the global comes from (`torch._utils`).
    pub module: String,
    /// The global's name in it (`_rebuild_tensor_v2`).
    pub name: String,
    /// The opcode that imported it (`GLOBAL`, `STACK_GLOBAL`, `INST`).
    pub opcode: &'static str,
    /// Byte offset of the importing opcode within the stream.
    pub offset: u64,
    /// True when the stream then calls it (`REDUCE`, `OBJ`, `NEWOBJ`, `INST`).
    pub called: bool,
}

impl PickleImport {
    /// `module.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// A pickle import as an SBOM states it (`airlock:pickle-imports`), for a weights file airlock
/// did not read itself: a claim of whoever wrote the SBOM, which can only raise a verdict (an
/// SBOM that states no import is not taken to mean the file has none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StatedImport {
    /// The module the global is looked up in (`posix`).
    pub module: String,
    /// The global's name in it (`system`; dotted for protocol 4 attribute walks).
    pub name: String,
    /// Whether the stream calls it (`REDUCE`, `OBJ`, `NEWOBJ`, `INST`).
    pub called: bool,
}

impl StatedImport {
    /// `module.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }

    /// The distinct imports of the walked streams of a weights file (called if any stream
    /// calls it), sorted: what airlock writes for others to read back.
    pub fn from_weights(weights: &WeightsFile) -> Vec<StatedImport> {
        let mut stated: Vec<StatedImport> = Vec::new();
        for import in weights.pickles.iter().flat_map(|stream| &stream.imports) {
            match stated
                .iter_mut()
                .find(|known| known.module == import.module && known.name == import.name)
            {
                Some(known) => known.called |= import.called,
                None => stated.push(StatedImport {
                    module: import.module.clone(),
                    name: import.name.clone(),
                    called: import.called,
                }),
            }
        }
        stated.sort();
        stated
    }
}

/// A git-lfs pointer's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LfsPointer {
    /// SHA-256 of the real file, lowercase hex.
    pub oid: String,
    /// Size of the real file in bytes.
    pub size: u64,
}

/// A digest a file is expected to have.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExpectedDigest {
    /// The SHA-256 the file must have, lowercase hex.
    pub sha256: String,
    /// Where the expectation comes from (`hugging face cache blob name`).
    pub source: String,
}
