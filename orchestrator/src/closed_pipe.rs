//! Output into a closed pipe (`nbench run --dry-run | head`) ends nbench quietly, as it ends
//! `ls` or `cat`, instead of with a panic message and a backtrace. SIGPIPE stays ignored —
//! nbench writes each spec into a worker's stdin and must outlive a worker that exits without
//! reading it — so the standard library reports EPIPE on stdout or stderr as a panic; this hook
//! recognises exactly that panic and exits with 141 (128 + SIGPIPE), what a shell reports for a
//! tool killed by SIGPIPE. Not 0: a gate whose verdict went into a closed pipe has not passed.
//! Every other panic goes to the default hook unchanged.

/// The exit code after writing into a closed pipe.
pub const CLOSED_PIPE: i32 = 128 + libc::SIGPIPE;

/// Installs the hook (once, at startup).
pub fn install() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(is_closed_pipe) {
            std::process::exit(CLOSED_PIPE);
        }
        default(info)
    }));
}

/// Whether a panic message is the standard library's report of a write into a closed pipe.
fn is_closed_pipe(msg: &str) -> bool {
    let ours = msg.starts_with("failed printing to stdout")
        || msg.starts_with("failed printing to stderr");
    ours && msg.contains(&std::io::Error::from_raw_os_error(libc::EPIPE).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_closed_pipe_panic_is_recognised() {
        let epipe = std::io::Error::from_raw_os_error(libc::EPIPE);
        assert!(is_closed_pipe(&format!(
            "failed printing to stdout: {epipe}"
        )));
        assert!(is_closed_pipe(&format!(
            "failed printing to stderr: {epipe}"
        )));
        let full = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert!(!is_closed_pipe(&format!(
            "failed printing to stdout: {full}"
        )));
        assert!(!is_closed_pipe("index out of bounds"));
    }
}
