//! The engine from the command line: the seed memo's route, acted out by
//! each person with `--as`, on a real SQLite file.

mod common;

use common::{Cli, example};

#[test]
fn the_seed_memo_from_the_command_line() {
    let cli = Cli::new("engine");
    let org = example("organisation/wangkrachae.toml");
    assert!(
        cli.ok(&["org", "init", &org])
            .contains("created organisation wangkrachae")
    );
    assert!(cli.ok(&["org", "init", &org]).contains("up to date"));

    let created = cli.ok(&[
        "doc",
        "new",
        &example("ita-report-2568.toml"),
        "--as",
        "chanyurat",
        "--json",
        "--at",
        "2025-04-09T10:00:00+07:00",
    ]);
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    cli.ok(&[
        "doc",
        "submit",
        &id,
        "--as",
        "chanyurat",
        "--at",
        "2025-04-09T11:00:00+07:00",
    ]);

    // Out of turn: a one-line refusal, exit 2, nothing recorded.
    let refused = cli.run(&["doc", "endorse", &id, "--as", "somsak", "--text", "ทราบ"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(
        stderr.trim(),
        "error: it is not your turn: this step waits for head-of-office"
    );

    for who in ["somjai", "somsak", "wilaiwan"] {
        cli.ok(&[
            "doc",
            "endorse",
            &id,
            "--as",
            who,
            "--text",
            "เพื่อโปรดทราบ",
            "--at",
            "2025-04-13T09:00:00+07:00",
        ]);
    }
    cli.ok(&[
        "doc",
        "sign",
        &id,
        "--as",
        "kanok",
        "--text",
        "ทราบ",
        "--at",
        "2025-04-13T14:00:00+07:00",
    ]);
    let issued = cli.ok(&[
        "doc",
        "issue",
        &id,
        "--as",
        "sunee",
        "--at",
        "2025-04-13T15:00:00+07:00",
    ]);
    assert!(issued.contains("ที่ ตร ๗๑๐๐๑/๑"), "{issued}");

    let register = cli.ok(&["register", "list", "memo", "--year", "2568"]);
    assert!(
        register.starts_with("ที่ ตร ๗๑๐๐๑/๑  2025-04-13  รายงานการประชุม"),
        "{register}"
    );
    let history = cli.ok(&["doc", "history", &id]);
    assert_eq!(history.lines().count(), 7, "{history}");
    assert!(cli.ok(&["register", "verify"]).contains("holds: 7 events"));

    let pdf = cli.dir.join("memo.pdf");
    let output = cli.run(&["doc", "pdf", &id, "-o", pdf.to_str().unwrap()]);
    assert!(output.status.success());
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    let missing = cli.run(&["doc", "show", "no-such-document"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr).trim(),
        "error: no document 'no-such-document'"
    );
}
