//! `saraban user password ORG USER`: the first passwords of an
//! organisation made by `org init`, read from standard input.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Cli, example};

fn set_password(cli: &Cli, org: &str, user: &str, input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_saraban"))
        .args(["user", "password", org, user])
        .env("SARABAN_DB", &cli.db)
        .env_remove("SARABAN_KEYS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_password_set_from_the_command_line_signs_in() {
    let cli = Cli::new("user-password");
    cli.ok(&["org", "init", &example("organisation/wangkrachae.toml")]);

    let set = set_password(&cli, "wangkrachae", "kanok", "a-first-passphrase\n");
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert!(String::from_utf8_lossy(&set.stdout).contains("kanok"));

    let short = set_password(&cli, "wangkrachae", "kanok", "short\n");
    assert_eq!(short.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("8 to 256"),
        "{}",
        String::from_utf8_lossy(&short.stderr)
    );
    let nobody = set_password(&cli, "wangkrachae", "nobody", "a-first-passphrase\n");
    assert_eq!(nobody.status.code(), Some(2));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = saraban_store::Store::open(&cli.db).await.unwrap();
        let now = chrono::Utc::now();
        assert!(
            store
                .sign_in("wangkrachae", "kanok", "a-first-passphrase", false, now)
                .await
                .is_ok(),
            "the password set signs in"
        );
        assert!(
            store
                .sign_in("wangkrachae", "kanok", "short", false, now)
                .await
                .is_err(),
            "the refused one was not set"
        );
    });
}
