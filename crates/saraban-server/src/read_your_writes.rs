//! Read-your-writes beside a read replica (`--read-db`): a request that
//! changed something is answered with the primary's WAL position in a
//! cookie, and a request that brings the cookie back reads the lists from
//! the replica only once it has replayed that far. Every process on the
//! database can honour it, as the position travels with the client.

use axum::extract::{Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use saraban_store::Lsn;

use crate::state::AppState;

/// The cookie that carries the client's last write position.
pub const COOKIE_NAME: &str = "saraban_lsn";

/// How long a write position is worth keeping: far longer than any
/// replica should lag.
const KEEP_SECONDS: u32 = 600;

fn position_of(headers: &HeaderMap) -> Option<Lsn> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .and_then(|(_, value)| Lsn::parse(value))
}

pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.store.has_read_replica() {
        return next.run(request).await;
    }
    let after = position_of(request.headers());
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut response = saraban_store::read_after(after, next.run(request)).await;
    let changed = response.status().is_success() || response.status().is_redirection();
    if writes && changed {
        match state.store.write_position().await {
            Ok(Some(lsn)) => {
                let cookie = format!(
                    "{COOKIE_NAME}={}; Path=/; Max-Age={KEEP_SECONDS}; HttpOnly; SameSite=Lax{}",
                    lsn.as_str(),
                    if state.secure_cookies { "; Secure" } else { "" }
                );
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "no write position for read-your-writes");
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_position_is_read_from_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("saraban_session=abc; saraban_lsn=0/16B3748; theme=dark"),
        );
        assert_eq!(position_of(&headers).unwrap().as_str(), "0/16B3748");
        headers.insert(COOKIE, HeaderValue::from_static("saraban_lsn=0/16B3748'--"));
        assert!(position_of(&headers).is_none());
        assert!(position_of(&HeaderMap::new()).is_none());
    }
}
