//! ค้นหาเอกสาร: the results of the header's search box, with the filters of
//! the API (`GET /search?q=…`, the same parameters), each result's place
//! of match marked; digits in the organisation's style.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use saraban_core::DigitStyle;
use saraban_store::{SearchHit, SearchResults};

use super::common::{WebUser, digits_of, failure, page};
use super::dates::{date_parts, iso_of_parts};
use super::words;
use crate::search::SearchParams;
use crate::state::AppState;

const KINDS: [(&str, &str); 7] = [
    ("", "ทุกชนิด"),
    ("memo", "บันทึกข้อความ"),
    ("order", "คำสั่ง"),
    ("letter", "หนังสือภายนอก"),
    ("stamped", "หนังสือประทับตรา"),
    ("announcement", "ประกาศ"),
    ("incoming", "หนังสือรับ"),
];

const URGENCIES: [(&str, &str); 4] = [
    ("", "ทุกชั้นความเร็ว"),
    ("ด่วน", "ด่วน"),
    ("ด่วนมาก", "ด่วนมาก"),
    ("ด่วนที่สุด", "ด่วนที่สุด"),
];

pub(crate) async fn page_route(
    State(state): State<AppState>,
    user: WebUser,
    raw: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(refused) = user.may_read_documents() {
        return refused;
    }
    let params = params_of(&raw.map(|Query(p)| p).unwrap_or_default());
    let digits = digits_of(&state, &user).await;
    let asked = params.q.as_deref().unwrap_or_default();
    let outcome = if asked.trim().is_empty() {
        None
    } else {
        Some(match params.to_query() {
            Ok(query) => match state.store.search(&user.account, &query).await {
                Ok(results) => Ok((query.offset, query.limit, results)),
                Err(error) => return failure(error),
            },
            Err((field, message)) => Err((field, message)),
        })
    };
    let content = html! {
        h1 { "ค้นหาเอกสาร" }
        (filters(&params, digits))
        @match &outcome {
            None => p { "พิมพ์เรื่อง เลขที่หนังสือ (เช่น ๔๙๐/๒๕๖๗) ข้อความในเอกสาร หรือชื่อผู้เกี่ยวข้อง" }
            Some(Err((field, message))) => p.error role="alert" #search-error data-field=(field) { (message) }
            Some(Ok((offset, limit, results))) => (results_list(results, &params, *offset, *limit, digits))
        }
    };
    page(StatusCode::OK, "ค้นหาเอกสาร", Some(&user), content)
}

/// The API's parameters from the page's form: its dates come as a day, a
/// Thai month and a B.E. year (or, from a link, as ISO). A parameter that
/// is not ours is left out, as a form's would be.
fn params_of(pairs: &[(String, String)]) -> SearchParams {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let date = |name: &str| {
        let part = |part: &str| get(&format!("{name}.{part}")).unwrap_or_default();
        let iso = iso_of_parts(&part("day"), &part("month"), &part("year"));
        if iso.is_empty() { get(name) } else { Some(iso) }
    };
    SearchParams {
        q: get("q"),
        kind: get("kind"),
        state: get("state"),
        register: get("register"),
        year: get("year"),
        from: date("from"),
        to: date("to"),
        urgency: get("urgency"),
        limit: get("limit"),
        offset: get("offset"),
    }
}

fn selected_of(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

fn filters(params: &SearchParams, digits: DigitStyle) -> Markup {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    html! {
        form.search-filters method="get" action="/search" {
            p {
                label for="q" { "คำค้น" }
                input #q type="search" name="q" value=(text(&params.q)) required;
            }
            p {
                label for="kind" { "ชนิด" }
                select #kind name="kind" {
                    @for (value, name) in KINDS {
                        option value=(value) selected[selected_of(&params.kind) == value] { (name) }
                    }
                }
            }
            p {
                label for="urgency" { "ชั้นความเร็ว" }
                select #urgency name="urgency" {
                    @for (value, name) in URGENCIES {
                        option value=(value) selected[selected_of(&params.urgency) == value] { (name) }
                    }
                }
            }
            p {
                label for="year" { "ปี พ.ศ." }
                input #year name="year" inputmode="numeric" size="6" value=(text(&params.year));
            }
            div.search-dates {
                span #from-label { "ลงวันที่ตั้งแต่" }
                (date_parts(digits, "from", "from", &text(&params.from), "from-label", false))
            }
            div.search-dates {
                span #to-label { "ถึง" }
                (date_parts(digits, "to", "to", &text(&params.to), "to-label", false))
            }
            p { button type="submit" { "ค้นหา" } }
        }
    }
}

fn results_list(
    results: &SearchResults,
    params: &SearchParams,
    offset: u32,
    limit: u32,
    digits: DigitStyle,
) -> Markup {
    let total = results.total;
    let shown = results.hits.len() as u64;
    let next = u64::from(offset) + shown;
    html! {
        p #search-count {
            "พบ " @if results.more { "มากกว่า " } (digits.number(total)) " ฉบับ"
        }
        ol.search-results {
            @for hit in &results.hits {
                li { (hit_item(hit, digits)) }
            }
        }
        nav.paging aria-label="หน้าผลการค้นหา" {
            @if offset > 0 {
                a rel="prev" href=(page_address(params, offset.saturating_sub(limit))) { "ก่อนหน้า" }
            }
            @if next < total || results.more {
                a rel="next" href=(page_address(params, u32::try_from(next).unwrap_or(u32::MAX))) { "ถัดไป" }
            }
        }
    }
}

fn hit_item(hit: &SearchHit, digits: DigitStyle) -> Markup {
    html! {
        article.search-hit {
            h2 {
                a href=(format!("/doc/{}", hit.id)) { (digits.typed(&hit.subject)) }
            }
            p.meta {
                (words::kind_name(&hit.kind))
                @if let Some(number) = &hit.printed_number { " · " (number) }
                " · " (words::iso_date(&hit.dated, false, digits))
                " · " (hit.state_thai)
                @if let Some(urgency) = &hit.urgency { " · " strong.urgency { (urgency) } }
                @if let Some(secrecy) = &hit.secrecy { " · " strong.secrecy { (secrecy) } }
            }
            p.snippet {
                @for part in &hit.snippet {
                    @if part.matched { mark { (digits.typed(&part.text)) } } @else { (digits.typed(&part.text)) }
                }
            }
        }
    }
}

/// This search's address at another offset.
fn page_address(params: &SearchParams, offset: u32) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("q", &params.q),
        ("kind", &params.kind),
        ("state", &params.state),
        ("register", &params.register),
        ("year", &params.year),
        ("from", &params.from),
        ("to", &params.to),
        ("urgency", &params.urgency),
        ("limit", &params.limit),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            query.append_pair(name, value);
        }
    }
    query.append_pair("offset", &offset.to_string());
    format!("/search?{}", query.finish())
}
