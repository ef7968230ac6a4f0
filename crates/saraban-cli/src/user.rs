//! `saraban user password ORG USER`: sets a person's password, so that an
//! organisation made by `org init` can be signed in to. The password is
//! read from the terminal (not echoed, asked twice) or, when standard
//! input is not a terminal, as its first line.

use std::io::IsTerminal;

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
        return crate::secret::read_secret("");
    }
    let first = crate::secret::prompt("New password: ")?;
    let again = crate::secret::prompt("Again: ")?;
    if first != again {
        return Err(UsageError("the two passwords differ".into()));
    }
    Ok(first)
}
