//! Published documents (issue 15, point 8), over HTTP, on SQLite and
//! PostgreSQL: an announcement goes through its route, the registrar
//! publishes it, and anyone, signed in or not, finds it on the
//! organisation's board (`/p/{org}`) and in its Atom feed, with its PDF and
//! its verification page; withdrawn, it is gone from both. A secret order
//! and a memo are refused, through the API and the web page, saying why.
//! `verify` holds throughout. The feed is read back with roxmltree (an XML
//! parser already in the lock file) and held to what RFC 4287 requires, and
//! read by Python's feedparser, a well-kept feed parser, as Atom 1.0 with
//! nothing it had to forgive.

use reqwest::StatusCode;
use saraban_stories::{ApiServer, TestDb, example_content, stories};
use serde_json::{Value, json};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-publication";
const ATOM: &str = "http://www.w3.org/2005/Atom";

async fn start(db: TestDb) -> ApiServer {
    ApiServer::start(db, PASSWORD).await
}

/// Drafts `content`, walks it through `reviewers` and `signer`, and the
/// registrar issues it. Returns the issued document.
async fn issued(server: &ApiServer, content: &Value, reviewers: &[&str], signer: &str) -> Value {
    let drafter = server.sign_in("chanyurat").await;
    let id = drafter.create(content).await;
    drafter.act_ok(&id, "submit", None).await;
    for user in reviewers {
        let reviewer = server.sign_in(user).await;
        reviewer.act_ok(&id, "endorse", Some("เห็นควรลงนาม")).await;
    }
    server.sign_in(signer).await.act_ok(&id, "sign", None).await;
    let issued = server
        .sign_in("sunee")
        .await
        .act_ok(&id, "issue", None)
        .await;
    issued["document"].clone()
}

async fn verify_holds(server: &ApiServer, when: &str) {
    let admin = server.sign_in("admin").await;
    let (status, audit) = admin.get("/verify").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert_eq!(audit["findings"], json!([]), "verify {when}: {audit}");
}

/// What feedparser reads of `xml`: its version, whether it had to forgive
/// anything (`bozo`), and the entries' ids and titles; None where the
/// package is not installed (refused under CI, where scripts/test installs
/// it).
fn feedparser_reads(xml: &str) -> Option<Value> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let installed = Command::new("python3")
        .args(["-c", "import feedparser"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must read the feed with feedparser: pip install feedparser"
        );
        eprintln!("feedparser check skipped: pip install feedparser");
        return None;
    }
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import feedparser, json, sys\n\
             d = feedparser.parse(sys.stdin.buffer.read())\n\
             print(json.dumps({'version': d.version, 'bozo': bool(d.bozo), \
             'problem': str(d.get('bozo_exception', '')), \
             'entries': [{'id': e.get('id'), 'title': e.get('title'), \
             'updated': e.get('updated')} for e in d.entries]}))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "feedparser ran");
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

/// The feed as RFC 4287 requires it (§4.1.1, §4.1.2, §4.2): one id, title
/// and updated of the feed and of each entry, an author, a self link; each
/// entry an alternate link since it carries no content; every date an RFC
/// 3339 date-time; ids absolute IRIs. Returns the entries as (id, title,
/// links by rel, summary).
/// A link of the feed: its rel, type and href.
type Link = (String, String, String);

/// An entry of the feed: its id, title, links and summary.
type Entry = (String, String, Vec<Link>, String);

fn read_feed(xml: &str) -> Vec<Entry> {
    let document = roxmltree::Document::parse(xml).expect("the feed is well-formed XML");
    let feed = document.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")), "the root is atom:feed");
    let children = |node: roxmltree::Node<'_, '_>, name: &str| -> Vec<String> {
        node.children()
            .filter(|n| n.has_tag_name((ATOM, name)))
            .map(|n| n.text().unwrap_or_default().to_owned())
            .collect()
    };
    let one = |node: roxmltree::Node<'_, '_>, name: &str| -> String {
        let found = children(node, name);
        assert_eq!(found.len(), 1, "exactly one atom:{name}: {xml}");
        found[0].clone()
    };
    let links = |node: roxmltree::Node<'_, '_>| -> Vec<Link> {
        node.children()
            .filter(|n| n.has_tag_name((ATOM, "link")))
            .map(|n| {
                (
                    n.attribute("rel").unwrap_or("alternate").to_owned(),
                    n.attribute("type").unwrap_or_default().to_owned(),
                    n.attribute("href").expect("a link has its href").to_owned(),
                )
            })
            .collect()
    };
    let date = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("{text:?} is no RFC 3339 date-time: {e}"));
    };
    let absolute = |iri: &str| {
        assert!(
            iri.starts_with("urn:uuid:") || iri.starts_with("http://") || iri.starts_with("tag:"),
            "{iri} is an absolute IRI"
        );
        if let Some(uuid) = iri.strip_prefix("urn:uuid:") {
            uuid::Uuid::parse_str(uuid).expect("a urn:uuid: names a UUID");
        }
    };
    absolute(&one(feed, "id"));
    assert!(!one(feed, "title").is_empty());
    date(&one(feed, "updated"));
    let author = feed
        .children()
        .find(|n| n.has_tag_name((ATOM, "author")))
        .expect("the feed has an author, so its entries need none");
    assert!(!one(author, "name").is_empty());
    let feed_links = links(feed);
    for rel in ["self", "alternate"] {
        let link = feed_links
            .iter()
            .find(|(r, _, _)| r == rel)
            .unwrap_or_else(|| panic!("the feed links {rel}"));
        assert!(link.2.starts_with("http://"), "{link:?}");
    }
    feed.children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .map(|entry| {
            let id = one(entry, "id");
            absolute(&id);
            date(&one(entry, "updated"));
            date(&one(entry, "published"));
            let links = links(entry);
            assert!(
                links.iter().any(|(rel, _, _)| rel == "alternate"),
                "an entry without content links its alternate"
            );
            let summary = one(entry, "summary");
            (id, one(entry, "title"), links, summary)
        })
        .collect()
}

/// The path of an absolute URL the server gave.
fn path_of(url: &str, server: &ApiServer) -> String {
    url.strip_prefix(&server.root)
        .unwrap_or_else(|| panic!("{url} is on {}", server.root))
        .to_owned()
}

async fn an_announcement_is_published_and_withdrawn(db: TestDb) {
    let server = start(db).await;
    let content = example_content("announcement-complaints-2568.toml");
    let announcement = issued(&server, &content, &["somjai", "wilaiwan"], "kanok").await;
    let id = announcement["id"].as_str().unwrap().to_owned();
    let subject = announcement["subject"].as_str().unwrap().to_owned();
    let visitor = server.visitor();
    let board = format!("/p/{ORG}");

    // Before: an empty board, an empty feed, no PDF.
    let page = visitor.html(&board).await;
    assert!(page.contains("ยังไม่มีเอกสารเผยแพร่"), "{page}");
    let (status, _, _) = visitor.page(&format!("{board}/pdf/{id}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no PDF before it is published"
    );

    // Only the registrar who issues for the route publishes.
    let (status, error) = server
        .sign_in("chanyurat")
        .await
        .act(&id, "publish", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    let registrar = server.sign_in("sunee").await;
    let published = registrar.act_ok(&id, "publish", None).await;
    let published_at = published["document"]["published_at"]
        .as_str()
        .expect("the document says since when it is public")
        .to_owned();
    let (status, error) = registrar.act(&id, "publish", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["code"], "wrong_state");
    verify_holds(&server, "after publishing").await;

    // On the board, for anyone.
    let page = visitor.html(&board).await;
    assert!(page.contains(&subject), "{page}");
    assert!(page.contains("ประกาศ"), "{page}");
    let code = saraban_store::verification_code(ORG, &id);
    assert!(page.contains(&format!("/verify/{code}")), "{page}");
    assert!(page.contains(&format!("{board}/pdf/{id}")), "{page}");
    // Dated the day the mayor signed: this B.E. year.
    let year = i64::from(
        chrono::Datelike::year(&saraban_core::clock::thai_date(chrono::Utc::now())) + 543,
    );
    let (_, listed) = visitor.get(&format!("/public/orgs/{ORG}/published")).await;
    assert_eq!(listed["items"][0]["id"], id.as_str(), "{listed}");
    assert_eq!(listed["items"][0]["year"], year, "{listed}");
    // Filtered by kind and year, in the address.
    for (query, shown) in [
        ("?kind=announcement".to_owned(), true),
        ("?kind=order".to_owned(), false),
        (format!("?year={year}"), true),
        (format!("?year={}", year - 1), false),
        (format!("?kind=announcement&year={year}"), true),
    ] {
        let page = visitor.html(&format!("{board}{query}")).await;
        assert_eq!(page.contains(&subject), shown, "{query}");
        let (_, listed) = visitor
            .get(&format!("/public/orgs/{ORG}/published{query}"))
            .await;
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            usize::from(shown),
            "{query}: {listed}"
        );
    }
    let (status, error) = visitor
        .get(&format!("/public/orgs/{ORG}/published?kind=memo"))
        .await;
    assert_eq!(
        (status, &error["field"]),
        (StatusCode::BAD_REQUEST, &json!("kind"))
    );
    let (status, _) = visitor.get("/public/orgs/nobody/published").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = visitor.page("/p/nobody").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // In the feed, with its PDF and its verification page.
    let (status, kind, xml) = visitor.page(&format!("{board}/feed.atom")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("application/atom+xml"), "{kind}");
    let xml = String::from_utf8(xml).unwrap();
    let entries = read_feed(&xml);
    assert_eq!(entries.len(), 1, "{xml}");
    let (entry_id, title, links, summary) = &entries[0];
    assert_eq!(entry_id, &format!("urn:uuid:{id}"));
    if let Some(read) = feedparser_reads(&xml) {
        assert_eq!(read["version"], "atom10", "{read}");
        assert_eq!(read["bozo"], false, "{read}");
        assert_eq!(read["entries"][0]["id"], json!(entry_id), "{read}");
        assert_eq!(read["entries"][0]["title"], json!(subject), "{read}");
        assert!(read["entries"][0]["updated"].is_string(), "{read}");
    }
    assert_eq!(title, &subject);
    assert!(summary.starts_with("ประกาศ ที่ "), "{summary}");
    let pdf_link = links
        .iter()
        .find(|(rel, kind, _)| rel == "alternate" && kind == "application/pdf")
        .expect("the entry links its PDF");
    let (status, kind, pdf) = visitor.page(&path_of(&pdf_link.2, &server)).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert_eq!(
        Some(saraban_core::ledger::sha256_hex(&pdf).as_str()),
        announcement["pdf_hash"].as_str(),
        "the issued PDF, byte for byte"
    );
    let verify_link = links
        .iter()
        .find(|(rel, _, _)| rel == "related")
        .expect("the entry links its verification page");
    let page = visitor.html(&path_of(&verify_link.2, &server)).await;
    assert!(page.contains(&subject), "{page}");
    assert!(xml.contains(&published_at), "{xml}");

    // Withdrawn: gone from the board, the feed and the PDF route.
    registrar.act_ok(&id, "unpublish", None).await;
    let (status, error) = registrar.act(&id, "unpublish", None).await;
    assert_eq!(
        (status, &error["code"]),
        (StatusCode::CONFLICT, &json!("wrong_state"))
    );
    let page = visitor.html(&board).await;
    assert!(!page.contains(&subject), "{page}");
    let (_, _, xml) = visitor.page(&format!("{board}/feed.atom")).await;
    let xml = String::from_utf8(xml).unwrap();
    assert!(read_feed(&xml).is_empty(), "{xml}");
    let (status, _, _) = visitor.page(&format!("{board}/pdf/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    verify_holds(&server, "after withdrawing").await;

    // Published again, then cancelled: a cancelled document leaves the board.
    registrar.act_ok(&id, "publish", None).await;
    assert!(visitor.html(&board).await.contains(&subject));
    registrar
        .act_ok(&id, "cancel", Some("ออกประกาศฉบับใหม่แทน"))
        .await;
    assert!(!visitor.html(&board).await.contains(&subject));
    let (status, error) = registrar.act(&id, "publish", None).await;
    assert_eq!(
        (status, &error["code"]),
        (StatusCode::CONFLICT, &json!("wrong_state"))
    );
    let (_, history) = registrar.get(&format!("/documents/{id}/history")).await;
    let kinds: Vec<&str> = history
        .as_array()
        .or_else(|| history["items"].as_array())
        .unwrap()
        .iter()
        .map(|e| e["event"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "published").count(),
        2,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"unpublished"), "{kinds:?}");
    verify_holds(&server, "after the cancellation").await;
}

async fn a_secret_order_or_a_memo_is_never_published(db: TestDb) {
    let server = start(db).await;
    let mut content = example_content("order-490-2567.toml");
    content["secrecy"] = json!("ลับ");
    let order = issued(&server, &content, &["somjai", "wilaiwan"], "kanok").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let registrar = server.sign_in("sunee").await;

    // Through the API: refused, with a stable code and the field at fault.
    let (status, error) = registrar.act(&id, "publish", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["code"], "secret_document", "{error}");
    assert_eq!(error["field"], "secrecy", "{error}");
    assert!(error["message"].as_str().unwrap().contains("ลับ"), "{error}");

    // Through the web page: no button, a note saying why; a forged post
    // is refused in Thai.
    let page = registrar.html(&format!("/doc/{id}")).await;
    assert!(!page.contains("action-publish"), "{page}");
    assert!(page.contains("not-publishable"), "{page}");
    assert!(page.contains("ชั้นความลับ “ลับ”"), "{page}");
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries its form token")
        .to_owned();
    let response = registrar
        .http
        .post(format!("{}/doc/{id}/act/publish", server.root))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let refused = response.text().await.unwrap();
    assert!(refused.contains("action-refused"), "{refused}");
    assert!(refused.contains("หนังสือลับเผยแพร่ต่อสาธารณะไม่ได้"), "{refused}");

    // A memo is the office's own: refused too.
    let memo = example_content("ita-report-2568.toml");
    let memo = issued(&server, &memo, &["somjai", "somsak", "wilaiwan"], "kanok").await;
    let (status, error) = registrar
        .act(memo["id"].as_str().unwrap(), "publish", None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(
        (&error["code"], &error["field"]),
        (&json!("not_publishable"), &json!("kind"))
    );

    // Nothing reached the board, and the refusals left nothing in the log.
    let visitor = server.visitor();
    let board = visitor.html(&format!("/p/{ORG}")).await;
    assert!(board.contains("ยังไม่มีเอกสารเผยแพร่"), "{board}");
    let (status, _, _) = visitor.page(&format!("/p/{ORG}/pdf/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, history) = registrar.get(&format!("/documents/{id}/history")).await;
    assert!(!history.to_string().contains("\"published\""), "{history}");
    verify_holds(&server, "after the refusals").await;
}

stories!(
    an_announcement_is_published_and_withdrawn,
    a_secret_order_or_a_memo_is_never_published,
);
