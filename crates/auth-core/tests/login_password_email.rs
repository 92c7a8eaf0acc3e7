//! Transcript tests of the 2FA (path 7) and email-setup (path 8) parts of the login, and of
//! the rules every state follows.
mod support;

use auth_core::{
    EmailToken, Error, Phase, RequestId, UsageError,
    login::{CodeKind, LoginEvent},
    srp::{SrpError, TELEGRAM_P},
    tl::{self, enums, functions, types},
};
use support::*;

/// Code accepted, then SESSION_PASSWORD_NEEDED, then `account.getPassword` answered.
fn to_password(s: &mut Script, server: &mut PasswordServer) {
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    assert!(s.events().is_empty());
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password());
}

#[test]
fn p07_password_required_then_checked() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"correct horse");
    to_password(&mut s, &mut server);
    match s.one_event() {
        LoginEvent::PasswordRequired(info) => {
            assert_eq!(info.hint.as_deref(), Some("pet's name"));
            assert!(info.has_recovery);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.login.phase(), Phase::AwaitingPassword);
    s.login.submit_password(s.now, b"correct horse").unwrap();
    assert_eq!(s.login.phase(), Phase::Working);
    s.no_transmit();
    // The slow step is handed out once, and runs outside the machine (here on a thread).
    let work = s.login.poll_work().expect("work handed out");
    assert!(s.login.poll_work().is_none(), "once");
    let done = std::thread::spawn(move || work.run()).join().unwrap();
    s.login.handle_work(s.now, done).unwrap();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(server.verify(&call), "the server accepts the proof");
    s.reply(t.id, &authorization(21));
    assert!(matches!(s.one_event(), LoginEvent::Done(a) if a.user_id == 21));
}

#[test]
fn p07_wrong_password_refetches_and_asks_again() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"right");
    to_password(&mut s, &mut server);
    s.events();
    s.login.submit_password(s.now, b"wrong").unwrap();
    s.run_work();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(!server.verify(&call));
    s.reply_error(t.id, 400, "PASSWORD_HASH_INVALID");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password());
    assert_eq!(s.one_event(), LoginEvent::PasswordInvalid { attempts: 1 });
    assert_eq!(s.login.password_attempts(), 1);
    s.login.submit_password(s.now, b"right").unwrap();
    s.run_work();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(server.verify(&call), "fresh challenge, right password");
    s.reply(t.id, &authorization(22));
    assert!(matches!(s.one_event(), LoginEvent::Done(_)));
}

#[test]
fn p07_stale_srp_id_renews_without_asking_the_user() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    to_password(&mut s, &mut server);
    s.events();
    s.login.submit_password(s.now, b"pw").unwrap();
    s.run_work();
    let (t, _) = s.expect::<functions::auth::CheckPassword>();
    s.reply_error(t.id, 400, "SRP_ID_INVALID");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password());
    // The core checks the same password against the new challenge: no event, no question.
    assert!(s.events().is_empty());
    assert_eq!(s.login.phase(), Phase::Working);
    s.no_transmit();
    s.run_work();
    let (_, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(server.verify(&call));
}

#[test]
fn p07_work_handed_back_after_the_login_moved_on_is_refused() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    to_password(&mut s, &mut server);
    s.events();
    s.login.submit_password(s.now, b"pw").unwrap();
    let work = s.login.poll_work().expect("work");
    // Resubmitting while the check runs is refused: one check at a time.
    assert!(matches!(
        s.login.submit_password(s.now, b"other"),
        Err(UsageError::WrongPhase { .. })
    ));
    s.login.cancel(s.now);
    let (t, _) = s.expect::<functions::auth::CancelCode>();
    assert_eq!(
        s.login.handle_work(s.now, work.run()),
        Err(UsageError::StaleWork)
    );
    s.no_transmit();
    s.reply(t.id, &true);
    assert_eq!(s.one_event(), LoginEvent::Cancelled);
}

#[test]
fn p07_bad_srp_parameters_fail_the_login() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 400, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    let mut p = TELEGRAM_P.to_vec();
    p[255] ^= 2; // no longer prime
    let password = types::account::Password {
        srp: Some(types::account::PasswordSrp {
            current_algo:
                types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
                    salt1: vec![1; 8],
                    salt2: vec![2; 8],
                    g: 3,
                    p,
                }
                .into(),
            srp_b: vec![5; 256],
            srp_id: 1,
        }),
        ..Default::default()
    };
    s.reply(t.id, &enums::account::Password::from(password));
    assert_eq!(
        s.one_event(),
        LoginEvent::Failed(Error::PasswordParameters(SrpError::PNotPrime))
    );
    s.no_transmit();
}

#[test]
fn p07_unknown_password_algorithm_is_typed() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    // A logout token matched a 2FA account: the password is asked without a code.
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    let password = types::account::Password {
        srp: Some(types::account::PasswordSrp {
            current_algo: types::PasswordKdfAlgoUnknown {}.into(),
            srp_b: vec![5; 256],
            srp_id: 1,
        }),
        ..Default::default()
    };
    s.reply(t.id, &enums::account::Password::from(password));
    assert_eq!(
        s.one_event(),
        LoginEvent::Failed(Error::UnsupportedPasswordAlgorithm)
    );
}

#[test]
fn p07_logout_token_on_a_2fa_account_goes_straight_to_the_password() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 400, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password());
    assert!(matches!(s.one_event(), LoginEvent::PasswordRequired(_)));
    s.login.submit_password(s.now, b"pw").unwrap();
    s.run_work();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(server.verify(&call));
    s.reply(t.id, &authorization(3));
    assert!(matches!(s.one_event(), LoginEvent::Done(_)));
}

fn email_code_kind(length: i32) -> enums::auth::SentCodeType {
    types::auth::SentCodeTypeEmailCode {
        apple_signin_allowed: false,
        google_signin_allowed: true,
        email_pattern: "a***@example.com".into(),
        length,
        reset_available_period: None,
        reset_pending_date: None,
    }
    .into()
}

#[test]
fn p08_email_setup_then_email_code_sign_in() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    let setup = types::auth::SentCodeTypeSetUpEmailRequired {
        apple_signin_allowed: false,
        google_signin_allowed: true,
    };
    s.reply(t.id, &sent_code(setup.into(), None, None));
    assert_eq!(
        s.one_event(),
        LoginEvent::EmailSetupRequired {
            apple_signin_allowed: false,
            google_signin_allowed: true
        }
    );
    assert_eq!(s.login.phase(), Phase::AwaitingEmail);
    assert!(matches!(
        s.login.submit_code(s.now, "12345"),
        Err(UsageError::WrongPhase { .. })
    ));
    assert_eq!(
        s.login.submit_email(s.now, "not an email"),
        Err(UsageError::InvalidEmail)
    );
    s.login.submit_email(s.now, "ada@example.com").unwrap();
    let (t, call) = s.expect::<functions::account::SendVerifyEmailCode>();
    assert_eq!(call.email, "ada@example.com");
    let enums::EmailVerifyPurpose::LoginSetup(purpose) = call.purpose else {
        panic!()
    };
    assert_eq!(
        (
            purpose.phone_number.as_str(),
            purpose.phone_code_hash.as_str()
        ),
        (PHONE_DIGITS, HASH)
    );
    s.reply(
        t.id,
        &enums::account::SentEmailCode::from(types::account::SentEmailCode {
            email_pattern: "a***@example.com".into(),
            length: 6,
        }),
    );
    let code = auth_core::EmailCode {
        email_pattern: "a***@example.com".into(),
        length: 6,
    };
    assert_eq!(s.one_event(), LoginEvent::EmailCodeSent(code.clone()));
    // The question's data stays available while the login waits for the answer.
    assert_eq!(s.login.email_code(), Some(&code));
    assert!(
        s.login.submit_email_code(s.now, "12345").is_err(),
        "length checked"
    );
    s.login.submit_email_code(s.now, "123456").unwrap();
    let (t, call) = s.expect::<functions::account::VerifyEmail>();
    assert_eq!(
        call.verification,
        types::EmailVerificationCode {
            code: "123456".into()
        }
        .into()
    );
    s.reply_error(t.id, 400, "CODE_INVALID");
    assert_eq!(s.one_event(), LoginEvent::EmailCodeInvalid { attempts: 1 });
    s.login.submit_email_code(s.now, "654321").unwrap();
    let (t, _) = s.expect::<functions::account::VerifyEmail>();
    s.reply(
        t.id,
        &enums::account::EmailVerified::from(types::account::EmailVerifiedLogin {
            email: "ada@example.com".into(),
            sent_code: sent_code(email_code_kind(6), None, None),
        }),
    );
    match s.one_event() {
        LoginEvent::CodeSent(sent) => {
            assert!(matches!(sent.kind, CodeKind::Email { length: 6, .. }))
        }
        other => panic!("{other:?}"),
    }
    s.login.submit_code(s.now, "777777").unwrap();
    let (t, call) = s.expect::<functions::auth::SignIn>();
    assert_eq!(call.phone_code, None);
    assert_eq!(
        call.email_verification,
        Some(
            types::EmailVerificationCode {
                code: "777777".into()
            }
            .into()
        )
    );
    s.reply(t.id, &authorization(8));
    assert!(matches!(s.one_event(), LoginEvent::Done(_)));
}

#[test]
fn p08_google_token_where_allowed_and_reset_login_email() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(t.id, &sent_code(email_code_kind(6), None, None));
    s.events();
    assert_eq!(
        s.login.submit_email_token(s.now, EmailToken::apple("a")),
        Err(UsageError::SignInMethodNotAllowed)
    );
    s.login.reset_login_email(s.now).unwrap();
    let (t, _) = s.expect::<functions::auth::ResetLoginEmail>();
    s.reply_error(t.id, 400, "TASK_ALREADY_EXISTS");
    assert!(matches!(s.one_event(), LoginEvent::EmailResetRefused(_)));
    s.login
        .submit_email_token(s.now, EmailToken::google("id-token"))
        .unwrap();
    let (t, call) = s.expect::<functions::auth::SignIn>();
    assert_eq!(
        call.email_verification,
        Some(
            types::EmailVerificationGoogle {
                token: "id-token".into()
            }
            .into()
        )
    );
    s.reply(t.id, &authorization(9));
    assert!(matches!(s.one_event(), LoginEvent::Done(_)));
}

#[test]
fn rule_commands_in_the_wrong_phase_change_nothing() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    for result in [
        s.login.submit_code(s.now, "12345"),
        s.login.sign_up(s.now, "a", "b"),
        s.login.submit_password(s.now, b"x"),
        s.login.submit_email(s.now, "a@b.c"),
        s.login.resend_code(s.now, None),
        s.login.reset_login_email(s.now),
    ] {
        assert!(
            matches!(
                result,
                Err(UsageError::WrongPhase {
                    phase: Phase::Working,
                    ..
                })
            ),
            "{result:?}"
        );
    }
    s.no_transmit();
    assert!(s.events().is_empty());
    s.reply(t.id, &sent_code(sms(5), None, None));
    assert!(matches!(s.one_event(), LoginEvent::CodeSent(_)));
}

#[test]
fn rule_unknown_request_ids_are_usage_errors() {
    let mut s = Script::new();
    let err = s.login.handle_response(s.now, RequestId(999), &[0; 8]);
    assert_eq!(err, Err(UsageError::UnknownRequest(RequestId(999))));
    assert_eq!(s.login.phase(), Phase::Working);
}

#[test]
fn rule_unexpected_constructors_and_garbage_fail_with_a_typed_error() {
    // A Bool where auth.SentCode was expected: auth.sendCode can log in by itself (with a
    // logout token), so the error says the key may be authorized, and keeps the bytes.
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(t.id, &true);
    match s.one_event() {
        LoginEvent::Failed(Error::MaybeAuthorized {
            method: "auth.sendCode",
            layer: 228,
            constructor: Some(0x9972_75b5),
            error:
                tl::DecodeError::UnknownConstructor {
                    id: 0x9972_75b5, ..
                },
            reply,
        }) => assert_eq!(reply.as_bytes(), tl::Serialize::to_bytes(&true)),
        other => panic!("{other:?}"),
    }
    // Where the call cannot authorize the key, it is a plain malformed reply.
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &true);
    assert!(matches!(
        s.one_event(),
        LoginEvent::Failed(Error::MalformedReply {
            method: "account.getPassword",
            layer: 228,
            error: tl::DecodeError::UnknownConstructor { .. },
            ..
        })
    ));
    // Truncated bytes.
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    let mut bytes = tl::Serialize::to_bytes(&sent_code(sms(5), None, None));
    bytes.truncate(bytes.len() - 3);
    s.login.handle_response(s.now, t.id, &bytes).unwrap();
    assert!(matches!(
        s.one_event(),
        LoginEvent::Failed(Error::MaybeAuthorized { .. })
    ));
    // A malformed rpc_error.
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.login
        .handle_response(s.now, t.id, &0x2144ca19u32.to_le_bytes())
        .unwrap();
    assert!(matches!(
        s.one_event(),
        LoginEvent::Failed(Error::MaybeAuthorized { .. })
    ));
    s.no_transmit();
}

#[test]
fn rule_unrecoverable_rpc_errors_are_kept_by_name() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 400, "PHONE_NUMBER_BANNED");
    match s.one_event() {
        LoginEvent::Failed(Error::Rpc { method, error: e }) => {
            assert_eq!(method, "auth.sendCode");
            assert_eq!((e.code, e.name.as_str()), (400, "PHONE_NUMBER_BANNED"))
        }
        other => panic!("{other:?}"),
    }
}
