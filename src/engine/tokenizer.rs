//! The Gemma tokenizer, built from GGUF metadata with the `tokenizers` crate (or read from a
//! `tokenizer.json` when the model directory ships one).
//!
//! The GGUF holds a SentencePiece vocabulary (pieces, scores, types) but no merges. A BPE whose
//! merges are derived from the scores (a merge ranks by the merged piece's score, as Hugging
//! Face's slow→fast converter does) reproduces SentencePiece/llama.cpp; a Unigram model over the
//! same scores does not (measured: 1 of 25 strings matched).
use std::path::Path;

use ahash::AHashMap;
use candle_core::quantized::gguf_file;
use tokenizers::decoders::DecoderWrapper;
use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence;
use tokenizers::models::bpe::BPE;
use tokenizers::normalizers::Replace;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer};

use super::EngineError;

type Result<T> = std::result::Result<T, EngineError>;

// SentencePiece token types as llama.cpp writes them into GGUF.
const TYPE_NORMAL: i32 = 1;
const TYPE_UNKNOWN: i32 = 2;
const TYPE_CONTROL: i32 = 3;
const TYPE_USER_DEFINED: i32 = 4;

/// A tokenizer plus the ids generation needs.
#[derive(Clone)]
pub struct GemmaTokenizer {
    pub inner: Tokenizer,
    pub(crate) bos: Option<u32>,
    pub(crate) eos: Option<u32>,
    /// `<end_of_turn>`, which ends a chat answer.
    pub(crate) end_of_turn: Option<u32>,
}

impl std::fmt::Debug for GemmaTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GemmaTokenizer")
            .field("vocab", &self.inner.get_vocab_size(true))
            .field("bos", &self.bos)
            .field("eos", &self.eos)
            .finish()
    }
}

fn tok_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Tokenizer(e.to_string())
}

impl GemmaTokenizer {
    /// Loads `tokenizer.json` beside the model if there is one, else builds from the GGUF.
    pub(crate) fn for_model(model: &Path, gguf: Option<&gguf_file::Content>) -> Result<Self> {
        let json = model
            .parent()
            .map(|d| d.join("tokenizer.json"))
            .filter(|p| p.is_file());
        match (json, gguf) {
            (Some(path), _) => Self::from_json(&path),
            (None, Some(ct)) => Self::from_gguf(ct),
            (None, None) => Err(EngineError::Input(format!(
                "{}: no tokenizer.json beside the model and no GGUF metadata to build one",
                model.display()
            ))),
        }
    }

    pub(super) fn from_json(path: &Path) -> Result<Self> {
        let inner = Tokenizer::from_file(path)
            .map_err(|e| EngineError::Tokenizer(format!("{}: {e}", path.display())))?;
        let id = |s: &str| inner.token_to_id(s);
        Ok(Self {
            bos: id("<bos>"),
            eos: id("<eos>"),
            end_of_turn: id("<end_of_turn>"),
            inner,
        })
    }

    /// Builds the tokenizer from `tokenizer.ggml.*` metadata.
    fn from_gguf(ct: &gguf_file::Content) -> Result<Self> {
        let get = |k: &str| {
            ct.metadata
                .get(k)
                .ok_or_else(|| EngineError::Format(format!("GGUF metadata has no `{k}`")))
        };
        let model = get("tokenizer.ggml.model")?.to_string().map_err(tok_err)?;
        if model != "llama" {
            return Err(EngineError::Format(format!(
                "tokenizer.ggml.model `{model}` is not supported (want a SentencePiece `llama` vocabulary)"
            )));
        }
        let tokens: Vec<String> = get("tokenizer.ggml.tokens")?
            .to_vec()
            .map_err(tok_err)?
            .iter()
            .map(|v| v.to_string().cloned())
            .collect::<std::result::Result<_, _>>()
            .map_err(tok_err)?;
        let scores: Vec<f32> = match ct.metadata.get("tokenizer.ggml.scores") {
            Some(v) => v
                .to_vec()
                .map_err(tok_err)?
                .iter()
                .map(|v| v.to_f32())
                .collect::<std::result::Result<_, _>>()
                .map_err(tok_err)?,
            None => (0..tokens.len()).map(|i| -(i as f32)).collect(),
        };
        let types: Vec<i32> = match ct.metadata.get("tokenizer.ggml.token_type") {
            Some(v) => v
                .to_vec()
                .map_err(tok_err)?
                .iter()
                .map(|v| v.to_i32())
                .collect::<std::result::Result<_, _>>()
                .map_err(tok_err)?,
            None => vec![TYPE_NORMAL; tokens.len()],
        };
        if scores.len() != tokens.len() || types.len() != tokens.len() {
            return Err(EngineError::Format(
                "tokenizer.ggml.tokens, scores and token_type differ in length".into(),
            ));
        }
        let id_of = |k: &str| ct.metadata.get(k).and_then(|v| v.to_u32().ok());
        let bos = id_of("tokenizer.ggml.bos_token_id");
        let eos = id_of("tokenizer.ggml.eos_token_id");
        let unk = id_of("tokenizer.ggml.unknown_token_id");
        let add_bos = ct
            .metadata
            .get("tokenizer.ggml.add_bos_token")
            .and_then(|v| v.to_bool().ok())
            .unwrap_or(true);
        build(&tokens, &scores, &types, bos, eos, unk, add_bos)
    }

    /// Token ids for `text`, with BOS when the model adds one.
    pub fn encode(&self, text: &str, add_special: bool) -> Result<Vec<u32>> {
        Ok(self
            .inner
            .encode(text, add_special)
            .map_err(tok_err)?
            .get_ids()
            .to_vec())
    }

    pub(super) fn decode(&self, ids: &[u32], skip_special: bool) -> Result<String> {
        self.inner.decode(ids, skip_special).map_err(tok_err)
    }

    pub(crate) fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }
}

fn build(
    tokens: &[String],
    scores: &[f32],
    types: &[i32],
    bos: Option<u32>,
    eos: Option<u32>,
    unk: Option<u32>,
    add_bos: bool,
) -> Result<GemmaTokenizer> {
    let mut vocab: AHashMap<String, u32> = AHashMap::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        // Duplicates (rare, e.g. empty pieces) keep the first id, like SentencePiece.
        vocab.entry(t.clone()).or_insert(i as u32);
    }
    let merges = merges_from_scores(tokens, scores, &vocab);
    let mut bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .byte_fallback(true)
        .fuse_unk(true);
    if let Some(u) = unk.and_then(|u| tokens.get(u as usize)) {
        bpe = bpe.unk_token(u.clone());
    }
    let bpe = bpe.build().map_err(tok_err)?;
    let mut tk = Tokenizer::new(bpe);
    tk.with_normalizer(Some(Replace::new(" ", "▁").map_err(tok_err)?))
        .map_err(tok_err)?;
    let decoder = Sequence::new(vec![
        DecoderWrapper::Replace(Replace::new("▁", " ").map_err(tok_err)?),
        DecoderWrapper::ByteFallback(ByteFallback::new()),
        DecoderWrapper::Fuse(Fuse::new()),
    ]);
    tk.with_decoder(Some(decoder));
    let specials: Vec<AddedToken> = tokens
        .iter()
        .zip(types)
        .filter(|(_, t)| **t == TYPE_CONTROL || **t == TYPE_UNKNOWN)
        .map(|(s, _)| AddedToken::from(s.clone(), true).normalized(false))
        .collect();
    tk.add_special_tokens(specials).map_err(tok_err)?;
    let user: Vec<AddedToken> = tokens
        .iter()
        .zip(types)
        .filter(|(_, t)| **t == TYPE_USER_DEFINED)
        .map(|(s, _)| AddedToken::from(s.clone(), false).normalized(true))
        .collect();
    tk.add_tokens(user).map_err(tok_err)?;
    if add_bos && let Some(b) = bos {
        let name = tokens[b as usize].clone();
        let template = TemplateProcessing::builder()
            .try_single(format!("{name} $A"))
            .map_err(tok_err)?
            .try_pair(format!("{name} $A {name} $B"))
            .map_err(tok_err)?
            .special_tokens(vec![(name, b)])
            .build()
            .map_err(tok_err)?;
        tk.with_post_processor(Some(template));
    }
    let eot = tk.token_to_id("<end_of_turn>");
    Ok(GemmaTokenizer {
        inner: tk,
        bos,
        eos,
        end_of_turn: eot,
    })
}

/// Merges in the order Hugging Face's converter derives them: every split of every piece into
/// two pieces that are both in the vocabulary, ranked by the merged piece's score (higher first),
/// then longer left part, then longer right part.
fn merges_from_scores(
    tokens: &[String],
    scores: &[f32],
    vocab: &AHashMap<String, u32>,
) -> Vec<(String, String)> {
    // (score, left len, right len, left id, right id)
    let mut all: Vec<(f32, usize, usize, u32, u32)> = Vec::new();
    for (piece, &score) in tokens.iter().zip(scores) {
        let mut local: Vec<(f32, usize, usize, u32, u32)> = Vec::new();
        for (idx, _) in piece.char_indices().skip(1) {
            let (l, r) = piece.split_at(idx);
            if let (Some(&li), Some(&ri)) = (vocab.get(l), vocab.get(r)) {
                local.push((score, l.chars().count(), r.chars().count(), li, ri));
            }
        }
        local.sort_by_key(|m| (m.3, m.4));
        all.extend(local);
    }
    // Stable sort, descending on (score, left len, right len), as Python's sorted(reverse=True).
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
    all.into_iter()
        .map(|(_, _, _, l, r)| (tokens[l as usize].clone(), tokens[r as usize].clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> GemmaTokenizer {
        let mut tokens: Vec<String> = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>"]
            .map(String::from)
            .to_vec();
        let mut types = vec![
            TYPE_CONTROL,
            TYPE_CONTROL,
            TYPE_CONTROL,
            TYPE_UNKNOWN,
            TYPE_CONTROL,
        ];
        for b in 0..=255u8 {
            tokens.push(format!("<0x{b:02X}>"));
            types.push(6);
        }
        for p in ["a", "b", "▁", "ab", "▁ab", "\n\n"] {
            tokens.push(p.into());
            types.push(if p == "\n\n" {
                TYPE_USER_DEFINED
            } else {
                TYPE_NORMAL
            });
        }
        let scores: Vec<f32> = (0..tokens.len()).map(|i| -(i as f32)).collect();
        build(&tokens, &scores, &types, Some(2), Some(1), Some(3), true).unwrap()
    }

    #[test]
    fn bpe_from_scores_with_byte_fallback_and_bos() {
        let t = toy();
        let ids = t.encode("ab ab", true).unwrap();
        let pieces: Vec<String> = ids
            .iter()
            .map(|&i| t.inner.id_to_token(i).unwrap())
            .collect();
        assert_eq!(pieces, ["<bos>", "ab", "▁ab"]);
        // "c" is not in the vocabulary: byte fallback.
        let ids = t.encode("c", false).unwrap();
        assert_eq!(t.inner.id_to_token(ids[0]).unwrap(), "<0x63>");
        assert_eq!(
            t.decode(&t.encode("ab ab\n\nc", true).unwrap(), true)
                .unwrap(),
            "ab ab\n\nc"
        );
        let ids = t.encode("<start_of_turn>a", false).unwrap();
        assert_eq!(ids[0], 4);
    }
}
