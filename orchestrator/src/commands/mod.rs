//! One module per subcommand: each resolves its inputs, calls the library, prints, and returns
//! an exit code. Commands hold no logic that another command would need; what two commands
//! need alike lives in a shared module (`prepare`: settings and plan for `run` and `ab`;
//! `session`: executing a plan as one stored run; `inputs`: reading rows).

pub mod ab;
pub mod compare;
pub mod completions;
pub mod export;
pub mod import;
pub mod inputs;
pub mod list;
pub mod plot;
pub mod prepare;
pub mod prune;
pub mod report;
pub mod run;
pub mod session;
pub mod summary;
