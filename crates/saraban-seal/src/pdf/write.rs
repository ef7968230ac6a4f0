//! PDF values written out: text strings, dates.

use chrono::{DateTime, FixedOffset};

/// A PDF text string: a literal in PDFDocEncoding when the text is plain
/// printable ASCII, otherwise UTF-16BE with a byte order mark, in hex.
pub(crate) fn text_string(text: &str) -> Vec<u8> {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        let mut out = Vec::with_capacity(text.len() + 2);
        out.push(b'(');
        for byte in text.bytes() {
            if matches!(byte, b'(' | b')' | b'\\') {
                out.push(b'\\');
            }
            out.push(byte);
        }
        out.push(b')');
        out
    } else {
        let mut out = String::from("<FEFF");
        for unit in text.encode_utf16() {
            out.push_str(&format!("{unit:04X}"));
        }
        out.push('>');
        out.into_bytes()
    }
}

/// A PDF date with its offset: `(D:20250409143000+07'00')`.
pub(crate) fn date(time: DateTime<FixedOffset>) -> Vec<u8> {
    let offset = time.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    format!(
        "(D:{}{sign}{:02}'{:02}')",
        time.format("%Y%m%d%H%M%S"),
        offset / 3600,
        offset % 3600 / 60
    )
    .into_bytes()
}

/// Read a PDF date (`D:YYYYMMDDHHmmSS+HH'mm'`, later parts optional).
pub(crate) fn parse_date(bytes: &[u8]) -> Option<DateTime<FixedOffset>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let rest = &text[digits.len()..];
    let part = |from: usize, to: usize, default: u32| -> Option<u32> {
        match digits.get(from..to) {
            Some(p) => p.parse().ok(),
            None => Some(default),
        }
    };
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let (month, day) = (part(4, 6, 1)?, part(6, 8, 1)?);
    let (hour, minute, second) = (part(8, 10, 0)?, part(10, 12, 0)?, part(12, 14, 0)?);
    let offset_seconds = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let zone: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let hours: i32 = zone.get(0..2)?.parse().ok()?;
            let minutes: i32 = zone.get(2..4).map_or(Some(0), |m| m.parse().ok())?;
            let seconds = hours * 3600 + minutes * 60;
            if sign == '-' { -seconds } else { seconds }
        }
        _ => 0,
    };
    let offset = FixedOffset::east_opt(offset_seconds)?;
    let naive =
        chrono::NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    naive.and_local_timezone(offset).single()
}

/// Decode a PDF text string's bytes (as hayro-syntax gives them) to text.
pub(crate) fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(utf8) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(utf8).into_owned()
    } else {
        // PDFDocEncoding agrees with Latin-1 on the printable ASCII saraban
        // writes; other bytes are shown as Latin-1.
        bytes.iter().map(|&b| char::from(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_text_is_utf16_with_a_byte_order_mark() {
        assert_eq!(text_string("ก"), b"<FEFF0E01>".to_vec());
        assert_eq!(text_string("a(b)\\"), b"(a\\(b\\)\\\\)".to_vec());
        assert_eq!(decode_text_string(&[0xFE, 0xFF, 0x0E, 0x01]), "ก");
    }

    #[test]
    fn dates_carry_their_offset_and_read_back() {
        let bangkok = FixedOffset::east_opt(7 * 3600).unwrap();
        let time = chrono::NaiveDate::from_ymd_opt(2025, 4, 9)
            .unwrap()
            .and_hms_opt(14, 30, 5)
            .unwrap()
            .and_local_timezone(bangkok)
            .unwrap();
        assert_eq!(date(time), b"(D:20250409143005+07'00')".to_vec());
        assert_eq!(parse_date(b"D:20250409143005+07'00'"), Some(time));
        assert_eq!(
            parse_date(b"D:20250409073005Z").map(|t| t.timestamp()),
            Some(time.timestamp())
        );
    }
}
