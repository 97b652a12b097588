//! Configuration: defaults → config file → `huggingface_token.txt` → environment → flags.
//!
//! The file is `--config FILE`, else `$AIDA_CONFIG`, else `$AIDA_HOME/aida.toml` when it exists.
//! Every key has an environment name, `AIDA_` + the dotted path in upper case with `_` for `.`
//! (`llm.openai.base_url` → `AIDA_LLM_OPENAI_BASE_URL`). The original AIDA's names keep working
//! beneath those: `MLFLOW_TRACKING_URI`, `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `USE_LOCAL_MODEL`,
//! `HF_TOKEN`. Flags are applied by each command on the loaded [`Config`].
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::paths::Home;

/// Why the configuration could not be loaded. Always the user's to fix (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}, line {line}, column {column}{key}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        /// `, key `a.b`` when the offending key is known, else empty.
        key: String,
        message: String,
    },
    #[error("environment variable {var}={value:?}: {message}")]
    Env {
        var: String,
        value: String,
        message: String,
    },
    #[error("{path}: {message}")]
    TokenFile { path: PathBuf, message: String },
    /// A number outside what AIDA can honour; `origin` says where it was set.
    #[error("{origin}: {key} = {value} is out of range (expected {min} to {max})")]
    Range {
        origin: String,
        key: &'static str,
        value: i64,
        min: i64,
        max: i64,
    },
}

/// Which LLM writes reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LlmBackendKind {
    /// Gemma through candle on this machine.
    #[default]
    Local,
    /// Any OpenAI-compatible chat-completions API.
    Openai,
    /// No LLM: analyzer findings only.
    None,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory holding local models; default `$AIDA_HOME/models`.
    pub models_dir: Option<PathBuf>,
    pub llm: LlmConfig,
    pub knowledge: KnowledgeConfig,
    pub kubernetes: KubernetesConfig,
    pub prometheus: PrometheusConfig,
    pub mlflow: MlflowConfig,
    pub server: ServerConfig,
    pub queue: QueueConfig,
    pub review: ReviewConfig,
    pub huggingface: HuggingFaceConfig,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    pub backend: LlmBackendKind,
    pub local: LocalLlmConfig,
    pub openai: OpenAiConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocalLlmConfig {
    /// GGUF file or model directory; default: the Gemma 3 270M installed by fetch-models.sh.
    pub model: Option<PathBuf>,
    /// LoRA adapter directory (PEFT layout) applied on top of the model.
    pub adapter: Option<PathBuf>,
    /// CPU threads for local inference and embeddings; 0 = one per physical core.
    pub threads: usize,
    /// Most tokens generated for one report.
    pub max_tokens: usize,
    /// Context window used for prompts, in tokens.
    pub context: usize,
    /// Who decides the report's category when the model's own choice (scored over the
    /// category labels) differs from the analyzers'.
    pub category_policy: CategoryPolicy,
}

/// When the local model's category choice overrides the analyzers' (docs/MECHANISMS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategoryPolicy {
    /// The analyzers' category stands; the model's choice is recorded beside it.
    #[default]
    Analyzers,
    /// The model's choice wins when a finding about the alert (or what it depends on) supports it.
    Supported,
    /// The model's choice wins.
    Model,
}

impl CategoryPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Analyzers => "analyzers",
            Self::Supported => "supported",
            Self::Model => "model",
        }
    }
}

impl Default for LocalLlmConfig {
    fn default() -> Self {
        Self {
            model: None,
            adapter: None,
            threads: 0,
            max_tokens: 384,
            context: 2048,
            category_policy: CategoryPolicy::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpenAiConfig {
    pub base_url: String,
    pub model: String,
    /// Prefer the `OPENAI_API_KEY` environment variable to writing the key here.
    pub api_key: Option<String>,
    pub timeout_secs: u64,
    pub max_retries: u32,
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-4o-mini".into(),
            api_key: None,
            timeout_secs: 60,
            max_retries: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeConfig {
    /// Runbook directories to ingest, beside the built-in runbooks.
    pub runbook_dirs: Vec<PathBuf>,
    /// Ingest the runbooks compiled into the binary too (`aida ingest --no-builtin` turns them off).
    pub builtin_runbooks: bool,
    /// all-MiniLM-L6-v2 directory; default `<models_dir>/all-MiniLM-L6-v2`.
    pub embedding_model: Option<PathBuf>,
    /// Runbook chunks retrieved per investigation.
    pub top_k: usize,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        Self {
            runbook_dirs: Vec::new(),
            builtin_runbooks: true,
            embedding_model: None,
            top_k: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KubernetesConfig {
    /// kubeconfig file; default `$KUBECONFIG`, else `~/.kube/config`, else in-cluster.
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context; default the current context.
    pub context: Option<String>,
    /// Namespace used when an alert names none.
    pub namespace: Option<String>,
    /// Per-request timeout.
    pub timeout_secs: u64,
}

impl Default for KubernetesConfig {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            namespace: None,
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrometheusConfig {
    /// Base URL of the Prometheus HTTP API, e.g. `http://prometheus:9090`; unset = no metrics.
    pub url: Option<String>,
    pub bearer_token: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub timeout_secs: u64,
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        Self {
            url: None,
            bearer_token: None,
            username: None,
            password: None,
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MlflowConfig {
    /// MLflow tracking server, e.g. `http://127.0.0.1:5000`; unset = no sync.
    pub tracking_uri: Option<String>,
    pub experiment: String,
    pub token: Option<String>,
}

impl Default for MlflowConfig {
    fn default() -> Self {
        Self {
            tracking_uri: None,
            experiment: "AIDA_Investigations".into(),
            token: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: String,
    /// Bearer token Alertmanager must send; unset = no authentication.
    pub token: Option<String>,
    pub max_body_bytes: usize,
    pub workers: usize,
    pub queue_capacity: usize,
    /// Redis queue: deliveries of a job before it is dead-lettered (SQLite jobs carry 3 attempts).
    pub max_attempts: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            token: None,
            max_body_bytes: 1 << 20,
            workers: 1,
            queue_capacity: 1000,
            max_attempts: 3,
        }
    }
}

/// Where `aida serve-webhook` queues alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueBackend {
    /// The local store's `jobs` table: one host.
    #[default]
    Sqlite,
    /// Redis Streams with one consumer group: any number of hosts.
    Redis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    pub backend: QueueBackend,
    /// `redis://[user:password@]host:port[/db]` (`rediss://` for TLS); required for `redis`.
    pub redis_url: Option<String>,
    /// The stream's key; its dead letters, deduplication and resolution keys share the prefix.
    pub redis_stream: String,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            backend: QueueBackend::Sqlite,
            redis_url: None,
            redis_stream: "aida:alerts".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewConfig {
    /// Name stored with each verdict of `aida review` and `aida feedback`; unset = `$USER`.
    pub reviewer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HuggingFaceConfig {
    pub token: Option<String>,
}

/// The value type of a key, used to parse environment values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Str,
    Path,
    Int,
    Bool,
    PathList,
}

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub path: &'static str,
    pub kind: KeyKind,
    /// Masked in `aida config show` and never logged.
    pub secret: bool,
    /// Inclusive bounds of an integer key: a value outside them is refused at load, naming the
    /// key and where it was set (a runaway thread count or timeout is a hang, not a setting).
    pub range: Option<(i64, i64)>,
}

const fn key(path: &'static str, kind: KeyKind) -> Key {
    Key {
        path,
        kind,
        secret: false,
        range: None,
    }
}

const fn int(path: &'static str, min: i64, max: i64) -> Key {
    Key {
        path,
        kind: KeyKind::Int,
        secret: false,
        range: Some((min, max)),
    }
}

const fn secret(path: &'static str) -> Key {
    Key {
        path,
        kind: KeyKind::Str,
        secret: true,
        range: None,
    }
}

/// Every key of [`Config`]. A unit test checks this list against the struct and the example file.
pub const KEYS: &[Key] = &[
    key("models_dir", KeyKind::Path),
    key("llm.backend", KeyKind::Str),
    key("llm.local.model", KeyKind::Path),
    key("llm.local.adapter", KeyKind::Path),
    int("llm.local.threads", 0, 256),
    int("llm.local.max_tokens", 1, 8192),
    int("llm.local.context", 256, 32768),
    key("llm.local.category_policy", KeyKind::Str),
    key("llm.openai.base_url", KeyKind::Str),
    key("llm.openai.model", KeyKind::Str),
    secret("llm.openai.api_key"),
    int("llm.openai.timeout_secs", 1, 3600),
    int("llm.openai.max_retries", 0, 10),
    key("knowledge.runbook_dirs", KeyKind::PathList),
    key("knowledge.builtin_runbooks", KeyKind::Bool),
    key("knowledge.embedding_model", KeyKind::Path),
    int("knowledge.top_k", 1, 10),
    key("kubernetes.kubeconfig", KeyKind::Path),
    key("kubernetes.context", KeyKind::Str),
    key("kubernetes.namespace", KeyKind::Str),
    int("kubernetes.timeout_secs", 1, 600),
    key("prometheus.url", KeyKind::Str),
    secret("prometheus.bearer_token"),
    key("prometheus.username", KeyKind::Str),
    secret("prometheus.password"),
    int("prometheus.timeout_secs", 1, 600),
    key("mlflow.tracking_uri", KeyKind::Str),
    key("mlflow.experiment", KeyKind::Str),
    secret("mlflow.token"),
    key("server.listen", KeyKind::Str),
    secret("server.token"),
    int("server.max_body_bytes", 1024, 64 << 20),
    int("server.workers", 0, 64),
    int("server.queue_capacity", 1, 10_000_000),
    int("server.max_attempts", 1, 100),
    key("queue.backend", KeyKind::Str),
    // A Redis URL may carry a password.
    secret("queue.redis_url"),
    key("queue.redis_stream", KeyKind::Str),
    key("review.reviewer", KeyKind::Str),
    secret("huggingface.token"),
];

impl Key {
    /// `AIDA_` + upper-cased path with `_` for `.`.
    pub fn env_name(&self) -> String {
        format!("AIDA_{}", self.path.replace('.', "_").to_uppercase())
    }
}

/// Where a key's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "name")]
pub enum Origin {
    Default,
    File(PathBuf),
    Env(String),
    Flag(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => write!(f, "default"),
            Origin::File(path) => write!(f, "file {}", path.display()),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// The configuration together with the source of every key not left at its default.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub file: Option<PathBuf>,
    pub origins: BTreeMap<&'static str, Origin>,
}

/// Environment access, injectable so tests need not touch the process environment.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Environment for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned().filter(|v| !v.is_empty())
    }
}

/// The original AIDA's environment names, applied before the `AIDA_*` ones.
const LEGACY_ENV: &[(&str, &str)] = &[
    ("MLFLOW_TRACKING_URI", "mlflow.tracking_uri"),
    ("MLFLOW_TRACKING_TOKEN", "mlflow.token"),
    ("OPENAI_API_KEY", "llm.openai.api_key"),
    ("OPENAI_BASE_URL", "llm.openai.base_url"),
    ("HF_TOKEN", "huggingface.token"),
];

impl Config {
    /// Loads from the process environment; `explicit` is `--config`.
    pub fn load(home: &Home, explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
        Self::load_with(home, explicit, &ProcessEnv)
    }

    /// Loads with an explicit environment (tests).
    pub fn load_with(
        home: &Home,
        explicit: Option<&Path>,
        env: &dyn Environment,
    ) -> Result<Loaded, ConfigError> {
        let mut table = to_table(&Config::default());
        let mut sources = BTreeMap::new();

        let file = match (explicit, env.var("AIDA_CONFIG")) {
            (Some(path), _) => Some(path.to_path_buf()),
            (None, Some(path)) => Some(PathBuf::from(path)),
            (None, None) => Some(home.config_file()).filter(|p| p.is_file()),
        };
        if let Some(path) = &file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            apply_file(&mut table, &mut sources, path, &text)?;
        }

        if let Some(token) = read_token_file(home)? {
            set(
                &mut table,
                "huggingface.token",
                toml::Value::String(token.1),
            );
            sources.insert("huggingface.token", Origin::File(token.0));
        }

        let mut overrides: Vec<(String, &'static str)> = LEGACY_ENV
            .iter()
            .map(|(var, path)| (var.to_string(), *path))
            .collect();
        overrides.push(("USE_LOCAL_MODEL".into(), "llm.backend"));
        overrides.extend(KEYS.iter().map(|k| (k.env_name(), k.path)));
        for (var, path) in overrides {
            let Some(raw) = env.var(&var) else { continue };
            let key = KEYS.iter().find(|k| k.path == path).expect("known key");
            let value = if var == "USE_LOCAL_MODEL" {
                legacy_use_local(&raw).map_err(|message| ConfigError::Env {
                    var: var.clone(),
                    value: raw.clone(),
                    message,
                })?
            } else {
                env_value(key.kind, &raw)
            };
            let mut candidate = table.clone();
            set(&mut candidate, path, value);
            // Check each variable on its own so the error can name it.
            if let Err(err) = candidate.clone().try_into::<Config>() {
                return Err(ConfigError::Env {
                    var,
                    value: if key.secret { "********".into() } else { raw },
                    message: err.message().to_string(),
                });
            }
            table = candidate;
            sources.insert(path, Origin::Env(var));
        }

        Ok(Loaded {
            config: finish(table, &sources)?,
            file,
            origins: sources,
        })
    }

    /// The configuration a file's `text` gives on top of the defaults (no environment, no
    /// token file): the file layer of [`Config::load`], for checking a file and for the parser's
    /// property tests. `path` names the file in errors and anchors its relative paths.
    pub fn from_file_text(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let mut table = to_table(&Config::default());
        let mut sources = BTreeMap::new();
        apply_file(&mut table, &mut sources, path, text)?;
        finish(table, &sources)
    }

    /// The models directory: `models_dir`, else `$AIDA_HOME/models`.
    pub fn models_dir(&self, home: &Home) -> PathBuf {
        self.models_dir.clone().unwrap_or_else(|| home.models())
    }
}

impl Loaded {
    /// Records that a flag replaced a key (for `aida config show`).
    pub fn mark_flag(&mut self, path: &'static str, flag: &str) {
        self.origins.insert(path, Origin::Flag(flag.to_string()));
    }

    /// Where `path` came from.
    pub fn origin(&self, path: &str) -> Origin {
        self.origins
            .iter()
            .find(|(k, _)| **k == path)
            .map(|(_, s)| s.clone())
            .unwrap_or(Origin::Default)
    }
}

/// Lays the keys of a config file over `table`, recording the file as their origin.
fn apply_file(
    table: &mut toml::Table,
    sources: &mut BTreeMap<&'static str, Origin>,
    path: &Path,
    text: &str,
) -> Result<(), ConfigError> {
    let file_table = parse_file(path, text)?;
    for key in KEYS {
        if let Some(value) = get(&file_table, key.path) {
            set(table, key.path, value.clone());
            sources.insert(key.path, Origin::File(path.to_path_buf()));
        }
    }
    Ok(())
}

/// The checked configuration of the merged layers.
fn finish(
    table: toml::Table,
    sources: &BTreeMap<&'static str, Origin>,
) -> Result<Config, ConfigError> {
    check_ranges(&table, sources)?;
    Ok(table
        .try_into()
        .expect("every layer was validated when it was applied"))
}

/// Every bounded integer key within its range, or an error naming the key and its origin.
fn check_ranges(
    table: &toml::Table,
    sources: &BTreeMap<&'static str, Origin>,
) -> Result<(), ConfigError> {
    for key in KEYS {
        let (Some((min, max)), Some(value)) = (
            key.range,
            get(table, key.path).and_then(toml::Value::as_integer),
        ) else {
            continue;
        };
        if value < min || value > max {
            let origin = match sources.get(key.path) {
                Some(Origin::File(path)) => format!("config file {}", path.display()),
                Some(Origin::Env(var)) => format!("environment variable {var}"),
                Some(Origin::Flag(flag)) => flag.clone(),
                Some(Origin::Default) | None => "default".to_string(),
            };
            return Err(ConfigError::Range {
                origin,
                key: key.path,
                value,
                min,
                max,
            });
        }
    }
    Ok(())
}

/// Parses the file strictly: unknown keys and wrong types are errors naming line, column, key.
fn parse_file(path: &Path, text: &str) -> Result<toml::Table, ConfigError> {
    let parse_error = |span: Option<std::ops::Range<usize>>, key: String, message: String| {
        let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            key,
            message,
        }
    };
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| parse_error(e.span(), String::new(), e.message().to_string()))?;
    if let Err(e) = toml::from_str::<Config>(text) {
        let span = e.span();
        let key = span
            .clone()
            .and_then(|s| key_at(text, s.start))
            .map(|k| format!(", key `{k}`"))
            .unwrap_or_default();
        return Err(parse_error(span, key, e.message().to_string()));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    Ok(resolve_relative_paths(table, dir))
}

/// Paths in a config file are relative to the file's directory, not the working directory.
fn resolve_relative_paths(mut table: toml::Table, dir: &Path) -> toml::Table {
    let resolve = |v: &toml::Value| match v.as_str() {
        Some(s) if Path::new(s).is_relative() && !s.starts_with('~') => {
            toml::Value::String(dir.join(s).display().to_string())
        }
        _ => v.clone(),
    };
    for key in KEYS {
        let Some(value) = get(&table, key.path).cloned() else {
            continue;
        };
        let resolved = match (key.kind, &value) {
            (KeyKind::Path, _) => resolve(&value),
            (KeyKind::PathList, toml::Value::Array(items)) => {
                toml::Value::Array(items.iter().map(resolve).collect())
            }
            _ => continue,
        };
        set(&mut table, key.path, resolved);
    }
    table
}

/// `huggingface_token.txt` in `$AIDA_HOME` or the working directory (the original AIDA's file).
fn read_token_file(home: &Home) -> Result<Option<(PathBuf, String)>, ConfigError> {
    for path in [
        home.root().join("huggingface_token.txt"),
        PathBuf::from("huggingface_token.txt"),
    ] {
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::TokenFile {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(ConfigError::TokenFile {
                path,
                message: "file is empty; put the Hugging Face token on its first line".into(),
            });
        }
        return Ok(Some((path, token.to_string())));
    }
    Ok(None)
}

fn legacy_use_local(raw: &str) -> Result<toml::Value, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(toml::Value::String("local".into())),
        "0" | "false" | "no" | "off" => Ok(toml::Value::String("openai".into())),
        _ => Err("expected true or false".into()),
    }
}

fn env_value(kind: KeyKind, raw: &str) -> toml::Value {
    match kind {
        KeyKind::Str | KeyKind::Path => toml::Value::String(raw.to_string()),
        // Leave unparsable numbers/bools as strings: the typed check then reports them.
        KeyKind::Int => raw
            .trim()
            .parse::<i64>()
            .map(toml::Value::Integer)
            .unwrap_or_else(|_| toml::Value::String(raw.to_string())),
        KeyKind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => toml::Value::Boolean(true),
            "0" | "false" | "no" | "off" => toml::Value::Boolean(false),
            _ => toml::Value::String(raw.to_string()),
        },
        KeyKind::PathList => toml::Value::Array(
            std::env::split_paths(raw)
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| toml::Value::String(p.display().to_string()))
                .collect(),
        ),
    }
}

fn to_table(config: &Config) -> toml::Table {
    toml::Table::try_from(config).expect("the default config serializes")
}

fn get<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut current = table.get(parts.next()?)?;
    for part in parts {
        current = current.as_table()?.get(part)?;
    }
    Some(current)
}

fn set(table: &mut toml::Table, path: &str, value: toml::Value) {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, parents) = parts.split_last().expect("non-empty path");
    let mut current = table;
    for part in parents {
        current = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("config sections are tables");
    }
    current.insert(last.to_string(), value);
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// The dotted key whose line holds `offset`: the last `[section]` above it plus the key name.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let (line_no, _) = line_col(text, offset);
    let mut section = String::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && !trimmed.starts_with("[[") {
            section = trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
        }
        if i + 1 == line_no {
            let name = trimmed.split('=').next()?.trim();
            if name.is_empty() || name.starts_with('[') {
                return Some(section).filter(|s| !s.is_empty());
            }
            return Some(if section.is_empty() {
                name.to_string()
            } else {
                format!("{section}.{name}")
            });
        }
    }
    None
}

/// Flattened `key → value` for display; secrets masked.
pub fn flatten_for_display(config: &Config) -> Vec<(&'static Key, Option<String>)> {
    let table = to_table(config);
    KEYS.iter()
        .map(|key| {
            let value = get(&table, key.path).map(|v| {
                if key.secret {
                    "********".to_string()
                } else {
                    v.to_string()
                }
            });
            (key, value)
        })
        .collect()
}

#[cfg(test)]
mod tests;
