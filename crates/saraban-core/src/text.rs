//! User-entered text, checked once where it enters.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Non-empty text of at most `MAX` characters: trimmed, line ends made
/// "\n", tabs made spaces, other control characters refused. `MULTILINE`
/// decides whether line breaks are allowed.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MAX: usize, const MULTILINE: bool>(String);

/// One line: a name, a position, a subject heading.
pub type Line = Text<500, false>;
/// A paragraph or a longer field; may hold line breaks.
pub type Paragraph = Text<20_000, true>;

impl<const MAX: usize, const MULTILINE: bool> Text<MAX, MULTILINE> {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let cleaned = clean(raw, MULTILINE)?;
        if cleaned.is_empty() {
            return Err("must not be empty".into());
        }
        if cleaned
            .chars()
            .all(|c| c.is_whitespace() || is_invisible(c))
        {
            return Err("must have a visible character, not only zero-width ones".into());
        }
        let count = cleaned.chars().count();
        if count > MAX {
            return Err(format!(
                "has {count} characters, more than the {MAX} allowed"
            ));
        }
        Ok(Self(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Normalises line ends and whitespace; refuses control characters that
/// have no place on a printed page.
pub(crate) fn clean(raw: &str, multiline: bool) -> Result<String, String> {
    let unified = raw.trim().replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(unified.len());
    for c in unified.chars() {
        match c {
            '\n' if multiline => out.push('\n'),
            '\n' => return Err("must be a single line".into()),
            '\t' => out.push(' '),
            // Zero-width joiners and marks are legitimate in Thai text; other
            // format characters are kept too, but C0/C1 controls and the
            // bidirectional controls below are refused.
            c if c.is_control() => {
                return Err(format!("contains the control character U+{:04X}", c as u32));
            }
            // Refused, not removed: an override makes the printed text read
            // differently from the stored text, and silently dropping it
            // would change what the writer typed.
            c if is_bidi_control(c) => {
                return Err(format!(
                    "contains the bidirectional control character U+{:04X}",
                    c as u32
                ));
            }
            c => out.push(c),
        }
    }
    let trimmed: Vec<&str> = out.split('\n').map(str::trim_end).collect();
    Ok(trimmed.join("\n").trim().to_owned())
}

/// The embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069),
/// which reorder the characters around them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that print nothing: zero-width space, joiners, word joiner,
/// byte-order mark, soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}'
    )
}

impl<const MAX: usize, const MULTILINE: bool> TryFrom<String> for Text<MAX, MULTILINE> {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl<const MAX: usize, const MULTILINE: bool> From<Text<MAX, MULTILINE>> for String {
    fn from(text: Text<MAX, MULTILINE>) -> String {
        text.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> fmt::Debug for Text<MAX, MULTILINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MAX: usize, const MULTILINE: bool> fmt::Display for Text<MAX, MULTILINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A table cell: like a paragraph, but may be empty.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cell(String);

impl Cell {
    pub const MAX: usize = 5_000;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Cell {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        let cleaned = clean(&raw, true)?;
        let count = cleaned.chars().count();
        if count > Self::MAX {
            return Err(format!(
                "has {count} characters, more than the {} allowed",
                Self::MAX
            ));
        }
        Ok(Self(cleaned))
    }
}

impl From<Cell> for String {
    fn from(cell: Cell) -> String {
        cell.0
    }
}

impl fmt::Debug for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lines_are_trimmed_and_checked() {
        assert_eq!(
            Line::parse("  นายกนก ใจรักษ์ ").unwrap().as_str(),
            "นายกนก ใจรักษ์"
        );
        assert!(Line::parse("   ").is_err());
        assert!(Line::parse("a\nb").unwrap_err().contains("single line"));
        assert!(Line::parse("a\u{0}b").unwrap_err().contains("U+0000"));
        assert!(
            Line::parse("\u{200b}\u{200c} \u{feff}")
                .unwrap_err()
                .contains("visible")
        );
        assert!(
            Line::parse("ก\u{200b}ข").is_ok(),
            "zero-width inside Thai text is kept"
        );
        for bidi in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            assert!(
                Line::parse(&format!("ค่า{bidi}321"))
                    .unwrap_err()
                    .contains("bidirectional")
            );
            assert!(Cell::try_from(format!("{bidi}1")).is_err());
        }
        assert_eq!(Paragraph::parse("ก\r\nข  \r\n").unwrap().as_str(), "ก\nข");
    }

    proptest! {
        #[test]
        fn cleaned_text_is_stable(raw in "\\PC{0,80}") {
            if let Ok(text) = Paragraph::parse(&raw) {
                // Cleaning is idempotent and never grows the character count.
                let again = Paragraph::parse(text.as_str()).unwrap();
                prop_assert_eq!(again.as_str(), text.as_str());
                prop_assert!(text.as_str().chars().count() <= raw.chars().count());
            }
        }
    }
}
