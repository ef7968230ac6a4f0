//! Drawing up the yearly destruction list over many documents: a
//! PostgreSQL database of `SARABAN_BENCH_DOCUMENTS` (default 1,000,000)
//! numbered documents across B.E. 2555–2568, made in bulk by SQL (a tenth
//! given the routine class, a thousand held), then the registrar's
//! `draft_destruction_list` timed on 2 January 2569. The list is one
//! `INSERT … SELECT` and its hash is read back a page of ids at a time, so
//! the process's peak memory (VmHWM) is printed too.
//!
//! `SARABAN_TEST_POSTGRES_URL=postgres://… cargo bench -p saraban --bench destruction_list`

use std::time::Instant;

use saraban_stories::{org, person, thai};

const ORG: &str = "wangkrachae";

fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let documents: i64 = std::env::var("SARABAN_BENCH_DOCUMENTS")
        .ok()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let Some(db) = saraban_stories::postgres().await else {
            println!("PostgreSQL: skipped (set SARABAN_TEST_POSTGRES_URL)");
            return;
        };
        let store = &db.store;
        store
            .init_org(
                &saraban_stories::example_org_with_admin(),
                None,
                thai(2012, 1, 3, 9, 0),
            )
            .await
            .unwrap();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let started = Instant::now();
        sqlx::query(
            "INSERT INTO documents (org_id, id, kind, state, step, round, drafter_id, route_version, version,
                                    list_subject, content_hash, register_id, year, number, created_at, updated_at)
             SELECT 'wangkrachae', 'bench-' || lpad(g::text, 9, '0'),
                    CASE WHEN g % 10 = 0 THEN 'order' ELSE 'memo' END, 'issued', 0, 1, 'chanyurat', 1, 1,
                    'เรื่องที่ ' || g, md5(g::text),
                    CASE WHEN g % 10 = 0 THEN 'order' ELSE 'memo' END, 2555 + (g % 14), g, now(), now()
               FROM generate_series(1, $1) AS g",
        )
        .bind(documents)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO document_contents (org_id, document_id, content)
             SELECT org_id, id, '{\"subject\":\"' || list_subject || '\"}' FROM documents
              WHERE org_id = 'wangkrachae' AND id LIKE 'bench-%'",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO document_retention (org_id, document_id, class, set_by, set_at)
             SELECT org_id, id, 'routine', 'chanyurat', now() FROM documents
              WHERE org_id = 'wangkrachae' AND number % 10 = 3",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO legal_holds (org_id, id, reason, placed_by, placed_at)
             VALUES ('wangkrachae', 'bench-hold', 'คดีตัวอย่าง', 'sunee', now())",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO legal_hold_documents (org_id, hold_id, document_id)
             SELECT org_id, 'bench-hold', id FROM documents
              WHERE org_id = 'wangkrachae' AND number % 1000 = 7",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        println!(
            "{documents} documents made in bulk in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let before = peak_memory_kib();
        let started = Instant::now();
        let list = store
            .draft_destruction_list(&org(ORG), &person("sunee"), thai(2026, 1, 2, 9, 0))
            .await
            .unwrap();
        let took = started.elapsed().as_secs_f64();
        let held_on_list: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM destruction_items i JOIN legal_hold_documents h
               ON h.org_id = i.org_id AND h.document_id = i.document_id WHERE i.list_id = $1",
        )
        .bind(&list.id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(held_on_list, 0, "no held document is listed");
        println!(
            "destruction list of {}: {} of {documents} documents listed in {took:.2} s (goal < 10 s); peak memory {} MiB before, {} MiB after",
            list.year,
            list.items,
            before / 1024,
            peak_memory_kib() / 1024
        );
        pool.close().await;
    });
}
