//! What the pages say: Thai names of actions, states and fields, refusals
//! and bad input in words a first-time user understands, dates and times
//! in the organisation's digits.

use axum::http::StatusCode;
use chrono::DateTime;
use saraban_core::document::Capacity;
use saraban_core::org::OrgConfig;
use saraban_core::workflow::{ActionKind, Refusal, Standing};
use saraban_core::{DigitStyle, ThaiDate};
use saraban_store::StoreError;

pub(crate) fn action_name(action: impl Into<ActionKind>) -> &'static str {
    match action.into() {
        ActionKind::Edit => "แก้ไขร่าง",
        ActionKind::Submit => "ส่งเสนอ",
        ActionKind::Endorse => "ลงความเห็นและเสนอต่อ",
        ActionKind::Return => "ส่งคืนแก้ไข",
        ActionKind::Sign => "ลงนาม",
        ActionKind::Issue => "ออกเลขทะเบียน",
        ActionKind::Withdraw => "ถอนเรื่อง",
        ActionKind::Cancel => "ยกเลิกเลขทะเบียน",
        ActionKind::Archive => "เก็บเข้าแฟ้ม",
        ActionKind::Publish => "เผยแพร่",
        ActionKind::Unpublish => "ยกเลิกการเผยแพร่",
        ActionKind::Close => "บันทึกการปฏิบัติ",
        ActionKind::Circulate => "เวียนแจ้ง",
        ActionKind::Acknowledge => "รับทราบ",
    }
}

/// What the confirmation page explains before the action is taken.
pub(crate) fn action_explained(action: impl Into<ActionKind>) -> &'static str {
    match action.into() {
        ActionKind::Edit => "แก้ไขเนื้อหาของร่าง",
        ActionKind::Submit => "ส่งร่างนี้ไปตามเส้นทางเสนอ เมื่อส่งแล้วจะแก้ไขไม่ได้จนกว่าจะถูกส่งคืน",
        ActionKind::Endorse => {
            "ความเห็นของท่านจะพิมพ์ลงในเอกสาร (เกษียณหนังสือ) พร้อมชื่อ ตำแหน่ง และวันที่ แล้วเอกสารจะไปยังผู้พิจารณาลำดับถัดไป"
        }
        ActionKind::Return => {
            "ส่งเอกสารคืนผู้จัดทำร่างเพื่อแก้ไข พร้อมเหตุผลของท่าน ความเห็นที่รวบรวมไว้ในรอบนี้จะต้องเสนอใหม่"
        }
        ActionKind::Sign => "ลงนามในเอกสารนี้ แล้วส่งต่อให้งานสารบรรณออกเลขทะเบียน",
        ActionKind::Issue => {
            "ออกเลขที่หนังสือจากทะเบียนและจัดทำไฟล์ PDF ฉบับจริง เลขที่ออกแล้วจะไม่ถูกนำกลับมาใช้ใหม่"
        }
        ActionKind::Withdraw => "ถอนเรื่องนี้ออกจากเส้นทางเสนอ เรื่องจะสิ้นสุดและไม่ดำเนินการต่อ",
        ActionKind::Cancel => "ยกเลิกหนังสือที่ออกเลขแล้ว เลขที่นี้จะแสดงในทะเบียนว่า ยกเลิก และไม่ถูกนำกลับมาใช้",
        ActionKind::Archive => "เก็บเอกสารเข้าแฟ้ม",
        ActionKind::Publish => {
            "เผยแพร่หนังสือฉบับนี้ต่อสาธารณะ หนังสือจะปรากฏในหน้าเผยแพร่ของหน่วยงานและฟีดข่าว พร้อมไฟล์ PDF ฉบับจริงและหน้าตรวจสอบ ผู้ใดก็เปิดดูได้โดยไม่ต้องเข้าสู่ระบบ"
        }
        ActionKind::Unpublish => {
            "นำหนังสือฉบับนี้ออกจากหน้าเผยแพร่ของหน่วยงานและฟีดข่าว หนังสือยังคงมีผลตามเดิม และยังตรวจสอบได้ด้วยรหัสตรวจสอบ"
        }
        ActionKind::Close => {
            "บันทึกว่าได้ปฏิบัติตามคำสั่งในหนังสือรับนี้แล้ว ข้อความของท่านจะแสดงในช่องการปฏิบัติของทะเบียนหนังสือรับ"
        }
        ActionKind::Circulate => {
            "ส่งหนังสือเวียนฉบับนี้ให้ผู้ดำรงตำแหน่งที่เลือกทุกคน แต่ละคนจะเห็นหนังสือในงานรอดำเนินการและกดรับทราบ"
        }
        ActionKind::Acknowledge => "บันทึกว่าท่านได้รับทราบหนังสือเวียนฉบับนี้แล้ว รับทราบได้ครั้งเดียว",
    }
}

/// The event names of the ledger, as the history page says them.
pub(crate) fn event_name(kind: &str) -> &str {
    match kind {
        "created" => "สร้างร่าง",
        "received" => "ลงรับหนังสือ",
        "edited" => "แก้ไขร่าง",
        "submitted" => "ส่งเสนอ",
        "endorsed" => "ลงความเห็น",
        "returned" => "ส่งคืนแก้ไข",
        "signed" => "ลงนาม",
        "issued" => "ออกเลขทะเบียน",
        "withdrawn" => "ถอนเรื่อง",
        "cancelled" => "ยกเลิก",
        "archived" => "เก็บเข้าแฟ้ม",
        "published" => "เผยแพร่",
        "unpublished" => "ยกเลิกการเผยแพร่",
        "closed" => "บันทึกการปฏิบัติ",
        "circulated" => "เวียนแจ้ง",
        "acknowledged" => "รับทราบ",
        "unit_received" => "ลงรับในทะเบียนของหน่วย",
        other => other,
    }
}

pub(crate) fn kind_name(kind: &str) -> &'static str {
    match kind {
        "order" => "คำสั่ง",
        "letter" => "หนังสือภายนอก",
        "stamped" => "หนังสือประทับตรา",
        "announcement" => "ประกาศ",
        "incoming" => "หนังสือรับ",
        _ => "บันทึกข้อความ",
    }
}

pub(crate) fn capacity_from_name(name: &str) -> Option<Capacity> {
    match Standing::from_name(name)? {
        Standing::Holder => None,
        Standing::Delegate(capacity) => Some(capacity),
    }
}

pub(crate) fn position_title(config: &OrgConfig, id: &str) -> String {
    config
        .positions
        .iter()
        .find(|p| p.id.as_str() == id)
        .map(|p| p.title.as_str().to_owned())
        .unwrap_or_else(|| id.to_owned())
}

pub(crate) fn person_name(config: &OrgConfig, id: &str) -> String {
    config
        .people
        .iter()
        .find(|p| p.id.as_str() == id)
        .map(|p| p.name.as_str().to_owned())
        .unwrap_or_else(|| id.to_owned())
}

/// Who is waited for: "ผู้จัดทำร่าง" or the position's title and holder today.
pub(crate) fn waiting_for(config: &OrgConfig, waiting: &[String]) -> String {
    let today = saraban_core::clock::thai_date(chrono::Utc::now());
    let names: Vec<String> = waiting
        .iter()
        .map(|entry| {
            if let Some(drafter) = entry.strip_prefix("drafter:") {
                return format!("ผู้จัดทำร่าง ({})", person_name(config, drafter));
            }
            let title = position_title(config, entry);
            let holder = config.people.iter().find(|p| {
                p.holds.iter().any(|h| {
                    h.position.as_str() == entry
                        && saraban_core::org::covers(
                            h.from.naive(),
                            h.to.map(ThaiDate::naive),
                            today,
                        )
                })
            });
            match holder {
                Some(person) => format!("{title} ({})", person.name.as_str()),
                None => title,
            }
        })
        .collect();
    names.join(" หรือ ")
}

/// "๙ เม.ย. ๒๕๖๘ ๑๐:๑๕ น." from a stored RFC 3339 time (already Thai time).
pub(crate) fn time(stored: &str, digits: DigitStyle) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(at) => {
            let date = ThaiDate::new(at.date_naive())
                .map(|d| d.abbreviated(digits))
                .unwrap_or_default();
            digits.apply(&format!("{date} {} น.", at.format("%H:%M")))
        }
        Err(_) => stored.to_owned(),
    }
}

pub(crate) fn date(stored: &str, digits: DigitStyle) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(at) => ThaiDate::new(at.date_naive())
            .map(|d| d.abbreviated(digits))
            .unwrap_or_default(),
        Err(_) => stored.to_owned(),
    }
}

/// "๙ เม.ย. ๖๘" (or the full "๙ เมษายน ๒๕๖๘") from an ISO date ("2025-04-09").
pub(crate) fn iso_date(iso: &str, full: bool, digits: DigitStyle) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").map(ThaiDate::new) {
        Ok(Ok(date)) if full => date.full(digits),
        Ok(Ok(date)) => date.abbreviated(digits),
        _ => iso.to_owned(),
    }
}

/// How long ago, in days, for the inbox ("วันนี้", "๓ วัน").
pub(crate) fn age(stored: &str, digits: DigitStyle) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(at) => {
            let days = (chrono::Utc::now() - at.with_timezone(&chrono::Utc)).num_days();
            if days < 1 {
                "วันนี้".into()
            } else {
                format!("{} วัน", digits.number(days as u64))
            }
        }
        Err(_) => String::new(),
    }
}

/// A refusal of the workflow, in Thai.
pub(crate) fn refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::WrongState {
            action: ActionKind::Publish,
            state,
        } => format!(
            "เผยแพร่ได้เฉพาะหนังสือที่ออกเลขแล้ว ไม่ถูกยกเลิก และยังไม่ได้เผยแพร่ (ขณะนี้หนังสืออยู่ในสถานะ “{}”) ไม่มีการเปลี่ยนแปลงใด ๆ",
            state.thai()
        ),
        Refusal::WrongState {
            action: ActionKind::Unpublish,
            ..
        } => "หนังสือนี้ไม่ได้เผยแพร่อยู่ ไม่มีการเปลี่ยนแปลงใด ๆ".into(),
        Refusal::WrongState { action, state } => format!(
            "ทำรายการ “{}” ไม่ได้ เพราะขณะนี้เอกสารอยู่ในสถานะ “{}” (อาจมีผู้อื่นดำเนินการไปแล้ว) ไม่มีการเปลี่ยนแปลงใด ๆ",
            action_name(*action),
            state.thai()
        ),
        Refusal::NotDrafter(action) => format!(
            "เฉพาะผู้จัดทำร่างเท่านั้นที่ทำรายการ “{}” ได้ ไม่มีการเปลี่ยนแปลงใด ๆ",
            action_name(*action)
        ),
        Refusal::NotYourTurn { .. } => {
            "ยังไม่ถึงลำดับของท่าน เอกสารนี้รอผู้อื่นดำเนินการอยู่ (หน้าที่ท่านเปิดอาจไม่เป็นปัจจุบัน) ไม่มีการเปลี่ยนแปลงใด ๆ"
                .into()
        }
        Refusal::AlreadyActed(_) => "ท่านได้ดำเนินการในขั้นนี้ไปแล้ว ไม่มีการเปลี่ยนแปลงใด ๆ".into(),
        Refusal::TextRequired(ActionKind::Return) => "กรุณาระบุเหตุผลที่ส่งคืน".into(),
        Refusal::TextRequired(ActionKind::Cancel) => "กรุณาระบุเหตุผลที่ยกเลิก".into(),
        Refusal::TextRequired(_) => "กรุณาระบุความเห็น".into(),
        Refusal::Secret(level) => format!(
            "เผยแพร่ไม่ได้ เพราะหนังสือนี้มีชั้นความลับ “{}” หนังสือลับเผยแพร่ต่อสาธารณะไม่ได้ในทุกกรณี ไม่มีการเปลี่ยนแปลงใด ๆ",
            level.wording()
        ),
        Refusal::NotForKind(ActionKind::Issue) => {
            "หนังสือรับได้เลขรับเมื่อลงรับแล้ว จึงไม่ออกเลขส่งอีก ไม่มีการเปลี่ยนแปลงใด ๆ".into()
        }
        Refusal::NotForKind(action) => format!(
            "ทำรายการ “{}” ได้เฉพาะกับหนังสือรับ ไม่มีการเปลี่ยนแปลงใด ๆ",
            action_name(*action)
        ),
        Refusal::AlreadyAcknowledged => {
            "ท่านรับทราบหนังสือเวียนฉบับนี้แล้ว รับทราบได้ครั้งเดียว ไม่มีการเปลี่ยนแปลงใด ๆ".into()
        }
        Refusal::NotPublishable => {
            "เผยแพร่ได้เฉพาะประกาศ คำสั่ง หนังสือภายนอก และหนังสือประทับตรา บันทึกข้อความเป็นหนังสือภายในจึงไม่เผยแพร่ ไม่มีการเปลี่ยนแปลงใด ๆ"
                .into()
        }
    }
}

/// Any failure of the store as a status and a Thai sentence; an internal
/// one is logged with the request id, which the sentence gives. Numbers
/// in Thai digits, the default style; where the organisation is known,
/// `store_error_in` says them in its digits.
pub(crate) fn store_error(error: &StoreError) -> (StatusCode, String) {
    store_error_in(error, DigitStyle::default())
}

/// `store_error`, its numbers in the organisation's `digits` (the request
/// id of an internal failure is an identifier, and stays as logged).
pub(crate) fn store_error_in(error: &StoreError, digits: DigitStyle) -> (StatusCode, String) {
    let status = crate::error::status_of(error);
    let text = match error {
        StoreError::Refused(r) => refusal(r),
        StoreError::NotFound { .. } => "ไม่พบเอกสารหรือข้อมูลที่ขอ".into(),
        StoreError::Destroyed { list, .. } => format!(
            "หนังสือนี้ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ {} เหลือเพียงทะเบียนและบันทึกการอนุมัติ",
            list_number(list, digits)
        ),
        StoreError::KeyLocked { .. } => {
            "กุญแจลงนามของท่านยังไม่ได้ปลดล็อก โปรดออกจากระบบแล้วเข้าสู่ระบบใหม่ด้วยรหัสผ่าน ไม่มีการเปลี่ยนแปลงใด ๆ"
                .into()
        }
        StoreError::Input(input) => input_error(&input.path, &input.message, digits),
        StoreError::Invalid { field, reason } => input_error(field, reason, digits),
        StoreError::Conflict(reason) => format!("ดำเนินการไม่ได้ในขณะนี้: {reason} ไม่มีการเปลี่ยนแปลงใด ๆ"),
        StoreError::Render(_) | StoreError::Internal(_) => {
            let id = crate::error::log_internal(error);
            format!(
                "ระบบขัดข้อง ไม่มีการเปลี่ยนแปลงใด ๆ ผู้ดูแลระบบดูรายละเอียดได้จากบันทึกของระบบ (รหัสคำขอ {id})"
            )
        }
    };
    (status, text)
}

/// The Thai name of a field of a document or the organisation file, by
/// path; the part of the body it is in counted in the organisation's digits.
pub(crate) fn field_label(path: &str, digits: DigitStyle) -> String {
    let bare: String = {
        // "body[2].table.rows[0][1]" → "body.table.rows"
        let mut out = String::new();
        let mut depth = 0;
        for c in path.chars() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    };
    let label = match bare.as_str() {
        "subject" => "เรื่อง",
        "to" => "เรียน",
        "unit" => "ส่วนราชการ",
        "phone" => "โทร",
        "date" => "วันที่",
        "number" | "number.prefix" => "ที่ (รหัสหนังสือ)",
        "references" => "อ้างถึง",
        "enclosures" => "สิ่งที่ส่งมาด้วย",
        "body" => "เนื้อความ",
        "body.paragraph" => "ย่อหน้า",
        "body.heading" => "หัวข้อ",
        "body.table" | "body.table.rows" => "ตาราง",
        "body.table.columns" => "หัวตาราง",
        "body.items" | "body.items.text" | "body.items.items" | "body.items.items.text" => {
            "รายการลำดับเลข"
        }
        "body.numbering" => "ลำดับเลขของรายการ",
        "body.table.widths" => "ความกว้างคอลัมน์",
        "body.table.align" => "การจัดข้อความในคอลัมน์",
        "body.table.footer" => "แถวรวม (ท้ายตาราง)",
        "keep_date" => "ใช้วันที่ที่กำหนด",
        "closing" => "คำลงท้าย",
        "signer" => "ผู้ลงนาม",
        "signer.name" => "ชื่อผู้ลงนาม",
        "signer.position" => "ตำแหน่งผู้ลงนาม",
        "signer.signature" => "ลายมือชื่อ",
        "authority" => "ผู้ออกคำสั่ง",
        "effective" => "ทั้งนี้ ตั้งแต่",
        "urgency" => "ชั้นความเร็ว",
        "secrecy" => "ชั้นความลับ",
        "kind" => "ชนิดเอกสาร",
        "text" => "ความเห็นหรือเหตุผล",
        "password" => "รหัสผ่านใหม่",
        "register" => "ทะเบียน",
        _ => "",
    };
    if label.is_empty() {
        path.to_owned()
    } else if let Some(index) = path
        .strip_prefix("body[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
    {
        format!(
            "{label} (ส่วนที่ {} ของเนื้อความ)",
            digits.number(index as u64 + 1)
        )
    } else {
        label.to_owned()
    }
}

/// Bad input named by its field, in Thai: "เรื่อง: ต้องกรอก".
pub(crate) fn input_error(path: &str, message: &str, digits: DigitStyle) -> String {
    let reason = input_reason(message, digits);
    if path.is_empty() {
        reason
    } else {
        format!("{}: {reason}", field_label(path, digits))
    }
}

/// The numbers of an engine's message, in order ("has 310 characters,
/// more than the 300 allowed" → 310, 300).
fn numbers_in(message: &str) -> Vec<u64> {
    message
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// The reason alone, as shown next to the field, its numbers in `digits`.
pub(crate) fn input_reason(message: &str, digits: DigitStyle) -> String {
    let m = message.trim();
    // The counts an engine's message gives: the last two before any
    // numbering's name ("1." holds a digit too).
    let counts = {
        let numbers = numbers_in(m.split(" that numbering").next().unwrap_or(m));
        match numbers[..] {
            [.., count, most] => Some((count, most)),
            _ => None,
        }
    };
    if m.starts_with("missing") {
        "ต้องกรอก".into()
    } else if m.contains("must not be empty") {
        "ต้องไม่เว้นว่าง".into()
    } else if m.contains("must be a single line") {
        "ต้องเป็นข้อความบรรทัดเดียว".into()
    } else if m.contains("characters, more than the")
        && let Some((count, most)) = counts
    {
        format!(
            "ข้อความยาวเกินกำหนด (มี {} ตัวอักษร ยาวได้ไม่เกิน {} ตัวอักษร)",
            digits.number(count),
            digits.number(most)
        )
    } else if m.contains("items are more than the")
        && let Some((count, most)) = counts
    {
        format!(
            "มี {} รายการ เกินกว่าที่ลำดับเลขแบบนี้นับได้ ({} รายการ) กรุณาเลือกลำดับเลขแบบตัวเลข",
            digits.number(count),
            digits.number(most)
        )
    } else if m.contains("more than the") {
        format!("ข้อความยาวเกินกำหนด ({m})")
    } else if m.contains("is not a date")
        || m.contains("is not a calendar date")
        || m.contains("premature end of input")
        || m.contains("input contains invalid characters")
    {
        "วันที่ไม่ถูกต้อง กรุณาเลือกวันและเดือน แล้วกรอกปี พ.ศ.".into()
    } else if m.contains("has a Buddhist-era year") {
        "ปีไม่ถูกต้อง กรุณากรอกปี พ.ศ.".into()
    } else if m.contains("appears twice") {
        "ซ้ำกับที่มีอยู่แล้ว กรุณาใช้ชื่ออื่น".into()
    } else if m.contains("is not an identifier") {
        format!(
            "ใช้ได้เฉพาะอักษรภาษาอังกฤษตัวเล็ก ตัวเลข และ - _ . ขึ้นต้นด้วยอักษรหรือตัวเลข ยาว {} ถึง {} ตัว",
            digits.number(1),
            digits.number(64)
        )
    } else if m.starts_with("no position") {
        "ไม่มีตำแหน่งนี้ในหน่วยงาน".into()
    } else if m.starts_with("no person") {
        "ไม่มีบุคคลนี้ในหน่วยงาน".into()
    } else if m.starts_with("no register") {
        "ไม่มีทะเบียนนี้ในหน่วยงาน".into()
    } else if m.contains("head of unit") {
        "หนังสือประทับตราต้องให้หัวหน้าส่วนราชการเป็นผู้ลงชื่อย่อกำกับตรา กรุณาเลือกตำแหน่งที่เป็นหัวหน้าส่วนราชการ (heads_of_unit)".into()
    } else if m.contains("numbers") && m.contains("documents, not") {
        "ทะเบียนนี้ใช้ออกเลขหนังสือชนิดอื่น".into()
    } else if m.contains("must hold at least one paragraph") {
        "ต้องมีเนื้อความอย่างน้อยหนึ่งย่อหน้า".into()
    } else if m.contains("cells for") {
        "จำนวนช่องในแถวไม่เท่ากับจำนวนหัวตาราง".into()
    } else if m.contains("columns") && m.contains("1 to 12") {
        format!(
            "ตารางต้องมีหัวตาราง {} ถึง {} ช่อง",
            digits.number(1),
            digits.number(12)
        )
    } else if m.contains("is before `from`") {
        "ต้องไม่ก่อนวันเริ่มต้น".into()
    } else if m.contains("8 to 256") {
        format!(
            "ต้องยาว {} ถึง {} ตัวอักษร",
            digits.number(8),
            digits.number(256)
        )
    } else {
        format!("ไม่ถูกต้อง ({m})")
    }
}

/// A position's title as an office addresses it in an endorsement: the
/// local authority's long name shortened ("ปลัดองค์การบริหารส่วนตำบลวังกระแจะ"
/// → "ปลัด อบต.").
pub(crate) fn short_title(title: &str) -> String {
    const AUTHORITIES: [(&str, &str); 6] = [
        ("องค์การบริหารส่วนตำบล", "อบต."),
        ("องค์การบริหารส่วนจังหวัด", "อบจ."),
        ("เทศบาลตำบล", "ทต."),
        ("เทศบาลเมือง", "ทม."),
        ("เทศบาลนคร", "ทน."),
        ("กรุงเทพมหานคร", "กทม."),
    ];
    for (long, short) in AUTHORITIES {
        if let Some((head, _)) = title.split_once(long)
            && !head.trim().is_empty()
        {
            return format!("{} {short}", head.trim());
        }
    }
    title.trim().to_owned()
}

/// The ready-made texts for `action` on a document of `kind`, `{next}`
/// replaced by the position the document goes to after this step: the
/// next reviewer, or the signer after the last review step.
pub(crate) fn quick_texts(
    config: &OrgConfig,
    kind: &str,
    action: saraban_core::workflow::RouteAction,
    step: Option<usize>,
) -> Vec<String> {
    use saraban_core::org::QuickAction;
    use saraban_core::workflow::RouteAction;
    let quick = match action {
        RouteAction::Endorse => QuickAction::Endorse,
        RouteAction::Sign => QuickAction::Sign,
        _ => return Vec::new(),
    };
    let next = config.route(kind).map(|route| {
        // `step` counts review steps from 1; the one after it is at index `step`.
        let position = step
            .and_then(|s| route.review.get(s))
            .and_then(|s| s.positions.first().cloned())
            .unwrap_or(route.sign);
        short_title(&position_title(config, position.as_str()))
    });
    config
        .quick_texts_for(kind, quick)
        .iter()
        .map(|text| {
            text.as_str()
                .replace("{next}", next.as_deref().unwrap_or(""))
        })
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

// Receiving (หนังสือรับ).

pub(crate) const RECEIVE_TITLE: &str = "ลงรับหนังสือ";
pub(crate) const NOT_REGISTRAR: &str = "การลงรับหนังสือเป็นหน้าที่ของงานสารบรรณ (ผู้ดำรงตำแหน่งที่ลงรับหนังสือของหน่วยงาน หรือผู้ปฏิบัติราชการแทน) วันนี้ท่านไม่ได้อยู่ในตำแหน่งนั้น จึงลงรับหนังสือไม่ได้";
pub(crate) const FORM_UNREADABLE: &str = "อ่านแบบฟอร์มที่ส่งมาไม่ได้ กรุณาลองอีกครั้ง ไม่มีการบันทึกใด ๆ";
pub(crate) const FILE_OR_SCANS: &str =
    "แนบได้อย่างใดอย่างหนึ่ง: ไฟล์ PDF หรือภาพสแกน ไม่ใช่ทั้งสองอย่าง ไม่มีการบันทึกใด ๆ";
pub(crate) const OVERDUE: &str = "เกินกำหนด";
pub(crate) const REPLY: &str = "ร่างหนังสือตอบ";
pub(crate) const REPLIES: &str = "หนังสือตอบ";
pub(crate) const STAMP_PLACE_INVALID: &str =
    "ระยะต้องเป็นตัวเลขมิลลิเมตร ตั้งแต่ ๐ ถึง ๑๐๐๐ ทั้งสองช่อง หรือเว้นว่างทั้งสองช่องเพื่อใช้มุมบนขวา";
pub(crate) const DUE_WITHOUT_ASSIGNEE: &str = "กำหนดวันที่ได้เมื่อเลือกผู้รับมอบหมายแล้วเท่านั้น";
pub(crate) const UNKNOWN_ASSIGNEE: &str = "ไม่มีตำแหน่งหรือบุคคลนี้ในหน่วยงาน";
pub(crate) const UNKNOWN_POSITION: &str = "ไม่มีตำแหน่งนี้ในหน่วยงาน";
pub(crate) const DUE_INVALID: &str = "วันที่ไม่ถูกต้อง กรุณาเลือกวัน เดือน และปี พ.ศ. ให้ครบ";

/// The columns of the official receiving register (ทะเบียนหนังสือรับ).
pub(crate) const RECEIVING_COLUMNS: [&str; 8] = [
    "เลขทะเบียนรับ",
    "ที่",
    "ลงวันที่",
    "จาก",
    "ถึง",
    "เรื่อง",
    "การปฏิบัติ",
    "หมายเหตุ",
];

/// The receiving form's fields, by the name they are posted under.
pub(crate) fn incoming_field(name: &str) -> &'static str {
    match name {
        "their_number" => "ที่ (เลขที่หนังสือของผู้ส่ง)",
        "date" => "ลงวันที่",
        "from" => "จาก",
        "to" => "ถึง",
        "subject" => "เรื่อง",
        "urgency" => "ชั้นความเร็ว",
        "secrecy" => "ชั้นความลับ",
        "due" => "ภายในวันที่",
        "file" => "ไฟล์ PDF",
        "scans" => "ภาพสแกน",
        _ => "แบบฟอร์ม",
    }
}

/// An action on a received letter, as its button says it.
pub(crate) fn incoming_action(action: saraban_core::workflow::RouteAction) -> &'static str {
    use saraban_core::workflow::RouteAction as A;
    match action {
        A::Submit => "เสนอ (เกษียณหนังสือ)",
        A::Endorse => "เกษียณเสนอต่อ",
        A::Sign => "สั่งการและมอบหมาย",
        A::Close => "บันทึกการปฏิบัติ",
        other => action_name(other),
    }
}

/// A size in megabytes, e.g. "๒๕ MB".
pub(crate) fn megabytes(bytes: u64, digits: DigitStyle) -> String {
    format!("{} MB", digits.number(bytes / (1024 * 1024)))
}
pub(crate) const RECEIVE_NAV: &str = "รับหนังสือ";
pub(crate) const RECEIVED_NOTICE: &str =
    "ลงรับหนังสือแล้ว ได้เลขทะเบียนรับตามที่แสดง วางตำแหน่งตรารับได้ แล้วกด “เสนอ” เพื่อเกษียณหนังสือ";
pub(crate) const STAMP_PLACED_NOTICE: &str = "บันทึกตำแหน่งตรารับแล้ว";

/// A unit's own receiving register (ทะเบียนหนังสือรับของหน่วย).
pub(crate) const UNIT_RECEIVE: &str = "ลงรับในทะเบียนของหน่วย";
pub(crate) const UNIT_NUMBER: &str = "เลขรับของหน่วย";
pub(crate) const UNIT_RECEIVED_NOTICE: &str = "ลงรับในทะเบียนของหน่วยแล้ว";
pub(crate) const UNIT_REGISTER_UNKNOWN: &str = "ไม่มีทะเบียนหนังสือรับของหน่วยนี้";

/// The registrar's note sending a received letter up: "เรียน ปลัด อบต.
/// เพื่อโปรดพิจารณา", the first reviewer's title shortened.
pub(crate) fn submit_note(config: &OrgConfig) -> String {
    let next = config
        .route(saraban_core::incoming::KIND)
        .and_then(|route| {
            route
                .review
                .first()
                .and_then(|step| step.positions.first())
                .map(|p| position_title(config, p.as_str()))
                .or_else(|| Some(position_title(config, route.sign.as_str())))
        })
        .unwrap_or_default();
    format!("เรียน {} เพื่อโปรดพิจารณา", short_title(&next))
}

/// Why a PDF's seal does not hold, from its stable code, in Thai.
pub(crate) fn seal_problem(code: &str) -> &'static str {
    match code {
        "digest_mismatch" => "ไฟล์ถูกแก้ไขหลังลงนาม",
        "not_whole_file" => "มีข้อมูลเพิ่มต่อท้ายไฟล์หลังลงนาม ลายมือชื่อไม่ครอบคลุมทั้งไฟล์",
        "byte_range_invalid" => "ช่วงข้อมูลที่ลงนามไม่ครอบคลุมไฟล์ตามที่ควร",
        "signature_invalid" => "ลายมือชื่อไม่ตรงกับกุญแจของใบรับรองผู้ลงนาม",
        "signing_certificate_mismatch" => "ลายมือชื่ออ้างใบรับรองไม่ตรงกับที่ใช้ลงนาม",
        "timestamp_invalid" => "การประทับเวลาไม่ถูกต้อง",
        "untrusted" => "ใบรับรองไม่ได้ออกโดยหน่วยงานนี้หรือผู้ออกใบรับรองที่หน่วยงานใช้",
        "malformed" => "ลายมือชื่อดิจิทัลมีรูปแบบไม่ถูกต้อง",
        "unsupported" => "ลายมือชื่อใช้วิธีที่ระบบตรวจสอบไม่ได้",
        "encrypted" => "ไฟล์ถูกเข้ารหัส ตรวจลายมือชื่อไม่ได้",
        "not_a_pdf" => "อ่านไฟล์ PDF ไม่ได้",
        _ => "ลายมือชื่อดิจิทัลตรวจสอบไม่ผ่าน",
    }
}

/// A destruction list's number, "1/2568", in the organisation's digits.
pub(crate) fn list_number(list: &str, digits: DigitStyle) -> String {
    list.split('/')
        .map(|part| part.parse().map_or(part.to_owned(), |n| digits.number(n)))
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::{field_label, input_error, input_reason};
    use saraban_core::DigitStyle::{Arabic, AsTyped, Thai};

    #[test]
    fn fields_are_named_in_thai() {
        assert_eq!(field_label("subject", Thai), "เรื่อง");
        assert_eq!(field_label("signer.name", Thai), "ชื่อผู้ลงนาม");
        assert_eq!(
            field_label("body[2].table.rows[0][1]", Thai),
            "ตาราง (ส่วนที่ ๓ ของเนื้อความ)"
        );
        assert_eq!(field_label("no.such.field", Thai), "no.such.field");
    }

    /// Point 15: the part of the body is counted in the organisation's
    /// digits, like every other number on the page.
    #[test]
    fn parts_are_counted_in_the_organisations_digits() {
        assert_eq!(
            field_label("body[1].paragraph", Thai),
            "ย่อหน้า (ส่วนที่ ๒ ของเนื้อความ)"
        );
        assert_eq!(
            field_label("body[1].paragraph", AsTyped),
            "ย่อหน้า (ส่วนที่ ๒ ของเนื้อความ)"
        );
        assert_eq!(
            field_label("body[11].paragraph", Arabic),
            "ย่อหน้า (ส่วนที่ 12 ของเนื้อความ)"
        );
        assert_eq!(
            input_reason("has 310 characters, more than the 300 allowed", Thai),
            "ข้อความยาวเกินกำหนด (มี ๓๑๐ ตัวอักษร ยาวได้ไม่เกิน ๓๐๐ ตัวอักษร)"
        );
        assert_eq!(
            input_reason("has 310 characters, more than the 300 allowed", Arabic),
            "ข้อความยาวเกินกำหนด (มี 310 ตัวอักษร ยาวได้ไม่เกิน 300 ตัวอักษร)"
        );
        assert_eq!(
            input_reason("must be 8 to 256 characters", Arabic),
            "ต้องยาว 8 ถึง 256 ตัวอักษร"
        );
        assert!(
            input_reason(
                "42 items are more than the 41 that numbering \"ก.\" can label",
                Thai
            )
            .starts_with("มี ๔๒ รายการ")
        );
    }

    #[test]
    fn engine_messages_become_thai_reasons() {
        assert_eq!(
            input_error("subject", "must not be empty", Thai),
            "เรื่อง: ต้องไม่เว้นว่าง"
        );
        assert_eq!(
            input_error("to", "missing (required)", Thai),
            "เรียน: ต้องกรอก"
        );
        assert_eq!(
            input_error("body[4].table", "rows[0]: has 5 cells for 6 columns", Thai),
            "ตาราง (ส่วนที่ ๕ ของเนื้อความ): จำนวนช่องในแถวไม่เท่ากับจำนวนหัวตาราง"
        );
    }

    #[test]
    fn titles_shortened_as_offices_write_them() {
        use super::short_title;
        assert_eq!(short_title("ปลัดองค์การบริหารส่วนตำบลวังกระแจะ"), "ปลัด อบต.");
        assert_eq!(
            short_title("รองปลัดองค์การบริหารส่วนตำบลวังกระแจะ"),
            "รองปลัด อบต."
        );
        assert_eq!(short_title("นายกเทศมนตรีเทศบาลตำบลบ้านนา"), "นายกเทศมนตรี ทต.");
        assert_eq!(short_title("หัวหน้าสำนักปลัด"), "หัวหน้าสำนักปลัด");
    }
}
