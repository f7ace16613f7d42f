//! `nbench completions SHELL` and `nbench man`: every shell's script generates and offers the
//! subcommands, and bash's, zsh's and fish's the fixed `--format` values too; bash's script parses (`bash -n`); the man page
//! is roff with NAME and SYNOPSIS (and renders through `man` where it is installed). A bad
//! `--format` anywhere is refused with the valid values named.

use std::process::Command;

use nbench_schema::exit;
use nbench_tests::Nbench;

const FORMATS: [&str; 8] = [
    "google-benchmark",
    "pytest-benchmark",
    "junit",
    "github",
    "csv",
    "bmf",
    "gab",
    "table",
];

#[test]
fn every_shell_gets_a_script_with_commands_and_formats() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = Nbench::new(&["completions", shell]).run();
        o.expect_code(exit::SUCCESS);
        // clap_complete's elvish and powershell scripts complete subcommands and flags but
        // not flag values; bash, zsh and fish offer the values too.
        let values: &[&str] = if matches!(shell, "bash" | "zsh" | "fish") {
            &FORMATS
        } else {
            &[]
        };
        for needle in ["import", "compare", "summary", "completions", "man"]
            .iter()
            .chain(values)
        {
            if !o.stdout.contains(needle) {
                o.fail(&format!("{shell} completion lacks `{needle}`"));
            }
        }
    }
    Nbench::new(&["completions", "tcsh"])
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&[
            "invalid value 'tcsh'",
            "bash, elvish, fish, powershell, zsh",
        ]);
}

#[test]
fn bash_script_parses() {
    let o = Nbench::new(&["completions", "bash"]).run();
    o.expect_code(exit::SUCCESS);
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("nbench.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn man_page_has_name_and_synopsis() {
    let o = Nbench::new(&["man"]).run();
    o.expect_code(exit::SUCCESS);
    for needle in [
        ".TH nbench",
        ".SH NAME",
        ".SH SYNOPSIS",
        "import",
        "completions",
    ] {
        if !o.stdout.contains(needle) {
            o.fail(&format!("man page lacks `{needle}`"));
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("nbench.1");
    std::fs::write(&page, &o.stdout).unwrap();
    match Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
    {
        Ok(r) if r.status.success() => {
            let text = String::from_utf8_lossy(&r.stdout);
            assert!(text.contains("NAME") && text.contains("SYNOPSIS"), "{text}");
        }
        _ => eprintln!(
            "NOTE: `man` is not installed; the page's roff was checked, not its rendering"
        ),
    }
}

#[test]
fn bad_format_values_name_the_valid_ones() {
    for (args, valid) in [
        (
            vec!["list", "--format", "xml"],
            "[possible values: table, json]",
        ),
        (
            vec!["summary", "--format", "xml"],
            "[possible values: table, md, json, csv]",
        ),
        (
            vec!["export", "--format", "xml", "x"],
            "[possible values: bmf, gab]",
        ),
        (
            vec!["compare", "a", "b", "--format", "xml"],
            "[possible values: table, md, json, junit, github]",
        ),
    ] {
        Nbench::new(&args)
            .run()
            .expect_code(exit::BAD_INPUT)
            .stderr_has(&["invalid value 'xml' for '--format", valid]);
    }
}
