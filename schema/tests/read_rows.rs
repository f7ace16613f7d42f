//! The row reader on damaged files: lines split as bytes, a torn multi-byte character spoils
//! only its own line, an unterminated last line is dropped unless it is a complete row, and
//! every other bad line is reported with its number while the rest are read.

use nbench_schema::ReadError;
use nbench_schema::read::parse_rows;

fn row_line(attempt: &str, message_tail: &str) -> String {
    format!(
        r#"{{"schema_version":1,"run_id":"r","attempt_id":"{attempt}","probe":"vec.add","family":"vec","params":{{"size":1}},"seed":0,"backend":"scalar","provider":"native","platform":"cpu","status":"crashed","failure":{{"stage":"measure","message":"m","stderr_tail":"{message_tail}"}},"started_at":"t","finished_at":"t"}}"#
    )
}

#[test]
fn a_torn_multibyte_tail_drops_only_the_last_line() {
    let mut bytes = Vec::new();
    bytes.extend(row_line("a00000", "x").as_bytes());
    bytes.push(b'\n');
    let full = row_line("a00001", "\u{fffd}\u{fffd}");
    let cut = full.find('\u{fffd}').unwrap() + 1; // inside the three bytes of U+FFFD
    bytes.extend(&full.as_bytes()[..cut]);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the file is not UTF-8"
    );
    let parsed = parse_rows(&bytes);
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].attempt_id, "a00000");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.torn_tail, Some(2));
}

#[test]
fn bad_lines_are_skipped_and_numbered_and_the_rest_read() {
    let mut bytes = Vec::new();
    bytes.extend(row_line("a00000", "x").as_bytes());
    bytes.extend(b"\nnot json\n");
    bytes.extend(row_line("a00001", "x").as_bytes());
    bytes.extend(b"\n{\"schema_version\":1,\"probe\":\"\xff\"}\n\n");
    bytes.extend(row_line("a00002", "x").as_bytes());
    bytes.push(b'\n');
    let parsed = parse_rows(&bytes);
    let ids: Vec<&str> = parsed.rows.iter().map(|r| r.attempt_id.as_str()).collect();
    assert_eq!(ids, ["a00000", "a00001", "a00002"]);
    let lines: Vec<usize> = parsed.errors.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 4]);
    assert!(matches!(parsed.errors[1].1, ReadError::NotARow(ref m) if m.contains("UTF-8")));
    assert_eq!(parsed.torn_tail, None);
}

#[test]
fn an_unterminated_complete_row_is_kept() {
    let parsed = parse_rows(row_line("a00000", "x").as_bytes());
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.torn_tail, None);
}

#[test]
fn crlf_and_empty_input_are_fine() {
    let text = format!("{}\r\n{}\r\n", row_line("a", "x"), row_line("b", "x"));
    assert_eq!(parse_rows(text.as_bytes()).rows.len(), 2);
    let empty = parse_rows(b"");
    assert!(empty.rows.is_empty() && empty.errors.is_empty() && empty.torn_tail.is_none());
}
