//! End to end over loopback TCP against the simulator: managing the 2FA password of a
//! logged-in key (set → change → remove, a recovery email confirmed by its code), and
//! recovering a forgotten password from the login's password step. SRP-heavy: kept few.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

mod served;

use std::ops::ControlFlow;
use std::time::Instant;

use auth_blocking::{Answer, LoginError, MtprotoTransport, Prompt, login, run};
use auth_core::{
    Authorization, DcId, EmailCode, PasswordInfo, SessionConfig, TermsOfService, UsageError,
    entropy::Entropy,
    login::{Config, LoginEvent as Event, SentCode},
    password::{PasswordChange, PasswordSettings, SettingsEvent, SettingsOutcome as Outcome},
};
use auth_sim::{AccountConfig, Sim};
use zeroize::Zeroizing;

const PHONE: &str = "9996623001";

/// A settings machine for the transport's logged-in key, run to its end by
/// `auth_blocking::run` (which also runs the SRP proof and hashing the machine hands out):
/// `current` proves the password (if set). Returns the events seen.
fn change_settings(
    transport: &mut MtprotoTransport,
    current: Option<&'static str>,
    change: impl Fn() -> PasswordChange,
    mut email_code: impl FnMut() -> String,
) -> Vec<SettingsEvent> {
    let mut settings = PasswordSettings::new(
        &SessionConfig::new(DcId(2)),
        &mut Entropy::deterministic([3; 32]),
        Instant::now(),
    )
    .expect("a valid session");
    let mut seen = Vec::new();
    run(transport, &mut settings, |m, event| {
        match &event {
            SettingsEvent::Ready { .. } => {
                m.update(Instant::now(), current.map(str::as_bytes), change())
                    .expect("accepted");
            }
            SettingsEvent::EmailUnconfirmed(_) => {
                m.confirm_email(Instant::now(), &email_code())
                    .expect("a code");
            }
            _ => {}
        }
        seen.push(event);
        ControlFlow::Continue(())
    })
    .expect("the settings machine runs to its end");
    seen
}

fn set(password: &'static str, email: Option<&'static str>) -> impl Fn() -> PasswordChange {
    move || PasswordChange::set(password.as_bytes(), &format!("hint for {password}"), email)
}

/// Answers from fields; records what it was asked.
#[derive(Default)]
struct TestPrompt {
    password: Option<Answer<Zeroizing<String>>>,
    recovery_codes: Vec<String>,
    asked: Vec<String>,
    events: Vec<Event>,
    refused: Vec<UsageError>,
}

impl Prompt for TestPrompt {
    fn code(&mut self, sent: &SentCode, _attempts: u32) -> Answer<String> {
        self.asked.push("code".into());
        Answer::Value("2".repeat(sent.kind.length().unwrap_or(5) as usize))
    }
    fn password(&mut self, _info: &PasswordInfo, attempts: u32) -> Answer<Zeroizing<String>> {
        self.asked.push(format!("password {attempts}"));
        self.password.take().unwrap_or(Answer::Cancel)
    }
    fn recovery_code(&mut self, email_pattern: &str, attempts: u32) -> Answer<String> {
        self.asked
            .push(format!("recovery_code {email_pattern} {attempts}"));
        if self.recovery_codes.is_empty() {
            Answer::Cancel
        } else {
            Answer::Value(self.recovery_codes.remove(0))
        }
    }
    fn sign_up(&mut self, _terms: Option<&TermsOfService>) -> Answer<(String, String)> {
        Answer::Cancel
    }
    fn email(&mut self, _google: bool, _apple: bool) -> Answer<String> {
        Answer::Cancel
    }
    fn email_code(&mut self, _pattern: &str, _length: u32) -> Answer<String> {
        Answer::Cancel
    }
    fn notify(&mut self, event: &Event) {
        self.events.push(event.clone());
    }
    fn refused(&mut self, error: &UsageError) {
        self.refused.push(error.clone());
    }
}

fn log_in(
    server: &auth_sim::tcp::SimServer,
    key_seed: u64,
    prompt: &mut TestPrompt,
) -> (MtprotoTransport, Result<Authorization, LoginError>) {
    let mut transport = served::client(server, key_seed);
    let auth = login(
        &mut transport,
        prompt,
        Config::new(1, "api-hash"),
        PHONE,
        &mut Entropy::deterministic([key_seed as u8; 32]),
        None,
    );
    (transport, auth)
}

fn has_password(server: &auth_sim::tcp::SimServer) -> bool {
    server.with_sim(|sim| sim.account(PHONE).expect("account").has_password)
}

#[test]
fn set_change_and_remove_a_password_on_a_logged_in_key() {
    let mut sim = Sim::default();
    sim.add_account(AccountConfig::new(PHONE, DcId(2)))
        .expect("account");
    let server = served::start(sim);
    let (mut transport, auth) = log_in(&server, 1, &mut TestPrompt::default());
    auth.expect("logged in without a password");

    let events = change_settings(&mut transport, None, set("first", None), String::new);
    assert!(matches!(
        events[0],
        SettingsEvent::Ready {
            has_password: false,
            ..
        }
    ));
    assert_eq!(events.last(), Some(&SettingsEvent::Done(Outcome::Updated)));
    assert!(has_password(&server));
    let hint = server.with_sim(|sim| sim.account(PHONE).expect("account").hint);
    assert_eq!(hint.as_deref(), Some("hint for first"));

    // Changing proves "first"; a new login then needs "second".
    let events = change_settings(
        &mut transport,
        Some("first"),
        set("second", None),
        String::new,
    );
    assert!(matches!(
        events[0],
        SettingsEvent::Ready {
            has_password: true,
            ..
        }
    ));
    assert_eq!(events.last(), Some(&SettingsEvent::Done(Outcome::Updated)));
    let mut prompt = TestPrompt {
        password: Some(Answer::Value(Zeroizing::new("second".into()))),
        ..TestPrompt::default()
    };
    let (_, auth) = log_in(&server, 2, &mut prompt);
    auth.expect("logged in with the changed password");
    assert_eq!(prompt.asked, ["code", "password 0"]);

    // A recovery email, confirmed with the code the simulator mailed.
    let code = || {
        server.with_sim(|sim| {
            sim.last_email_code("ada@example.com")
                .expect("mailed")
                .to_owned()
        })
    };
    let events = change_settings(
        &mut transport,
        Some("second"),
        || PasswordChange::RecoveryEmail("ada@example.com".into()),
        code,
    );
    assert!(events.contains(&SettingsEvent::EmailUnconfirmed(EmailCode {
        email_pattern: "a***@example.com".into(),
        length: 5
    })));
    assert_eq!(
        events.last(),
        Some(&SettingsEvent::Done(Outcome::EmailConfirmed))
    );
    let recovery = server.with_sim(|sim| sim.account(PHONE).expect("account").recovery_email);
    assert_eq!(recovery.as_deref(), Some("ada@example.com"));

    // Removing proves "second"; a new login needs no password.
    let events = change_settings(
        &mut transport,
        Some("second"),
        || PasswordChange::Remove,
        String::new,
    );
    assert_eq!(events.last(), Some(&SettingsEvent::Done(Outcome::Updated)));
    assert!(!has_password(&server));
    let mut prompt = TestPrompt::default();
    let (_, auth) = log_in(&server, 3, &mut prompt);
    auth.expect("logged in without a password again");
    assert_eq!(prompt.asked, ["code"]);
    server.shutdown();
}

#[test]
fn a_forgotten_password_is_recovered_from_the_password_step() {
    let mut sim = Sim::default();
    sim.add_account(
        AccountConfig::new(PHONE, DcId(2))
            .with_password("forgotten")
            .with_recovery_email("ada@example.com"),
    )
    .expect("account");
    let server = served::start(sim);
    let mut prompt = TestPrompt {
        password: Some(Answer::Recover),
        // A wrong code first, then the mailed one (test numbers' codes: the DC digit).
        recovery_codes: vec!["11111".into(), "22222".into()],
        ..TestPrompt::default()
    };
    let (_, auth) = log_in(&server, 4, &mut prompt);
    let auth = auth.expect("logged in by recovery");
    assert_eq!(
        prompt.asked,
        [
            "code",
            "password 0",
            "recovery_code a***@example.com 0",
            "recovery_code a***@example.com 1"
        ]
    );
    assert!(prompt.events.contains(&Event::RecoveryCodeSent {
        email_pattern: "a***@example.com".into()
    }));
    assert!(
        prompt
            .events
            .contains(&Event::RecoveryCodeInvalid { attempts: 1 })
    );
    assert!(prompt.refused.is_empty());
    let id = server.with_sim(|sim| sim.account(PHONE).expect("account").user_id);
    assert_eq!(auth.user_id, id);
    assert!(!has_password(&server), "recovery removed the password");

    // Without a recovery email, `Recover` is refused and the password asked again.
    let mut sim = Sim::default();
    sim.add_account(AccountConfig::new(PHONE, DcId(2)).with_password("pw"))
        .expect("account");
    let server = served::start(sim);
    let mut prompt = TestPrompt {
        password: Some(Answer::Recover),
        ..TestPrompt::default()
    };
    let (_, auth) = log_in(&server, 5, &mut prompt);
    assert_eq!(auth.err(), Some(LoginError::Cancelled));
    assert_eq!(prompt.refused, [UsageError::RecoveryUnavailable]);
    assert_eq!(prompt.asked, ["code", "password 0", "password 0"]);
    server.shutdown();
}
