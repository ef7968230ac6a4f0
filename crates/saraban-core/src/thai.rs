//! Thai numerals, Buddhist-era years and Thai date formats as printed on
//! official documents ("๙ เมษายน ๒๕๖๘", "๑๓ เม.ย. ๖๘").

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Years between the Christian and the Buddhist eras (B.E. = C.E. + 543).
pub const BUDDHIST_ERA_OFFSET: i32 = 543;

const THAI_DIGITS: [char; 10] = ['๐', '๑', '๒', '๓', '๔', '๕', '๖', '๗', '๘', '๙'];

/// The months as dates print them in full.
pub const MONTHS_FULL: [&str; 12] = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
];

/// The months abbreviated, as short dates print them.
pub const MONTHS_ABBREVIATED: [&str; 12] = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
];

/// Which digits an organisation prints: Thai (the default of official
/// documents) or Arabic. `AsTyped` prints typed text untouched and what
/// saraban writes itself (dates, numbers, labels) in Thai digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigitStyle {
    #[default]
    Thai,
    Arabic,
    AsTyped,
}

impl DigitStyle {
    /// Rewrites every digit of `text`, Thai or Arabic, in this style; other
    /// characters are kept as they are. For saraban's own numbers: typed
    /// text goes through [`DigitStyle::typed`].
    pub fn apply(self, text: &str) -> String {
        text.chars()
            .map(|c| match self {
                DigitStyle::Thai | DigitStyle::AsTyped => to_thai_digit(c),
                DigitStyle::Arabic => to_arabic_digit(c),
            })
            .collect()
    }

    /// The digits of text a person typed, as printed. Thai style turns
    /// Arabic digits Thai only in a Thai context (see `thai_in_thai_context`);
    /// Arabic style turns every digit Arabic; `AsTyped` changes nothing.
    pub fn typed(self, text: &str) -> String {
        match self {
            DigitStyle::Thai => thai_in_thai_context(text),
            DigitStyle::Arabic => self.apply(text),
            DigitStyle::AsTyped => text.to_owned(),
        }
    }

    /// The ten digits of this style, zero first.
    pub fn digits(self) -> [char; 10] {
        match self {
            DigitStyle::Thai | DigitStyle::AsTyped => THAI_DIGITS,
            DigitStyle::Arabic => ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        }
    }

    /// Formats a whole number in this style.
    pub fn number(self, value: u64) -> String {
        self.apply(&value.to_string())
    }
}

fn to_thai_digit(c: char) -> char {
    match c {
        '0'..='9' => THAI_DIGITS[(c as u32 - '0' as u32) as usize],
        _ => c,
    }
}

fn to_arabic_digit(c: char) -> char {
    match c {
        '๐'..='๙' => char::from_digit(c as u32 - '๐' as u32, 10).unwrap_or(c),
        _ => c,
    }
}

/// Characters that tie a digit run to the word beside it ("COVID-19",
/// "x^2", "report_2568", "No.5"): across them the word's script decides.
const CONNECTORS: [char; 9] = ['-', '_', '.', '/', '^', '+', '#', ':', '='];

/// Separators inside one number ("2.0", "1,250.50", "2/2568", "09:30").
const NUMBER_JOINERS: [char; 5] = ['.', ',', ':', '/', '-'];

fn is_any_digit(c: char) -> bool {
    c.is_ascii_digit() || ('๐'..='๙').contains(&c)
}

/// A letter of a script other than Thai: Latin above all, but a Greek or
/// Cyrillic word keeps Arabic digits just as well.
fn is_foreign_letter(c: char) -> bool {
    c.is_alphabetic() && !('\u{0E00}'..='\u{0E7F}').contains(&c)
}

/// Turns Arabic digits Thai where the text around them is Thai, and keeps
/// them where they belong to something written in Latin letters: a URL or
/// an e-mail address (kept whole), or a digit run attached to a foreign
/// letter directly or through connectors ("COVID-19", "x^2", "4G"), or
/// following a foreign word after one space ("ISO 9001", "Web 2.0").
/// Thai digits are never changed, so a drafter who wants Thai digits
/// where this rule keeps Arabic ones types them.
fn thai_in_thai_context(text: &str) -> String {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let linked = links(&chars);
    let mut out = String::with_capacity(text.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        if linked[i] || !is_any_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        loop {
            while end < chars.len() && !linked[end] && is_any_digit(chars[end]) {
                end += 1;
            }
            let joined = end + 1 < chars.len()
                && NUMBER_JOINERS.contains(&chars[end])
                && !linked[end + 1]
                && is_any_digit(chars[end + 1]);
            if !joined {
                break;
            }
            end += 1;
        }
        let foreign = foreign_before(&chars, start) || foreign_after(&chars, end);
        for &c in &chars[start..end] {
            out.push(if foreign { c } else { to_thai_digit(c) });
        }
        i = end;
    }
    out
}

/// Whether the digit run starting at `start` belongs to a foreign word on
/// its left: attached ("COVID-19") or after one space ("ISO 9001").
fn foreign_before(chars: &[char], start: usize) -> bool {
    let skip = |mut j: usize| {
        while j > 0 && CONNECTORS.contains(&chars[j - 1]) {
            j -= 1;
        }
        j
    };
    let j = skip(start);
    if j > 0 && is_foreign_letter(chars[j - 1]) {
        return true;
    }
    // "Facebook (2 ช่องทาง)" is Thai: only a bare space leads back to a word.
    if j == start && j >= 2 && chars[j - 1] == ' ' {
        let k = skip(j - 1);
        return k > 0 && is_foreign_letter(chars[k - 1]);
    }
    false
}

/// Whether the digit run ending before `end` is attached to a foreign
/// word on its right ("4G", "2nd").
fn foreign_after(chars: &[char], end: usize) -> bool {
    let mut j = end;
    while j < chars.len() && CONNECTORS.contains(&chars[j]) {
        j += 1;
    }
    j < chars.len() && is_foreign_letter(chars[j])
}

/// Marks the characters of URLs and e-mail addresses, which must print
/// exactly as typed to keep working.
fn links(chars: &[char]) -> Vec<bool> {
    let mut linked = vec![false; chars.len()];
    let lower: Vec<char> = chars.iter().map(|c| c.to_ascii_lowercase()).collect();
    let starts_with = |i: usize, word: &str| {
        word.chars()
            .enumerate()
            .all(|(k, w)| lower.get(i + k) == Some(&w))
    };
    let mut i = 0;
    while i < chars.len() {
        let at_word_start = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        let url = at_word_start
            && ["http://", "https://", "ftp://", "www."]
                .iter()
                .any(|scheme| starts_with(i, scheme));
        if url {
            // An address runs to the next space; a Thai path (an IRI) is
            // part of it.
            while i < chars.len() && !chars[i].is_whitespace() {
                linked[i] = true;
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    for at in (0..chars.len()).filter(|&i| chars[i] == '@') {
        let mut from = at;
        while from > 0 && local(chars[from - 1]) {
            from -= 1;
        }
        let mut to = at + 1;
        while to < chars.len() && domain(chars[to]) {
            to += 1;
        }
        let host = &chars[at + 1..to];
        let dotted = host
            .iter()
            .rposition(|&c| c == '.')
            .is_some_and(|dot| dot > 0 && dot + 1 < host.len());
        if from < at && dotted {
            linked[from..to].iter_mut().for_each(|l| *l = true);
        }
    }
    linked
}

/// Parses a whole number written in Thai or Arabic digits (or a mix), as
/// people type register numbers: "๔๙๐", "490".
pub fn parse_number(text: &str) -> Option<u64> {
    let ascii = DigitStyle::Arabic.apply(text.trim());
    if ascii.is_empty() || !ascii.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ascii.parse().ok()
}

/// A year of the Buddhist era, as Thai documents count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct BuddhistYear(i32);

impl BuddhistYear {
    /// The first B.E. year saraban accepts (1 C.E. 1900); older paper has no
    /// business in a new register.
    pub const MIN: i32 = 2443;
    /// The last B.E. year saraban accepts (C.E. 2999).
    pub const MAX: i32 = 3542;

    pub fn new(year: i32) -> Result<Self, String> {
        if (Self::MIN..=Self::MAX).contains(&year) {
            Ok(Self(year))
        } else {
            Err(format!(
                "B.E. year {year} is outside {}..={}",
                Self::MIN,
                Self::MAX
            ))
        }
    }

    pub fn from_common_era(year: i32) -> Result<Self, String> {
        Self::new(year + BUDDHIST_ERA_OFFSET)
    }

    pub fn of(date: NaiveDate) -> Self {
        // Dates are range-checked where they are parsed (`ThaiDate`).
        Self(date.year() + BUDDHIST_ERA_OFFSET)
    }

    pub fn get(self) -> i32 {
        self.0
    }

    pub fn common_era(self) -> i32 {
        self.0 - BUDDHIST_ERA_OFFSET
    }

    /// The last two digits, as abbreviated dates print them ("๖๘").
    pub fn short(self) -> u32 {
        self.0.rem_euclid(100) as u32
    }
}

impl TryFrom<i32> for BuddhistYear {
    type Error = String;
    fn try_from(year: i32) -> Result<Self, String> {
        Self::new(year)
    }
}

impl From<BuddhistYear> for i32 {
    fn from(year: BuddhistYear) -> i32 {
        year.0
    }
}

impl fmt::Display for BuddhistYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A calendar date of a document. Stored as a Gregorian date, printed in the
/// Thai way. Accepts "2025-04-09" (C.E.) in input files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct ThaiDate(NaiveDate);

impl ThaiDate {
    pub fn new(date: NaiveDate) -> Result<Self, String> {
        BuddhistYear::from_common_era(date.year())?;
        Ok(Self(date))
    }

    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Self, String> {
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| format!("{year:04}-{month:02}-{day:02} is not a calendar date"))?;
        Self::new(date)
    }

    pub fn naive(self) -> NaiveDate {
        self.0
    }

    pub fn year(self) -> BuddhistYear {
        BuddhistYear::of(self.0)
    }

    /// "๙ เมษายน ๒๕๖๘": the form of วันที่ in a memo's header.
    pub fn full(self, digits: DigitStyle) -> String {
        format!(
            "{} {} {}",
            digits.number(self.0.day().into()),
            MONTHS_FULL[self.0.month0() as usize],
            digits.number(self.year().get() as u64)
        )
    }

    /// "๑ สิงหาคม พ.ศ. ๒๕๖๗": the form an order's "สั่ง ณ วันที่" line takes.
    pub fn full_with_era(self, digits: DigitStyle) -> String {
        format!(
            "{} {} พ.ศ. {}",
            digits.number(self.0.day().into()),
            MONTHS_FULL[self.0.month0() as usize],
            digits.number(self.year().get() as u64)
        )
    }

    /// "๑๓ เม.ย. ๖๘": the form written under an endorsement.
    pub fn abbreviated(self, digits: DigitStyle) -> String {
        format!(
            "{} {} {}",
            digits.number(self.0.day().into()),
            MONTHS_ABBREVIATED[self.0.month0() as usize],
            digits.apply(&format!("{:02}", self.year().short()))
        )
    }

    /// ISO 8601, as stored and exchanged.
    pub fn iso(self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

impl fmt::Display for ThaiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl From<ThaiDate> for String {
    fn from(date: ThaiDate) -> String {
        date.iso()
    }
}

impl<'de> Deserialize<'de> for ThaiDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct DateVisitor;
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = ThaiDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date of the form YYYY-MM-DD (Christian era)")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ThaiDate, E> {
                parse_iso_date(text).map_err(E::custom)
            }
            // A TOML date arrives as a map with one private key.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ThaiDate, A::Error> {
                let Some((_, text)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("expected a date, found an empty table"));
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom("expected a date, found a table"));
                }
                parse_iso_date(&text).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

/// Parses "YYYY-MM-DD" with a Christian-era year. A year that looks like a
/// Buddhist-era one (≥ 2400) is refused with a hint, because swapping the
/// eras silently would shift a document by 543 years.
pub fn parse_iso_date(text: &str) -> Result<ThaiDate, String> {
    let text = DigitStyle::Arabic.apply(text.trim());
    let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date of the form YYYY-MM-DD"))?;
    if date.year() >= 2400 {
        return Err(format!(
            "'{text}' has a Buddhist-era year; write the Christian-era year ({}-{:02}-{:02})",
            date.year() - BUDDHIST_ERA_OFFSET,
            date.month(),
            date.day()
        ));
    }
    ThaiDate::new(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_dates_print_as_on_paper() {
        let memo = ThaiDate::from_ymd(2025, 4, 9).unwrap();
        assert_eq!(memo.full(DigitStyle::Thai), "๙ เมษายน ๒๕๖๘");
        let endorsed = ThaiDate::from_ymd(2025, 4, 13).unwrap();
        assert_eq!(endorsed.abbreviated(DigitStyle::Thai), "๑๓ เม.ย. ๖๘");
        let order = ThaiDate::from_ymd(2024, 8, 1).unwrap();
        assert_eq!(order.full_with_era(DigitStyle::Thai), "๑ สิงหาคม พ.ศ. ๒๕๖๗");
        assert_eq!(order.full(DigitStyle::Arabic), "1 สิงหาคม 2567");
    }

    #[test]
    fn buddhist_era_years_are_refused_with_a_hint() {
        let err = parse_iso_date("2568-04-09").unwrap_err();
        assert!(err.contains("2025-04-09"), "{err}");
        assert!(parse_iso_date("2025-02-30").is_err());
        assert!(parse_iso_date("๒๐๒๕-๐๔-๐๙").is_ok());
    }

    #[test]
    fn abbreviated_year_keeps_its_leading_zero() {
        let date = ThaiDate::from_ymd(2007, 1, 2).unwrap(); // B.E. 2550
        assert_eq!(date.abbreviated(DigitStyle::Arabic), "2 ม.ค. 50");
        let date = ThaiDate::from_ymd(1957, 12, 31).unwrap(); // B.E. 2500
        assert_eq!(date.abbreviated(DigitStyle::Thai), "๓๑ ธ.ค. ๐๐");
    }

    /// The examples of docs/document-format.md, *Digits*.
    #[test]
    fn typed_digits_turn_thai_only_in_thai_text() {
        let cases = [
            ("ปี 2568", "ปี ๒๕๖๘"),
            ("ครั้งที่ 2/2568 เมื่อวันที่ 3 เมษายน", "ครั้งที่ ๒/๒๕๖๘ เมื่อวันที่ ๓ เมษายน"),
            ("งบประมาณ 1,250,000.50 บาท", "งบประมาณ ๑,๒๕๐,๐๐๐.๕๐ บาท"),
            ("แบบ สขร.1", "แบบ สขร.๑"),
            ("ม.ค. 2568", "ม.ค. ๒๕๖๘"),
            ("โรค COVID-19 ระบาด", "โรค COVID-19 ระบาด"),
            ("มาตรฐาน ISO 9001:2015", "มาตรฐาน ISO 9001:2015"),
            ("ยุค Web 2.0 ปี 2550", "ยุค Web 2.0 ปี ๒๕๕๐"),
            ("สูตร x^2 + 1", "สูตร x^2 + ๑"),
            ("เครือข่าย 4G และ 5G", "เครือข่าย 4G และ 5G"),
            ("ผ่าน Facebook (2 ช่องทาง)", "ผ่าน Facebook (๒ ช่องทาง)"),
            (
                "อีเมล saraban2568@wangkrachae.go.th",
                "อีเมล saraban2568@wangkrachae.go.th",
            ),
            (
                "ดูที่ https://www.wangkrachae.go.th/ita/2568 ภายใน 7 วัน",
                "ดูที่ https://www.wangkrachae.go.th/ita/2568 ภายใน ๗ วัน",
            ),
            ("www.example.com/1", "www.example.com/1"),
            ("ไฟล์ report_2568.pdf", "ไฟล์ report_2568.pdf"),
            ("โทร. 0 3952 1234", "โทร. ๐ ๓๙๕๒ ๑๒๓๔"),
            ("ปี ๒๕๖๘ และ 2569", "ปี ๒๕๖๘ และ ๒๕๖๙"),
        ];
        for (typed, printed) in cases {
            assert_eq!(DigitStyle::Thai.typed(typed), printed, "{typed}");
            assert_eq!(DigitStyle::AsTyped.typed(typed), typed);
            assert_eq!(
                DigitStyle::Arabic.typed(printed),
                DigitStyle::Arabic.apply(typed)
            );
        }
        // What saraban prints itself is Thai under "as_typed".
        assert_eq!(DigitStyle::AsTyped.number(2568), "๒๕๖๘");
    }

    /// Text built from the pieces the digit rule looks at.
    fn mixed_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("ปี".to_owned()),
            Just("ก".to_owned()),
            Just("ๆ".to_owned()),
            Just("COVID".to_owned()),
            Just("x".to_owned()),
            Just("é".to_owned()),
            Just(" ".to_owned()),
            Just("https://".to_owned()),
            Just("www.".to_owned()),
            Just("@".to_owned()),
            "[-_./^+#:=,()@ ]".prop_map(|s| s.to_owned()),
            "[0-9]{1,4}",
            "[๐-๙]{1,3}",
            "[a-z]{1,3}",
        ];
        proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn typed_digits_are_idempotent(text in mixed_text()) {
            let once = DigitStyle::Thai.typed(&text);
            prop_assert_eq!(DigitStyle::Thai.typed(&once), once.clone());
            // Only Arabic digits change, and only into the same Thai digit.
            prop_assert_eq!(once.chars().count(), text.chars().count());
            for (a, b) in text.chars().zip(once.chars()) {
                prop_assert!(a == b || (a.is_ascii_digit() && b == to_thai_digit(a)));
            }
            prop_assert_eq!(DigitStyle::AsTyped.typed(&text), text);
        }

        #[test]
        fn typed_digits_never_change_an_address(
            before in mixed_text(),
            after in mixed_text(),
            url in "(https?://|www\\.)[a-z0-9]{1,8}\\.go\\.th(/[a-z0-9๐-๙ก-ฮ]{0,6}){0,3}",
            mail in "[a-z0-9._+-]{1,8}@[a-z0-9-]{1,8}\\.(go\\.th|com)",
        ) {
            for address in [url, mail] {
                let text = format!("{before} {address} {after}");
                let printed = DigitStyle::Thai.typed(&text);
                prop_assert!(printed.contains(&format!(" {address} ")), "{} -> {}", text, printed);
            }
        }

        #[test]
        fn numbers_in_thai_text_turn_thai(n in any::<u32>(), word in "[ก-ฮ]{1,4}") {
            let text = format!("{word} {n} {word}{n}");
            let thai = DigitStyle::Thai.number(n.into());
            prop_assert_eq!(DigitStyle::Thai.typed(&text), format!("{word} {thai} {word}{thai}"));
        }

        #[test]
        fn digit_styles_round_trip(n in any::<u64>()) {
            let thai = DigitStyle::Thai.number(n);
            prop_assert!(thai.chars().all(|c| THAI_DIGITS.contains(&c)));
            prop_assert_eq!(DigitStyle::Arabic.apply(&thai), n.to_string());
            prop_assert_eq!(parse_number(&thai), Some(n));
        }

        #[test]
        fn digit_conversion_touches_only_digits(text in "\\PC*") {
            let thai = DigitStyle::Thai.apply(&text);
            prop_assert_eq!(thai.chars().count(), text.chars().count());
            for (a, b) in text.chars().zip(thai.chars()) {
                if a.is_ascii_digit() { prop_assert!(THAI_DIGITS.contains(&b)); }
                else { prop_assert_eq!(a, b); }
            }
        }

        #[test]
        fn dates_format_consistently(days in 0i64..(499 * 365)) {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let thai = ThaiDate::new(date).unwrap();
            let year = date.year() + BUDDHIST_ERA_OFFSET;
            let full = thai.full(DigitStyle::Arabic);
            let parts: Vec<&str> = full.split(' ').collect();
            prop_assert_eq!(parts.len(), 3);
            prop_assert_eq!(parts[0].parse::<u32>().unwrap(), date.day());
            prop_assert_eq!(parts[1], MONTHS_FULL[date.month0() as usize]);
            prop_assert_eq!(parts[2].parse::<i32>().unwrap(), year);
            let short = thai.abbreviated(DigitStyle::Arabic);
            let suffix = format!(" {:02}", year % 100);
            prop_assert!(short.ends_with(&suffix));
            // The ISO form parses back to the same date.
            prop_assert_eq!(parse_iso_date(&thai.iso()).unwrap(), thai);
            // Thai digits carry the same numbers.
            prop_assert_eq!(DigitStyle::Arabic.apply(&thai.full(DigitStyle::Thai)), full);
        }
    }
}
