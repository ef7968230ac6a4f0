//! Scheduled backups (issue 21): `saraban serve --backup-every 1s
//! --backup-to DIR --backup-keep 2` backs up on its own, keeps two, and
//! reports the last success on the administrator's page and in `/metrics`;
//! when the folder becomes unusable the failure is shown there too. The
//! real binary on SQLite (the snapshot itself is the backup story's, on
//! both databases).

#[path = "common/server.rs"]
mod server;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::json;
use server::Scratch;

/// The server child, killed when dropped.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `saraban serve --demo` with scheduled backups every second into `to`.
fn serve(db: &str, keys: &Path, to: &Path) -> (Serving, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_saraban"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db", db])
        .arg("--keys")
        .arg(keys)
        .args(["--backup-every", "1s", "--backup-keep", "2", "--backup-to"])
        .arg(to)
        .env_remove("SARABAN_CONFIG")
        .env("SARABAN_BACKUP_PASSPHRASE", "scheduled passphrase")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("saraban serve starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let url = loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve ended early"
        );
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break url.to_owned();
        }
    };
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (Serving(child), url)
}

/// The administrator's status page, as text.
async fn status_page(http: &reqwest::Client, url: &str) -> String {
    let page = http
        .get(format!("{url}/admin/operations"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// The folder the page names as the last good backup.
fn last_folder(page: &str) -> Option<PathBuf> {
    let start = page.find("id=\"backup-success\"")?;
    let code = page[start..].find("<code>")? + start + "<code>".len();
    let end = page[code..].find("</code>")? + code;
    Some(PathBuf::from(&page[code..end]))
}

/// The value of a sample line `name value` of a scrape.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_keep_n_and_report_success_and_failure() {
    let scratch = Scratch::new("scheduled");
    let db = format!("sqlite://{}", scratch.0.join("saraban.db").display());
    let to = scratch.0.join("backups");
    let (_server, url) = serve(&db, &scratch.0.join("keys"), &to);
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_in = http
        .post(format!("{url}/api/v1/sign-in"))
        .json(&json!({"org": "wangkrachae", "user": "admin", "password": "saraban-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);

    // Three backups reported, one after another (asked a bounded number of
    // times, a fifth of a second apart).
    let mut seen: Vec<PathBuf> = Vec::new();
    for _ in 0..300 {
        if let Some(folder) = last_folder(&status_page(&http, &url).await)
            && !seen.contains(&folder)
        {
            seen.push(folder);
        }
        if seen.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(seen.len(), 3, "three scheduled backups reported: {seen:?}");
    assert!(seen.iter().all(|f| f.starts_with(&to)), "{seen:?}");
    assert!(seen[2].join("manifest.json").is_file());
    assert!(!seen[0].exists(), "the oldest of three is removed (keep 2)");
    let complete = std::fs::read_dir(&to)
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .path()
                .join("manifest.json")
                .is_file()
        })
        .count();
    // Two kept, and at most one more just made and not yet pruned.
    assert!((2..=3).contains(&complete), "{complete} complete backups");
    let metrics = http
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sample(&metrics, "saraban_backup_age_seconds").unwrap() >= 0.0);
    assert_eq!(sample(&metrics, "saraban_backup_failing"), Some(0.0));

    // The folder becomes a file: the next backup fails, and says so.
    std::fs::remove_dir_all(&to).unwrap();
    std::fs::write(&to, "not a folder").unwrap();
    let mut failing = None;
    for _ in 0..300 {
        let metrics = http
            .get(format!("{url}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        failing = sample(&metrics, "saraban_backup_failing");
        if failing == Some(1.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(failing, Some(1.0));
    let page = status_page(&http, &url).await;
    assert!(page.contains("id=\"backup-failure\""), "{page}");
    assert!(page.contains("role=\"alert\""), "{page}");
}
