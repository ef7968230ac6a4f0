//! What an operator watches of a running store: the writers' batches and
//! commits, typesetting at issue, the audits run in this process and the
//! last scheduled backup. Counted here; the server's `/metrics` shows them.
//!
//! Imports only `press.rs` (to time the press), nothing above it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::press::{Composed, Press, PressError, ScanFailure, StampedView};

/// A label set of one label, `outcome`: `committed` or `failed`.
type Outcome = Vec<(&'static str, &'static str)>;

/// The counters and histograms of one store, shared by its clones and its
/// writers. Cheap to clone (each metric is a handle on shared counts).
#[derive(Debug, Clone)]
pub struct Operations {
    /// Transitions per committed batch.
    batch_size: Histogram,
    /// From a batch's BEGIN to its COMMIT's answer.
    batch_seconds: Histogram,
    /// The COMMIT round trip alone (on PostgreSQL, the disk's flush).
    commit_seconds: Histogram,
    /// SQLite: one flush of the write-ahead log, for the batches it made
    /// durable (`log_flush_batches`).
    log_flush_seconds: Histogram,
    log_flush_batches: Histogram,
    /// Transitions by how their batch ended.
    transitions: Family<Outcome, Counter>,
    /// Typesetting an issued document's PDF.
    typeset_seconds: Histogram,
    status: Arc<Mutex<Status>>,
}

/// What happened last, for gauges read at scrape time.
#[derive(Debug, Default)]
struct Status {
    /// Per organisation: the findings of its last audit in this process.
    findings: BTreeMap<String, (u64, DateTime<Utc>)>,
    backup: BackupStatus,
}

/// The scheduled backups of this process: the last that succeeded, and the
/// last failure if it came after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupStatus {
    pub last_success: Option<DateTime<Utc>>,
    /// Where the last good one went.
    pub last_folder: Option<String>,
    /// When and why the last one failed, if no success came after it.
    pub failure: Option<(DateTime<Utc>, String)>,
}

impl Default for Operations {
    fn default() -> Self {
        let seconds = || Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        Operations {
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 8)),
            batch_seconds: seconds(),
            commit_seconds: seconds(),
            log_flush_seconds: seconds(),
            log_flush_batches: Histogram::new(exponential_buckets(1.0, 2.0, 6)),
            transitions: Family::default(),
            typeset_seconds: Histogram::new(exponential_buckets(0.01, 2.0, 12)),
            status: Arc::default(),
        }
    }
}

impl Operations {
    /// A batch of `size` transitions ended: committed or not, after
    /// `batch` from its start, `commit` of it in the COMMIT.
    pub(crate) fn batch_ended(
        &self,
        size: usize,
        committed: bool,
        batch: Duration,
        commit: Duration,
    ) {
        let outcome = if committed { "committed" } else { "failed" };
        self.transitions
            .get_or_create(&vec![("outcome", outcome)])
            .inc_by(size as u64);
        if committed {
            self.batch_size.observe(size as f64);
            self.batch_seconds.observe(batch.as_secs_f64());
            self.commit_seconds.observe(commit.as_secs_f64());
        }
    }

    /// One flush of SQLite's write-ahead log made `batches` durable.
    pub(crate) fn log_flushed(&self, batches: usize, took: Duration) {
        self.log_flush_seconds.observe(took.as_secs_f64());
        self.log_flush_batches.observe(batches as f64);
    }

    /// An audit of `org` in this process found `findings`.
    pub(crate) fn audited(&self, org: &str, findings: usize) {
        self.status
            .lock()
            .expect("status")
            .findings
            .insert(org.to_owned(), (findings as u64, Utc::now()));
    }

    /// The findings of each organisation's last audit in this process.
    pub fn findings(&self) -> BTreeMap<String, (u64, DateTime<Utc>)> {
        self.status.lock().expect("status").findings.clone()
    }

    pub fn backup_succeeded(&self, at: DateTime<Utc>, folder: String) {
        let mut status = self.status.lock().expect("status");
        status.backup = BackupStatus {
            last_success: Some(at),
            last_folder: Some(folder),
            failure: None,
        };
    }

    pub fn backup_failed(&self, at: DateTime<Utc>, reason: String) {
        self.status.lock().expect("status").backup.failure = Some((at, reason));
    }

    pub fn backup_status(&self) -> BackupStatus {
        self.status.lock().expect("status").backup.clone()
    }

    /// Registers this store's counters and histograms (handles on the same
    /// counts) under `saraban_…` names.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "saraban_writer_batch_size",
            "Transitions in each committed batch of the writers",
            self.batch_size.clone(),
        );
        registry.register(
            "saraban_writer_batch_seconds",
            "Time from a batch's BEGIN to its COMMIT's answer",
            self.batch_seconds.clone(),
        );
        registry.register(
            "saraban_writer_commit_seconds",
            "Time of a batch's COMMIT",
            self.commit_seconds.clone(),
        );
        registry.register(
            "saraban_writer_log_flush_seconds",
            "Time of one flush of SQLite's write-ahead log",
            self.log_flush_seconds.clone(),
        );
        registry.register(
            "saraban_writer_log_flush_batches",
            "Committed batches each flush of SQLite's write-ahead log made durable",
            self.log_flush_batches.clone(),
        );
        registry.register(
            "saraban_transitions",
            "Transitions run by the writers, by how their batch ended",
            self.transitions.clone(),
        );
        registry.register(
            "saraban_typeset_seconds",
            "Time to typeset an issued document's PDF",
            self.typeset_seconds.clone(),
        );
    }

    /// `press`, timed into `saraban_typeset_seconds`.
    pub(crate) fn timed_press(&self, press: Arc<dyn Press>) -> Arc<dyn Press> {
        Arc::new(TimedPress {
            press,
            seconds: self.typeset_seconds.clone(),
        })
    }
}

/// The store's press, each print timed.
#[derive(Debug)]
struct TimedPress {
    press: Arc<dyn Press>,
    seconds: Histogram,
}

impl Press for TimedPress {
    fn print(&self, document: &Composed) -> Result<Vec<u8>, PressError> {
        let started = Instant::now();
        let printed = self.press.print(document);
        self.seconds.observe(started.elapsed().as_secs_f64());
        printed
    }

    fn scans_to_pdf(&self, images: &[Vec<u8>]) -> Result<Vec<u8>, ScanFailure> {
        self.press.scans_to_pdf(images)
    }

    fn stamp(&self, view: &StampedView) -> Result<Vec<u8>, PressError> {
        self.press.stamp(view)
    }
}
