//! The knowledge base as the tool belt's runbook search: the agent's own searches and a model's
//! `search_runbooks` calls go through this one path and are recorded as trajectory steps.
use super::{KnowledgeBase, Query};
use crate::evidence::{RunbookHit, RunbookQuery, RunbookSearch};

impl RunbookSearch for KnowledgeBase {
    fn search(&self, query: RunbookQuery<'_>, top_k: usize) -> Result<Vec<RunbookHit>, String> {
        let query = match query {
            RunbookQuery::Text(text) => Query::text(text),
            RunbookQuery::Alert(alert) => Query::from_alert(alert),
        }
        .with_top_k(top_k);
        let hits = KnowledgeBase::search(self, &query).map_err(|e| e.to_string())?;
        Ok(hits
            .into_iter()
            .map(|h| RunbookHit {
                path: h.path,
                heading: h.heading,
                score: h.score,
                text: h.snippet,
            })
            .collect())
    }
}
