//! Transcript tests of the login's code paths: scripted server replies, asserted transmits and
//! events. Numbers refer to the paths of the login issue.
mod support;

use std::time::Duration;

use auth_core::{
    DcId, Error, Phase, TransportFailure, UsageError,
    login::{CodeKind, Config, LoginEvent, NextCodeKind, RestartReason},
    logout_tokens::LogoutTokens,
    tl::{enums, functions, types},
};
use support::*;

#[test]
fn p01_send_code_carries_settings_and_every_logout_token() {
    let mut config = Config::new(12345, "api-hash");
    config.code_settings.allow_flashcall = true;
    config.code_settings.allow_missed_call = true;
    config.code_settings.app_token = Some(("push".into(), true));
    let mut tokens = LogoutTokens::new();
    for i in 0..25u8 {
        tokens.push(&[i; 8]);
    }
    config.logout_tokens = tokens;
    let mut s = Script::with_config(config);
    let (t, call) = s.expect::<functions::auth::SendCode>();
    assert_eq!(t.dc, DcId(2));
    assert_eq!(call.phone_number, PHONE_DIGITS);
    assert_eq!((call.api_id, call.api_hash.as_str()), (12345, "api-hash"));
    let enums::CodeSettings::CodeSettings(settings) = call.settings;
    assert!(settings.allow_flashcall && settings.allow_missed_call && !settings.current_number);
    let sent_tokens = settings.logout_tokens.expect("tokens sent");
    assert_eq!(sent_tokens.len(), 20, "at most 20, newest first");
    assert_eq!(sent_tokens[0], vec![24u8; 8]);
    let app = settings.app_token.expect("app token");
    assert_eq!((app.token.as_str(), app.app_sandbox), ("push", true));
    s.no_transmit();
    assert_eq!(s.login.phase(), Phase::Working);
}

#[test]
fn p02_every_code_type_becomes_a_typed_event() {
    let cases: Vec<(enums::auth::SentCodeType, CodeKind)> = vec![
        (
            types::auth::SentCodeTypeApp { length: 5 }.into(),
            CodeKind::App { length: 5 },
        ),
        (sms(6), CodeKind::Sms { length: 6 }),
        (
            types::auth::SentCodeTypeCall { length: 4 }.into(),
            CodeKind::Call { length: 4 },
        ),
        (
            types::auth::SentCodeTypeFlashCall {
                pattern: "+99966*****".into(),
            }
            .into(),
            CodeKind::FlashCall {
                pattern: "+99966*****".into(),
            },
        ),
        (
            types::auth::SentCodeTypeMissedCall {
                prefix: "+44".into(),
                length: 4,
            }
            .into(),
            CodeKind::MissedCall {
                prefix: "+44".into(),
                length: 4,
            },
        ),
        (
            types::auth::SentCodeTypeEmailCode {
                apple_signin_allowed: true,
                google_signin_allowed: false,
                email_pattern: "a***@example.com".into(),
                length: 6,
                reset_available_period: Some(3600),
                reset_pending_date: None,
            }
            .into(),
            CodeKind::Email {
                email_pattern: "a***@example.com".into(),
                length: 6,
                apple_signin_allowed: true,
                google_signin_allowed: false,
                reset_available_period: Some(Duration::from_secs(3600)),
                reset_pending_date: None,
            },
        ),
        (
            types::auth::SentCodeTypeFragmentSms {
                url: "https://fragment.com/x".into(),
                length: 5,
            }
            .into(),
            CodeKind::FragmentSms {
                url: "https://fragment.com/x".into(),
                length: 5,
            },
        ),
        (
            types::auth::SentCodeTypeSmsWord {
                beginning: Some("k".into()),
            }
            .into(),
            CodeKind::SmsWord {
                beginning: Some("k".into()),
            },
        ),
        (
            types::auth::SentCodeTypeSmsPhrase { beginning: None }.into(),
            CodeKind::SmsPhrase { beginning: None },
        ),
    ];
    for (tl_kind, expected) in cases {
        let mut s = Script::new();
        let (t, _) = s.expect::<functions::auth::SendCode>();
        s.reply(
            t.id,
            &sent_code(tl_kind, Some(types::auth::CodeTypeCall {}.into()), Some(30)),
        );
        match s.one_event() {
            LoginEvent::CodeSent(sent) => {
                assert_eq!(sent.kind, expected);
                assert_eq!(sent.next, Some(NextCodeKind::Call));
                assert_eq!(sent.timeout, Some(Duration::from_secs(30)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.login.phase(), Phase::AwaitingCode);
    }
}

#[test]
fn p02_codes_are_checked_before_an_attempt_is_spent() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    assert!(matches!(
        s.login.submit_code(s.now, "1234"),
        Err(UsageError::InvalidCode(_))
    ));
    assert!(matches!(
        s.login.submit_code(s.now, "12a45"),
        Err(UsageError::InvalidCode(_))
    ));
    s.no_transmit();
    assert_eq!(s.login.phase(), Phase::AwaitingCode);
    s.login.submit_code(s.now, "2 2 2-22").unwrap();
    let (_, sign_in) = s.expect::<functions::auth::SignIn>();
    assert_eq!(sign_in.phone_code.as_deref(), Some("22222"));
    assert_eq!(sign_in.phone_code_hash, HASH);
    assert_eq!(sign_in.phone_number, PHONE_DIGITS);
    assert!(sign_in.email_verification.is_none());
}

#[test]
fn p02_flash_call_answer_is_the_calling_number() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(
        t.id,
        &sent_code(
            types::auth::SentCodeTypeFlashCall {
                pattern: "+7 999 ***".into(),
            }
            .into(),
            None,
            None,
        ),
    );
    s.events();
    assert!(s.login.submit_code(s.now, "+7 998 123").is_err());
    s.login.submit_code(s.now, "+7 999 123").unwrap();
    let (_, sign_in) = s.expect::<functions::auth::SignIn>();
    assert_eq!(sign_in.phone_code.as_deref(), Some("7999123"));
}

#[test]
fn p02_a_bare_star_flash_call_pattern_accepts_any_number() {
    // Telegram sends "*" and patterns like "+7 999*": a star is any run of digits.
    for (pattern, number) in [("*", "+44 20 7946 0958"), ("+7 999*", "+7 999 123 45 67")] {
        let mut s = Script::new();
        let (t, _) = s.expect::<functions::auth::SendCode>();
        s.reply(
            t.id,
            &sent_code(
                types::auth::SentCodeTypeFlashCall {
                    pattern: pattern.into(),
                }
                .into(),
                None,
                None,
            ),
        );
        s.events();
        s.login.submit_code(s.now, number).unwrap();
        let (_, sign_in) = s.expect::<functions::auth::SignIn>();
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(sign_in.phone_code.as_deref(), Some(digits.as_str()));
    }
}

#[test]
fn p03_sent_code_success_logs_in_at_once() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(
        t.id,
        &enums::auth::SentCode::from(types::auth::SentCodeSuccess {
            authorization: authorization(42),
        }),
    );
    match s.one_event() {
        LoginEvent::Done(a) => {
            assert_eq!(a.user_id, 42);
            assert_eq!(a.dc, DcId(2));
        }
        other => panic!("{other:?}"),
    }
    assert!(s.login.is_finished());
    s.no_transmit();
}

#[test]
fn p04_resend_waits_for_the_timeout_and_needs_a_next_type() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(
        t.id,
        &sent_code(sms(5), Some(types::auth::CodeTypeCall {}.into()), Some(60)),
    );
    s.events();
    assert_eq!(
        s.login.poll_timeout(),
        Some(s.now + Duration::from_secs(60))
    );
    assert!(
        matches!(s.login.resend_code(s.now, None), Err(UsageError::ResendNotYet(d)) if d == Duration::from_secs(60))
    );
    s.advance(Duration::from_secs(60));
    assert_eq!(s.one_event(), LoginEvent::ResendAvailable);
    assert_eq!(s.login.poll_timeout(), None);
    s.login.resend_code(s.now, Some("no sms")).unwrap();
    let (t, call) = s.expect::<functions::auth::ResendCode>();
    assert_eq!(
        (call.phone_code_hash.as_str(), call.reason.as_deref()),
        (HASH, Some("no sms"))
    );
    s.reply(
        t.id,
        &sent_code(
            types::auth::SentCodeTypeCall { length: 5 }.into(),
            None,
            None,
        ),
    );
    match s.one_event() {
        LoginEvent::CodeSent(sent) => {
            assert_eq!((sent.kind, sent.next), (CodeKind::Call { length: 5 }, None))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.login.resend_code(s.now, None),
        Err(UsageError::ResendUnavailable)
    );
}

#[test]
fn p04_resend_refused_by_server_keeps_the_code() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(
        t.id,
        &sent_code(sms(5), Some(types::auth::CodeTypeCall {}.into()), None),
    );
    s.events();
    s.login.resend_code(s.now, None).unwrap();
    let (t, _) = s.expect::<functions::auth::ResendCode>();
    s.reply_error(t.id, 400, "SEND_CODE_UNAVAILABLE");
    assert!(
        matches!(s.one_event(), LoginEvent::ResendFailed(e) if e.name == "SEND_CODE_UNAVAILABLE")
    );
    assert_eq!(s.login.phase(), Phase::AwaitingCode);
    s.login.submit_code(s.now, "22222").unwrap();
    let _ = s.expect::<functions::auth::SignIn>();
}

#[test]
fn p04_cancel_sends_cancel_code_then_ends() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.cancel(s.now);
    let (t, call) = s.expect::<functions::auth::CancelCode>();
    assert_eq!(call.phone_code_hash, HASH);
    assert!(s.events().is_empty(), "Cancelled waits for the answer");
    s.reply(t.id, &true);
    assert_eq!(s.one_event(), LoginEvent::Cancelled);
    assert!(s.login.is_finished());
    s.login.cancel(s.now);
    s.no_transmit();
}

#[test]
fn p04_cancel_before_any_code_ends_at_once_and_ignores_the_late_answer() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.login.cancel(s.now);
    assert_eq!(s.one_event(), LoginEvent::Cancelled);
    s.reply(t.id, &sent_code(sms(5), None, None));
    assert!(s.events().is_empty());
    s.no_transmit();
}

#[test]
fn p05_wrong_code_then_right_code() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "11111").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 400, "PHONE_CODE_INVALID");
    assert_eq!(s.one_event(), LoginEvent::CodeInvalid { attempts: 1 });
    assert_eq!(s.login.code_attempts(), 1);
    assert_eq!(s.login.phase(), Phase::AwaitingCode);
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply(t.id, &authorization(7));
    assert!(matches!(s.one_event(), LoginEvent::Done(a) if a.user_id == 7));
}

#[test]
fn p05_expired_code_offers_resend() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(
        t.id,
        &sent_code(sms(5), Some(types::auth::CodeTypeSms {}.into()), Some(120)),
    );
    s.events();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 400, "PHONE_CODE_EXPIRED");
    assert_eq!(s.one_event(), LoginEvent::CodeExpired);
    assert_eq!(
        s.login.submit_code(s.now, "22222"),
        Err(UsageError::CodeExpired)
    );
    // Resend is allowed at once, timeout or not.
    s.login.resend_code(s.now, None).unwrap();
    let _ = s.expect::<functions::auth::ResendCode>();
}

#[test]
fn p05_expired_code_without_next_type_asks_for_a_new_one() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 400, "PHONE_CODE_EXPIRED");
    s.events();
    s.login.resend_code(s.now, None).unwrap();
    assert_eq!(
        s.one_event(),
        LoginEvent::Restarted(RestartReason::CodeExpired)
    );
    let _ = s.expect::<functions::auth::SendCode>();
}

#[test]
fn p06_sign_up_with_terms_of_service() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    let terms = types::help::TermsOfService {
        popup: true,
        id: types::DataJSON {
            data: "{\"tos\":1}".into(),
        }
        .into(),
        text: "Be nice.".into(),
        entities: vec![
            types::MessageEntityBold {
                offset: 0,
                length: 2,
            }
            .into(),
        ],
        min_age_confirm: Some(16),
    };
    s.reply(
        t.id,
        &enums::auth::Authorization::from(types::auth::AuthorizationSignUpRequired {
            terms_of_service: Some(terms.into()),
        }),
    );
    match s.one_event() {
        LoginEvent::SignUpRequired { terms: Some(tos) } => {
            assert_eq!(
                (tos.text.as_str(), tos.min_age_confirm, tos.popup),
                ("Be nice.", Some(16), true)
            );
            assert_eq!(tos.entities.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.login.sign_up(s.now, "  ", "x"),
        Err(UsageError::InvalidName("the first name is empty"))
    );
    s.login.sign_up(s.now, " Ada ", "Lovelace").unwrap();
    let (t, call) = s.expect::<functions::auth::SignUp>();
    assert_eq!(
        (call.first_name.as_str(), call.last_name.as_str()),
        ("Ada", "Lovelace")
    );
    assert_eq!(call.phone_code_hash, HASH);
    s.reply_error(t.id, 400, "FIRSTNAME_INVALID");
    assert!(matches!(s.one_event(), LoginEvent::SignUpRefused(_)));
    s.login.sign_up(s.now, "Ada", "").unwrap();
    let (t, _) = s.expect::<functions::auth::SignUp>();
    s.reply(t.id, &authorization(99));
    assert!(matches!(s.one_event(), LoginEvent::Done(a) if a.user_id == 99));
}

#[test]
fn p06_declining_sign_up_cancels_the_code() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply(
        t.id,
        &enums::auth::Authorization::from(types::auth::AuthorizationSignUpRequired::default()),
    );
    assert_eq!(s.one_event(), LoginEvent::SignUpRequired { terms: None });
    s.login.decline_sign_up(s.now).unwrap();
    let (t, _) = s.expect::<functions::auth::CancelCode>();
    s.reply_error(t.id, 400, "PHONE_CODE_EXPIRED");
    assert_eq!(s.one_event(), LoginEvent::Cancelled);
}

#[test]
fn p09_phone_migrate_before_a_code_resends_the_same_call() {
    let mut s = Script::new();
    let (t, first) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 303, "PHONE_MIGRATE_4");
    assert_eq!(s.one_event(), LoginEvent::DcChanged(DcId(4)));
    let (t2, again) = s.expect::<functions::auth::SendCode>();
    assert_eq!(t2.dc, DcId(4));
    assert_eq!(again, first);
    s.reply(t2.id, &sent_code(sms(5), None, None));
    assert!(matches!(s.one_event(), LoginEvent::CodeSent(_)));
    s.login.submit_code(s.now, "44444").unwrap();
    let (t3, _) = s.expect::<functions::auth::SignIn>();
    assert_eq!(t3.dc, DcId(4), "every later call targets the new home");
    assert_eq!(s.login.home_dc(), DcId(4));
}

#[test]
fn p09_migration_after_a_code_starts_over_on_the_new_dc() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 303, "USER_MIGRATE_3");
    assert_eq!(
        s.events(),
        vec![
            LoginEvent::DcChanged(DcId(3)),
            LoginEvent::Restarted(RestartReason::Migrated)
        ]
    );
    let (t, _) = s.expect::<functions::auth::SendCode>();
    assert_eq!(t.dc, DcId(3));
    assert!(s.login.sent_code().is_none());
}

#[test]
fn p09_migration_loop_is_cut_off() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 303, "NETWORK_MIGRATE_1");
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 303, "PHONE_MIGRATE_1");
    let events = s.events();
    assert_eq!(
        events.last(),
        Some(&LoginEvent::Failed(Error::MigrationLoop {
            method: "auth.sendCode",
            dc: DcId(1)
        }))
    );
    s.no_transmit();
}

#[test]
fn p10_flood_wait_is_waited_out_then_fails_above_threshold() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_3");
    let until = s.now + Duration::from_secs(3);
    assert_eq!(s.one_event(), LoginEvent::FloodWait { seconds: 3, until });
    assert_eq!(s.login.poll_timeout(), Some(until));
    s.no_transmit();
    s.advance(Duration::from_secs(2));
    s.no_transmit();
    s.advance(Duration::from_secs(1));
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_86400");
    assert_eq!(
        s.one_event(),
        LoginEvent::Failed(Error::FloodWait {
            method: "auth.sendCode",
            seconds: 86400
        })
    );
    s.no_transmit();
}

#[test]
fn p10_flood_wait_budget_is_bounded() {
    let mut config = Config::new(1, "h");
    config.session.retry.flood_wait_budget = 2;
    let mut s = Script::with_config(config);
    for _ in 0..2 {
        let (t, _) = s.expect::<functions::auth::SendCode>();
        s.reply_error(t.id, 420, "FLOOD_WAIT_1");
        assert!(matches!(s.one_event(), LoginEvent::FloodWait { .. }));
        s.advance(Duration::from_secs(1));
    }
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_1");
    assert_eq!(
        s.one_event(),
        LoginEvent::Failed(Error::FloodWait {
            method: "auth.sendCode",
            seconds: 1
        })
    );
}

#[test]
fn p10_auth_restart_starts_over_once() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 500, "AUTH_RESTART");
    assert_eq!(
        s.one_event(),
        LoginEvent::Restarted(RestartReason::ServerAsked)
    );
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 500, "AUTH_RESTART");
    assert_eq!(s.one_event(), LoginEvent::Failed(Error::TooManyRestarts));
}

#[test]
fn p10_transport_failures_are_retried_then_fail() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.login
        .handle_failure(s.now, t.id, TransportFailure::Timeout)
        .unwrap();
    s.no_transmit();
    s.advance(Duration::from_millis(500));
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.login
        .handle_failure(s.now, t.id, TransportFailure::ConnectionLost)
        .unwrap();
    s.advance(Duration::from_millis(500));
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.login
        .handle_failure(s.now, t.id, TransportFailure::ConnectionLost)
        .unwrap();
    assert_eq!(
        s.one_event(),
        LoginEvent::Failed(Error::Transport {
            method: "auth.sendCode",
            failure: TransportFailure::ConnectionLost
        })
    );
}

#[test]
fn p11_logged_in_carries_the_authorization() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    let auth = types::auth::Authorization {
        otherwise_relogin_days: Some(30),
        tmp_sessions: Some(2),
        future_auth_token: Some(b"future".to_vec().into()),
        user: user(555).into(),
    };
    s.reply(t.id, &enums::auth::Authorization::from(auth));
    let LoginEvent::Done(a) = s.one_event() else {
        panic!()
    };
    assert_eq!(a.user_id, 555);
    assert!(a.setup_password_required);
    assert_eq!(
        (a.otherwise_relogin_days, a.tmp_sessions),
        (Some(30), Some(2))
    );
    assert!(!a.is_bot);
    assert_eq!(a.future_auth_token.as_deref(), Some(&b"future"[..]));
    // The user arrives as the bytes sent, byte for byte.
    assert_eq!(
        a.user.bytes(),
        auth_core::tl::Serialize::to_bytes(&user(555))
    );
    assert_eq!(a.user.decode(), Ok(user(555)));
    assert!(
        !format!("{a:?}").contains("102, 117"),
        "token bytes are not printed"
    );
}

#[test]
fn p11_user_empty_is_an_unexpected_reply() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    let auth = types::auth::Authorization {
        user: types::UserEmpty { id: 1 }.into(),
        ..Default::default()
    };
    s.reply(
        t.id,
        &enums::auth::SentCode::from(types::auth::SentCodeSuccess {
            authorization: auth.into(),
        }),
    );
    assert!(matches!(
        s.one_event(),
        LoginEvent::Failed(Error::UnexpectedReply { .. })
    ));
}

#[test]
fn p04_a_migration_answered_to_cancel_code_still_ends_the_login() {
    // Found by the model test: PHONE_MIGRATE_X to auth.cancelCode used to restart the login.
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.cancel(s.now);
    let (t, _) = s.expect::<functions::auth::CancelCode>();
    s.reply_error(t.id, 303, "PHONE_MIGRATE_4");
    assert_eq!(s.one_event(), LoginEvent::Cancelled);
    assert!(s.login.is_finished());
    s.no_transmit();
}
