//! The request deadline every machine has (`RetryPolicy::request_timeout`): an unanswered call
//! counts as a transport failure, is retried under a new id (a queued copy never goes out, a
//! late answer to the old id is ignored), and fails the flow once the retries are spent.
mod support;

use std::time::Duration;

use auth_core::{
    BotEvent, BotLogin, Call, CallEvent, DcId, Error, Logout, LogoutEvent, Machine, QrEvent,
    QrLogin, RetryPolicy, SessionConfig, TransportFailure,
    login::{Config, LoginEvent},
    tl::{enums, functions, types},
};
use support::*;

const TIMEOUT: Duration = Duration::from_secs(10);
const DELAY: Duration = Duration::from_millis(500);

fn retry() -> RetryPolicy {
    RetryPolicy {
        request_timeout: Some(TIMEOUT),
        transport_retries: 1,
        transport_retry_delay: DELAY,
        ..RetryPolicy::default()
    }
}

fn config() -> Config {
    let mut config = Config::new(12345, "api-hash");
    config.session.retry = retry();
    config
}

fn session() -> SessionConfig {
    SessionConfig {
        retry: retry(),
        ..SessionConfig::new(DcId(2))
    }
}

#[test]
fn an_unanswered_login_call_is_retried_then_fails_the_login() {
    let mut s = Script::with_config(config());
    let (first, _) = s.expect::<functions::auth::SendCode>();
    assert_eq!(s.login.poll_timeout(), Some(s.now + TIMEOUT));
    s.advance(TIMEOUT - Duration::from_millis(1));
    s.no_transmit();
    s.advance(Duration::from_millis(1));
    // Lost: the retry waits for the retry delay, then goes out under a new id.
    s.no_transmit();
    assert_eq!(s.events(), []);
    s.advance(DELAY);
    let (second, _) = s.expect::<functions::auth::SendCode>();
    assert_ne!(first.id, second.id);
    // A late answer to the first is ignored.
    s.reply(first.id, &sent_code(sms(5), None, None));
    assert_eq!(s.events(), []);
    // The retry goes unanswered too: the login fails with a transport timeout.
    s.advance(TIMEOUT);
    match s.one_event() {
        LoginEvent::Failed(
            error @ Error::Transport {
                method: "auth.sendCode",
                failure: TransportFailure::Timeout,
            },
        ) => assert_eq!(error.class(), auth_core::ErrorClass::TryLater),
        event => panic!("{event:?}"),
    }
    s.no_transmit();
    assert_eq!(s.login.poll_timeout(), None);
}

#[test]
fn an_answer_before_the_deadline_clears_it() {
    let mut s = Script::with_config(config());
    let _ = s.advance_to_code_sent();
    // Waiting for the code: no call out, so no deadline (the resend timer only, if any).
    assert_eq!(s.login.poll_timeout(), None);
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.advance(TIMEOUT / 2);
    s.reply(t.id, &authorization(5));
    assert!(matches!(s.one_event(), LoginEvent::Done(_)));
}

#[test]
fn a_call_not_sent_before_its_deadline_never_goes_out() {
    // The driver did not poll the transmit in time: at the deadline it is withdrawn, and only
    // the retry goes out.
    let mut s = Script::with_config(config());
    s.advance(TIMEOUT);
    s.no_transmit();
    s.advance(DELAY);
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.no_transmit();
    s.reply(t.id, &sent_code(sms(5), None, None));
    assert!(matches!(s.one_event(), LoginEvent::CodeSent(_)));

    // The same in the QR login.
    let mut qr =
        Driven::new(|now| QrLogin::new(config(), &[], &mut rng(1), now, 1_767_225_600).unwrap());
    qr.advance(TIMEOUT);
    qr.no_transmit();
    qr.advance(DELAY);
    let (t, _) = qr.expect::<functions::auth::ExportLoginToken>();
    qr.no_transmit();
    qr.reply(
        t.id,
        &enums::auth::LoginToken::from(types::auth::LoginToken {
            expires: 1_767_225_630,
            token: b"tok".to_vec().into(),
        }),
    );
    assert!(matches!(qr.one_event(), QrEvent::Token(_)));
}

/// Polls the first transmit, lets every deadline pass; the events.
fn time_out<M: Machine>(m: &mut Driven<M>) -> Vec<M::Event> {
    let _sent = m.machine.poll_transmit().expect("a call");
    for _ in 0..2 {
        m.advance(TIMEOUT);
        m.advance(DELAY);
        while m.machine.poll_transmit().is_some() {}
    }
    m.events()
}

#[test]
fn every_machine_counts_its_deadline_as_a_transport_failure() {
    let timed_out = |e: &Error, method: &str| matches!(e, Error::Transport { method: m, failure: TransportFailure::Timeout } if *m == method);
    let mut bot = Driven::new(|now| BotLogin::new(config(), "1:x", now).unwrap());
    match time_out(&mut bot).as_slice() {
        [BotEvent::Failed(e)] => assert!(timed_out(e, "auth.importBotAuthorization"), "{e:?}"),
        events => panic!("{events:?}"),
    }
    let mut logout = Driven::new(|now| Logout::new(&session(), now).unwrap());
    match time_out(&mut logout).as_slice() {
        [LogoutEvent::Failed(e)] => assert!(timed_out(e, "auth.logOut"), "{e:?}"),
        events => panic!("{events:?}"),
    }
    let mut call =
        Driven::new(|now| Call::new(&session(), functions::help::GetNearestDc {}, now).unwrap());
    match time_out(&mut call).as_slice() {
        [CallEvent::Failed(e)] => assert!(timed_out(e, "help.getNearestDc"), "{e:?}"),
        events => panic!("{events:?}"),
    }
    let mut qr = Driven::new(|now| QrLogin::new(config(), &[], &mut rng(1), now, 0).unwrap());
    match time_out(&mut qr).as_slice() {
        [QrEvent::Failed(e)] => assert!(timed_out(e, "auth.exportLoginToken"), "{e:?}"),
        events => panic!("{events:?}"),
    }
}

#[test]
fn no_deadline_waits_for_the_session() {
    let mut config = config();
    config.session.retry.request_timeout = None;
    let mut s = Script::with_config(config);
    let (t, _) = s.expect::<functions::auth::SendCode>();
    assert_eq!(s.login.poll_timeout(), None);
    s.advance(Duration::from_secs(3600));
    s.no_transmit();
    s.reply(t.id, &sent_code(sms(5), None, None));
    assert!(matches!(s.one_event(), LoginEvent::CodeSent(_)));
}
