//! The one investigation pipeline: services built once from configuration, then
//! *alert → stored investigation* as one async function.
//!
//! `aida investigate`, `aida eval` (and the webhook server's workers) build their [`Services`]
//! here and call [`Services::investigate`]; none of them assembles an investigation itself, so
//! they cannot drift apart. Nothing here knows about terminals: progress is a callback.
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::agent::{Conclude, Fallback, Investigator, Limits};
use crate::alert::Alert;
use crate::config::{Config, LlmBackendKind};
use crate::evidence::{Bundle, Live, LiveOptions, PromAuth, PromClient, Recorder, Source};
use crate::knowledge::KnowledgeBase;
use crate::paths::Home;
use crate::report::Report;
use crate::store::{
    Finished, IncidentSource, InvestigationStatus, NewIncident, NewInvestigation, Store, StoreError,
};

/// Why the pipeline could not be set up or could not store an investigation.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A setting, flag or file the user has to fix.
    #[error("{0}")]
    Input(String),
    /// The evidence source could not be reached at all.
    #[error("{0}")]
    Evidence(String),
    #[error("loading the local model {path}: {message}")]
    Model { path: PathBuf, message: String },
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("serializing the report: {0}")]
    Json(#[from] serde_json::Error),
    /// Stopped before it finished (a signal, a server shutting down); stored as `interrupted`.
    #[error("investigation interrupted: {0}")]
    Interrupted(String),
}

/// How often a running investigation tells the store it is alive (a row whose heartbeat is
/// older than `store::STALE_HEARTBEAT` is taken for a dead run).
const HEARTBEAT: Duration = Duration::from_secs(30);

impl PipelineError {
    /// True when the user has to fix something (exit 2).
    pub fn is_user_error(&self) -> bool {
        matches!(self, PipelineError::Input(_))
    }
}

/// Which model concludes: `--llm` and `--adapter`, over the configuration.
#[derive(Debug, Clone, Default)]
pub struct ModelChoice {
    pub llm: Option<LlmBackendKind>,
    pub adapter: Option<PathBuf>,
}

/// Everything investigations need that outlives one alert: the runbook search, the model, the
/// budgets and the configuration the evidence sources are built from. Built once, shared by
/// reference (the server's workers share one loaded model).
pub struct Services {
    investigator: Investigator,
    config: Config,
}

/// One investigation asked of the pipeline.
pub struct Request<'a> {
    pub alert: &'a Alert,
    /// Where the evidence comes from (a bundle, or the live cluster).
    pub source: Source,
    /// Who asked: `cli`, `webhook`, `eval`.
    pub origin: IncidentSource,
    /// An incident already stored (a queued webhook alert); None creates one.
    pub incident_id: Option<String>,
}

/// A stored investigation.
pub struct Investigated {
    pub incident_id: String,
    pub investigation_id: String,
    pub status: InvestigationStatus,
    pub report: Report,
    /// Why the model's answer was not used, when it was not.
    pub fallback: Option<Fallback>,
    /// Evidence reads that failed (the investigation is then `complete_degraded`).
    pub evidence_errors: Vec<String>,
}

impl Investigated {
    /// Whether the report can be trusted as users expect: evidence was read and the model (if
    /// one was asked) could be reached. A model answer that arrived but was rejected still gives
    /// a sound (analyzers') report, flagged in its warnings.
    pub fn is_sound(&self) -> bool {
        self.evidence_errors.is_empty() && !self.fallback.as_ref().is_some_and(|f| f.unavailable)
    }
}

impl Services {
    /// Builds the services from the configuration: runbook search (when an index exists), the
    /// LLM backend (the local model is loaded now, on the configured device), budgets.
    pub fn build(
        home: &Home,
        config: &Config,
        choice: &ModelChoice,
    ) -> Result<Self, PipelineError> {
        let conclude = conclude(home, config, choice)?;
        let runbooks =
            knowledge(home, config).map(|kb| kb as Arc<dyn crate::evidence::RunbookSearch>);
        let top_k = config.knowledge.top_k;
        if !(1..=10).contains(&top_k) {
            return Err(PipelineError::Input(format!(
                "knowledge.top_k = {top_k}: expected 1 to 10 runbook sections"
            )));
        }
        Ok(Self {
            investigator: Investigator {
                runbooks,
                conclude,
                limits: Limits {
                    runbooks: top_k,
                    ..Limits::default()
                },
                default_namespace: config.kubernetes.namespace.clone(),
                category_policy: config.llm.local.category_policy,
            },
            config: config.clone(),
        })
    }

    /// Who writes the conclusions (the loaded model, or the analyzers).
    pub fn model(&self) -> crate::report::ModelInfo {
        self.investigator.conclude.model_info()
    }

    /// The evidence source: a recorded bundle, or the live cluster (recording into `record`).
    pub async fn evidence(
        &self,
        bundle: Option<&Path>,
        record: Option<&Path>,
    ) -> Result<Source, PipelineError> {
        if let Some(dir) = bundle {
            let bundle = Bundle::open(dir)
                .map_err(|e| PipelineError::Input(format!("bundle {}: {e}", dir.display())))?;
            return Ok(Source::Bundle(Arc::new(bundle)));
        }
        live_source(&self.config, record).await
    }

    /// Investigates one alert and stores it: the incident (unless it exists), the trajectory
    /// and the outcome, whatever the model did. Errors only when the store cannot write.
    pub async fn investigate(
        &self,
        store: &mut Store,
        request: Request<'_>,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<Investigated, PipelineError> {
        self.investigate_until(store, request, progress, std::future::pending())
            .await
    }

    /// [`Services::investigate`], stopped when `interrupt` resolves (with the reason): the run
    /// is then stored as `interrupted` and the error says so. Heartbeats keep the running row
    /// alive in the store meanwhile.
    pub async fn investigate_until(
        &self,
        store: &mut Store,
        request: Request<'_>,
        progress: &(dyn Fn(&str) + Sync),
        interrupt: impl std::future::Future<Output = String>,
    ) -> Result<Investigated, PipelineError> {
        let alert = request.alert;
        let incident_id = match request.incident_id {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                store.insert_incident(&NewIncident {
                    id: id.clone(),
                    fingerprint: Some(alert.fingerprint.clone()),
                    alert_name: alert.name().to_string(),
                    alert: serde_json::to_value(alert)?,
                    source: request.origin,
                })?;
                id
            }
        };
        let investigation_id = uuid::Uuid::now_v7().to_string();
        let model = self.investigator.conclude.model_info();
        store.start_investigation(&NewInvestigation {
            id: investigation_id.clone(),
            incident_id: incident_id.clone(),
            backend: model.backend,
            model_name: model.name,
            adapter: model.adapter,
        })?;
        tokio::pin!(interrupt);
        let mut beat = tokio::time::interval(HEARTBEAT);
        beat.tick().await;
        let work_incident = incident_id.clone();
        let work = self
            .investigator
            .investigate(alert, request.source, &work_incident, progress);
        tokio::pin!(work);
        let outcome = loop {
            tokio::select! {
                outcome = &mut work => break outcome,
                reason = &mut interrupt => {
                    store.mark_interrupted(&investigation_id, &reason)?;
                    return Err(PipelineError::Interrupted(reason));
                }
                _ = beat.tick() => {
                    if let Err(e) = store.heartbeat(&investigation_id) {
                        tracing::warn!(%investigation_id, "heartbeat not stored: {e}");
                    }
                }
            }
        };
        let report = outcome.report;
        let status = if outcome.fallback.is_some() {
            InvestigationStatus::Failure
        } else if !outcome.evidence_errors.is_empty() {
            InvestigationStatus::Degraded
        } else {
            InvestigationStatus::Success
        };
        store.finish_investigation(
            &investigation_id,
            &Finished {
                status,
                category: Some(report.category),
                confidence: Some(report.confidence),
                report: Some(report.stored_form()?),
                error: (outcome.fallback.as_ref().map(|f| f.reason.clone()))
                    .or_else(|| outcome.evidence_errors.first().cloned()),
                timings: serde_json::to_value(&report.timings_ms)?,
                tokens: serde_json::to_value(&report.tokens)?,
                steps: report.trajectory.clone(),
                prompt_input: Some(serde_json::to_value(&outcome.prompt_input)?),
            },
        )?;
        Ok(Investigated {
            incident_id,
            investigation_id,
            status,
            report,
            fallback: outcome.fallback,
            evidence_errors: outcome.evidence_errors,
        })
    }
}

/// How the conclusion is written, from the choice and the configuration.
fn conclude(home: &Home, config: &Config, choice: &ModelChoice) -> Result<Conclude, PipelineError> {
    let kind = choice.llm.unwrap_or(config.llm.backend);
    if choice.adapter.is_some() && kind != LlmBackendKind::Local {
        return Err(PipelineError::Input(
            "--adapter applies to the local model only (--llm local)".into(),
        ));
    }
    Ok(match kind {
        LlmBackendKind::None => Conclude::Analyzers,
        LlmBackendKind::Local => {
            let path = crate::llm::resolve_model_path(home, config, None);
            if !path.exists() {
                return Err(PipelineError::Input(format!(
                    "the local model {} is not installed: run scripts/fetch-models.sh, set llm.local.model, or use --llm none (analyzers only) or --llm openai",
                    path.display()
                )));
            }
            let adapter = choice
                .adapter
                .clone()
                .or_else(|| config.llm.local.adapter.clone());
            let options = crate::engine::LoadOptions {
                device: crate::engine::default_device(),
                ..Default::default()
            };
            let llm = crate::engine::LocalLlm::load(&path, adapter.as_deref(), &options).map_err(
                |e| {
                    if e.is_user_error() {
                        PipelineError::Input(format!("local model: {e}"))
                    } else {
                        PipelineError::Model {
                            path: path.clone(),
                            message: e.to_string(),
                        }
                    }
                },
            )?;
            Conclude::FixedPrompt(Arc::new(crate::llm::local::LocalBackend::new(
                Arc::new(llm),
                config.llm.local.max_tokens,
            )))
        }
        LlmBackendKind::Openai => {
            let settings = crate::llm::openai::OpenAiSettings::from_config(&config.llm.openai);
            let backend = crate::llm::openai::OpenAiBackend::new(settings)
                .map_err(|e| PipelineError::Input(format!("llm.openai: {e}")))?;
            Conclude::ToolLoop(Arc::new(backend))
        }
    })
}

/// The knowledge base, if one was ingested (investigations still run without it).
fn knowledge(home: &Home, config: &Config) -> Option<Arc<KnowledgeBase>> {
    match KnowledgeBase::open(home, config) {
        Ok(kb) if !kb.is_empty() => Some(Arc::new(kb)),
        Ok(_) => {
            tracing::warn!(
                "the runbook index is empty; run `aida ingest` for runbook-guided investigations"
            );
            None
        }
        Err(e) => {
            tracing::warn!(
                "no runbook index ({e}); run `aida ingest` for runbook-guided investigations"
            );
            None
        }
    }
}

/// The live source described by `kubernetes.*` and `prometheus.*`. Connecting makes no request.
async fn live_source(config: &Config, record: Option<&Path>) -> Result<Source, PipelineError> {
    let p = &config.prometheus;
    let prometheus = match p.url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => {
            let auth = match (&p.bearer_token, &p.username) {
                (Some(token), _) => PromAuth::Bearer(token.clone()),
                (None, Some(user)) => PromAuth::Basic {
                    username: user.clone(),
                    password: p.password.clone(),
                },
                (None, None) => PromAuth::None,
            };
            Some(
                PromClient::new(url, auth, Duration::from_secs(p.timeout_secs.max(1)))
                    .map_err(|e| PipelineError::Input(format!("prometheus.url: {e}")))?,
            )
        }
        None => None,
    };
    let recorder = match record {
        Some(dir) => Some(Recorder::new(dir).map_err(|e| {
            PipelineError::Input(format!("creating the bundle {}: {e}", dir.display()))
        })?),
        None => None,
    };
    let k = &config.kubernetes;
    let live = Live::connect(
        &LiveOptions {
            kubeconfig: k.kubeconfig.clone(),
            context: k.context.clone(),
            timeout: Duration::from_secs(k.timeout_secs.max(1)),
        },
        prometheus,
        recorder,
    )
    .await
    .map_err(|e| {
        PipelineError::Evidence(format!(
            "connecting to the Kubernetes cluster: {e} (use --bundle DIR to replay a recorded incident)"
        ))
    })?;
    Ok(Source::Live(Arc::new(live)))
}
