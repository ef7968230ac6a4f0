//! An organisation as its configuration file describes it: name, digit
//! style, registers, positions, people and what they hold, delegations,
//! and the routes documents take. Read by `saraban org init FILE`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::clock::YearReset;
use crate::document::{Capacity, InputError};
use crate::register::{NumberPattern, RegisterPrefix};
use crate::text::Line;
use crate::thai::{BuddhistYear, DigitStyle, ThaiDate};
use crate::workflow::{OnReturn, Route, RouteStep};

pub use crate::slug::Slug;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    pub organisation: OrgInfo,
    #[serde(default)]
    pub registers: Vec<RegisterConfig>,
    #[serde(default)]
    pub positions: Vec<PositionConfig>,
    #[serde(default)]
    pub people: Vec<PersonConfig>,
    #[serde(default)]
    pub delegations: Vec<DelegationConfig>,
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// The organisation's own words (village and place names, terms) that
    /// a printed line must never split; see `segment`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<Line>,
    /// The positions that head a unit (หัวหน้าส่วนราชการระดับกอง or the
    /// like): only they may be the official a stamped letter's route
    /// names to sign, who initials its stamp.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heads_of_unit: Vec<Slug>,
    /// The ready-made texts offered when endorsing or signing; absent, the
    /// defaults of `QuickText::defaults`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_texts: Option<Vec<QuickText>>,
}

/// A ready-made endorsement or signing text ("เรียน {next} เพื่อโปรดพิจารณา").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickText {
    /// Offered to whom: "endorse" (a reviewer) or "sign" (the signer).
    pub action: QuickAction,
    /// The document kind it is offered for; every kind when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The text; `{next}` stands for the position the document goes to next.
    pub text: Line,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuickAction {
    Endorse,
    Sign,
}

impl QuickText {
    /// Office usage, addressed upward: a reviewer writes to the next
    /// position, the signer answers.
    pub fn defaults() -> Vec<QuickText> {
        let text = |action, kind: Option<&str>, text: &str| QuickText {
            action,
            kind: kind.map(str::to_owned),
            text: Line::parse(text).expect("a fixed wording is a line"),
        };
        use QuickAction::{Endorse, Sign};
        vec![
            text(Endorse, None, "เรียน {next} เพื่อโปรดพิจารณา"),
            text(Endorse, Some("memo"), "เรียน {next} เพื่อโปรดทราบ"),
            text(Endorse, Some("memo"), "เรียน {next} เพื่อโปรดพิจารณาอนุมัติ"),
            text(Endorse, Some("order"), "เรียน {next} เพื่อโปรดพิจารณาลงนาม"),
            text(Sign, Some("memo"), "ทราบ"),
            text(Sign, Some("memo"), "อนุมัติ"),
            text(Sign, None, "ลงนามแล้ว"),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgInfo {
    pub id: Slug,
    pub name: Line,
    #[serde(default)]
    pub digits: DigitStyle,
    /// ส่วนราชการ printed on memos (defaults to the name).
    #[serde(default)]
    pub unit: Option<Line>,
    #[serde(default)]
    pub phone: Option<Line>,
    /// The Garuda artwork, relative to the configuration file.
    #[serde(default)]
    pub emblem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterConfig {
    pub id: Slug,
    pub name: Line,
    /// The document kind numbered here ("memo", "order").
    pub kind: String,
    /// "ตร ๗๑๐๐๑" for prefix/number registers; absent for number/year.
    #[serde(default)]
    pub prefix: Option<RegisterPrefix>,
    #[serde(default)]
    pub reset: YearReset,
    /// Continue a paper register: the first number saraban gives in `year`.
    #[serde(default)]
    pub start: Option<RegisterStart>,
    /// A unit's own receiving register (kind `incoming`): the positions
    /// whose holders record letters in it once the central registry has
    /// received them. Written only when set, so other registers keep
    /// their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_by: Vec<Slug>,
}

impl RegisterConfig {
    /// Whether this is a unit's own receiving register.
    pub fn is_unit_register(&self) -> bool {
        !self.kept_by.is_empty()
    }

    pub fn pattern(&self) -> NumberPattern {
        match &self.prefix {
            Some(prefix) => NumberPattern::PrefixNumber {
                prefix: prefix.clone(),
            },
            None => NumberPattern::NumberYear,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterStart {
    pub year: BuddhistYear,
    pub next: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionConfig {
    pub id: Slug,
    /// ตำแหน่ง as printed under a signature.
    pub title: Line,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonConfig {
    pub id: Slug,
    /// Full name with title ("นางสาวฉัญญุรัตน์ อิ่มสมบัติ").
    pub name: Line,
    #[serde(default)]
    pub signature: Option<Line>,
    #[serde(default)]
    pub holds: Vec<Holding>,
    /// Manages people, positions and routes (reads no document by it).
    #[serde(default)]
    pub admin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holding {
    pub position: Slug,
    pub from: ThaiDate,
    #[serde(default)]
    pub to: Option<ThaiDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegationConfig {
    /// Who may act.
    pub delegate: Slug,
    /// For which position.
    pub position: Slug,
    pub capacity: Capacity,
    /// The order that granted it ("คำสั่ง อบต.วังกระแจะ ที่ ๑๒/๒๕๖๘").
    pub order: Line,
    pub from: ThaiDate,
    pub to: ThaiDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    pub kind: String,
    /// Review steps in order; each is one position or a parallel group.
    #[serde(default)]
    pub review: Vec<StepConfig>,
    /// The position that signs.
    pub sign: Slug,
    /// The position that numbers and issues (สารบรรณ).
    pub issue: Slug,
    /// The register issued documents are numbered in.
    pub register: Slug,
    /// Where a returned document goes when resubmitted: `restart` (the
    /// default) or `back_to_returner`.
    #[serde(default, skip_serializing_if = "OnReturn::is_restart")]
    pub on_return: OnReturn,
    /// For received letters: one marked ด่วนที่สุด goes from the registrar
    /// straight to the signer, past the review steps.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub urgent_skips_review: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StepConfig {
    One(Slug),
    Group { any_of: Vec<Slug>, required: usize },
}

impl OrgConfig {
    /// Reads and cross-checks a configuration file (TOML).
    pub fn parse_toml(text: &str) -> Result<Self, InputError> {
        let value: serde_json::Value = toml::from_str(text).map_err(|e| InputError {
            path: String::new(),
            message: format!("not valid TOML: {e}")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })?;
        Self::from_value(value)
    }

    /// Reads and cross-checks a configuration given as JSON (the API's path).
    pub fn from_value(value: serde_json::Value) -> Result<Self, InputError> {
        let config: OrgConfig =
            serde_path_to_error::deserialize(value).map_err(|e| InputError {
                path: e.path().to_string(),
                message: e.into_inner().to_string(),
            })?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), InputError> {
        let error = |path: String, message: String| InputError { path, message };
        let unique = |ids: Vec<&Slug>, what: &str| -> Result<BTreeSet<Slug>, InputError> {
            let mut seen = BTreeSet::new();
            for (i, id) in ids.into_iter().enumerate() {
                if !seen.insert(id.clone()) {
                    return Err(error(
                        format!("{what}[{i}].id"),
                        format!("'{id}' appears twice"),
                    ));
                }
            }
            Ok(seen)
        };
        let positions = unique(self.positions.iter().map(|p| &p.id).collect(), "positions")?;
        let people = unique(self.people.iter().map(|p| &p.id).collect(), "people")?;
        let registers = unique(self.registers.iter().map(|r| &r.id).collect(), "registers")?;
        for (i, head) in self.heads_of_unit.iter().enumerate() {
            if !positions.contains(head) {
                return Err(error(
                    format!("heads_of_unit[{i}]"),
                    format!("no position '{head}' is defined"),
                ));
            }
        }
        let known = |set: &BTreeSet<Slug>, id: &Slug, path: String, what: &str| {
            if set.contains(id) {
                Ok(())
            } else {
                Err(error(path, format!("no {what} '{id}' is defined")))
            }
        };
        for (i, person) in self.people.iter().enumerate() {
            for (j, holding) in person.holds.iter().enumerate() {
                known(
                    &positions,
                    &holding.position,
                    format!("people[{i}].holds[{j}].position"),
                    "position",
                )?;
                if holding.to.is_some_and(|to| to < holding.from) {
                    return Err(error(
                        format!("people[{i}].holds[{j}].to"),
                        "is before `from`".into(),
                    ));
                }
            }
        }
        for (i, d) in self.delegations.iter().enumerate() {
            known(
                &people,
                &d.delegate,
                format!("delegations[{i}].delegate"),
                "person",
            )?;
            known(
                &positions,
                &d.position,
                format!("delegations[{i}].position"),
                "position",
            )?;
            if d.to < d.from {
                return Err(error(
                    format!("delegations[{i}].to"),
                    "is before `from`".into(),
                ));
            }
        }
        for (i, register) in self.registers.iter().enumerate() {
            if register.kind != crate::incoming::KIND
                && !crate::document::KINDS
                    .iter()
                    .any(|(k, _)| *k == register.kind)
            {
                return Err(error(
                    format!("registers[{i}].kind"),
                    format!("unknown kind '{}'", register.kind),
                ));
            }
            for (j, keeper) in register.kept_by.iter().enumerate() {
                if register.kind != crate::incoming::KIND {
                    return Err(error(
                        format!("registers[{i}].kept_by"),
                        "only a receiving register (kind 'incoming') is kept by a unit".into(),
                    ));
                }
                known(
                    &positions,
                    keeper,
                    format!("registers[{i}].kept_by[{j}]"),
                    "position",
                )?;
            }
            if register.start.as_ref().is_some_and(|s| s.next == 0) {
                return Err(error(
                    format!("registers[{i}].start.next"),
                    "numbers start at 1".into(),
                ));
            }
        }
        for (i, quick) in self.quick_texts.iter().flatten().enumerate() {
            if let Some(kind) = &quick.kind
                && kind != crate::incoming::KIND
                && !crate::document::KINDS
                    .iter()
                    .any(|(k, _)| *k == kind.as_str())
            {
                return Err(error(
                    format!("quick_texts[{i}].kind"),
                    format!("unknown kind '{kind}'"),
                ));
            }
        }
        let mut kinds = BTreeSet::new();
        for (i, route) in self.routes.iter().enumerate() {
            if !kinds.insert(route.kind.clone()) {
                return Err(error(
                    format!("routes[{i}].kind"),
                    format!("a second route for '{}'", route.kind),
                ));
            }
            known(
                &positions,
                &route.sign,
                format!("routes[{i}].sign"),
                "position",
            )?;
            known(
                &positions,
                &route.issue,
                format!("routes[{i}].issue"),
                "position",
            )?;
            known(
                &registers,
                &route.register,
                format!("routes[{i}].register"),
                "register",
            )?;
            let register = self
                .registers
                .iter()
                .find(|r| r.id == route.register)
                .expect("checked");
            if register.is_unit_register() {
                return Err(error(
                    format!("routes[{i}].register"),
                    format!(
                        "register '{}' is a unit's own (kept_by); the central registry numbers in another",
                        register.id
                    ),
                ));
            }
            if !crate::document::register_numbers(&register.kind, &route.kind) {
                return Err(error(
                    format!("routes[{i}].register"),
                    format!(
                        "register '{}' numbers {} documents, not {}",
                        register.id, register.kind, route.kind
                    ),
                ));
            }
            if route.kind == "stamped" && !self.heads_of_unit.contains(&route.sign) {
                return Err(error(
                    format!("routes[{i}].sign"),
                    format!(
                        "a stamped letter is initialled by a head of unit; '{}' is not in \
                         `heads_of_unit`",
                        route.sign
                    ),
                ));
            }
            for (j, step) in route.review.iter().enumerate() {
                let path = format!("routes[{i}].review[{j}]");
                match step {
                    StepConfig::One(position) => known(&positions, position, path, "position")?,
                    StepConfig::Group { any_of, required } => {
                        for position in any_of {
                            known(&positions, position, path.clone(), "position")?;
                        }
                        if *required == 0 || *required > any_of.len() {
                            return Err(error(
                                format!("{path}.required"),
                                format!("must be 1..={} for this group", any_of.len()),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The route for `kind` as the engine runs it.
    pub fn route(&self, kind: &str) -> Option<Route> {
        let config = self.routes.iter().find(|r| r.kind == kind)?;
        Some(Route {
            review: config
                .review
                .iter()
                .map(|step| match step {
                    StepConfig::One(position) => RouteStep {
                        positions: vec![position.clone()],
                        required: 1,
                    },
                    StepConfig::Group { any_of, required } => RouteStep {
                        positions: any_of.clone(),
                        required: *required,
                    },
                })
                .collect(),
            sign: config.sign.clone(),
            issue: config.issue.clone(),
            register: config.register.clone(),
            on_return: config.on_return,
            incoming: kind == crate::incoming::KIND,
            urgent_skips_review: config.urgent_skips_review,
        })
    }

    /// The quick texts offered for `action` on a document of `kind`, in
    /// order, with `{next}` still in them.
    pub fn quick_texts_for(&self, kind: &str, action: QuickAction) -> Vec<Line> {
        let texts = self.quick_texts.clone().unwrap_or_else(QuickText::defaults);
        texts
            .into_iter()
            .filter(|q| q.action == action && q.kind.as_deref().is_none_or(|k| k == kind))
            .map(|q| q.text)
            .collect()
    }

    /// The units' own receiving registers.
    pub fn unit_registers(&self) -> impl Iterator<Item = &RegisterConfig> {
        self.registers.iter().filter(|r| r.is_unit_register())
    }

    /// Titles of positions by id.
    pub fn position_titles(&self) -> BTreeMap<&Slug, &Line> {
        self.positions.iter().map(|p| (&p.id, &p.title)).collect()
    }
}

/// Whether a date falls in [from, to] (an open end when `to` is none).
pub fn covers(from: NaiveDate, to: Option<NaiveDate>, date: NaiveDate) -> bool {
    from <= date && to.is_none_or(|to| date <= to)
}

#[cfg(test)]
mod tests {
    use super::{OrgConfig, QuickAction};

    fn example() -> OrgConfig {
        OrgConfig::parse_toml(include_str!(
            "../../../examples/organisation/wangkrachae.toml"
        ))
        .expect("the example organisation")
    }

    /// Without `quick_texts` the defaults are offered, and the
    /// configuration's bytes carry no trace of the field.
    #[test]
    fn quick_texts_default_when_absent() {
        let config = example();
        assert_eq!(config.quick_texts, None);
        let json = serde_json::to_string(&config).expect("JSON");
        assert!(!json.contains("quick_texts"), "{json}");
        let sign: Vec<String> = config
            .quick_texts_for("memo", QuickAction::Sign)
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect();
        assert_eq!(sign, ["ทราบ", "อนุมัติ", "ลงนามแล้ว"]);
        assert_eq!(
            config.quick_texts_for("order", QuickAction::Endorse).len(),
            2
        );
    }

    #[test]
    fn an_organisations_own_quick_texts() {
        let mut value = serde_json::to_value(example()).expect("JSON");
        value["quick_texts"] = serde_json::json!([
            { "action": "endorse", "text": "เรียน {next} เพื่อโปรดพิจารณาสั่งการ" },
            { "action": "sign", "kind": "order", "text": "ลงนามแล้ว" }
        ]);
        let config = OrgConfig::from_value(value.clone()).expect("a configuration");
        let endorse = config.quick_texts_for("memo", QuickAction::Endorse);
        assert_eq!(endorse.len(), 1);
        assert_eq!(endorse[0].as_str(), "เรียน {next} เพื่อโปรดพิจารณาสั่งการ");
        assert!(config.quick_texts_for("memo", QuickAction::Sign).is_empty());
        value["quick_texts"][1]["kind"] = serde_json::json!("poster");
        let error = OrgConfig::from_value(value).expect_err("an unknown kind");
        assert_eq!(error.path, "quick_texts[1].kind");
    }

    // The outgoing kinds' routes and registers (issue 15).

    fn example_org() -> OrgConfig {
        OrgConfig::parse_toml(include_str!(
            "../../../examples/organisation/wangkrachae.toml"
        ))
        .unwrap()
    }

    #[test]
    fn a_stamped_letters_route_is_signed_by_a_head_of_unit() {
        let mut config = example_org();
        let stamped = config
            .routes
            .iter()
            .position(|r| r.kind == "stamped")
            .unwrap();
        config.routes[stamped].sign = super::Slug::parse("legal-assistant").unwrap();
        let value = serde_json::to_value(&config).unwrap();
        let refused = OrgConfig::from_value(value).unwrap_err();
        assert_eq!(refused.path, format!("routes[{stamped}].sign"));
        assert!(refused.message.contains("head of unit"), "{refused}");
        // Which positions head a unit is the organisation's to say.
        config
            .heads_of_unit
            .push(super::Slug::parse("legal-assistant").unwrap());
        let value = serde_json::to_value(&config).unwrap();
        assert!(OrgConfig::from_value(value).is_ok());
    }

    #[test]
    fn a_unit_keeps_its_own_receiving_register() {
        let config = example_org();
        let units: Vec<&str> = config.unit_registers().map(|r| r.id.as_str()).collect();
        assert_eq!(units, ["office-received"]);
        let unit = config
            .registers
            .iter()
            .position(|r| r.id.as_str() == "office-received")
            .unwrap();
        // Its keepers are positions of the organisation.
        let mut value = serde_json::to_value(&config).unwrap();
        value["registers"][unit]["kept_by"] = serde_json::json!(["head-of-office", "nobody"]);
        let refused = OrgConfig::from_value(value).unwrap_err();
        assert_eq!(refused.path, format!("registers[{unit}].kept_by[1]"));
        // Only a receiving register is kept by a unit.
        let mut value = serde_json::to_value(&config).unwrap();
        value["registers"][0]["kept_by"] = serde_json::json!(["head-of-office"]);
        let refused = OrgConfig::from_value(value).unwrap_err();
        assert_eq!(refused.path, "registers[0].kept_by");
        // The central registry does not number in a unit's register.
        let mut wrong = config.clone();
        let incoming = wrong
            .routes
            .iter()
            .position(|r| r.kind == "incoming")
            .unwrap();
        wrong.routes[incoming].register = super::Slug::parse("office-received").unwrap();
        let refused = OrgConfig::from_value(serde_json::to_value(&wrong).unwrap()).unwrap_err();
        assert_eq!(refused.path, format!("routes[{incoming}].register"));
        // A register without keepers keeps its bytes.
        let json = serde_json::to_string(&config.registers[0]).unwrap();
        assert!(!json.contains("kept_by"), "{json}");
    }

    #[test]
    fn outgoing_letters_share_the_register_of_memos_and_announcements_keep_theirs() {
        let config = example_org();
        let register = |kind: &str| config.route(kind).unwrap().register;
        assert_eq!(register("letter"), register("memo"));
        assert_eq!(register("stamped"), register("memo"));
        assert_eq!(register("announcement").as_str(), "announcement");
        let mut wrong = config.clone();
        let announcement = wrong
            .routes
            .iter()
            .position(|r| r.kind == "announcement")
            .unwrap();
        wrong.routes[announcement].register = super::Slug::parse("memo").unwrap();
        let refused = OrgConfig::from_value(serde_json::to_value(&wrong).unwrap()).unwrap_err();
        assert_eq!(refused.path, format!("routes[{announcement}].register"));
    }
}
