//! Logout tokens (plain and 2FA) kept in a `TokenFile`, and the login-email setup.
use std::path::PathBuf;

use auth_blocking::{Answer, EmailAlternative};
use auth_core::{
    DcId, EmailToken, UsageError,
    login::{CodeKind, LoginEvent},
};
use auth_sim::{AccountConfig, Sim};
use auth_store::TokenFile;

use crate::support::{Fixture, ScriptedPrompt, Step};

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("auth-blocking-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("tokens.bin")
}

/// Logs out on DC 2, stores the token in a file, and logs in again with the file's tokens.
fn relogin_with_stored_token(
    f: &mut Fixture,
    name: &str,
    phone: &str,
    steps: Vec<Step>,
) -> ScriptedPrompt {
    let path = temp_file(name);
    let (mut file, corrupt) = TokenFile::open(&path).expect("open");
    assert!(corrupt.is_none());
    file.push(&f.log_out(DcId(2))).expect("saved");
    assert_eq!(f.authorized_user(DcId(2)), None, "logged out");
    drop(file); // release the file's lock

    let (mut file, _) = TokenFile::open(&path).expect("reopen");
    f.config.logout_tokens = file.tokens().clone();
    let mut prompt = ScriptedPrompt::new(steps);
    let auth = f.login(&mut prompt, phone).expect("logged in again");
    assert_eq!(f.authorized_user(DcId(2)), Some(auth.user_id));
    file.remember(&auth).expect("new token saved");
    drop(file);
    assert_eq!(TokenFile::open(&path).expect("reopen").0.tokens().len(), 2);
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    prompt
}

#[test]
fn logout_token_skips_the_code() {
    let phone = "9996625555";
    let mut sim = Sim::default();
    sim.add_account(AccountConfig::new(phone, DcId(2)))
        .expect("account");
    let mut f = Fixture::new(sim);
    f.login(&mut ScriptedPrompt::new([Step::TestCode('2')]), phone)
        .expect("first login");

    let prompt = relogin_with_stored_token(&mut f, "plain", phone, vec![]);
    assert!(prompt.asked.is_empty(), "no code asked: {:?}", prompt.asked);
    assert_eq!(
        f.methods().last(),
        Some(&"auth.sendCode"),
        "sentCodeSuccess logged in"
    );
}

#[test]
fn logout_token_with_two_factor_asks_only_the_password() {
    let phone = "9996625556";
    let mut sim = Sim::default();
    sim.add_account(AccountConfig::new(phone, DcId(2)).with_password("pw"))
        .expect("account");
    let mut f = Fixture::new(sim);
    let steps = [
        Step::TestCode('2'),
        Step::Password(Answer::Value("pw".into())),
    ];
    f.login(&mut ScriptedPrompt::new(steps), phone)
        .expect("first login");

    let prompt = relogin_with_stored_token(
        &mut f,
        "2fa",
        phone,
        vec![Step::Password(Answer::Value("pw".into()))],
    );
    assert_eq!(prompt.asked, ["password 0"]);
    assert!(prompt.sent_codes.is_empty());
}

#[test]
fn login_email_setup() {
    let phone = "9996627777";
    let mut sim = Sim::default();
    sim.add_account(AccountConfig::new(phone, DcId(2)).with_email_setup_required())
        .expect("account");
    let mut f = Fixture::new(sim);
    let mut prompt = ScriptedPrompt::new([
        Step::Email(Answer::Value("not an email".into())),
        Step::Email(Answer::Value("ada@example.com".into())),
        Step::EmailTestCode('2'),
        Step::TestCode('2'),
    ]);
    let auth = f.login(&mut prompt, phone).expect("logged in");
    assert_eq!(f.authorized_user(DcId(2)), Some(auth.user_id));
    assert_eq!(prompt.asked.len(), 4, "{:?}", prompt.asked);
    assert_eq!(prompt.asked[0], "email google=false apple=false");
    assert!(
        prompt.asked[2].starts_with("email_code "),
        "{:?}",
        prompt.asked
    );
    assert_eq!(
        prompt.refused.len(),
        1,
        "the malformed address is refused locally"
    );
    assert!(prompt.saw(|e| matches!(e, LoginEvent::EmailSetupRequired { .. })));
    assert!(
        matches!(prompt.sent_codes[0].kind, CodeKind::Email { .. }),
        "{:?}",
        prompt.sent_codes
    );
    assert_eq!(
        f.server
            .with_sim(|sim| sim.account(phone))
            .and_then(|a| a.login_email)
            .as_deref(),
        Some("ada@example.com")
    );
}

#[test]
fn google_id_token_sets_up_the_login_email() {
    let phone = "9996627778";
    let mut sim = Sim::default();
    let account = AccountConfig::new(phone, DcId(2))
        .with_email_setup_required()
        .with_google_signin("google-id-token", "ada@gmail.com");
    sim.add_account(account).expect("account");
    let mut f = Fixture::new(sim);
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2')]);
    prompt
        .alternatives
        .push_back(EmailAlternative::Token(EmailToken::apple("nope")));
    prompt
        .alternatives
        .push_back(EmailAlternative::Token(EmailToken::google(
            "google-id-token",
        )));
    let auth = f.login(&mut prompt, phone).expect("logged in");
    assert_eq!(f.authorized_user(DcId(2)), Some(auth.user_id));
    // Apple is not allowed for this account: refused locally, then Google verifies the email
    // and the login code goes to it.
    assert_eq!(prompt.refused, vec![UsageError::SignInMethodNotAllowed]);
    assert!(
        f.methods().contains(&"account.verifyEmail"),
        "{:?}",
        f.methods()
    );
    assert!(
        matches!(prompt.sent_codes[0].kind, CodeKind::Email { .. }),
        "{:?}",
        prompt.sent_codes
    );
}

#[test]
fn a_lost_login_email_is_reset_and_the_code_comes_by_sms() {
    let phone = "9996627779";
    let mut sim = Sim::default();
    sim.add_account(AccountConfig::new(phone, DcId(2)).with_login_email("ada@example.com"))
        .expect("account");
    let mut f = Fixture::new(sim);
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2')]);
    prompt
        .alternatives
        .push_back(EmailAlternative::ResetLoginEmail);
    let auth = f.login(&mut prompt, phone).expect("logged in");
    assert_eq!(f.authorized_user(DcId(2)), Some(auth.user_id));
    assert!(
        f.methods().contains(&"auth.resetLoginEmail"),
        "{:?}",
        f.methods()
    );
    assert!(
        !matches!(prompt.sent_codes[0].kind, CodeKind::Email { .. }),
        "after the reset the code is not emailed: {:?}",
        prompt.sent_codes
    );
}
