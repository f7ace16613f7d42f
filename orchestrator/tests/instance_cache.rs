//! The instance cache as the orchestrator uses it (docs/providers.md, "Instance cache"), with
//! real files and the real `nbench-worker materialize`: an indexed instance is reused only
//! while it verifies, the index belongs to one worker build, and temporaries of dead processes
//! are removed at start. Needs the worker binary built beside this test
//! (`cargo build --release --bins`); without it the worker tests say so loudly and pass, and
//! fail under CI.

use std::path::{Path, PathBuf};

use nbench::attempt::Attempt;
use nbench::provider::instance_check::{defect, worker_identity};
use nbench::provider::instances::{INDEX, prepare};
use nbench_schema::{ParamValue, Params};
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

fn npy(data: &[u8]) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'shape': ({},), }}\n", data.len() / 4);
    let mut v = b"\x93NUMPY\x01\x00".to_vec();
    v.extend_from_slice(&u16::try_from(dict.len()).unwrap().to_le_bytes());
    v.extend_from_slice(dict.as_bytes());
    v.extend_from_slice(data);
    v
}

/// A well-formed instance of two inputs and an oracle; returns its digest.
fn write_instance(dir: &Path) -> String {
    let (a, b, o) = ([1u8; 16], [2u8; 8], [3u8; 8]);
    let mut whole = Xxh3::new();
    whole.update(&a);
    whole.update(&b);
    let digest = format!("{:016x}", whole.digest());
    let h = |d: &[u8]| format!("{:016x}", xxh3_64(d));
    for (name, d) in [
        ("in0.npy", &a[..]),
        ("in1.npy", &b[..]),
        ("oracle.npy", &o[..]),
    ] {
        std::fs::write(dir.join(name), npy(d)).unwrap();
    }
    let meta = serde_json::json!({
        "digest": digest,
        "inputs": [{"file": "in0.npy", "xxh3": h(&a)}, {"file": "in1.npy", "xxh3": h(&b)}],
        "oracle": {"file": "oracle.npy", "xxh3": h(&o)},
    });
    std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
    digest
}

#[test]
fn an_intact_instance_passes() {
    let dir = tempfile::tempdir().unwrap();
    let digest = write_instance(dir.path());
    assert_eq!(defect(dir.path(), &digest), None);
    assert!(defect(dir.path(), "0000000000000000").is_some());
}

/// One way to damage an instance directory, by name.
type Damage = (&'static str, fn(&Path));

#[test]
fn every_kind_of_damage_is_caught() {
    let damage: &[Damage] = &[
        ("flipped input byte", |d| {
            let p = d.join("in1.npy");
            let mut b = std::fs::read(&p).unwrap();
            *b.last_mut().unwrap() ^= 1;
            std::fs::write(p, b).unwrap();
        }),
        ("truncated oracle", |d| {
            let p = d.join("oracle.npy");
            let b = std::fs::read(&p).unwrap();
            std::fs::write(p, &b[..b.len() - 1]).unwrap();
        }),
        ("missing input", |d| {
            std::fs::remove_file(d.join("in0.npy")).unwrap()
        }),
        ("torn meta", |d| {
            std::fs::write(d.join("meta.json"), b"{\"dig").unwrap()
        }),
        ("header cut", |d| {
            std::fs::write(d.join("in0.npy"), b"\x93NUMPY\x01\x00\xff").unwrap()
        }),
        ("path escape", |d| {
            let p = d.join("meta.json");
            let t = std::fs::read_to_string(&p)
                .unwrap()
                .replace("in0.npy", "../in0.npy");
            std::fs::write(p, t).unwrap();
        }),
    ];
    for (what, harm) in damage {
        let dir = tempfile::tempdir().unwrap();
        let digest = write_instance(dir.path());
        harm(dir.path());
        assert!(
            defect(dir.path(), &digest).is_some(),
            "{what} went unnoticed"
        );
    }
}

#[test]
fn a_rebuilt_worker_has_another_identity() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w");
    std::fs::write(&w, b"build one").unwrap();
    let one = worker_identity(&w).unwrap();
    std::fs::write(&w, b"build two").unwrap();
    assert_ne!(one, worker_identity(&w).unwrap());
    let e = worker_identity(&dir.path().join("none")).unwrap_err();
    assert!(e.to_string().contains("none"), "{e}");
}

/// `nbench-worker` from the target directory this test was built into.
fn real_worker() -> Option<PathBuf> {
    let exe = std::env::current_exe().expect("current_exe");
    let w = exe.parent()?.parent()?.join("nbench-worker");
    if w.is_file() {
        return Some(w);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: build it first with `cargo build --release --bins`",
        w.display()
    );
    eprintln!(
        "SKIPPED: {} is missing; build it with `cargo build --release --bins`",
        w.display()
    );
    None
}

/// A worker that logs each call to `<dir>/<tag>.log` and then runs the real one; its bytes
/// (and so its build identity) differ per tag.
fn logging_worker(dir: &Path, real: &Path, tag: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let w = dir.join(format!("worker-{tag}"));
    let log = dir.join(format!("{tag}.log"));
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n",
        log.display(),
        real.display()
    );
    std::fs::write(&w, script).unwrap();
    std::fs::set_permissions(&w, std::fs::Permissions::from_mode(0o755)).unwrap();
    w
}

fn calls(dir: &Path, tag: &str) -> usize {
    std::fs::read_to_string(dir.join(format!("{tag}.log"))).map_or(0, |s| s.lines().count())
}

fn attempt(index: usize, seed: u64, provider: &str) -> Attempt {
    Attempt {
        index,
        id: format!("a{index:05}"),
        probe: "vec.add".into(),
        family: "vec".into(),
        params: Params::from([("size".to_string(), ParamValue::Int(100))]),
        seed,
        backend: provider.into(),
        provider: provider.into(),
        platform: "cpu".into(),
        worker: None,
        worker_args: Vec::new(),
        variant: None,
        policy: None,
    }
}

fn index_worker(root: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(INDEX)).unwrap()).unwrap();
    v["worker"].as_str().unwrap().to_string()
}

fn temporaries(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    v.sort();
    v
}

fn age(path: &Path) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::open(path)
        .and_then(|f| f.set_modified(past))
        .unwrap();
}

#[test]
fn indexed_instances_are_reused_only_while_they_verify_and_only_by_their_build() {
    let Some(real) = real_worker() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let (wa, wb) = (
        logging_worker(tmp.path(), &real, "a"),
        logging_worker(tmp.path(), &real, "b"),
    );
    let plan = [
        attempt(0, 1, "numpy"),
        attempt(1, 1, "native"),
        attempt(2, 1, "numpy"),
        attempt(3, 2, "numpy"),
    ];
    let got = prepare(&plan, &wa, &root).unwrap();
    assert_eq!(got.len(), 2, "one instance per foreign point");
    assert_eq!(calls(tmp.path(), "a"), 2);
    assert_eq!(index_worker(&root), worker_identity(&wa).unwrap());
    for dir in got.values() {
        let digest = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            defect(dir, &digest),
            None,
            "the worker's own output must verify"
        );
    }

    // Cached and intact: no worker call.
    assert_eq!(prepare(&plan, &wa, &root).unwrap(), got);
    assert_eq!(calls(tmp.path(), "a"), 2);

    // One flipped data byte: materialised again, and the file is whole again.
    let dir = got.values().next().unwrap();
    let good = std::fs::read(dir.join("in0.npy")).unwrap();
    let mut bad = good.clone();
    *bad.last_mut().unwrap() ^= 0x10;
    std::fs::write(dir.join("in0.npy"), &bad).unwrap();
    assert_eq!(prepare(&plan, &wa, &root).unwrap(), got);
    assert_eq!(calls(tmp.path(), "a"), 3);
    assert_eq!(std::fs::read(dir.join("in0.npy")).unwrap(), good);

    // Another worker build: nothing of build a's index is reused.
    assert_eq!(prepare(&plan, &wb, &root).unwrap(), got);
    assert_eq!(calls(tmp.path(), "b"), 2);
    assert_eq!(index_worker(&root), worker_identity(&wb).unwrap());

    // Temporaries of dead processes go at start; a live writer's fresh one stays.
    let dead = root.join(".tmp-0123456789abcdef-1-0");
    std::fs::create_dir(&dead).unwrap();
    std::fs::write(dead.join("in0.npy"), b"half").unwrap();
    let dead_index = root.join(".index.json.00000000deadbeef.tmp");
    std::fs::write(&dead_index, b"{").unwrap();
    age(&dead);
    age(&dead_index);
    let live = root.join(".tmp-fedcba9876543210-2-0");
    std::fs::create_dir(&live).unwrap();
    assert_eq!(prepare(&plan, &wb, &root).unwrap(), got);
    assert_eq!(calls(tmp.path(), "b"), 2);
    assert_eq!(temporaries(&root), [".tmp-fedcba9876543210-2-0"]);
}

#[test]
fn an_index_of_the_old_format_is_not_trusted() {
    let Some(real) = real_worker() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let w = logging_worker(tmp.path(), &real, "a");
    let plan = [attempt(0, 7, "numpy")];
    let got = prepare(&plan, &w, &root).unwrap();
    // The flat `key -> digest` map older nbench wrote names no worker build.
    let digest = got
        .values()
        .next()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let flat = serde_json::json!({ "vec.add\u{0}size=100\u{0}7": digest });
    std::fs::write(root.join(INDEX), flat.to_string()).unwrap();
    prepare(&plan, &w, &root).unwrap();
    assert_eq!(calls(tmp.path(), "a"), 2);
    assert_eq!(index_worker(&root), worker_identity(&w).unwrap());
}
