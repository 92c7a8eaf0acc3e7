//! Code paths: plain login, sign-up, wrong code, migration, flood wait, cancellation.
use std::time::{Duration, Instant};

use auth_blocking::{Answer, CancelToken, LoginError};
use auth_core::{
    DcId, UsageError,
    login::{CodeKind, LoginEvent},
};
use auth_sim::{AccountConfig, CodeDelivery, Sim, SimConfig};

use crate::support::{Fixture, ScriptedPrompt, Step};

#[test]
fn plain_login_with_test_number() {
    let mut f = Fixture::with_account("9996621234");
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2')]);
    let auth = f.login(&mut prompt, "+999 66 2 1234").expect("logged in");
    assert_eq!(auth.dc, DcId(2));
    assert_eq!(prompt.asked, ["code 0"]);
    assert_eq!(
        prompt.sent_codes[0].kind,
        CodeKind::App { length: 5 },
        "accounts get app codes"
    );
    assert!(prompt.refused.is_empty());
    assert_eq!(f.authorized_user(DcId(2)), Some(auth.user_id));
    assert_eq!(f.methods(), ["auth.sendCode", "auth.signIn"]);
    assert!(auth.future_auth_token.is_some());
}

#[test]
fn unknown_number_signs_up_after_a_refused_blank_name() {
    let mut f = Fixture::default_sim();
    let mut prompt = ScriptedPrompt::new([
        Step::TestCode('3'),
        Step::SignUp(Answer::Value(("  ".into(), "x".into()))),
        Step::SignUp(Answer::Value(("Ada".into(), "Lovelace".into()))),
    ]);
    let auth = f.login(&mut prompt, "9996635678").expect("signed up");
    assert_eq!(
        auth.dc,
        DcId(3),
        "PHONE_MIGRATE to the test number's DC first"
    );
    assert_eq!(prompt.asked, ["code 0", "sign_up", "sign_up"]);
    assert!(matches!(prompt.refused[..], [UsageError::InvalidName(_)]));
    let terms = prompt.terms[0].as_ref().expect("terms shown");
    assert!(terms.text.contains("Terms of Service"));
    assert!(prompt.saw(|e| matches!(e, LoginEvent::SignUpRequired { .. })));
    let account = f
        .server
        .with_sim(|sim| sim.account("9996635678"))
        .expect("account created");
    assert_eq!(
        (account.first_name.as_str(), account.last_name.as_str()),
        ("Ada", "Lovelace")
    );
}

#[test]
fn declining_sign_up_cancels_the_code() {
    let mut f = Fixture::default_sim();
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2'), Step::SignUp(Answer::Cancel)]);
    assert_eq!(
        f.login(&mut prompt, "9996620001"),
        Err(LoginError::Cancelled)
    );
    assert_eq!(f.methods().last(), Some(&"auth.cancelCode"));
}

#[test]
fn wrong_code_then_right() {
    let mut f = Fixture::with_account("9996621234");
    let mut prompt = ScriptedPrompt::new([
        Step::Code(Answer::Value("12".into())), // refused locally: wrong length
        Step::Code(Answer::Value("11111".into())),
        Step::Code(Answer::Resend), // too early: refused locally
        Step::TestCode('2'),
    ]);
    let auth = f.login(&mut prompt, "9996621234").expect("logged in");
    assert_eq!(auth.dc, DcId(2));
    assert_eq!(prompt.asked, ["code 0", "code 0", "code 1", "code 1"]);
    assert!(matches!(
        prompt.refused[..],
        [UsageError::InvalidCode(_), UsageError::ResendNotYet(_)]
    ));
    assert!(prompt.saw(|e| *e == LoginEvent::CodeInvalid { attempts: 1 }));
    assert_eq!(f.methods(), ["auth.sendCode", "auth.signIn", "auth.signIn"]);
}

#[test]
fn migration_from_dc2_to_the_home_dc() {
    let mut f = Fixture::with_account("9996631234");
    let mut prompt = ScriptedPrompt::new([Step::TestCode('3')]);
    let auth = f.login(&mut prompt, "9996631234").expect("logged in");
    assert_eq!(auth.dc, DcId(3));
    assert!(prompt.saw(|e| *e == LoginEvent::DcChanged(DcId(3))));
    let dcs: Vec<(i32, &str)> = f
        .server
        .with_sim(|sim| sim.calls().map(|c| (c.dc.0, c.method)).collect());
    assert_eq!(
        dcs,
        [
            (2, "auth.sendCode"),
            (3, "auth.sendCode"),
            (3, "auth.signIn")
        ]
    );
    assert_eq!(f.authorized_user(DcId(3)), Some(auth.user_id));
    assert_eq!(f.authorized_user(DcId(2)), None);
}

#[test]
fn a_firebase_sms_falls_back_to_the_next_method_without_an_integrity_check() {
    let mut sim = Sim::default();
    sim.add_account(
        AccountConfig::new("9996621234", DcId(2))
            .with_delivery(vec![CodeDelivery::FirebaseSms, CodeDelivery::Sms]),
    )
    .expect("account");
    let mut f = Fixture::new(sim);
    f.config.code_settings.allow_firebase = true;
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2')]);
    f.login(&mut prompt, "9996621234").expect("logged in");
    assert!(prompt.saw(|e| matches!(e, LoginEvent::IntegrityCheckRequired(_))));
    assert!(
        matches!(prompt.sent_codes[..], [ref sent] if sent.kind == CodeKind::Sms { length: 5 })
    );
    assert_eq!(
        f.methods(),
        ["auth.sendCode", "auth.resendCode", "auth.signIn"]
    );
}

#[test]
fn flood_wait_is_waited_out() {
    let mut sim = Sim::new(SimConfig {
        send_code_limit: 1,
        send_code_window: Duration::from_secs(1),
        ..SimConfig::default()
    });
    sim.add_account(AccountConfig::new("9996621234", DcId(2)))
        .expect("account");
    let mut f = Fixture::new(sim);
    let mut first = ScriptedPrompt::new([Step::TestCode('2')]);
    f.login(&mut first, "9996621234").expect("first login");
    let started = Instant::now();
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2')]);
    f.login(&mut prompt, "9996621234")
        .expect("second login after the wait");
    assert!(
        prompt.saw(|e| matches!(e, LoginEvent::FloodWait { seconds: 1, .. })),
        "{:?}",
        prompt.events
    );
    assert!(started.elapsed() >= Duration::from_millis(500));
    let sends = f
        .methods()
        .iter()
        .filter(|m| **m == "auth.sendCode")
        .count();
    assert_eq!(sends, 3, "the refused sendCode was re-sent");
}

#[test]
fn cancelling_at_the_code_sends_cancel_code() {
    let mut f = Fixture::default_sim();
    let mut prompt = ScriptedPrompt::new([Step::Code(Answer::Cancel)]);
    assert_eq!(
        f.login(&mut prompt, "9996621234"),
        Err(LoginError::Cancelled)
    );
    assert_eq!(f.methods(), ["auth.sendCode", "auth.cancelCode"]);
    assert_eq!(f.authorized_user(DcId(2)), None);
}

#[test]
fn cancel_token_wins_over_an_answer() {
    let mut f = Fixture::default_sim();
    let token = CancelToken::new();
    let mut prompt = ScriptedPrompt::new([Step::CancelThenCode(token.clone(), '2')]);
    assert_eq!(
        f.login_cancellable(&mut prompt, "9996621234", Some(&token)),
        Err(LoginError::Cancelled)
    );
    assert_eq!(f.methods(), ["auth.sendCode", "auth.cancelCode"]);
}

#[test]
fn cancel_token_set_before_start_sends_nothing_more() {
    let mut f = Fixture::default_sim();
    let token = CancelToken::new();
    token.cancel();
    let mut prompt = ScriptedPrompt::new([]);
    assert_eq!(
        f.login_cancellable(&mut prompt, "9996621234", Some(&token)),
        Err(LoginError::Cancelled)
    );
    assert!(prompt.asked.is_empty());
    assert!(
        f.methods().is_empty(),
        "no code was requested, so none is cancelled"
    );
}

#[test]
fn bad_phone_is_a_usage_error() {
    let mut f = Fixture::default_sim();
    let mut prompt = ScriptedPrompt::new([]);
    assert!(matches!(
        f.login(&mut prompt, "call me"),
        Err(LoginError::Usage(UsageError::InvalidPhone(_)))
    ));
}
