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
use crate::workflow::{Route, RouteStep};

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
}

impl RegisterConfig {
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
            if !crate::document::KINDS
                .iter()
                .any(|(k, _)| *k == register.kind)
            {
                return Err(error(
                    format!("registers[{i}].kind"),
                    format!("unknown kind '{}'", register.kind),
                ));
            }
            if register.start.as_ref().is_some_and(|s| s.next == 0) {
                return Err(error(
                    format!("registers[{i}].start.next"),
                    "numbers start at 1".into(),
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
            if register.kind != route.kind {
                return Err(error(
                    format!("routes[{i}].register"),
                    format!(
                        "register '{}' numbers {} documents, not {}",
                        register.id, register.kind, route.kind
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
        })
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
