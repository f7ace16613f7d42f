//! Escaping of strings that come from rows (probe names, backends, failure messages …) for each
//! output format. Rows are data written by workers, which may be anyone's program: nothing from
//! a row may become markup, a table delimiter, a spreadsheet formula or a terminal control
//! sequence. Every renderer routes row text through here; nothing here changes numbers.

/// Rebuilds `s` one character at a time; `put` writes each character's replacement.
fn per_char(s: &str, put: impl Fn(char, &mut String)) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        put(c, &mut out);
    }
    out
}

/// The HTML entities `<`, `>` and `&` need, shared by HTML and Markdown (which renders inline
/// HTML); `false` when `c` needs none.
fn entity(c: char, out: &mut String) -> bool {
    let e = match c {
        '<' => "&lt;",
        '>' => "&gt;",
        '&' => "&amp;",
        _ => return false,
    };
    out.push_str(e);
    true
}

/// For a terminal: control characters (ANSI escapes, newlines, tabs) become visible `\u{…}`
/// escapes so a row cannot move the cursor, recolour the screen or break a table line.
pub fn terminal(s: &str) -> String {
    per_char(s, |c, out| {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    })
}

/// For Markdown (GitHub flavour), inline and in table cells: HTML is entity-escaped (GitHub
/// renders inline HTML), Markdown punctuation and the cell delimiter `|` are backslash-escaped,
/// and line breaks become spaces so a cell stays on its row.
pub fn markdown(s: &str) -> String {
    per_char(s, |c, out| {
        if entity(c, out) {
            return;
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '$' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    })
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes
/// doubled. A text field that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// CR first) is prefixed with `'` (the OWASP rule for CSV injection). Numbers are written by
/// the caller and never pass through here.
pub fn csv(s: &str) -> String {
    let mut v = String::with_capacity(s.len() + 2);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.push('\'');
    }
    v.push_str(s);
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// For HTML text and attribute values.
pub fn html(s: &str) -> String {
    per_char(s, |c, out| {
        if entity(c, out) {
            return;
        }
        match c {
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    })
}

/// JSON to embed inside an HTML `<script>` element: `<`, `>` and `&` become `\u003c` … so no
/// string can close the element or open a comment, and U+2028/U+2029 are escaped for old
/// JavaScript parsers. The result is still valid JSON with the same meaning.
pub fn json_in_html(json: &str) -> String {
    per_char(json, |c, out| match c {
        '<' => out.push_str("\\u003c"),
        '>' => out.push_str("\\u003e"),
        '&' => out.push_str("\\u0026"),
        '\u{2028}' => out.push_str("\\u2028"),
        '\u{2029}' => out.push_str("\\u2029"),
        c => out.push(c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "vec.<script>alert(1)</script>|\"q\"\n\u{1b}[31m";

    #[test]
    fn every_format_neutralises_a_hostile_string() {
        assert!(!terminal(HOSTILE).contains('\u{1b}'));
        assert!(!terminal(HOSTILE).contains('\n'));
        let md = markdown(HOSTILE);
        assert!(md.contains("&lt;script&gt;") && md.contains("\\|") && !md.contains('\n'));
        assert_eq!(csv("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv("=1+1"), "'=1+1");
        assert!(!html(HOSTILE).contains('<'));
        let j = json_in_html(&serde_json::to_string(HOSTILE).unwrap_or_default());
        assert!(!j.contains('<') && !j.contains('>'));
        let back: String = serde_json::from_str(&j).unwrap_or_default();
        assert_eq!(back, HOSTILE);
    }
}
