//! Transcript tests of the 2FA management machines: password settings (set, change, remove,
//! recovery email), email recovery and reset on an authorized session, and the login-email
//! change.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]
mod support;

use std::fmt::Debug;
use std::time::{Duration, Instant};

use auth_core::{
    CodeFormatError, DcId, EmailCode, EmailToken, Error, Phase, RequestId, RpcError, SessionConfig,
    Transmit, UsageError,
    email_change::{EmailChangeEvent, LoginEmailChange},
    machine::Machine,
    password::{
        PasswordChange, PasswordRecovery, PasswordReset, PasswordSettings, RecoveryEvent,
        ResetEvent, ResetOutcome, SettingsEvent, SettingsOutcome,
    },
    srp::{SrpAlgo, SrpVerifier, TELEGRAM_P},
    tl::{self, Deserialize, RemoteCall, Serialize, enums, functions, types},
};
use support::{PasswordServer, authorization, rng};

/// A machine, the time, and typed shortcuts to answer its calls.
struct Run<M> {
    m: M,
    now: Instant,
}

impl<M: Machine> Run<M>
where
    M::Event: Debug,
{
    fn new(make: impl FnOnce(Instant) -> M) -> Self {
        let now = Instant::now();
        Run { m: make(now), now }
    }

    fn expect<F: RemoteCall + Deserialize>(&mut self) -> (Transmit, F) {
        let t = self
            .m
            .poll_transmit()
            .unwrap_or_else(|| panic!("expected a call to {}, got nothing", F::NAME));
        let call = tl::decode::<F>(&t.body)
            .unwrap_or_else(|e| panic!("expected {}, got something else: {e}", F::NAME));
        (t, call)
    }

    fn no_transmit(&mut self) {
        if let Some(t) = self.m.poll_transmit() {
            panic!("unexpected transmit {t:?}");
        }
    }

    fn reply(&mut self, id: RequestId, value: &impl Serialize) {
        self.m
            .handle_response(self.now, id, &value.to_bytes())
            .expect("known request");
    }

    fn reply_error(&mut self, id: RequestId, code: i32, name: &str) {
        self.m
            .handle_response(self.now, id, &RpcError::new(code, name).to_bytes())
            .expect("known request");
    }

    /// Runs the slow work the machine handed out, inline.
    fn run_work(&mut self) {
        while let Some(work) = self.m.poll_work() {
            self.m
                .handle_work(self.now, work.run())
                .expect("awaited work");
        }
    }

    fn one_event(&mut self) -> M::Event {
        let events: Vec<_> = std::iter::from_fn(|| self.m.poll_event()).collect();
        assert_eq!(events.len(), 1, "expected one event, got {events:?}");
        events.into_iter().next().unwrap()
    }
}

fn server_new_algo() -> SrpAlgo {
    SrpAlgo {
        salt1: vec![0x61; 8],
        salt2: vec![0x62; 16],
        g: 3,
        p: TELEGRAM_P.to_vec(),
    }
}

fn modpow(algo: &SrpAlgo) -> enums::PasswordKdfAlgo {
    types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
        salt1: algo.salt1.clone(),
        salt2: algo.salt2.clone(),
        g: algo.g,
        p: algo.p.clone(),
    }
    .into()
}

/// `account.password` without a password.
fn no_password() -> enums::account::Password {
    types::account::Password {
        new_algo: modpow(&server_new_algo()),
        new_secure_algo: types::SecurePasswordKdfAlgoUnknown {}.into(),
        secure_random: vec![3; 32],
        ..Default::default()
    }
    .into()
}

/// `account.password` of `server`'s password, with the known `new_algo`.
fn with_password(server: &mut PasswordServer) -> enums::account::Password {
    let enums::account::Password::Password(mut p) = server.account_password();
    p.new_algo = modpow(&server_new_algo());
    p.into()
}

fn session(dc: i32) -> SessionConfig {
    SessionConfig::new(DcId(dc))
}

fn settings(now: Instant) -> PasswordSettings {
    PasswordSettings::new(&session(2), &mut rng(4), now).expect("a session")
}

/// The SRP algorithm a `new_algo` names.
fn srp_algo(algo: &enums::PasswordKdfAlgo) -> SrpAlgo {
    let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(a) = algo else {
        panic!("modpow algo, got {algo:?}");
    };
    SrpAlgo {
        salt1: a.salt1.clone(),
        salt2: a.salt2.clone(),
        g: a.g,
        p: a.p.clone(),
    }
}

/// Whether `sent` sets `password`, hashed with an extension of the server's `new_algo`.
fn sets_password(sent: &types::account::NewPasswordSettings, password: &[u8]) -> bool {
    let algo = srp_algo(&sent.new_algo);
    let server = server_new_algo();
    let verifier = SrpVerifier::from_password(&algo, password).expect("valid group");
    algo.salt1.len() == server.salt1.len() + 32
        && algo.salt1.starts_with(&server.salt1)
        && (algo.salt2.as_slice(), algo.g) == (server.salt2.as_slice(), server.g)
        && sent.new_password_hash == verifier.password_hash().to_vec()
}

/// A settings machine answered with `password`, past its first event.
fn ready(password: enums::account::Password) -> Run<PasswordSettings> {
    let mut r = Run::new(settings);
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply(t.id, &password);
    assert!(matches!(r.one_event(), SettingsEvent::Ready { .. }));
    r
}

/// The `account.passwordInputSettings` of an update.
fn sent_settings(
    call: functions::account::UpdatePasswordSettings,
) -> types::account::PasswordInputSettings {
    let enums::account::PasswordInputSettings::PasswordInputSettings(s) = call.new_settings;
    s
}

#[test]
fn setting_a_first_password_sends_an_empty_check_and_the_verifier() {
    let mut r = Run::new(settings);
    let (t, _) = r.expect::<functions::account::GetPassword>();
    assert_eq!(t.dc, DcId(2));
    r.reply(t.id, &no_password());
    match r.one_event() {
        SettingsEvent::Ready { has_password, info } => {
            assert!(!has_password);
            assert!(!info.has_recovery);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.m.phase(), Phase::AwaitingChange);
    assert!(!r.m.has_password());
    // No password is set: nothing to prove, and proving is refused.
    assert_eq!(
        r.m.update(
            r.now,
            Some(b"x"),
            PasswordChange::set(b"first", " pet ", None)
        ),
        Err(UsageError::NoPassword)
    );
    r.m.update(r.now, None, PasswordChange::set(b"first", " pet ", None))
        .unwrap();
    // Hashing the new password is handed out as work first.
    assert_eq!(r.m.phase(), Phase::Working);
    r.no_transmit();
    r.run_work();
    let (t, call) = r.expect::<functions::account::UpdatePasswordSettings>();
    assert!(matches!(
        call.password,
        enums::InputCheckPasswordSRP::InputCheckPasswordEmpty(_)
    ));
    let sent = sent_settings(call);
    assert_eq!(sent.email, None);
    let new_password = sent.new_password.expect("a new password");
    assert_eq!(new_password.hint, "pet");
    assert!(sets_password(&new_password, b"first"));
    r.reply(t.id, &true);
    assert_eq!(r.one_event(), SettingsEvent::Done(SettingsOutcome::Updated));
    assert!(r.m.is_finished());
    r.no_transmit();
}

#[test]
fn changing_proves_the_current_password_and_retries_a_wrong_one() {
    let mut server = PasswordServer::new(b"old");
    let mut r = Run::new(settings);
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply(t.id, &with_password(&mut server));
    assert!(matches!(
        r.one_event(),
        SettingsEvent::Ready {
            has_password: true,
            ..
        }
    ));
    let set = || PasswordChange::set(b"new", "", None);
    assert_eq!(
        r.m.update(r.now, None, set()),
        Err(UsageError::CurrentPasswordNeeded)
    );
    r.m.update(r.now, Some(b"wrong"), set()).unwrap();
    r.run_work();
    let (t, call) = r.expect::<functions::account::UpdatePasswordSettings>();
    let check = functions::auth::CheckPassword {
        password: call.password,
    };
    assert!(!server.verify(&check));
    r.reply_error(t.id, 400, "PASSWORD_HASH_INVALID");
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply(t.id, &with_password(&mut server));
    assert_eq!(
        r.one_event(),
        SettingsEvent::PasswordInvalid { attempts: 1 }
    );
    assert_eq!(r.m.password_attempts(), 1);
    r.m.update(r.now, Some(b"old"), set()).unwrap();
    r.run_work();
    let (t, call) = r.expect::<functions::account::UpdatePasswordSettings>();
    let check = functions::auth::CheckPassword {
        password: call.password.clone(),
    };
    assert!(server.verify(&check), "the server accepts the proof");
    assert!(sets_password(
        &sent_settings(call).new_password.unwrap(),
        b"new"
    ));
    r.reply(t.id, &true);
    assert_eq!(r.one_event(), SettingsEvent::Done(SettingsOutcome::Updated));
}

#[test]
fn removing_sends_the_unknown_algorithm_and_an_empty_hash() {
    let mut server = PasswordServer::new(b"old");
    let mut r = ready(with_password(&mut server));
    r.m.update(r.now, Some(b"old"), PasswordChange::Remove)
        .unwrap();
    r.run_work();
    let (t, call) = r.expect::<functions::account::UpdatePasswordSettings>();
    let sent = sent_settings(call);
    let new_password = sent.new_password.expect("settings for the password");
    assert_eq!(
        new_password.new_algo,
        enums::PasswordKdfAlgo::Unknown(types::PasswordKdfAlgoUnknown {})
    );
    assert!(new_password.new_password_hash.is_empty());
    assert!(new_password.hint.is_empty());
    r.reply(t.id, &true);
    assert_eq!(r.one_event(), SettingsEvent::Done(SettingsOutcome::Updated));

    // Without a password there is nothing to remove.
    let mut r = ready(no_password());
    assert_eq!(
        r.m.update(r.now, None, PasswordChange::Remove),
        Err(UsageError::NoPassword)
    );
    r.no_transmit();
}

#[test]
fn a_new_recovery_email_is_confirmed_with_its_code() {
    let mut server = PasswordServer::new(b"old");
    let mut r = ready(with_password(&mut server));
    assert_eq!(
        r.m.update(
            r.now,
            Some(b"old"),
            PasswordChange::RecoveryEmail("no address".into())
        ),
        Err(UsageError::InvalidEmail)
    );
    r.m.update(
        r.now,
        Some(b"old"),
        PasswordChange::RecoveryEmail(" ada@example.com ".into()),
    )
    .unwrap();
    r.run_work();
    let (t, call) = r.expect::<functions::account::UpdatePasswordSettings>();
    let sent = sent_settings(call);
    assert_eq!(
        (sent.new_password, sent.email.as_deref()),
        (None, Some("ada@example.com"))
    );
    r.reply_error(t.id, 400, "EMAIL_UNCONFIRMED_6");
    let code = EmailCode {
        email_pattern: "a***@example.com".into(),
        length: 6,
    };
    assert_eq!(r.one_event(), SettingsEvent::EmailUnconfirmed(code.clone()));
    assert_eq!(r.m.phase(), Phase::AwaitingEmailCode);
    assert_eq!(r.m.email_code(), Some(&code));
    assert_eq!(
        r.m.confirm_email(r.now, "12"),
        Err(UsageError::InvalidCode(CodeFormatError::WrongLength {
            expected: 6,
            got: 2
        }))
    );
    r.m.confirm_email(r.now, "111111").unwrap();
    let (t, call) = r.expect::<functions::account::ConfirmPasswordEmail>();
    assert_eq!(call.code, "111111");
    r.reply_error(t.id, 400, "CODE_INVALID");
    assert_eq!(
        r.one_event(),
        SettingsEvent::EmailCodeInvalid { attempts: 1 }
    );
    r.m.resend_email(r.now).unwrap();
    let (t, _) = r.expect::<functions::account::ResendPasswordEmail>();
    r.reply(t.id, &true);
    assert_eq!(r.one_event(), SettingsEvent::EmailCodeResent);
    r.m.confirm_email(r.now, "654321").unwrap();
    let (t, _) = r.expect::<functions::account::ConfirmPasswordEmail>();
    r.reply(t.id, &true);
    assert_eq!(
        r.one_event(),
        SettingsEvent::Done(SettingsOutcome::EmailConfirmed)
    );
}

#[test]
fn an_unconfirmed_email_can_be_cancelled_or_expire() {
    // An email left unconfirmed earlier: the commands work from the start.
    let mut server = PasswordServer::new(b"old");
    let enums::account::Password::Password(mut p) = with_password(&mut server);
    p.email_unconfirmed_pattern = Some("b***@example.com".into());
    let mut r = ready(p.clone().into());
    r.m.cancel_email(r.now).unwrap();
    let (t, _) = r.expect::<functions::account::CancelPasswordEmail>();
    r.reply(t.id, &true);
    assert_eq!(
        r.one_event(),
        SettingsEvent::Done(SettingsOutcome::EmailCancelled)
    );

    let mut r = ready(p.into());
    r.m.confirm_email(r.now, "1234").unwrap();
    let (t, _) = r.expect::<functions::account::ConfirmPasswordEmail>();
    r.reply_error(t.id, 400, "EMAIL_HASH_EXPIRED");
    assert_eq!(
        r.one_event(),
        SettingsEvent::Done(SettingsOutcome::EmailExpired)
    );

    // Without one, the email commands are refused.
    let mut r = ready(with_password(&mut server));
    assert_eq!(
        r.m.resend_email(r.now),
        Err(UsageError::WrongPhase {
            command: "resend_email",
            phase: Phase::AwaitingChange
        })
    );
}

#[test]
fn stale_challenges_are_proved_again_by_the_machine_a_few_times_then_fail() {
    let mut server = PasswordServer::new(b"old");
    let mut r = ready(with_password(&mut server));
    r.m.update(r.now, Some(b"old"), PasswordChange::set(b"new", "", None))
        .unwrap();
    for round in 1..=4 {
        r.run_work();
        let (t, call) = r.expect::<functions::account::UpdatePasswordSettings>();
        // Each round proves the kept password against the newest challenge.
        let check = functions::auth::CheckPassword {
            password: call.password.clone(),
        };
        assert!(server.verify(&check), "round {round}");
        assert!(sets_password(
            &sent_settings(call).new_password.unwrap(),
            b"new"
        ));
        r.reply_error(t.id, 400, "SRP_ID_INVALID");
        if round == 4 {
            assert_eq!(
                r.one_event(),
                SettingsEvent::Failed(Error::PasswordChallengeUnstable)
            );
            break;
        }
        let (t, _) = r.expect::<functions::account::GetPassword>();
        r.reply(t.id, &with_password(&mut server));
        // Nobody is asked: new work is handed out by itself.
        assert!(std::iter::from_fn(|| r.m.poll_event()).next().is_none());
        assert_eq!(r.m.phase(), Phase::Working);
    }
    r.no_transmit();
}

#[test]
fn refused_emails_ask_again_and_bad_settings_fail_typed() {
    let mut r = ready(no_password());
    let set = |email: &str| PasswordChange::set(b"pw", "", Some(email));
    r.m.update(r.now, None, set("ada@example.com")).unwrap();
    r.run_work();
    let (t, _) = r.expect::<functions::account::UpdatePasswordSettings>();
    r.reply_error(t.id, 400, "EMAIL_INVALID");
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply(t.id, &no_password());
    assert!(matches!(
        r.one_event(),
        SettingsEvent::EmailRefused(e) if e.name == "EMAIL_INVALID"
    ));
    r.m.update(r.now, None, set("ada@example.org")).unwrap();
    r.run_work();
    let (t, _) = r.expect::<functions::account::UpdatePasswordSettings>();
    r.reply_error(t.id, 400, "NEW_SALT_INVALID");
    assert_eq!(r.one_event(), SettingsEvent::Failed(Error::NewSaltInvalid));

    let mut r = ready(no_password());
    r.m.update(r.now, None, set("c@example.com")).unwrap();
    r.run_work();
    let (t, _) = r.expect::<functions::account::UpdatePasswordSettings>();
    r.reply_error(t.id, 400, "NEW_SETTINGS_INVALID");
    assert_eq!(
        r.one_event(),
        SettingsEvent::Failed(Error::NewSettingsInvalid)
    );

    // A server that offers no algorithm this client knows for a new password.
    let enums::account::Password::Password(mut p) = no_password();
    p.new_algo = types::PasswordKdfAlgoUnknown {}.into();
    let mut r = ready(p.into());
    assert_eq!(
        r.m.update(r.now, None, set("d@example.com")),
        Err(UsageError::NewPasswordUnavailable)
    );
    assert!(r.m.poll_work().is_none());
}

#[test]
fn settings_ask_for_a_transfer_on_migration_wait_out_floods_and_can_be_cancelled() {
    // The settings run on an authorized key: a migration is not followed to DC 4's key.
    let mut r = Run::new(settings);
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply_error(t.id, 303, "USER_MIGRATE_4");
    assert_eq!(
        r.one_event(),
        SettingsEvent::Failed(Error::TransferNeeded {
            method: "account.getPassword",
            from: DcId(2),
            to: DcId(4)
        })
    );
    r.no_transmit();
    let mut r = Run::new(settings);
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply_error(t.id, 420, "FLOOD_WAIT_3");
    let until = r.now + Duration::from_secs(3);
    assert_eq!(
        r.one_event(),
        SettingsEvent::FloodWait { seconds: 3, until }
    );
    assert_eq!(r.m.poll_timeout(), Some(until));
    r.m.handle_timeout(until);
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply(t.id, &no_password());
    assert!(matches!(r.one_event(), SettingsEvent::Ready { .. }));
    assert_eq!(r.m.dc(), DcId(2));
    r.m.cancel(r.now);
    assert_eq!(r.one_event(), SettingsEvent::Cancelled);
    assert!(matches!(
        r.m.update(r.now, None, PasswordChange::Remove),
        Err(UsageError::WrongPhase {
            phase: Phase::Finished,
            ..
        })
    ));
    // Garbage from the server is a typed failure.
    let mut r = Run::new(settings);
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.m.handle_response(r.now, t.id, &[1, 2, 3, 4, 5]).unwrap();
    assert!(matches!(
        r.one_event(),
        SettingsEvent::Failed(Error::MalformedReply {
            method: "account.getPassword",
            ..
        })
    ));
}

#[test]
fn recovery_on_an_authorized_session_replaces_the_password() {
    let mut server = PasswordServer::new(b"lost");
    let mut r = Run::new(|now| PasswordRecovery::new(&session(3), &mut rng(5), now).unwrap());
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply(t.id, &with_password(&mut server));
    let (t, _) = r.expect::<functions::auth::RequestPasswordRecovery>();
    r.reply(
        t.id,
        &enums::auth::PasswordRecovery::from(types::auth::PasswordRecovery {
            email_pattern: "a***@example.com".into(),
        }),
    );
    assert_eq!(
        r.one_event(),
        RecoveryEvent::CodeSent {
            email_pattern: "a***@example.com".into()
        }
    );
    assert_eq!(r.m.phase(), Phase::AwaitingRecoveryCode);
    r.m.check_code(r.now, "000000").unwrap();
    let (t, _) = r.expect::<functions::auth::CheckRecoveryPassword>();
    r.reply_error(t.id, 400, "CODE_INVALID");
    assert_eq!(r.one_event(), RecoveryEvent::CodeInvalid { attempts: 1 });
    r.m.submit_code(r.now, "424242", Some(b"found")).unwrap();
    r.run_work();
    let (t, call) = r.expect::<functions::auth::RecoverPassword>();
    assert_eq!(call.code, "424242");
    let Some(enums::account::PasswordInputSettings::PasswordInputSettings(s)) = call.new_settings
    else {
        panic!("a new password is set");
    };
    assert!(sets_password(&s.new_password.unwrap(), b"found"));
    r.reply(t.id, &authorization(41));
    match r.one_event() {
        RecoveryEvent::Done(auth) => assert_eq!((auth.user_id, auth.dc), (41, DcId(3))),
        other => panic!("{other:?}"),
    }

    // An account without a recovery email.
    let mut r = Run::new(|now| PasswordRecovery::new(&session(3), &mut rng(5), now).unwrap());
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply(t.id, &with_password(&mut server));
    let (t, _) = r.expect::<functions::auth::RequestPasswordRecovery>();
    r.reply_error(t.id, 400, "PASSWORD_RECOVERY_NA");
    assert_eq!(
        r.one_event(),
        RecoveryEvent::Failed(Error::RecoveryUnavailable)
    );
    // An account without a password.
    let mut r = Run::new(|now| PasswordRecovery::new(&session(3), &mut rng(5), now).unwrap());
    let (t, _) = r.expect::<functions::account::GetPassword>();
    r.reply(t.id, &no_password());
    assert_eq!(r.one_event(), RecoveryEvent::Failed(Error::NoPassword));
    r.no_transmit();
}

#[test]
fn reset_has_three_outcomes_in_unix_and_caller_time() {
    let unix = 1_700_000_000;
    let request = |now| PasswordReset::request(&session(2), now, unix).unwrap();
    let cases: [(enums::account::ResetPasswordResult, i64); 3] = [
        (types::account::ResetPasswordOk {}.into(), 0),
        (
            types::account::ResetPasswordRequestedWait {
                until_date: 1_700_604_800,
            }
            .into(),
            604_800,
        ),
        (
            types::account::ResetPasswordFailedWait {
                retry_date: 1_700_000_060,
            }
            .into(),
            60,
        ),
    ];
    for (answer, ahead) in cases {
        let mut r = Run::new(request);
        let (t, _) = r.expect::<functions::account::ResetPassword>();
        r.reply(t.id, &answer);
        let at = r.now + Duration::from_secs(ahead as u64);
        let expected = match answer {
            enums::account::ResetPasswordResult::ResetPasswordOk(_) => ResetOutcome::Reset,
            enums::account::ResetPasswordResult::ResetPasswordRequestedWait(_) => {
                ResetOutcome::Pending {
                    until: at,
                    until_unix: unix + ahead,
                }
            }
            enums::account::ResetPasswordResult::ResetPasswordFailedWait(_) => {
                ResetOutcome::RetryLater {
                    retry_at: at,
                    retry_unix: unix + ahead,
                }
            }
        };
        assert_eq!(r.one_event(), ResetEvent::Done(expected));
        assert!(r.m.is_finished());
    }
    // A date in the past is now.
    let mut r = Run::new(request);
    let (t, _) = r.expect::<functions::account::ResetPassword>();
    let past = types::account::ResetPasswordRequestedWait { until_date: 5 };
    r.reply(t.id, &enums::account::ResetPasswordResult::from(past));
    let now = r.now;
    assert_eq!(
        r.one_event(),
        ResetEvent::Done(ResetOutcome::Pending {
            until: now,
            until_unix: 5
        })
    );
    let mut r = Run::new(request);
    let (t, _) = r.expect::<functions::account::ResetPassword>();
    r.reply_error(t.id, 400, "PASSWORD_EMPTY");
    assert_eq!(r.one_event(), ResetEvent::Failed(Error::NoPassword));
}

#[test]
fn declining_a_reset_is_typed() {
    let decline = |now| PasswordReset::decline(&session(2), now).unwrap();
    let mut r = Run::new(decline);
    let (t, _) = r.expect::<functions::account::DeclinePasswordReset>();
    r.reply(t.id, &true);
    assert_eq!(r.one_event(), ResetEvent::Done(ResetOutcome::Declined));
    let mut r = Run::new(decline);
    let (t, _) = r.expect::<functions::account::DeclinePasswordReset>();
    r.reply_error(t.id, 400, "RESET_REQUEST_MISSING");
    assert_eq!(r.one_event(), ResetEvent::Failed(Error::ResetNotRequested));
}

fn login_change(call: &functions::account::SendVerifyEmailCode) -> bool {
    matches!(call.purpose, enums::EmailVerifyPurpose::LoginChange(_))
}

#[test]
fn login_email_change_by_code() {
    let change = |now| LoginEmailChange::new(&session(2), "new@example.com", now).unwrap();
    let mut r = Run::new(change);
    let (t, call) = r.expect::<functions::account::SendVerifyEmailCode>();
    assert!(login_change(&call));
    assert_eq!(call.email, "new@example.com");
    let sent = types::account::SentEmailCode {
        email_pattern: "n***@example.com".into(),
        length: 5,
    };
    r.reply(t.id, &enums::account::SentEmailCode::from(sent));
    assert_eq!(
        r.one_event(),
        EmailChangeEvent::CodeSent(EmailCode {
            email_pattern: "n***@example.com".into(),
            length: 5
        })
    );
    assert_eq!(r.m.email_code().map(|c| c.length), Some(5));
    assert_eq!(
        r.m.submit_code(r.now, "1234"),
        Err(UsageError::InvalidCode(CodeFormatError::WrongLength {
            expected: 5,
            got: 4
        }))
    );
    r.m.submit_code(r.now, "11111").unwrap();
    let (t, call) = r.expect::<functions::account::VerifyEmail>();
    assert!(matches!(
        call.purpose,
        enums::EmailVerifyPurpose::LoginChange(_)
    ));
    r.reply_error(t.id, 400, "CODE_INVALID");
    assert_eq!(r.one_event(), EmailChangeEvent::CodeInvalid { attempts: 1 });
    r.m.submit_code(r.now, "22222").unwrap();
    let (t, call) = r.expect::<functions::account::VerifyEmail>();
    let enums::EmailVerification::Code(code) = call.verification else {
        panic!("a code");
    };
    assert_eq!(code.code, "22222");
    let verified = types::account::EmailVerified {
        email: "new@example.com".into(),
    };
    r.reply(t.id, &enums::account::EmailVerified::from(verified));
    assert_eq!(
        r.one_event(),
        EmailChangeEvent::Done("new@example.com".into())
    );
}

#[test]
fn login_email_change_refusals_and_tokens() {
    assert_eq!(
        LoginEmailChange::new(&session(2), "nope", Instant::now()).err(),
        Some(UsageError::InvalidEmail)
    );
    let change = |now| LoginEmailChange::new(&session(2), "a@example.com", now).unwrap();
    let mut r = Run::new(change);
    let (t, _) = r.expect::<functions::account::SendVerifyEmailCode>();
    r.reply_error(t.id, 400, "EMAIL_NOT_SETUP");
    assert_eq!(
        r.one_event(),
        EmailChangeEvent::Failed(Error::EmailNotSetUp)
    );

    let mut r = Run::new(change);
    let (t, _) = r.expect::<functions::account::SendVerifyEmailCode>();
    r.reply_error(t.id, 400, "EMAIL_INVALID");
    assert!(matches!(r.one_event(), EmailChangeEvent::EmailRefused(_)));
    assert_eq!(r.m.phase(), Phase::AwaitingEmail);
    assert!(r.m.submit_code(r.now, "11111").is_err());
    r.m.submit_token(r.now, EmailToken::google("id-token"))
        .unwrap();
    let (t, call) = r.expect::<functions::account::VerifyEmail>();
    let enums::EmailVerification::Google(google) = call.verification else {
        panic!("a Google token");
    };
    assert_eq!(google.token, "id-token");
    r.reply_error(t.id, 400, "CODE_INVALID");
    assert!(matches!(r.one_event(), EmailChangeEvent::EmailRefused(_)));
    r.m.submit_email(r.now, "b@example.com").unwrap();
    let (_, call) = r.expect::<functions::account::SendVerifyEmailCode>();
    assert_eq!(call.email, "b@example.com");

    let with_token =
        |now| LoginEmailChange::with_token(&session(2), EmailToken::apple("t"), now).unwrap();
    let mut r = Run::new(with_token);
    let (t, call) = r.expect::<functions::account::VerifyEmail>();
    assert!(matches!(
        call.verification,
        enums::EmailVerification::Apple(_)
    ));
    let login = types::account::EmailVerifiedLogin {
        email: "x@example.com".into(),
        sent_code: types::auth::SentCode::default().into(),
    };
    r.reply(t.id, &enums::account::EmailVerified::from(login));
    assert!(matches!(
        r.one_event(),
        EmailChangeEvent::Failed(Error::UnexpectedReply { .. })
    ));
}
