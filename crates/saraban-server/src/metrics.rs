//! `/metrics` in the Prometheus text format (0.0.4): requests and their
//! latency by route (the matched path, never the raw address), the
//! writers' batches, commits and queue, typesetting, each organisation's
//! newest checkpoint's age, the last scheduled backup's age, and the
//! findings of the audits run in this process.
//!
//! Not public: the scraper shows an administrator's API token (or session),
//! as `Authorization: Bearer …`; checkpoint sizes and organisations' names
//! are for the operator.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::error::ApiError;
use crate::state::{AppState, token_of};

/// Labels: method, route and (for the count) status.
type Labels = Vec<(&'static str, String)>;

fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

/// Latencies by label set, each made with the same buckets.
type Latencies = Family<Labels, Histogram, fn() -> Histogram>;

/// The HTTP side of the metrics, one per application.
#[derive(Debug, Clone)]
pub(crate) struct HttpMetrics {
    requests: Family<Labels, Counter>,
    seconds: Arc<Latencies>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            requests: Family::default(),
            seconds: Arc::new(Family::new_with_constructor(latency)),
        }
    }
}

/// Counts and times each request of a route, by the route's pattern.
pub(crate) async fn track(
    State(metrics): State<HttpMetrics>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let by_route: Labels = vec![("method", method), ("route", route)];
    metrics
        .seconds
        .get_or_create(&by_route)
        .observe(started.elapsed().as_secs_f64());
    let mut by_status = by_route;
    by_status.push(("status", response.status().as_u16().to_string()));
    metrics.requests.get_or_create(&by_status).inc();
    response
}

pub(crate) fn router(metrics: HttpMetrics) -> Router<AppState> {
    Router::new().route(
        "/metrics",
        get(move |state: State<AppState>, headers: HeaderMap| scrape(state, headers, metrics)),
    )
}

async fn scrape(
    State(state): State<AppState>,
    headers: HeaderMap,
    http: HttpMetrics,
) -> Result<Response, ApiError> {
    let token = token_of(&headers).ok_or_else(ApiError::unauthenticated)?;
    let account = state
        .store
        .authenticate(&token, Utc::now())
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if !account.is_admin {
        return Err(ApiError::forbidden("/metrics is for administrators"));
    }
    let now = Utc::now();
    let mut registry = Registry::default();
    registry.register(
        "saraban_http_requests",
        "HTTP requests answered, by method, route and status",
        http.requests.clone(),
    );
    registry.register(
        "saraban_http_request_seconds",
        "Time to answer an HTTP request, by method and route",
        (*http.seconds).clone(),
    );
    let store = &state.store;
    store.operations().register(&mut registry);

    let queue = Gauge::<i64>::default();
    queue.set(store.writer_queue_depth() as i64);
    registry.register(
        "saraban_writer_queue_depth",
        "Transitions waiting for a writer",
        queue,
    );
    let (waiting, failed) = store.notification_queue().await?;
    let notifications_queue = Gauge::<i64>::default();
    notifications_queue.set(waiting);
    registry.register(
        "saraban_notifications_queue_depth",
        "Notifications owed to an outside channel and not yet sent",
        notifications_queue,
    );
    let notifications_failed = Gauge::<i64>::default();
    notifications_failed.set(failed);
    registry.register(
        "saraban_notifications_failed",
        "Notification messages failed for good, waiting for the administrator",
        notifications_failed,
    );
    let checkpoint_age = Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    let checkpoint_size = Family::<Labels, Gauge>::default();
    for (org, size, made_at) in store.newest_checkpoints().await? {
        let labels: Labels = vec![("org", org)];
        checkpoint_age
            .get_or_create(&labels)
            .set(seconds_since(made_at, now));
        checkpoint_size.get_or_create(&labels).set(size as i64);
    }
    registry.register(
        "saraban_checkpoint_age_seconds",
        "Age of each organisation's newest signed checkpoint",
        checkpoint_age,
    );
    registry.register(
        "saraban_checkpoint_size",
        "Events covered by each organisation's newest signed checkpoint",
        checkpoint_size,
    );
    let backup = store.operations().backup_status();
    let backup_age = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    // No backup yet: an age of -1, which an alert on "age > N" also catches
    // with "or absent"; kept simple for the operator's rule.
    backup_age.set(
        backup
            .last_success
            .map_or(-1.0, |at| seconds_since(at, now)),
    );
    registry.register(
        "saraban_backup_age_seconds",
        "Age of the last successful scheduled backup (-1: none yet in this process)",
        backup_age,
    );
    let backup_failing = Gauge::<i64>::default();
    backup_failing.set(i64::from(backup.failure.is_some()));
    registry.register(
        "saraban_backup_failing",
        "1 when the last scheduled backup failed",
        backup_failing,
    );
    let findings = Family::<Labels, Gauge>::default();
    for (org, (count, _)) in store.operations().findings() {
        findings
            .get_or_create(&vec![("org", org)])
            .set(count as i64);
    }
    registry.register(
        "saraban_verify_findings",
        "Findings of the last audit of each organisation run in this process",
        findings,
    );
    let mut text = String::new();
    prometheus_text::encode(&mut text, &registry)
        .map_err(|e| ApiError::from(saraban_store::StoreError::invariant(e.to_string())))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(prometheus_text::CONTENT_TYPE),
        )],
        text,
    )
        .into_response())
}

fn seconds_since(at: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> f64 {
    (now - at).num_milliseconds().max(0) as f64 / 1000.0
}
