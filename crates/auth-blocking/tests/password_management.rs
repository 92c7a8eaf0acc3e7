//! End to end over loopback TCP against the simulator: managing the 2FA password of a
//! logged-in key (set → change → remove, a recovery email confirmed by its code), and
//! recovering a forgotten password from the login's password step. SRP-heavy: kept few.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

use auth_blocking::{
    Answer, LoginError, Prompt, SimServer, TcpOptions, TcpTransport, Transport, login,
};
use auth_core::{
    DcId,
    login::{Authorization, Config, Event, PasswordInfo, SentCode, TermsOfService, UsageError},
    machine::{Machine, RetryPolicy},
    password::{Outcome, PasswordChange, PasswordSettings, SettingsEvent},
};
use auth_sim::{AccountConfig, Sim};
use zeroize::Zeroizing;

const PHONE: &str = "9996623001";

/// Drives any machine over `transport` until it finishes, answering its events with
/// `on_event` (which may call the machine's commands). Returns the events seen.
fn drive<M: Machine>(
    machine: &mut M,
    transport: &mut impl Transport,
    mut on_event: impl FnMut(&mut M, &M::Event),
) -> Vec<M::Event>
where
    M::Error: std::fmt::Debug,
{
    let mut seen = Vec::new();
    for _ in 0..100 {
        while let Some(t) = machine.poll_transmit() {
            let answer = transport.invoke(t.dc, &t.body);
            let now = Instant::now();
            match answer {
                Ok(body) => machine.handle_response(now, t.id, &body),
                Err(failure) => machine.handle_failure(now, t.id, failure),
            }
            .expect("an id the machine sent");
        }
        while let Some(event) = machine.poll_event() {
            on_event(machine, &event);
            seen.push(event);
        }
        if machine.is_finished() {
            return seen;
        }
        if let Some(at) = machine.poll_timeout() {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            machine.handle_timeout(Instant::now());
        }
    }
    panic!(
        "the machine did not finish (waiting for a command?); {} events",
        seen.len()
    );
}

/// A settings machine for the transport's logged-in key, run to its end: `current` proves
/// the password (if set), `change` builds the change from the machine's offered algorithm.
fn change_settings(
    transport: &mut TcpTransport,
    current: Option<&'static str>,
    change: impl Fn(&PasswordSettings) -> PasswordChange,
    mut email_code: impl FnMut() -> String,
) -> Vec<SettingsEvent> {
    let mut settings =
        PasswordSettings::new(DcId(2), RetryPolicy::default(), [3; 32], Instant::now());
    drive(&mut settings, transport, |m, event| match event {
        SettingsEvent::Ready { .. } => {
            let check = current.map(|pw| {
                m.challenge()
                    .expect("a password is set")
                    .check(pw.as_bytes())
            });
            let change = change(m);
            m.update(Instant::now(), check, change).expect("accepted");
        }
        SettingsEvent::EmailUnconfirmed { .. } => {
            m.confirm_email(Instant::now(), &email_code())
                .expect("a code");
        }
        _ => {}
    })
}

fn set(
    password: &'static str,
    email: Option<&'static str>,
) -> impl Fn(&PasswordSettings) -> PasswordChange {
    move |m| PasswordChange::Set {
        password: Box::new(
            m.new_algo()
                .expect("offered")
                .hash(password.as_bytes())
                .expect("hashed"),
        ),
        hint: format!("hint for {password}"),
        email: email.map(str::to_owned),
    }
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
    server: &SimServer,
    key_seed: u64,
    prompt: &mut TestPrompt,
) -> (TcpTransport, Result<Authorization, LoginError>) {
    let mut transport = TcpTransport::new(server.addr(), TcpOptions::new(key_seed));
    let auth = login(
        &mut transport,
        prompt,
        Config::new(1, "api-hash"),
        PHONE,
        [key_seed as u8; 32],
        None,
    );
    (transport, auth)
}

fn has_password(server: &SimServer) -> bool {
    server.with_sim(|sim| sim.account(PHONE).expect("account").has_password)
}

#[test]
fn set_change_and_remove_a_password_on_a_logged_in_key() {
    let mut sim = Sim::default();
    sim.add_account(AccountConfig::new(PHONE, DcId(2)))
        .expect("account");
    let server = SimServer::start(sim, 0).expect("server");
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
        |_| PasswordChange::RecoveryEmail("ada@example.com".into()),
        code,
    );
    assert!(events.contains(&SettingsEvent::EmailUnconfirmed {
        email_pattern: "a***@example.com".into(),
        length: 5
    }));
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
        |_| PasswordChange::Remove,
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
    let server = SimServer::start(sim, 0).expect("server");
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
    let server = SimServer::start(sim, 0).expect("server");
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
