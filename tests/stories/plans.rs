//! Every list is served by an index (issue 20, point 5), on SQLite and
//! PostgreSQL: an organisation filled through the store's API (several
//! drafters, documents at every step of their routes, issued and numbered
//! ones, received letters), `ANALYZE`d, then each statement of
//! `saraban_store::list_queries` — the very texts the store runs — is
//! explained with sample values bound as real binds. A full scan of a big
//! table, or a sort of rows read from one, fails the story: SQLite's
//! `SCAN documents` and `USE TEMP B-TREE FOR ORDER BY`, PostgreSQL's
//! `Seq Scan` (with `enable_seqscan` off, since on tables this small the
//! planner scans on purpose) and a `Sort` over a big table's rows.

use saraban_core::incoming::Received;
use saraban_core::workflow::RouteAction as A;
use saraban_store::Store;
use saraban_store::list_queries::{After, Bind, Listed, Sample, statements};
use saraban_stories::{Office, TestDb, example_content, org, person, stories, thai};
use serde_json::{Value, json};
use sqlx::{Connection, Row};

const ORG: &str = "wangkrachae";

/// The tables a list may never read whole, nor sort what it read of.
const BIG: [&str; 8] = [
    "documents",
    "document_versions",
    "events",
    "actions",
    "waiting",
    "search_documents",
    "notifications",
    "destruction_items",
];

/// The lists whose sort is bounded by what the list shows, and why.
const BOUNDED_SORTS: [(&str, &str); 3] = [
    (
        "inbox: waiting",
        "what waits for a position, read through its waiting rows; never the person's history",
    ),
    (
        "register: signatures and cancellations",
        "a register's year is shown whole: its actions, as many as its entries",
    ),
    (
        "public board: signed",
        "the board is shown whole: the signatures of what is on it, as many as its entries",
    ),
];

stories!(every_list_is_served_by_an_index);

/// The drafters and how many memos each writes.
const DRAFTERS: [(&str, usize); 4] = [
    ("chanyurat", 450),
    ("sunee", 250),
    ("somsak", 175),
    ("wilaiwan", 125),
];

async fn every_list_is_served_by_an_index(db: TestDb) {
    let store = &db.store;
    let config = saraban_stories::example_org_with_admin();
    store
        .init_org(&config, None, thai(2025, 1, 2, 9, 0))
        .await
        .unwrap();
    fill(store).await;
    every_document_once_by_pages(store).await;
    let postgres = db.url.starts_with("postgres");
    let sample = sample(store).await;
    let mut faults = Vec::new();
    if postgres {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
        for listed in statements(true, &sample) {
            let plan = postgres_plan(&mut conn, &listed).await;
            faults.extend(
                postgres_faults(&plan, bounded(listed.name))
                    .into_iter()
                    .map(|fault| format!("{}: {fault}\n{}\n{plan:#}", listed.name, listed.sql)),
            );
        }
        conn.close().await.unwrap();
    } else {
        sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
        for listed in statements(false, &sample) {
            let plan = sqlite_plan(store, &listed).await;
            faults.extend(
                sqlite_faults(&listed.sql, &plan, bounded(listed.name))
                    .into_iter()
                    .map(|fault| {
                        format!(
                            "{}: {fault}\n{}\n{}",
                            listed.name,
                            listed.sql,
                            plan.join("\n")
                        )
                    }),
            );
        }
    }
    assert!(faults.is_empty(), "\n{}", faults.join("\n\n"));
}

fn bounded(name: &str) -> bool {
    BOUNDED_SORTS.iter().any(|(listed, _)| *listed == name)
}

/// Memos at every step from several drafters, a few issued (numbered),
/// received letters numbered in the receiving register.
async fn fill(store: &Store) {
    let mut tasks = tokio::task::JoinSet::new();
    for (drafter, count) in DRAFTERS {
        for part in 0..4 {
            let store = store.clone();
            tasks.spawn(async move {
                let office = Office::new(&store, ORG);
                for n in (part..count).step_by(4) {
                    let at = thai(2025, 4, 9, 8, 0) + chrono::Duration::seconds(n as i64 * 7);
                    let id = office
                        .draft(drafter, example_content("ita-report-2568.toml"), at)
                        .await
                        .unwrap()
                        .id;
                    // One in ten stays a draft; the rest go as far as n says.
                    let steps: &[(&str, A)] = &[
                        (drafter, A::Submit),
                        ("somjai", A::Endorse),
                        ("somsak", A::Endorse),
                        ("wilaiwan", A::Endorse),
                    ];
                    let taken = match n % 10 {
                        0 => 0,
                        1..=5 => 1,
                        6 | 7 => 2,
                        _ => 4,
                    };
                    for (who, action) in &steps[..taken] {
                        // A drafter who is also a reviewer endorses as one.
                        office.act(who, &id, *action, None, at).await.unwrap();
                    }
                }
            });
        }
    }
    tasks.join_all().await;
    // A few go all the way: signed, numbered and issued.
    let office = Office::new(store, ORG);
    for n in 0..6 {
        let at = thai(2025, 5, 1, 9, n);
        let id = office
            .draft("chanyurat", example_content("ita-report-2568.toml"), at)
            .await
            .unwrap()
            .id;
        for (who, action) in [
            ("chanyurat", A::Submit),
            ("somjai", A::Endorse),
            ("somsak", A::Endorse),
            ("wilaiwan", A::Endorse),
            ("kanok", A::Sign),
            ("sunee", A::Issue),
        ] {
            office.act(who, &id, action, None, at).await.unwrap();
        }
    }
    for n in 0..30 {
        let letter = Received::from_value(json!({
            "format": "saraban/1",
            "kind": "incoming",
            "their_number": format!("ตร ๐๐๒๓/{}", n + 1),
            "date": "2025-05-01",
            "from": "ที่ว่าการอำเภอเมืองตราด",
            "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
            "subject": format!("ขอเชิญประชุม ครั้งที่ {}", n + 1),
        }))
        .unwrap();
        store
            .receive_letter(
                &org(ORG),
                &person("sunee"),
                letter,
                None,
                thai(2025, 5, 2, 9, n),
            )
            .await
            .unwrap();
    }
}

/// Page after page by key, the document list holds every document once,
/// latest first, and so does each state's.
async fn every_document_once_by_pages(store: &Store) {
    let all: Vec<(String, String)> =
        sqlx::query("SELECT id, state FROM documents WHERE org_id = $1")
            .bind(ORG)
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get("id"), row.get("state")))
            .collect();
    for state in [None, Some("in_review"), Some("draft")] {
        let mut seen: Vec<saraban_store::DocumentSummary> = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .list_documents(&org(ORG), state, 97, after.as_ref())
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            let next = After::text_of(&last.updated_at, &last.id).unwrap();
            after = Some(After::parse(&next).unwrap());
            let short = page.len() < 97;
            seen.extend(page);
            if short {
                break;
            }
        }
        let mut expected: Vec<&str> = all
            .iter()
            .filter(|(_, s)| state.is_none_or(|state| state == s))
            .map(|(id, _)| id.as_str())
            .collect();
        expected.sort();
        let mut ids: Vec<&str> = seen.iter().map(|d| d.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, expected, "{state:?}");
        let keys: Vec<(chrono::DateTime<chrono::FixedOffset>, &str)> = seen
            .iter()
            .map(|d| {
                (
                    chrono::DateTime::parse_from_rfc3339(&d.updated_at).unwrap(),
                    d.id.as_str(),
                )
            })
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] > w[1]),
            "{state:?}: latest first"
        );
    }
}

/// Ids of the filled organisation for the statements' binds.
async fn sample(store: &Store) -> Sample {
    let numbered = |kind: &'static str| async move {
        let row = sqlx::query(
            "SELECT register_id, year FROM documents WHERE org_id = $1 AND kind = $2 AND number IS NOT NULL LIMIT 1",
        )
        .bind(ORG)
        .bind(kind)
        .fetch_one(store.pool())
        .await
        .unwrap();
        (
            row.get::<String, _>("register_id"),
            row.get::<i64, _>("year"),
        )
    };
    let (register, year) = numbered("memo").await;
    let (received_register, received_year) = numbered("incoming").await;
    // The last of a first page, for the next page's key.
    let first = store
        .list_documents(&org(ORG), None, 50, None)
        .await
        .unwrap();
    let last = first.last().unwrap();
    let after = After::parse(&After::text_of(&last.updated_at, &last.id).unwrap()).unwrap();
    let positions = store
        .positions_of(&org(ORG), &person("somjai"), thai(2025, 5, 2, 9, 0))
        .await
        .unwrap()
        .into_iter()
        .map(|held| held.position.to_string())
        .collect();
    Sample {
        org: ORG.to_owned(),
        drafter: "chanyurat".to_owned(),
        person: "somjai".to_owned(),
        positions,
        register,
        year,
        received_register,
        received_year,
        destruction_list: "no-such-list".to_owned(),
        after,
    }
}

/// `EXPLAIN QUERY PLAN`'s lines, as the pool runs the statement.
async fn sqlite_plan(store: &Store, listed: &Listed) -> Vec<String> {
    let sql = format!("EXPLAIN QUERY PLAN {}", listed.sql);
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for bind in &listed.binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.clone()),
            Bind::Int(n) => query.bind(*n),
        };
    }
    query
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>("detail"))
        .collect()
}

/// What is wrong with a SQLite plan of `sql`: a big table scanned, or a
/// temporary sort for the ORDER BY of a statement that reads one (unless
/// the list's sort is `bounded`).
fn sqlite_faults(sql: &str, plan: &[String], bounded: bool) -> Vec<String> {
    let aliases = table_aliases(sql);
    let table_of = |line: &str, verb: &str| -> Option<String> {
        let name = line.strip_prefix(verb)?.split_whitespace().next()?;
        Some(
            aliases
                .iter()
                .find(|(alias, _)| alias == name)
                .map_or(name, |(_, table)| table.as_str())
                .to_owned(),
        )
    };
    let reads_big = plan.iter().any(|line| {
        ["SCAN ", "SEARCH "].iter().any(|verb| {
            table_of(line.trim(), verb).is_some_and(|table| BIG.contains(&table.as_str()))
        })
    });
    let mut faults = Vec::new();
    for line in plan {
        let line = line.trim();
        if let Some(table) = table_of(line, "SCAN ")
            && BIG.contains(&table.as_str())
        {
            faults.push(format!("reads all of {table}: {line}"));
        }
        if line.starts_with("USE TEMP B-TREE FOR")
            && line.contains("ORDER BY")
            && reads_big
            && !bounded
        {
            faults.push(format!("sorts what it read: {line}"));
        }
    }
    faults
}

/// `(alias, table)` for each table a statement reads under another name.
fn table_aliases(sql: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let mut aliases = Vec::new();
    for pair in words.windows(3) {
        if ["FROM", "JOIN"].contains(&pair[0].to_uppercase().as_str()) {
            let next = pair[2].to_uppercase();
            let keyword = [
                "ON", "WHERE", "LEFT", "JOIN", "ORDER", "INNER", "GROUP", "LIMIT", "AS",
            ]
            .contains(&next.as_str());
            if !keyword {
                aliases.push((pair[2].to_owned(), pair[1].to_owned()));
            }
        }
    }
    aliases
}

/// `EXPLAIN (FORMAT JSON)` of the statement with its values bound, the
/// sequential scans off for this transaction.
async fn postgres_plan(conn: &mut sqlx::PgConnection, listed: &Listed) -> Value {
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let sql = format!("EXPLAIN (FORMAT JSON) {}", listed.sql);
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for bind in &listed.binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.clone()),
            Bind::Int(n) => query.bind(*n),
        };
    }
    let row = query.fetch_one(&mut *tx).await.unwrap();
    // The plan is `json`, whose bytes on the wire are its text.
    let text: String = row.try_get_unchecked(0).unwrap();
    tx.rollback().await.unwrap();
    let plans: Value = serde_json::from_str(&text).unwrap();
    plans[0]["Plan"].clone()
}

/// What is wrong with a PostgreSQL plan: a sequential scan of a big table,
/// or a Sort over rows read from one (unless the list's sort is
/// `bounded`). A Sort under a Limit that keeps every row it sorts sorts
/// only what the page shows (the planner's choice when a drafter has
/// fewer drafts than a page holds), and is not counted; nor is an
/// Incremental Sort, which only finishes the order an index began.
fn postgres_faults(plan: &Value, bounded: bool) -> Vec<String> {
    faults_under(plan, bounded, None)
}

/// `postgres_faults` of a node whose parent, if a Limit, keeps `shown` rows.
fn faults_under(plan: &Value, bounded: bool, shown: Option<f64>) -> Vec<String> {
    let mut faults = Vec::new();
    let node = plan["Node Type"].as_str().unwrap_or_default();
    let relation = plan["Relation Name"].as_str().unwrap_or_default();
    if node == "Seq Scan" && BIG.contains(&relation) {
        faults.push(format!("Seq Scan on {relation}"));
    }
    let sorted = plan["Plans"][0]["Plan Rows"].as_f64().unwrap_or(f64::MAX);
    let only_shown = shown.is_some_and(|shown| sorted <= shown);
    if node == "Sort" && !bounded && !only_shown {
        let mut read = Vec::new();
        relations(plan, &mut read);
        if let Some(big) = read.iter().find(|r| BIG.contains(&r.as_str())) {
            faults.push(format!(
                "Sort over {big} ({sorted} rows, key {})",
                plan["Sort Key"]
            ));
        }
    }
    let limit = (node == "Limit").then(|| plan["Plan Rows"].as_f64().unwrap_or(0.0));
    for child in plan["Plans"].as_array().into_iter().flatten() {
        faults.extend(faults_under(child, bounded, limit));
    }
    faults
}

/// The relations a plan node and those under it read.
fn relations(plan: &Value, out: &mut Vec<String>) {
    if let Some(relation) = plan["Relation Name"].as_str() {
        out.push(relation.to_owned());
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        relations(child, out);
    }
}

#[test]
fn the_checkers_fail_a_list_that_sorts_a_drafters_documents() {
    // The plans of the inbox's "sent" list before migration 0015/0016: the
    // drafter's documents of those states, every one read and then sorted.
    let sent = "SELECT id FROM documents WHERE org_id = $1 AND drafter_id = $2 \
                AND state IN ('in_review', 'awaiting_signature', 'signed', 'issued') \
                ORDER BY documents.updated_at DESC, id LIMIT $3";
    let sqlite = [
        "SEARCH documents USING INDEX documents_by_drafter (org_id=? AND drafter_id=? AND state=?)",
        "USE TEMP B-TREE FOR ORDER BY",
    ]
    .map(str::to_owned);
    assert_eq!(sqlite_faults(sent, &sqlite, false).len(), 1);
    assert!(sqlite_faults(sent, &sqlite[..1], false).is_empty());
    let scanned = ["SCAN d".to_owned()];
    assert_eq!(
        sqlite_faults(
            "SELECT d.id FROM documents d WHERE d.x = 1",
            &scanned,
            false
        )
        .len(),
        1
    );
    let sorted = |rows: u32| {
        json!({
            "Node Type": "Limit",
            "Plan Rows": 200,
            "Plans": [{
                "Node Type": "Sort",
                "Plan Rows": rows,
                "Sort Key": ["documents.updated_at DESC", "documents.id"],
                "Plans": [{
                    "Node Type": "Bitmap Heap Scan",
                    "Relation Name": "documents",
                    "Plan Rows": rows,
                    "Plans": [{"Node Type": "Bitmap Index Scan", "Index Name": "documents_by_drafter"}]
                }]
            }]
        })
    };
    assert_eq!(postgres_faults(&sorted(15_000), false).len(), 1);
    // Fewer rows than the page shows: sorting them is sorting the page.
    assert!(postgres_faults(&sorted(58), false).is_empty());
    let seq = json!({"Node Type": "Seq Scan", "Relation Name": "documents"});
    assert_eq!(postgres_faults(&seq, false).len(), 1);
    let by_index = json!({
        "Node Type": "Limit",
        "Plans": [{"Node Type": "Index Scan", "Relation Name": "documents", "Index Name": "documents_sent"}]
    });
    assert!(postgres_faults(&by_index, false).is_empty());
}
