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
    /// Address to listen on [env: SARABAN_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long)]
    listen: Option<String>,
    /// The folder of signing keys and checkpoint files [env: SARABAN_KEYS]
    /// [default: beside a SQLite file, FILE.keys; required for PostgreSQL]
    #[arg(long)]
    keys: Option<PathBuf>,
    /// The address the public reaches this server at, printed with the QR
    /// code on issued PDFs [env: SARABAN_PUBLIC_URL] [default: http://LISTEN]
    #[arg(long)]
    public_url: Option<String>,
    /// A TOML file with `db`, `listen`, `keys` and `public_url` [env: SARABAN_CONFIG]
    #[arg(long)]
    config: Option<PathBuf>,
    /// Seed the demo organisation (once) and print its sign-ins.
    #[arg(long)]
    demo: bool,
    /// Mark the session cookie Secure (behind HTTPS) [env: SARABAN_SECURE_COOKIES]
    #[arg(long)]
    secure_cookies: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    db: Option<String>,
    listen: Option<String>,
    keys: Option<PathBuf>,
    public_url: Option<String>,
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
        let store = Store::open(&db).await.map_err(|e| {
            UsageError(format!(
                "--db: cannot open {}: {e}",
                saraban_store::redact(&db)
            ))
        })?;
        let store = press.attach(store);
        tracing::info!(db = %saraban_store::redact(&db), "database ready");
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
        store.set_public_url(Some(public_url.unwrap_or_else(|| url.clone())));
        println!("saraban is serving at {url}  (open it in a browser; the API is {url}/api/v1)");
        if args.demo {
            println!(
                "demo organisation: {} (องค์การบริหารส่วนตำบลวังกระแจะ), password for everyone: {}",
                demo::ORG,
                demo::PASSWORD
            );
            for (user, role) in demo::LOGINS {
                println!("  {user:<10} {role}");
            }
        }
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
