//! The committed `row.schema.json` must match the Rust types. Regenerate with
//! `NBENCH_BLESS=1 cargo test -p nbench-schema --test json_schema`.

use std::path::Path;

#[test]
fn committed_json_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("row.schema.json");
    let fresh = nbench_schema::row_json_schema();
    if std::env::var_os("NBENCH_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write row.schema.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "schema/row.schema.json is stale; regenerate it with \
         `NBENCH_BLESS=1 cargo test -p nbench-schema --test json_schema` and commit it"
    );
}

#[test]
fn newer_schema_version_is_refused_naming_both() {
    let err = nbench_schema::parse_row(r#"{"schema_version": 2, "run_id": "x"}"#).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("schema_version 2"), "{msg}");
    assert!(msg.contains("schema_version 1"), "{msg}");
}
