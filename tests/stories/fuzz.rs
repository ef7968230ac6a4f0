//! Requests generated from the server's own OpenAPI document — every path
//! and method, with random path values, query strings and JSON bodies
//! shaped after the schemas — must never get a 5xx or stop the server.

use chrono::Utc;
use reqwest::{Method, StatusCode};
use saraban_stories::saraban_store::Store;
use saraban_stories::{TestDb, drafted, example, stories};
use saraban_stories::{org, person};
use serde_json::{Map, Value, json};

/// A small deterministic generator (xorshift64*), so that a failure can
/// be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn string(&mut self) -> String {
        const PIECES: [&str; 19] = [
            "",
            "ก",
            "ทราบ",
            "๔๙๐/๒๕๖๗",
            "2568",
            "-1",
            "0",
            "99999999999999999999",
            "../../etc/passwd",
            "%00",
            "#read(\"/etc/passwd\")",
            "\u{200b}",
            "\u{0}",
            "\u{202E}",
            "\u{2066}",
            "<script>",
            "null",
            "a b",
            "memo",
        ];
        (0..self.below(4)).map(|_| *self.pick(&PIECES)).collect()
    }

    /// A JSON value; objects use the schema's property names half the time.
    fn value(&mut self, names: &[String], depth: u32) -> Value {
        match self.below(if depth == 0 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => json!(self.next().is_multiple_of(3)),
            2 => json!((self.next() as i64) >> self.below(64)),
            3 => json!(self.string()),
            4 => json!(f64::from(self.below(1000) as u32) / 7.0),
            5 | 6 => {
                let mut map = Map::new();
                for _ in 0..self.below(6) {
                    let key = if !names.is_empty() && self.next().is_multiple_of(2) {
                        self.pick(names).clone()
                    } else {
                        self.string()
                    };
                    map.insert(key, self.value(names, depth - 1));
                }
                Value::Object(map)
            }
            _ => Value::Array(
                (0..self.below(4))
                    .map(|_| self.value(names, depth - 1))
                    .collect(),
            ),
        }
    }
}

/// Every property name in the document, to shape bodies after.
fn property_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                names.extend(properties.keys().cloned());
            }
            map.values().for_each(|v| property_names(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| property_names(v, names)),
        _ => {}
    }
}

/// Every byte but letters and digits percent-encoded.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// U+0000 (which PostgreSQL cannot store) and bidirectional controls,
/// each of which the edge or the document's parsing must refuse.
const POISONS: [&str; 4] = ["a\u{0}b", "\u{0}", "ก\u{202E}ข", "\u{2066}x\u{2069}"];

/// `value` with its `n`-th string (depth first) followed by `poison`;
/// false when it has fewer strings.
fn poison_nth_string(value: &mut Value, n: &mut usize, poison: &str) -> bool {
    match value {
        Value::String(text) => {
            if *n == 0 {
                text.push_str(poison);
                return true;
            }
            *n -= 1;
            false
        }
        Value::Array(items) => items.iter_mut().any(|v| poison_nth_string(v, n, poison)),
        Value::Object(map) => map.values_mut().any(|v| poison_nth_string(v, n, poison)),
        _ => false,
    }
}

/// Every variant of `value` with one of its strings poisoned, and one
/// with a poisoned key.
fn poisoned_bodies(value: &Value, poison: &str) -> Vec<Value> {
    let mut bodies = Vec::new();
    for index in 0.. {
        let mut body = value.clone();
        if !poison_nth_string(&mut body, &mut { index }, poison) {
            break;
        }
        bodies.push(body);
    }
    if let Value::Object(map) = value {
        let mut body = map.clone();
        body.insert(format!("key{poison}"), json!("x"));
        bodies.push(Value::Object(body));
    }
    bodies
}

/// A body shaped after an operation's JSON request schema: its string
/// properties given plausible values, or the memo for a free object.
fn plain_body(spec: &Value, operation: &Value, memo: &Value) -> Option<Value> {
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return None;
    }
    let named = schema["$ref"]
        .as_str()
        .or_else(|| {
            schema["oneOf"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|s| s["$ref"].as_str())
        })
        .and_then(|r| r.rsplit('/').next())
        .map(|name| &spec["components"]["schemas"][name]);
    match named {
        Some(schema) => Some(Value::Object(
            schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, _)| (name.clone(), json!("saraban-demo")))
                .collect(),
        )),
        None => Some(memo.clone()),
    }
}

async fn start(db: TestDb) -> (String, Store, tokio::sync::oneshot::Sender<()>, TestDb) {
    let store = db.store.clone();
    let text = std::fs::read_to_string(example("organisation/wangkrachae.toml")).unwrap();
    let config = saraban_core::org::OrgConfig::parse_toml(&text).unwrap();
    store.init_org(&config, None, Utc::now()).await.unwrap();
    store
        .set_password(&org("wangkrachae"), &person("chanyurat"), "saraban-demo")
        .await
        .unwrap();
    let (base, stop) = saraban_stories::serve(store.clone()).await;
    (base, store, stop, db)
}

async fn generated_requests_never_fail_the_server(db: TestDb) {
    let (base, store, _stop, _db) = start(db).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_in = client
        .post(format!("{base}/api/v1/sign-in"))
        .json(&json!({ "org": "wangkrachae", "user": "chanyurat", "password": "saraban-demo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let memo = saraban_core::document::read_value(
        &std::fs::read_to_string(example("ita-report-2568.toml")).unwrap(),
        saraban_core::Syntax::Toml,
    )
    .unwrap();
    let real_id = store
        .create_document(
            &org("wangkrachae"),
            &person("chanyurat"),
            drafted(memo.clone()),
            Utc::now(),
        )
        .await
        .unwrap()
        .id;

    let spec: Value = client
        .get(format!("{base}/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut names = Vec::new();
    property_names(&spec, &mut names);
    names.extend(
        [
            "format", "kind", "subject", "body", "signer", "date", "number", "table", "rows",
        ]
        .map(String::from),
    );
    let paths = spec["paths"].as_object().expect("paths");
    assert!(paths.len() >= 14, "the document lists every endpoint");
    let anonymous = reqwest::Client::new();
    let mut rng = Rng(0x5A4A_BA11_2568_0490);
    let mut sent = 0;
    let mut statuses = std::collections::BTreeMap::new();
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            for round in 0..40 {
                let mut url = format!("{base}/api/v1{path}");
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let name = parameter["name"].as_str().unwrap();
                    if parameter["in"] == "path" {
                        let value = match rng.below(4) {
                            0 => real_id.to_string(),
                            1 => (*rng.pick(&[
                                "submit", "endorse", "return", "sign", "issue", "withdraw",
                                "cancel", "archive", "memo", "2568",
                            ]))
                            .to_owned(),
                            _ => rng.string(),
                        };
                        let encoded = encode(&value);
                        url = url.replace(
                            &format!("{{{name}}}"),
                            if encoded.is_empty() { "x" } else { &encoded },
                        );
                    }
                }
                if rng.below(2) == 0 {
                    url.push_str(&format!(
                        "?limit={}&offset={}&state={}",
                        rng.string(),
                        rng.string(),
                        rng.string()
                    ));
                }
                let body = match rng.below(5) {
                    0 => memo.clone(),
                    1 => {
                        let mut broken = memo.clone();
                        let key = rng.pick(&names).clone();
                        broken[key] = rng.value(&names, 2);
                        broken
                    }
                    _ => rng.value(&names, 3),
                };
                let http = if round % 5 == 0 { &anonymous } else { &client };
                let response = http
                    .request(method.clone(), &url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                assert!(
                    !status.is_server_error(),
                    "{method} {url} with {body} answered {status}: {text}"
                );
                if status.is_client_error() && status != StatusCode::METHOD_NOT_ALLOWED {
                    let error: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|_| panic!("{method} {url}: JSON error body, got {text}"));
                    assert!(
                        error["code"].is_string() && error["message"].is_string(),
                        "{text}"
                    );
                }
                *statuses.entry(status.as_u16()).or_insert(0) += 1;
                sent += 1;
            }
        }
    }
    assert!(sent >= 600, "{sent} requests");

    // Then, deterministically: each poison in every path parameter, every
    // query parameter and every string of every JSON body, of every
    // endpoint, signed in and not.
    let plausible = |name: &str| match name {
        "id" => real_id.to_string(),
        "action" => "submit".to_owned(),
        "register" => "memo".to_owned(),
        "year" => "2568".to_owned(),
        "org" => "wangkrachae".to_owned(),
        _ => "x".to_owned(),
    };
    let mut poisoned = 0;
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let parameters: Vec<(&str, &str)> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
                .filter(|(_, place)| *place == "path" || *place == "query")
                .collect();
            let url_with = |target: Option<&str>, poison: &str| {
                let mut url = format!("{base}/api/v1{path}");
                let mut query = Vec::new();
                for (name, place) in &parameters {
                    let value = if Some(*name) == target {
                        poison.to_owned()
                    } else {
                        plausible(name)
                    };
                    if *place == "path" {
                        url = url.replace(&format!("{{{name}}}"), &encode(&value));
                    } else if Some(*name) == target {
                        query.push(format!("{name}={}", encode(&value)));
                    }
                }
                if !query.is_empty() {
                    url.push('?');
                    url.push_str(&query.join("&"));
                }
                url
            };
            let body = plain_body(&spec, operation, &memo);
            let mut requests: Vec<(String, Option<Value>)> = Vec::new();
            for poison in POISONS {
                for (name, _) in &parameters {
                    requests.push((url_with(Some(name), poison), body.clone()));
                }
                for poisoned in body.iter().flat_map(|b| poisoned_bodies(b, poison)) {
                    requests.push((url_with(None, poison), Some(poisoned)));
                }
            }
            for (index, (url, body)) in requests.into_iter().enumerate() {
                let http = if index % 3 == 0 { &anonymous } else { &client };
                let mut request = http.request(method.clone(), &url);
                if let Some(body) = &body {
                    request = request.json(body);
                }
                let response = request.send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                assert!(
                    !status.is_server_error(),
                    "{method} {url} with {body:?} answered {status}: {text}"
                );
                if status.is_client_error() {
                    let error: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|_| panic!("{method} {url}: JSON error body, got {text}"));
                    assert!(error["code"].is_string(), "{text}");
                }
                poisoned += 1;
            }
        }
    }
    eprintln!("{poisoned} poisoned requests");
    assert!(poisoned >= 200, "{poisoned} poisoned requests");
    eprintln!("answers by status: {statuses:?}");
    // The requests reached the handlers: some succeeded, some were refused
    // for their content, not only for their shape.
    let count = |code: u16| statuses.get(&code).copied().unwrap_or(0);
    assert!(count(200) + count(201) >= 20, "{statuses:?}");
    assert!(count(422) + count(409) + count(403) >= 20, "{statuses:?}");
    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "the server is still up");
    assert!(store.audit(&org("wangkrachae")).await.unwrap().holds());
}

stories!(generated_requests_never_fail_the_server);
