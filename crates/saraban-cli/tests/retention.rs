//! `saraban verify` after a destruction (issue 19), on SQLite and
//! PostgreSQL: the real binary on a database where a document was
//! destroyed under an approved list exits 0 and says so, by list; after
//! the same content is erased by hand from another document, it exits 1
//! naming the missing content.

use std::process::Command;

use saraban_core::workflow::RouteAction as A;
use saraban_stories::{Office, TestDb, org, person, thai};

const ORG: &str = "wangkrachae";

fn verify(url: &str) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_saraban"))
        .args(["verify", "--db", url])
        .envs(saraban_stories::content_env(url))
        .env_remove("SARABAN_ORG")
        .env_remove("SARABAN_KEYS")
        .env_remove("SARABAN_DB")
        .output()
        .unwrap();
    (
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

async fn issued(office: &Office<'_>, subject: &str) -> saraban_core::DocumentId {
    let at = |hour| thai(2023, 3, 1, hour, 0);
    let mut content = saraban_stories::example_content("ita-report-2568.toml");
    content["subject"] = serde_json::json!(subject);
    let id = office.draft("chanyurat", content, at(8)).await.unwrap().id;
    for (who, action) in [
        ("chanyurat", A::Submit),
        ("somjai", A::Endorse),
        ("somsak", A::Endorse),
        ("wilaiwan", A::Endorse),
        ("kanok", A::Sign),
        ("sunee", A::Issue),
    ] {
        office
            .act(who, &id, action, Some("ทราบ"), at(9))
            .await
            .unwrap();
    }
    id
}

async fn destroyed_then_verified(db: TestDb) {
    let store = &db.store;
    let o = org(ORG);
    store
        .init_org(
            &saraban_stories::example_org_with_admin(),
            None,
            thai(2022, 1, 3, 9, 0),
        )
        .await
        .unwrap();
    let office = Office::new(store, ORG);
    let gone = issued(&office, "เรื่องประจำที่ทำลายแล้ว").await;
    let kept = issued(&office, "เรื่องทั่วไปที่ยังเก็บ").await;
    store
        .set_retention_class(
            &o,
            &person("chanyurat"),
            &gone,
            "routine",
            None,
            thai(2023, 3, 2, 9, 0),
        )
        .await
        .unwrap();
    let list = store
        .draft_destruction_list(&o, &person("sunee"), thai(2026, 1, 2, 9, 0))
        .await
        .unwrap();
    assert_eq!(list.items, 1);
    let at = thai(2026, 1, 3, 9, 0);
    store
        .propose_destruction_list(&o, &person("sunee"), &list.id, at)
        .await
        .unwrap();
    let committee = [person("somjai"), person("somsak"), person("wilaiwan")];
    store
        .appoint_destruction_committee(&o, &person("kanok"), &list.id, &committee, None, at)
        .await
        .unwrap();
    store
        .approve_destruction_list(&o, &person("kanok"), &list.id, at)
        .await
        .unwrap();

    let (code, said) = verify(&db.url);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains(&format!(
            "document {gone} was destroyed under destruction list 1/2568"
        )),
        "{said}"
    );
    assert!(!said.contains(kept.as_str()), "{said}");

    // The same erasure without a list is tampering.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query("DELETE FROM document_versions WHERE org_id = $1 AND document_id = $2")
        .bind(ORG)
        .bind(kept.as_str())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (code, said) = verify(&db.url);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("content modified") && said.contains(kept.as_str()),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    destroyed_then_verified(saraban_stories::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    match saraban_stories::postgres().await {
        Some(db) => destroyed_then_verified(db).await,
        None => eprintln!("PostgreSQL skipped: SARABAN_TEST_POSTGRES_URL is not set"),
    }
}
