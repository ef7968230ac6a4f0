//! Search over the API: `GET /search?q=…` with its filters, each refused
//! naming its field. The web page reads the same parameters.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use saraban_core::document::Urgency;
use saraban_core::workflow::State as DocState;
use saraban_store::{MAX_SEARCH_LIMIT, SearchQuery, SearchResults};
use serde::Deserialize;

use crate::api::{Actor, query};
use crate::error::ApiError;
use crate::state::{AppState, buddhist_year};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

/// The results a page shows unless asked for another number.
pub(crate) const DEFAULT_LIMIT: u32 = 20;

/// What to find, as the address says it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The words to find: subject, body, table cells, enclosure titles,
    /// register number (`๔๙๐/๒๕๖๗`, `490/2567`, `490`), a received
    /// letter's sender's number, the names of the people involved. Thai
    /// or Arabic digits alike; every word must be found.
    #[serde(default)]
    #[param(value_type = String, required = true, min_length = 1, pattern = r"^[^\u0000]*[^\s\u0000\u200b-\u200d\u2060\ufeff][^\u0000]*$")]
    pub(crate) q: Option<String>,
    /// memo, order, letter, stamped, announcement, incoming.
    #[serde(default)]
    #[param(pattern = "^(memo|order|letter|stamped|announcement|incoming)?$")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<crate::api::StateName>)]
    pub(crate) state: Option<String>,
    /// A register's id.
    #[serde(default)]
    #[param(pattern = r"^[^\u0000]*$")]
    pub(crate) register: Option<String>,
    /// A B.E. year (Thai digits are read too): the register's year, or
    /// the year of the date the document bears.
    #[serde(default)]
    #[param(value_type = Option<i32>, minimum = 2443, maximum = 3542)]
    pub(crate) year: Option<String>,
    /// The date it bears (a received letter: received) from, ISO.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub(crate) from: Option<String>,
    /// … to, ISO, inclusive.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub(crate) to: Option<String>,
    /// ด่วน, ด่วนมาก or ด่วนที่สุด (urgent, very_urgent, most_urgent).
    #[serde(default)]
    #[param(pattern = "^(ด่วน|ด่วนมาก|ด่วนที่สุด|urgent|very_urgent|most_urgent)?$")]
    pub(crate) urgency: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub(crate) limit: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 0, default = 0)]
    pub(crate) offset: Option<String>,
}

const KINDS: [&str; 6] = [
    "memo",
    "order",
    "letter",
    "stamped",
    "announcement",
    "incoming",
];

/// A parameter that does not read: its name and why, in Thai.
pub(crate) type Refused = (&'static str, String);

/// An empty parameter is as if absent (a form sends every field).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl SearchParams {
    /// The store's query, or the first parameter that does not read.
    pub(crate) fn to_query(&self) -> Result<SearchQuery, Refused> {
        let text = given(&self.q).unwrap_or_default().to_owned();
        if saraban_core::search::normalise(&text).is_empty() {
            return Err(("q", "พิมพ์คำที่ต้องการค้นหา".into()));
        }
        let kind = given(&self.kind)
            .map(|kind| {
                KINDS.contains(&kind).then(|| kind.to_owned()).ok_or((
                    "kind",
                    format!("ไม่มีชนิดเอกสาร '{kind}': {}", KINDS.join(", ")),
                ))
            })
            .transpose()?;
        let state = given(&self.state)
            .map(|name| {
                DocState::from_parts(name, 0).ok_or(("state", format!("ไม่มีสถานะ '{name}'")))
            })
            .transpose()?;
        let year = given(&self.year)
            .map(|year| {
                buddhist_year(year)
                    .map(i64::from)
                    .ok_or(("year", "ปี พ.ศ. เช่น 2568".into()))
            })
            .transpose()?;
        let date = |field: &'static str, value: &Option<String>| {
            given(value)
                .map(|text| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .map_err(|_| (field, "วันที่แบบ ค.ศ. ปี-เดือน-วัน เช่น 2025-04-09".into()))
                })
                .transpose()
        };
        let from = date("from", &self.from)?;
        let to = date("to", &self.to)?;
        let urgency = given(&self.urgency)
            .map(|text| {
                serde_json::from_value::<Urgency>(serde_json::Value::String(text.to_owned()))
                    .map_err(|_| ("urgency", "ด่วน, ด่วนมาก หรือ ด่วนที่สุด".into()))
            })
            .transpose()?;
        let number = |field: &'static str, value: &Option<String>, least: u32, most: u32| {
            given(value)
                .map(|text| {
                    saraban_core::thai::parse_number(text)
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|n| (least..=most).contains(n))
                        .ok_or((field, format!("จำนวนตั้งแต่ {least} ถึง {most}")))
                })
                .transpose()
        };
        Ok(SearchQuery {
            text,
            kind,
            state,
            register: given(&self.register).map(str::to_owned),
            year,
            from,
            to,
            urgency,
            limit: number("limit", &self.limit, 1, MAX_SEARCH_LIMIT)?.unwrap_or(DEFAULT_LIMIT),
            offset: number("offset", &self.offset, 0, u32::MAX)?.unwrap_or(0),
        })
    }
}

/// Documents of my organisation that I may read, found by their words,
/// numbers and people; ranked (the number asked for, then the subject,
/// then the rest; newer first), with where each matched. `total` counts
/// only what I may read.
#[utoipa::path(get, path = "/search", params(SearchParams), tag = "documents",
    responses((status = 200, body = SearchResults),
        (status = 400, description = "A parameter that does not read (`bad_query`, naming it), or no words to find (field `q`)", body = ApiError),
        (status = 401, body = ApiError), (status = 403, description = "No position today", body = ApiError)))]
pub(crate) async fn search(
    State(state): State<AppState>,
    actor: Actor,
    raw: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SearchResults>, ApiError> {
    actor.may_read_documents()?;
    let params = query(raw)?;
    let asked = params.to_query().map_err(|(field, message)| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_query", message).field(field)
    })?;
    Ok(Json(state.store.search(&actor.0, &asked).await?))
}
