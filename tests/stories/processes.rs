//! Several server processes on one database (issue 20), on SQLite and
//! PostgreSQL: each `Store` opened on the same URL stands for a process,
//! with its own unlocked keys. A person signed in on one acts through
//! another, which opens their approval key from the session; a key that an
//! administrator's password reset on a third has replaced is never signed
//! with, and the log still verifies.

use chrono::Utc;
use saraban_core::workflow::RouteAction as A;
use saraban_store::{Store, StoreError};
use saraban_stories::{
    Office, TestDb, example_content, example_org_with_admin, init_with_passwords, org, person,
    stories,
};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-processes";

async fn another_process(db: &TestDb) -> Store {
    saraban_stories::open_store(&db.url)
        .await
        .expect("a second store on the same database")
}

async fn a_session_carries_its_key_to_every_process(db: TestDb) {
    let first = &db.store;
    init_with_passwords(first, &example_org_with_admin(), PASSWORD).await;
    let second = another_process(&db).await;
    let now = Utc::now();
    let drafter = first
        .sign_in(ORG, "chanyurat", PASSWORD, false, now)
        .await
        .expect("the drafter signs in on the first");
    let reviewer = first
        .sign_in(ORG, "somjai", PASSWORD, false, now)
        .await
        .expect("the head of office signs in on the first");

    // Both act through the second, which has unlocked nothing itself.
    for token in [&drafter, &reviewer] {
        assert!(
            second.authenticate(token, now).await.unwrap().is_some(),
            "a session opened on the first holds on the second"
        );
    }
    let on_second = Office::new(&second, ORG);
    let id = on_second
        .draft("chanyurat", example_content("ita-report-2568.toml"), now)
        .await
        .unwrap()
        .id;
    on_second
        .act("chanyurat", &id, A::Submit, None, now)
        .await
        .unwrap();
    on_second
        .act("somjai", &id, A::Endorse, Some("เห็นควรเสนอ"), now)
        .await
        .expect("the second signs the endorsement with the key from the session");

    // An administrator resets the reviewer's password on a third process,
    // which does not hold the key: a new key is made and logged.
    let third = another_process(&db).await;
    third
        .set_password(&org(ORG), &person("somjai"), "a-new-password-1")
        .await
        .unwrap();

    // The first still holds the old key, and the session still carries it:
    // neither is signed with any more.
    assert!(first.authenticate(&reviewer, now).await.unwrap().is_some());
    let on_first = Office::new(first, ORG);
    let second_memo = on_first
        .draft("chanyurat", example_content("ita-report-2568.toml"), now)
        .await
        .unwrap()
        .id;
    on_first
        .act("chanyurat", &second_memo, A::Submit, None, now)
        .await
        .unwrap();
    let refused = on_first
        .act("somjai", &second_memo, A::Endorse, Some("เห็นควรเสนอ"), now)
        .await;
    assert!(
        matches!(refused, Err(StoreError::KeyLocked { .. })),
        "a replaced key is locked, not used: {refused:?}"
    );

    // Signing in with the new password opens the new key, on any process.
    let again = second
        .sign_in(ORG, "somjai", "a-new-password-1", false, now)
        .await
        .unwrap();
    assert!(first.authenticate(&again, now).await.unwrap().is_some());
    on_first
        .act("somjai", &second_memo, A::Endorse, Some("เห็นควรเสนอ"), now)
        .await
        .expect("the new key, opened from the new session, signs");

    let audit = first.audit(&org(ORG)).await.unwrap();
    assert!(audit.holds(), "{:#?}", audit.findings);
    second.close().await;
    third.close().await;
}

stories!(a_session_carries_its_key_to_every_process);
