//! Migrations and server failures: `*_MIGRATE_X` in the password step starts the login over on
//! DC X, a call that needs an authorized key is never re-sent to another DC's key, and server
//! failures are retried with backoff within the retry budget.
mod support;

use std::time::Duration;

use auth_core::{
    DcId, Error, ErrorClass, Phase, RetryPolicy, SessionConfig, TransportFailure,
    login::{Config, LoginEvent, RestartReason},
    machine::{Call, CallEvent},
    new_logins,
    tl::functions,
};
use support::*;

/// Code accepted, then SESSION_PASSWORD_NEEDED: `account.getPassword` is on its way.
fn to_get_password(s: &mut Script) -> auth_core::Transmit {
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    t
}

fn assert_restarted_on(s: &mut Script, dc: i32) {
    assert_eq!(
        s.events(),
        vec![
            LoginEvent::DcChanged(DcId(dc)),
            LoginEvent::Restarted(RestartReason::Migrated)
        ]
    );
    let (t, call) = s.expect::<functions::auth::SendCode>();
    assert_eq!((t.dc, call.phone_number.as_str()), (DcId(dc), PHONE_DIGITS));
    assert!(
        s.login.password_info().is_none(),
        "the password state is gone"
    );
    assert!(s.login.sent_code().is_none());
    s.no_transmit();
}

#[test]
fn a_migration_of_get_password_starts_over_from_send_code() {
    let mut s = Script::new();
    let t = to_get_password(&mut s);
    s.reply_error(t.id, 303, "USER_MIGRATE_3");
    assert_restarted_on(&mut s, 3);
}

#[test]
fn a_migration_of_check_password_starts_over_from_send_code() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    let t = to_get_password(&mut s);
    s.reply(t.id, &server.account_password());
    s.events();
    s.login.submit_password(s.now, b"pw").unwrap();
    s.run_work();
    let (t, _) = s.expect::<functions::auth::CheckPassword>();
    s.reply_error(t.id, 303, "PHONE_MIGRATE_4");
    assert_restarted_on(&mut s, 4);
}

#[test]
fn a_migration_of_a_recovery_call_starts_over_from_send_code() {
    let mut s = Script::new();
    let mut server = PasswordServer::new(b"pw");
    let t = to_get_password(&mut s);
    s.reply(t.id, &server.account_password());
    s.events();
    s.login.request_password_recovery(s.now).unwrap();
    let (t, _) = s.expect::<functions::auth::RequestPasswordRecovery>();
    s.reply_error(t.id, 303, "NETWORK_MIGRATE_5");
    assert_restarted_on(&mut s, 5);
}

#[test]
fn a_migration_in_the_password_step_a_logout_token_opened_starts_over_too() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply_error(t.id, 303, "USER_MIGRATE_1");
    assert_restarted_on(&mut s, 1);
}

#[test]
fn server_failures_are_retried_with_backoff_then_fail_as_try_later() {
    let mut s = Script::new();
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 500, "INTERNAL");
    assert!(s.events().is_empty(), "nothing to tell: it is retried");
    assert_eq!(s.login.phase(), Phase::Working);
    s.no_transmit();
    assert_eq!(
        s.login.poll_timeout(),
        Some(s.now + Duration::from_millis(500))
    );
    s.advance(Duration::from_millis(500));
    let (t, again) = s.expect::<functions::auth::SignIn>();
    assert_eq!(again.phone_code.as_deref(), Some("22222"));
    s.reply_error(t.id, -503, "Timeout");
    // The second pause is twice the first.
    s.advance(Duration::from_millis(999));
    s.no_transmit();
    s.advance(Duration::from_millis(1));
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 500, "AUTH_KEY_UNSYNCHRONIZED");
    match s.one_event() {
        LoginEvent::Failed(error) => {
            assert_eq!(error.class(), ErrorClass::TryLater);
            assert_eq!(
                error.rpc_error().map(|e| e.name.as_str()),
                Some("AUTH_KEY_UNSYNCHRONIZED")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_server_failure_then_success_logs_in() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply_error(t.id, 503, "SOMETHING_OVERLOADED");
    s.advance(Duration::from_millis(500));
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(t.id, &sent_code(sms(5), None, None));
    assert!(matches!(s.one_event(), LoginEvent::CodeSent(_)));
}

#[test]
fn a_retry_delay_past_the_end_of_time_fails_the_login_instead_of_panicking() {
    let mut config = Config::new(12345, "api-hash");
    config.session.retry.transport_retry_delay = Duration::MAX;
    let mut s = Script::with_config(config);
    let (t, _) = s.expect::<functions::auth::SendCode>();
    let now = s.now;
    s.login
        .handle_failure(now, t.id, TransportFailure::ConnectionLost)
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
fn calls_on_an_authorized_key_ask_for_a_transfer_instead_of_following() {
    let mut s = Driven::new(|now| {
        new_logins::list_authorizations(&SessionConfig::new(DcId(2)), now).expect("a valid session")
    });
    let (t, _) = s.expect::<functions::account::GetAuthorizations>();
    s.reply_error(t.id, 303, "USER_MIGRATE_4");
    let event = s.one_event();
    let CallEvent::Failed(error) = event else {
        panic!("{event:?}")
    };
    assert_eq!(
        error,
        Error::TransferNeeded {
            method: "account.getAuthorizations",
            from: DcId(2),
            to: DcId(4)
        }
    );
    assert_eq!(error.class(), ErrorClass::TryLater);
    s.no_transmit();

    // A call that needs no authorized key still follows the migration.
    let session = SessionConfig {
        retry: RetryPolicy::default(),
        ..SessionConfig::new(DcId(2))
    };
    let mut s =
        Driven::new(|now| Call::new(&session, functions::help::GetNearestDc {}, now).unwrap());
    let (t, _) = s.expect::<functions::help::GetNearestDc>();
    s.reply_error(t.id, 303, "USER_MIGRATE_4");
    assert_eq!(s.one_event(), CallEvent::DcChanged(DcId(4)));
    let (t, _) = s.expect::<functions::help::GetNearestDc>();
    assert_eq!(t.dc, DcId(4));
}
