//! The end-to-end test package's library: the test builder. It runs the real `nbench` binary with arguments, environment and a private
//! store, and on any failed expectation prints the command, its exit code, stdout and stderr.
//! Binaries come from the target directory this test was built into; build them first with
//! `cargo build --release --bins` (the README's test command does).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nbench_schema::Row;

pub mod fake_worker;

/// The directory holding the built binaries (`target/<profile>`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test>-<hash>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf();
    for b in ["nbench", "nbench-worker"] {
        assert!(
            dir.join(b).is_file(),
            "{} is missing: build the binaries first with `cargo build --release --bins` \
             (the README's test command does this)",
            dir.join(b).display()
        );
    }
    dir
}

/// Path of a built binary.
pub fn bin(name: &str) -> PathBuf {
    bin_dir().join(name)
}

/// One invocation of `nbench`.
pub struct Nbench {
    args: Vec<String>,
    env: Vec<(String, String)>,
    env_remove: Vec<String>,
    program: PathBuf,
    cwd: Option<PathBuf>,
    pub store: tempfile::TempDir,
    /// Holds this invocation's private benchmark lock (`NBENCH_LOCK`), so tests running in
    /// parallel do not queue on the machine lock; the lock tests name a shared one.
    lock_dir: tempfile::TempDir,
}

/// What an invocation did.
pub struct Output {
    pub cmd: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub store: PathBuf,
    /// Keeps the private store alive as long as the output is inspected.
    _store_dir: tempfile::TempDir,
    _lock_dir: tempfile::TempDir,
}

impl Nbench {
    /// `nbench <args>` with a fresh private store.
    pub fn new(args: &[&str]) -> Nbench {
        Nbench {
            args: args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            env_remove: vec!["NBENCH_WORKER".into(), "NBENCH_CALIB_SCALE".into()],
            program: bin("nbench"),
            cwd: None,
            store: tempfile::tempdir().expect("tempdir"),
            lock_dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// `nbench run` of `calib.sleep` at `ms` (a comma list): the controlled workload most
    /// scheduling and lifecycle tests need.
    pub fn sleep(ms: &str) -> Nbench {
        Nbench::new(&[
            "run",
            "--family",
            "calib",
            "--match",
            "calib.sleep",
            "--param",
            &format!("ms={ms}"),
        ])
    }

    /// Adds arguments.
    pub fn args(mut self, args: &[&str]) -> Nbench {
        self.args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    /// Sets an environment variable for the run.
    pub fn env(mut self, k: &str, v: &str) -> Nbench {
        self.env.push((k.into(), v.into()));
        self
    }

    /// Removes an environment variable for the run.
    pub fn env_remove(mut self, k: &str) -> Nbench {
        self.env_remove.push(k.into());
        self
    }

    /// Runs in `dir` instead of the test's working directory.
    pub fn current_dir(mut self, dir: &Path) -> Nbench {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    /// The foreign providers' interpreter and a private instance cache.
    pub fn python(self, py: &str, cache: &Path) -> Nbench {
        self.env("NBENCH_PYTHON", py)
            .env("NBENCH_INSTANCE_CACHE", &cache.display().to_string())
    }

    /// Runs another program in place of `nbench` (a copy of it, say).
    pub fn program(mut self, p: &Path) -> Nbench {
        self.program = p.to_path_buf();
        self
    }

    /// Adds `--store <private dir>` (for `run`).
    pub fn with_store(self) -> Nbench {
        let s = self.store.path().display().to_string();
        self.args(&["--store", &s])
    }

    /// Spawns without waiting.
    pub fn spawn(&self) -> std::process::Child {
        retry_busy(|| {
            self.command()
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
        })
        .expect("spawn nbench")
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args).stdin(Stdio::null());
        if let Some(d) = &self.cwd {
            c.current_dir(d);
        }
        for k in &self.env_remove {
            c.env_remove(k);
        }
        c.env("NBENCH_LOCK", self.lock_dir.path().join("nbench.lock"));
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Runs to completion; the output owns the private store from here on.
    pub fn run(self) -> Output {
        let out = retry_busy(|| self.command().output()).expect("run nbench");
        Output {
            cmd: self.describe(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            store: self.store.path().to_path_buf(),
            _store_dir: self.store,
            _lock_dir: self.lock_dir,
        }
    }

    /// Runs to completion like [`Nbench::run`], but fails the test if nbench is still running
    /// after `limit` (it is killed first): a hang is a failure, never a stuck test.
    pub fn run_within(self, limit: std::time::Duration) -> Output {
        let mut child = self.spawn();
        let drain = |s: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut s) = s {
                    let _ = s.read_to_end(&mut buf);
                }
                String::from_utf8_lossy(&buf).into_owned()
            })
        };
        let out = drain(child.stdout.take().map(|s| Box::new(s) as _));
        let err = drain(child.stderr.take().map(|s| Box::new(s) as _));
        let t0 = std::time::Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait for nbench") {
                break Some(st);
            }
            if t0.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let output = Output {
            cmd: self.describe(),
            code: status.and_then(|s| s.code()),
            stdout: out.join().unwrap_or_default(),
            stderr: err.join().unwrap_or_default(),
            store: self.store.path().to_path_buf(),
            _store_dir: self.store,
            _lock_dir: self.lock_dir,
        };
        if status.is_none() {
            output.fail(&format!(
                "nbench did not finish within {limit:?} and was killed"
            ));
        }
        output
    }

    fn describe(&self) -> String {
        let env: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(
            "{} {} {}",
            env.join(" "),
            self.program.display(),
            self.args.join(" ")
        )
    }
}

impl Output {
    /// Panics with the whole story unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Output {
        if self.code != Some(code) {
            self.fail(&format!("expected exit code {code}, got {:?}", self.code));
        }
        self
    }

    /// Panics with the whole story.
    pub fn fail(&self, why: &str) -> ! {
        panic!(
            "{why}\n--- command\n{}\n--- exit code: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.cmd, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts stderr contains every needle.
    pub fn stderr_has(&self, needles: &[&str]) -> &Output {
        for n in needles {
            if !self.stderr.contains(n) {
                self.fail(&format!("stderr lacks `{n}`"));
            }
        }
        self
    }

    /// Panics unless the private store holds no run: nothing ran.
    pub fn expect_no_run(&self, why: &str) -> &Output {
        let runs = std::fs::read_dir(&self.store)
            .map(|d| d.count())
            .unwrap_or(0);
        if runs != 0 {
            self.fail(why);
        }
        self
    }

    /// The single run directory in the private store.
    pub fn run_dir(&self) -> PathBuf {
        let dirs: Vec<PathBuf> = std::fs::read_dir(&self.store)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        if dirs.len() != 1 {
            self.fail(&format!(
                "expected one run directory in the store, found {}",
                dirs.len()
            ));
        }
        dirs[0].clone()
    }

    /// The rows of the single run, parsed strictly.
    pub fn rows(&self) -> Vec<Row> {
        read_rows(&self.run_dir().join("rows.jsonl"))
    }

    /// The manifest of the single run.
    pub fn manifest(&self) -> serde_json::Value {
        self.run_json("manifest.json")
    }

    /// A JSON file of the run directory, parsed; a missing or malformed file fails the test.
    pub fn run_json(&self, name: &str) -> serde_json::Value {
        let p = self.run_dir().join(name);
        let text = std::fs::read_to_string(&p)
            .unwrap_or_else(|e| self.fail(&format!("read {}: {e}", p.display())));
        serde_json::from_str(&text)
            .unwrap_or_else(|e| self.fail(&format!("{name} is not JSON: {e}")))
    }
}

/// Parses every line of a rows file; any bad line fails the test.
pub fn read_rows(path: &Path) -> Vec<Row> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .map(|l| {
            nbench_schema::parse_row(l)
                .unwrap_or_else(|e| panic!("bad row in {}: {e}\n{l}", path.display()))
        })
        .collect()
}

/// Every variable `nbench run --shard auto` reads: a test of `auto` removes them all first, so
/// the test machine's own batch system cannot leak in.
pub const SHARD_VARIABLES: [&str; 8] = [
    "NBENCH_SHARD_INDEX",
    "NBENCH_SHARD_COUNT",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
];

/// Fast measurement flags so end-to-end runs take seconds, not minutes.
pub const FAST: &[&str] = &[
    "--warmup",
    "0.01",
    "--min-samples",
    "5",
    "--time-cap",
    "0.1",
    "--sample-target",
    "0.0005",
];

/// Whether a process is still alive (a zombie counts as dead).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next())
                .unwrap_or("X");
            !matches!(state, "Z" | "X")
        }
        Err(_) => false,
    }
}

/// `NBENCH_PYTHON` when it can import `module`; otherwise a loud note and `None`, or, when
/// `required`, a failed test. `scripts/test.sh` builds the NumPy environment; `.ci/run` builds
/// one with torch too and requires both.
pub fn python_with(module: &str, required: bool) -> Option<String> {
    let py = std::env::var("NBENCH_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    // The probe's own traceback is noise here: the note below says what is missing.
    let usable = py.as_deref().is_some_and(|py| {
        Command::new(py)
            .args(["-c", &format!("import {module}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if usable {
        return py;
    }
    let why = match &py {
        None => "NBENCH_PYTHON is not set".to_string(),
        Some(py) => format!("NBENCH_PYTHON={py} cannot import {module}"),
    };
    let fix = skip_fix(module);
    assert!(!required, "{why}, and this run requires it: {fix}");
    skipped(&format!(
        "the {module} provider test: {why}; to run it: {fix}"
    ));
    None
}

/// The exact commands that make the `module` provider tests run.
pub fn skip_fix(module: &str) -> String {
    let flag = if module == "torch" {
        " --with-torch"
    } else {
        ""
    };
    format!(
        "bash scripts/py-env.sh{flag} results/venv && export NBENCH_PYTHON=$PWD/results/venv/bin/python"
    )
}

/// Reports a skipped test where it is seen: on stderr (shown with `--nocapture`) and in
/// `$CARGO_TARGET_TMPDIR/../skipped.txt`, which `scripts/test.sh` prints after the tests, since
/// the test harness hides the output of a passing test.
pub fn skipped(what: &str) {
    eprintln!("SKIPPED {what}");
    let path = skipped_file();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        use std::io::Write;
        let _ = writeln!(f, "SKIPPED {what}");
    }
}

/// The file [`skipped`] appends to: `target/<profile>/skipped-tests.txt`.
pub fn skipped_file() -> PathBuf {
    bin_dir().join("skipped-tests.txt")
}

/// `nbench compare A B <extra>`.
pub fn compare(a: &Path, b: &Path, extra: &[&str]) -> Output {
    Nbench::new(&[
        "compare",
        &a.display().to_string(),
        &b.display().to_string(),
    ])
    .args(extra)
    .run()
}

/// A JSON fixture under `tests/fixtures`, as one line.
pub fn fixture_line(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).expect("fixture")).expect("json");
    v.to_string()
}

/// Writes `rows` as `dir/name` (JSONL) and returns its path.
pub fn write_rows(dir: &Path, name: &str, rows: &[Row]) -> PathBuf {
    let p = dir.join(name);
    let text: String = rows
        .iter()
        .map(|r| format!("{}\n", serde_json::to_string(r).expect("row")))
        .collect();
    std::fs::write(&p, text).expect("write rows");
    p
}

/// Makes a file executable (a wrapper worker script).
pub fn set_exec(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// `calib.spin` at two small `work` values: tens of microseconds per call.
pub const SPIN: &[&str] = &[
    "--family",
    "calib",
    "--match",
    "calib.spin",
    "--param",
    "work=20,60",
];

/// The A/A checks use a loose threshold: they pin the pipeline (two real runs of the same
/// build pass), while the gate's false-alarm rate at its defaults is measured by the
/// calibration in reports/gate-calibration.md, not asserted on a shared CI machine.
pub const AA_LOOSE: &[&str] = &["--threshold", "0.2"];

/// Retries `start` while it fails with ETXTBSY. A test that has just written an executable (a
/// copied binary, a wrapper script) can find it "busy": a process another test thread forked
/// at that moment holds the write descriptor until it execs. The window is microseconds.
fn retry_busy<T>(mut start: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    const ETXTBSY: i32 = 26;
    let mut tries = 0;
    loop {
        match start() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}
