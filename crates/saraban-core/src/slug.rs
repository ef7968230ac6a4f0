//! `Slug`: the short ASCII identifier of an organisation, position, person
//! or register, shared by the organisation's configuration and its routes.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A short ASCII identifier: an organisation, position, person (the
/// sign-in name) or register. Lower-case letters, digits, '-', '_', '.'.
/// Cheap to clone (shared text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(Arc<str>);

impl Slug {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && text.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            });
        if ok {
            Ok(Self(Arc::from(text)))
        } else {
            Err(format!(
                "'{text}' is not an identifier: 1–64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0.to_string()
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
