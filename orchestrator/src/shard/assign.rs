//! The strategies that deal a plan's points to N shards, as pure functions of the points' keys
//! or weights: each returns one shard index per point, in the points' order. Every strategy is
//! deterministic (no clock, no randomness, no hash that may change between Rust versions), so
//! every host of a sharded run computes the same deal. Nothing here knows attempts or files.

use std::collections::BTreeMap;

/// `xxh3-64(key) mod n`: a point's shard depends on its key alone, so adding or removing other
/// probes moves no existing point, only new ones land somewhere.
pub fn by_hash(keys: &[String], n: u32) -> Vec<u32> {
    keys.iter()
        .map(|k| (xxhash_rust::xxh3::xxh3_64(k.as_bytes()) % u64::from(n.max(1))) as u32)
        .collect()
}

/// Round-robin in plan order: point `i` goes to shard `i mod n`. Round-robin rather than
/// contiguous blocks because the plan orders points by probe, and neighbouring points of one
/// probe cost alike: dealt out, each shard gets a share of every probe.
pub fn by_count(points: usize, n: u32) -> Vec<u32> {
    (0..points)
        .map(|i| (i % n.max(1) as usize) as u32)
        .collect()
}

/// Longest processing time first: points by weight, heaviest first (ties: earlier in the plan
/// first), each into the bin with the least weight so far (ties: the lowest bin), so the shards
/// finish close together. Weights are compared with `total_cmp`, so even a NaN has a place.
pub fn by_weight(weights: &[f64], n: u32) -> Vec<u32> {
    let n = n.max(1) as usize;
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
    let mut load = vec![0.0_f64; n];
    let mut out = vec![0_u32; weights.len()];
    for i in order {
        let bin = (0..n)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        load[bin] += weights[i];
        out[i] = bin as u32;
    }
    out
}

/// Each point's weight from `measured` (point key → seconds); a point without a measurement
/// weighs the mean of those with one, and with none measured every point weighs 1.
pub fn fill(keys: &[String], measured: &BTreeMap<String, f64>) -> Vec<f64> {
    let known: Vec<f64> = keys
        .iter()
        .filter_map(|k| measured.get(k).copied())
        .collect();
    let mean = if known.is_empty() {
        1.0
    } else {
        known.iter().sum::<f64>() / known.len() as f64
    };
    keys.iter()
        .map(|k| measured.get(k).copied().unwrap_or(mean))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_first_fills_the_lightest_bin() {
        // 8 → 0, 7 → 1, 6 → 1 (7 < 8), 5 → 0 (8 < 13): bins 13 and 13.
        assert_eq!(by_weight(&[5.0, 6.0, 7.0, 8.0], 2), vec![0, 1, 1, 0]);
        // Ties go to the earlier point and the lower bin.
        assert_eq!(by_weight(&[1.0, 1.0, 1.0], 3), vec![0, 1, 2]);
    }

    #[test]
    fn missing_weights_get_the_mean() {
        let keys: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let m = BTreeMap::from([("a".to_string(), 2.0), ("c".to_string(), 4.0)]);
        assert_eq!(fill(&keys, &m), vec![2.0, 3.0, 4.0]);
        assert_eq!(fill(&keys, &BTreeMap::new()), vec![1.0; 3]);
    }

    #[test]
    fn hash_shards_do_not_depend_on_other_points() {
        let all: Vec<String> = (0..50).map(|i| format!("p{i}|size={i}")).collect();
        let some: Vec<String> = all.iter().step_by(3).cloned().collect();
        let a = by_hash(&all, 4);
        let b = by_hash(&some, 4);
        for (j, i) in (0..50).step_by(3).enumerate() {
            assert_eq!(a[i], b[j]);
        }
        assert_eq!(by_count(5, 2), vec![0, 1, 0, 1, 0]);
    }
}
