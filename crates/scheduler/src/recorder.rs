//! Group commit for finished checks: checks that finish while a batch is
//! being written wait together and are recorded in the next batch, one
//! transaction for all of them ([`Store::record_checks`]). A lone check is
//! recorded at once, so a quiet scheduler waits no longer than before; a
//! busy one pays PostgreSQL one commit per batch instead of one per check.

use store::scheduling::{CheckToRecord, RecordedCheck};
use store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::METRICS;

/// Hands finished checks to the recording task; cheap to share.
#[derive(Debug, Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Waiting>,
}

#[derive(Debug)]
struct Waiting {
    record: CheckToRecord,
    done: oneshot::Sender<Result<RecordedCheck, StoreError>>,
}

impl Recorder {
    /// Starts the recording task, which writes batches of at most
    /// `max_batch` checks and ends when every [`Recorder`] is dropped (after
    /// recording what was handed to it).
    pub fn start(store: Store, max_batch: usize) -> Self {
        let max_batch = max_batch.max(1);
        let (queue, waiting) = mpsc::channel(max_batch);
        tokio::spawn(record_batches(store, waiting, max_batch));
        Self { queue }
    }

    /// Records one check, once its batch has committed (or been refused).
    pub async fn record(&self, record: CheckToRecord) -> Result<RecordedCheck, StoreError> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Waiting { record, done })
            .await
            .map_err(|_| stopped())?;
        // Dropped unanswered only if the task panicked.
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the scheduler's recording task has stopped".to_owned())
}

async fn record_batches(store: Store, mut waiting: mpsc::Receiver<Waiting>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while waiting.recv_many(&mut batch, max_batch).await > 0 {
        let (records, answers): (Vec<_>, Vec<_>) = batch
            .drain(..)
            .map(|Waiting { record, done }| (record, done))
            .unzip();
        METRICS
            .record_batch_checks
            .observe(f64::from(u32::try_from(records.len()).unwrap_or(u32::MAX)));
        let results = store.record_checks(&records).await;
        for (result, done) in results.into_iter().zip(answers) {
            // A check whose task is gone (shutdown) needs no answer.
            let _ = done.send(result);
        }
    }
}
