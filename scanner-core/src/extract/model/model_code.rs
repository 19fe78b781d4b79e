//! Code a model file makes its loader run, named in its configuration rather than pickled:
//! Keras v3 `.keras` archives (`config.json`: `Lambda` layers carry Python code, and a
//! `module` outside the Keras namespace names code the loader imports, CVE-2025-1550 and the
//! safe-mode bypasses after it), NeMo `.nemo` archives (Hydra `_target_` in
//! `model_config.yaml` instantiates any callable, CVE-2025-23304) and TorchScript archives
//! (`code/**/*.py`, compiled and run by `torch.jit.load`: a call outside `torch` is not
//! TorchScript's own). Formats: Keras `saving_lib` (a zip with `config.json`,
//! `metadata.json`, `model.weights.h5`), NeMo `SaveRestoreConnector` (a tar with
//! `model_config.yaml`), PyTorch `torch.jit.save` (a zip with `code/`). Only these entries are
//! read, each capped; HDF5 `.h5` files are not read (no HDF5 reader without a C library).

use std::io::Read;

use crate::model::CodeHazard;

/// A configuration or code entry is read up to this many bytes.
pub const MAX_ENTRY_BYTES: u64 = 16 * 1024 * 1024;

/// Keras: every object with a `class_name` of `Lambda`, every `module` outside Keras.
pub fn keras_config(text: &str, place: &str, hazards: &mut Vec<CodeHazard>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        hazards.push(CodeHazard {
            place: place.to_owned(),
            what: "the Keras config is not JSON, so the layers it builds are unknown".to_owned(),
        });
        return;
    };
    let mut stack = vec![&value];
    let mut visited = 0usize;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > 1_000_000 || hazards.len() >= 32 {
            break;
        }
        match node {
            serde_json::Value::Object(map) => {
                let class = map.get("class_name").and_then(serde_json::Value::as_str);
                if class == Some("Lambda") {
                    let name = map
                        .get("config")
                        .and_then(|config| config.get("name"))
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("?");
                    hazards.push(CodeHazard {
                        place: place.to_owned(),
                        what: format!(
                            "`Lambda` layer `{name}`: its function is Python code Keras runs \
                             (CVE-2025-1550 family)"
                        ),
                    });
                }
                if let Some(module) = map.get("module").and_then(serde_json::Value::as_str) {
                    let keras = ["keras", "tf_keras", "tensorflow.keras"]
                        .iter()
                        .any(|root| module == *root || module.starts_with(&format!("{root}.")));
                    if !keras && class.is_some() {
                        hazards.push(CodeHazard {
                            place: place.to_owned(),
                            what: format!(
                                "`module` `{module}` (class `{}`) names code outside Keras the \
                                 loader imports",
                                class.unwrap_or("?")
                            ),
                        });
                    }
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
}

/// Hydra targets NeMo's own models use; anything else instantiates foreign code.
const NEMO_TARGETS: &[&str] = &[
    "nemo.",
    "torch.nn.",
    "torch.optim.",
    "torch.utils.data.",
    "pytorch_lightning.",
    "lightning.",
    "megatron.core.",
];

/// NeMo: every `_target_:` line of a YAML config naming a callable outside NeMo's namespaces.
pub fn nemo_config(text: &str, place: &str, hazards: &mut Vec<CodeHazard>) {
    for (index, line) in text.lines().enumerate() {
        let Some((key, value)) = line.trim_start().trim_start_matches("- ").split_once(':') else {
            continue;
        };
        if key.trim() != "_target_" {
            continue;
        }
        let target = value.trim().trim_matches(['"', '\'']);
        if !NEMO_TARGETS
            .iter()
            .any(|allowed| target.starts_with(allowed))
        {
            hazards.push(CodeHazard {
                place: format!("{place}:{}", index + 1),
                what: format!(
                    "Hydra `_target_: {target}` instantiates a callable outside NeMo \
                     (CVE-2025-23304)"
                ),
            });
        }
    }
}

/// Names TorchScript code has no use for: reaching them is Python, not TorchScript.
const FOREIGN_NAMES: &[&str] = &[
    "os",
    "subprocess",
    "sys",
    "builtins",
    "importlib",
    "socket",
    "__import__",
    "eval",
    "exec",
    "compile",
    "open",
    "getattr",
];

/// TorchScript: `code/` source naming modules and builtins outside `torch` (a name not after
/// a `.`, followed by `.` or `(`), or importing anything.
pub fn torchscript_code(text: &str, place: &str, hazards: &mut Vec<CodeHazard>) {
    for (index, line) in text.lines().enumerate() {
        let characters: Vec<char> = line.chars().collect();
        let mut start = 0;
        while start < characters.len() {
            let is_word = |c: &char| c.is_ascii_alphanumeric() || *c == '_';
            if !characters.get(start).is_some_and(is_word) {
                start += 1;
                continue;
            }
            let mut end = start;
            while characters.get(end).is_some_and(is_word) {
                end += 1;
            }
            let word: String = characters
                .get(start..end)
                .unwrap_or_default()
                .iter()
                .collect();
            let after_dot = start
                .checked_sub(1)
                .and_then(|before| characters.get(before))
                == Some(&'.');
            let next = characters
                .get(end..)
                .unwrap_or_default()
                .iter()
                .find(|c| !c.is_whitespace());
            let reaches = !after_dot
                && matches!(next, Some('.' | '('))
                && FOREIGN_NAMES.contains(&word.as_str());
            if reaches || (word == "import" && !after_dot) {
                hazards.push(CodeHazard {
                    place: format!("{place}:{}", index + 1),
                    what: format!("TorchScript code reaches `{word}`, outside torch"),
                });
                break;
            }
            start = end;
        }
    }
}

/// Reads a capped text entry.
pub fn read_text(reader: &mut dyn Read) -> Option<String> {
    let mut bytes = Vec::new();
    reader.take(MAX_ENTRY_BYTES).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_nemo_and_torchscript() {
        let mut found = Vec::new();
        keras_config(
            r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
                {"module": "keras.layers", "class_name": "Dense", "config": {}},
                {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l"}},
                {"module": "os", "class_name": "system", "config": {}}]}}"#,
            "config.json",
            &mut found,
        );
        assert_eq!(found.len(), 2, "{found:?}");
        let mut nemo = Vec::new();
        nemo_config(
            "a:\n  _target_: nemo.collections.asr.X\nb:\n  _target_: os.system\n",
            "model_config.yaml",
            &mut nemo,
        );
        assert_eq!(nemo.len(), 1);
        assert_eq!(nemo[0].place, "model_config.yaml:4");
        let mut script = Vec::new();
        torchscript_code(
            "def forward(self, x):\n    return torch.relu(x)\n",
            "code/m.py",
            &mut script,
        );
        assert!(script.is_empty(), "{script:?}");
        torchscript_code(
            "    __import__('os').system('id')\n",
            "code/m.py",
            &mut script,
        );
        assert_eq!(script.len(), 1);
    }
}
