//! `/health/live` (the process answers) and `/health/ready` (it can do its
//! work: the database answers, its migrations are this build's, the key
//! folder reads, the writers run). Public, as load balancers ask them; they
//! say which condition fails, never why in detail (that goes to the log).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

async fn live() -> Json<serde_json::Value> {
    Json(json!({ "live": true }))
}

async fn ready(State(state): State<AppState>) -> Response {
    let readiness = state.store.readiness().await;
    let status = if readiness.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "ready": readiness.ready(), "checks": readiness })),
    )
        .into_response()
}
