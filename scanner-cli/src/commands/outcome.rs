//! What a command asks the process to exit with. It lives with the commands, which decide it,
//! so no module has to reach up into `main.rs`; `main` only maps it to an exit code.

/// The end of a run: clean, a policy failure, or an error (exit 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    PolicyFailure,
    Error,
}

impl Outcome {
    /// The process exit code: 0 clean, 1 policy failure, 2 error.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::PolicyFailure => 1,
            Outcome::Error => 2,
        }
    }
}
