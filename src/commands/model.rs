//! `aida model ...`: manage and inspect local models.
use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::engine::{EngineError, LoadOptions, LocalLlm};
use crate::exit::{Status, input_error};
use crate::models::{self, InstalledModel, human_bytes};
use crate::output::{Format, print_json, print_text};

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// List installed models and where each came from
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Download a model from the Hugging Face Hub into the models directory
    #[command(after_help = PULL_EXAMPLES)]
    Pull(PullArgs),
    /// Show a local model's architecture, tokenizer and load cost
    #[command(after_help = INFO_EXAMPLES)]
    Info(InfoArgs),
    /// Print the token ids of a file (or - for stdin), BOS included
    #[command(after_help = TOKENIZE_EXAMPLES)]
    Tokenize(TokenizeArgs),
    /// Generate text from a prompt with the local model (streams to stdout)
    #[command(after_help = GENERATE_EXAMPLES)]
    Generate(GenerateArgs),
    /// Perplexity of a file, scored as one sequence [BOS, t1..tN]
    #[command(after_help = PERPLEXITY_EXAMPLES)]
    Perplexity(PerplexityArgs),
}

const LIST_EXAMPLES: &str = "\
Examples:
  aida model list
  AIDA_MODELS_DIR=/srv/models aida model list --format json
";

const PULL_EXAMPLES: &str = "\
Examples:
  # The embedding model, where the knowledge base looks for it
  aida model pull all-MiniLM-L6-v2

  # Gemma 3 270M (gated: accept its license on the model page first)
  aida model pull gemma-3-270m

  # One file of any repo, pinned to a revision, under a name of your choice
  aida model pull ORG/NAME --file model.gguf --revision v1.0 --name my-model
";

const INFO_EXAMPLES: &str = "\
Examples:
  aida model info
  aida model info --model ./gemma-3-270m-q4_k_m.gguf --format json
  aida model info --adapter ./my-adapter
";

const TOKENIZE_EXAMPLES: &str = "\
Examples:
  aida model tokenize notes.txt
  echo \"Back-off restarting failed container\" | aida model tokenize -
  aida model tokenize notes.txt --format json
";

const GENERATE_EXAMPLES: &str = "\
Examples:
  # Greedy: the same words every run
  aida model generate --prompt \"The pod restarts because\" --max-tokens 32

  # Sampled, in Gemma's chat template, stopping at a blank line
  aida model generate --prompt-file prompt.txt --chat --temperature 0.7 --top-p 0.9 --stop $'\\n\\n'

  aida model generate --prompt \"OOMKilled means\" --adapter ./my-adapter --seed 7
";

const PERPLEXITY_EXAMPLES: &str = "\
Examples:
  aida model perplexity tests/fixtures/llm/texts/code.txt
  aida model perplexity - --ctx 2048 < notes.txt
  aida model perplexity notes.txt --adapter ./my-adapter --format json
";

/// Which model (and adapter) to load; shared by the local-model commands.
#[derive(Debug, Clone, Args)]
pub struct LocalModelArgs {
    /// GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// LoRA adapter directory in PEFT layout [default: llm.local.adapter]
    #[arg(long, value_name = "DIR")]
    pub adapter: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub model: LocalModelArgs,
}

#[derive(Debug, Args)]
pub struct TokenizeArgs {
    /// Text file to tokenize, or - for stdin
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
    #[command(flatten)]
    pub model: LocalModelArgs,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The prompt text
    #[arg(
        long,
        conflicts_with = "prompt_file",
        required_unless_present = "prompt_file"
    )]
    pub prompt: Option<String>,
    /// Read the prompt from a file (- for stdin)
    #[arg(long, value_name = "FILE")]
    pub prompt_file: Option<PathBuf>,
    /// Most tokens to generate
    #[arg(long, default_value_t = 128)]
    pub max_tokens: usize,
    /// Sampling temperature; 0 = greedy
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Nucleus sampling: keep the smallest set of tokens with this much probability
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f32,
    /// Keep only the K most likely tokens (0 = all)
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    /// Penalise tokens seen in the last 64 (1.0 = off)
    #[arg(long, default_value_t = 1.0)]
    pub repeat_penalty: f32,
    /// Random seed for sampling: the same seed, prompt and settings give the same text
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Stop when the text contains this string (repeatable)
    #[arg(long)]
    pub stop: Vec<String>,
    /// Wrap the prompt in Gemma's chat turn template
    #[arg(long)]
    pub chat: bool,
    #[command(flatten)]
    pub model: LocalModelArgs,
}

#[derive(Debug, Args)]
pub struct PerplexityArgs {
    /// Text file to score, or - for stdin
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
    /// Longest sequence accepted, in tokens (BOS included)
    #[arg(long, default_value_t = 4096)]
    pub ctx: usize,
    #[command(flatten)]
    pub model: LocalModelArgs,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Hub repo id (ORG/NAME) or an alias: all-MiniLM-L6-v2, gemma-3-270m
    #[arg(value_name = "REPO_OR_ALIAS")]
    pub repo: String,
    /// File to fetch from the repo (repeatable) [default: the alias's files, else chosen from the
    /// repo listing]
    #[arg(long = "file", value_name = "NAME")]
    pub files: Vec<String>,
    /// Branch, tag or commit
    #[arg(long, default_value = "main")]
    pub revision: String,
    /// Directory name under the models directory [default: the alias, else the repo's name]
    #[arg(long, value_name = "DIR")]
    pub name: Option<String>,
    /// Which GGUF to take when the repo has several (case-insensitive)
    #[arg(long, default_value = crate::hub::DEFAULT_QUANT)]
    pub quant: String,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ctx: &Context, cmd: &ModelCommand) -> Result<Status> {
    match cmd {
        ModelCommand::List(args) => list(ctx, args),
        ModelCommand::Pull(args) => pull(ctx, args),
        ModelCommand::Info(args) => info(ctx, args),
        ModelCommand::Tokenize(args) => tokenize(ctx, args),
        ModelCommand::Generate(args) => generate(ctx, args),
        ModelCommand::Perplexity(args) => perplexity(ctx, args),
    }
}

fn source_text(model: &InstalledModel) -> String {
    match &model.source {
        // Hub pulls have no packages: the repo id says where they came from.
        Some(src) if src.packages.is_empty() && !src.model.is_empty() => {
            format!("{}: {}", src.origin, src.model)
        }
        Some(src) if src.packages.is_empty() => src.origin.clone(),
        Some(src) if src.packages.len() == 1 => format!("{}: {}", src.origin, src.packages[0]),
        Some(src) => format!(
            "{}: {} (+{} more)",
            src.origin,
            src.packages[0],
            src.packages.len() - 1
        ),
        None => "manual (no SOURCE.json)".into(),
    }
}

fn list(ctx: &Context, args: &ListArgs) -> Result<Status> {
    let dir = ctx.config().models_dir(&ctx.home);
    let installed = models::list_installed(&dir)
        .with_context(|| format!("listing models in {}", dir.display()))?;
    let default_llm = ctx.config().llm.local.model.clone().unwrap_or_else(|| {
        dir.join(models::DEFAULT_LLM_DIR)
            .join(models::DEFAULT_LLM_FILE)
    });
    let default_embedding = ctx
        .config()
        .knowledge
        .embedding_model
        .clone()
        .unwrap_or_else(|| dir.join(models::DEFAULT_EMBEDDING_DIR));

    match args.format {
        Format::Json => print_json(&json!({
            "models_dir": dir,
            "models": installed,
            "llm": {"path": default_llm, "present": default_llm.exists()},
            "embedding": {"path": default_embedding, "present": default_embedding.exists()},
        }))?,
        Format::Text => {
            let mut text = format!("models directory: {}\n", dir.display());
            if installed.is_empty() {
                text.push_str("no models installed; run scripts/fetch-models.sh\n");
            } else {
                let rows: Vec<[String; 4]> = installed
                    .iter()
                    .map(|m| {
                        [
                            m.name.clone(),
                            serde_json::to_value(m.kind)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default(),
                            human_bytes(m.bytes),
                            source_text(m),
                        ]
                    })
                    .collect();
                let header = ["NAME", "KIND", "SIZE", "SOURCE"].map(String::from);
                let widths: Vec<usize> = (0..4)
                    .map(|i| {
                        rows.iter()
                            .chain(std::iter::once(&header))
                            .map(|r| r[i].len())
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                for row in std::iter::once(&header).chain(rows.iter()) {
                    text.push_str(&format!(
                        "{:w0$}  {:w1$}  {:>w2$}  {}\n",
                        row[0],
                        row[1],
                        row[2],
                        row[3],
                        w0 = widths[0],
                        w1 = widths[1],
                        w2 = widths[2]
                    ));
                }
            }
            let state = |p: &std::path::Path| if p.exists() { "present" } else { "MISSING" };
            text.push_str(&format!(
                "\nlocal LLM:       {} ({})\nembedding model: {} ({})\n",
                default_llm.display(),
                state(&default_llm),
                default_embedding.display(),
                state(&default_embedding)
            ));
            print_text(&text)?;
        }
    }
    Ok(Status::Success)
}

fn pull(ctx: &Context, args: &PullArgs) -> Result<Status> {
    use std::io::IsTerminal as _;
    let hub_error = |e: crate::hub::HubError| {
        if e.is_user_error() {
            input_error(e.to_string())
        } else {
            anyhow::Error::new(e)
        }
    };
    let progress = std::io::stderr().is_terminal() && !ctx.global.quiet;
    let settings =
        crate::hub::HubSettings::from_env(ctx.config().huggingface.token.clone(), progress)
            .map_err(hub_error)?;
    let request = crate::hub::PullRequest {
        repo: args.repo.clone(),
        files: args.files.clone(),
        revision: Some(args.revision.clone()),
        name: args.name.clone(),
        quant: args.quant.clone(),
    };
    let dir = ctx.config().models_dir(&ctx.home);
    let pulled = crate::hub::pull(&settings, &request, &dir)
        .map_err(hub_error)
        .with_context(|| format!("pulling {}", args.repo))?;
    let installed = models::list_installed(&dir)
        .with_context(|| format!("listing models in {}", dir.display()))?;
    let kind = installed
        .iter()
        .find(|m| m.name == pulled.name)
        .map_or(models::ModelKind::Unknown, |m| m.kind);
    let usage = usage_hint(ctx, &pulled, kind);
    match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(&pulled)?;
            value["kind"] = serde_json::to_value(kind)?;
            value["usage"] = json!(usage);
            print_json(&value)?
        }
        Format::Text => {
            let downloaded = pulled.files.iter().filter(|f| !f.cached).count();
            let mut text = format!(
                "pulled {} ({}, commit {}) into {}\nselected: {}\n",
                pulled.repo,
                pulled.revision,
                pulled.commit,
                pulled.dir.display(),
                pulled.selection
            );
            let width = pulled.files.iter().map(|f| f.name.len()).max().unwrap_or(0);
            for f in &pulled.files {
                text.push_str(&format!(
                    "  {:width$}  {:>10}  {}\n",
                    f.name,
                    human_bytes(f.bytes),
                    if f.cached { "cached" } else { "downloaded" }
                ));
            }
            text.push_str(&format!(
                "{downloaded} of {} files downloaded; Hub cache: {}\n{usage}\n",
                pulled.files.len(),
                settings.cache_dir.display()
            ));
            print_text(&text)?
        }
    }
    Ok(Status::Success)
}

/// One line telling the user how AIDA picks up what was just pulled.
fn usage_hint(ctx: &Context, pulled: &crate::hub::Pulled, kind: models::ModelKind) -> String {
    use models::ModelKind;
    let dir = pulled.dir.display();
    match kind {
        ModelKind::Embedding => {
            let default = ctx
                .config()
                .knowledge
                .embedding_model
                .clone()
                .unwrap_or_else(|| {
                    ctx.config()
                        .models_dir(&ctx.home)
                        .join(models::DEFAULT_EMBEDDING_DIR)
                });
            if default == pulled.dir {
                "the knowledge base uses this embedding model (run `aida ingest --rebuild` after \
                 changing models)"
                    .into()
            } else {
                format!("use it for the knowledge base: set knowledge.embedding_model = \"{dir}\"")
            }
        }
        ModelKind::LlmGguf => {
            let gguf = pulled
                .files
                .iter()
                .find(|f| f.name.ends_with(".gguf"))
                .map(|f| pulled.dir.join(&f.name));
            let path = gguf.as_deref().unwrap_or(&pulled.dir).display().to_string();
            format!("use it: --model {path}, or set llm.local.model = \"{path}\"")
        }
        ModelKind::LlmSafetensors => {
            format!("use it: --model {dir}, or set llm.local.model = \"{dir}\"")
        }
        ModelKind::Unknown => format!("files are in {dir}"),
    }
}

/// The model path: `--model`, else `llm.local.model`, else the default install.
fn model_path(ctx: &Context, args: &LocalModelArgs) -> PathBuf {
    crate::llm::resolve_model_path(&ctx.home, ctx.config(), args.model.as_deref())
}

/// Turns engine errors the user can fix into exit-2 input errors.
fn llm_error(err: EngineError) -> anyhow::Error {
    if err.is_user_error() {
        input_error(err.to_string())
    } else {
        anyhow::Error::new(err)
    }
}

fn load_model(ctx: &Context, args: &LocalModelArgs) -> Result<LocalLlm> {
    let path = model_path(ctx, args);
    if !path.exists() {
        return Err(input_error(format!(
            "model {} not found: run scripts/fetch-models.sh, or pass --model PATH",
            path.display()
        )));
    }
    let adapter = args
        .adapter
        .clone()
        .or_else(|| ctx.config().llm.local.adapter.clone());
    if let Some(a) = &adapter
        && !a.is_dir()
    {
        return Err(input_error(format!(
            "adapter {} is not a directory (want adapter_config.json + adapter_model.safetensors)",
            a.display()
        )));
    }
    let opts = LoadOptions {
        device: crate::engine::default_device(),
        ..LoadOptions::default()
    };
    LocalLlm::load(&path, adapter.as_deref(), &opts)
        .map_err(llm_error)
        .with_context(|| format!("loading {}", path.display()))
}

fn read_input(file: &Path) -> Result<String> {
    if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading stdin")?;
        Ok(s)
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| input_error(format!("cannot read {}: {e}", file.display())))
    }
}

fn info(ctx: &Context, args: &InfoArgs) -> Result<Status> {
    let llm = load_model(ctx, &args.model)?;
    let c = &llm.model.config;
    let value = json!({
        "path": llm.path,
        "adapter": llm.adapter,
        "config": c,
        "tokenizer": {
            "vocab_size": llm.tokenizer.vocab_size(),
            "bos": llm.tokenizer.bos,
            "eos": llm.tokenizer.eos,
            "end_of_turn": llm.tokenizer.end_of_turn,
        },
        "device": format!("{:?}", llm.model.device()),
        "load_ms": llm.load_ms,
    });
    match args.model.format {
        Format::Json => print_json(&value)?,
        Format::Text => {
            let layers: String = (0..c.block_count)
                .map(|i| if c.is_sliding(i) { 'L' } else { 'G' })
                .collect();
            print_text(&format!(
                "model:     {}\nadapter:   {}\narch:      {} ({} layers: {layers}; L = sliding window {}, G = global)\n\
                 dims:      embedding {}, ffn {}, heads {}/{} kv, head dim {}\n\
                 rope:      global base {} (scale {}), local base {}\ncontext:   {}\n\
                 vocab:     {} (bos {:?}, eos {:?})\nloaded in: {} ms\n",
                llm.path.display(),
                llm.adapter
                    .as_ref()
                    .map(|a| a.display().to_string())
                    .unwrap_or_else(|| "none".into()),
                c.architecture,
                c.block_count,
                c.sliding_window,
                c.embedding_length,
                c.feed_forward_length,
                c.head_count,
                c.head_count_kv,
                c.head_dim,
                c.rope_base_global,
                c.rope_scale_global,
                c.rope_base_local,
                c.context_length,
                llm.tokenizer.vocab_size(),
                llm.tokenizer.bos,
                llm.tokenizer.eos,
                llm.load_ms
            ))?
        }
    }
    Ok(Status::Success)
}

fn tokenize(ctx: &Context, args: &TokenizeArgs) -> Result<Status> {
    let text = read_input(&args.file)?;
    // Only the tokenizer is needed: skip loading the weights.
    let path = model_path(ctx, &args.model);
    let tk = load_tokenizer(&path)?;
    let ids = tk.encode(&text, true).map_err(llm_error)?;
    match args.model.format {
        Format::Json => print_json(&json!({ "ids": ids }))?,
        Format::Text => {
            let mut out = String::new();
            for id in &ids {
                let piece = tk.inner.id_to_token(*id).unwrap_or_default();
                out.push_str(&format!("{id:>7} {piece:?}\n"));
            }
            print_text(&out)?;
        }
    }
    Ok(Status::Success)
}

fn load_tokenizer(path: &Path) -> Result<crate::engine::GemmaTokenizer> {
    if !path.exists() {
        return Err(input_error(format!(
            "model {} not found: run scripts/fetch-models.sh, or pass --model PATH",
            path.display()
        )));
    }
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let ct = candle_core::quantized::gguf_file::Content::read(&mut reader)
        .map_err(|e| input_error(format!("{}: not a GGUF file: {e}", path.display())))?;
    crate::engine::GemmaTokenizer::for_model(path, Some(&ct)).map_err(llm_error)
}

fn generate(ctx: &Context, args: &GenerateArgs) -> Result<Status> {
    let prompt = match (&args.prompt, &args.prompt_file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => read_input(f)?,
        (None, None) => return Err(input_error("give --prompt TEXT or --prompt-file FILE")),
    };
    if args.temperature.is_nan() || args.temperature < 0.0 {
        return Err(input_error("--temperature must be >= 0"));
    }
    if args.top_p.is_nan() || args.top_p <= 0.0 || args.top_p > 1.0 {
        return Err(input_error("--top-p must be in (0, 1]"));
    }
    if args.repeat_penalty.is_nan() || args.repeat_penalty <= 0.0 {
        return Err(input_error("--repeat-penalty must be > 0"));
    }
    let llm = load_model(ctx, &args.model)?;
    let text = if args.chat {
        crate::llm::local::chat_prompt(&[crate::llm::ChatMessage::user(prompt)])
    } else {
        prompt
    };
    let ids = llm.tokenizer.encode(&text, true).map_err(llm_error)?;
    let opts = crate::engine::GenerateOptions {
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        top_p: args.top_p,
        top_k: args.top_k,
        repeat_penalty: args.repeat_penalty,
        seed: args.seed,
        stop: args.stop.clone(),
        ..Default::default()
    };
    let stream = args.model.format == Format::Text;
    let mut write_err: Option<std::io::Error> = None;
    let mut on_text = |piece: &str| {
        if stream && write_err.is_none() {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(piece.as_bytes()).and_then(|_| out.flush()) {
                write_err = Some(e);
            }
        }
    };
    let g = llm.generate(&ids, &opts, &mut on_text).map_err(llm_error)?;
    if let Some(e) = write_err {
        return Err(e.into());
    }
    match args.model.format {
        Format::Json => print_json(&json!({
            "text": g.text,
            "ids": g.ids,
            "prompt_tokens": g.prompt_tokens,
            "prefill_tok_s": g.prefill_tok_s,
            "decode_tok_s": g.decode_tok_s,
            "threads": candle_core::utils::get_num_threads(),
            "finish_reason": g.finish_reason,
        }))?,
        Format::Text => {
            print_text("\n")?;
            tracing::info!(
                "prompt {} tokens, prefill {:.1} tok/s, decode {:.1} tok/s, {}",
                g.prompt_tokens,
                g.prefill_tok_s,
                g.decode_tok_s,
                g.finish_reason
            );
        }
    }
    Ok(Status::Success)
}

fn perplexity(ctx: &Context, args: &PerplexityArgs) -> Result<Status> {
    let text = read_input(&args.file)?;
    let llm = load_model(ctx, &args.model)?;
    let ids = llm.tokenizer.encode(&text, true).map_err(llm_error)?;
    if ids.len() > args.ctx {
        return Err(input_error(format!(
            "{}: {} tokens (BOS included) do not fit --ctx {}",
            args.file.display(),
            ids.len(),
            args.ctx
        )));
    }
    if ids.len() > llm.model.config.context_length {
        return Err(input_error(format!(
            "{}: {} tokens exceed the model's context of {}",
            args.file.display(),
            ids.len(),
            llm.model.config.context_length
        )));
    }
    let p = llm.perplexity(&ids).map_err(llm_error)?;
    match args.model.format {
        Format::Json => print_json(&json!({
            "tokens": p.tokens, "nll_mean": p.nll_mean, "perplexity": p.perplexity,
        }))?,
        Format::Text => print_text(&format!(
            "tokens:     {}\nnll_mean:   {:.4}\nperplexity: {:.3}\n",
            p.tokens, p.nll_mean, p.perplexity
        ))?,
    }
    Ok(Status::Success)
}
