//! The orchestrator's readers of untrusted bytes on 10,000 generated inputs each: the rows
//! reader (`nbench_schema::parse_rows`, what `store::read` runs on every rows file, then
//! `latest`), the worker event parser (a stdout line as the executor reads it: UTF-8, then
//! `Event`, then `advances`) and the config parser (`nbench.toml` through `FileConfig` and every
//! resolve function). Inputs are valid documents mutated: truncated, bytes flipped or inserted,
//! numbers replaced by huge, negative, NaN or out-of-range ones, deep nesting spliced in. None
//! may panic; whatever is accepted must satisfy the reader's own contract.

use std::path::PathBuf;

use nbench::analysis::gate::{GateFile, GateSettings};
use nbench::config::{Deadlines, FileConfig, PolicyOverrides, resolve_policy};
use nbench::runner::executor::advances;
use nbench_schema::read::parse_rows;
use nbench_schema::{Event, Stage};
use proptest::prelude::*;

const CASES: u32 = 10_000;

/// One edit of a valid input. Positions are taken modulo the input's length.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Number(usize, &'static str),
    Nest(usize, &'static str, usize),
    Repeat(usize, usize, usize),
}

const HOSTILE_NUMBERS: &[&str] = &[
    "1e999",
    "-1e999",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "-0",
    "0",
    "1e-400",
    "18446744073709551616",
    "-9223372036854775809",
    "4294967296",
    "99999999999999999999999",
    "1.7976931348623157e308",
    "0x10",
    "1_000",
    "+5",
];

const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"\xff",
    b"\xe2\x82",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"=",
    b"#",
    b"'''",
    b"\"\"\"",
    b"null",
    b"[measure]",
    b"\x00",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (
            any::<usize>(),
            prop_oneof![
                prop::sample::select(TOKENS).prop_map(<[u8]>::to_vec),
                prop::collection::vec(any::<u8>(), 1..8),
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), prop::sample::select(HOSTILE_NUMBERS))
            .prop_map(|(i, n)| Mutation::Number(i, n)),
        (
            any::<usize>(),
            prop::sample::select(&["[", "{\"a\":", "[[", "a = [", "{"][..]),
            1..4000usize
        )
            .prop_map(|(i, open, depth)| Mutation::Nest(i, open, depth)),
        (any::<usize>(), 1..64usize, 1..64usize).prop_map(|(i, n, k)| Mutation::Repeat(i, n, k)),
    ]
}

/// The spans of number-like tokens (digits with sign, dot, exponent) in `b`.
fn numbers(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b"+-.".contains(&b[i])) {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

fn apply(mut b: Vec<u8>, edits: &[Mutation]) -> Vec<u8> {
    for m in edits {
        let at = |i: usize, b: &Vec<u8>| if b.is_empty() { 0 } else { i % (b.len() + 1) };
        match m {
            Mutation::Truncate(i) => b.truncate(at(*i, &b)),
            Mutation::Flip(i, x) if !b.is_empty() => {
                let n = b.len();
                b[i % n] ^= x;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(i, bytes) => {
                let p = at(*i, &b);
                b.splice(p..p, bytes.iter().copied());
            }
            Mutation::Number(i, n) => {
                let spans = numbers(&b);
                if !spans.is_empty() {
                    let (s, e) = spans[i % spans.len()];
                    b.splice(s..e, n.bytes());
                }
            }
            Mutation::Nest(i, open, depth) => {
                let p = at(*i, &b);
                b.splice(p..p, open.repeat(*depth).into_bytes());
            }
            Mutation::Repeat(i, n, k) if !b.is_empty() => {
                let s = i % b.len();
                let e = (s + n).min(b.len());
                let piece = b[s..e].to_vec();
                for _ in 0..*k {
                    b.splice(s..s, piece.iter().copied());
                }
            }
            Mutation::Repeat(..) => {}
        }
    }
    b
}

fn edits() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 0..5)
}

fn fixture_row(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/rows")
        .join(name);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).expect("fixture")).expect("json");
    v.to_string()
}

/// A valid rows file of three rows (ok, timeout, fidelity_failed).
fn rows_file() -> Vec<u8> {
    ["ok.json", "timeout.json", "fidelity_failed.json"]
        .iter()
        .map(|f| fixture_row(f) + "\n")
        .collect::<String>()
        .into_bytes()
}

/// The stdout of a worker: hello, stages, row.
fn worker_lines() -> Vec<Vec<u8>> {
    let hello = r#"{"event":"hello","protocol":1,"worker":"nbench-worker","version":"0.1.0","build_profile":"release"}"#;
    let row = format!(r#"{{"event":"row","row":{}}}"#, fixture_row("ok.json"));
    vec![
        hello.as_bytes().to_vec(),
        br#"{"event":"stage","stage":"setup"}"#.to_vec(),
        br#"{"event":"stage","stage":"measure"}"#.to_vec(),
        row.into_bytes(),
    ]
}

const CONFIG: &str = r#"# nbench.toml
[measure]
warmup_s = 0.5
sample_target_s = 0.01
min_samples = 10
max_samples = 1000
target_rel_ci = 0.02
time_cap_s = 3.0
cache = "rotate"
keep_samples = true

[timeouts]
setup_s = 30.0
fidelity_s = 30
warmup_s = 15.0
measure_s = 15.0
multiplier = 2.0

[run]
store = "results/store"
cpu_slots = 4

[gate]
threshold = 0.05
p95_threshold = 0.2
alpha = 0.01
minor = 0.1
moderate = 0.2
severe = 0.5
resamples = 2000
"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rows_reader_never_panics_and_accounts_for_every_line(e in edits()) {
        let bytes = apply(rows_file(), &e);
        let parsed = parse_rows(&bytes);
        let lines = bytes.split(|&b| b == b'\n').count();
        let seen = parsed.rows.len() + parsed.errors.len() + usize::from(parsed.torn_tail.is_some());
        prop_assert!(seen <= lines, "{seen} results from {lines} lines");
        for (n, _) in &parsed.errors {
            prop_assert!(*n >= 1 && *n <= lines);
        }
        for r in &parsed.rows {
            // Every accepted row serialises again and keys its attempt.
            prop_assert!(serde_json::to_string(r).is_ok());
            let _ = nbench::store::read::attempt_key(r);
        }
        let _ = nbench::store::read::latest(parsed.rows);
    }

    #[test]
    fn event_parser_never_panics(which in 0..4usize, e in edits(), stage_from in 0..8usize) {
        let line = apply(worker_lines()[which].clone(), &e);
        let Ok(text) = std::str::from_utf8(&line) else { return Ok(()) };
        if let Ok(event) = serde_json::from_str::<Event>(text) {
            let stages = [Stage::Queued, Stage::Spawn, Stage::Handshake, Stage::Setup,
                Stage::Fidelity, Stage::Warmup, Stage::Measure, Stage::Exit];
            if let Event::Stage { stage } = &event {
                let now = &stages[stage_from];
                // A stage never advances past itself.
                prop_assert!(!advances(stage, stage));
                let _ = advances(now, stage);
                let _ = Deadlines::resolve(&Default::default(), None).map(|d| d.for_stage(stage));
            }
            prop_assert!(serde_json::to_string(&event).is_ok());
        }
    }

    #[test]
    fn config_parser_and_resolvers_never_panic(e in edits(), flag in prop::option::of(any::<f64>())) {
        let bytes = apply(CONFIG.as_bytes().to_vec(), &e);
        let Ok(text) = std::str::from_utf8(&bytes) else { return Ok(()) };
        if let Ok(cfg) = toml::from_str::<FileConfig>(text) {
            if let Ok(d) = Deadlines::resolve(&cfg.timeouts, flag) {
                // Every accepted deadline is bounded, so no clock addition can overflow.
                for s in [d.setup, d.fidelity, d.warmup, d.measure, d.exit] {
                    prop_assert!(!s.is_zero() && s.as_secs_f64() <= nbench::config::MAX_DEADLINE_S);
                }
            }
            if let Ok(p) = resolve_policy(&cfg.measure, &PolicyOverrides::default()) {
                prop_assert!(p.min_samples >= 1 && p.max_samples >= p.min_samples);
            }
            let _ = GateSettings::resolve(&cfg.gate, &GateFile::default());
        }
    }
}

/// `FileConfig::load` on real files: a mutated `nbench.toml` is either loaded or refused with
/// an error naming the file (exit 2), never a panic.
#[test]
fn config_files_load_or_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nbench.toml");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&edits(), |e| {
            std::fs::write(&path, apply(CONFIG.as_bytes().to_vec(), &e)).expect("write");
            if let Err(err) = FileConfig::load(Some(&path)) {
                prop_assert!(err.to_string().contains("nbench.toml"), "{err}");
                prop_assert_eq!(err.exit_code(), nbench_schema::exit::BAD_INPUT);
            }
            Ok(())
        })
        .expect("no panic");
}
