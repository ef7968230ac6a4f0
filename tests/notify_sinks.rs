//! The far ends of the notification stories (issue 18), on loopback: a real
//! SMTP server (Python's aiosmtpd, `fixtures/smtp_sink.py`) whose messages
//! Python's email package parses, and an HTTP server that answers as the
//! LINE Messaging API's push endpoint does, checking the request's shape.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Whether aiosmtpd can run. Missing: the story fails under CI=true
/// (scripts/test installs it), and is skipped with a message otherwise.
pub fn aiosmtpd_available(story: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{story}: Python's aiosmtpd is missing (pip install aiosmtpd; scripts/test installs it)"
        );
        eprintln!("{story} skipped: Python's aiosmtpd is missing (pip install aiosmtpd)");
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("bound")
        .port()
}

/// A real SMTP server on loopback; what it said, line by line.
#[allow(missing_debug_implementations)]
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    events: Arc<Mutex<Vec<Value>>>,
}

impl SmtpSink {
    /// Starts it; `delay` is how long it waits before answering a
    /// message's DATA (a slow server).
    pub fn start(delay: Duration) -> SmtpSink {
        let port = free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(format!("{}", delay.as_secs_f64()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the SMTP sink");
        let stdout = child.stdout.take().expect("stdout");
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        let collected = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    collected.lock().expect("events").push(value);
                }
            }
        });
        let sink = SmtpSink {
            child,
            port,
            events,
        };
        sink.wait_for(
            "the SMTP sink to listen",
            Duration::from_secs(20),
            |events| events.iter().any(|e| e["event"] == "ready"),
        );
        sink
    }

    pub fn events(&self) -> Vec<Value> {
        self.events.lock().expect("events").clone()
    }

    /// The messages it delivered (answered 250 to a connected client).
    pub fn delivered(&self) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["event"] == "delivered")
            .collect()
    }

    /// Waits until `done` holds of its events; panics after `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&[Value]) -> bool) {
        let started = Instant::now();
        while !done(&self.events()) {
            assert!(
                started.elapsed() < limit,
                "waited {limit:?} for {what}; the SMTP sink saw {:#?}",
                self.events()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A push the LINE sink took.
#[derive(Debug, Clone)]
pub struct LinePush {
    pub retry_key: String,
    pub to: String,
    pub text: String,
}

#[derive(Debug, Default)]
struct LineState {
    /// Accepted, by retry key, in order.
    accepted: Vec<LinePush>,
    /// Requests with a retry key already accepted (answered 409).
    repeated: Vec<String>,
    /// Requests refused for their shape, and why.
    refused: Vec<String>,
    /// Requests that arrived (accepted or not).
    arrived: usize,
}

/// An HTTP server on loopback that answers as LINE's push endpoint:
/// `POST /v2/bot/message/push` with `Authorization: Bearer TOKEN`, a JSON
/// body `{"to": USER, "messages": [{"type": "text", "text": …}]}` and an
/// `X-Line-Retry-Key` (a UUID). A key seen before is answered 409, as
/// LINE answers a retry of a request it accepted.
#[allow(missing_debug_implementations)]
pub struct LineSink {
    pub endpoint: String,
    state: Arc<Mutex<LineState>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl LineSink {
    /// Starts it on the current Tokio runtime; `delay` is how long it takes
    /// to answer a request it accepted (a slow API).
    pub async fn start(token: &str, delay: Duration) -> LineSink {
        use axum::http::{HeaderMap, StatusCode};
        use axum::routing::post;
        let state: Arc<Mutex<LineState>> = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let expected = format!("Bearer {token}");
        let shared = state.clone();
        let app = axum::Router::new().route(
            "/v2/bot/message/push",
            post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let state = shared.clone();
                let expected = expected.clone();
                async move {
                    state.lock().expect("line").arrived += 1;
                    let refuse = |why: String| {
                        state.lock().expect("line").refused.push(why.clone());
                        (StatusCode::BAD_REQUEST, axum::Json(json!({"message": why})))
                    };
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    if header("authorization").as_deref() != Some(expected.as_str()) {
                        state
                            .lock()
                            .expect("line")
                            .refused
                            .push("authorization".into());
                        return (
                            StatusCode::UNAUTHORIZED,
                            axum::Json(json!({"message": "Authentication failed"})),
                        );
                    }
                    if !header("content-type").is_some_and(|c| c.starts_with("application/json")) {
                        return refuse("content-type".into());
                    }
                    let Some(key) =
                        header("x-line-retry-key").filter(|k| uuid::Uuid::parse_str(k).is_ok())
                    else {
                        return refuse("X-Line-Retry-Key is no UUID".into());
                    };
                    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
                        return refuse("the body is no JSON".into());
                    };
                    let to = value["to"].as_str().unwrap_or_default().to_owned();
                    let messages = value["messages"].as_array().cloned().unwrap_or_default();
                    let shape = to.len() == 33
                        && to.starts_with('U')
                        && (1..=5).contains(&messages.len())
                        && messages.iter().all(|m| {
                            m["type"] == "text"
                                && m["text"]
                                    .as_str()
                                    .is_some_and(|t| !t.is_empty() && t.chars().count() <= 5000)
                        })
                        && value.as_object().is_some_and(|o| {
                            o.keys().all(|k| {
                                ["to", "messages", "notificationDisabled"].contains(&k.as_str())
                            })
                        });
                    if !shape {
                        return refuse(format!("the body's shape: {value}"));
                    }
                    {
                        let mut state = state.lock().expect("line");
                        if state.accepted.iter().any(|p| p.retry_key == key) {
                            state.repeated.push(key);
                            return (
                                StatusCode::CONFLICT,
                                axum::Json(json!({
                                    "message": "The retry key is already accepted",
                                    "sentMessages": [{"id": "1", "quoteToken": "q"}],
                                })),
                            );
                        }
                        state.accepted.push(LinePush {
                            retry_key: key,
                            to,
                            text: messages[0]["text"].as_str().unwrap_or_default().to_owned(),
                        });
                    }
                    tokio::time::sleep(delay).await;
                    (
                        StatusCode::OK,
                        axum::Json(json!({"sentMessages": [{"id": "1", "quoteToken": "q"}]})),
                    )
                }
            }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        LineSink {
            endpoint,
            state,
            _stop: stop,
        }
    }

    pub fn accepted(&self) -> Vec<LinePush> {
        self.state.lock().expect("line").accepted.clone()
    }

    pub fn repeated(&self) -> Vec<String> {
        self.state.lock().expect("line").repeated.clone()
    }

    pub fn refused(&self) -> Vec<String> {
        self.state.lock().expect("line").refused.clone()
    }

    pub fn arrived(&self) -> usize {
        self.state.lock().expect("line").arrived
    }
}
