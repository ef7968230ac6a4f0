//! `saraban serve`: the HTTP API (and, later, the web application).

use std::path::PathBuf;

use clap::Args;
use saraban_server::{AppState, demo};
use saraban_store::Store;
use serde::Deserialize;

use crate::usage_error::UsageError;

/// Run the server. Settings come from flags, then SARABAN_* environment
/// variables, then the --config file, then the defaults.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Database URL [env: SARABAN_DB] [default: sqlite://saraban.db]
    #[arg(long)]
    db: Option<String>,
    /// A PostgreSQL streaming replica of --db for the inbox, lists,
    /// registers, search and public pages; a client that wrote reads the
    /// primary until the replica has replayed its write [env: SARABAN_READ_DB]
    #[arg(long)]
    read_db: Option<String>,
    /// Address to listen on [env: SARABAN_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long)]
    listen: Option<String>,
    /// The folder of signing keys and checkpoint files [env: SARABAN_KEYS]
    /// [default: beside a SQLite file, FILE.keys; required for PostgreSQL]
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Where PDFs, enclosures and signature images are kept: a folder, or
    /// s3://bucket/prefix (credentials, endpoint and region from AWS_*)
    /// [env: SARABAN_STORE] [default: beside a SQLite file, FILE.content;
    /// required for PostgreSQL]
    #[arg(long)]
    store: Option<String>,
    /// The address the public reaches this server at, printed with the QR
    /// code on issued PDFs for good [env: SARABAN_PUBLIC_URL] [default:
    /// http://LISTEN]. Required unless that is a public address: a
    /// loopback one (127.0.0.1, localhost, ::1) is refused without --demo
    #[arg(long)]
    public_url: Option<String>,
    /// A TOML file with `db`, `listen`, `keys` and `public_url` [env: SARABAN_CONFIG]
    #[arg(long)]
    config: Option<PathBuf>,
    /// Seed the demo organisation (once) and print its sign-ins; allows a
    /// loopback public address (PDFs then verify on this computer only).
    #[arg(long)]
    demo: bool,
    /// Mark the session cookie Secure (behind HTTPS) [env: SARABAN_SECURE_COOKIES]
    #[arg(long)]
    secure_cookies: bool,
    /// The largest enclosure file, in MB [env: SARABAN_ENCLOSURE_FILE_MB] [default: 25]
    #[arg(long)]
    enclosure_file_mb: Option<u64>,
    /// The largest a document's enclosure files may be together, in MB
    /// [env: SARABAN_ENCLOSURE_DOCUMENT_MB] [default: 100]
    #[arg(long)]
    enclosure_document_mb: Option<u64>,
    /// An RFC 3161 timestamp authority (http URL) whose token each issued
    /// PDF's digital signature carries (PAdES B-T) [env: SARABAN_TIMESTAMP_URL]
    /// [default: none, PAdES B-B]
    #[arg(long)]
    timestamp_url: Option<String>,
    /// Send e-mail notifications through this SMTP server:
    /// smtp://[USER[:PASSWORD]@]HOST[:PORT] [env: SARABAN_SMTP_URL]
    /// [default: none, no e-mail]
    #[arg(long)]
    smtp_url: Option<String>,
    /// The From address of notification e-mail [env: SARABAN_MAIL_FROM]
    /// [default: saraban@HOST of --public-url]
    #[arg(long)]
    mail_from: Option<String>,
    /// The LINE Messaging API's address [env: SARABAN_LINE_ENDPOINT]
    /// [default: https://api.line.me]
    #[arg(long)]
    line_endpoint: Option<String>,
    /// Send LINE notifications with this channel access token; better given
    /// by the environment, as SARABAN_LINE_TOKEN [default: none, no LINE]
    #[arg(long)]
    line_token: Option<String>,
    /// How long the notification sender holds a message it is sending, in
    /// seconds, before another try may take it [env: SARABAN_NOTIFY_LEASE_SECS]
    /// [default: 120]
    #[arg(long)]
    notify_lease_secs: Option<u64>,
    /// Back up every period (90s, 30m, 1h, 1d) into --backup-to, the keys
    /// sealed under SARABAN_BACKUP_PASSPHRASE or --backup-passphrase-file
    #[arg(long, requires = "backup_to")]
    backup_every: Option<String>,
    /// The folder scheduled backups go to, one folder each
    #[arg(long, requires = "backup_every")]
    backup_to: Option<PathBuf>,
    /// How many scheduled backups to keep [default: 7]
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..))]
    backup_keep: u16,
    /// A file whose first line is the scheduled backups' passphrase
    #[arg(long)]
    backup_passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    db: Option<String>,
    listen: Option<String>,
    keys: Option<PathBuf>,
    store: Option<String>,
    public_url: Option<String>,
    enclosure_file_mb: Option<u64>,
    enclosure_document_mb: Option<u64>,
    timestamp_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    line_endpoint: Option<String>,
    notify_lease_secs: Option<u64>,
}

fn setting(flag: Option<String>, env: &str, file: Option<String>, default: &str) -> String {
    flag.or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
        .or(file)
        .unwrap_or_else(|| default.to_owned())
}

pub fn run(args: ServeArgs) -> Result<(), UsageError> {
    let config_path = args
        .config
        .clone()
        .or_else(|| std::env::var_os("SARABAN_CONFIG").map(PathBuf::from));
    let file = match &config_path {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                UsageError(format!("--config: cannot read {}: {e}", path.display()))
            })?;
            toml::from_str::<ConfigFile>(&text)
                .map_err(|e| UsageError(format!("--config: {}: {}", path.display(), e.message())))?
        }
        None => ConfigFile::default(),
    };
    let db = setting(args.db, "SARABAN_DB", file.db, "sqlite://saraban.db");
    let content = crate::engine::content_place(
        args.store
            .or_else(|| {
                std::env::var("SARABAN_STORE")
                    .ok()
                    .filter(|v| !v.is_empty())
            })
            .or(file.store)
            .as_deref(),
    )?;
    let listen = setting(args.listen, "SARABAN_LISTEN", file.listen, "127.0.0.1:8080");
    let address: std::net::SocketAddr = listen.parse().map_err(|_| {
        UsageError(format!(
            "--listen: '{listen}' is not an address like 127.0.0.1:8080"
        ))
    })?;
    let keys = args
        .keys
        .or_else(|| std::env::var_os("SARABAN_KEYS").map(PathBuf::from))
        .or(file.keys)
        .or_else(|| saraban_store::default_key_folder(&db));
    let public_url = args
        .public_url
        .or_else(|| {
            std::env::var("SARABAN_PUBLIC_URL")
                .ok()
                .filter(|v| !v.is_empty())
        })
        .or(file.public_url);
    let timestamp_url = args
        .timestamp_url
        .or_else(|| {
            std::env::var("SARABAN_TIMESTAMP_URL")
                .ok()
                .filter(|v| !v.is_empty())
        })
        .or(file.timestamp_url);
    if let Some(url) = &timestamp_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(UsageError(format!(
            "--timestamp-url: '{url}' is not an http:// or https:// address"
        )));
    }
    // Checked before anything starts: an issued PDF prints this address
    // for good, and one only this computer can open helps nobody.
    let printed = printed_address(public_url.as_deref(), address, args.demo)?;
    let megabytes = |flag: Option<u64>, env: &str, file: Option<u64>, default: u64| {
        let text = setting(
            flag.map(|v| v.to_string()),
            env,
            file.map(|v| v.to_string()),
            &default.to_string(),
        );
        text.parse::<u64>()
            .ok()
            .filter(|mb| *mb > 0)
            .map(|mb| mb * 1024 * 1024)
            .ok_or_else(|| UsageError(format!("{env}: '{text}' is not a number of MB")))
    };
    let enclosure_limits = saraban_core::enclosure::Limits {
        file: megabytes(
            args.enclosure_file_mb,
            "SARABAN_ENCLOSURE_FILE_MB",
            file.enclosure_file_mb,
            25,
        )?,
        document: megabytes(
            args.enclosure_document_mb,
            "SARABAN_ENCLOSURE_DOCUMENT_MB",
            file.enclosure_document_mb,
            100,
        )?,
    };
    let schedule = match (&args.backup_every, &args.backup_to) {
        (Some(every), Some(to)) => Some(crate::backup::Schedule {
            every: crate::backup::parse_every(every).ok_or_else(|| {
                UsageError(format!(
                    "--backup-every: '{every}' is not a period like 90s, 30m, 1h or 1d"
                ))
            })?,
            to: to.clone(),
            keep: usize::from(args.backup_keep),
            passphrase: crate::backup::passphrase(args.backup_passphrase_file.as_deref())?,
            database_url: db.clone(),
        }),
        _ => None,
    };
    let sender = sender_settings(
        SenderArgs {
            smtp_url: args.smtp_url,
            mail_from: args.mail_from,
            line_endpoint: args.line_endpoint,
            line_token: args.line_token,
            notify_lease_secs: args.notify_lease_secs,
        },
        SenderFile {
            smtp_url: file.smtp_url.clone(),
            mail_from: file.mail_from.clone(),
            line_endpoint: file.line_endpoint.clone(),
            notify_lease_secs: file.notify_lease_secs,
        },
        public_url.as_deref(),
    )?;
    let secure_cookies = args.secure_cookies
        || std::env::var("SARABAN_SECURE_COOKIES").is_ok_and(|v| v == "1" || v == "true");

    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SARABAN_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start: {e}")))?;
    runtime.block_on(async move {
        let press = saraban_press::TypstPress::default();
        let store = Store::open_with_content(&db, content.as_ref()).await.map_err(|e| {
            UsageError(format!(
                "--db: cannot open {}: {e}",
                saraban_store::redact(&db)
            ))
        })?;
        let store = press.attach(store).with_enclosure_limits(enclosure_limits);
        let read_db = args
            .read_db
            .clone()
            .or_else(|| std::env::var("SARABAN_READ_DB").ok().filter(|v| !v.is_empty()));
        let store = match read_db {
            Some(url) => store.with_read_replica(&url).await.map_err(|e| {
                UsageError(format!(
                    "--read-db: cannot read from {}: {e}",
                    saraban_store::redact(&url)
                ))
            })?,
            None => store,
        };
        tracing::info!(db = %saraban_store::redact(&db), content = %store.content_store().place(), "database ready");
        match &keys {
            Some(keys) => {
                store
                    .use_key_folder(keys)
                    .map_err(|e| UsageError(format!("--keys: {e}")))?;
                for org in store
                    .organisation_ids()
                    .await
                    .map_err(|e| UsageError(e.to_string()))?
                {
                    store
                        .ensure_signing_key(&org)
                        .await
                        .map_err(|e| UsageError(format!("--keys: {e}")))?;
                    // A crash between saving a checkpoint and filing it
                    // leaves it in the database only.
                    let late = store
                        .file_late_checkpoints(&org)
                        .await
                        .map_err(|e| UsageError(format!("--keys: {e}")))?;
                    if !late.is_empty() {
                        tracing::warn!(%org, ?late, "checkpoints filed late");
                    }
                }
                tracing::info!(keys = %keys.display(), "signing checkpoints");
            }
            None => tracing::warn!("no --keys folder: checkpoints are not signed"),
        }
        if args.demo {
            let seeded = demo::seed(&store)
                .await
                .map_err(|e| UsageError(format!("demo: {e}")))?;
            if seeded {
                tracing::info!("seeded the demo organisation {}", demo::ORG);
            }
        }
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| UsageError(format!("--listen: cannot listen on {address}: {e}")))?;
        let url = format!(
            "http://{}",
            listener
                .local_addr()
                .map_err(|e| UsageError(e.to_string()))?
        );
        // Listening on port 0, the default address learns its port here.
        let printed = match printed {
            Printed::Given(url) => url,
            Printed::Listening => url.clone(),
        };
        store.set_public_url(Some(printed.clone()));
        store
            .use_timestamp_authority(timestamp_url.clone())
            .map_err(|e| UsageError(format!("--timestamp-url: {e}")))?;
        println!("saraban is serving at {url}  (open it in a browser; the API is {url}/api/v1)");
        if args.demo {
            let whose = if is_loopback_url(&printed) {
                " (only this computer can open it; --public-url sets the address the public reaches)"
            } else {
                ""
            };
            println!(
                "issued PDFs print the verification address {}/verify/CODE{whose}",
                printed.trim_end_matches('/')
            );
            println!(
                "demo organisation: {} (องค์การบริหารส่วนตำบลวังกระแจะ), password for everyone: {}",
                demo::ORG,
                demo::PASSWORD
            );
            for (user, role) in demo::LOGINS {
                println!("  {user:<10} {role}");
            }
        }
        if let Some(schedule) = schedule {
            tracing::info!(to = %schedule.to.display(), every = ?schedule.every, keep = schedule.keep, "scheduled backups");
            tokio::spawn(crate::backup::run_schedule(store.clone(), schedule));
        }
        // Notifications (issue 18): the sender delivers the outbox.
        tracing::info!(
            email = sender.smtp.is_some(),
            line = sender.line.is_some(),
            "notification sender started"
        );
        saraban_server::sender::spawn(
            store.clone(),
            sender,
            saraban_server::sender::system_clock(),
        );
        let state = AppState {
            store,
            press,
            secure_cookies,
        };
        saraban_server::serve(state, listener, shutdown_signal())
            .await
            .map_err(|e| UsageError(format!("server: {e}")))?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// The verification address issued PDFs will print.
/// The sender's flags, read with their environment variables.
struct SenderArgs {
    smtp_url: Option<String>,
    mail_from: Option<String>,
    line_endpoint: Option<String>,
    line_token: Option<String>,
    notify_lease_secs: Option<u64>,
}

/// The sender's settings in the --config file.
struct SenderFile {
    smtp_url: Option<String>,
    mail_from: Option<String>,
    line_endpoint: Option<String>,
    notify_lease_secs: Option<u64>,
}

fn sender_settings(
    args: SenderArgs,
    file: SenderFile,
    public_url: Option<&str>,
) -> Result<saraban_server::sender::SenderSettings, UsageError> {
    use saraban_server::sender::{LineSettings, SenderSettings, SmtpSettings};
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut settings = SenderSettings::default();
    let smtp_url = args
        .smtp_url
        .or_else(|| env("SARABAN_SMTP_URL"))
        .or(file.smtp_url);
    if let Some(url) = smtp_url {
        let host = public_url
            .and_then(url_host)
            .unwrap_or_else(|| "localhost".into());
        let from = args
            .mail_from
            .or_else(|| env("SARABAN_MAIL_FROM"))
            .or(file.mail_from)
            .unwrap_or_else(|| format!("saraban@{host}"));
        // The address may carry a password: a refusal never repeats it.
        let smtp = SmtpSettings::from_url(&url, &from)
            .map_err(|e| UsageError(format!("--smtp-url: {e}")))?;
        settings.smtp = Some(smtp);
    }
    if let Some(token) = args.line_token.or_else(|| env("SARABAN_LINE_TOKEN")) {
        let endpoint = args
            .line_endpoint
            .or_else(|| env("SARABAN_LINE_ENDPOINT"))
            .or(file.line_endpoint)
            .unwrap_or_else(|| "https://api.line.me".into());
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            return Err(UsageError(format!(
                "--line-endpoint: '{endpoint}' is not an http:// or https:// address"
            )));
        }
        settings.line = Some(LineSettings {
            endpoint,
            token: std::sync::Arc::new(zeroize::Zeroizing::new(token)),
        });
    }
    let lease = setting(
        args.notify_lease_secs.map(|v| v.to_string()),
        "SARABAN_NOTIFY_LEASE_SECS",
        file.notify_lease_secs.map(|v| v.to_string()),
        "120",
    );
    let lease: u64 = lease
        .parse()
        .ok()
        .filter(|secs| *secs >= 2)
        .ok_or_else(|| {
            UsageError(format!(
                "SARABAN_NOTIFY_LEASE_SECS: '{lease}' is not a number of seconds (2 or more)"
            ))
        })?;
    settings.lease = std::time::Duration::from_secs(lease);
    // A short lease (a test's) retries soon too.
    settings.backoff = settings.backoff.min(settings.lease / 4);
    Ok(settings)
}

#[derive(Debug, PartialEq)]
enum Printed {
    /// `--public-url` (or its variable or file setting).
    Given(String),
    /// The server's own address, once it listens.
    Listening,
}

/// Refuses a public address that is not one: malformed, or loopback (or
/// the unspecified 0.0.0.0 of a default taken from `--listen`) without
/// `--demo`. One line, naming `--public-url`.
fn printed_address(
    public_url: Option<&str>,
    listen: std::net::SocketAddr,
    demo: bool,
) -> Result<Printed, UsageError> {
    const HOW: &str = "give the address the public reaches this server at (--public-url https://saraban.example.go.th, or SARABAN_PUBLIC_URL), or --demo to try saraban on this computer";
    match public_url {
        Some(url) => {
            let Some(host) = url_host(url) else {
                return Err(UsageError(format!(
                    "--public-url: '{url}' is not an address like https://saraban.example.go.th"
                )));
            };
            if !demo && is_loopback_host(&host) {
                return Err(UsageError(format!(
                    "--public-url: {url} is loopback, and issued PDFs would print it for good though only this computer can open it; {HOW}"
                )));
            }
            Ok(Printed::Given(url.to_owned()))
        }
        None if !demo && (listen.ip().is_loopback() || listen.ip().is_unspecified()) => {
            let own = match listen.port() {
                0 => format!("http://{}", listen.ip()),
                _ => format!("http://{listen}"),
            };
            Err(UsageError(format!(
                "--public-url is needed: without it issued PDFs would print {own} for good, which the public cannot open; {HOW}"
            )))
        }
        None => Ok(Printed::Listening),
    }
}

/// The host of an `http://` or `https://` address, lower case, without
/// port or brackets; none if it is not such an address.
fn url_host(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    let host = host.trim_end_matches('.');
    (!host.is_empty() && !host.contains(char::is_whitespace)).then(|| host.to_owned())
}

fn is_loopback_url(url: &str) -> bool {
    url_host(url).is_some_and(|host| is_loopback_host(&host))
}

/// localhost and its subdomains, 127.0.0.0/8 however written (127.1),
/// ::1, the unspecified addresses, and IPv4 loopback mapped into IPv6.
fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_unspecified())
        }
        Ok(ip) => ip.is_loopback() || ip.is_unspecified(),
        // Short dotted forms browsers read as IPv4: 127.1, 0.
        Err(_) => {
            host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && (host.split('.').next() == Some("127")
                    || host.split('.').all(|p| p.bytes().all(|b| b == b'0')))
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listen(text: &str) -> std::net::SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn loopback_addresses_are_told_apart() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "HTTPS://LocalHost.:8443/x",
            "http://[::1]:8080/",
            "http://127.1/",
            "http://0.0.0.0:8080",
            "http://[::ffff:127.0.0.1]",
            "http://app.localhost",
            "http://user@127.0.0.2",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://saraban.example.go.th",
            "http://192.168.1.10:8080",
            "https://wangkrachae.go.th/saraban/",
            "http://[2001:db8::1]:8080",
            "http://127.example.org",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn a_loopback_public_address_needs_demo() {
        let local = listen("127.0.0.1:8080");
        let refused = printed_address(None, local, false).unwrap_err().0;
        assert!(refused.contains("--public-url"), "{refused}");
        assert!(printed_address(None, listen("0.0.0.0:8080"), false).is_err());
        assert!(printed_address(Some("http://localhost:8080"), local, false).is_err());
        assert_eq!(
            printed_address(None, local, true).unwrap(),
            Printed::Listening
        );
        assert_eq!(
            printed_address(Some("https://saraban.example.go.th"), local, false).unwrap(),
            Printed::Given("https://saraban.example.go.th".into())
        );
        assert_eq!(
            printed_address(None, listen("192.168.1.10:8080"), false).unwrap(),
            Printed::Listening
        );
        let malformed = printed_address(Some("saraban.example.go.th"), local, true)
            .unwrap_err()
            .0;
        assert!(malformed.contains("--public-url"), "{malformed}");
    }
}
