//! `saraban serve` and the address issued PDFs print for good: a loopback
//! one is refused at start unless `--demo` is given, and the demo says
//! which address it prints.

// Only the test's own database folder of it.
#[allow(dead_code)]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use common::Cli;

/// `saraban serve` with these arguments on the test's own database, none
/// of the settings taken from the environment.
fn serve(cli: &Cli, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_saraban"));
    command
        .arg("serve")
        .args(["--db", &cli.db, "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("SARABAN_DB")
        .env_remove("SARABAN_LISTEN")
        .env_remove("SARABAN_KEYS")
        .env_remove("SARABAN_CONFIG")
        .env_remove("SARABAN_PUBLIC_URL")
        .env("SARABAN_LOG", "warn");
    command
}

fn refused(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("--public-url"), "{stderr}");
    stderr
}

/// The server's standard output up to the line containing `until`; the
/// server is killed then.
fn started(mut child: Child, until: &str) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.contains(until);
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        lines.iter().any(|l| l.contains(until)),
        "the server said {lines:?}"
    );
    lines
}

#[test]
fn a_loopback_public_address_is_refused_without_demo() {
    let cli = Cli::new("serve-loopback");
    // The default, the server's own 127.0.0.1 address.
    let stderr = refused(&serve(&cli, &[]).output().unwrap());
    assert!(stderr.contains("127.0.0.1"), "{stderr}");
    // Refused before anything starts: no database was made.
    assert!(!cli.dir.join("saraban.db").exists());
    refused(
        &serve(&cli, &["--public-url", "http://localhost:8080"])
            .output()
            .unwrap(),
    );
    refused(
        &serve(&cli, &[])
            .env("SARABAN_PUBLIC_URL", "http://[::1]:8080")
            .output()
            .unwrap(),
    );
    refused(
        &serve(&cli, &["--public-url", "saraban.example.go.th"])
            .output()
            .unwrap(),
    );
}

#[test]
fn a_public_address_starts_the_server() {
    let cli = Cli::new("serve-public");
    let child = serve(&cli, &["--public-url", "https://saraban.example.go.th"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    started(child, "saraban is serving at http://127.0.0.1:");
}

#[test]
fn the_demo_says_which_address_it_prints() {
    let cli = Cli::new("serve-demo");
    let child = serve(&cli, &["--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = started(child, "issued PDFs print the verification address");
    let serving = lines[0]
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let printed = lines.last().unwrap();
    assert!(
        printed.contains(&format!("{serving}/verify/")) && printed.contains("--public-url"),
        "{printed}"
    );
}

/// The demo names its administrator among the sign-ins.
#[test]
fn the_demo_names_its_administrator() {
    let cli = Cli::new("serve-demo-admin");
    let child = serve(&cli, &["--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = started(child, "ผู้ดูแลระบบ");
    let admin = lines.last().unwrap();
    assert!(admin.trim_start().starts_with("admin "), "{admin}");
}
