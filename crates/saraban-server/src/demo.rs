//! The demo organisation: องค์การบริหารส่วนตำบลวังกระแจะ with its people,
//! routes and a handful of documents at different states, seeded once.

use chrono::{DateTime, TimeZone, Utc};
use saraban_core::clock::thai_offset;
use saraban_core::document::read_value;
use saraban_core::org::{OrgConfig, PersonConfig, Slug};
use saraban_core::text::Line;
use saraban_core::workflow::RouteAction as A;
use saraban_core::{Drafted, OrgId, PersonId, Syntax};
use saraban_store::{Result, Store, StoreError};

pub const ORG: &str = "wangkrachae";
/// Every demo user's password.
pub const PASSWORD: &str = "saraban-demo";

const CONFIG: &str = include_str!("../../../examples/organisation/wangkrachae.toml");
const MEMO: &str = include_str!("../../../examples/ita-report-2568.toml");
const ORDER: &str = include_str!("../../../examples/order-490-2567.toml");
const DELEGATED_ORDER: &str = include_str!("../../../examples/order-490-2567-delegated.json");
const LETTER: &str = include_str!("../../../examples/letter-ita-report-2568.toml");
const STAMPED: &str = include_str!("../../../examples/stamped-receipt-2568.toml");
const ANNOUNCEMENT: &str = include_str!("../../../examples/announcement-complaints-2568.toml");

/// The demo's administrator (ผู้ดูแลระบบ): holds no position, so it edits
/// the organisation but takes no part in any route.
pub const ADMIN: &str = "admin";

/// Who signs in as whom, for the start-up message.
pub const LOGINS: [(&str, &str); 7] = [
    ("chanyurat", "ผู้ช่วยนิติกร (drafts)"),
    ("somjai", "หัวหน้าสำนักปลัด (reviews)"),
    ("somsak", "รองปลัด (reviews)"),
    ("wilaiwan", "ปลัด (reviews)"),
    ("kanok", "นายก (signs)"),
    ("sunee", "สารบรรณ (receives, numbers and issues)"),
    (
        ADMIN,
        "ผู้ดูแลระบบ (administrator: people, routes, registers, emblem)",
    ),
];

/// The administrator, added to the example organisation (whose file
/// names only the staff on routes).
fn administrator() -> Result<PersonConfig> {
    let invalid = |e: String| StoreError::invalid("people", e);
    Ok(PersonConfig {
        id: Slug::parse(ADMIN).map_err(invalid)?,
        name: Line::parse("นายวิชัย ดูแลระบบ").map_err(invalid)?,
        signature: None,
        holds: Vec::new(),
        admin: true,
    })
}

fn at(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    thai_offset()
        .with_ymd_and_hms(year, month, day, hour, 0, 0)
        .single()
        .expect("valid")
        .with_timezone(&Utc)
}

/// The id of the demo's organisation or of one of its people: known good.
fn org(id: &str) -> OrgId {
    OrgId::parse(id).expect("the demo's ids are ids")
}

fn person(id: &str) -> PersonId {
    PersonId::parse(id).expect("the demo's ids are ids")
}

fn content(text: &str, syntax: Syntax) -> Result<serde_json::Value> {
    Ok(read_value(text, syntax)?)
}

/// A step of a demo document's route: who takes which action, with what
/// text, when.
type Step = (&'static str, A, Option<&'static str>, DateTime<Utc>);

/// The whole route of an order, a letter or an announcement: submitted,
/// endorsed by the head of office and the permanent secretary, signed and
/// issued; the `k`th step (from 0) at `when(k, action)`.
fn whole_route(when: impl Fn(u32, A) -> DateTime<Utc>) -> Vec<Step> {
    [
        ("chanyurat", A::Submit, None),
        ("somjai", A::Endorse, Some("เห็นควรเสนอ")),
        ("wilaiwan", A::Endorse, Some("เห็นควรลงนาม")),
        ("kanok", A::Sign, None),
        ("sunee", A::Issue, None),
    ]
    .into_iter()
    .zip(0..)
    .map(|((who, action, text), k)| (who, action, text, when(k, action)))
    .collect()
}

/// A document drafted by the assistant legal officer at `drafted`, then
/// taken through `steps` in order.
async fn drafted_through(
    store: &Store,
    content: serde_json::Value,
    drafted: DateTime<Utc>,
    steps: &[Step],
) -> Result<()> {
    let drafter = person("chanyurat");
    let id = store
        .create_document(&org(ORG), &drafter, Drafted::from_value(content)?, drafted)
        .await?
        .id;
    for &(who, action, text, when) in steps {
        store
            .act(&org(ORG), &person(who), &id, action, text, when)
            .await?;
    }
    Ok(())
}

/// Signature images of the demo's people, drawn by a script as a hand
/// would on the signature pad.
const DEMO_SIGNATURES: [(&str, &[u8]); 3] = [
    ("somjai", include_bytes!("demo-signatures/somjai.png")),
    ("somsak", include_bytes!("demo-signatures/somsak.png")),
    ("kanok", include_bytes!("demo-signatures/kanok.png")),
];

/// Seeds the demo organisation unless it exists. Returns whether it did.
pub async fn seed(store: &Store) -> Result<bool> {
    if store.organisations().await?.iter().any(|o| o == ORG) {
        return Ok(false);
    }
    let mut config = OrgConfig::parse_toml(CONFIG)?;
    config.people.push(administrator()?);
    store.init_org(&config, None, at(2024, 1, 2, 9)).await?;
    for person in &config.people {
        store
            .set_password(&org(ORG), &PersonId::from(person.id.clone()), PASSWORD)
            .await?;
    }
    // The head of office, the deputy and the mayor have registered
    // signature images (pen strokes drawn for the demo), so the demo's
    // issued documents show them; the others print their names alone.
    for (who, drawn) in DEMO_SIGNATURES {
        let image = saraban_typeset::normalise_signature(drawn)
            .map_err(|e| StoreError::invariant(format!("demo signature of {who}: {e}")))?;
        store
            .register_signature(&org(ORG), &person(who), image.png, at(2024, 1, 2, 10))
            .await?;
    }
    let memo = content(MEMO, Syntax::Toml)?;
    let order = content(ORDER, Syntax::Toml)?;
    let other_order = content(DELEGATED_ORDER, Syntax::Json)?;

    // Order ๔๘๙/๒๕๖๗, then ๔๙๐/๒๕๖๗ (the register continued the paper one at 489).
    for (document, month, day) in [(&other_order, 7, 30), (&order, 8, 1)] {
        let steps = whole_route(|k, _| at(2024, month, day, 9 + k));
        drafted_through(store, document.clone(), at(2024, month, day, 8), &steps).await?;
    }

    // The seed memo, through its whole route to the register.
    let steps = [
        ("chanyurat", A::Submit, None, at(2025, 4, 9, 11)),
        (
            "somjai",
            A::Endorse,
            Some("เรียน ปลัด อบต.\nเพื่อโปรดทราบ"),
            at(2025, 4, 13, 9),
        ),
        (
            "somsak",
            A::Endorse,
            Some("เรียน ปลัด อบต.\nเพื่อโปรดทราบ"),
            at(2025, 4, 13, 10),
        ),
        (
            "wilaiwan",
            A::Endorse,
            Some("เรียน นายก อบต.\nเพื่อโปรดทราบ"),
            at(2025, 4, 13, 11),
        ),
        ("kanok", A::Sign, Some("ทราบ"), at(2025, 4, 13, 14)),
        ("sunee", A::Issue, None, at(2025, 4, 13, 15)),
    ];
    drafted_through(store, memo.clone(), at(2025, 4, 9, 10), &steps).await?;

    // The letter sending the report to the district office, numbered in the
    // ทะเบียนหนังสือส่ง after the memo; the announcement of the complaint
    // channels in its own register, issued the next day and put on the
    // public board (/p/wangkrachae).
    for (text, day, month) in [(LETTER, 20, 4), (ANNOUNCEMENT, 14, 5)] {
        let mut steps = whole_route(|k, action| {
            let day = if action == A::Issue { day + 1 } else { day };
            at(2025, month, day, 10 + k)
        });
        if text == ANNOUNCEMENT {
            steps.push(("sunee", A::Publish, None, at(2025, month, day + 1, 16)));
        }
        let document = content(text, Syntax::Toml)?;
        drafted_through(store, document, at(2025, month, day, 9), &steps).await?;
    }
    // A stamped letter waiting for the head of office to initial it.
    let steps = [("chanyurat", A::Submit, None, at(2025, 5, 2, 8))];
    let stamped = content(STAMPED, Syntax::Toml)?;
    drafted_through(store, stamped, at(2025, 5, 2, 8), &steps).await?;

    // Work in progress: awaiting the mayor, in review, a draft.
    let titled = |subject: &str| {
        let mut value = memo.clone();
        value["subject"] = serde_json::Value::String(subject.into());
        value
    };
    let approve = Some("เห็นควรอนุมัติ");
    let steps = [
        ("chanyurat", A::Submit, None, at(2025, 5, 2, 10)),
        ("somjai", A::Endorse, approve, at(2025, 5, 3, 9)),
        ("somsak", A::Endorse, approve, at(2025, 5, 3, 9)),
        ("wilaiwan", A::Endorse, approve, at(2025, 5, 3, 9)),
    ];
    let awaiting = titled("ขออนุมัติจัดทำคู่มือการปฏิบัติงาน");
    drafted_through(store, awaiting, at(2025, 5, 2, 9), &steps).await?;
    let steps = [
        ("chanyurat", A::Submit, None, at(2025, 5, 5, 10)),
        (
            "somjai",
            A::Endorse,
            Some("เรียน ปลัด อบต. เพื่อโปรดพิจารณา"),
            at(2025, 5, 6, 9),
        ),
    ];
    let reviewing = titled("รายงานผลการเผยแพร่ข้อมูลข่าวสาร");
    drafted_through(store, reviewing, at(2025, 5, 5, 9), &steps).await?;
    let draft = titled("ร่าง บันทึกขอความเห็นชอบ");
    drafted_through(store, draft, at(2025, 5, 7, 9), &[]).await?;

    let report = store.audit(&org(ORG)).await?;
    if !report.holds() {
        return Err(StoreError::invariant(format!(
            "demo log: {:?}",
            report.findings
        )));
    }
    Ok(true)
}
