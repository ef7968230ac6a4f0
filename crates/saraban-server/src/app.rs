//! The whole application: the API under `/api/v1` with its OpenAPI
//! document, the web pages, `/health`; the body limit and one log span per
//! request; serving it until shutdown.

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};

use crate::state::AppState;
use crate::{
    api, edge, enclosures, error, health, incoming, metrics, openapi, retention, search,
    signatures, unit_registers, web,
};

/// The largest request body accepted (a long order with its tables).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// How long a client should wait before retrying a 503.
const RETRY_AFTER_SECONDS: &str = "2";

pub fn router(state: AppState) -> Router {
    let api = api::router()
        .merge(enclosures::router())
        .merge(incoming::router())
        .merge(unit_registers::router())
        .merge(search::router())
        .merge(signatures::router())
        .merge(crate::notify::router())
        .merge(retention::router())
        .route("/openapi.json", get(|| async { Json(openapi::document()) }))
        .layer(axum::middleware::from_fn(edge::json_errors));
    let http = metrics::HttpMetrics::default();
    Router::new()
        .nest("/api/v1", api)
        .merge(web::router())
        .route("/health", get(|| async { "ok" }))
        .merge(health::router())
        .merge(metrics::router(http.clone()))
        // Last of the routes: it counts each of them by its pattern.
        .route_layer(axum::middleware::from_fn_with_state(http, metrics::track))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::read_your_writes::track,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(edge::guard))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// One span per request with its id, so that every log line of it can be
/// found; the outcome is logged when it ends. Bodies, cookies and tokens
/// are never logged.
async fn log_request(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use tracing::Instrument;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path(), user = tracing::field::Empty);
    let started = std::time::Instant::now();
    async move {
        let mut response = error::with_request_id(id.clone(), next.run(request)).await;
        let status = response.status().as_u16();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::error!(status, ms, "answered");
        } else {
            tracing::info!(status, ms, "answered");
        }
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-request-id", value);
        }
        // A 503 is ours and passing (the database busy or restarting): say
        // when to come back, so that clients retry instead of giving up.
        if response.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .entry(axum::http::header::RETRY_AFTER)
                .or_insert(HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        response
    }
    .instrument(span)
    .await
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    async fn answer_of(status: StatusCode) -> reqwest::Response {
        let app = Router::new()
            .route("/", get(move || async move { status }))
            .layer(axum::middleware::from_fn(log_request));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("bound");
        tokio::spawn(async move { axum::serve(listener, app).await });
        reqwest::get(format!("http://{address}/"))
            .await
            .expect("an answer")
    }

    #[tokio::test]
    async fn a_passing_failure_says_when_to_retry_and_others_do_not() {
        let busy = answer_of(StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(busy.status(), 503);
        assert_eq!(busy.headers()["retry-after"], RETRY_AFTER_SECONDS);
        assert!(busy.headers().contains_key("x-request-id"));
        for status in [StatusCode::INTERNAL_SERVER_ERROR, StatusCode::OK] {
            let answer = answer_of(status).await;
            assert!(!answer.headers().contains_key("retry-after"), "{status}");
        }
    }
}
