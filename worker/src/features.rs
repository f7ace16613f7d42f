//! CPU features a backend can require ([`nbench_schema::BackendInfo::requires`]), detected at
//! run time by name.
//!
//! This module owns the list of feature names a declaration may use and their detection. It
//! does not decide what a missing feature means for a row; the attempt does (`skipped`).

/// Every feature name a backend may require, as `is_x86_feature_detected!` spells it.
pub const KNOWN: [&str; 12] = [
    "sse2", "sse3", "ssse3", "sse4.1", "sse4.2", "avx", "avx2", "fma", "avx512f", "avx512bw",
    "avx512dq", "avx512vl",
];

/// Whether this CPU has `feature`; `None` when the name is not one of [`KNOWN`].
///
/// ```
/// assert_eq!(nbench_worker::features::has("no-such-feature"), None);
/// # #[cfg(target_arch = "x86_64")]
/// assert_eq!(nbench_worker::features::has("sse2"), Some(true));
/// ```
pub fn has(feature: &str) -> Option<bool> {
    if !KNOWN.contains(&feature) {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        Some(match feature {
            "sse2" => is_x86_feature_detected!("sse2"),
            "sse3" => is_x86_feature_detected!("sse3"),
            "ssse3" => is_x86_feature_detected!("ssse3"),
            "sse4.1" => is_x86_feature_detected!("sse4.1"),
            "sse4.2" => is_x86_feature_detected!("sse4.2"),
            "avx" => is_x86_feature_detected!("avx"),
            "avx2" => is_x86_feature_detected!("avx2"),
            "fma" => is_x86_feature_detected!("fma"),
            "avx512f" => is_x86_feature_detected!("avx512f"),
            "avx512bw" => is_x86_feature_detected!("avx512bw"),
            "avx512dq" => is_x86_feature_detected!("avx512dq"),
            _ => is_x86_feature_detected!("avx512vl"),
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Some(false)
    }
}

/// The first of `required` this CPU lacks, or an unknown name, as the row's message.
pub fn missing(required: &[String]) -> Option<String> {
    required.iter().find_map(|f| match has(f) {
        Some(true) => None,
        Some(false) => Some(format!("this cpu lacks the `{f}` feature")),
        None => Some(format!(
            "unknown cpu feature `{f}`; valid features: {}",
            KNOWN.join(", ")
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_are_reported_with_the_valid_list() {
        let m = missing(&["avx3".to_string()]).expect("unknown");
        assert!(m.contains("avx3") && m.contains("avx512vl"), "{m}");
        assert_eq!(missing(&[]), None);
    }
}
