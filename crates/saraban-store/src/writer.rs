//! Group commit. Transitions wait for the disk's flush and the database's
//! round trips far longer than they compute, so concurrent transitions are
//! run together: one transaction, one durable COMMIT for all. Nobody hears
//! "done" before that commit is on disk.
//!
//! On SQLite the flush is taken off the writer's path: the writer commits
//! into the write-ahead log (synchronous=NORMAL) and goes on to its next
//! batch, while a syncer flushes the log with one `fdatasync` for every
//! batch committed since its last, then answers their callers and files
//! their checkpoints. The log is replayed in order after a power loss, so
//! what survives is always a prefix of the commits, and it holds every one
//! that was answered. Copying the log into the database (a checkpoint) is
//! off the writer's path too: a checkpointer does it up to 20 times a second
//! while batches commit.
//!
//! A batch reads the documents of its route actions in one statement; each
//! action then decides in memory and hands its changes to the batch, which
//! writes them with the numbered events at its end (`route_changes`,
//! `ledger`): a batch of route actions costs a handful of round trips,
//! whatever its size. A transition that writes as it goes (creating,
//! editing, issuing) runs in a savepoint of its own, so a refused or
//! failed one rolls back alone.
//!
//! An organisation's work goes to one writer (chosen by a hash of the
//! organisation): its batches never wait for each other's log head in
//! this process, and other processes are met by row locks. A document acts
//! at most once per batch — a second transition of the same document waits
//! for the next — so no transition reads what its batch has yet to write.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::error::{Internal, Result, StoreError};
use crate::keys::{KeyFolder, SharedKeys};
use crate::ledger::{PendingLedger, SignedCheckpoint, SignedRoots};
use crate::operations::Operations;
use crate::reads::read_documents;
use crate::rows::{DocumentRead, WantedDocument};

/// Which database a store is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The most transitions one commit carries.
const MAX_BATCH: usize = 128;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Tells the waiting caller how it went, once the batch is decided:
/// `None` when the batch committed, else why it did not.
type Deliver = Box<dyn FnOnce(Option<String>) + Send>;

/// How a transition ended inside its batch.
enum JobEnd {
    /// Its result waits for the commit.
    Done(Deliver),
    /// Refused or failed, and told so already.
    Failed {
        /// The database failed it: without a savepoint of its own, the
        /// batch's transaction cannot go on.
        database: bool,
    },
}

/// Runs one transition inside the batch.
type Run = Box<dyn for<'c> FnOnce(&'c mut Batch) -> BoxFuture<'c, JobEnd> + Send>;

struct WriteJob {
    /// What the transition acts on: `ORG/DOCUMENT` or `ORG`.
    key: String,
    /// A second document it acts on (`ORG/DOCUMENT`): an issued reply
    /// closes its letter.
    also: Option<String>,
    /// Writes as it goes, so it runs in a savepoint.
    guarded: bool,
    /// The document it will read, read ahead with the batch's others.
    reads: Option<WantedDocument>,
    run: Run,
    /// Reports a failure of the batch before the job could run.
    abandon: Box<dyn FnOnce(String) + Send>,
}

/// Whether a transition writes as it goes (and so needs a savepoint) or
/// only reads, handing its changes to the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writes {
    AsItGoes,
    AtTheEnd,
}

/// The writers of a store, one task each.
#[derive(Debug, Clone)]
pub(crate) struct Writers {
    queues: Arc<Vec<mpsc::Sender<WriteJob>>>,
    pool: AnyPool,
}

impl std::fmt::Debug for WriteJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteJob")
    }
}

impl Writers {
    /// `log`: on SQLite, the write-ahead log the writer commits into
    /// without flushing it (its connection runs synchronous=NORMAL).
    pub(crate) fn start(
        pool: &AnyPool,
        backend: Backend,
        log: Option<SqliteLog>,
        keys: &SharedKeys,
        operations: &Operations,
    ) -> Self {
        // SQLite has one writer whatever we do; PostgreSQL takes a batch
        // per core at once, each of other organisations (more only adds
        // commits on a busy machine).
        let count = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => std::thread::available_parallelism()
                .map_or(2, usize::from)
                .clamp(2, 8),
        };
        let queues = (0..count.max(1))
            .map(|_| {
                let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
                let durability = match &log {
                    Some(log) => {
                        let (committed, syncing) = mpsc::unbounded_channel();
                        let (due, checkpoints) = mpsc::channel(1);
                        tokio::spawn(run_checkpointer(log.checkpointing.clone(), checkpoints));
                        let (wal, operations) = (log.wal.clone(), operations.clone());
                        std::thread::Builder::new()
                            .name("saraban-log-sync".into())
                            .spawn(move || run_syncer(wal, syncing, due, operations))
                            .expect("a thread for the log's flushes");
                        Durability::Synced(committed)
                    }
                    None => Durability::AtCommit,
                };
                tokio::spawn(run_writer(
                    pool.clone(),
                    backend,
                    receiver,
                    keys.clone(),
                    operations.clone(),
                    durability,
                ));
                sender
            })
            .collect();
        Self {
            queues: Arc::new(queues),
            pool: pool.clone(),
        }
    }

    /// Closes the writers' connections (SQLite's writer has its own).
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// Transitions waiting in the writers' queues now.
    pub(crate) fn queued(&self) -> usize {
        self.queues
            .iter()
            .map(|queue| queue.max_capacity() - queue.capacity())
            .sum()
    }

    /// Whether every writer still takes work.
    pub(crate) fn running(&self) -> bool {
        self.queues.iter().all(|queue| !queue.is_closed())
    }

    /// The writer of the key's organisation.
    fn queue(&self, key: &str) -> &mpsc::Sender<WriteJob> {
        let org = key.split_once('/').map_or(key, |(org, _)| org);
        // FNV-1a: stable, and enough to spread organisations.
        let hash = org.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        &self.queues[(hash % self.queues.len() as u64) as usize]
    }
}

/// One batch's transaction and the events its transitions appended. The
/// events are numbered, chained and written together before the commit,
/// under the log head's lock, so the head row is locked and updated once
/// per batch, at its end.
pub(crate) struct Batch {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) ledger: PendingLedger,
    /// On PostgreSQL a transition locks the document it reads (writers
    /// of other processes may hold others of the same organisation).
    pub(crate) lock_rows: bool,
    /// The documents read ahead for the batch's route actions, by
    /// organisation and id; a transition takes its own out.
    pub(crate) read_ahead: HashMap<(String, String), DocumentRead>,
    /// How numbers print, by organisation and register, as the batch's
    /// transitions read it: forgotten after each organisation-wide job,
    /// which may change the organisation's settings.
    pub(crate) numbering: HashMap<(String, String), Numbering>,
}

/// A register's pattern and the organisation's digits.
pub(crate) type Numbering = (
    saraban_core::register::NumberPattern,
    saraban_core::DigitStyle,
);

/// SQLite's write-ahead log, for the writer's syncer and checkpointer.
#[derive(Debug, Clone)]
pub(crate) struct SqliteLog {
    /// The log's file, which the syncer flushes.
    pub(crate) wal: std::path::PathBuf,
    /// Connections other than the writer's, for the checkpoints.
    pub(crate) checkpointing: AnyPool,
}

/// How a committed batch becomes durable before its callers hear of it.
enum Durability {
    /// The COMMIT itself flushed it.
    AtCommit,
    /// The syncer flushes the log it was committed into.
    Synced(mpsc::UnboundedSender<Committed>),
}

/// A committed batch whose callers have yet to hear of it.
struct Committed {
    delivered: Vec<Deliver>,
    signed: Vec<SignedCheckpoint>,
    folder: Option<Arc<KeyFolder>>,
}

impl Committed {
    /// Files the batch's checkpoints and answers its callers: `None` when
    /// the batch is durable, else why it may not be.
    fn settle(self, verdict: Option<String>) {
        // Filed only once durable: the file never holds a checkpoint of a
        // log that was rolled back or lost. A note that fails to be filed
        // is still in the database, and verify reports the difference.
        if verdict.is_none()
            && let Some(folder) = &self.folder
        {
            for checkpoint in self.signed {
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
        for deliver in self.delivered {
            deliver(verdict.clone());
        }
    }
}

/// Flushes the write-ahead log once for all the batches committed since
/// the last flush, then settles them in their order. A thread of its own,
/// for the store's life: a flush blocks, and a thread taken from a pool
/// for each would start new ones (each with its own heap) whenever one is
/// still busy. Ends when the writer does.
fn run_syncer(
    wal: std::path::PathBuf,
    mut committed: mpsc::UnboundedReceiver<Committed>,
    checkpoint_due: mpsc::Sender<()>,
    operations: Operations,
) {
    while let Some(first) = committed.blocking_recv() {
        let mut batches = vec![first];
        while let Ok(next) = committed.try_recv() {
            batches.push(next);
        }
        let started = std::time::Instant::now();
        // Any descriptor of the file flushes all of its written pages. Opened
        // each time: should every connection close, SQLite deletes the log
        // and makes a new one, which a kept descriptor would never flush.
        let verdict = match std::fs::File::open(&wal).and_then(|file| file.sync_data()) {
            Ok(()) => None,
            Err(error) => {
                tracing::error!(wal = %wal.display(), "the write-ahead log was not flushed: {error}");
                Some("the database could not flush its log to disk".to_owned())
            }
        };
        operations.log_flushed(batches.len(), started.elapsed());
        for batch in batches {
            batch.settle(verdict.clone());
        }
        // Full: a checkpoint is already due.
        let _ = checkpoint_due.try_send(());
    }
}

/// How long the checkpointer lets committed pages gather in the log
/// before it copies them: a checkpoint flushes the database file once,
/// whatever it copies.
const CHECKPOINT_GATHERS: std::time::Duration = std::time::Duration::from_millis(50);

/// Copies the log into the database file while the writer goes on, once
/// some batch has committed since the last copy. Ends with the syncer.
async fn run_checkpointer(pool: AnyPool, mut due: mpsc::Receiver<()>) {
    while due.recv().await.is_some() {
        tokio::time::sleep(CHECKPOINT_GATHERS).await;
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                break;
            }
            tracing::warn!("a checkpoint of the log failed: {error}");
        }
    }
}

async fn run_writer(
    pool: AnyPool,
    backend: Backend,
    mut receiver: mpsc::Receiver<WriteJob>,
    keys: SharedKeys,
    operations: Operations,
    durability: Durability,
) {
    // Transitions whose key already acted in the batch, for the next one.
    let mut carried: VecDeque<WriteJob> = VecDeque::new();
    let mut signed_roots = SignedRoots::default();
    loop {
        let mut waiting: Vec<WriteJob> = carried.drain(..).collect();
        if waiting.is_empty() {
            match receiver.recv().await {
                Some(first) => waiting.push(first),
                None => break,
            }
        }
        while waiting.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => waiting.push(job),
                Err(_) => break,
            }
        }
        let jobs = one_transition_per_key(waiting, &mut carried);
        let started = std::time::Instant::now();
        let size = jobs.len();
        // SQLite: take the write lock at once, so that another process's
        // writer is waited for (busy_timeout) rather than met mid-batch.
        let begun = match backend {
            Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => pool.begin().await,
        };
        let mut batch = match begun {
            Ok(tx) => Batch {
                tx,
                ledger: PendingLedger::default(),
                lock_rows: backend == Backend::Postgres,
                read_ahead: HashMap::new(),
                numbering: HashMap::new(),
            },
            Err(error) => {
                abandon_rest(jobs.into_iter(), error.to_string());
                continue;
            }
        };
        // The route actions' documents in one round trip, not one each —
        // up to the first of the organisation's own jobs (which may change
        // who holds what): those after it read for themselves.
        let wanted: Vec<WantedDocument> = jobs
            .iter()
            .take_while(|job| job.key.contains('/'))
            .filter_map(|job| job.reads.clone())
            .collect();
        if !wanted.is_empty() {
            match read_documents(&mut batch.tx, &wanted, batch.lock_rows).await {
                Ok(found) => batch.read_ahead = found,
                Err(error) => {
                    let _ = batch.tx.rollback().await;
                    abandon_rest(jobs.into_iter(), error.to_string());
                    continue;
                }
            }
        }
        let mut delivered = Vec::with_capacity(jobs.len());
        let broken = run_jobs(&mut batch, jobs, &mut delivered).await;
        let folder = keys.read().expect("keys").clone();
        let (broken, signed) = match broken {
            Some(reason) => (Some(reason), Vec::new()),
            None => match batch
                .ledger
                .flush(&mut batch.tx, folder.as_deref(), &mut signed_roots)
                .await
            {
                Ok(signed) => (None, signed),
                Err(error) => (Some(error.to_string()), Vec::new()),
            },
        };
        let verdict = match broken {
            Some(reason) => {
                let _ = batch.tx.rollback().await;
                Some(reason)
            }
            None => {
                let committing = std::time::Instant::now();
                let verdict = batch.tx.commit().await.err().map(|e| e.to_string());
                operations.batch_ended(
                    size,
                    verdict.is_none(),
                    started.elapsed(),
                    committing.elapsed(),
                );
                verdict
            }
        };
        let committed = Committed {
            delivered,
            signed,
            folder,
        };
        match (&durability, verdict) {
            (Durability::Synced(syncer), None) => {
                if let Err(unsent) = syncer.send(committed) {
                    unsent
                        .0
                        .settle(Some("the log's syncer has stopped".to_owned()));
                }
            }
            (_, verdict) => committed.settle(verdict),
        }
    }
}

/// The jobs of one batch: at most one per key (document), the others
/// carried to the next batch in their order.
fn one_transition_per_key(
    waiting: Vec<WriteJob>,
    carried: &mut VecDeque<WriteJob>,
) -> Vec<WriteJob> {
    let mut acting = HashSet::new();
    let mut jobs = Vec::with_capacity(waiting.len());
    for job in waiting {
        let busy =
            acting.contains(&job.key) || job.also.as_ref().is_some_and(|k| acting.contains(k));
        // A carried job's documents wait too, so their order holds.
        acting.insert(job.key.clone());
        acting.extend(job.also.clone());
        if busy {
            carried.push_back(job);
        } else {
            jobs.push(job);
        }
    }
    jobs
}

/// Runs the jobs in order; returns why the batch broke, if it did. A
/// guarded job runs in a savepoint: a success releases it (and opens the
/// next guarded job's in the same round trip), a failure rolls back to it.
async fn run_jobs(
    batch: &mut Batch,
    jobs: Vec<WriteJob>,
    delivered: &mut Vec<Deliver>,
) -> Option<String> {
    let mut open = false;
    let mut jobs = jobs.into_iter().peekable();
    while let Some(job) = jobs.next() {
        let next_guarded = jobs.peek().is_some_and(|next| next.guarded);
        let mut closing = None;
        if job.guarded && !open {
            if let Err(error) = sqlx::raw_sql("SAVEPOINT transition")
                .execute(&mut *batch.tx)
                .await
            {
                (job.abandon)(error.to_string());
                return abandon_rest(jobs, error.to_string());
            }
            open = true;
        }
        let mark = batch.ledger.mark();
        let organisation_wide = !job.key.contains('/');
        let ended = (job.run)(batch).await;
        if organisation_wide {
            batch.numbering.clear();
        }
        match ended {
            JobEnd::Done(deliver) => {
                delivered.push(deliver);
                if open {
                    closing = Some(if next_guarded {
                        "RELEASE SAVEPOINT transition; SAVEPOINT transition"
                    } else {
                        open = false;
                        "RELEASE SAVEPOINT transition"
                    });
                }
            }
            JobEnd::Failed { database } => {
                batch.ledger.restore(mark);
                if open {
                    closing = Some(if next_guarded {
                        "ROLLBACK TO SAVEPOINT transition"
                    } else {
                        open = false;
                        "ROLLBACK TO SAVEPOINT transition; RELEASE SAVEPOINT transition"
                    });
                } else if database {
                    return abandon_rest(
                        jobs,
                        "the database failed a transition of the batch".into(),
                    );
                }
            }
        }
        if let Some(sql) = closing
            && let Err(error) = sqlx::raw_sql(sql).execute(&mut *batch.tx).await
        {
            return abandon_rest(jobs, error.to_string());
        }
    }
    None
}

/// Tells the jobs not yet run that the batch broke, and why.
fn abandon_rest(jobs: impl Iterator<Item = WriteJob>, reason: String) -> Option<String> {
    for job in jobs {
        (job.abandon)(reason.clone());
    }
    Some(reason)
}

impl Writers {
    /// Runs `job` as one transition, committed durably (together with
    /// whatever else is being written at the same moment). `key` picks the
    /// writer: `ORG/DOCUMENT` for a document's transitions, `ORG` for the
    /// organisation's own. A job that writes only `AtTheEnd` must not
    /// write through the batch's transaction itself.
    pub(crate) async fn write<T, F>(&self, key: &str, writes: Writes, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Batch) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        self.write_reading(key, None, writes, job).await
    }

    /// `write`, with the document the job will read read ahead together
    /// with those of the rest of its batch (the job finds it in
    /// `Batch::read_ahead`).
    pub(crate) async fn write_reading<T, F>(
        &self,
        key: &str,
        reads: Option<WantedDocument>,
        writes: Writes,
        job: F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Batch) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        self.write_reading_also(key, None, reads, writes, job).await
    }

    /// `write_reading` for a job that also acts on the document `also`
    /// (`ORG/DOCUMENT`, of the same organisation): no other transition of
    /// either document runs in its batch.
    pub(crate) async fn write_reading_also<T, F>(
        &self,
        key: &str,
        also: Option<String>,
        reads: Option<WantedDocument>,
        writes: Writes,
        job: F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Batch) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (mut job, receiver) = write_job(key, reads, writes, job);
        job.also = also;
        self.queue(key)
            .send(job)
            .await
            .map_err(|_| StoreError::from(Internal::WriterGone))?;
        receiver
            .await
            .map_err(|_| StoreError::from(Internal::WriterGone))?
    }
}

/// A transition as its writer runs it, and where its result will arrive
/// once its batch is decided.
fn write_job<T, F>(
    key: &str,
    reads: Option<WantedDocument>,
    writes: Writes,
    job: F,
) -> (WriteJob, oneshot::Receiver<Result<T>>)
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
                Ok(value) => JobEnd::Done(Box::new(move |verdict: Option<String>| match verdict {
                    None => send(Ok(value)),
                    Some(reason) => send(Err(Internal::NotCommitted(reason).into())),
                })),
                Err(error) => {
                    let database = error.is_database();
                    send(Err(error));
                    JobEnd::Failed { database }
                }
            }
        })
    });
    let job = WriteJob {
        key: key.to_owned(),
        also: None,
        guarded: writes == Writes::AsItGoes,
        reads,
        run,
        abandon: Box::new(move |reason| abandon_send(Err(Internal::NotCommitted(reason).into()))),
    };
    (job, receiver)
}

#[cfg(test)]
mod tests {
    //! One batch, run by hand on a real SQLite file: what a failed or
    //! refused transition leaves behind, and who waits for the next batch.

    use saraban_core::ledger::{Event, EventHead};
    use saraban_core::workflow::{ActionKind, Refusal};
    use sqlx::Row;

    use super::*;

    /// A SQLite file with the one table the jobs write.
    async fn store() -> (AnyPool, std::path::PathBuf) {
        sqlx::any::install_default_drivers();
        let file = std::env::temp_dir().join(format!("saraban-batch-{}.db", uuid::Uuid::new_v4()));
        let pool = AnyPool::connect(&format!("sqlite://{}?mode=rwc", file.display()))
            .await
            .expect("open");
        sqlx::raw_sql("CREATE TABLE pdfs (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL)")
            .execute(&pool)
            .await
            .expect("table");
        (pool, file)
    }

    fn event(document: &str) -> Event {
        Event::new(EventHead {
            org: "org",
            seq: 0,
            at: "2025-04-09T10:00:00+07:00".into(),
            kind: "created",
            document,
            doc_version: 1,
            actor: "someone",
            content_hash: String::new(),
        })
    }

    /// A job that writes the row `name` (in a scratch table) and appends
    /// an event, then ends as `outcome` says.
    fn job(
        key: &str,
        writes: Writes,
        name: &'static str,
        outcome: fn() -> Result<()>,
    ) -> (WriteJob, oneshot::Receiver<Result<()>>) {
        write_job(key, None, writes, move |batch: &mut Batch| {
            Box::pin(async move {
                if writes == Writes::AsItGoes {
                    sqlx::query("INSERT INTO pdfs (sha256, bytes) VALUES ($1, $2)")
                        .bind(name)
                        .bind(Vec::<u8>::new())
                        .execute(&mut *batch.tx)
                        .await?;
                }
                batch.ledger.push(event(name), None, None);
                outcome()
            })
        })
    }

    fn refused() -> Result<()> {
        Err(Refusal::TextRequired(ActionKind::Return).into())
    }

    async fn run(store: &AnyPool, jobs: Vec<WriteJob>) -> (usize, Option<String>) {
        let mut batch = Batch {
            tx: store.begin().await.expect("begin"),
            ledger: PendingLedger::default(),
            lock_rows: false,
            read_ahead: HashMap::new(),
            numbering: HashMap::new(),
        };
        let mut delivered = Vec::new();
        let broken = run_jobs(&mut batch, jobs, &mut delivered).await;
        let pending = batch.ledger.pending();
        batch.tx.commit().await.expect("commit");
        for deliver in delivered {
            deliver(broken.clone());
        }
        (pending, broken)
    }

    async fn rows(store: &AnyPool) -> Vec<String> {
        sqlx::query("SELECT sha256 FROM pdfs ORDER BY sha256")
            .fetch_all(store)
            .await
            .expect("rows")
            .iter()
            .map(|row| row.try_get("sha256").expect("sha256"))
            .collect()
    }

    #[tokio::test]
    async fn a_failed_transition_between_two_good_ones_rolls_back_alone() {
        let (store, file) = store().await;
        let (first, first_done) = job("org/a", Writes::AsItGoes, "a", || Ok(()));
        let (second, second_done) = job("org/b", Writes::AsItGoes, "b", refused);
        let (third, third_done) = job("org/c", Writes::AsItGoes, "c", || Ok(()));
        let (pending, broken) = run(&store, vec![first, second, third]).await;
        assert_eq!(broken, None, "the batch goes on");
        assert_eq!(pending, 2, "the failed transition's event is gone");
        assert_eq!(
            rows(&store).await,
            ["a", "c"],
            "its row is gone, theirs kept"
        );
        assert!(first_done.await.expect("told").is_ok());
        assert!(matches!(
            second_done.await.expect("told"),
            Err(StoreError::Refused(_))
        ));
        assert!(third_done.await.expect("told").is_ok());
        let _ = std::fs::remove_file(file);
    }

    #[tokio::test]
    async fn a_refused_route_action_leaves_nothing_behind() {
        let (store, file) = store().await;
        let (good, _) = job("org/a", Writes::AtTheEnd, "a", || Ok(()));
        let (refusal, told) = job("org/b", Writes::AtTheEnd, "b", refused);
        let (pending, broken) = run(&store, vec![good, refusal]).await;
        assert_eq!(broken, None);
        assert_eq!(pending, 1, "only the good action's event waits");
        assert!(
            rows(&store).await.is_empty(),
            "a route action writes nothing itself"
        );
        assert!(matches!(
            told.await.expect("told"),
            Err(StoreError::Refused(_))
        ));
        let _ = std::fs::remove_file(file);
    }

    #[tokio::test]
    async fn a_document_acts_once_per_batch_and_the_rest_wait_in_order() {
        let jobs: Vec<WriteJob> = ["org/a", "org/b", "org/a", "org", "org/a"]
            .into_iter()
            .map(|key| job(key, Writes::AtTheEnd, "x", || Ok(())).0)
            .collect();
        let mut carried = VecDeque::new();
        let batch = one_transition_per_key(jobs, &mut carried);
        let keys: Vec<&str> = batch.iter().map(|j| j.key.as_str()).collect();
        assert_eq!(keys, ["org/a", "org/b", "org"]);
        let waiting: Vec<&str> = carried.iter().map(|j| j.key.as_str()).collect();
        assert_eq!(
            waiting,
            ["org/a", "org/a"],
            "the second and third of org/a wait"
        );
        let next = one_transition_per_key(carried.drain(..).collect(), &mut carried);
        assert_eq!(next.len(), 1, "the next batch takes one of them");
        assert_eq!(carried.len(), 1, "and the last waits again");
    }
}
