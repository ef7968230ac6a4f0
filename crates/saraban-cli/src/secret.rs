//! Secrets typed by a person: a password read from the terminal without
//! echo, or as standard input's first line when that is not a terminal.

use std::io::{BufRead, IsTerminal, Write};

use crate::usage_error::UsageError;

/// A secret asked once on the terminal (not echoed), or standard input's
/// first line when it is not a terminal.
pub(crate) fn read_secret(question: &str) -> Result<String, UsageError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| UsageError(format!("cannot read the password: {e}")))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    prompt(question)
}

/// Asks on the terminal with echo off (by `stty`, which every Unix
/// terminal has; where it is missing the typing shows).
pub(crate) fn prompt(question: &str) -> Result<String, UsageError> {
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success())
    };
    eprint!("{question}");
    std::io::stderr().flush().ok();
    let silenced = stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if silenced {
        stty("echo");
        eprintln!();
    }
    read.map_err(|e| UsageError(format!("cannot read the password: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
