//! The HTTP API over real HTTP on a random port, on SQLite and PostgreSQL.

use chrono::Utc;
use reqwest::StatusCode;
use saraban_core::org::{OrgConfig, Slug};
use saraban_core::workflow::RouteAction as A;
use saraban_stories::saraban_store::Store;
use saraban_stories::{ApiClient, ApiServer, TestDb, drafted, example_content, stories};
use saraban_stories::{org, person, raw_request};
use serde_json::{Value, json};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-demo";

fn config(id: &str) -> OrgConfig {
    let mut config = saraban_stories::example_org_with_admin();
    config.organisation.id = Slug::parse(id).unwrap();
    config
}

async fn start(db: TestDb) -> ApiServer {
    ApiServer::start_with(db, &[config(ORG), config("other-org")], PASSWORD).await
}

/// `user` signed in to `org`: the session cookie is HttpOnly and
/// SameSite=Strict.
async fn sign_in(server: &ApiServer, org: &str, user: &str) -> ApiClient {
    let client = server.sign_in_to(org, user).await;
    let cookie = client
        .set_cookie
        .as_ref()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    client
}

fn memo() -> Value {
    example_content("ita-report-2568.toml")
}

/// The seed memo through the API, each person signed in as themselves.
async fn seed_story_over_http(db: TestDb) {
    let server = start(db).await;
    let drafter = sign_in(&server, ORG, "chanyurat").await;
    let id = drafter.create(&memo()).await;
    assert_eq!(drafter.act(&id, "submit", None).await.0, StatusCode::OK);

    for user in ["somjai", "somsak", "wilaiwan"] {
        let reviewer = sign_in(&server, ORG, user).await;
        let (waiting, _) = reviewer.waiting(&id).await;
        assert!(waiting, "{user}'s inbox");
        let (status, body) = reviewer.act(&id, "endorse", Some("เพื่อโปรดทราบ")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let mayor = sign_in(&server, ORG, "kanok").await;
    // A memo keeps its own date: keeping an order's is refused, naming it.
    let (status, body) = mayor
        .post(
            &format!("/documents/{id}/actions/sign"),
            &serde_json::json!({ "keep_date": true }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "keep_date", "{body}");
    assert_eq!(mayor.act(&id, "sign", Some("ทราบ")).await.0, StatusCode::OK);
    let registrar = sign_in(&server, ORG, "sunee").await;
    let (status, issued) = registrar.act(&id, "issue", None).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["document"]["number"], 1);
    let year = issued["document"]["year"].as_i64().unwrap();
    let (_, register) = registrar.get(&format!("/registers/memo/{year}")).await;
    assert_eq!(register[0]["printed_number"], "ที่ ตร ๗๑๐๐๑/๑");

    let pdf = registrar
        .http
        .get(format!("{}/documents/{id}/pdf", registrar.base))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    // Saved under its number and subject, with an ASCII name beside it.
    let disposition = pdf.headers()["content-disposition"].to_str().unwrap();
    let year_digits = year.to_string();
    assert!(
        disposition.starts_with(&format!(
            "inline; filename=\"memo-1-{year_digits}.pdf\"; filename*=UTF-8''"
        )),
        "{disposition}"
    );
    let thai_name = percent_encoding::percent_decode_str(
        disposition.split("filename*=UTF-8''").nth(1).unwrap(),
    )
    .decode_utf8()
    .unwrap()
    .into_owned();
    assert!(thai_name.starts_with("ตร-๗๑๐๐๑-๑-"), "{thai_name}");
    assert!(thai_name.ends_with(".pdf"), "{thai_name}");
    let bytes = pdf.bytes().await.unwrap();
    assert_eq!(
        Some(saraban_core::ledger::sha256_hex(&bytes).as_str()),
        issued["document"]["pdf_hash"].as_str()
    );
    let (_, history) = registrar.get(&format!("/documents/{id}/history")).await;
    assert_eq!(history.as_array().unwrap().len(), 7);
    let first = registrar
        .http
        .get(format!("{}/documents/{id}/pdf?version=1", registrar.base))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK, "the PDF of a version");
    let missing = registrar
        .http
        .get(format!("{}/documents/{id}/pdf?version=9", registrar.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(history[6]["event"]["kind"], "issued");
    assert_eq!(history[6]["prev_hash"], history[5]["hash"]);

    // Sign-out ends the session.
    assert_eq!(
        registrar.post("/sign-out", &json!({})).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(registrar.get("/me").await.0, StatusCode::UNAUTHORIZED);
}

/// Brings a fresh memo to `state` through the store.
async fn memo_in(store: &Store, state: &str) -> saraban_core::DocumentId {
    let now = Utc::now();
    let id = store
        .create_document(&org(ORG), &person("chanyurat"), drafted(memo()), now)
        .await
        .unwrap()
        .id;
    let steps: &[(&str, A)] = match state {
        "draft" => &[],
        "in_review" => &[("chanyurat", A::Submit)],
        "awaiting_signature" => &[
            ("chanyurat", A::Submit),
            ("somjai", A::Endorse),
            ("somsak", A::Endorse),
            ("wilaiwan", A::Endorse),
        ],
        "signed" => &[
            ("chanyurat", A::Submit),
            ("somjai", A::Endorse),
            ("somsak", A::Endorse),
            ("wilaiwan", A::Endorse),
            ("kanok", A::Sign),
        ],
        "issued" => &[
            ("chanyurat", A::Submit),
            ("somjai", A::Endorse),
            ("somsak", A::Endorse),
            ("wilaiwan", A::Endorse),
            ("kanok", A::Sign),
            ("sunee", A::Issue),
        ],
        _ => unreachable!(),
    };
    for (who, action) in steps {
        store
            .act(&org(ORG), &person(who), &id, *action, None, now)
            .await
            .unwrap();
    }
    id
}

/// Every action × every role × every state: exactly the allowed ones
/// succeed; the rest are refused and change nothing.
async fn permission_matrix(db: TestDb) {
    let server = start(db).await;
    let users = [
        "chanyurat",
        "somjai",
        "somsak",
        "wilaiwan",
        "kanok",
        "sunee",
        "admin",
    ];
    let actions = [
        "submit", "endorse", "return", "sign", "issue", "withdraw", "cancel", "archive",
    ];
    let allowed = |state: &str, action: &str, user: &str| -> bool {
        matches!(
            (state, action, user),
            ("draft", "submit" | "withdraw", "chanyurat")
                | ("in_review", "endorse" | "return", "somjai")
                | ("in_review", "withdraw", "chanyurat")
                | ("awaiting_signature", "sign" | "return", "kanok")
                | ("awaiting_signature", "withdraw", "chanyurat")
                | ("signed", "issue", "sunee")
                | ("issued", "cancel" | "archive", "sunee")
        )
    };
    let mut clients = Vec::new();
    for user in users {
        clients.push((user, sign_in(&server, ORG, user).await));
    }
    let mut checked = 0;
    for state in [
        "draft",
        "in_review",
        "awaiting_signature",
        "signed",
        "issued",
    ] {
        let shared = memo_in(&server.store, state).await;
        for action in actions {
            for (user, client) in &clients {
                let expected = allowed(state, action, user);
                let id = if expected {
                    memo_in(&server.store, state).await
                } else {
                    shared.clone()
                };
                let before = server.store.audit(&org(ORG)).await.unwrap().head_seq;
                let (status, body) = client.act(&id, action, Some("ตามที่เสนอ")).await;
                let after = server.store.audit(&org(ORG)).await.unwrap().head_seq;
                if expected {
                    assert_eq!(status, StatusCode::OK, "{state} {action} by {user}: {body}");
                    assert_eq!(after, before + 1);
                } else {
                    assert!(
                        status.is_client_error(),
                        "{state} {action} by {user} must be refused: {status} {body}"
                    );
                    assert!(
                        body["code"].is_string() && body["message"].is_string(),
                        "{body}"
                    );
                    assert_eq!(after, before, "{state} {action} by {user} changed nothing");
                    assert_eq!(
                        server.store.show(&org(ORG), &id).await.unwrap().state,
                        state
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 8 * 7);
    assert!(server.store.audit(&org(ORG)).await.unwrap().holds());
}

/// Another organisation's documents are "not found", never "forbidden".
async fn organisations_are_isolated(db: TestDb) {
    let server = start(db).await;
    let id = memo_in(&server.store, "in_review").await;
    let outsider = sign_in(&server, "other-org", "somjai").await;
    assert_eq!(
        outsider.get(&format!("/documents/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider.get(&format!("/documents/{id}/history")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = outsider.act(&id, "endorse", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (_, list) = outsider.get("/documents").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let insider = sign_in(&server, ORG, "somjai").await;
    assert_eq!(
        insider.get(&format!("/documents/{id}")).await.0,
        StatusCode::OK
    );
    // An administrator without a position reads no document.
    let admin = sign_in(&server, ORG, "admin").await;
    assert_eq!(
        admin.get(&format!("/documents/{id}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(admin.get("/verify").await.0, StatusCode::OK);
    assert_eq!(insider.get("/verify").await.0, StatusCode::FORBIDDEN);

    // The administrator manages the configuration; others may not. The
    // emblem, which the configuration does not carry, stays as it was.
    let emblem = b"the organisation's emblem".to_vec();
    server
        .store
        .init_org(&config(ORG), Some(&emblem), Utc::now())
        .await
        .unwrap();
    assert_eq!(insider.get("/organisation").await.0, StatusCode::FORBIDDEN);
    let (status, mut configuration) = admin.get("/organisation").await;
    assert_eq!(status, StatusCode::OK);
    let routes = configuration["routes"].as_array_mut().unwrap();
    routes[0]["review"].as_array_mut().unwrap().pop();
    let response = admin
        .http
        .put(format!("{}/organisation", admin.base))
        .json(&configuration)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["new_route_versions"][0][1], 2, "{report}");
    assert_eq!(server.store.emblem(&org(ORG)).await.unwrap(), Some(emblem));
    configuration["organisation"]["id"] = json!("other-org");
    let response = admin
        .http
        .put(format!("{}/organisation", admin.base))
        .json(&configuration)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not another organisation's"
    );
}

/// Bad requests answer 4xx with a JSON body naming the field.
async fn bad_requests_name_the_field(db: TestDb) {
    let server = start(db).await;
    let client = sign_in(&server, ORG, "chanyurat").await;
    let raw = |body: &'static str| {
        client
            .http
            .post(format!("{}/documents", client.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let response = raw("{\"format\": ").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["field"].as_str()),
        (Some("malformed_json"), Some("body"))
    );

    let cases: [(Value, &str, &str); 5] = [
        (
            {
                let mut m = memo();
                m["date"] = json!("2568-04-09");
                m
            },
            "date",
            "Buddhist-era",
        ),
        (
            {
                let mut m = memo();
                m["subject"] = json!(42);
                m
            },
            "subject",
            "invalid type",
        ),
        (
            {
                let mut m = memo();
                m["colour"] = json!("red");
                m
            },
            "",
            "unknown field `colour`",
        ),
        (
            {
                let mut m = memo();
                m["signer"]["name"] = json!("");
                m
            },
            "signer.name",
            "must not be empty",
        ),
        (
            {
                let mut m = memo();
                m["body"][4]["table"]["rows"][0] = json!(["a"]);
                m
            },
            "body[4].table",
            "has 1 cells",
        ),
    ];
    for (body, field, message) in cases {
        let (status, error) = client.post("/documents", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{error}"
        );
        if !field.is_empty() {
            assert_eq!(error["field"], field, "{error}");
        }
    }

    let id = memo_in(&server.store, "draft").await;
    // Oversized: one byte over the limit. Raw TCP, so that the whole body
    // is written before the answer is read, with no race on the refusal.
    let address = server.authority();
    let (_, token) = client
        .post("/tokens", &json!({ "password": PASSWORD }))
        .await;
    let token = token["token"].as_str().unwrap().to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let size = saraban_server::BODY_LIMIT + 1;
    let mut request = format!(
        "POST /api/v1/documents/{id}/actions/submit HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    request.resize(request.len() + size, b' ');
    let (mut reader, mut writer) = stream.split();
    let write = tokio::io::AsyncWriteExt::write_all(&mut writer, &request);
    let mut answer = Vec::new();
    let read = tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut answer);
    let (_, _) = tokio::join!(write, read);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":\"too_large\""), "{answer}");
    let (status, error) = client
        .post(
            &format!("/documents/{id}/actions/submit"),
            &json!({ "txt": "x" }),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid"))
    );
    let (status, error) = client
        .post(&format!("/documents/{id}/actions/launch"), &json!({}))
        .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (StatusCode::NOT_FOUND, Some("action"))
    );
    let (status, error) = client.get("/documents?limit=0").await;
    assert_eq!(
        (status, error["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    let (status, error) = client.get("/documents?limit=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, error) = client.get("/registers/memo/1999").await;
    assert_eq!(
        (status, error["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("year"))
    );
    assert_eq!(
        server.store.show(&org(ORG), &id).await.unwrap().state,
        "draft",
        "nothing happened"
    );
}

/// Sign-in: wrong passwords lock the account; API tokens; idempotent retries.
async fn sign_in_and_retries(db: TestDb) {
    let server = start(db).await;
    let http = reqwest::Client::new();
    let url = format!("{}/sign-in", server.base);
    for attempt in 1..=5 {
        let response = http
            .post(&url)
            .json(&json!({ "org": ORG, "user": "kanok", "password": "wrong" }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let response = http
        .post(&url)
        .json(&json!({ "org": ORG, "user": "kanok", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked after five failures"
    );
    let unknown = http
        .post(&url)
        .json(&json!({ "org": ORG, "user": "nobody", "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        http.get(format!("{}/me", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let client = sign_in(&server, ORG, "chanyurat").await;
    let (status, token) = client
        .post("/tokens", &json!({ "password": PASSWORD }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token = token["token"].as_str().unwrap();
    let me = http
        .get(format!("{}/me", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    let id = memo_in(&server.store, "draft").await;
    let submit = || {
        http.post(format!("{}/documents/{id}/actions/submit", server.base))
            .bearer_auth(token)
            .header("Idempotency-Key", "retry-1")
            .json(&json!({}))
            .send()
    };
    let first: Value = submit().await.unwrap().json().await.unwrap();
    let second = submit().await.unwrap();
    assert_eq!(
        second.status(),
        StatusCode::OK,
        "a retry answers as the first time"
    );
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    let history = server.store.history(&org(ORG), &id).await.unwrap();
    assert_eq!(history.len(), 2, "created and submitted, once");

    let (status, _) = client
        .post(
            "/password",
            &json!({ "old": PASSWORD, "new": "a-new-password" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let old = http
        .post(&url)
        .json(&json!({ "org": ORG, "user": "chanyurat", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
}

/// Fifty wrong passwords at once: the count is taken before each check,
/// so exactly five are checked (401) and the rest refused unchecked (429),
/// and then the right password is refused too. Thirty failures from one
/// address refuse that address, on a second server over the same
/// database as well.
async fn parallel_guesses_are_bounded(db: TestDb) {
    let server = start(db).await;
    let url = format!("{}/sign-in", server.base);
    let http = reqwest::Client::new();
    let attempt = |user: String, password: &'static str| {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move {
            let response = http
                .post(&url)
                .json(&json!({ "org": ORG, "user": user, "password": password }))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        })
    };
    let burst: Vec<_> = (0..50)
        .map(|_| attempt("kanok".into(), "wrong-password"))
        .collect();
    let mut answers = std::collections::BTreeMap::new();
    for answer in burst {
        let (status, code) = answer.await.unwrap();
        // An attempt holds one of the address's thirty while it runs, so a
        // refusal may name the address instead of the account.
        assert!(
            ["wrong_credentials", "locked", "rate_limited"].contains(&code.as_str()),
            "{status} {code}"
        );
        *answers.entry(status.as_u16()).or_insert(0) += 1;
    }
    let expected = std::collections::BTreeMap::from([(401, 5), (429, 45)]);
    assert_eq!(
        answers, expected,
        "five checked, the rest refused unchecked"
    );
    let (status, code) = attempt("kanok".into(), PASSWORD).await.unwrap();
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "locked"),
        "the right password is refused while locked"
    );
    // The lock is in the account's row: five failures, a lock time ahead.
    assert!(
        server
            .store
            .sign_in(ORG, "kanok", PASSWORD, false, Utc::now())
            .await
            .is_err()
    );

    // Names that are no account lock as accounts do, and count against
    // the address: 25 more failures reach the address's 30.
    let spray: Vec<_> = (0..40)
        .map(|i| attempt(format!("ghost-{i}"), "wrong-password"))
        .collect();
    let mut answers = std::collections::BTreeMap::new();
    for answer in spray {
        let (status, code) = answer.await.unwrap();
        *answers.entry((status.as_u16(), code)).or_insert(0) += 1;
    }
    let expected = std::collections::BTreeMap::from([
        ((401, "wrong_credentials".to_owned()), 25),
        ((429, "rate_limited".to_owned()), 15),
    ]);
    assert_eq!(answers, expected, "thirty failures from one address");
    let (status, code) = attempt("chanyurat".into(), PASSWORD).await.unwrap();
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    // Another server process's view: a store of its own on the database.
    let other = saraban_stories::open_store(&server.db.url).await.unwrap();
    let (other_base, _stop_other) = saraban_stories::serve(other).await;
    let response = http
        .post(format!("{other_base}/api/v1/sign-in"))
        .json(&json!({ "org": ORG, "user": "chanyurat", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // The store itself, with no address, still signs the person in.
    assert!(
        server
            .store
            .sign_in(ORG, "chanyurat", PASSWORD, false, Utc::now())
            .await
            .is_ok()
    );
}

/// The edge: U+0000 in a body, a path or a query; bidirectional controls
/// and invisible subjects; bodies not declared as JSON; cookies sent from
/// another site; an oversized PDF; `/history` paged.
async fn the_edge_refuses_what_it_cannot_keep(db: TestDb) {
    let server = start(db).await;
    let anonymous = reqwest::Client::new();
    let response = anonymous
        .post(format!("{}/sign-in", server.base))
        .json(&json!({ "org": "a\u{0}", "user": "kanok", "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["field"], "org", "{error}");
    for (path, field) in [
        ("/orgs/%00/checkpoint", "path"),
        ("/public/verify/a%00b", "path"),
        ("/documents?state=%00", "query"),
    ] {
        let response = anonymous
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["field"], field, "{path}: {error}");
    }

    let client = sign_in(&server, ORG, "chanyurat").await;
    let with_subject = |subject: &str| {
        let mut m = memo();
        m["subject"] = json!(subject);
        m
    };
    for (subject, message) in [
        ("ขอ\u{0}รายงาน", "U+0000"),
        ("ขออนุมัติ\u{202E}๐๐๑", "bidirectional"),
        ("ขออนุมัติ\u{2066}ก\u{2069}", "bidirectional"),
        ("\u{200B}\u{200B}", "visible"),
    ] {
        let (status, error) = client.post("/documents", &with_subject(subject)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert_eq!(error["field"], "subject", "{error}");
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{error}"
        );
    }
    let mut nul_in_body = memo();
    nul_in_body["body"][0]["paragraph"] = json!("a\u{0}");
    let (status, error) = client.post("/documents", &nul_in_body).await;
    assert_eq!(
        (status, error["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body[0].paragraph")),
        "{error}"
    );

    // Not declared as JSON: 415, whatever the body says.
    let id = memo_in(&server.store, "draft").await;
    let submit = format!("{}/documents/{id}/actions/submit", server.base);
    for (content_type, body) in [
        ("text/plain", "{}"),
        ("application/x-www-form-urlencoded", ""),
    ] {
        let response = client
            .http
            .post(&submit)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "unsupported_media_type", "{error}");
    }
    let response = client
        .http
        .post(format!("{}/documents", server.base))
        .header("content-type", "text/plain")
        .body(memo().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Cookies from another site act on nothing; the site's own do.
    let own = server.root.clone();
    for (header, value) in [
        ("origin", "https://attacker.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = client
            .http
            .post(&submit)
            .header(header, value)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{header}: {value}"
        );
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "cross_origin", "{error}");
    }
    assert_eq!(
        server.store.show(&org(ORG), &id).await.unwrap().state,
        "draft"
    );
    let response = client
        .http
        .post(&submit)
        .header("origin", &own)
        .header("sec-fetch-site", "same-origin")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A method no route has answers the JSON error too.
    let response = client
        .http
        .delete(format!("{}/documents", server.base))
        .header("origin", &own)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "method_not_allowed", "{error}");

    // `/history` pages.
    let (status, all) = client.get(&format!("/documents/{id}/history")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let (_, second) = client
        .get(&format!("/documents/{id}/history?limit=1&offset=1"))
        .await;
    assert_eq!(second, json!([all[1].clone()]));
    let (status, error) = client
        .get(&format!("/documents/{id}/history?limit=0"))
        .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );

    // A PDF over the limit, to the public comparison: the JSON error.
    let address = server.authority();
    let size = saraban_server::BODY_LIMIT + 1;
    let answer = raw_request(
        &address,
        &format!(
            "POST /api/v1/public/verify/some-code HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/pdf\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
        ),
        &vec![b' '; size],
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":\"too_large\""), "{answer}");
}

stories!(
    seed_story_over_http,
    permission_matrix,
    organisations_are_isolated,
    bad_requests_name_the_field,
    sign_in_and_retries,
    parallel_guesses_are_bounded,
    the_edge_refuses_what_it_cannot_keep,
);
