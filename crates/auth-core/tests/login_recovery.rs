//! Transcript tests of password recovery from the login's password step:
//! `auth.requestPasswordRecovery` → (`auth.checkRecoveryPassword`) → `auth.recoverPassword`.
mod support;

use std::time::Duration;

use auth_core::{
    CodeFormatError, Phase, UsageError,
    login::LoginEvent,
    srp::{SrpAlgo, SrpVerifier, TELEGRAM_P},
    tl::{self, enums, functions, types},
};
use support::*;

/// The server's `new_algo` in these tests.
fn server_new_algo() -> SrpAlgo {
    SrpAlgo {
        salt1: vec![0x51; 8],
        salt2: vec![0x52; 16],
        g: 3,
        p: TELEGRAM_P.to_vec(),
    }
}

/// `account.password` of `server`, with `has_recovery` and a known `new_algo`.
fn password_reply(server: &mut PasswordServer, has_recovery: bool) -> enums::account::Password {
    let enums::account::Password::Password(mut p) = server.account_password();
    p.has_recovery = has_recovery;
    let algo = server_new_algo();
    p.new_algo = types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
        salt1: algo.salt1,
        salt2: algo.salt2,
        g: algo.g,
        p: algo.p,
    }
    .into();
    p.into()
}

/// Code accepted, then SESSION_PASSWORD_NEEDED, then `account.getPassword` answered.
fn to_password(s: &mut Script, server: &mut PasswordServer, has_recovery: bool) {
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &password_reply(server, has_recovery));
    assert!(matches!(s.one_event(), LoginEvent::PasswordRequired(_)));
}

/// `request_password_recovery`, answered with `auth.passwordRecovery`.
fn request_recovery(s: &mut Script) {
    s.login.request_password_recovery(s.now).unwrap();
    assert_eq!(s.login.phase(), Phase::Working);
    let (t, _) = s.expect::<functions::auth::RequestPasswordRecovery>();
    s.reply(
        t.id,
        &enums::auth::PasswordRecovery::from(types::auth::PasswordRecovery {
            email_pattern: "a***@example.com".into(),
        }),
    );
    assert_eq!(
        s.one_event(),
        LoginEvent::RecoveryCodeSent {
            email_pattern: "a***@example.com".into()
        }
    );
    assert_eq!(s.login.phase(), Phase::AwaitingPassword);
    assert_eq!(s.login.recovery_email_pattern(), Some("a***@example.com"));
}

#[test]
fn recovery_code_removes_the_password_and_logs_in() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"forgotten");
    to_password(&mut s, &mut server, true);
    request_recovery(&mut s);
    // Checking first is optional and changes nothing.
    s.login.check_recovery_code(s.now, " 123-456 ").unwrap();
    let (t, call) = s.expect::<functions::auth::CheckRecoveryPassword>();
    assert_eq!(call.code, "123456");
    s.reply(t.id, &true);
    assert_eq!(s.one_event(), LoginEvent::RecoveryCodeValid);
    s.login.submit_recovery_code(s.now, "123456", None).unwrap();
    let (t, call) = s.expect::<functions::auth::RecoverPassword>();
    assert_eq!(call.code, "123456");
    assert_eq!(
        call.new_settings, None,
        "no new password: the password is removed"
    );
    assert_eq!(t.dc, dc(2));
    s.reply(t.id, &authorization(31));
    match s.one_event() {
        LoginEvent::Done(auth) => assert_eq!(auth.user_id, 31),
        other => panic!("{other:?}"),
    }
    s.no_transmit();
}

#[test]
fn recovery_code_can_set_a_new_password() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"forgotten");
    to_password(&mut s, &mut server, true);
    request_recovery(&mut s);
    s.login
        .submit_recovery_code(s.now, "777777", Some(b"brand new"))
        .unwrap();
    // Hashing the new password is the slow step: handed out, run outside the machine.
    assert_eq!(s.login.phase(), Phase::Working);
    s.no_transmit();
    let work = s.login.poll_work().expect("work handed out");
    let done = std::thread::spawn(move || work.run()).join().unwrap();
    s.login.handle_work(s.now, done).unwrap();
    let (t, call) = s.expect::<functions::auth::RecoverPassword>();
    let Some(enums::account::PasswordInputSettings::PasswordInputSettings(settings)) =
        call.new_settings
    else {
        panic!("new settings sent");
    };
    let new_password = settings.new_password.expect("a new password");
    let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(sent_algo) =
        new_password.new_algo
    else {
        panic!("modpow algo");
    };
    // salt1 is the server's, extended with 32 fresh bytes; the rest is the server's.
    let server_salt1 = server_new_algo().salt1;
    assert_eq!(sent_algo.salt1.len(), server_salt1.len() + 32);
    assert!(sent_algo.salt1.starts_with(&server_salt1));
    assert_eq!(sent_algo.salt2, server_new_algo().salt2);
    // The server can verify the new password from what was sent.
    let sent = SrpAlgo {
        salt1: sent_algo.salt1.clone(),
        salt2: sent_algo.salt2.clone(),
        g: sent_algo.g,
        p: sent_algo.p.clone(),
    };
    let verifier = SrpVerifier::from_password(&sent, b"brand new").unwrap();
    assert_eq!(
        new_password.new_password_hash,
        verifier.password_hash().to_vec()
    );
    assert_eq!(new_password.hint, "");
    // The server refuses the settings once: the code still stands, and can be used again.
    s.reply_error(t.id, 400, "NEW_SETTINGS_INVALID");
    assert!(matches!(
        s.one_event(),
        LoginEvent::RecoveryPasswordRefused(e) if e.name == "NEW_SETTINGS_INVALID"
    ));
    assert_eq!(s.login.phase(), Phase::AwaitingPassword);
    s.login
        .submit_recovery_code(s.now, "777777", Some(b"another"))
        .unwrap();
    s.run_work();
    let (t, _) = s.expect::<functions::auth::RecoverPassword>();
    s.reply(t.id, &authorization(32));
    assert!(matches!(s.one_event(), LoginEvent::Done(a) if a.user_id == 32));
}

#[test]
fn wrong_and_expired_recovery_codes_are_events() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    to_password(&mut s, &mut server, true);
    request_recovery(&mut s);
    s.login.submit_recovery_code(s.now, "111111", None).unwrap();
    let (t, _) = s.expect::<functions::auth::RecoverPassword>();
    s.reply_error(t.id, 400, "CODE_INVALID");
    assert_eq!(
        s.one_event(),
        LoginEvent::RecoveryCodeInvalid { attempts: 1 }
    );
    s.login.check_recovery_code(s.now, "222222").unwrap();
    let (t, _) = s.expect::<functions::auth::CheckRecoveryPassword>();
    s.reply(t.id, &false);
    assert_eq!(
        s.one_event(),
        LoginEvent::RecoveryCodeInvalid { attempts: 2 }
    );
    assert_eq!(s.login.recovery_attempts(), 2);
    s.login.submit_recovery_code(s.now, "333333", None).unwrap();
    let (t, _) = s.expect::<functions::auth::RecoverPassword>();
    s.reply_error(t.id, 400, "PASSWORD_RECOVERY_EXPIRED");
    assert_eq!(s.one_event(), LoginEvent::RecoveryCodeExpired);
    assert_eq!(s.login.recovery_email_pattern(), None);
    // The code is gone: a new one must be requested before a code is accepted.
    assert_eq!(
        s.login.submit_recovery_code(s.now, "333333", None),
        Err(UsageError::RecoveryNotRequested)
    );
    s.no_transmit();
    request_recovery(&mut s);
    assert_eq!(s.login.recovery_attempts(), 0);
}

#[test]
fn recovery_needs_a_recovery_email() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    to_password(&mut s, &mut server, false);
    assert_eq!(
        s.login.request_password_recovery(s.now),
        Err(UsageError::RecoveryUnavailable)
    );
    s.no_transmit();

    // The account said it had one, the server says otherwise: the password step goes on.
    let mut s = Script::new();
    to_password(&mut s, &mut server, true);
    s.login.request_password_recovery(s.now).unwrap();
    let (t, _) = s.expect::<functions::auth::RequestPasswordRecovery>();
    s.reply_error(t.id, 400, "PASSWORD_RECOVERY_NA");
    assert!(matches!(
        s.one_event(),
        LoginEvent::RecoveryUnavailable(e) if e.name == "PASSWORD_RECOVERY_NA"
    ));
    assert_eq!(s.login.phase(), Phase::AwaitingPassword);
    s.login.submit_password(s.now, b"pw").unwrap();
    s.run_work();
    let (_, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(server.verify(&call), "the challenge still stands");
}

#[test]
fn the_password_still_works_while_a_recovery_code_is_out() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"remembered");
    to_password(&mut s, &mut server, true);
    request_recovery(&mut s);
    s.login.submit_password(s.now, b"remembered").unwrap();
    s.run_work();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(server.verify(&call));
    s.reply(t.id, &authorization(33));
    assert!(matches!(s.one_event(), LoginEvent::Done(_)));
}

#[test]
fn recovery_commands_refuse_what_cannot_work() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    assert!(matches!(
        s.login.request_password_recovery(s.now),
        Err(UsageError::WrongPhase {
            command: "request_password_recovery",
            phase: Phase::AwaitingCode
        })
    ));

    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    to_password(&mut s, &mut server, true);
    assert_eq!(
        s.login.check_recovery_code(s.now, "123456"),
        Err(UsageError::RecoveryNotRequested)
    );
    request_recovery(&mut s);
    assert_eq!(
        s.login.submit_recovery_code(s.now, "12ab", None),
        Err(UsageError::InvalidCode(CodeFormatError::NotDigits))
    );
    s.no_transmit();
    assert_eq!(s.login.phase(), Phase::AwaitingPassword);

    // A server that offers no algorithm this client knows: a new password cannot be set.
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password()); // new_algo: passwordKdfAlgoUnknown
    s.events();
    request_recovery(&mut s);
    assert_eq!(
        s.login.submit_recovery_code(s.now, "123456", Some(b"new")),
        Err(UsageError::NewPasswordUnavailable)
    );
    s.no_transmit();
    assert!(s.login.poll_work().is_none());
}

#[test]
fn a_flood_wait_on_recovery_resends_the_same_call() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    to_password(&mut s, &mut server, true);
    s.login.request_password_recovery(s.now).unwrap();
    let (t, _) = s.expect::<functions::auth::RequestPasswordRecovery>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_5");
    let until = s.now + Duration::from_secs(5);
    assert_eq!(s.one_event(), LoginEvent::FloodWait { seconds: 5, until });
    s.no_transmit();
    s.advance(Duration::from_secs(5));
    let (t, _) = s.expect::<functions::auth::RequestPasswordRecovery>();
    assert!(tl::decode::<functions::auth::RequestPasswordRecovery>(&t.body).is_ok());
    s.reply_error(t.id, 400, "PASSWORD_RECOVERY_NA");
    assert!(matches!(s.one_event(), LoginEvent::RecoveryUnavailable(_)));
}
