//! Test support: a fresh database per story, on SQLite (a real file) and,
//! when `SARABAN_TEST_POSTGRES_URL` names a server, on PostgreSQL (a new
//! database on that server for each story).

#[path = "seal_tools.rs"]
pub mod seal_tools;

#[path = "notify_sinks.rs"]
pub mod notify_sinks;

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
        if let Some(folder) = content_folder(&self.url) {
            let _ = std::fs::remove_dir_all(folder);
        }
        if let Some((admin, name)) = self.postgres.take() {
            drop_postgres_database(admin, name);
        }
    }
}

/// The local content folder of a story's database, to remove with it.
fn content_folder(url: &str) -> Option<PathBuf> {
    if let Some(file) = url.strip_prefix("sqlite://") {
        return Some(PathBuf::from(format!("{file}.content")));
    }
    // Never panics (it runs in Drop): an S3 prefix is left to the server's
    // folder, which scripts/test removes.
    if std::env::var("SARABAN_TEST_S3_URL").is_ok_and(|v| !v.is_empty()) {
        return None;
    }
    content_store_for(url).map(PathBuf::from)
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

/// The store on `url`, able to issue, as `saraban serve` opens it, with
/// its content store (see `content_store_for`).
pub async fn open_store(url: &str) -> Result<Store, saraban_store::StoreError> {
    let place = content_store_for(url)
        .map(|spec| saraban_store::ContentPlace::parse(&spec).expect("the test content store"));
    Ok(press().attach(Store::open_with_content(url, place.as_ref()).await?))
}

/// The content store (`--store`) a story's database uses: on SQLite none,
/// for the folder beside the file; on PostgreSQL a prefix of its own,
/// named by the database, in the S3 bucket of `SARABAN_TEST_S3_URL`
/// (`s3://bucket`, the server and credentials in AWS_*; required under CI),
/// or else a folder of its own.
pub fn content_store_for(url: &str) -> Option<String> {
    if !url.starts_with("postgres") {
        return None;
    }
    let database = url
        .rsplit('/')
        .next()
        .and_then(|name| name.split('?').next())
        .unwrap_or("saraban");
    Some(match s3_url() {
        // A short prefix: s3s-fs keeps an object's metadata in a file named
        // by its whole key, and a file name is at most 255 bytes.
        Some(bucket) => format!(
            "{}/t{}",
            bucket.trim_end_matches('/'),
            &saraban_core::ledger::sha256_hex(database.as_bytes())[..16]
        ),
        None => std::env::temp_dir()
            .join(format!("saraban-content-{database}"))
            .display()
            .to_string(),
    })
}

/// The environment a `saraban` command on the database `db` needs for its
/// content store: `SARABAN_STORE` on PostgreSQL (see `content_store_for`).
pub fn content_env(db: &str) -> Vec<(&'static str, String)> {
    content_store_for(db)
        .map(|spec| ("SARABAN_STORE", spec))
        .into_iter()
        .collect()
}

/// `content_env` for the database a command's `--db` names, if any.
pub fn content_env_of_args(args: &[&str]) -> Vec<(&'static str, String)> {
    args.windows(2)
        .find(|pair| pair[0] == "--db")
        .map(|pair| content_env(pair[1]))
        .unwrap_or_default()
}

/// The content store of the story database at `url`, opened on its own
/// (as an insider or a copy would reach it).
pub fn content_store(url: &str) -> saraban_store::ContentStore {
    let place = match content_store_for(url) {
        Some(spec) => saraban_store::ContentPlace::parse(&spec).unwrap(),
        None => saraban_store::ContentPlace::beside(url).unwrap(),
    };
    saraban_store::ContentStore::open(&place).unwrap()
}

/// Copies every object of `from`'s content store into `to`'s (for a copy
/// of a story's database).
pub async fn copy_content(from: &str, to: &str) {
    let (from, to) = (content_store(from), content_store(to));
    for object in from.list().await.unwrap() {
        if let Some((org, kind, sha256)) = object.named {
            let bytes = from.get(&org, kind, &sha256).await.unwrap().unwrap();
            to.put(&org, kind, &sha256, bytes).await.unwrap();
        }
    }
}

/// Removes every object of the content store of the database at `url`.
pub async fn remove_content(url: &str) {
    let store = content_store(url);
    for object in store.list().await.unwrap() {
        store.delete_key(&object.key).await.unwrap();
    }
    if let Some(folder) = store.folder() {
        let _ = std::fs::remove_dir_all(folder);
    }
}

/// Replaces an object's bytes behind saraban's back, as an insider with
/// write access to the folder or bucket could.
pub async fn tamper_object(
    store: &Store,
    org: &str,
    kind: saraban_store::ContentKind,
    sha256: &str,
    change: impl FnOnce(Vec<u8>) -> Vec<u8>,
) {
    let content = store.content_store();
    let bytes = content
        .get(org, kind, sha256)
        .await
        .unwrap()
        .expect("the object");
    content.delete(org, kind, sha256).await.unwrap();
    content.put(org, kind, sha256, change(bytes)).await.unwrap();
}

/// The S3 bucket the PostgreSQL stories keep their content in, if any.
/// Under CI it must be set (`scripts/test` starts the server).
pub fn s3_url() -> Option<String> {
    match std::env::var("SARABAN_TEST_S3_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI must run the PostgreSQL stories with an S3 store: set SARABAN_TEST_S3_URL")
        }
        _ => None,
    }
}

/// Panics, naming the server, if the S3 store the story is to use does not
/// answer: a story on PostgreSQL never falls back to a folder unasked.
async fn check_s3(spec: &str) {
    let Ok(place @ saraban_store::ContentPlace::S3 { .. }) =
        saraban_store::ContentPlace::parse(spec)
    else {
        return;
    };
    let endpoint = std::env::var("AWS_ENDPOINT")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|_| "the default AWS endpoint".into());
    let store = saraban_store::ContentStore::open(&place)
        .unwrap_or_else(|e| panic!("SARABAN_TEST_S3_URL: {spec}: {e}"));
    if let Err(error) = store.list().await {
        panic!(
            "SARABAN_TEST_S3_URL names {spec}, but the S3 server at {endpoint} does not answer \
             (scripts/test starts it): {error}"
        );
    }
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
    if let Some(spec) = content_store_for(&empty.url) {
        check_s3(&spec).await;
    }
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
        if let Some(folder) = content_folder(&self.url) {
            let _ = std::fs::remove_dir_all(folder);
        }
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

/// A document of the examples folder as its file reads (TOML or JSON).
pub fn example_content(name: &str) -> serde_json::Value {
    let path = example(name);
    saraban_core::document::read_value(
        &std::fs::read_to_string(&path).unwrap(),
        saraban_core::Syntax::of_path(&path),
    )
    .unwrap()
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

/// An organisation's people acting on a store, named by their ids' text:
/// the store's calls as the stories make them, in a line each.
#[allow(missing_debug_implementations)]
pub struct Office<'a> {
    pub store: &'a Store,
    org: OrgId,
}

impl<'a> Office<'a> {
    /// The people of organisation `org` on `store`.
    pub fn new(store: &'a Store, org: &str) -> Self {
        Office {
            store,
            org: OrgId::parse(org).unwrap(),
        }
    }

    /// `who` drafts `content` at `at`.
    pub async fn draft(
        &self,
        who: &str,
        content: serde_json::Value,
        at: DateTime<Utc>,
    ) -> saraban_store::Result<saraban_store::DocumentSummary> {
        self.store
            .create_document(&self.org, &person(who), drafted(content), at)
            .await
    }

    /// `who` takes `action` on `id` at `at`, saying `text`.
    pub async fn act(
        &self,
        who: &str,
        id: &DocumentId,
        action: saraban_core::workflow::RouteAction,
        text: Option<&str>,
        at: DateTime<Utc>,
    ) -> saraban_store::Result<saraban_store::ActOutcome> {
        self.store
            .act(&self.org, &person(who), id, action, text, at)
            .await
    }
}

/// A server over real HTTP (as `serve`) with its organisations set up, and
/// the JSON API's clients: what the HTTP stories start from.
#[allow(missing_debug_implementations)]
pub struct ApiServer {
    /// The server itself (`http://127.0.0.1:PORT`), for its pages
    /// (`/p/…`, `/verify/…`, `/doc/…`).
    pub root: String,
    /// The JSON API: `{root}/api/v1`.
    pub base: String,
    /// The store the server serves.
    pub store: Store,
    /// The organisation `sign_in` signs in to.
    org: String,
    /// Everyone's password.
    password: String,
    /// Dropping it stops the server.
    _stop: tokio::sync::oneshot::Sender<()>,
    pub db: TestDb,
}

impl ApiServer {
    /// The example organisation with its administrator
    /// (`example_org_with_admin`), everyone's password `password`.
    pub async fn start(db: TestDb, password: &str) -> Self {
        Self::start_with(db, &[example_org_with_admin()], password).await
    }

    /// Each organisation of `configs`, everyone's password `password`;
    /// `sign_in` signs in to the first.
    pub async fn start_with(
        db: TestDb,
        configs: &[saraban_core::org::OrgConfig],
        password: &str,
    ) -> Self {
        let store = db.store.clone();
        for config in configs {
            init_with_passwords(&store, config, password).await;
        }
        let org = configs[0].organisation.id.as_str().to_owned();
        Self::serve(db, store, &org, password).await
    }

    /// `store` (`db`'s, set up by the story) served; `sign_in` signs in to
    /// `org` with `password`.
    pub async fn serve(db: TestDb, store: Store, org: &str, password: &str) -> Self {
        let (root, stop) = serve(store.clone()).await;
        ApiServer {
            base: format!("{root}/api/v1"),
            root,
            store,
            org: org.to_owned(),
            password: password.to_owned(),
            _stop: stop,
            db,
        }
    }

    /// Drafts `content` as the legal assistant, walks it through
    /// `reviewers` and `signer`, issues it as the registrar, and returns
    /// the issued document and its PDF (whose hash the issue names).
    pub async fn through_the_route(
        &self,
        content: &serde_json::Value,
        reviewers: &[&str],
        signer: &str,
    ) -> (serde_json::Value, Vec<u8>) {
        let drafter = self.sign_in("chanyurat").await;
        let id = drafter.create(content).await;
        drafter.act_ok(&id, "submit", None).await;
        for user in reviewers {
            let reviewer = self.sign_in(user).await;
            let (waiting, inbox) = reviewer.waiting(&id).await;
            assert!(waiting, "{user}'s inbox: {inbox}");
            reviewer.act_ok(&id, "endorse", Some("เห็นควรลงนาม")).await;
        }
        self.sign_in(signer).await.act_ok(&id, "sign", None).await;
        let registrar = self.sign_in("sunee").await;
        let issued = registrar.act_ok(&id, "issue", None).await;
        let pdf = registrar.pdf(&id).await;
        assert_eq!(
            Some(saraban_core::ledger::sha256_hex(&pdf).as_str()),
            issued["document"]["pdf_hash"].as_str()
        );
        (issued["document"].clone(), pdf)
    }

    /// The server's `host:port`, for raw requests.
    pub fn authority(&self) -> String {
        self.root.trim_start_matches("http://").to_owned()
    }

    /// `user` signed in to the server's organisation, with a cookie store.
    pub async fn sign_in(&self, user: &str) -> ApiClient {
        self.sign_in_to(&self.org, user).await
    }

    /// `user` signed in to `org`, with a cookie store.
    pub async fn sign_in_to(&self, org: &str, user: &str) -> ApiClient {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let response = http
            .post(format!("{}/sign-in", self.base))
            .json(&serde_json::json!({ "org": org, "user": user, "password": self.password }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            reqwest::StatusCode::OK,
            "{user} signs in"
        );
        let set_cookie = response.headers().get("set-cookie").cloned();
        ApiClient {
            http,
            base: self.base.clone(),
            root: self.root.clone(),
            set_cookie,
        }
    }

    /// Someone who never signed in.
    pub fn visitor(&self) -> ApiClient {
        ApiClient {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            root: self.root.clone(),
            set_cookie: None,
        }
    }
}

/// A client of the JSON API (`base`) and of the server's pages (`root`).
#[derive(Debug)]
pub struct ApiClient {
    pub http: reqwest::Client,
    pub base: String,
    pub root: String,
    /// The `set-cookie` header its sign-in answered, if it signed in.
    pub set_cookie: Option<reqwest::header::HeaderValue>,
}

impl ApiClient {
    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        Self::answer(response).await
    }

    pub async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap();
        Self::answer(response).await
    }

    /// The status and the JSON body (null when there is none).
    pub async fn answer(response: reqwest::Response) -> (reqwest::StatusCode, serde_json::Value) {
        let status = response.status();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// Creates `content`, which must answer 201: the new document's id.
    pub async fn create(&self, content: &serde_json::Value) -> String {
        let (status, created) = self.post("/documents", content).await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }

    /// Whether document `id` waits in this person's inbox, and the inbox.
    pub async fn waiting(&self, id: &str) -> (bool, serde_json::Value) {
        let (_, inbox) = self.get("/inbox").await;
        let waiting = inbox["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == id);
        (waiting, inbox)
    }

    /// Takes `action` on document `id`, saying `text`: the status and the
    /// answer, whatever they are.
    pub async fn act(
        &self,
        id: &str,
        action: &str,
        text: Option<&str>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let body = match text {
            Some(text) => serde_json::json!({ "text": text }),
            None => serde_json::json!({}),
        };
        self.post(&format!("/documents/{id}/actions/{action}"), &body)
            .await
    }

    /// `act`, which must answer 200: the answer.
    pub async fn act_ok(&self, id: &str, action: &str, text: Option<&str>) -> serde_json::Value {
        let (status, answer) = self.act(id, action, text).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{action}: {answer}");
        answer
    }

    /// The document's PDF, which must be served as one.
    pub async fn pdf(&self, id: &str) -> Vec<u8> {
        let response = self
            .http
            .get(format!("{}/documents/{id}/pdf", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        response.bytes().await.unwrap().to_vec()
    }

    /// A page of the server itself: status, content type and body.
    pub async fn page(&self, path: &str) -> (reqwest::StatusCode, String, Vec<u8>) {
        let response = self
            .http
            .get(format!("{}{path}", self.root))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let kind = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, response.bytes().await.unwrap().to_vec())
    }

    /// A page of the server that must be HTML: its text.
    pub async fn html(&self, path: &str) -> String {
        let (status, kind, body) = self.page(path).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{path}");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        String::from_utf8(body).unwrap()
    }
}

/// Pen strokes on a transparent canvas, as the web page's signature pad
/// sends them: a wave of `wave` turns across a `width` × `height` PNG.
pub fn drawn_png(width: u32, height: u32, wave: f64) -> Vec<u8> {
    let mut rgba = vec![0u8; (width * height * 4) as usize];
    let (w, h) = (f64::from(width), f64::from(height));
    for i in 0..3000 {
        let t = f64::from(i) / 3000.0;
        let (cx, cy) = (w * (0.1 + 0.8 * t), h * (0.5 + 0.3 * (t * wave).sin()));
        for dy in -3i32..=3 {
            for dx in -3i32..=3 {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                if x >= 0 && y >= 0 && (x as u32) < width && (y as u32) < height {
                    let at = ((y as u32 * width + x as u32) * 4) as usize;
                    rgba[at..at + 4].copy_from_slice(&[16, 32, 107, 255]);
                }
            }
        }
    }
    encode_png(width, height, png::ColorType::Rgba, &rgba)
}

/// `pixels` (8 bits a channel) as a PNG.
pub fn encode_png(width: u32, height: u32, colour: png::ColorType, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(pixels).unwrap();
    writer.finish().unwrap();
    out
}

/// Sends `head` and `body` over raw TCP, writing it all while the answer
/// is read (so that an early refusal is not a reset): the answer's text.
pub async fn raw_request(address: &str, head: &str, body: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = head.as_bytes().to_vec();
    request.extend_from_slice(body);
    let (mut reader, mut writer) = stream.split();
    let write = tokio::io::AsyncWriteExt::write_all(&mut writer, &request);
    let mut answer = Vec::new();
    let read = tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut answer);
    let (_, _) = tokio::join!(write, read);
    String::from_utf8_lossy(&answer).into_owned()
}

/// A page of a PDF as poppler renders it, grey, one byte a pixel.
#[derive(Debug)]
pub struct GreyPage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Page `page` (from 1; the last when none) of `pdf`, rendered grey by
/// poppler's pdftoppm at `dpi`.
pub fn grey_page(pdf: &[u8], dpi: u32, page: Option<usize>) -> GreyPage {
    let dir = std::env::temp_dir().join(format!("saraban-page-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("issued.pdf"), pdf).unwrap();
    let mut command = std::process::Command::new("pdftoppm");
    command.args(["-r", &dpi.to_string(), "-gray"]);
    if let Some(page) = page {
        command.args(["-f", &page.to_string(), "-l", &page.to_string()]);
    }
    let status = command
        .arg(dir.join("issued.pdf"))
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(status.success());
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    pages.sort();
    let pgm = std::fs::read(pages.last().expect("a page")).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    // Binary PGM: "P5", width, height, maximum, then one byte a pixel.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    GreyPage {
        width: fields[1].parse().unwrap(),
        height: fields[2].parse().unwrap(),
        pixels: pgm[at + 1..].to_vec(),
    }
}
