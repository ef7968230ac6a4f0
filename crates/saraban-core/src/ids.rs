//! The ids that cross crate boundaries: an organisation's, a person's, a
//! position's and a document's. Text from outside (a URL, a form, a
//! command line, a JSON body) becomes one through a fallible `parse`, once,
//! at the edge; past it, a function taking an `OrgId` cannot be handed a
//! person's id. Each (de)serialises as the plain string it wraps, so JSON
//! shapes and stored bytes are those of the text. Cheap to clone.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::slug::Slug;

/// Text that is not an id of the kind wanted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct IdError {
    what: &'static str,
    text: String,
    reason: String,
}

impl IdError {
    fn new(what: &'static str, text: &str, reason: impl Into<String>) -> Self {
        IdError {
            what,
            text: text.to_owned(),
            reason: reason.into(),
        }
    }

    /// What kind of id was wanted ("an organisation id", …).
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The text refused, as it was given.
    pub fn text(&self) -> &str {
        &self.text
    }
}

macro_rules! common_impls {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// An id reads as its text wherever text is wanted; text becomes
        /// an id only through `parse`.
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                self.as_str()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::parse(text)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(text: &str) -> Result<Self, IdError> {
                Self::parse(text)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(text: String) -> Result<Self, IdError> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.as_str().to_owned()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.as_str()
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.as_str()
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self == other.as_str()
            }
        }
    };
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Slug);

        impl $name {
            /// Parses text from outside: a `Slug` (1–64 of a-z, 0-9, '-',
            /// '_', '.', starting with a letter or digit).
            pub fn parse(text: &str) -> Result<Self, IdError> {
                Slug::parse(text)
                    .map(Self)
                    .map_err(|reason| {
                        let reason = reason.replacen(
                            "is not an identifier",
                            concat!("is not ", $what),
                            1,
                        );
                        IdError::new($what, text, reason)
                    })
            }

            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            pub fn as_slug(&self) -> &Slug {
                &self.0
            }
        }

        impl From<Slug> for $name {
            fn from(slug: Slug) -> Self {
                Self(slug)
            }
        }

        impl From<$name> for Slug {
            fn from(id: $name) -> Slug {
                id.0
            }
        }

        impl PartialEq<Slug> for $name {
            fn eq(&self, other: &Slug) -> bool {
                &self.0 == other
            }
        }

        common_impls!($name);
    };
}

slug_id!(
    /// An organisation's id (`wangkrachae`): the first part of every key
    /// the store keeps.
    OrgId,
    "an organisation id"
);

slug_id!(
    /// A person's id, their sign-in name within the organisation.
    PersonId,
    "a person id"
);

slug_id!(
    /// A position's id (`mayor`, `clerk`).
    PositionId,
    "a position id"
);

/// A document's id: a UUID (version 7 for documents made now), written as
/// the store writes it, lower-case hex in groups of 8-4-4-4-12 joined by
/// hyphens. Any other spelling names no document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId(Arc<str>);

impl DocumentId {
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let groups = [8, 4, 4, 4, 12];
        let mut parts = text.split('-');
        let ok = groups.iter().all(|&length| {
            parts.next().is_some_and(|part| {
                part.len() == length
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
        }) && parts.next().is_none();
        if ok {
            Ok(DocumentId(Arc::from(text)))
        } else {
            Err(IdError::new(
                "a document id",
                text,
                format!(
                    "'{text}' is not a document id: a UUID in lower-case hex, grouped 8-4-4-4-12 by hyphens"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

common_impls!(DocumentId);

impl Serialize for DocumentId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DocumentId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DocumentId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_ids_parse_as_slugs() {
        let org = OrgId::parse("wangkrachae").unwrap();
        assert_eq!(org.as_str(), "wangkrachae");
        assert_eq!(org.to_string(), "wangkrachae");
        assert_eq!(org, "wangkrachae");
        let error = PersonId::parse("Somchai").unwrap_err();
        assert_eq!(error.what(), "a person id");
        assert_eq!(error.text(), "Somchai");
        assert!(
            error
                .to_string()
                .starts_with("'Somchai' is not a person id: 1–64 of a-z"),
            "{error}"
        );
        assert!(PositionId::parse("").is_err());
    }

    #[test]
    fn document_ids_are_lower_case_hyphenated_uuids() {
        let text = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(DocumentId::parse(text).unwrap().as_str(), text);
        for bad in [
            "",
            "not-a-document",
            "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B",
            "0190a1b2c3d47e5f8a9b0c1d2e3f4a5b",
            "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b-",
            "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5",
            "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g",
        ] {
            assert!(DocumentId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_serialise_as_their_text() {
        let id = DocumentId::parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\"");
        assert_eq!(serde_json::from_str::<DocumentId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<DocumentId>("\"x\"").is_err());
        let org = OrgId::parse("demo").unwrap();
        assert_eq!(serde_json::to_string(&org).unwrap(), "\"demo\"");
        assert_eq!(serde_json::from_str::<OrgId>("\"demo\"").unwrap(), org);
        assert!(serde_json::from_str::<OrgId>("\"De mo\"").is_err());
    }
}
