//! Each web page's time, as a person meets it: the demo organisation on a
//! fresh SQLite file (checkpoints signed, as `serve --demo --keys` runs),
//! the server in this process on a loopback port, and every page loaded
//! 20 times in a row after one load to warm it (sign-in, inbox, new-memo
//! form, an issued document's page, the register, the public verification
//! page, administration, and the receiving register of a year of
//! `SARABAN_RECEIVED` letters, 5,000 by default, received first), each as
//! the person who would open it. Prints
//! p50 and p95 of the time from sending the request to the last byte of
//! the answer, in ms, and the machine's load.
//!
//! `cargo bench -p saraban-server --bench pages` (release); for a debug
//! build, `cargo test --benches -p saraban-server --bench pages` runs it
//! too. `SARABAN_PAGE_LOADS` sets the loads per page (default 20).

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use saraban_core::OrgId;
use saraban_server::{AppState, demo};
use saraban_store::Store;
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    sorted[(last as f64 * p).round() as usize].as_secs_f64() * 1e3
}

/// A client that keeps its session cookie, signed in as `user` (none for
/// the pages nobody signs in for).
async fn client(base: &str, user: Option<&str>) -> Client {
    // A page that sends the client elsewhere (to sign in) is no page load.
    let http = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    if let Some(user) = user {
        let signed_in = http
            .post(format!("{base}/api/v1/sign-in"))
            .json(&json!({ "org": demo::ORG, "user": user, "password": demo::PASSWORD }))
            .send()
            .await
            .expect("sign-in");
        assert_eq!(signed_in.status(), StatusCode::OK, "{user} signs in");
    }
    http
}

/// Loads `path` once to warm it, then `loads` times; the times, sorted,
/// and the page's size in bytes.
async fn timed(http: &Client, base: &str, path: &str, loads: usize) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(loads);
    let mut size = 0;
    for i in 0..=loads {
        let started = Instant::now();
        let response = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("an answer");
        let status = response.status();
        let body = response.bytes().await.expect("the whole body");
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        if i > 0 {
            times.push(started.elapsed());
        }
        size = body.len();
    }
    times.sort();
    (times, size)
}

/// `count` letters received by the demo's registrar, a few hundred at a
/// time (the group commit takes them together); the B.E. year they are in.
async fn receive_letters(store: &Store, org: &OrgId, count: usize) -> i32 {
    let registrar = saraban_core::PersonId::parse("sunee").expect("an id");
    let now = chrono::Utc::now();
    let started = Instant::now();
    let mut done = 0;
    while done < count {
        let batch = (count - done).min(256);
        let tasks: Vec<_> = (done..done + batch)
            .map(|i| {
                let (store, org, registrar) = (store.clone(), org.clone(), registrar.clone());
                tokio::spawn(async move {
                    let letter = saraban_core::incoming::Received::from_value(json!({
                        "format": "saraban/1",
                        "kind": "incoming",
                        "their_number": format!("ตร ๐๐๒๓.๓/ว {i}"),
                        "date": "2026-01-05",
                        "from": "ที่ว่าการอำเภอเมืองตราด",
                        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
                        "subject": format!("หนังสือฉบับที่ {i} เรื่องการประชุมประจำเดือน"),
                        "due": "2026-02-01",
                    }))
                    .expect("a letter");
                    store
                        .receive_letter(&org, &registrar, letter, None, now)
                        .await
                        .expect("received")
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a receipt");
        }
        done += batch;
    }
    println!(
        "{count} letters received in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    saraban_core::BuddhistYear::of(saraban_core::clock::thai_date(now)).get()
}

fn main() {
    let loads: usize = std::env::var("SARABAN_PAGE_LOADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let folder = std::env::temp_dir().join(format!("saraban-pages-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&folder).expect("a scratch folder");
        let press = saraban_press::TypstPress::default();
        let store = Store::open(&format!("sqlite:{}", folder.join("pages.db").display()))
            .await
            .expect("the database");
        let store = press.attach(store);
        store.use_key_folder(folder.join("keys")).expect("keys");
        demo::seed(&store).await.expect("the demo organisation");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        store.set_public_url(Some(base.clone()));
        let org = OrgId::parse(demo::ORG).expect("an id");
        let issued = store
            .list_documents(&org, Some("issued"), 1, None)
            .await
            .expect("documents")
            .into_iter()
            .next()
            .expect("the demo has an issued document")
            .id;
        let code = saraban_store::verification_code(demo::ORG, issued.as_str());
        let received: usize = std::env::var("SARABAN_RECEIVED")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(5000);
        let year = receive_letters(&store, &org, received).await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = AppState {
            store,
            press,
            secure_cookies: false,
        };
        let server = tokio::spawn(saraban_server::serve(state, listener, async {
            let _ = stopped.await;
        }));

        let nobody = client(&base, None).await;
        let drafter = client(&base, Some("chanyurat")).await;
        let admin = client(&base, Some(demo::ADMIN)).await;
        let registrar = client(&base, Some("sunee")).await;
        let pages: [(&str, &Client, String); 9] = [
            ("sign-in", &nobody, "/sign-in".into()),
            ("inbox", &drafter, "/inbox".into()),
            ("new memo form", &drafter, "/new/memo".into()),
            ("document", &drafter, format!("/doc/{issued}")),
            ("register", &drafter, "/registers".into()),
            ("verification", &nobody, format!("/verify/{code}")),
            ("admin", &admin, "/admin".into()),
            (
                "received reg.",
                &registrar,
                format!("/registers?register=received&year={year}"),
            ),
            (
                "received CSV",
                &registrar,
                format!("/registers/received/{year}/csv"),
            ),
        ];
        println!(
            "page times over {loads} loads each ({} build), load average before: {}",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .trim()
        );
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9}",
            "page", "p50 ms", "p95 ms", "max ms", "kB"
        );
        for (name, http, path) in &pages {
            let (times, size) = timed(http, &base, path, loads).await;
            println!(
                "{name:<16} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
                percentile(&times, 0.5),
                percentile(&times, 0.95),
                percentile(&times, 1.0),
                size as f64 / 1024.0
            );
        }
        println!(
            "load average after: {}",
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .trim()
        );
        let _ = stop.send(());
        let _ = server.await;
        std::fs::remove_dir_all(&folder).ok();
    });
}
