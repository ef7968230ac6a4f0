//! Notifications and deadlines (issue 18), each story on SQLite and on
//! PostgreSQL: e-mail delivered to a real SMTP server on loopback (Python's
//! aiosmtpd) and parsed there, LINE pushes to a loopback server that checks
//! the Messaging API's request shape, the in-app bell, a channel that fails
//! for good shown to the administrator, and the 08:00 digest and the
//! deadline reminders on the right Thai working days across a weekend and
//! Songkran, with the time given to each step (an injected clock).
//!
//! The kill -9 story, with the real `saraban serve`, is
//! crates/saraban-cli/tests/notify_crash.rs.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use saraban_core::org::OrgConfig;
use saraban_core::workflow::RouteAction as A;
use saraban_server::sender::{self, LineSettings, SenderSettings, SmtpSettings};
use saraban_stories::notify_sinks::{LineSink, SmtpSink, aiosmtpd_available};
use saraban_stories::saraban_store::{Assignment, Store};
use saraban_stories::{Office, TestDb, example, example_content, org, person, stories, thai};
use serde_json::Value;

const ORG: &str = "wangkrachae";
const PUBLIC: &str = "https://saraban.wangkrachae.go.th";
const TOKEN: &str = "line-channel-token-for-the-story";
const SOMJAI_LINE: &str = "U0123456789abcdef0123456789abcdef";

async fn init(store: &Store) {
    let config = OrgConfig::parse_toml(
        &std::fs::read_to_string(example("organisation/wangkrachae.toml")).unwrap(),
    )
    .unwrap();
    store
        .init_org(&config, None, thai(2024, 1, 2, 9, 0))
        .await
        .unwrap();
    store.set_public_url(Some(PUBLIC.into()));
}

/// The ITA memo with an urgency and a deadline.
fn memo(urgency: Option<&str>, deadline: &str) -> Value {
    let mut content = example_content("ita-report-2568.toml");
    let fields = content.as_object_mut().unwrap();
    match urgency {
        Some(urgency) => fields.insert("urgency".into(), urgency.into()),
        None => fields.remove("urgency"),
    };
    fields.insert("deadline".into(), deadline.into());
    content
}

fn settings(smtp: Option<&SmtpSink>, line: Option<(&LineSink, &str)>) -> Arc<SenderSettings> {
    Arc::new(SenderSettings {
        smtp: smtp.map(|sink| {
            SmtpSettings::from_url(
                &format!("smtp://127.0.0.1:{}", sink.port),
                "สารบรรณ อบต.วังกระแจะ <saraban@wangkrachae.go.th>",
            )
            .unwrap()
        }),
        line: line.map(|(sink, token)| LineSettings::new(sink.endpoint.clone(), token)),
        lease: Duration::from_secs(15),
        ..SenderSettings::default()
    })
}

/// One round of the sender at `now`.
async fn send(store: &Store, settings: &Arc<SenderSettings>, now: DateTime<Utc>) -> usize {
    let http = sender::http_client(settings).unwrap();
    sender::run_once(store, settings, &http, now).await.unwrap()
}

/// somjai (หัวหน้าสำนักปลัด, the memo route's first reviewer) links LINE,
/// and her e-mail address when `email`.
async fn somjai_channels(store: &Store, email: bool, at: DateTime<Utc>) {
    let (o, somjai) = (org(ORG), person("somjai"));
    if email {
        let token = store
            .request_email(&o, &somjai, "somjai@wangkrachae.go.th", at)
            .await
            .unwrap();
        assert!(
            store
                .confirm_email("0".repeat(64).as_str(), at)
                .await
                .is_err()
        );
        store.confirm_email(&token, at).await.unwrap();
        assert!(
            store.confirm_email(&token, at).await.is_err(),
            "a link confirms once"
        );
    }
    let code = store
        .request_line(&o, &somjai, SOMJAI_LINE, at)
        .await
        .unwrap();
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert!(store.confirm_line(&o, &somjai, wrong, at).await.is_err());
    store.confirm_line(&o, &somjai, &code, at).await.unwrap();
    let channels = store.channels(&o, &somjai).await.unwrap();
    let linked: Vec<(&str, Option<&str>)> = channels
        .iter()
        .map(|c| (c.channel.as_str(), c.address.as_deref()))
        .collect();
    assert!(linked.contains(&("line", Some(SOMJAI_LINE))), "{linked:?}");
    if email {
        assert!(
            linked.contains(&("email", Some("somjai@wangkrachae.go.th"))),
            "{linked:?}"
        );
    }
}

/// A memo marked ด่วนที่สุด, submitted: its first reviewer is told at once by
/// e-mail (Thai subject with the urgency, a link to the memo, its deadline)
/// and by LINE; returned, its drafter is told in the app; nothing is sent
/// twice.
async fn email_and_line_tell_whoever_a_document_waits_for(db: TestDb) {
    if !aiosmtpd_available("email_and_line_tell_whoever_a_document_waits_for") {
        return;
    }
    let store = &db.store;
    init(store).await;
    let smtp = SmtpSink::start(Duration::ZERO);
    let line = LineSink::start(TOKEN, Duration::ZERO).await;
    let settings = settings(Some(&smtp), Some((&line, TOKEN)));
    somjai_channels(store, true, thai(2025, 4, 10, 9, 0)).await;

    let office = Office::new(store, ORG);
    let content = memo(Some("ด่วนที่สุด"), "2025-04-17");
    let subject = content["subject"].as_str().unwrap().to_owned();
    let drafted = office
        .draft("chanyurat", content, thai(2025, 4, 10, 10, 0))
        .await
        .unwrap();
    let id = drafted.id.clone();
    office
        .act("chanyurat", &id, A::Submit, None, thai(2025, 4, 10, 10, 5))
        .await
        .unwrap();
    let told = store
        .notifications(&org(ORG), &person("somjai"), 50)
        .await
        .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].cause, "waiting");
    assert_eq!(told[0].urgency.as_deref(), Some("ด่วนที่สุด"));
    assert_eq!(
        store
            .unread_notifications(&org(ORG), &person("somjai"))
            .await
            .unwrap(),
        1
    );

    // The sender's round a minute later: the two confirmations and the
    // notification on each channel.
    assert_eq!(send(store, &settings, thai(2025, 4, 10, 10, 6)).await, 4);
    smtp.wait_for("two e-mails", Duration::from_secs(10), |events| {
        events.iter().filter(|e| e["event"] == "delivered").count() == 2
    });
    let mails = smtp.delivered();
    let confirmation = mails
        .iter()
        .find(|m| {
            m["body"]
                .as_str()
                .unwrap()
                .contains("/channels/confirm?token=")
        })
        .expect("the confirmation link went by e-mail");
    assert_eq!(confirmation["to"][0], "somjai@wangkrachae.go.th");
    let mail = mails
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains(&subject))
        .expect("the notification went by e-mail");
    assert_eq!(
        mail["subject"].as_str().unwrap(),
        format!("[ด่วนที่สุด] รอท่านดำเนินการ: {subject}"),
        "the Thai subject, decoded by Python's email package"
    );
    let headers = mail["headers"].as_str().unwrap();
    assert!(
        headers.to_ascii_lowercase().contains("subject: =?utf-8?"),
        "the subject travels RFC 2047-encoded: {headers}"
    );
    assert_eq!(mail["to"][0], "somjai@wangkrachae.go.th");
    assert_eq!(mail["from"], "saraban@wangkrachae.go.th");
    assert_eq!(mail["content_type"], "text/plain");
    assert_eq!(mail["charset"], "utf-8");
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains(&format!("{PUBLIC}/doc/{id}")), "{body}");
    assert!(body.contains("[ด่วนที่สุด]"), "{body}");
    assert!(body.contains("ภายในวันที่ ๑๗ เมษายน ๒๕๖๘"), "{body}");
    let messages = store.messages(&org(ORG)).await.unwrap();
    assert_eq!(messages.len(), 4);
    assert!(
        messages
            .iter()
            .all(|m| m.status == "sent" && m.attempts == 1),
        "{messages:?}"
    );
    let email_id = messages
        .iter()
        .find(|m| m.channel == "email" && m.items == 1)
        .unwrap()
        .id
        .clone();
    assert_eq!(mail["message_id"], format!("<{email_id}@saraban>"));

    let pushes = line.accepted();
    assert!(line.refused().is_empty(), "{:?}", line.refused());
    assert_eq!(pushes.len(), 2, "{pushes:?}");
    assert!(pushes.iter().all(|p| p.to == SOMJAI_LINE));
    assert!(pushes[0].text.contains("รหัสเชื่อมบัญชี LINE"));
    let push = &pushes[1];
    assert!(
        push.text
            .starts_with(&format!("[ด่วนที่สุด] รอท่านดำเนินการ: {subject}"))
    );
    assert!(push.text.contains(&format!("{PUBLIC}/doc/{id}")));
    let line_id = &messages
        .iter()
        .find(|m| m.channel == "line" && m.items == 1)
        .unwrap()
        .id;
    assert_eq!(
        &push.retry_key, line_id,
        "the retry key is the message's id"
    );

    // Returned to its drafter, who has no outside channel: the bell only.
    office
        .act(
            "somjai",
            &id,
            A::Return,
            Some("แก้ไขตารางหน้า ๒"),
            thai(2025, 4, 10, 11, 0),
        )
        .await
        .unwrap();
    let (o, chanyurat) = (org(ORG), person("chanyurat"));
    let bell = store.notifications(&o, &chanyurat, 50).await.unwrap();
    assert_eq!(bell.len(), 1);
    assert_eq!(bell[0].cause, "returned");
    assert_eq!(bell[0].wording, "ส่งคืนให้ท่านแก้ไข");
    assert_eq!(store.unread_notifications(&o, &chanyurat).await.unwrap(), 1);
    store
        .mark_notifications_read(&o, &chanyurat, None, thai(2025, 4, 10, 11, 5))
        .await
        .unwrap();
    assert_eq!(store.unread_notifications(&o, &chanyurat).await.unwrap(), 0);

    // Later rounds send nothing again.
    assert_eq!(send(store, &settings, thai(2025, 4, 10, 12, 0)).await, 0);
    assert_eq!(smtp.delivered().len(), 2);
    assert_eq!(line.accepted().len(), 2);
    assert!(line.repeated().is_empty());
}

/// A plain memo submitted on Friday 11 April 2568 at 15:30 with its
/// deadline on Thursday the 17th: Saturday and Sunday are weekends, Monday
/// to Wednesday Songkran. Its reminder "due the next working day" goes out
/// that Friday, the day's digest and "due today" at 08:00 on Thursday, and
/// nothing in between; on Friday the 18th it is overdue.
async fn digest_and_reminders_follow_thai_working_days(db: TestDb) {
    let store = &db.store;
    init(store).await;
    let line = LineSink::start(TOKEN, Duration::ZERO).await;
    let settings = settings(None, Some((&line, TOKEN)));
    somjai_channels(store, false, thai(2025, 4, 11, 9, 0)).await;
    assert_eq!(send(store, &settings, thai(2025, 4, 11, 9, 1)).await, 1);
    assert_eq!(line.accepted().len(), 1, "the LINE code");

    let office = Office::new(store, ORG);
    let content = memo(None, "2025-04-17");
    let subject = content["subject"].as_str().unwrap().to_owned();
    let id = office
        .draft("chanyurat", content, thai(2025, 4, 11, 15, 0))
        .await
        .unwrap()
        .id;
    office
        .act("chanyurat", &id, A::Submit, None, thai(2025, 4, 11, 15, 30))
        .await
        .unwrap();

    let texts = |from: usize| -> Vec<String> {
        line.accepted()
            .into_iter()
            .skip(from)
            .map(|p| p.text)
            .collect()
    };
    // Friday 16:00: the working day before the deadline.
    send(store, &settings, thai(2025, 4, 11, 16, 0)).await;
    let friday = texts(1);
    assert_eq!(friday.len(), 1, "{friday:?}");
    assert!(
        friday[0].starts_with(&format!("ครบกำหนดวันทำการถัดไป: {subject}")),
        "{friday:?}"
    );
    assert!(friday[0].contains("ภายในวันที่ ๑๗ เมษายน ๒๕๖๘"));
    // Nothing over the weekend and Songkran, nor before 08:00 on Thursday.
    for at in [
        thai(2025, 4, 11, 23, 0),
        thai(2025, 4, 12, 8, 0),
        thai(2025, 4, 13, 8, 30),
        thai(2025, 4, 14, 8, 0),
        thai(2025, 4, 15, 8, 0),
        thai(2025, 4, 16, 12, 0),
        thai(2025, 4, 17, 7, 59),
    ] {
        send(store, &settings, at).await;
        assert_eq!(line.accepted().len(), 2, "nothing sent at {at}");
    }
    // Thursday 08:00: the digest and "due today".
    send(store, &settings, thai(2025, 4, 17, 8, 0)).await;
    let thursday = texts(2);
    assert_eq!(thursday.len(), 2, "{thursday:?}");
    let digest = thursday
        .iter()
        .find(|t| t.starts_with("สรุปงานรอดำเนินการ"))
        .expect("the 08:00 digest");
    assert!(
        digest.starts_with("สรุปงานรอดำเนินการ ประจำวันที่ ๑๗ เมษายน ๒๕๖๘ (1 เรื่อง)"),
        "{digest}"
    );
    assert!(digest.contains(&subject) && digest.contains("รอท่านดำเนินการ"));
    assert!(digest.contains(&format!("{PUBLIC}/doc/{id}")));
    assert!(
        thursday
            .iter()
            .any(|t| t.starts_with(&format!("ครบกำหนดวันนี้: {subject}"))),
        "{thursday:?}"
    );
    for at in [thai(2025, 4, 17, 9, 0), thai(2025, 4, 17, 16, 0)] {
        send(store, &settings, at).await;
        assert_eq!(line.accepted().len(), 4, "once a day: {at}");
    }
    assert!(line.repeated().is_empty() && line.refused().is_empty());

    // Overdue only after the day it fell due.
    let o = org(ORG);
    let day = |d| chrono::NaiveDate::from_ymd_opt(2025, 4, d).unwrap();
    assert!(store.overdue(&o, day(17)).await.unwrap().is_empty());
    let overdue = store.overdue(&o, day(18)).await.unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].document, id.to_string());
    assert_eq!(overdue[0].waiting_for, ["head-of-office"]);
    assert_eq!(overdue[0].days_late, 1);

    // The organisation edits its holiday list: recorded in its log, and
    // the log still verifies.
    let (shipped, own) = store.holidays(&o).await.unwrap();
    assert!(!own && !shipped.is_working_day(day(14)));
    let edited = format!(
        "{}\n[[holiday]]\ndate = \"2025-04-18\"\nname = \"วันหยุดของหน่วยงาน\"\n",
        shipped.to_toml()
    );
    let head = store.audit(&o).await.unwrap().head_seq;
    store
        .set_holidays(&o, &person("admin"), &edited, thai(2025, 4, 17, 10, 0))
        .await
        .unwrap();
    let (calendar, own) = store.holidays(&o).await.unwrap();
    assert!(own && !calendar.is_working_day(day(18)));
    let audit = store.audit(&o).await.unwrap();
    assert_eq!(audit.head_seq, head + 1, "the change is an event");
    assert!(audit.findings.is_empty(), "{:?}", audit.findings);
    assert!(
        store
            .set_holidays(
                &o,
                &person("admin"),
                "[[holiday]]\ndate = \"x\"\nname = \"y\"\n",
                thai(2025, 4, 17, 10, 5)
            )
            .await
            .is_err()
    );
    // 18 April is a holiday now: on Monday the 21st the memo is one working
    // day late, not two.
    let overdue = store.overdue(&o, day(21)).await.unwrap();
    assert_eq!(overdue[0].days_late, 1);
}

/// LINE refuses the token: the message fails for good at once, and the
/// administrator sees it.
async fn a_channel_that_fails_for_good_is_shown_to_the_administrator(db: TestDb) {
    let store = &db.store;
    init(store).await;
    let line = LineSink::start(TOKEN, Duration::ZERO).await;
    let wrong = settings(None, Some((&line, "a-token-LINE-does-not-know")));
    let o = org(ORG);
    store
        .request_line(&o, &person("somjai"), SOMJAI_LINE, thai(2025, 4, 10, 9, 0))
        .await
        .unwrap();
    assert_eq!(send(store, &wrong, thai(2025, 4, 10, 9, 1)).await, 0);
    assert_eq!(line.refused(), ["authorization"]);
    let failed = store.failed_messages(Some(&o)).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].channel, "line");
    assert_eq!(failed[0].attempts, 1);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("401"),
        "{failed:?}"
    );
    assert!(line.accepted().is_empty());
    // Sent again once the administrator fixed the token.
    assert!(
        store
            .retry_message(&o, &failed[0].id, thai(2025, 4, 10, 9, 5))
            .await
            .unwrap()
    );
    let right = settings(None, Some((&line, TOKEN)));
    assert_eq!(send(store, &right, thai(2025, 4, 10, 9, 6)).await, 1);
    assert_eq!(line.accepted().len(), 1);
    assert!(store.failed_messages(Some(&o)).await.unwrap().is_empty());
}

/// Over HTTP: the bell's count in the header and the API's list, one's
/// channels (a wrong address and a wrong code refused at their field), the
/// overdue list only for those who oversee, the administrator's failed
/// messages and holiday list.
async fn the_bell_the_channels_and_the_overdue_list_over_http(db: TestDb) {
    use reqwest::{Method, StatusCode};
    use serde_json::json;
    let server = saraban_stories::ApiServer::start(db, "notify-story-password").await;
    let drafter = server.sign_in("chanyurat").await;
    let mut content = memo(Some("ด่วน"), "2020-01-10");
    content["subject"] = "ขอความเห็นเรื่องแผนงาน".into();
    let id = drafter.create(&content).await;
    drafter.act_ok(&id, "submit", None).await;

    let somjai = server.sign_in("somjai").await;
    let (status, bell) = somjai.get("/me/notifications").await;
    assert_eq!(status, StatusCode::OK, "{bell}");
    assert_eq!(bell["unread"], 1);
    assert_eq!(bell["notifications"][0]["cause"], "waiting");
    assert_eq!(bell["notifications"][0]["urgency"], "ด่วน");
    assert_eq!(bell["notifications"][0]["document"], id.as_str());
    let inbox = somjai.html("/inbox").await;
    assert!(
        inbox.contains(r#"id="bell-count""#),
        "the bell shows a count"
    );
    assert!(
        inbox.contains("ยังไม่อ่าน ๑ รายการ"),
        "in the organisation's digits"
    );
    assert!(inbox.contains("เกินกำหนด"), "the memo's deadline has passed");
    let page = somjai.html("/notifications").await;
    assert!(page.contains("ขอความเห็นเรื่องแผนงาน") && page.contains(&format!("/doc/{id}")));

    let (status, refused) = somjai
        .send(
            Method::PUT,
            "/me/channels/email",
            &json!({"address": "not an address"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["field"], "email");
    let (status, _) = somjai
        .send(
            Method::PUT,
            "/me/channels/email",
            &json!({"address": "somjai@example.go.th"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = somjai
        .send(
            Method::PUT,
            "/me/channels/line",
            &json!({"user_id": SOMJAI_LINE}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, refused) = somjai
        .post("/me/channels/line/confirm", &json!({"code": "12345x"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["field"], "code");
    let (_, channels) = somjai.get("/me/channels").await;
    let pending: Vec<&str> = channels
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["pending"].as_str())
        .collect();
    assert_eq!(pending, ["somjai@example.go.th", SOMJAI_LINE]);
    assert!(
        somjai
            .html("/channels")
            .await
            .contains("รอยืนยัน: somjai@example.go.th")
    );
    let (status, _) = somjai
        .post("/channels/email/confirm", &json!({"token": "0".repeat(64)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, marked) = somjai.post("/me/notifications/read", &json!({})).await;
    assert_eq!(marked["marked"], 1);
    assert_eq!(somjai.get("/me/notifications").await.1["unread"], 0);
    assert!(!somjai.html("/inbox").await.contains(r#"id="bell-count""#));

    // The overdue list: not for the drafter; for whoever signs or reviews
    // last on a route (the ปลัด, the memo route's last reviewer) and the
    // administrator.
    assert_eq!(drafter.get("/overdue").await.0, StatusCode::FORBIDDEN);
    let clerk = server.sign_in("wilaiwan").await;
    let (status, overdue) = clerk.get("/overdue").await;
    assert_eq!(status, StatusCode::OK, "{overdue}");
    assert_eq!(overdue[0]["document"], id.as_str());
    assert_eq!(overdue[0]["waiting_for"][0], "head-of-office");
    assert!(clerk.html("/overdue").await.contains("ขอความเห็นเรื่องแผนงาน"));

    let admin = server.sign_in("admin").await;
    assert_eq!(
        somjai.get("/admin/notifications/failed").await.0,
        StatusCode::FORBIDDEN
    );
    let (status, failed) = admin.get("/admin/notifications/failed").await;
    assert_eq!((status, failed), (StatusCode::OK, json!([])));
    let (_, holidays) = admin.get("/admin/holidays").await;
    assert_eq!(holidays["own"], false);
    assert!(holidays["toml"].as_str().unwrap().contains("วันสงกรานต์"));
    let (status, refused) = admin
        .send(
            Method::PUT,
            "/admin/holidays",
            &json!({"toml": "[[holiday]]\ndate = \"2025-13-01\"\nname = \"x\"\n"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["field"], "holidays");
    let (status, saved) = admin
        .send(
            Method::PUT,
            "/admin/holidays",
            &json!({"toml": "[[holiday]]\ndate = \"2025-04-14\"\nname = \"วันสงกรานต์\"\n"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["own"], true);
    let page = admin.html("/admin/notifications").await;
    assert!(page.contains("ไม่มีข้อความที่ส่งไม่สำเร็จ") && page.contains("รายการของหน่วยงานเอง"));
}

/// A received letter: sent up by the registrar, the ปลัด is told it waits;
/// the mayor's order assigns it to somjai by a day, and she is told it is
/// assigned to her; the day before that day she is reminded.
async fn a_received_letter_assigned_to_someone_tells_them(db: TestDb) {
    use saraban_core::incoming::Received;
    let store = &db.store;
    init(store).await;
    let o = org(ORG);
    let letter = Received::from_value(serde_json::json!({
        "format": "saraban/1",
        "kind": "incoming",
        "their_number": "ตร ๐๐๒๓.๓/ว ๑๒๓",
        "date": "2026-01-05",
        "from": "ที่ว่าการอำเภอเมืองตราด",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "subject": "ขอเชิญประชุมประจำเดือน",
        "urgency": "ด่วนมาก",
    }))
    .unwrap();
    let id = store
        .receive_letter(&o, &person("sunee"), letter, None, thai(2026, 1, 6, 9, 30))
        .await
        .unwrap()
        .id;
    let office = Office::new(store, ORG);
    office
        .act(
            "sunee",
            &id,
            A::Submit,
            Some("เรียน ปลัด อบต."),
            thai(2026, 1, 6, 10, 0),
        )
        .await
        .unwrap();
    let clerk = store
        .notifications(&o, &person("wilaiwan"), 10)
        .await
        .unwrap();
    assert_eq!(clerk.len(), 1, "{clerk:?}");
    assert_eq!(
        (clerk[0].cause.as_str(), clerk[0].urgency.as_deref()),
        ("waiting", Some("ด่วนมาก"))
    );
    office
        .act(
            "wilaiwan",
            &id,
            A::Endorse,
            Some("เรียน นายก อบต."),
            thai(2026, 1, 6, 11, 0),
        )
        .await
        .unwrap();
    store
        .act_assigning(
            &o,
            &person("kanok"),
            &id,
            A::Sign,
            Some("มอบคุณสมใจ"),
            Some(Assignment {
                to: saraban_core::org::Slug::parse("somjai").unwrap(),
                due: chrono::NaiveDate::from_ymd_opt(2026, 1, 13),
            }),
            thai(2026, 1, 6, 14, 0),
        )
        .await
        .unwrap();
    let somjai = store
        .notifications(&o, &person("somjai"), 10)
        .await
        .unwrap();
    assert_eq!(somjai.len(), 1, "{somjai:?}");
    assert_eq!(somjai[0].cause, "assigned");
    assert_eq!(somjai[0].wording, "มอบหมายให้ท่าน");
    assert_eq!(somjai[0].subject, "ขอเชิญประชุมประจำเดือน");
    // Monday 12 January 2569 at 08:00: due the next working day.
    assert_eq!(
        store
            .remind_deadlines(thai(2026, 1, 12, 7, 0))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .remind_deadlines(thai(2026, 1, 12, 8, 0))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .remind_deadlines(thai(2026, 1, 12, 9, 0))
            .await
            .unwrap(),
        0
    );
    let somjai = store
        .notifications(&o, &person("somjai"), 10)
        .await
        .unwrap();
    assert_eq!(somjai[0].cause, "due_tomorrow");
}

stories!(
    a_received_letter_assigned_to_someone_tells_them,
    the_bell_the_channels_and_the_overdue_list_over_http,
    email_and_line_tell_whoever_a_document_waits_for,
    digest_and_reminders_follow_thai_working_days,
    a_channel_that_fails_for_good_is_shown_to_the_administrator,
);
