//! What an organisation publishes, for anyone, without signing in (issue
//! 15, point 8): its board (`/p/{org}`), newest first, filtered by kind and
//! B.E. year; the same as an Atom feed (`/p/{org}/feed.atom`, RFC 4287) for
//! its own website; and the issued PDF of each (`/p/{org}/pdf/{id}`), which
//! is served only while the document is on the board. Each entry also
//! leads to its public check (`/verify/{code}`).

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use saraban_core::workflow::Publicity;
use saraban_core::{DigitStyle, DocumentId, OrgId};
use saraban_store::{Board, BoardEntry, BoardFilter};
use serde::Deserialize;

use super::common::{failure, inline_pdf, message_page, page};
use super::words;
use crate::download::PdfName;
use crate::state::{AppState, buddhist_year};

/// The board's filter as the address gives it. Anything it cannot read
/// is left out of the filter, and the page says so.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Asked {
    kind: Option<String>,
    year: Option<String>,
}

impl Asked {
    /// The filter, and whether part of what was asked could not be read.
    fn filter(&self) -> (BoardFilter, bool) {
        let kind = self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let year = self
            .year
            .as_deref()
            .map(str::trim)
            .filter(|y| !y.is_empty());
        let known_kind = kind.filter(|k| Publicity::KINDS.contains(k));
        let known_year = year.and_then(buddhist_year);
        let unread =
            (kind.is_some() && known_kind.is_none()) || (year.is_some() && known_year.is_none());
        (
            BoardFilter {
                kind: known_kind.map(str::to_owned),
                year: known_year,
            },
            unread,
        )
    }

    /// The query string of the filter, for the feed's own address.
    fn query(filter: &BoardFilter) -> String {
        let mut parts = Vec::new();
        if let Some(kind) = &filter.kind {
            parts.push(format!("kind={kind}"));
        }
        if let Some(year) = filter.year {
            parts.push(format!("year={year}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// Whose board: the organisation's id as the address gives it.
async fn board_of(
    state: &AppState,
    org: &str,
    filter: &BoardFilter,
) -> Result<(OrgId, Board), Response> {
    let unknown = || {
        message_page(
            StatusCode::NOT_FOUND,
            "ไม่พบหน่วยงาน",
            "ไม่มีหน่วยงานนี้ในระบบ โปรดตรวจที่อยู่อีกครั้ง",
        )
    };
    let Ok(org) = OrgId::parse(org) else {
        return Err(unknown());
    };
    match state.store.board(&org, filter).await {
        Ok(Some(board)) => Ok((org, board)),
        Ok(None) => Err(unknown()),
        Err(error) => Err(failure(error)),
    }
}

/// `/p/{org}`: the board.
pub(crate) async fn board_page(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(asked): Query<Asked>,
) -> Response {
    let (filter, unread) = asked.filter();
    let (org, board) = match board_of(&state, &org, &filter).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let title = format!("เอกสารเผยแพร่ · {}", board.organisation);
    page(
        StatusCode::OK,
        &title,
        None,
        board_view(&org, &board, &filter, unread),
    )
}

fn board_view(org: &OrgId, board: &Board, filter: &BoardFilter, unread: bool) -> Markup {
    let digits = board.digits;
    let feed = format!("/p/{org}/feed.atom{}", Asked::query(filter));
    html! {
        h1 #board-title { "เอกสารเผยแพร่" }
        p.lead #board-organisation { (board.organisation) }
        p.hint {
            "ประกาศ คำสั่ง และหนังสือที่หน่วยงานออกและเผยแพร่ต่อสาธารณะ เรียงจากล่าสุด "
            "แต่ละฉบับเปิดไฟล์ PDF ฉบับจริงได้ และตรวจสอบความถูกต้องได้จากหน้าตรวจสอบ"
        }
        form.inline.board-filter #board-filter method="get" action=(format!("/p/{org}")) {
            div.field {
                label for="kind" { "ประเภท" }
                select #kind name="kind" {
                    option value="" selected[filter.kind.is_none()] { "ทุกประเภท" }
                    @for kind in Publicity::KINDS {
                        option value=(kind) selected[filter.kind.as_deref() == Some(kind)] { (words::kind_name(kind)) }
                    }
                }
            }
            div.field {
                label for="year" { "ปี พ.ศ." }
                select #year name="year" {
                    option value="" selected[filter.year.is_none()] { "ทุกปี" }
                    @for year in &board.years {
                        option value=(year) selected[filter.year == Some(*year)] { (digits.number(*year as u64)) }
                    }
                }
            }
            button.primary #board-show type="submit" { "แสดง" }
        }
        @if unread {
            p.alert role="alert" #board-unread { "ตัวกรองที่ระบุในที่อยู่อ่านไม่ได้ จึงแสดงโดยไม่ใช้ตัวกรองนั้น" }
        }
        @if board.entries.is_empty() {
            p.empty #board-empty {
                @if filter.kind.is_some() || filter.year.is_some() {
                    "ไม่มีเอกสารเผยแพร่ตามที่เลือก"
                } @else {
                    "ยังไม่มีเอกสารเผยแพร่"
                }
            }
        } @else {
            p.hint #board-count { "ทั้งหมด " (digits.number(board.entries.len() as u64)) " ฉบับ" }
            ol.docs.board #board {
                @for entry in &board.entries {
                    (entry_view(org, entry, digits))
                }
            }
        }
        p.links {
            a #board-feed href=(feed) type="application/atom+xml" { "ฟีดข่าว (Atom) สำหรับเว็บไซต์ของหน่วยงาน" }
            " · "
            a href="/verify" { "ตรวจสอบเอกสารด้วยรหัส" }
        }
    }
}

fn entry_view(org: &OrgId, entry: &BoardEntry, digits: DigitStyle) -> Markup {
    html! {
        li.doc.board-entry data-id=(entry.id.to_string()) data-kind=(entry.kind) data-year=(entry.year) {
            p.meta {
                span.kind { (words::kind_name(&entry.kind)) }
                @if let Some(number) = &entry.printed_number { span.number { (number) } }
                span.dated { "ลงวันที่ " (words::iso_date(&entry.dated, true, digits)) }
            }
            p.doc-title { (entry.subject) }
            p.buttons {
                a.button.primary.board-pdf href=(format!("/p/{org}/pdf/{}", entry.id)) { "เปิดไฟล์ PDF" }
                a.button.board-verify href=(format!("/verify/{}", entry.verify_code)) { "ตรวจสอบเอกสาร" }
            }
            p.hint { "เผยแพร่เมื่อ " (words::date(&entry.published_at, digits)) }
        }
    }
}

/// `/p/{org}/pdf/{id}`: the issued PDF, while the document is on the board.
pub(crate) async fn published_pdf(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
) -> Response {
    let gone = || {
        message_page(
            StatusCode::NOT_FOUND,
            "ไม่พบเอกสาร",
            "ไม่มีเอกสารเผยแพร่นี้ อาจถูกยกเลิกการเผยแพร่แล้ว",
        )
    };
    let (Ok(org), Ok(id)) = (OrgId::parse(&org), DocumentId::parse(&id)) else {
        return gone();
    };
    let bytes = match state.store.published_pdf(&org, &id).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return gone(),
        Err(error) => return failure(error),
    };
    match state.store.show(&org, &id).await {
        Ok(summary) => inline_pdf(&PdfName::of(&summary), bytes),
        Err(error) => failure(error),
    }
}

/// `/p/{org}/feed.atom`: the board as an Atom feed.
pub(crate) async fn feed(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(asked): Query<Asked>,
    headers: HeaderMap,
) -> Response {
    let (filter, _) = asked.filter();
    let (org, board) = match board_of(&state, &org, &filter).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let base = match state.store.public_url() {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => match headers.get(HOST).and_then(|h| h.to_str().ok()) {
            Some(host) => format!("http://{host}"),
            None => String::new(),
        },
    };
    let now = saraban_core::clock::thai_time(chrono::Utc::now()).to_rfc3339();
    let xml = atom(&base, &org, &board, &filter, &now);
    (
        [
            (CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        xml,
    )
        .into_response()
}

/// The feed's id: a name-based UUID of the organisation (RFC 9562, version
/// 8 over SHA-256), so that it stays the same wherever the board is served.
fn feed_id(org: &OrgId) -> String {
    let digest = saraban_core::ledger::sha256(format!("saraban board\n{org}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format!("urn:uuid:{}", uuid::Uuid::from_bytes(bytes).hyphenated())
}

/// The Atom document (RFC 4287), every text and attribute escaped.
fn atom(base: &str, org: &OrgId, board: &Board, filter: &BoardFilter, now: &str) -> String {
    let digits = board.digits;
    let query = Asked::query(filter);
    let mut out = String::with_capacity(1024 + 768 * board.entries.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"th\">\n");
    element(&mut out, 1, "id", &feed_id(org));
    element(
        &mut out,
        1,
        "title",
        &format!("เอกสารเผยแพร่ {}", board.organisation),
    );
    element(
        &mut out,
        1,
        "updated",
        board.changed_at.as_deref().unwrap_or(now),
    );
    out.push_str("  <author>\n");
    element(&mut out, 2, "name", &board.organisation);
    out.push_str("  </author>\n");
    link(
        &mut out,
        1,
        "self",
        "application/atom+xml",
        &format!("{base}/p/{org}/feed.atom{query}"),
    );
    link(
        &mut out,
        1,
        "alternate",
        "text/html",
        &format!("{base}/p/{org}{query}"),
    );
    element(&mut out, 1, "generator", "saraban");
    for entry in &board.entries {
        let kind = words::kind_name(&entry.kind);
        let dated = words::iso_date(&entry.dated, true, digits);
        out.push_str("  <entry>\n");
        element(&mut out, 2, "id", &format!("urn:uuid:{}", entry.id));
        element(&mut out, 2, "title", &entry.subject);
        element(&mut out, 2, "updated", &entry.published_at);
        element(&mut out, 2, "published", &entry.published_at);
        link(
            &mut out,
            2,
            "alternate",
            "application/pdf",
            &format!("{base}/p/{org}/pdf/{}", entry.id),
        );
        link(
            &mut out,
            2,
            "related",
            "text/html",
            &format!("{base}/verify/{}", entry.verify_code),
        );
        out.push_str(&format!(
            "    <category term=\"{}\" label=\"{}\"/>\n",
            escape(&entry.kind),
            escape(kind)
        ));
        let summary = match &entry.printed_number {
            Some(number) => format!("{kind} {number} ลงวันที่ {dated} เรื่อง {}", entry.subject),
            None => format!("{kind} ลงวันที่ {dated} เรื่อง {}", entry.subject),
        };
        element(&mut out, 2, "summary", &summary);
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn element(out: &mut String, depth: usize, name: &str, text: &str) {
    out.push_str(&"  ".repeat(depth));
    out.push_str(&format!("<{name}>{}</{name}>\n", escape(text)));
}

fn link(out: &mut String, depth: usize, rel: &str, kind: &str, href: &str) {
    out.push_str(&"  ".repeat(depth));
    out.push_str(&format!(
        "<link rel=\"{rel}\" type=\"{kind}\" href=\"{}\"/>\n",
        escape(href)
    ));
}

/// Text as XML 1.0 character data or an attribute value: the five
/// characters of markup as references, and the characters XML cannot
/// carry at all left out (stored text refuses them already).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped_and_what_xml_cannot_hold_is_left_out() {
        assert_eq!(
            escape("<a href=\"x\">R&D's</a>\u{1}\u{FFFF}ก"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&apos;s&lt;/a&gt;ก"
        );
    }

    #[test]
    fn the_feed_id_is_a_stable_uuid_of_the_organisation() {
        let org = OrgId::parse("wangkrachae").unwrap();
        let id = feed_id(&org);
        assert_eq!(id, feed_id(&org));
        let uuid = uuid::Uuid::parse_str(id.trim_start_matches("urn:uuid:")).unwrap();
        assert_eq!(uuid.get_version_num(), 8);
        assert_ne!(id, feed_id(&OrgId::parse("other").unwrap()));
    }

    #[test]
    fn a_filter_that_does_not_read_is_left_out() {
        let asked = Asked {
            kind: Some("memo".into()),
            year: Some("๒๕๖๘".into()),
        };
        let (filter, unread) = asked.filter();
        assert_eq!((filter.kind, filter.year, unread), (None, Some(2568), true));
        let asked = Asked {
            kind: Some("order".into()),
            year: Some("abc".into()),
        };
        let (filter, unread) = asked.filter();
        assert_eq!(
            (filter.kind.as_deref(), filter.year, unread),
            (Some("order"), None, true)
        );
    }
}
