//! The document as it stands: the drafter's content with what the route
//! added — endorsements, the signature, the register number — laid over it,
//! ready for the typesetter.

use saraban_core::document::document_from_value;
use saraban_core::org::OrgConfig;
use saraban_core::workflow::Standing;
use saraban_core::{Document, ThaiDate};
use serde_json::{Value, json};

/// One endorsement or signature gathered on the route.
#[derive(Debug, Clone)]
pub(crate) struct Gathered {
    pub kind: String,
    pub text: Option<String>,
    pub date: ThaiDate,
    pub standing: Standing,
    /// The position acted for, and its title.
    pub position_title: String,
    pub name: String,
    pub signature: Option<String>,
    /// The actor's own position title, when acting for another.
    pub own_title: Option<String>,
}

/// What the route has added so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overlay {
    pub gathered: Vec<Gathered>,
    /// The register number, once issued, and the register's prefix.
    pub number: Option<i64>,
    pub prefix: Option<String>,
    /// The public check printed on the issued PDF.
    pub verification: Option<saraban_core::document::Verification>,
}

pub(crate) fn compose(
    content: &Value,
    org: &OrgConfig,
    overlay: &Overlay,
) -> Result<Document, crate::StoreError> {
    let mut value = content.clone();
    let object = value
        .as_object_mut()
        .ok_or_else(|| crate::StoreError::corrupt("content", "not an object"))?;
    let style = object.entry("style").or_insert_with(|| json!({}));
    if let Some(style) = style.as_object_mut() {
        style.insert(
            "digits".into(),
            serde_json::to_value(org.organisation.digits).expect("serialisable"),
        );
        // Paths from a stored document are never followed: the emblem
        // comes from the organisation's record.
        style.remove("emblem");
        style.remove("font_dir");
        style.remove("font_family");
    }
    // Only the engine, at issue, says how the document is checked.
    object.remove("verification");
    if let Some(verification) = &overlay.verification {
        object.insert(
            "verification".into(),
            serde_json::to_value(verification).expect("serialisable"),
        );
    }
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match kind.as_str() {
        "memo" => {
            // The register owns numbers: a number typed into a draft is
            // never printed.
            if let Some(Value::Object(number)) = object.get_mut("number") {
                number.remove("number");
                if let (Some(n), Some(prefix)) = (overlay.number, &overlay.prefix) {
                    number.insert("number".into(), json!(n));
                    number.insert("prefix".into(), json!(prefix));
                }
            }
            let endorsements: Vec<Value> = overlay
                .gathered
                .iter()
                .map(|g| {
                    let default_text = if g.kind == "sign" {
                        "ทราบ"
                    } else {
                        "เห็นควรทราบ"
                    };
                    let mut e = person_block(g);
                    e.insert(
                        "opinion".into(),
                        json!(g.text.clone().unwrap_or_else(|| default_text.into())),
                    );
                    e.insert("date".into(), json!(g.date.iso()));
                    Value::Object(e)
                })
                .collect();
            object.insert("endorsements".into(), Value::Array(endorsements));
        }
        "order" => {
            match overlay.number {
                Some(number) => object.insert("number".into(), json!(number)),
                None => object.remove("number"),
            };
            if let Some(signed) = overlay.gathered.iter().rev().find(|g| g.kind == "sign") {
                object.insert("signer".into(), Value::Object(person_block(signed)));
                object.insert("date".into(), json!(signed.date.iso()));
            }
        }
        _ => {}
    }
    Ok(document_from_value(value)?)
}

/// Name, typed signature, position and delegation wording.
fn person_block(g: &Gathered) -> serde_json::Map<String, Value> {
    let mut block = serde_json::Map::new();
    block.insert("name".into(), json!(g.name));
    if let Some(signature) = &g.signature {
        block.insert("signature".into(), json!(signature));
    }
    match g.standing {
        Standing::Holder => {
            block.insert("position".into(), json!(g.position_title));
        }
        Standing::Delegate(capacity) => {
            let own = g
                .own_title
                .clone()
                .unwrap_or_else(|| g.position_title.clone());
            let capacity = capacity.wording();
            block.insert("position".into(), json!(own));
            block.insert(
                "acting".into(),
                json!({ "capacity": capacity, "principal": g.position_title }),
            );
        }
    }
    block
}
