//! What every request meets before a handler: addresses with U+0000 or
//! bytes that are not UTF-8 refused, cookie-carrying unsafe requests from
//! another site refused, JSON bodies that must say they are JSON and hold
//! no U+0000, and an error body that is always the JSON error.

use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, COOKIE, HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::ApiError;

/// Refuses what no handler should see: a path or query holding U+0000
/// (PostgreSQL cannot store it) or bytes that are not UTF-8, and an unsafe
/// request carrying cookies from another site.
pub(crate) async fn guard(request: Request, next: Next) -> Response {
    if let Err(refused) = check_address(request.uri()) {
        return refused.into_response();
    }
    let authority = request.uri().authority().map(|a| a.as_str().to_owned());
    if let Err(refused) = check_origin(request.method(), request.headers(), authority.as_deref()) {
        return refused.into_response();
    }
    next.run(request).await
}

fn check_address(uri: &axum::http::Uri) -> Result<(), ApiError> {
    let decoded = |text: &str, field: &str| -> Result<(), ApiError> {
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(text).collect();
        match String::from_utf8(bytes) {
            Ok(text) if text.contains('\0') => Err(ApiError::bad_request(
                field,
                "must not contain the character U+0000",
            )),
            Ok(_) => Ok(()),
            Err(_) => Err(ApiError::bad_request(field, "must be UTF-8")),
        }
    };
    decoded(uri.path(), "path")?;
    // A query's `+` is a space; only its escapes matter here.
    decoded(uri.query().unwrap_or_default(), "query")
}

/// An unsafe request that carries cookies (a session, or the sign-in
/// form's) is the site's own only when the browser says so: no
/// `Sec-Fetch-Site: cross-site`, and an `Origin`, when sent, naming this
/// host. API clients with a bearer token and no cookies are not browsers'
/// ambient credentials and pass.
fn check_origin(
    method: &Method,
    headers: &HeaderMap,
    // HTTP/2 names the host here rather than in a Host header.
    uri_authority: Option<&str>,
) -> Result<(), ApiError> {
    if method.is_safe() || !headers.contains_key(COOKIE) {
        return Ok(());
    }
    let refused = || {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "a request from another site may not act with this site's cookies",
        )
        .field("Origin"))
    };
    if headers
        .get("sec-fetch-site")
        .is_some_and(|site| site.as_bytes().eq_ignore_ascii_case(b"cross-site"))
    {
        return refused();
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let Some(authority) = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, authority)| authority.trim_end_matches('/'))
    else {
        // "null" (a sandboxed frame, a file) or garbage: not this site.
        return refused();
    };
    // Behind a proxy that rewrites Host, X-Forwarded-Host names the site;
    // a browser cannot set it on a cross-site request without a preflight,
    // which this server never grants.
    let ours = [HOST.as_str(), "x-forwarded-host"]
        .iter()
        .filter_map(|name| headers.get(*name))
        .filter_map(|value| value.to_str().ok())
        .chain(uri_authority)
        .any(|host| host.eq_ignore_ascii_case(authority));
    if ours { Ok(()) } else { refused() }
}

/// Whether a request says its body is JSON (`application/json`, or an
/// `application/…+json` type), parameters aside.
fn says_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|essence| {
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "the body must be JSON, sent with Content-Type: application/json",
    )
    .field("Content-Type")
}

/// A JSON body must be declared as one. An empty body (an action without
/// text) may come with no Content-Type at all, but not with another one.
pub(crate) fn check_json_type(headers: &HeaderMap, body_is_empty: bool) -> Result<(), ApiError> {
    if says_json(headers) || (body_is_empty && !headers.contains_key(CONTENT_TYPE)) {
        Ok(())
    } else {
        Err(unsupported_media_type())
    }
}

/// A body read as bytes, its failures (too large, cut off) as JSON errors.
pub(crate) fn body_bytes(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::body::Bytes, ApiError> {
    body.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_request"
        };
        ApiError::new(e.status(), code, e.body_text()).field("body")
    })
}

/// The path of the first string (or key) in `value` that holds U+0000,
/// as the document's errors name paths: `body[3].text`.
pub(crate) fn nul_path(value: &Value) -> Option<String> {
    fn walk(value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(text) if text.contains('\0') => Some(path.to_owned()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.contains('\0') {
                    Some(inner)
                } else {
                    walk(item, &inner)
                }
            }),
            _ => None,
        }
    }
    walk(value, "").map(|path| if path.is_empty() { "body".into() } else { path })
}

/// Refuses a JSON body holding U+0000 anywhere, naming where.
pub(crate) fn check_no_nul(bytes: &[u8]) -> Result<(), ApiError> {
    // Only an escape can put U+0000 in JSON text; skip the parse otherwise.
    if !bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        // Malformed: the typed parse will say where.
        return Ok(());
    };
    match nul_path(&value) {
        Some(path) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("{path}: must not contain the character U+0000"),
        )
        .field(path)),
        None => Ok(()),
    }
}

/// Every error the API answers is the JSON error: one that a layer below
/// the handlers wrote as text (an unknown method, a path or query axum
/// could not read) is rewritten with a code for its status.
pub(crate) async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let (code, fallback) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such endpoint"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this method is not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "the body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "unsupported body type"),
        s if s.is_server_error() => ("internal", "internal error"),
        _ => ("bad_request", "bad request"),
    };
    let message = if text.trim().is_empty() || status.is_server_error() {
        fallback.to_owned()
    } else {
        text
    };
    let mut answer = ApiError::new(status, code, message).into_response();
    // Keep what the answer said besides its body (Allow, Retry-After).
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

/// The network address a request came from, when the server was started
/// with it (`serve`); what the sign-in limit per address counts.
#[derive(Debug, Clone)]
pub(crate) struct Peer(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string()),
        ))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .is_some_and(|value| value == HeaderValue::from_static("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_string_with_nul_is_named() {
        assert_eq!(
            nul_path(&json!({ "a": "ok", "b": ["x", "y\u{0}"] })).as_deref(),
            Some("b[1]")
        );
        assert_eq!(nul_path(&json!({ "a\u{0}": 1 })).as_deref(), Some("a\u{0}"));
        assert_eq!(nul_path(&json!("\u{0}")).as_deref(), Some("body"));
        assert_eq!(nul_path(&json!({ "a": { "b": "c" } })), None);
        assert!(
            check_no_nul(br#"{"a":"\\u0000"}"#).is_ok(),
            "an escaped backslash"
        );
        let refused = check_no_nul(br#"{"org":"a\u0000"}"#).unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("org"));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn cookies_act_only_from_their_own_site() {
        let post = Method::POST;
        let own = headers(&[
            ("cookie", "s=1"),
            ("host", "a.example:8080"),
            ("origin", "https://a.example:8080"),
        ]);
        assert!(check_origin(&post, &own, None).is_ok());
        let foreign = headers(&[
            ("cookie", "s=1"),
            ("host", "a.example"),
            ("origin", "https://evil.example"),
        ]);
        assert!(check_origin(&post, &foreign, None).is_err());
        assert!(
            check_origin(&Method::GET, &foreign, None).is_ok(),
            "reading is safe"
        );
        let null = headers(&[("cookie", "s=1"), ("host", "a.example"), ("origin", "null")]);
        assert!(check_origin(&post, &null, None).is_err());
        let cross = headers(&[
            ("cookie", "s=1"),
            ("host", "a.example"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(check_origin(&post, &cross, None).is_err());
        let bearer = headers(&[
            ("authorization", "Bearer x"),
            ("origin", "https://evil.example"),
        ]);
        assert!(
            check_origin(&post, &bearer, None).is_ok(),
            "no ambient credential"
        );
        let proxied = headers(&[
            ("cookie", "s=1"),
            ("host", "backend:8080"),
            ("x-forwarded-host", "a.example"),
            ("origin", "https://a.example"),
        ]);
        assert!(check_origin(&post, &proxied, None).is_ok());
        let http2 = headers(&[("cookie", "s=1"), ("origin", "https://a.example")]);
        assert!(check_origin(&post, &http2, Some("a.example")).is_ok());
        assert!(check_origin(&post, &http2, Some("b.example")).is_err());
    }

    #[test]
    fn json_must_say_so() {
        assert!(
            check_json_type(
                &headers(&[("content-type", "application/json; charset=utf-8")]),
                false
            )
            .is_ok()
        );
        assert!(
            check_json_type(
                &headers(&[("content-type", "application/merge-patch+json")]),
                false
            )
            .is_ok()
        );
        assert!(check_json_type(&headers(&[("content-type", "text/plain")]), false).is_err());
        assert!(check_json_type(&headers(&[("content-type", "text/plain")]), true).is_err());
        assert!(check_json_type(&headers(&[]), true).is_ok());
        assert!(check_json_type(&headers(&[]), false).is_err());
    }

    #[test]
    fn addresses_with_nul_or_broken_utf8_are_refused() {
        let uri = |text: &'static str| axum::http::Uri::from_static(text);
        assert!(check_address(&uri("/api/v1/orgs/%00/checkpoint")).is_err());
        assert!(check_address(&uri("/api/v1/orgs/%FF/checkpoint")).is_err());
        assert!(check_address(&uri("/api/v1/documents?state=%00")).is_err());
        assert!(check_address(&uri("/api/v1/orgs/%E0%B8%81/checkpoint")).is_ok());
        assert!(check_address(&uri("/api/v1/orgs/%2500/checkpoint")).is_ok());
    }
}
