//! Where the console reads investigations and writes verdicts. The console knows only
//! [`ReviewSource`]; the local store is one implementation, MLflow (several hosts) the other (`mlflow_source`).
use crate::report::Report;
use crate::store::{NewFeedback, ReviewItem, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("investigation {0} has no report")]
    NoReport(String),
    #[error("MLflow: {0}")]
    Mlflow(#[from] crate::mlflow::MlflowError),
}

/// What a review console needs from wherever investigations live.
pub trait ReviewSource {
    /// Finished investigations with a report, newest first, each with its standing verdict.
    fn queue(&mut self) -> Result<Vec<ReviewItem>, SourceError>;
    /// The whole report of one investigation (alert, conclusion, evidence, trajectory).
    fn load(&mut self, investigation_id: &str) -> Result<Report, SourceError>;
    /// Stores a verdict durably (and queues it for MLflow) before returning its id.
    fn record(&mut self, feedback: &NewFeedback) -> Result<i64, SourceError>;
    /// Undoes a verdict recorded earlier (by its id); the previous one, if any, stands again.
    fn undo(&mut self, feedback_id: i64) -> Result<(), SourceError>;
}

/// The store of `$AIDA_HOME`.
pub struct LocalSource {
    store: Store,
}

impl LocalSource {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl ReviewSource for LocalSource {
    fn queue(&mut self) -> Result<Vec<ReviewItem>, SourceError> {
        Ok(self.store.review_queue()?)
    }

    fn load(&mut self, investigation_id: &str) -> Result<Report, SourceError> {
        let investigation =
            self.store
                .investigation(investigation_id)?
                .ok_or_else(|| StoreError::NotFound {
                    what: "investigation",
                    id: investigation_id.to_string(),
                })?;
        self.store
            .report(&investigation)?
            .ok_or_else(|| SourceError::NoReport(investigation_id.to_string()))
    }

    fn record(&mut self, feedback: &NewFeedback) -> Result<i64, SourceError> {
        Ok(self.store.add_feedback(feedback)?)
    }

    fn undo(&mut self, feedback_id: i64) -> Result<(), SourceError> {
        self.store.retract_feedback(feedback_id)?;
        Ok(())
    }
}
