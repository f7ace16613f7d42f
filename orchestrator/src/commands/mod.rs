//! One module per subcommand: each resolves its inputs, calls the library, prints, and returns
//! an exit code. Commands hold no logic that another command would need; what two commands
//! need alike lives in a shared module (`prepare`: settings and plan for `run` and `ab`;
//! `inputs`: reading rows; `gate_args`: the gate and output flags of `compare` and `ab`). A
//! plan is executed as one stored run by [`crate::runner::session`].

pub mod ab;
pub mod check;
pub mod compare;
pub mod completions;
pub mod export;
pub mod forecast;
pub mod gating;
pub mod import;
pub mod inputs;
pub mod list;
pub mod merge;
pub mod plot;
pub mod prepare;
pub mod prune;
pub mod report;
pub mod resume;
pub mod run;
pub mod summary;
pub mod system;
