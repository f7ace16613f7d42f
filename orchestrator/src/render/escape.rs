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

/// For a terminal (and a CI log): control characters (ANSI escapes, newlines, tabs) become
/// visible `\u{…}` escapes so a row cannot move the cursor, recolour the screen or break a
/// table line; and a string that would begin a CI workflow command (`::` or `##[` after any
/// leading spaces; the GitHub Actions runner trims them) has its first such character escaped,
/// so a row can never issue `::error`, `::add-mask` or `::stop-commands` from wherever it is
/// printed.
pub fn terminal(s: &str) -> String {
    let out = per_char(s, |c, out| {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    });
    workflow_safe(out)
}

/// `s` with a leading `::` or `##[` (after spaces) defused by writing its first character as
/// a visible `\u{…}` escape.
fn workflow_safe(s: String) -> String {
    let body = s.trim_start();
    if !(body.starts_with("::") || body.starts_with("##[")) {
        return s;
    }
    let lead = s.len() - body.len();
    let mut chars = body.chars();
    let first = chars.next().map(|c| c.escape_unicode().to_string());
    format!(
        "{}{}{}",
        &s[..lead],
        first.unwrap_or_default(),
        chars.as_str()
    )
}

/// A Markdown code span showing `s` literally: fenced with one backtick more than the longest
/// run inside it (padded when `s` begins or ends with one), line breaks and control characters
/// as spaces, and `|` escaped, which GitHub's table parser honours even inside code.
pub fn markdown_code(s: &str) -> String {
    let text = per_char(s, |c, out| match c {
        '|' => out.push_str("\\|"),
        c if c.is_control() => out.push(' '),
        c => out.push(c),
    });
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// For XML 1.0 text and attribute values: the five entities, tab and newline as character
/// references (so row text never starts a line of a document printed into a CI log, and
/// attributes keep them), and every character XML 1.0 does not allow (other controls, U+FFFE,
/// U+FFFF) replaced, so the document always parses.
pub fn xml(s: &str) -> String {
    per_char(s, |c, out| match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&apos;"),
        '\t' => out.push_str("&#9;"),
        '\n' => out.push_str("&#10;"),
        c if (c as u32) < 0x20 => out.push(' '),
        '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
        c => out.push(c),
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
    #[test]
    fn no_string_can_start_a_workflow_command() {
        for s in [
            "::error::x",
            "  ::add-mask::y",
            "##[error]z",
            "\n::warning::w",
        ] {
            let t = terminal(s);
            assert!(
                !t.trim_start().starts_with("::") && !t.trim_start().starts_with("##["),
                "{s:?} gave {t:?}"
            );
            assert!(!t.contains('\n'));
        }
        assert_eq!(terminal("a::b"), "a::b", "only a leading `::` is defused");
    }

    #[test]
    fn a_code_span_cannot_be_closed_by_its_content() {
        assert_eq!(markdown_code("vec.add"), "`vec.add`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x"), "`` `x ``");
        assert_eq!(markdown_code("a|b\nc"), "`a\\|b c`");
    }

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
        assert_eq!(xml("a\u{fffe}\u{ffff}<\u{1}"), "a\u{fffd}\u{fffd}&lt; ");
        let j = json_in_html(&serde_json::to_string(HOSTILE).unwrap_or_default());
        assert!(!j.contains('<') && !j.contains('>'));
        let back: String = serde_json::from_str(&j).unwrap_or_default();
        assert_eq!(back, HOSTILE);
    }
}
