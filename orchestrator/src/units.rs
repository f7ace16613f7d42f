//! Human formatting of seconds and bytes, shared by every renderer so the same number always
//! prints the same way. Pure functions; no metric arithmetic beyond unit scaling.

/// Seconds with an SI prefix and three significant digits: `12.3 µs`, `1.05 s`.
pub fn seconds(s: f64) -> String {
    if !s.is_finite() {
        return "-".to_string();
    }
    let (v, unit) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else if s >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    format!("{} {unit}", sig3(v))
}

/// Bytes in binary units: `512 B`, `37.0 MiB`.
pub fn bytes(b: f64) -> String {
    if !b.is_finite() {
        return "-".to_string();
    }
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut i = 0;
    while v.abs() >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{} B", v.round() as i64)
    } else {
        format!("{} {}", sig3(v), UNITS[i])
    }
}

/// Three significant digits without exponent for 0.001 ≤ |v| < 10000.
pub fn sig3(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_pick_a_prefix() {
        assert_eq!(seconds(1.5e-8), "15.0 ns");
        assert_eq!(seconds(1.234e-5), "12.3 µs");
        assert_eq!(seconds(0.5), "500 ms");
        assert_eq!(seconds(2.0), "2.00 s");
        assert_eq!(seconds(f64::NAN), "-");
    }

    #[test]
    fn bytes_pick_a_binary_prefix() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(37.0 * 1024.0 * 1024.0), "37.0 MiB");
    }
}
