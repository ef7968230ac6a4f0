//! The notification sender (issue 18): a task `saraban serve` starts. Each
//! tick it plans what is due into messages, makes the day's deadline
//! reminders, and delivers every message due — by e-mail over SMTP
//! (`lettre`) and by the LINE Messaging API's push endpoint — with retries
//! and exponential backoff, each try recorded by the store.
//!
//! Exactly once, across a crash: a message is claimed under a lease and
//! marked sent right after the channel took it; one whose sender died is
//! claimed again when its lease runs out, with the same id.
//! - LINE: the id is the `X-Line-Retry-Key`, the same on every try, so
//!   LINE accepts the message once and answers a repeat with 409, which is
//!   taken as sent.
//! - SMTP has no such key. The message is marked sent by one statement right
//!   after the server's 250 to the end of DATA, before QUIT; only a crash in
//!   that window (between the server's reply and the database's commit,
//!   a local round trip) sends it again. Its Message-ID (`<id@saraban>`) is
//!   the same on every try, so a mailbox that drops repeated Message-IDs
//!   shows it once. A try never outlives its lease (the SMTP timeouts are a
//!   third of it), so two senders never hold one message.
//!
//! No secret is logged: neither the LINE channel token, the SMTP password,
//! nor a message's body (which may carry a confirmation link or code).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use saraban_store::{EMAIL, LINE, OutgoingMessage, Store};
use zeroize::Zeroizing;

/// Where e-mail goes: an SMTP server (plain SMTP, on the organisation's
/// network or a relay it trusts), and who it is from.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<Arc<Zeroizing<String>>>,
    /// The From address, e.g. "สารบรรณ อบต.วังกระแจะ <saraban@wangkrachae.go.th>".
    pub from: String,
    /// The name this host gives in EHLO.
    pub hello: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpSettings {
    /// From `smtp://[user[:password]@]host[:port]` (port 25 by default).
    pub fn from_url(url: &str, from: &str) -> Result<SmtpSettings, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| "an SMTP address starts with smtp://".to_owned())?;
        let rest = rest.trim_end_matches('/');
        let (credentials, host_port) = match rest.rsplit_once('@') {
            Some((credentials, host_port)) => (Some(credentials), host_port),
            None => (None, rest),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host_port.starts_with('[') => (
                host.trim_start_matches('[').trim_end_matches(']'),
                port.parse::<u16>()
                    .map_err(|_| format!("'{port}' is not a port"))?,
            ),
            _ => (host_port, 25),
        };
        if host.is_empty() {
            return Err("the SMTP address names no host".into());
        }
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(text)
                .decode_utf8_lossy()
                .into_owned()
        };
        let (user, password) = match credentials {
            Some(credentials) => match credentials.split_once(':') {
                Some((user, password)) => (
                    Some(decode(user)),
                    Some(Arc::new(Zeroizing::new(decode(password)))),
                ),
                None => (Some(decode(credentials)), None),
            },
            None => (None, None),
        };
        from.parse::<lettre::message::Mailbox>()
            .map_err(|e| format!("the From address '{from}': {e}"))?;
        Ok(SmtpSettings {
            host: host.to_owned(),
            port,
            user,
            password,
            from: from.to_owned(),
            hello: "saraban".to_owned(),
        })
    }
}

/// The LINE Messaging API: its address and the channel access token.
#[derive(Clone)]
pub struct LineSettings {
    /// https://api.line.me, or another that speaks the same API.
    pub endpoint: String,
    pub token: Arc<Zeroizing<String>>,
}

impl LineSettings {
    pub fn new(endpoint: impl Into<String>, token: impl Into<String>) -> LineSettings {
        LineSettings {
            endpoint: endpoint.into(),
            token: Arc::new(Zeroizing::new(token.into())),
        }
    }
}

impl std::fmt::Debug for LineSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSettings")
            .field("endpoint", &self.endpoint)
            .field("token", &"(secret)")
            .finish()
    }
}

/// Gives the time: the real one, or a test's.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The real time.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

#[derive(Debug, Clone)]
pub struct SenderSettings {
    pub smtp: Option<SmtpSettings>,
    pub line: Option<LineSettings>,
    /// How often it looks for work.
    pub tick: Duration,
    /// How long a claimed message is held before another sender may take
    /// it; each try's timeouts are a third of it.
    pub lease: Duration,
    /// Tries before a message fails for good.
    pub max_attempts: u32,
    /// The first retry's wait, doubled each try up to `backoff_max`.
    pub backoff: Duration,
    pub backoff_max: Duration,
}

impl Default for SenderSettings {
    fn default() -> Self {
        SenderSettings {
            smtp: None,
            line: None,
            tick: Duration::from_secs(1),
            lease: Duration::from_secs(120),
            max_attempts: 8,
            backoff: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
        }
    }
}

impl SenderSettings {
    fn channels(&self) -> Vec<&'static str> {
        let mut channels = Vec::new();
        if self.smtp.is_some() {
            channels.push(EMAIL);
        }
        if self.line.is_some() {
            channels.push(LINE);
        }
        channels
    }

    /// When try `attempt` (from 1) that failed is tried again.
    pub fn retry_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.backoff.saturating_mul(factor).min(self.backoff_max)
    }

    fn timeout(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(500))
    }
}

/// How one try ended.
enum Outcome {
    Sent(String),
    /// Worth trying again.
    Transient(String),
    /// Never going to work (a refused address, a wrong token).
    Permanent(String),
}

/// Starts the sender; it runs until the process ends.
pub fn spawn(store: Store, settings: SenderSettings, clock: Clock) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let settings = Arc::new(settings);
        let http = match http_client(&settings) {
            Ok(client) => client,
            Err(error) => {
                tracing::error!("notification sender not started: {error}");
                return;
            }
        };
        loop {
            if let Err(error) = run_once(&store, &settings, &http, clock()).await {
                tracing::warn!("notification sender: {error}");
            }
            tokio::time::sleep(settings.tick).await;
        }
    })
}

/// The HTTP client LINE is reached with.
pub fn http_client(settings: &SenderSettings) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(settings.timeout())
        .build()
        .map_err(|e| e.to_string())
}

/// One round at `now`: plans what is due, makes the day's reminders, and
/// delivers every message due. Returns how many messages were sent.
pub async fn run_once(
    store: &Store,
    settings: &Arc<SenderSettings>,
    http: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<usize, saraban_store::StoreError> {
    store.remind_deadlines(now).await?;
    store.plan_messages(now).await?;
    let channels = settings.channels();
    let mut sent = 0;
    let lease = chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::minutes(2));
    while let Some(message) = store.claim_message(now, now + lease, &channels).await? {
        let outcome = match message.channel.as_str() {
            EMAIL => match &settings.smtp {
                Some(smtp) => send_email(store, smtp, settings.timeout(), &message).await,
                None => Outcome::Transient("e-mail is not configured".into()),
            },
            LINE => match &settings.line {
                Some(line) => send_line(http, line, &message).await,
                None => Outcome::Transient("LINE is not configured".into()),
            },
            other => Outcome::Permanent(format!("unknown channel {other}")),
        };
        match outcome {
            Outcome::Sent(detail) => {
                // E-mail was marked sent already, before QUIT.
                if message.channel != EMAIL {
                    store.message_sent(&message, now, &detail).await?;
                }
                tracing::info!(message = %message.id, channel = %message.channel, attempt = message.attempt, "notification sent");
                sent += 1;
            }
            Outcome::Transient(error) if message.attempt < settings.max_attempts => {
                let wait = settings.retry_after(message.attempt);
                let retry_at = now + chrono::Duration::from_std(wait).unwrap_or_default();
                tracing::warn!(message = %message.id, channel = %message.channel, attempt = message.attempt, "notification not sent, tried again later: {error}");
                store
                    .message_failed(&message, now, &error, Some(retry_at))
                    .await?;
            }
            Outcome::Transient(error) | Outcome::Permanent(error) => {
                tracing::error!(message = %message.id, channel = %message.channel, attempt = message.attempt, "notification failed for good: {error}");
                store.message_failed(&message, now, &error, None).await?;
            }
        }
    }
    Ok(sent)
}

/// LINE's push endpoint: `POST {endpoint}/v2/bot/message/push`.
async fn send_line(
    http: &reqwest::Client,
    line: &LineSettings,
    message: &OutgoingMessage,
) -> Outcome {
    let text: String = format!("{}\n\n{}", message.subject, message.body)
        .chars()
        .take(5000)
        .collect();
    let body = serde_json::json!({
        "to": message.address,
        "messages": [{"type": "text", "text": text}],
    });
    let url = format!(
        "{}/v2/bot/message/push",
        line.endpoint.trim_end_matches('/')
    );
    let answer = http
        .post(url)
        .bearer_auth(line.token.as_str())
        .header("X-Line-Retry-Key", message.id.as_str())
        .json(&body)
        .send()
        .await;
    match answer {
        Ok(response) => {
            let status = response.status();
            let request_id = response
                .headers()
                .get("x-line-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            match status.as_u16() {
                200..=299 => Outcome::Sent(format!("{status} {request_id}")),
                // Accepted by an earlier try with the same retry key.
                409 => Outcome::Sent(format!("409: accepted before ({request_id})")),
                429 | 500..=599 => Outcome::Transient(format!("LINE answered {status}")),
                _ => Outcome::Permanent(format!("LINE answered {status}")),
            }
        }
        // The error's text names the address, never the token.
        Err(error) => Outcome::Transient(format!("LINE not reached: {}", error.without_url())),
    }
}

/// Sends one e-mail and, as soon as the server has taken it, marks it sent.
async fn send_email(
    store: &Store,
    smtp: &SmtpSettings,
    timeout: Duration,
    message: &OutgoingMessage,
) -> Outcome {
    let email = match build_email(smtp, message) {
        Ok(email) => email,
        Err(error) => return Outcome::Permanent(error),
    };
    let smtp = smtp.clone();
    let store = store.clone();
    let owned = message.clone();
    let handle = tokio::runtime::Handle::current();
    let outcome = tokio::task::spawn_blocking(move || {
        use lettre::transport::smtp::authentication::{Credentials, Mechanism};
        use lettre::transport::smtp::client::SmtpConnection;
        use lettre::transport::smtp::extension::ClientId;
        let hello = ClientId::Domain(smtp.hello.clone());
        let mut connection = match SmtpConnection::connect(
            (smtp.host.as_str(), smtp.port),
            Some(timeout),
            &hello,
            None,
            None,
        ) {
            Ok(connection) => connection,
            Err(error) => return smtp_failure("connect", &error),
        };
        if let (Some(user), Some(password)) = (&smtp.user, &smtp.password) {
            let credentials = Credentials::new(user.clone(), password.as_str().to_owned());
            if let Err(error) = connection.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
            {
                return smtp_failure("auth", &error);
            }
        }
        let response = match connection.send(email.envelope(), &email.formatted()) {
            Ok(response) => response,
            Err(error) => return smtp_failure("send", &error),
        };
        // Taken: recorded before anything else, so a crash from here on
        // cannot send it again.
        let detail = response.message().collect::<Vec<_>>().join(" ");
        let marked = handle.block_on(store.message_sent(&owned, Utc::now(), &detail));
        let _ = connection.quit();
        match marked {
            Ok(()) => Outcome::Sent(detail),
            // Sent, but not recorded: retried, so perhaps sent twice; said.
            Err(error) => Outcome::Transient(format!("sent, but not recorded: {error}")),
        }
    })
    .await;
    outcome.unwrap_or_else(|e| Outcome::Transient(format!("the sending task failed: {e}")))
}

fn smtp_failure(step: &str, error: &lettre::transport::smtp::Error) -> Outcome {
    let text = format!("SMTP {step}: {error}");
    if error.is_permanent() {
        Outcome::Permanent(text)
    } else {
        Outcome::Transient(text)
    }
}

/// The e-mail of a message: Thai subject (RFC 2047), plain UTF-8 text, and
/// a Message-ID that is the message's id on every try.
pub fn build_email(
    smtp: &SmtpSettings,
    message: &OutgoingMessage,
) -> Result<lettre::Message, String> {
    use lettre::message::header::ContentType;
    let from: lettre::message::Mailbox = smtp
        .from
        .parse()
        .map_err(|e| format!("the From address: {e}"))?;
    let to: lettre::message::Mailbox = message
        .address
        .parse()
        .map_err(|e| format!("the address {}: {e}", message.address))?;
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(format!("<{}@saraban>", message.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_smtp_address_reads() {
        let s = SmtpSettings::from_url("smtp://127.0.0.1:2525", "saraban@example.go.th").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.user.is_none()),
            ("127.0.0.1", 2525, true)
        );
        let s = SmtpSettings::from_url("smtp://mail%40x:p%3Ass@mail.example.go.th", "a@b.go.th")
            .unwrap();
        assert_eq!(s.host, "mail.example.go.th");
        assert_eq!(s.port, 25);
        assert_eq!(s.user.as_deref(), Some("mail@x"));
        assert_eq!(s.password.as_ref().map(|p| p.as_str()), Some("p:ss"));
        assert!(
            !format!("{s:?}").contains("p:ss"),
            "the password is never shown"
        );
        assert!(SmtpSettings::from_url("http://x", "a@b.go.th").is_err());
        assert!(SmtpSettings::from_url("smtp://x", "not an address").is_err());
    }

    #[test]
    fn the_token_is_never_shown() {
        let line = LineSettings {
            endpoint: "https://api.line.me".into(),
            token: Arc::new(Zeroizing::new("sekret-token".into())),
        };
        assert!(!format!("{line:?}").contains("sekret"));
    }

    #[test]
    fn retries_back_off_exponentially_up_to_a_cap() {
        let settings = SenderSettings::default();
        assert_eq!(settings.retry_after(1), Duration::from_secs(30));
        assert_eq!(settings.retry_after(2), Duration::from_secs(60));
        assert_eq!(settings.retry_after(4), Duration::from_secs(240));
        assert_eq!(settings.retry_after(20), Duration::from_secs(3600));
    }
}
