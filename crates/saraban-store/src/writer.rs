//! Group commit. Transitions wait for the disk's flush far longer than
//! they compute, and an organisation's log takes them one at a time, so
//! concurrent transitions are run together: one transaction, each in a
//! savepoint of its own, one durable COMMIT for all. Nobody hears "done"
//! before that commit; a refused or failed transition rolls back its own
//! savepoint only. Organisations are spread over writers by a hash of
//! their id, so one organisation's transitions always meet in one writer.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::checkpoints::SharedKeys;
use crate::ledger::PendingLedger;
use crate::{Result, Store, StoreError};

/// The most transitions one commit carries.
const MAX_BATCH: usize = 128;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Tells the waiting caller how it went, once the batch is decided:
/// `None` when the batch committed, else why it did not.
type Deliver = Box<dyn FnOnce(Option<String>) + Send>;

/// Runs one transition inside the batch; on success returns how to
/// deliver its result after the commit, on failure has delivered already.
type Run = Box<dyn for<'c> FnOnce(&'c mut Batch) -> BoxFuture<'c, Option<Deliver>> + Send>;

struct WriteJob {
    run: Run,
    /// Reports a failure of the batch before the job could run.
    abandon: Box<dyn FnOnce(String) + Send>,
}

/// The writers of a store, one task each.
#[derive(Debug, Clone)]
pub(crate) struct Writers {
    queues: Arc<Vec<mpsc::Sender<WriteJob>>>,
}

impl std::fmt::Debug for WriteJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteJob")
    }
}

impl Writers {
    pub(crate) fn start(pool: &AnyPool, count: usize, keys: &SharedKeys) -> Self {
        let queues = (0..count.max(1))
            .map(|_| {
                let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
                tokio::spawn(run_writer(pool.clone(), receiver, keys.clone()));
                sender
            })
            .collect();
        Self {
            queues: Arc::new(queues),
        }
    }

    fn queue(&self, org: &str) -> &mpsc::Sender<WriteJob> {
        // FNV-1a: stable, and enough to spread organisations.
        let hash = org.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        &self.queues[(hash % self.queues.len() as u64) as usize]
    }
}

/// One batch's transaction and the events its transitions appended. The
/// log's head is read (and locked) once per organisation per batch and
/// advanced in memory; events are written together before the commit, so
/// the head row is updated once per batch, not twice per transition.
pub(crate) struct Batch {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) ledger: PendingLedger,
}

async fn run_writer(pool: AnyPool, mut receiver: mpsc::Receiver<WriteJob>, keys: SharedKeys) {
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut batch = match pool.begin().await {
            Ok(tx) => Batch {
                tx,
                ledger: PendingLedger::default(),
            },
            Err(error) => {
                for job in jobs {
                    (job.abandon)(error.to_string());
                }
                continue;
            }
        };
        let mut delivered = Vec::with_capacity(jobs.len());
        let broken = run_jobs(&mut batch, jobs, &mut delivered).await;
        let folder = keys.read().expect("keys").clone();
        let (broken, signed) = match broken {
            Some(reason) => (Some(reason), Vec::new()),
            None => match batch.ledger.flush(&mut batch.tx, folder.as_deref()).await {
                Ok(signed) => (None, signed),
                Err(error) => (Some(error.to_string()), Vec::new()),
            },
        };
        let verdict = match broken {
            Some(reason) => {
                let _ = batch.tx.rollback().await;
                Some(reason)
            }
            None => batch.tx.commit().await.err().map(|e| e.to_string()),
        };
        // Filed only once committed: the file never holds a checkpoint of
        // a log that was rolled back. A note that fails to be filed is
        // still in the database, and verify reports the difference.
        if verdict.is_none()
            && let Some(folder) = &folder
        {
            for checkpoint in signed {
                if let Err(error) =
                    folder.file_note(&checkpoint.org, checkpoint.size, &checkpoint.note)
                {
                    tracing::error!(
                        org = %checkpoint.org,
                        size = checkpoint.size,
                        "checkpoint not filed: {error}"
                    );
                }
            }
        }
        for deliver in delivered {
            deliver(verdict.clone());
        }
    }
}

/// Runs each job in a savepoint of its own; returns why the batch broke,
/// if it did. One savepoint serves every job: a success releases it and
/// opens the next in one round trip, a failure rolls back to it (which
/// keeps it open for the next job).
async fn run_jobs(
    batch: &mut Batch,
    jobs: Vec<WriteJob>,
    delivered: &mut Vec<Deliver>,
) -> Option<String> {
    if let Err(error) = sqlx::raw_sql("SAVEPOINT transition")
        .execute(&mut *batch.tx)
        .await
    {
        for job in jobs {
            (job.abandon)(error.to_string());
        }
        return Some(error.to_string());
    }
    let count = jobs.len();
    let mut jobs = jobs.into_iter().enumerate();
    while let Some((index, job)) = jobs.next() {
        let mark = batch.ledger.mark();
        let closing = match (job.run)(batch).await {
            Some(deliver) => {
                delivered.push(deliver);
                if index + 1 < count {
                    sqlx::raw_sql("RELEASE SAVEPOINT transition; SAVEPOINT transition")
                        .execute(&mut *batch.tx)
                        .await
                } else {
                    sqlx::raw_sql("RELEASE SAVEPOINT transition")
                        .execute(&mut *batch.tx)
                        .await
                }
            }
            None => {
                batch.ledger.restore(mark);
                sqlx::raw_sql("ROLLBACK TO SAVEPOINT transition")
                    .execute(&mut *batch.tx)
                    .await
            }
        };
        if let Err(error) = closing {
            let reason = error.to_string();
            for (_, job) in jobs {
                (job.abandon)(reason.clone());
            }
            return Some(reason);
        }
    }
    None
}

impl Store {
    /// Runs `job` as one transition of `org`, committed durably (together
    /// with whatever else is being written at the same moment).
    pub(crate) async fn write<T, F>(&self, org: &str, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Batch) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (sender, receiver) = oneshot::channel::<Result<T>>();
        let sender = Arc::new(Mutex::new(Some(sender)));
        let send = {
            let sender = sender.clone();
            move |result: Result<T>| {
                if let Some(sender) = sender.lock().ok().and_then(|mut s| s.take()) {
                    let _ = sender.send(result);
                }
            }
        };
        let abandon_send = send.clone();
        let run: Run = Box::new(move |batch| {
            Box::pin(async move {
                match job(batch).await {
                    Ok(value) => Some(Box::new(move |verdict: Option<String>| match verdict {
                        None => send(Ok(value)),
                        Some(reason) => {
                            send(Err(StoreError::Invalid(format!("not committed: {reason}"))))
                        }
                    }) as Deliver),
                    Err(error) => {
                        send(Err(error));
                        None
                    }
                }
            })
        });
        let job = WriteJob {
            run,
            abandon: Box::new(move |reason| {
                abandon_send(Err(StoreError::Invalid(format!("not committed: {reason}"))))
            }),
        };
        self.writers
            .queue(org)
            .send(job)
            .await
            .map_err(|_| StoreError::Invalid("the store is closed".into()))?;
        receiver
            .await
            .map_err(|_| StoreError::Invalid("the writer stopped".into()))?
    }
}
