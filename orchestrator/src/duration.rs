//! The durations users type for `--budget`: hours, minutes and seconds written largest unit
//! first (`90s`, `10m`, `1h30m`, `2m30s`, `1.5h`). It parses only; what a budget means is
//! `analysis::budget`'s.

/// The forms accepted, for error messages.
pub const FORMS: &str = "a number with a unit, largest first: 90s, 10m, 1h30m, 2m30s, 1.5h";

/// Seconds in `text`, or why it is not a duration (naming the valid forms).
pub fn parse(text: &str) -> Result<f64, String> {
    let bad = |why: &str| format!("`{text}` is not a duration ({why}); use {FORMS}");
    let t = text.trim();
    if t.is_empty() {
        return Err(bad("it is empty"));
    }
    let mut total = 0.0;
    let mut last_unit = f64::INFINITY;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| bad("a number has no unit"))?;
        if digits == 0 {
            return Err(bad("a unit has no number before it"));
        }
        let value: f64 = rest[..digits]
            .parse()
            .map_err(|_| bad("a number does not parse"))?;
        let after = &rest[digits..];
        let (unit, len) = match after.chars().next() {
            Some('h') => (3600.0, 1),
            Some('m') => (60.0, 1),
            Some('s') => (1.0, 1),
            _ => return Err(bad("units are h, m and s")),
        };
        if unit >= last_unit {
            return Err(bad("each unit must be smaller than the one before"));
        }
        last_unit = unit;
        total += value * unit;
        rest = &after[len..];
    }
    if !(total.is_finite() && total > 0.0) {
        return Err(bad("it must be more than zero"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_documented_forms_parse() {
        for (text, s) in [
            ("90s", 90.0),
            ("10m", 600.0),
            ("1h30m", 5400.0),
            ("2m30s", 150.0),
            ("1.5h", 5400.0),
            ("1h2m3s", 3723.0),
            (" 15m ", 900.0),
        ] {
            assert_eq!(parse(text), Ok(s), "{text}");
        }
    }

    #[test]
    fn bad_forms_name_the_valid_ones() {
        for text in [
            "", "10", "m", "10x", "30m1h", "1m1m", "0s", "1..5m", "-5m", "10 m",
        ] {
            let e = parse(text).unwrap_err();
            assert!(
                e.contains("1h30m") && e.contains(&format!("`{text}`")),
                "{text}: {e}"
            );
        }
    }
}
