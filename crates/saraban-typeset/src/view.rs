//! What the templates receive: every string already formatted the Thai way
//! (digits, dates, numbers, parenthesised names), so the templates only lay
//! out. Serialised to the virtual `/data.json`.

use chrono::Datelike;
use saraban_core::DigitStyle;
use saraban_core::document::{Acting, Block, Document, Endorsement, Signer};
use serde::Serialize;

use crate::fonts::{DEFAULT_FAMILY, FontSet, TH_SARABUN_LINE_EM};

/// Sizes on the official forms, in points of TH Sarabun PSK.
mod official_pt {
    pub const BODY: f64 = 16.0;
    pub const TITLE: f64 = 29.0;
    pub const LABEL: f64 = 20.0;
    pub const TABLE: f64 = 14.0;
    pub const URGENCY: f64 = 32.0;
    pub const SECRECY: f64 = 24.0;
}

/// Where the world serves the verification QR code.
pub(crate) const QR_PATH: &str = "/qr.svg";

#[derive(Debug, Serialize)]
struct VerificationView {
    /// Codes and URLs are printed as they are: Arabic digits and Latin
    /// letters are what a person types.
    code: String,
    url: Option<String>,
    qr: Option<String>,
    checkpoint: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct View {
    kind: &'static str,
    style: StyleView,
    meta: Meta,
    urgency: Option<String>,
    secrecy: Option<String>,
    /// The public check of an issued document; the QR code is a file of
    /// the world (`QR_PATH`) when there is a URL.
    verification: Option<VerificationView>,
    /// บันทึกข้อความ: ส่วนราชการ and its telephone.
    unit: Option<String>,
    phone: Option<String>,
    /// คำสั่ง: the issuing authority.
    authority: Option<String>,
    /// Printed after "ที่"; for an unnumbered memo, the prefix and slash.
    number: String,
    date: String,
    subject: String,
    to: Option<String>,
    references: Vec<String>,
    enclosures: Vec<String>,
    body: Vec<BlockView>,
    effective: Option<String>,
    closing: Option<String>,
    signer: SignerView,
    endorsements: Vec<EndorsementView>,
}

#[derive(Debug, Serialize)]
struct StyleView {
    family: String,
    /// The digits page numbers are printed in.
    digits: Vec<String>,
    /// Point sizes for the body's family.
    body: f64,
    title: f64,
    label: f64,
    table: f64,
    urgency: f64,
    secrecy: f64,
    /// Baseline-to-baseline distance of single-spaced body text, in pt.
    pitch: f64,
    /// Turn off GPOS mark positioning: with Sarabun it changes nothing
    /// visible and keeps Thai text extractable (see ARCHITECTURE.md).
    plain_marks: bool,
    /// The virtual path of the emblem, or none for the placeholder.
    emblem: Option<String>,
}

#[derive(Debug, Serialize)]
struct Meta {
    title: String,
    author: String,
    keywords: Vec<String>,
    year: i32,
    month: u32,
    day: u32,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockView {
    Paragraph {
        text: String,
        items: Vec<ItemView>,
    },
    Heading {
        text: String,
    },
    Table {
        columns: Vec<String>,
        widths: Vec<f64>,
        rows: Vec<Vec<String>>,
    },
}

#[derive(Debug, Serialize)]
struct ItemView {
    label: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct SignerView {
    signature: Option<String>,
    name: String,
    lines: Vec<String>,
}

#[derive(Debug, Serialize)]
struct EndorsementView {
    opinion: String,
    signature: Option<String>,
    name: String,
    lines: Vec<String>,
    date: String,
}

/// Builds the view of `document`. `fix` rewrites user text so that every
/// character has a glyph (see `Typesetter`).
pub(crate) fn build(
    document: &Document,
    fonts: &FontSet,
    emblem: Option<&str>,
    fix: &dyn Fn(&str) -> String,
) -> View {
    let common = document.common();
    let digits = common.style.digits;
    let put = |text: &str| fix(&digits.apply(text));
    let scale = fonts.scale;
    let style = StyleView {
        family: fonts.family.clone(),
        digits: digits.digits().iter().map(char::to_string).collect(),
        body: official_pt::BODY * scale,
        title: official_pt::TITLE * scale,
        label: official_pt::LABEL * scale,
        table: official_pt::TABLE * scale,
        urgency: official_pt::URGENCY * scale,
        secrecy: official_pt::SECRECY * scale,
        pitch: official_pt::BODY * TH_SARABUN_LINE_EM,
        plain_marks: fonts.family == DEFAULT_FAMILY,
        emblem: emblem.map(str::to_owned),
    };
    let date = document.date();
    let number = match document.register_number() {
        Some(number) => number.format(digits),
        None => match document {
            Document::Memo(memo) => put(&format!("{}/", memo.number.prefix.as_str())),
            Document::Order(order) => put(&format!("      /{}", order.date.year())),
        },
    };
    let signer = signer_view(document.signer(), &put);
    let kind_name = match document {
        Document::Memo(_) => "บันทึกข้อความ",
        Document::Order(_) => "คำสั่ง",
    };
    let mut keywords = vec![kind_name.to_owned()];
    if let Some(number) = document.register_number() {
        keywords.push(format!("ที่ {}", number.format(digits)));
    }
    if let Some(id) = &common.id {
        keywords.push(id.as_str().to_owned());
    }
    let meta = Meta {
        title: document.subject().as_str().replace('\n', " "),
        author: document.signer().name.as_str().to_owned(),
        keywords,
        year: date.naive().year(),
        month: date.naive().month(),
        day: date.naive().day(),
    };
    let blocks = |blocks: &[Block]| blocks.iter().map(|b| block_view(b, digits, &put)).collect();
    let (
        unit,
        phone,
        authority,
        to,
        references,
        enclosures,
        body,
        effective,
        closing,
        endorsements,
        date,
    ) = match document {
        Document::Memo(memo) => (
            Some(put(memo.unit.as_str())),
            memo.phone.as_ref().map(|p| put(p.as_str())),
            None,
            Some(put(memo.to.as_str())),
            memo.references.iter().map(|r| put(r.as_str())).collect(),
            memo.enclosures.iter().map(|e| put(e.as_str())).collect(),
            blocks(memo.body.blocks()),
            None,
            memo.closing.as_ref().map(|c| put(c.as_str())),
            memo.endorsements
                .iter()
                .map(|e| endorsement_view(e, digits, &put))
                .collect(),
            memo.date.full(digits),
        ),
        Document::Order(order) => (
            None,
            None,
            Some(put(order.authority.as_str())),
            None,
            Vec::new(),
            Vec::new(),
            blocks(order.body.blocks()),
            order.effective.as_ref().map(|e| put(e.as_str())),
            None,
            Vec::new(),
            order.date.full_with_era(digits),
        ),
    };
    View {
        kind: document.kind(),
        style,
        meta,
        urgency: common.urgency.map(|u| u.wording().to_owned()),
        secrecy: common.secrecy.map(|s| s.wording().to_owned()),
        verification: common.verification.as_ref().map(|v| VerificationView {
            code: v.code.as_str().to_owned(),
            url: v.url.as_ref().map(|u| u.as_str().to_owned()),
            qr: v.url.as_ref().map(|_| QR_PATH.to_owned()),
            checkpoint: v.checkpoint.as_ref().map(|c| c.as_str().to_owned()),
        }),
        unit,
        phone,
        authority,
        number,
        date,
        subject: put(document.subject().as_str()),
        to,
        references,
        enclosures,
        body,
        effective,
        closing,
        signer,
        endorsements,
    }
}

fn block_view(block: &Block, digits: DigitStyle, put: &dyn Fn(&str) -> String) -> BlockView {
    match block {
        Block::Paragraph { text, items } => BlockView::Paragraph {
            text: put(text.as_str()),
            items: items
                .iter()
                .enumerate()
                .map(|(i, item)| ItemView {
                    label: format!("({})", digits.number(i as u64 + 1)),
                    text: put(item.as_str()),
                })
                .collect(),
        },
        Block::Heading(text) => BlockView::Heading {
            text: put(text.as_str()),
        },
        Block::Table(table) => BlockView::Table {
            columns: table.columns.iter().map(|c| put(c.as_str())).collect(),
            widths: table.widths.clone(),
            rows: table
                .rows
                .iter()
                .map(|row| row.iter().map(|cell| put(cell.as_str())).collect())
                .collect(),
        },
    }
}

/// The lines under the name: own position, the delegation wording, then
/// the principal's position (on lines of their own, so that a long
/// position never breaks in the middle of a word).
fn position_lines(
    position: &str,
    acting: Option<&Acting>,
    put: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let mut lines: Vec<String> = position.lines().map(put).collect();
    if let Some(acting) = acting {
        lines.push(acting.capacity.wording().to_owned());
        lines.extend(acting.principal.as_str().lines().map(put));
    }
    lines
}

fn signer_view(signer: &Signer, put: &dyn Fn(&str) -> String) -> SignerView {
    SignerView {
        signature: signer.signature.as_ref().map(|s| put(s.as_str())),
        name: put(&format!("({})", signer.name.as_str())),
        lines: position_lines(signer.position.as_str(), signer.acting.as_ref(), put),
    }
}

fn endorsement_view(
    e: &Endorsement,
    digits: DigitStyle,
    put: &dyn Fn(&str) -> String,
) -> EndorsementView {
    EndorsementView {
        opinion: put(e.opinion.as_str()),
        signature: e.signature.as_ref().map(|s| put(s.as_str())),
        name: put(&format!("({})", e.name.as_str())),
        lines: position_lines(e.position.as_str(), e.acting.as_ref(), put),
        date: e.date.abbreviated(digits),
    }
}
