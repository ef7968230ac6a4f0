//! Dates on the pages' forms: a day, a Thai month and a B.E. year, read
//! back as ISO (C.E.); digits typed in Thai read as Arabic.

use maud::{Markup, html};
use saraban_core::DigitStyle;

use super::common::Fields;

/// Digits typed in Thai read as Arabic ("๑.๕" → "1.5").
pub(crate) fn arabic_digits(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '๐'..='๙' => char::from(b'0' + (c as u32 - '๐' as u32) as u8),
            other => other,
        })
        .collect()
}

/// Day, month and B.E. year as typed into ISO (C.E.) for the format; a
/// year under 2400 is taken as C.E. as typed. What is not a date goes as
/// typed, for the engine to name.
pub(crate) fn iso_of_parts(day: &str, month: &str, year: &str) -> String {
    let (day, month, year) = (
        arabic_digits(day),
        arabic_digits(month),
        arabic_digits(year),
    );
    match (
        day.parse::<u32>(),
        month.parse::<u32>(),
        year.parse::<i32>(),
    ) {
        (Ok(d), Ok(m), Ok(y)) => {
            let y = if y >= 2400 { y - 543 } else { y };
            format!("{y:04}-{m:02}-{d:02}")
        }
        _ if day.is_empty() && month.is_empty() && year.is_empty() => String::new(),
        _ => format!("{year}-{month}-{day}"),
    }
}

/// An ISO date's day, month and B.E. year, for the form's three fields.
pub(crate) fn parts_of_iso(iso: &str) -> (u32, u32, String) {
    match chrono::NaiveDate::parse_from_str(iso.trim(), "%Y-%m-%d") {
        Ok(date) => {
            use chrono::Datelike;
            (date.day(), date.month(), (date.year() + 543).to_string())
        }
        Err(_) => (0, 0, String::new()),
    }
}

/// A date as day, Thai month and B.E. year (fields `{name}.day`,
/// `{name}.month`, `{name}.year`; the day's select is `id`, the others
/// `{id}-month` and `{id}-year`), for every date a page asks for.
pub(crate) fn date_parts(
    digits: DigitStyle,
    name: &str,
    id: &str,
    iso: &str,
    labelled_by: &str,
    invalid: bool,
) -> Markup {
    let (day, month, year) = parts_of_iso(iso);
    let year = if year.is_empty() {
        year
    } else {
        digits.apply(&year)
    };
    let invalid = invalid.then_some("true");
    html! {
        div.date-parts role="group" aria-labelledby=(labelled_by) {
            select #(id) name=(format!("{name}.day")) aria-label="วันที่ (วัน)" aria-describedby=(format!("{id}-hint {id}-error"))
                aria-invalid=[invalid] {
                option value="" selected[day == 0] { "วัน" }
                @for d in 1..=31u32 {
                    option value=(d) selected[d == day] { (digits.number(u64::from(d))) }
                }
            }
            select #(format!("{id}-month")) name=(format!("{name}.month")) aria-label="เดือน" aria-invalid=[invalid] {
                option value="" selected[month == 0] { "เดือน" }
                @for (m, month_name) in saraban_core::thai::MONTHS_FULL.iter().enumerate() {
                    option value=(m + 1) selected[m as u32 + 1 == month] { (month_name) }
                }
            }
            span.era aria-hidden="true" { "พ.ศ." }
            input #(format!("{id}-year")) name=(format!("{name}.year")) value=(year) inputmode="numeric" maxlength="4" size="4"
                aria-label="ปี พ.ศ." autocomplete="off" aria-invalid=[invalid];
        }
    }
}

/// The date a form posted as `date_parts` (or as one ISO field `name`),
/// as ISO (C.E.).
pub(crate) fn posted_date(fields: &Fields, name: &str) -> String {
    match fields.get(name) {
        Some(date) => date.to_owned(),
        None => iso_of_parts(
            &fields.text(&format!("{name}.day")),
            &fields.text(&format!("{name}.month")),
            &fields.text(&format!("{name}.year")),
        ),
    }
}
