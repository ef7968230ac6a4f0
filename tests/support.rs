//! Test support: a fresh database per story, on SQLite (a real file) and,
//! when `SARABAN_TEST_POSTGRES_URL` names a server, on PostgreSQL (a new
//! database on that server for each story).

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use saraban_core::clock::thai_offset;
use saraban_core::{DocumentId, Drafted, OrgId, PersonId, PositionId};
use saraban_store::Store;
use sqlx::Connection;

pub use saraban_store;

#[allow(missing_debug_implementations)]
/// A store on a database of its own, removed when dropped: the SQLite
/// file, or the PostgreSQL database (named saraban_test_*).
pub struct TestDb {
    pub store: Store,
    pub url: String,
    file: Option<PathBuf>,
    /// The server's admin URL and the database's name.
    postgres: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some((admin, name)) = self.postgres.take() {
            drop_postgres_database(admin, name);
        }
    }
}

/// Drops a test database. Drop runs inside the test's runtime, which must
/// not block on itself: the database is dropped from a thread of its own.
fn drop_postgres_database(admin: String, name: String) {
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let mut conn = sqlx::AnyConnection::connect(&admin).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await?;
            conn.close().await
        })
    });
    if let Ok(Err(error)) = dropped.join() {
        eprintln!("test database not dropped: {error}");
    }
}

/// The press every story typesets with, built once.
pub fn press() -> saraban_press::TypstPress {
    static PRESS: std::sync::OnceLock<saraban_press::TypstPress> = std::sync::OnceLock::new();
    PRESS
        .get_or_init(saraban_press::TypstPress::default)
        .clone()
}

/// The store on `url`, able to issue, as `saraban serve` opens it.
pub async fn open_store(url: &str) -> Result<Store, saraban_store::StoreError> {
    Ok(press().attach(Store::open(url).await?))
}

/// A document's PDF as the API serves it: the issued file, or the
/// document as it stands typeset by the stories' press.
#[allow(async_fn_in_trait)]
pub trait PdfOf {
    async fn pdf(&self, org: &OrgId, id: &DocumentId) -> saraban_store::Result<Vec<u8>>;
    async fn pdf_of_version(
        &self,
        org: &OrgId,
        id: &DocumentId,
        version: Option<i64>,
    ) -> saraban_store::Result<Vec<u8>>;
}

impl PdfOf for Store {
    async fn pdf(&self, org: &OrgId, id: &DocumentId) -> saraban_store::Result<Vec<u8>> {
        press().pdf(self, org, id, None).await
    }

    async fn pdf_of_version(
        &self,
        org: &OrgId,
        id: &DocumentId,
        version: Option<i64>,
    ) -> saraban_store::Result<Vec<u8>> {
        press().pdf(self, org, id, version).await
    }
}

pub async fn sqlite() -> TestDb {
    let file = std::env::temp_dir().join(format!("saraban-story-{}.sqlite", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}", file.display());
    let store = open_store(&url).await.expect("open SQLite");
    TestDb {
        store,
        url,
        file: Some(file),
        postgres: None,
    }
}

/// The PostgreSQL server to test against, if any. Under CI it must be set.
pub fn postgres_url() -> Option<String> {
    match std::env::var("SARABAN_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI must run the stories on PostgreSQL: set SARABAN_TEST_POSTGRES_URL")
        }
        _ => None,
    }
}

pub async fn postgres() -> Option<TestDb> {
    let mut empty = empty_postgres().await?;
    let store = open_store(&empty.url).await.expect("open PostgreSQL");
    Some(TestDb {
        store,
        url: std::mem::take(&mut empty.url),
        file: None,
        postgres: empty.database.take(),
    })
}

#[allow(missing_debug_implementations)]
/// A new, empty PostgreSQL database (named saraban_test_*) with no store
/// opened on it, dropped when this is dropped.
pub struct EmptyPostgres {
    pub url: String,
    /// The server's admin URL and the database's name.
    database: Option<(String, String)>,
}

impl Drop for EmptyPostgres {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.database.take() {
            drop_postgres_database(admin, name);
        }
    }
}

/// An empty database on the PostgreSQL server to test against, if any.
pub async fn empty_postgres() -> Option<EmptyPostgres> {
    let admin = postgres_url()?;
    sqlx::any::install_default_drivers();
    let name = format!("saraban_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::AnyConnection::connect(&admin)
        .await
        .expect("connect to PostgreSQL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    conn.close().await.ok();
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    Some(EmptyPostgres {
        url: format!("{base}/{name}"),
        database: Some((admin, name)),
    })
}

/// The example organisation (`examples/organisation/wangkrachae.toml`)
/// with an administrator, `admin`, who holds no position.
pub fn example_org_with_admin() -> saraban_core::org::OrgConfig {
    use saraban_core::org::{OrgConfig, PersonConfig, Slug};
    let text = std::fs::read_to_string(example("organisation/wangkrachae.toml")).unwrap();
    let mut config = OrgConfig::parse_toml(&text).unwrap();
    config.people.push(PersonConfig {
        id: Slug::parse("admin").unwrap(),
        name: saraban_core::text::Line::parse("นายผู้ดูแล ระบบ").unwrap(),
        signature: None,
        holds: Vec::new(),
        admin: true,
    });
    config
}

/// Creates the organisation of `config` and gives everyone in it `password`.
pub async fn init_with_passwords(
    store: &Store,
    config: &saraban_core::org::OrgConfig,
    password: &str,
) {
    store.init_org(config, None, Utc::now()).await.unwrap();
    for person in &config.people {
        store
            .set_password(
                &OrgId::from(config.organisation.id.clone()),
                &PersonId::from(person.id.clone()),
                password,
            )
            .await
            .unwrap();
    }
}

/// Ids the stories name, known good: an organisation's, a person's, a
/// position's and a document's.
pub fn org(id: &str) -> OrgId {
    OrgId::parse(id).unwrap()
}

pub fn person(id: &str) -> PersonId {
    PersonId::parse(id).unwrap()
}

pub fn position(id: &str) -> PositionId {
    PositionId::parse(id).unwrap()
}

pub fn doc_id(id: &str) -> DocumentId {
    DocumentId::parse(id).unwrap()
}

/// Content a story sends, read as a document (as the edges read it).
pub fn drafted(content: serde_json::Value) -> Drafted {
    Drafted::from_value(content).unwrap()
}

/// An instant given as Thai wall-clock time.
pub fn thai(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    thai_offset()
        .with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("a valid Thai time")
        .with_timezone(&Utc)
}

/// The workspace's examples folder.
pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// Text of a PDF, by poppler's pdftotext.
pub fn pdf_text(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("saraban-story-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/test installs it)");
    std::fs::remove_file(&path).ok();
    String::from_utf8(output.stdout).unwrap()
}

/// Runs each story on SQLite, and on PostgreSQL when one is configured.
#[macro_export]
macro_rules! stories {
    ($($story:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $story() {
                    super::$story(saraban_stories::sqlite().await).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $story() {
                    match saraban_stories::postgres().await {
                        Some(db) => super::$story(db).await,
                        None => eprintln!("PostgreSQL story skipped: SARABAN_TEST_POSTGRES_URL is not set"),
                    }
                }
            )*
        }
    };
}

/// Serves `store` over real HTTP on a random loopback port. Returns the
/// base URL (`http://127.0.0.1:PORT`); the server stops when the sender is
/// dropped or sent to.
pub async fn serve(store: Store) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = saraban_server::AppState {
        store,
        press: press(),
        secure_cookies: false,
    };
    tokio::spawn(saraban_server::serve(state, listener, async {
        let _ = stopped.await;
    }));
    (base, stop)
}

/// A small valid one-page PDF saying `text` (ASCII), `padding` bytes of an
/// unused stream making it as large as a story needs: an enclosure.
pub fn tiny_pdf(text: &str, padding: usize) -> Vec<u8> {
    let content = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    if padding > 0 {
        let mut object = format!("<< /Length {padding} >>\nstream\n").into_bytes();
        object.extend((0..padding).map(|i| b'a' + (i % 26) as u8));
        object.extend_from_slice(b"\nendstream");
        objects.push(object);
    }
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// `tiny_pdf` with an encryption dictionary in its trailer, as a PDF
/// protected by a password (or only by an owner's one) has.
pub fn encrypted_pdf() -> Vec<u8> {
    let pdf = String::from_utf8(tiny_pdf("secret", 0)).unwrap();
    pdf.replace(
        "<< /Size 6 /Root 1 0 R >>",
        "<< /Size 6 /Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O (x) /U (y) /P -4 >> >>",
    )
    .into_bytes()
}
