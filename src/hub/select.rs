//! What to pull: the aliases, the files chosen from a repo listing, and the checks on names a
//! user passes (repo id, `--file`, `--name`, `--revision`).
use std::path::{Component, Path};

use super::HubError;

/// A short name for a repo AIDA knows how to use, with the files it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Alias {
    pub(super) name: &'static str,
    pub(super) repo: &'static str,
    pub(super) files: &'static [&'static str],
    /// The repo asks users to accept a license first: downloads need a token.
    pub(super) gated: bool,
}

/// The aliases `aida model pull` accepts instead of a repo id.
pub(super) const ALIASES: &[Alias] = &[
    Alias {
        name: "all-MiniLM-L6-v2",
        repo: "sentence-transformers/all-MiniLM-L6-v2",
        files: &["config.json", "tokenizer.json", "model.safetensors"],
        gated: false,
    },
    Alias {
        name: "gemma-3-270m",
        repo: "google/gemma-3-270m",
        files: &["config.json", "tokenizer.json", "model.safetensors"],
        gated: true,
    },
];

/// The alias called `name`, if any.
pub(super) fn find_alias(name: &str) -> Option<&'static Alias> {
    ALIASES.iter().find(|a| a.name == name)
}

/// How a file list was picked from a repo listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Selection {
    pub(super) files: Vec<String>,
    pub(super) reason: String,
}

/// Picks what to download from a repo's file list: its only GGUF; else the GGUF whose name
/// carries `quant` (case-insensitive, as a whole token: `Q4_K` does not match `Q4_K_M`); else a
/// Transformers checkpoint (config.json, tokenizer files, root-level safetensors).
pub(super) fn select_files(
    repo: &str,
    siblings: &[String],
    quant: &str,
) -> Result<Selection, HubError> {
    // mmproj files are vision projectors that ride along with llama.cpp GGUF repos.
    let ggufs: Vec<&String> = siblings
        .iter()
        .filter(|f| f.to_ascii_lowercase().ends_with(".gguf"))
        .filter(|f| !base_name(f).to_ascii_lowercase().starts_with("mmproj"))
        .collect();
    match ggufs.as_slice() {
        [one] => {
            return Ok(Selection {
                files: vec![(*one).clone()],
                reason: format!("the repo's only GGUF file, {one}"),
            });
        }
        [] => {}
        several => {
            let hits: Vec<&&String> = several
                .iter()
                .filter(|f| has_quant_token(base_name(f), quant))
                .collect();
            let listing = several
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return match hits.as_slice() {
                [hit] => Ok(Selection {
                    files: vec![(**hit).clone()],
                    reason: format!(
                        "the {quant} GGUF among {} ({listing}); --quant picks another",
                        several.len()
                    ),
                }),
                [] => Err(HubError::NothingUsable {
                    repo: repo.to_string(),
                    reason: format!(
                        "no GGUF file matches --quant {quant} among {listing}; pass --quant or --file"
                    ),
                }),
                _ => Err(HubError::NothingUsable {
                    repo: repo.to_string(),
                    reason: format!(
                        "several GGUF files match --quant {quant} ({}); pick one with --file",
                        hits.iter()
                            .map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
            };
        }
    }
    let has = |name: &str| siblings.iter().any(|f| f == name);
    // Root level only: sentence-transformers repos keep other modules' weights in subfolders.
    let weights: Vec<&String> = siblings
        .iter()
        .filter(|f| !f.contains('/') && f.ends_with(".safetensors"))
        .collect();
    if has("config.json") && !weights.is_empty() {
        let mut files = vec!["config.json".to_string()];
        for extra in [
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "model.safetensors.index.json",
        ] {
            if has(extra) {
                files.push(extra.to_string());
            }
        }
        files.extend(weights.iter().map(|w| (*w).clone()));
        return Ok(Selection {
            reason: format!(
                "no GGUF in the repo: the Transformers checkpoint (config.json, tokenizer files, {} \
                 safetensors file{})",
                weights.len(),
                if weights.len() == 1 { "" } else { "s" }
            ),
            files,
        });
    }
    Err(HubError::NothingUsable {
        repo: repo.to_string(),
        reason: format!(
            "nothing AIDA can load among its {} files (wanted a .gguf, or config.json with \
             .safetensors weights); name files with --file",
            siblings.len()
        ),
    })
}

pub(super) fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `quant` appears in `name` (case-insensitive) between characters that cannot be part of a
/// quantization name.
fn has_quant_token(name: &str, quant: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let quant = quant.to_ascii_lowercase();
    if quant.is_empty() {
        return false;
    }
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '_';
    name.match_indices(&quant).any(|(i, _)| {
        let before = name[..i].chars().next_back();
        let after = name[i + quant.len()..].chars().next();
        !before.is_some_and(is_part) && !after.is_some_and(is_part)
    })
}

/// A repo id the Hub accepts: `name` or `org/name`, letters, digits, `-`, `_`, `.`.
pub(super) fn check_repo_id(repo: &str) -> Result<(), HubError> {
    let parts: Vec<&str> = repo.split('/').collect();
    let ok_part = |p: &&str| {
        !p.is_empty()
            && *p != "."
            && *p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if parts.len() > 2 || !parts.iter().all(ok_part) {
        return Err(HubError::BadInput(format!(
            "{repo:?} is not a Hugging Face repo id (want ORG/NAME) nor an alias ({})",
            ALIASES
                .iter()
                .map(|a| a.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// A repo file path: relative, no `..`, so it cannot land outside the model directory.
pub(super) fn check_file_name(file: &str) -> Result<(), HubError> {
    let path = Path::new(file);
    let plain = !file.is_empty()
        && !file.contains('\\')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if !plain || file == "SOURCE.json" {
        return Err(HubError::BadInput(format!(
            "--file {file:?}: want a path inside the repo such as model.safetensors"
        )));
    }
    Ok(())
}

pub(super) fn check_dir_name(name: &str) -> Result<(), HubError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err(HubError::BadInput(format!(
            "--name {name:?}: want a plain directory name"
        )));
    }
    Ok(())
}

/// A revision becomes a path under the cache's refs/: keep it relative and plain.
pub(super) fn check_revision(revision: &str) -> Result<(), HubError> {
    let plain_revision = revision
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if revision.is_empty()
        || !plain_revision
        || revision.starts_with('/')
        || revision.contains("..")
        || revision.ends_with('/')
    {
        return Err(HubError::BadInput(format!(
            "--revision {revision:?}: want a branch, tag or commit"
        )));
    }
    Ok(())
}
