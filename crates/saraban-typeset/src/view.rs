//! What the templates receive: every string already formatted the Thai way
//! (digits, dates, numbers, parenthesised names), so the templates only lay
//! out. Serialised to the virtual `/data.json`.

use chrono::Datelike;
use saraban_core::DigitStyle;
use saraban_core::document::{
    Acting, Align, Block, Contact, Document, Endorsement, Items, Signer, Table, TableCell,
    effective_clause,
};
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
    /// คำสั่ง: the issuing authority; ประกาศ: the issuer.
    authority: Option<String>,
    /// Printed after "ที่"; for an unnumbered memo, the prefix and slash.
    number: String,
    /// Whether the "ที่" line is printed (an announcement may have none).
    numbered: bool,
    /// หนังสือภายนอก: the issuing agency and its address, a line each.
    agency: Vec<String>,
    /// หนังสือภายนอก: คำขึ้นต้น and คำลงท้าย.
    salutation: Option<String>,
    sign_off: Option<String>,
    /// ส่วนราชการเจ้าของเรื่อง and how to reach it, a line each.
    contact: Vec<String>,
    /// สำเนาส่ง, a line each.
    copies: Vec<String>,
    /// หนังสือประทับตรา: the agency's stamp line and the initials.
    stamp: Option<StampView>,
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
struct StampView {
    agency: String,
    initials: String,
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
        /// A lead-in ("ดังนี้", ":"): must not end a page without the
        /// start of what it introduces.
        keep_with_next: bool,
    },
    Heading {
        text: String,
    },
    Table {
        widths: Vec<f64>,
        /// Per column: "left", "center", "right" or "decimal".
        align: Vec<&'static str>,
        /// The fraction parts (".50") of each decimal column, to size the
        /// room after the decimal point; empty for other columns.
        fractions: Vec<Vec<String>>,
        /// Repeated on every page; the last row names the columns.
        header: Vec<Vec<CellView>>,
        rows: Vec<Vec<CellView>>,
        /// Printed once, bold, after the last row.
        footer: Vec<Vec<CellView>>,
    },
    /// Items after a heading or a table, or opening the body.
    Items {
        items: Vec<ItemView>,
    },
}

#[derive(Debug, Serialize)]
struct CellView {
    text: String,
    /// The first column it covers, from 0.
    column: usize,
    span: u32,
    /// Its own alignment or its first column's.
    align: &'static str,
    /// A decimal cell split at its decimal point ("1,250" and ".50");
    /// none where the text is not a number.
    int: Option<String>,
    frac: Option<String>,
}

/// An item: level 1 sits at the paragraph indent (2.5 cm), level 2 one
/// step in (3.75 cm). Sub-items follow their item in the list.
#[derive(Debug, Serialize)]
struct ItemView {
    label: String,
    text: String,
    level: u8,
}

/// Where the world serves the signature image named by `sha256`; none if
/// it is not 64 lowercase hex digits (it becomes a path).
pub(crate) fn signature_path(sha256: &str) -> Option<String> {
    saraban_core::enclosure::Sha256::parse(sha256)
        .ok()
        .map(|sha| format!("/signatures/{sha}.png"))
}

#[derive(Debug, Serialize)]
struct SignerView {
    signature: Option<String>,
    /// The virtual path of the handwritten signature, printed above the name.
    signature_image: Option<String>,
    name: String,
    lines: Vec<String>,
}

#[derive(Debug, Serialize)]
struct EndorsementView {
    opinion: String,
    signature: Option<String>,
    signature_image: Option<String>,
    name: String,
    lines: Vec<String>,
    date: Option<String>,
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
    // Typed text keeps the digits of Latin words, codes and addresses.
    let put = |text: &str| fix(&digits.typed(text));
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
            Document::Letter(letter) => put(&format!("{}/", letter.number.prefix.as_str())),
            Document::Stamped(stamped) => put(&format!("{}/", stamped.number.prefix.as_str())),
            Document::Order(_) | Document::Announcement(_) => {
                let year = digits.number(document.date().year().get() as u64);
                put(&format!("      /{year}"))
            }
        },
    };
    let numbered = match document {
        Document::Announcement(announcement) => {
            !announcement.unnumbered && announcement.number.is_some()
        }
        _ => true,
    };
    let signer = signer_view(document.signer(), &put);
    let mut keywords = vec![document.kind_name().to_owned()];
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
    let blocks = |blocks: &[Block]| blocks_view(blocks, digits, &put);
    let mut fields = Fields {
        body: blocks(document.body().blocks()),
        ..Fields::default()
    };
    match document {
        Document::Memo(memo) => {
            fields.unit = Some(put(memo.unit.as_str()));
            fields.phone = memo.phone.as_ref().map(|p| put(p.as_str()));
            fields.to = Some(put(memo.to.as_str()));
            fields.references = memo.references.iter().map(|r| put(r.as_str())).collect();
            fields.enclosures = memo
                .enclosures
                .iter()
                .map(|e| put(e.title.as_str()))
                .collect();
            fields.closing = memo.closing.as_ref().map(|c| put(c.as_str()));
            fields.endorsements = memo
                .endorsements
                .iter()
                .map(|e| endorsement_view(e, digits, &put))
                .collect();
            fields.date = memo.date.full(digits);
        }
        Document::Order(order) => {
            fields.authority = Some(put(order.authority.as_str()));
            fields.effective =
                effective_clause(order.effective.as_ref(), order.effective_from, digits)
                    .map(|e| put(&e));
            fields.copies = lines_of(&order.copies, &put);
            fields.date = order.date.full_with_era(digits);
        }
        Document::Letter(letter) => {
            fields.agency = letter.agency.as_str().lines().map(&put).collect();
            fields.to = Some(put(letter.to.as_str()));
            fields.salutation = Some(put(letter.salutation()));
            fields.sign_off = Some(put(letter.sign_off()));
            fields.references = numbered_lines(&letter.references, digits, &put);
            let titles: Vec<_> = letter.enclosures.iter().map(|e| e.title.clone()).collect();
            fields.enclosures = numbered_lines(&titles, digits, &put);
            fields.contact = contact_lines(&letter.contact, &put);
            fields.copies = lines_of(&letter.copies, &put);
            fields.date = letter.date.full(digits);
        }
        Document::Stamped(stamped) => {
            fields.to = Some(put(stamped.to.as_str()));
            fields.stamp = Some(StampView {
                agency: put(stamped.agency.as_str()),
                initials: put(&match &stamped.initials {
                    Some(initials) => initials.as_str().to_owned(),
                    None => initials_of(&stamped.signer),
                }),
            });
            fields.contact = contact_lines(&stamped.contact, &put);
            fields.date = stamped.date.full(digits);
        }
        Document::Announcement(announcement) => {
            fields.authority = Some(put(announcement.issuer.as_str()));
            fields.effective = effective_clause(
                announcement.effective.as_ref(),
                announcement.effective_from,
                digits,
            )
            .map(|e| put(&e));
            fields.date = announcement.date.full_with_era(digits);
        }
    }
    let Fields {
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
        agency,
        salutation,
        sign_off,
        contact,
        copies,
        stamp,
    } = fields;
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
            checkpoint: v
                .checkpoint
                .as_ref()
                .map(|c| checkpoint_line(c.as_str(), digits)),
        }),
        unit,
        phone,
        authority,
        number,
        numbered,
        agency,
        salutation,
        sign_off,
        contact,
        copies,
        stamp,
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

/// What differs between the kinds, gathered before the view is built.
#[derive(Default)]
struct Fields {
    unit: Option<String>,
    phone: Option<String>,
    authority: Option<String>,
    to: Option<String>,
    references: Vec<String>,
    enclosures: Vec<String>,
    body: Vec<BlockView>,
    effective: Option<String>,
    closing: Option<String>,
    endorsements: Vec<EndorsementView>,
    date: String,
    agency: Vec<String>,
    salutation: Option<String>,
    sign_off: Option<String>,
    contact: Vec<String>,
    copies: Vec<String>,
    stamp: Option<StampView>,
}

fn lines_of(texts: &[saraban_core::text::Paragraph], put: &dyn Fn(&str) -> String) -> Vec<String> {
    texts.iter().map(|t| put(t.as_str())).collect()
}

/// อ้างถึง and สิ่งที่ส่งมาด้วย of a letter: one as it is, several numbered
/// "๑. …", "๒. …".
fn numbered_lines(
    texts: &[saraban_core::text::Paragraph],
    digits: DigitStyle,
    put: &dyn Fn(&str) -> String,
) -> Vec<String> {
    if texts.len() < 2 {
        return lines_of(texts, put);
    }
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{}. {}", digits.number(i as u64 + 1), put(t.as_str())))
        .collect()
}

/// ส่วนราชการเจ้าของเรื่อง, then โทร., โทรสาร and e-mail, a line each.
fn contact_lines(contact: &Contact, put: &dyn Fn(&str) -> String) -> Vec<String> {
    contact
        .lines()
        .into_iter()
        .map(|(label, value)| format!("{label}{}", put(value)))
        .collect()
}

/// The initials of a signer who typed none: the typed signature where there
/// is one, otherwise the first letter of the given name and of the surname
/// ("นางสาวสมใจ ตั้งใจดี" → "ส. ต.").
fn initials_of(signer: &Signer) -> String {
    if let Some(signature) = &signer.signature {
        return signature.as_str().to_owned();
    }
    const TITLES: [&str; 3] = ["นางสาว", "นาย", "นาง"];
    let name = signer.name.as_str();
    let name = TITLES
        .iter()
        .find_map(|t| name.strip_prefix(t))
        .unwrap_or(name);
    // A leading vowel (เ แ โ ใ ไ) is written before its consonant.
    let first = |word: &str| {
        word.chars()
            .find(|c| !matches!(c, 'เ' | 'แ' | 'โ' | 'ใ' | 'ไ'))
            .map(|c| format!("{c}."))
    };
    name.split_whitespace()
        .filter_map(first)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The blocks as the templates take them: items that follow a paragraph
/// are that paragraph's, so that a lead-in keeps its first item.
fn blocks_view(
    blocks: &[Block],
    digits: DigitStyle,
    put: &dyn Fn(&str) -> String,
) -> Vec<BlockView> {
    let mut views: Vec<BlockView> = Vec::with_capacity(blocks.len());
    for block in blocks {
        match block {
            Block::Paragraph(text) => views.push(BlockView::Paragraph {
                text: put(text.as_str()),
                items: Vec::new(),
                keep_with_next: is_lead_in(text.as_str()),
            }),
            Block::Items(list) => {
                let items = items_view(list, digits, put);
                match views.last_mut() {
                    Some(BlockView::Paragraph { items: mine, .. }) if mine.is_empty() => {
                        *mine = items;
                    }
                    _ => views.push(BlockView::Items { items }),
                }
            }
            Block::Heading(text) => views.push(BlockView::Heading {
                text: put(text.as_str()),
            }),
            Block::Table(table) => views.push(table_view(table, put)),
        }
    }
    views
}

/// Items and their sub-items in reading order, labelled: a typed label as
/// typed, otherwise by the list's numbering in saraban's digits.
fn items_view(list: &Items, digits: DigitStyle, put: &dyn Fn(&str) -> String) -> Vec<ItemView> {
    let mut out = Vec::new();
    for (i, item) in list.items.iter().enumerate() {
        let label = match &item.label {
            Some(label) => put(label.as_str()),
            None => list.numbering.label(i, None, digits),
        };
        if let Some(sub) = &item.items {
            let parent = label.clone();
            out.push(ItemView {
                label,
                text: put(item.text.as_str()),
                level: 1,
            });
            for (j, child) in sub.items.iter().enumerate() {
                out.push(ItemView {
                    label: match &child.label {
                        Some(label) => put(label.as_str()),
                        None => sub.numbering.label(j, Some(&parent), digits),
                    },
                    text: put(child.text.as_str()),
                    level: 2,
                });
            }
        } else {
            out.push(ItemView {
                label,
                text: put(item.text.as_str()),
                level: 1,
            });
        }
    }
    out
}

fn table_view(table: &Table, put: &dyn Fn(&str) -> String) -> BlockView {
    let column_align: Vec<&'static str> = table.align.iter().map(|a| align_name(*a)).collect();
    let mut fractions: Vec<Vec<String>> = vec![Vec::new(); table.columns.len()];
    let mut row_view = |row: &[TableCell], header: bool| -> Vec<CellView> {
        let mut column = 0;
        row.iter()
            .map(|cell| {
                let align = match (cell.align, header) {
                    (Some(align), _) => align_name(align),
                    (None, true) => "center",
                    (None, false) => column_align[column],
                };
                let text = put(cell.text.as_str());
                let (int, frac) = match split_decimal(&text) {
                    Some((int, frac)) if align == "decimal" => {
                        if !fractions[column].contains(&frac) {
                            fractions[column].push(frac.clone());
                        }
                        (Some(int), Some(frac))
                    }
                    _ => (None, None),
                };
                column += cell.span.get() as usize;
                CellView {
                    text,
                    column: column - cell.span.get() as usize,
                    span: cell.span.get(),
                    align,
                    int,
                    frac,
                }
            })
            .collect()
    };
    let mut header: Vec<Vec<CellView>> = table.header.iter().map(|r| row_view(r, true)).collect();
    header.push(
        table
            .columns
            .iter()
            .enumerate()
            .map(|(column, c)| CellView {
                text: put(c.as_str()),
                column,
                span: 1,
                align: "center",
                int: None,
                frac: None,
            })
            .collect(),
    );
    let rows = table.rows.iter().map(|r| row_view(r, false)).collect();
    let footer = table.footer.iter().map(|r| row_view(r, false)).collect();
    BlockView::Table {
        widths: table.widths.clone(),
        align: column_align,
        fractions,
        header,
        rows,
        footer,
    }
}

fn align_name(align: Align) -> &'static str {
    match align {
        Align::Left => "left",
        Align::Center => "center",
        Align::Right => "right",
        Align::Decimal => "decimal",
    }
}

/// "1,250.50" → ("1,250", ".50"); "1,250" → ("1,250", ""): a number in
/// Thai or Arabic digits with an optional fraction. Anything else (a dash,
/// a word) is not split and sits at the right.
fn split_decimal(text: &str) -> Option<(String, String)> {
    let digit = |c: char| c.is_ascii_digit() || ('๐'..='๙').contains(&c);
    let body = text.trim();
    let (int, frac) = match body.rfind('.') {
        Some(dot) => (&body[..dot], &body[dot..]),
        None => (body, ""),
    };
    let int_ok = int.chars().next().is_some_and(|c| digit(c) || c == '-')
        && int.chars().any(digit)
        && int.chars().all(|c| digit(c) || c == ',' || c == '-');
    let frac_ok = frac.is_empty() || frac[1..].chars().all(digit) && frac.len() > 1;
    (int_ok && frac_ok).then(|| (int.to_owned(), frac.to_owned()))
}

/// Whether a paragraph introduces what follows it: it ends in "ดังนี้",
/// "ดังต่อไปนี้" (or "ดังนี้ คือ") or a colon.
fn is_lead_in(text: &str) -> bool {
    let end = text.trim_end_matches(|c: char| c.is_whitespace() || is_invisible_mark(c));
    ["ดังนี้", "ดังต่อไปนี้", "คือ", ":"]
        .iter()
        .any(|word| end.ends_with(word))
}

fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
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
        signature_image: signer.signature_image.as_deref().and_then(signature_path),
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
        signature_image: e.signature_image.as_deref().and_then(signature_path),
        name: put(&format!("({})", e.name.as_str())),
        lines: position_lines(e.position.as_str(), e.acting.as_ref(), put),
        date: e.date.map(|d| d.abbreviated(digits)),
    }
}

/// The checkpoint line as the document prints it: the number its Thai
/// words give (the log's size, after "ลำดับที่") in the document's digits,
/// like every other number on the page; the origin and the root, which a
/// reader compares with the log character by character, as they are.
fn checkpoint_line(line: &str, digits: DigitStyle) -> String {
    const SIZE: &str = "ลำดับที่ ";
    let Some(at) = line.find(SIZE).map(|at| at + SIZE.len()) else {
        return line.to_owned();
    };
    let (head, rest) = line.split_at(at);
    let end = rest
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit() && !('๐'..='๙').contains(c))
        .map_or(rest.len(), |(i, _)| i);
    let (size, tail) = rest.split_at(end);
    format!("{head}{}{tail}", digits.apply(size))
}

#[cfg(test)]
mod tests {
    use super::{checkpoint_line, is_lead_in};
    use saraban_core::DigitStyle;

    /// Point 15 of issue 14: the footer's Thai words count in the
    /// document's digits; the origin and the root stay as the log has them.
    #[test]
    fn the_checkpoint_counts_in_the_documents_digits() {
        let line = "บันทึกตรวจสอบล่าสุด saraban.example/wangkrachae2 ลำดับที่ 1207 ราก 0a1b2c3d40506070";
        assert_eq!(
            checkpoint_line(line, DigitStyle::Thai),
            "บันทึกตรวจสอบล่าสุด saraban.example/wangkrachae2 ลำดับที่ ๑๒๐๗ ราก 0a1b2c3d40506070"
        );
        assert_eq!(
            checkpoint_line(line, DigitStyle::AsTyped),
            checkpoint_line(line, DigitStyle::Thai)
        );
        assert_eq!(checkpoint_line(line, DigitStyle::Arabic), line);
        assert_eq!(
            checkpoint_line("no size here 12", DigitStyle::Thai),
            "no size here 12"
        );
        let end = "บันทึกตรวจสอบล่าสุด x ลำดับที่ 42";
        assert_eq!(
            checkpoint_line(end, DigitStyle::Thai),
            "บันทึกตรวจสอบล่าสุด x ลำดับที่ ๔๒"
        );
    }

    #[test]
    fn lead_ins_are_recognised() {
        assert!(is_lead_in("จึงแต่งตั้งเจ้าหน้าที่ผู้รับผิดชอบ ดังนี้"));
        assert!(is_lead_in("มีรายละเอียด ดังต่อไปนี้ "));
        assert!(is_lead_in("ประกอบด้วย:"));
        assert!(is_lead_in("ดังนี้\u{200B}"));
        assert!(!is_lead_in("จึงเรียนมาเพื่อโปรดทราบ"));
        assert!(!is_lead_in("ดังนี้แล้วจึงเห็นควรอนุมัติ"));
    }
}
