//! A worker's output streams, read without trusting them: stdout as newline-terminated lines
//! of bounded length (a worker that floods one endless line is cut off, not buffered), stderr
//! drained continuously into a bounded tail so a chatty worker never blocks on a full pipe.
//! This module only reads; what a line means is the executor's business.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::sync::mpsc;

/// Longest stdout line accepted (a row with all its samples is far below this).
pub(super) const MAX_LINE: usize = 64 << 20;
/// Bytes of stderr kept for the row.
pub const STDERR_TAIL: usize = 8 << 10;

/// What the stdout reader hands the executor.
pub(super) enum Out {
    Line(Vec<u8>),
    Eof { partial: Vec<u8> },
    TooLong,
    Failed(String),
}

/// Sends each stdout line, then how the stream ended.
pub(super) async fn read_stdout(stdout: std::process::ChildStdout, tx: mpsc::Sender<Out>) {
    let stdout = match tokio::process::ChildStdout::from_std(stdout) {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(Out::Failed(e.to_string())).await;
            return;
        }
    };
    let mut r = BufReader::with_capacity(64 << 10, stdout);
    let mut line = Vec::new();
    loop {
        let buf = match r.fill_buf().await {
            Ok(b) => b,
            Err(e) => {
                let _ = tx.send(Out::Failed(e.to_string())).await;
                return;
            }
        };
        if buf.is_empty() {
            let _ = tx.send(Out::Eof { partial: line }).await;
            return;
        }
        let msg = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                line.extend_from_slice(&buf[..i]);
                r.consume(i + 1);
                Some(Out::Line(std::mem::take(&mut line)))
            }
            None => {
                let n = buf.len();
                line.extend_from_slice(buf);
                r.consume(n);
                None
            }
        };
        if line.len() > MAX_LINE {
            let _ = tx.send(Out::TooLong).await;
            return;
        }
        if let Some(m) = msg
            && tx.send(m).await.is_err()
        {
            return;
        }
    }
}

/// Keeps the last [`STDERR_TAIL`] bytes of stderr (trimmed in batches, not per read).
pub(super) async fn drain_stderr(stderr: std::process::ChildStderr, tail: Arc<Mutex<Vec<u8>>>) {
    let Ok(mut stderr) = tokio::process::ChildStderr::from_std(stderr) else {
        return;
    };
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        match stderr.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if let Ok(mut t) = tail.lock() {
                    t.extend_from_slice(&chunk[..n]);
                    if t.len() > 4 * STDERR_TAIL {
                        let cut = t.len() - STDERR_TAIL;
                        t.drain(..cut);
                    }
                }
            }
        }
    }
}

/// The kept stderr tail as text.
pub(super) fn tail_text(tail: &Arc<Mutex<Vec<u8>>>) -> String {
    let t = tail.lock().map(|t| t.clone()).unwrap_or_default();
    let start = t.len().saturating_sub(STDERR_TAIL);
    String::from_utf8_lossy(&t[start..]).into_owned()
}

/// The start of an offending line, quoted, for a protocol-error message.
pub(super) fn preview(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]);
    format!("`{}`", s.replace('\n', "\\n"))
}
