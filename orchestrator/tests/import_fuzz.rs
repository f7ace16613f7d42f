//! Every import reader on generated input: random text, random JSON built from the format's
//! own keys, and the real tool files of tests/fixtures/import with one node replaced by a
//! random value. None may panic; whatever a reader accepts must become rows that serialise
//! and read back as valid v1 rows (no NaN or infinity in any statistic). 4,000 cases per
//! strategy and reader, three strategies: 12,000 inputs per reader, in a few seconds.

use std::path::PathBuf;

use nbench::import::{Doc, criterion, gbench, hyperfine, pytest, rows};
use nbench_schema::parse_row;
use proptest::prelude::*;
use serde_json::Value;

const CASES: u32 = 4000;

fn fixture(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/import")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).expect("fixture")).expect("fixture json")
}

/// Whatever a reader accepted must make rows that are valid v1 rows.
fn check(result: Result<Doc, String>) -> Result<(), TestCaseError> {
    if let Ok(doc) = result {
        for r in rows::rows(&doc, "fuzz.json", "20260101T000000Z-000000") {
            let text = serde_json::to_string(&r).expect("a row serialises");
            prop_assert!(parse_row(&text).is_ok(), "row does not read back: {text}");
        }
    }
    Ok(())
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![0.0, -1.0, 1e-9, 0.5, 3.0, 1e15, 1e16, 1e308, -0.0])
            .prop_map(Value::from),
        "[a-z_:/0-9\\[\\]]{0,10}".prop_map(Value::String),
        prop::sample::select(vec![
            "ns",
            "us",
            "ms",
            "s",
            "iteration",
            "aggregate",
            "mean",
            "median",
            "stddev",
            "min",
            "max",
            "cv"
        ])
        .prop_map(Value::from),
    ]
}

fn json(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => prop::sample::select(keys).prop_map(String::from),
        1 => "[A-Za-z_]{0,8}",
    ];
    leaf().prop_recursive(5, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Replaces the `target`-th node (pre-order, modulo the node count) of `v` with `with`.
fn mutate(v: &mut Value, target: usize, with: Value) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(v: &mut Value, left: &mut usize, with: &mut Option<Value>) {
        if *left == 0 {
            if let Some(w) = with.take() {
                *v = w;
            }
            return;
        }
        *left -= 1;
        match v {
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, left, with)),
            Value::Object(o) => o.values_mut().for_each(|x| walk(x, left, with)),
            _ => {}
        }
    }
    let mut left = target % count(v);
    walk(v, &mut left, &mut Some(with));
}

const HYPERFINE_KEYS: &[&str] = &[
    "results",
    "command",
    "times",
    "mean",
    "stddev",
    "median",
    "min",
    "max",
    "parameters",
    "exit_codes",
    "memory_usage_byte",
    "user",
    "system",
];
const GBENCH_KEYS: &[&str] = &[
    "context",
    "benchmarks",
    "name",
    "run_name",
    "run_type",
    "aggregate_name",
    "repetitions",
    "repetition_index",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "error_occurred",
    "error_message",
    "skipped",
    "skip_message",
    "executable",
    "library_version",
    "date",
    "host_name",
];
const PYTEST_KEYS: &[&str] = &[
    "benchmarks",
    "name",
    "group",
    "params",
    "param",
    "stats",
    "min",
    "max",
    "mean",
    "stddev",
    "median",
    "iqr",
    "q1",
    "q3",
    "rounds",
    "iterations",
    "data",
    "version",
    "datetime",
    "machine_info",
    "node",
    "cpu",
    "brand_raw",
];
const CRITERION_KEYS: &[&str] = &[
    "mean",
    "median",
    "std_dev",
    "median_abs_dev",
    "slope",
    "point_estimate",
    "Mean",
    "Median",
    "StdDev",
    "PointEstimate",
    "iters",
    "times",
    "Iters",
    "Times",
    "sampling_mode",
    "group_id",
    "function_id",
    "value_str",
    "full_id",
];

fn criterion_parse(e: &Value, s: Option<&Value>, b: Option<&Value>) -> Result<Doc, String> {
    let rel = ["g".to_string(), "f".to_string(), "1".to_string()];
    let bench = criterion::parse(
        &rel,
        &e.to_string(),
        s.map(|v| v.to_string()).as_deref(),
        b.map(|v| v.to_string()).as_deref(),
    )?;
    Ok(Doc {
        tool: "criterion",
        version: None,
        date: None,
        hostname: None,
        cpu: None,
        benches: vec![bench],
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn any_text(text in "\\PC{0,200}") {
        check(hyperfine::read(&text))?;
        check(gbench::read(&text))?;
        check(pytest::read(&text))?;
        check(criterion_parse(&Value::String(text.clone()), None, None))?;
        let _ = criterion::parse(&[], &text, Some(&text), Some(&text));
    }

    #[test]
    fn hyperfine_shaped(v in json(HYPERFINE_KEYS)) {
        check(hyperfine::read(&v.to_string()))?;
        check(hyperfine::read(&serde_json::json!({ "results": [v] }).to_string()))?;
    }

    #[test]
    fn gbench_shaped(v in json(GBENCH_KEYS)) {
        check(gbench::read(&v.to_string()))?;
        check(gbench::read(&serde_json::json!({ "context": {}, "benchmarks": [v] }).to_string()))?;
    }

    #[test]
    fn pytest_shaped(v in json(PYTEST_KEYS)) {
        check(pytest::read(&v.to_string()))?;
        check(pytest::read(&serde_json::json!({ "benchmarks": [v] }).to_string()))?;
    }

    #[test]
    fn criterion_shaped(e in json(CRITERION_KEYS), s in json(CRITERION_KEYS), b in json(CRITERION_KEYS)) {
        check(criterion_parse(&e, Some(&s), Some(&b)))?;
        check(criterion_parse(&e, None, Some(&b)))?;
    }

    #[test]
    fn real_files_mutated(at in any::<usize>(), with in json(GBENCH_KEYS)) {
        for (name, read) in [
            ("hyperfine.json", hyperfine::read as fn(&str) -> Result<Doc, String>),
            ("hyperfine-scan.json", hyperfine::read),
            ("google-benchmark.json", gbench::read),
            ("google-benchmark-aggregates.json", gbench::read),
            ("pytest-benchmark.json", pytest::read),
            ("pytest-benchmark-data.json", pytest::read),
        ] {
            let mut v = fixture(name);
            mutate(&mut v, at, with.clone());
            check(read(&v.to_string()))?;
        }
        for id in ["sum/iter/1000", "lone"] {
            let dir = format!("criterion/{id}/new/");
            let (mut e, mut s, b) = (
                fixture(&format!("{dir}estimates.json")),
                fixture(&format!("{dir}sample.json")),
                fixture(&format!("{dir}benchmark.json")),
            );
            mutate(&mut s, at, with.clone());
            check(criterion_parse(&e, Some(&s), Some(&b)))?;
            mutate(&mut e, at / 2, with.clone());
            check(criterion_parse(&e, None, Some(&b)))?;
        }
    }
}
