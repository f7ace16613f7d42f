//! Group commit of rows: the dispatcher hands each finished row here and goes on scheduling;
//! a blocking task appends the rows waiting and syncs them with one `fdatasync`, and only then
//! are they handed back to be reported. So a row reported as done is on disk, as before, but
//! the sync no longer sits between one attempt's end and the next one's start (it was a third
//! of a no-op attempt's overhead, `reports/sweep-budget.md`), and rows that finish together
//! share one sync. This module owns the batching only; what a row says, and what a failed
//! write means for the run, are the dispatcher's.

use nbench_schema::Row;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::store::RowWriter;

type Batch = (RowWriter, Vec<Row>, Result<()>);

/// Rows on their way to disk.
pub(super) struct Commits {
    /// The writer, while no batch is being written.
    idle: Option<RowWriter>,
    /// Rows that finished while a batch was being written: the next batch.
    waiting: Vec<Row>,
    writing: Option<JoinHandle<Batch>>,
    /// After a failed write nothing more is written; rows still pass through to be reported.
    failed: bool,
}

impl Commits {
    pub(super) fn new(writer: RowWriter) -> Commits {
        Commits {
            idle: Some(writer),
            waiting: Vec::new(),
            writing: None,
            failed: false,
        }
    }

    /// Queues `row` to be written, starting a batch when none is being written.
    pub(super) fn push(&mut self, row: Row) {
        self.waiting.push(row);
        self.start();
    }

    /// Whether rows are queued or being written.
    pub(super) fn busy(&self) -> bool {
        self.writing.is_some() || !self.waiting.is_empty()
    }

    /// Whether a batch is being written (the dispatcher's `select!` waits on [`Commits::done`]
    /// only then).
    pub(super) fn writing(&self) -> bool {
        self.writing.is_some()
    }

    /// Waits for the batch being written and returns its rows, durable unless the result is
    /// an error; the rows that waited meanwhile start as the next batch. Cancel-safe: a
    /// `select!` that drops this future loses nothing.
    pub(super) async fn done(&mut self) -> (Vec<Row>, Result<()>) {
        let Some(handle) = self.writing.as_mut() else {
            // Only when the writer itself was lost: what waits can never be written.
            let rows = std::mem::take(&mut self.waiting);
            return (
                rows,
                Err(Error::Runtime("the row writer failed earlier".into())),
            );
        };
        let joined = handle.await;
        self.writing = None;
        let (rows, result) = match joined {
            Ok((writer, rows, result)) => {
                self.idle = Some(writer);
                (rows, result)
            }
            // The write panicked or was cancelled: its rows are lost to this handle.
            Err(e) => (
                Vec::new(),
                Err(Error::Runtime(format!("the row writer failed: {e}"))),
            ),
        };
        if result.is_err() {
            self.failed = true;
        }
        self.start();
        (rows, result)
    }

    /// Waits until every queued row has been written, calling `each` with each batch.
    pub(super) async fn flush(&mut self, mut each: impl FnMut(Vec<Row>, Result<()>)) {
        while self.busy() {
            self.start();
            let (rows, result) = self.done().await;
            each(rows, result);
        }
    }

    fn start(&mut self) {
        if self.writing.is_some() || self.waiting.is_empty() {
            return;
        }
        let rows = std::mem::take(&mut self.waiting);
        let failed = self.failed;
        let Some(mut writer) = self.idle.take() else {
            return;
        };
        self.writing = Some(tokio::task::spawn_blocking(move || {
            let result = if failed { Ok(()) } else { writer.append(&rows) };
            (writer, rows, result)
        }));
    }
}
