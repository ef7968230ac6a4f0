//! `saraban user password ORG USER`: sets a person's password, so that an
//! organisation made by `org init` can be signed in to. The password is
//! read from the terminal (not echoed, asked twice) or, when standard
//! input is not a terminal, as its first line.

use std::io::{BufRead, IsTerminal, Write};

use clap::Subcommand;
use saraban_core::{OrgId, PersonId};
use saraban_store::StoreError;

use crate::engine::{Database, failed, open, runtime};
use crate::usage_error::UsageError;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Set USER's password in ORG (ends no session; unlocks the account).
    Password { org: String, user: String },
}

pub fn run(db: Database, command: UserCommand) -> Result<(), UsageError> {
    let UserCommand::Password { org, user } = command;
    let password = read_password()?;
    runtime()?.block_on(async {
        let store = open(&db).await?;
        match (OrgId::parse(&org), PersonId::parse(&user)) {
            (Ok(org), Ok(person)) => store.set_password(&org, &person, &password).await,
            // No such person can be in the database: answered as the
            // store answers an unknown one, after the password's check.
            _ => saraban_store::check_new_password(&password)
                .and(Err(StoreError::not_found("person", user.as_str()))),
        }
        .map_err(failed)?;
        println!("password of {user} in {org} set");
        Ok(())
    })
}

fn read_password() -> Result<String, UsageError> {
    if !std::io::stdin().is_terminal() {
        return read_secret("");
    }
    let first = prompt("New password: ")?;
    let again = prompt("Again: ")?;
    if first != again {
        return Err(UsageError("the two passwords differ".into()));
    }
    Ok(first)
}

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
fn prompt(question: &str) -> Result<String, UsageError> {
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
