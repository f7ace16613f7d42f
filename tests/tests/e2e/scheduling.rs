//! Resource-aware scheduling end to end (docs/scheduling.md), with real worker processes: concurrent
//! CPU attempts never share a core, and over simulated GPU devices (`--simulate-gpus`, backed
//! by `calib.sleep`'s `sim` backend) never two attempts on one device, N at once across N
//! devices, every GPU attempt pinned to the device it held, and CPU and GPU work overlapping.
//!
//! Overlap is judged from the worker's own `started_at`/`finished_at`: RFC 3339 with fixed
//! microseconds and `Z`, so string order is time order.

use std::collections::BTreeSet;

use nbench_schema::{Row, Status, exit};
use nbench_tests::{FAST, Nbench};

fn overlaps(a: &Row, b: &Row) -> bool {
    a.started_at < b.finished_at && b.started_at < a.finished_at
}

/// The most rows running at one instant.
fn max_concurrency(rows: &[&Row]) -> usize {
    // At equal timestamps ends sort before starts (0 < 1): touching is not overlapping.
    let mut events: Vec<(&str, u8)> = rows
        .iter()
        .flat_map(|r| [(r.started_at.as_str(), 1), (r.finished_at.as_str(), 0)])
        .collect();
    events.sort();
    let (mut now, mut most) = (0usize, 0usize);
    for (_, start) in events {
        if start == 1 {
            now += 1;
            most = most.max(now);
        } else {
            now -= 1;
        }
    }
    most
}

fn cuda_rows(rows: &[Row]) -> Vec<&Row> {
    rows.iter().filter(|r| r.platform == "cuda").collect()
}

/// The device a row's worker saw through `CUDA_VISIBLE_DEVICES`.
fn seen_device(r: &Row) -> u32 {
    let d = r.device.as_ref().expect("device block");
    assert_eq!(d.kind, "cuda", "{}", r.attempt_id);
    d.index.expect("the worker reads CUDA_VISIBLE_DEVICES back")
}

fn two_cpus() -> bool {
    let ok = std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
    if !ok {
        nbench_tests::skipped("a scheduling test: it needs 2 CPUs and this machine has fewer");
    }
    ok
}

#[test]
fn overlapping_cpu_attempts_have_disjoint_affinity() {
    if !two_cpus() {
        return;
    }
    let out = Nbench::sleep("40")
        .args(&["--cpu-slots", "2", "--repeat", "2"])
        .args(FAST)
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    let rows = out.rows();
    assert_eq!(rows.len(), 8);
    let mut pairs = 0;
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            if !overlaps(a, b) {
                continue;
            }
            pairs += 1;
            let (wa, wb) = (a.worker.as_ref().unwrap(), b.worker.as_ref().unwrap());
            let sa: BTreeSet<_> = wa.affinity.iter().collect();
            assert!(
                wb.affinity.iter().all(|c| !sa.contains(c)),
                "{} {:?} and {} {:?} ran at once on shared cores",
                a.attempt_id,
                wa.affinity,
                b.attempt_id,
                wb.affinity
            );
            let seen = |r: &Row| {
                r.device
                    .as_ref()
                    .and_then(|d| d.cores.clone())
                    .expect("cores read back")
            };
            let (ca, cb) = (seen(a), seen(b));
            assert!(
                cb.iter().all(|c| !ca.contains(c)),
                "the workers saw shared cores: {ca:?} {cb:?}"
            );
        }
    }
    assert!(pairs > 0, "two slots never ran two attempts at once");
}

#[test]
fn simulated_devices_hold_one_attempt_each_and_all_at_once() {
    let n = 3;
    let out = Nbench::sleep("60")
        .args(&[
            "--platforms",
            "cuda",
            "--simulate-gpus",
            &n.to_string(),
            "--repeat",
            "2",
        ])
        .args(FAST)
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    let rows = out.rows();
    let gpu = cuda_rows(&rows);
    assert_eq!(
        gpu.len(),
        8,
        "every planned attempt ran on the cuda platform"
    );
    for r in &gpu {
        assert_eq!(r.status, Status::Ok, "{}: {:?}", r.attempt_id, r.failure);
        let w = r.worker.as_ref().unwrap();
        assert_eq!(w.scheduler.n_gpus, n);
        let held = w.slot.expect("a GPU attempt records the device it held");
        assert!(held < n);
        assert_eq!(
            seen_device(r),
            held,
            "{} pinned to the device it held",
            r.attempt_id
        );
    }
    for dev in 0..n {
        let on: Vec<&Row> = gpu
            .iter()
            .copied()
            .filter(|r| seen_device(r) == dev)
            .collect();
        assert_eq!(
            max_concurrency(&on),
            1,
            "two attempts on device {dev} at once"
        );
    }
    assert_eq!(
        max_concurrency(&gpu),
        n as usize,
        "{n} devices should run {n} attempts at once"
    );
    let m = out.manifest();
    assert_eq!(m["gpus"]["source"], "simulated");
    assert_eq!(m["gpus"]["count"], n);
    assert_eq!(m["scheduler"]["n_gpus"], n);
}

#[test]
fn cpu_and_gpu_attempts_run_at_the_same_time() {
    let out = Nbench::sleep("60")
        .args(&["--platforms", "cpu,cuda", "--simulate-gpus", "1"])
        .args(FAST)
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    let rows = out.rows();
    let (gpu, cpu): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.platform == "cuda");
    assert_eq!((gpu.len(), cpu.len()), (4, 4));
    assert_eq!(
        max_concurrency(&gpu),
        1,
        "one simulated device runs one attempt at a time"
    );
    assert!(
        gpu.iter().any(|g| cpu.iter().any(|c| overlaps(g, c))),
        "distinct resources (a CPU slot and a device) should run at once"
    );
}

#[test]
fn without_a_driver_cuda_attempts_end_env_failed_and_cpu_work_runs() {
    let out = Nbench::sleep("1")
        .args(&["--platforms", "cpu,cuda"])
        .args(FAST)
        .with_store()
        .run();
    let m = out.manifest();
    assert_eq!(
        m["gpus"]["source"], "probed",
        "cuda among --platforms: the helper was asked"
    );
    if m["gpus"]["count"] != 0 {
        nbench_tests::skipped("a no-GPU scheduling test: this machine has a CUDA device");
        return;
    }
    out.expect_code(exit::ATTEMPTS_FAILED);
    let note = m["gpus"]["note"].as_str().unwrap_or_default();
    assert!(
        note.starts_with("cuda_driver_missing"),
        "manifest note: {note}"
    );
    let rows = out.rows();
    for r in &rows {
        match r.platform.as_str() {
            "cuda" => {
                assert_eq!(r.status, Status::EnvFailed, "{}", r.attempt_id);
                // The row names the helper's reason, not a bare "no device".
                let f = r.failure.as_ref().expect("failure");
                assert_eq!(f.reason.as_deref(), Some("cuda_driver_missing"));
                assert!(f.message.contains(note), "{}", f.message);
            }
            _ => assert_eq!(r.status, Status::Ok, "{}: {:?}", r.attempt_id, r.failure),
        }
    }
    assert_eq!(rows.iter().filter(|r| r.platform == "cpu").count(), 4);
}

#[test]
fn cuda_backends_without_a_driver_end_env_failed_naming_the_reason() {
    let gpus = std::process::Command::new(nbench_tests::bin("nbench-worker"))
        .arg("gpus")
        .output()
        .expect("run nbench-worker gpus");
    if String::from_utf8_lossy(&gpus.stdout).trim() != "[]" {
        nbench_tests::skipped("a no-GPU scheduling test: this machine has a CUDA device");
        return;
    }
    // --gpus forces a device lock, so the worker itself meets the missing driver.
    let out = Nbench::new(&[
        "run",
        "--match",
        "vec.add",
        "--match",
        "tensor.matmul",
        "--quick",
    ])
    .args(&["--platforms", "cuda", "--gpus", "1", "--backend", "cuda"])
    .args(FAST)
    .with_store()
    .run();
    out.expect_code(exit::ATTEMPTS_FAILED);
    let rows = out.rows();
    assert_eq!(rows.len(), 8);
    for r in &rows {
        assert_eq!(r.status, Status::EnvFailed, "{}", r.attempt_id);
        let f = r.failure.as_ref().expect("failure");
        assert_eq!(
            f.reason.as_deref(),
            Some("cuda_driver_missing"),
            "{}",
            f.message
        );
        assert_eq!(seen_device(r), 0, "the worker saw the device it was given");
    }
}

#[test]
fn simulate_gpus_is_hidden_from_help() {
    let out = Nbench::new(&["run", "--help"]).run();
    out.expect_code(exit::SUCCESS);
    assert!(out.stdout.contains("--gpus"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("simulate"),
        "--simulate-gpus must stay hidden"
    );
}
