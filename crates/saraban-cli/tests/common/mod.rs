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

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
