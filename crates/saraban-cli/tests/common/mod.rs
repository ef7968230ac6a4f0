//! What the command-line tests share: the `saraban` binary run on a SQLite
//! file of a test's own, in a folder removed afterwards.

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub struct Cli {
    pub db: String,
    pub dir: PathBuf,
}

impl Cli {
    /// A fresh folder (named for the test) holding the database.
    pub fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("saraban-cli-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            db: format!("sqlite://{}/saraban.db", dir.display()),
            dir,
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_saraban"))
            .args(args)
            .env("SARABAN_DB", &self.db)
            .env_remove("SARABAN_ORG")
            .env_remove("SARABAN_KEYS")
            .output()
            .unwrap()
    }

    /// Runs a command with `input` on its standard input.
    #[allow(dead_code)]
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_saraban"))
            .args(args)
            .env("SARABAN_DB", &self.db)
            .env_remove("SARABAN_ORG")
            .env_remove("SARABAN_KEYS")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
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

    /// Runs a command that must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Cli {
    /// Drafts the example memo and takes it through its route to issue.
    #[allow(dead_code)]
    /// Returns its id.
    pub fn issue_memo(&self, day: u32) -> String {
        let at = |hour: u32| format!("2025-04-{day:02}T{hour:02}:00:00+07:00");
        let created = self.ok(&[
            "doc",
            "new",
            &example("ita-report-2568.toml"),
            "--as",
            "chanyurat",
            "--json",
            "--at",
            &at(9),
        ]);
        let created: serde_json::Value = serde_json::from_str(&created).unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        self.ok(&["doc", "submit", &id, "--as", "chanyurat", "--at", &at(10)]);
        for who in ["somjai", "somsak", "wilaiwan"] {
            self.ok(&[
                "doc",
                "endorse",
                &id,
                "--as",
                who,
                "--text",
                "เพื่อโปรดทราบ",
                "--at",
                &at(11),
            ]);
        }
        self.ok(&[
            "doc",
            "sign",
            &id,
            "--as",
            "kanok",
            "--text",
            "ทราบ",
            "--at",
            &at(14),
        ]);
        self.ok(&["doc", "issue", &id, "--as", "sunee", "--at", &at(15)]);
        id
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
