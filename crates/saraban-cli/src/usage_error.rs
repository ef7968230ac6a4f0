//! `UsageError`: a failure the user can fix, shared by every command.

use std::process::ExitCode;

/// A failure the user can fix: printed as one line, exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl UsageError {
    /// Prints the message on stderr and gives exit code 2.
    pub fn report(self) -> ExitCode {
        eprintln!("error: {}", self.0);
        ExitCode::from(2)
    }
}
