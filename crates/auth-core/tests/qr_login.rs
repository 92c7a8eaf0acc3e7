//! Transcript tests of the QR-code login: scripted server replies, asserted transmits and
//! events.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]
mod support;

use std::time::{Duration, Instant};

use auth_core::{
    Authorization, DcId, Error, Phase, RequestId, RpcError, RpcErrorKind, Transmit,
    TransportFailure, UsageError,
    login::Config,
    machine::Machine,
    qr::{MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME, QrEvent, QrLogin, QrUrl},
    tl::{self, Deserialize, RemoteCall, Serialize, enums, functions, types},
};
use support::{PasswordServer, authorization, rng};

/// The wall-clock time the tests start at.
const UNIX0: i64 = 1_767_225_600;

struct Qr {
    qr: QrLogin,
    t0: Instant,
    now: Instant,
}

impl Qr {
    fn new() -> Self {
        Self::with(Config::new(12345, "api-hash"), &[])
    }

    fn with(config: Config, except_ids: &[i64]) -> Self {
        let now = Instant::now();
        let qr = QrLogin::new(config, except_ids, &mut rng(4), now, UNIX0).expect("valid config");
        Qr { qr, t0: now, now }
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.qr.handle_timeout(self.now);
    }

    /// Unix time at the test clock.
    fn unix(&self) -> i64 {
        UNIX0 + i64::try_from((self.now - self.t0).as_secs()).unwrap()
    }

    fn expect<F: RemoteCall + Deserialize>(&mut self) -> (Transmit, F) {
        let t = self
            .qr
            .poll_transmit()
            .unwrap_or_else(|| panic!("expected {}, got nothing ({:?})", F::NAME, self.qr.phase()));
        let call = tl::decode::<F>(&t.body)
            .unwrap_or_else(|e| panic!("expected {}, got something else: {e}", F::NAME));
        (t, call)
    }

    fn no_transmit(&mut self) {
        if let Some(t) = self.qr.poll_transmit() {
            panic!("unexpected transmit {t:?}");
        }
    }

    fn reply(&mut self, id: RequestId, value: &impl Serialize) {
        self.qr
            .handle_response(self.now, id, &value.to_bytes())
            .expect("known request");
    }

    fn reply_error(&mut self, id: RequestId, code: i32, name: &str) {
        self.qr
            .handle_response(self.now, id, &RpcError::new(code, name).to_bytes())
            .expect("known request");
    }

    fn events(&mut self) -> Vec<QrEvent> {
        std::iter::from_fn(|| self.qr.poll_event()).collect()
    }

    fn one_event(&mut self) -> QrEvent {
        let mut events = self.events();
        assert_eq!(events.len(), 1, "expected one event, got {events:?}");
        events.remove(0)
    }

    /// Expects `auth.exportLoginToken`, answers a token valid for `secs`; returns its URL.
    fn show_token(&mut self, token: &[u8], secs: i64) -> QrUrl {
        let (t, _) = self.expect::<functions::auth::ExportLoginToken>();
        self.reply(t.id, &login_token(token, self.unix() + secs));
        match self.one_event() {
            QrEvent::Token(url) => url,
            other => panic!("expected a token, got {other:?}"),
        }
    }

    /// Feeds `updateLoginToken`.
    fn accepted(&mut self) {
        let update = enums::Update::from(types::UpdateLoginToken {});
        self.qr.handle_update(self.now, &update);
    }

    /// Runs the slow work handed out (the password check), inline.
    fn run_work(&mut self) {
        while let Some(work) = self.qr.poll_work() {
            self.qr
                .handle_work(self.now, work.run())
                .expect("awaited work");
        }
    }

    fn logged_in(&mut self) -> Authorization {
        match self.one_event() {
            QrEvent::Done(a) => {
                assert!(self.qr.is_finished());
                assert_eq!(self.qr.phase(), Phase::Finished);
                self.no_transmit();
                assert_eq!(self.qr.poll_timeout(), None);
                *a
            }
            other => panic!("expected LoggedIn, got {other:?}"),
        }
    }

    fn failed(&mut self) -> Error {
        match self.one_event() {
            QrEvent::Failed(e) => {
                assert!(self.qr.is_finished());
                self.no_transmit();
                e
            }
            other => panic!("expected Failed, got {other:?}"),
        }
    }
}

fn login_token(token: &[u8], expires: i64) -> enums::auth::LoginToken {
    types::auth::LoginToken {
        expires: i32::try_from(expires).unwrap(),
        token: token.to_vec().into(),
    }
    .into()
}

fn success(user_id: i64) -> enums::auth::LoginToken {
    types::auth::LoginTokenSuccess {
        authorization: authorization(user_id),
    }
    .into()
}

fn migrate_to(dc: i32, token: &[u8]) -> enums::auth::LoginToken {
    types::auth::LoginTokenMigrateTo {
        dc_id: dc,
        token: token.to_vec().into(),
    }
    .into()
}

#[test]
fn q01_export_carries_credentials_and_except_ids_then_shows_the_url() {
    let mut s = Qr::with(Config::new(777, "hash-777"), &[5, 6]);
    assert_eq!(s.qr.phase(), Phase::Working);
    assert_eq!(s.qr.except_ids(), [5, 6]);
    let (t, call) = s.expect::<functions::auth::ExportLoginToken>();
    assert_eq!(t.dc, DcId(2));
    assert_eq!(
        (call.api_id, call.api_hash.as_str(), call.except_ids),
        (777, "hash-777", vec![5, 6])
    );
    s.no_transmit();
    // 0xfb 0xff 0xfe is "+//+" in standard base64: base64url without padding is "-__-".
    s.reply(t.id, &login_token(&[0xfb, 0xff, 0xfe, 0x01], UNIX0 + 30));
    let QrEvent::Token(url) = s.one_event() else {
        panic!("expected a token")
    };
    assert_eq!(url.url(), "tg://login?token=-__-AQ");
    assert_eq!(url.token(), [0xfb, 0xff, 0xfe, 0x01]);
    assert_eq!(url.expires(), UNIX0 + 30);
    assert_eq!(url.expires_at(), s.now + Duration::from_secs(30));
    assert_eq!(QrUrl::token_of(url.url()), Some(url.token().to_vec()));
    assert_eq!(s.qr.phase(), Phase::AwaitingScan);
    assert_eq!(s.qr.url(), Some(&url));
    assert_eq!(s.qr.poll_timeout(), Some(s.now + Duration::from_secs(30)));
    assert_eq!(s.qr.tokens_received(), 1);
    // The token is a secret: Debug does not show it.
    let debug = format!("{url:?}");
    assert!(!debug.contains("-__-AQ"), "{debug}");
    assert!(debug.contains(&(UNIX0 + 30).to_string()), "{debug}");
    s.no_transmit();
}

#[test]
fn q02_an_expired_token_is_replaced_by_a_new_export() {
    let mut s = Qr::new();
    let first = s.show_token(b"first", 30);
    s.advance(Duration::from_secs(29));
    s.no_transmit();
    assert_eq!(s.events(), []);
    s.advance(Duration::from_secs(1));
    assert_eq!(s.qr.phase(), Phase::Working);
    assert_eq!(s.qr.url(), None);
    let second = s.show_token(b"second", 30);
    assert_ne!(first.url(), second.url());
    assert_eq!(second.expires(), UNIX0 + 60);
    assert_eq!(second.expires_at(), s.t0 + Duration::from_secs(60));
    assert_eq!(s.qr.tokens_received(), 2);
    // And again, with the unix clock still following the caller's.
    s.advance(Duration::from_secs(30));
    let third = s.show_token(b"third", 25);
    assert_eq!(third.expires_at(), s.t0 + Duration::from_secs(85));
}

#[test]
fn q03_token_lifetimes_are_bounded_whatever_expires_says() {
    let mut s = Qr::new();
    // Already expired by the caller's clock (a wrong wall clock, or a slow network).
    let url = s.show_token(b"old", -100);
    assert_eq!(url.expires_at(), s.now + MIN_TOKEN_LIFETIME);
    s.advance(MIN_TOKEN_LIFETIME);
    // A hostile "never expires".
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &login_token(b"forever", i64::from(i32::MAX)));
    let QrEvent::Token(url) = s.one_event() else {
        panic!("expected a token")
    };
    assert_eq!(url.expires(), i64::from(i32::MAX));
    assert_eq!(url.expires_at(), s.now + MAX_TOKEN_LIFETIME);
    // A negative expiry is just "expired".
    s.advance(MAX_TOKEN_LIFETIME);
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &login_token(b"negative", -5));
    let QrEvent::Token(url) = s.one_event() else {
        panic!("expected a token")
    };
    assert_eq!(url.expires_at(), s.now + MIN_TOKEN_LIFETIME);
}

#[test]
fn q04_update_login_token_exports_again_and_logs_in() {
    let mut s = Qr::new();
    s.show_token(b"tok", 30);
    s.advance(Duration::from_secs(3));
    s.accepted();
    assert_eq!(s.qr.phase(), Phase::Working);
    let (t, call) = s.expect::<functions::auth::ExportLoginToken>();
    assert_eq!((t.dc, call.api_id), (DcId(2), 12345));
    s.reply(t.id, &success(4242));
    let auth = s.logged_in();
    assert_eq!((auth.user_id, auth.dc), (4242, DcId(2)));
    assert_eq!(auth.future_auth_token.as_deref(), Some(&[0xf0; 16][..]));
    // Nothing happens after the end.
    s.accepted();
    s.advance(Duration::from_secs(60));
    s.no_transmit();
    assert_eq!(s.events(), []);
}

#[test]
fn q05_updates_arrive_as_bytes_and_others_are_ignored() {
    let mut s = Qr::new();
    s.show_token(b"tok", 30);
    // updateNewAuthorization is an Update too, but not this login's business.
    let other = enums::Update::from(types::UpdateNewAuthorization::default()).to_bytes();
    assert_eq!(s.qr.handle_update_bytes(s.now, &other), Ok(()));
    s.no_transmit();
    // Bytes that are no Update are refused; nothing changes.
    assert!(s.qr.handle_update_bytes(s.now, &[1, 2, 3]).is_err());
    let mut trailing = enums::Update::from(types::UpdateLoginToken {}).to_bytes();
    trailing.push(0);
    assert!(s.qr.handle_update_bytes(s.now, &trailing).is_err());
    assert_eq!(s.qr.phase(), Phase::AwaitingScan);
    s.no_transmit();
    let update = enums::Update::from(types::UpdateLoginToken {}).to_bytes();
    assert_eq!(s.qr.handle_update_bytes(s.now, &update), Ok(()));
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &success(7));
    assert_eq!(s.logged_in().user_id, 7);
}

#[test]
fn q06_an_update_during_an_export_makes_the_next_export_log_in() {
    let mut s = Qr::new();
    s.show_token(b"tok", 30);
    s.advance(Duration::from_secs(30));
    // The re-export is on its way when the other device accepts the old token.
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.accepted();
    s.no_transmit();
    s.reply(t.id, &login_token(b"stale", s.unix() + 30));
    // No new QR code to show: exporting once more logs in.
    assert_eq!(s.events(), []);
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &success(9));
    assert_eq!(s.logged_in().user_id, 9);
}

#[test]
fn q07_migrate_to_imports_the_token_on_the_accounts_dc() {
    let mut s = Qr::new();
    s.show_token(b"tok", 30);
    s.accepted();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &migrate_to(4, b"import-me"));
    assert_eq!(s.one_event(), QrEvent::DcChanged(DcId(4)));
    assert_eq!(s.qr.home_dc(), DcId(4));
    let (t, call) = s.expect::<functions::auth::ImportLoginToken>();
    assert_eq!((t.dc, call.token.as_slice()), (DcId(4), &b"import-me"[..]));
    s.no_transmit();
    s.reply(t.id, &success(31));
    let auth = s.logged_in();
    assert_eq!((auth.user_id, auth.dc), (31, DcId(4)));
}

#[test]
fn q08_migrations_are_bounded() {
    let mut config = Config::new(12345, "api-hash");
    config.session.retry.max_migrations = 2;
    let mut s = Qr::with(config, &[]);
    s.show_token(b"tok", 30);
    s.accepted();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &migrate_to(4, b"a"));
    let (t, _) = s.expect::<functions::auth::ImportLoginToken>();
    s.reply(t.id, &migrate_to(5, b"b"));
    let (t, _) = s.expect::<functions::auth::ImportLoginToken>();
    assert_eq!(t.dc, DcId(5));
    s.reply(t.id, &migrate_to(1, b"c"));
    let events = s.events();
    assert_eq!(
        events[..2],
        [QrEvent::DcChanged(DcId(4)), QrEvent::DcChanged(DcId(5))]
    );
    assert_eq!(
        events[2],
        QrEvent::Failed(Error::MigrationLoop {
            method: "auth.importLoginToken",
            dc: DcId(1),
        })
    );
    assert!(s.qr.is_finished());
    s.no_transmit();
}

#[test]
fn q09_session_password_needed_continues_into_the_password_step() {
    let mut server = PasswordServer::new(b"hunter2");
    let mut s = Qr::new();
    let (export, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(export.id, &login_token(b"tok", UNIX0 + 30));
    s.events();
    s.accepted();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    assert_eq!(s.events(), []);
    assert_eq!(s.qr.phase(), Phase::Working);
    // The phone login's password step, on the same DC, with ids after the QR calls'.
    let (t, _) = s.expect::<functions::account::GetPassword>();
    assert_eq!(t.dc, DcId(2));
    assert!(t.id.0 > export.id.0);
    s.reply(t.id, &server.account_password());
    match s.one_event() {
        QrEvent::PasswordRequired(info) => assert_eq!(info.hint.as_deref(), Some("pet's name")),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.qr.phase(), Phase::AwaitingPassword);
    assert_eq!(
        s.qr.password_info().and_then(|i| i.hint.as_deref()),
        Some("pet's name")
    );
    // A wrong password: a fresh challenge, asked again.
    s.qr.submit_password(s.now, b"wrong").unwrap();
    s.run_work();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(!server.verify(&call));
    s.reply_error(t.id, 400, "PASSWORD_HASH_INVALID");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password());
    assert_eq!(s.one_event(), QrEvent::PasswordInvalid { attempts: 1 });
    assert_eq!(s.qr.password_attempts(), 1);
    // The right one, checked "elsewhere" (a thread) and handed back.
    s.qr.submit_password(s.now, b"hunter2").unwrap();
    let work = s.qr.poll_work().expect("work");
    let done = std::thread::spawn(move || work.run()).join().unwrap();
    s.qr.handle_work(s.now, done).unwrap();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert_eq!(t.dc, DcId(2));
    assert!(server.verify(&call));
    s.reply(t.id, &authorization(55));
    let auth = s.logged_in();
    assert_eq!((auth.user_id, auth.dc), (55, DcId(2)));
}

#[test]
fn q10_password_after_a_migration_goes_to_the_new_dc() {
    let mut server = PasswordServer::new(b"hunter2");
    let mut s = Qr::new();
    s.show_token(b"tok", 30);
    s.accepted();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &migrate_to(3, b"imp"));
    let (t, _) = s.expect::<functions::auth::ImportLoginToken>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    assert_eq!(s.one_event(), QrEvent::DcChanged(DcId(3)));
    let (t, _) = s.expect::<functions::account::GetPassword>();
    assert_eq!(t.dc, DcId(3));
    s.reply(t.id, &server.account_password());
    assert!(matches!(s.one_event(), QrEvent::PasswordRequired(_)));
    s.qr.submit_password(s.now, b"hunter2").unwrap();
    s.run_work();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert_eq!(t.dc, DcId(3));
    assert!(server.verify(&call));
    s.reply(t.id, &authorization(56));
    assert_eq!(s.logged_in().dc, DcId(3));
}

#[test]
fn q11_cancel_during_the_password_step_ends_at_once() {
    let mut server = PasswordServer::new(b"pw");
    let mut s = Qr::new();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password());
    s.events();
    s.qr.cancel(s.now);
    assert_eq!(s.one_event(), QrEvent::Cancelled);
    assert!(s.qr.is_finished());
    s.no_transmit();
    assert_eq!(
        s.qr.submit_password(s.now, b"pw"),
        Err(UsageError::WrongPhase {
            command: "submit_password",
            phase: Phase::Finished
        })
    );
}

#[test]
fn q12_token_errors_are_typed() {
    // Import of a token that expired in between.
    let mut s = Qr::new();
    s.show_token(b"tok", 30);
    s.accepted();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &migrate_to(4, b"imp"));
    s.events();
    let (t, _) = s.expect::<functions::auth::ImportLoginToken>();
    s.reply_error(t.id, 400, "AUTH_TOKEN_EXPIRED");
    match s.failed() {
        Error::LoginTokenRejected(e) => {
            assert_eq!(e.name, "AUTH_TOKEN_EXPIRED");
            assert_eq!(e.kind(), RpcErrorKind::AuthTokenInvalid);
        }
        other => panic!("{other:?}"),
    }
    for name in ["AUTH_TOKEN_INVALID", "AUTH_TOKEN_ALREADY_ACCEPTED"] {
        let mut s = Qr::new();
        let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
        s.reply_error(t.id, 400, name);
        assert!(
            matches!(s.failed(), Error::LoginTokenRejected(e) if e.name == name),
            "{name}"
        );
    }
    // Other refusals end the login with the call's error.
    let mut s = Qr::new();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply_error(t.id, 400, "API_ID_INVALID");
    match s.failed() {
        Error::Rpc {
            method: "auth.exportLoginToken",
            error: e,
        } => assert_eq!(e.name, "API_ID_INVALID"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn q13_flood_waits_and_transport_failures_follow_the_configuration() {
    let mut s = Qr::new();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_7");
    let until = s.now + Duration::from_secs(7);
    assert_eq!(s.one_event(), QrEvent::FloodWait { seconds: 7, until });
    assert_eq!(s.qr.poll_timeout(), Some(until));
    s.no_transmit();
    s.advance(Duration::from_secs(7));
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    // Two transport retries (the default), then failure.
    s.qr.handle_failure(s.now, t.id, TransportFailure::Timeout)
        .unwrap();
    s.no_transmit();
    s.advance(Duration::from_millis(500));
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.qr.handle_failure(s.now, t.id, TransportFailure::ConnectionLost)
        .unwrap();
    s.advance(Duration::from_millis(500));
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.qr.handle_failure(s.now, t.id, TransportFailure::ConnectionLost)
        .unwrap();
    assert_eq!(
        s.failed(),
        Error::Transport {
            method: "auth.exportLoginToken",
            failure: TransportFailure::ConnectionLost,
        }
    );

    // A wait longer than allowed fails at once.
    let mut s = Qr::new();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_3600");
    assert_eq!(
        s.failed(),
        Error::FloodWait {
            method: "auth.exportLoginToken",
            seconds: 3600,
        }
    );
}

#[test]
fn q14_garbage_replies_fail_with_typed_errors() {
    let garbage: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "empty"),
        (vec![1, 2, 3, 4, 5], "unknown constructor"),
        (
            {
                let mut b = login_token(b"t", UNIX0 + 30).to_bytes();
                b.push(0);
                b
            },
            "trailing byte",
        ),
        (
            login_token(b"t", UNIX0 + 30).to_bytes()[..6].to_vec(),
            "truncated",
        ),
        (
            {
                let mut e = RpcError::new(400, "X").to_bytes();
                e.truncate(6);
                e
            },
            "truncated rpc_error",
        ),
    ];
    for (body, what) in garbage {
        let mut s = Qr::new();
        let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
        s.qr.handle_response(s.now, t.id, &body).unwrap();
        assert!(
            matches!(
                s.failed(),
                Error::MaybeAuthorized {
                    method: "auth.exportLoginToken",
                    ..
                } | Error::MalformedReply {
                    method: "auth.exportLoginToken",
                    ..
                }
            ),
            "{what}"
        );
    }
    // Decodes, but makes no sense.
    let nonsense: Vec<(enums::auth::LoginToken, &str)> = vec![
        (login_token(b"", UNIX0 + 30), "empty token"),
        (migrate_to(0, b"x"), "DC 0"),
        (migrate_to(-3, b"x"), "negative DC"),
        (migrate_to(4, b""), "empty import token"),
        (
            types::auth::LoginTokenSuccess {
                authorization: types::auth::AuthorizationSignUpRequired::default().into(),
            }
            .into(),
            "sign-up",
        ),
        (
            types::auth::LoginTokenSuccess {
                authorization: types::auth::Authorization {
                    user: types::UserEmpty { id: 1 }.into(),
                    ..Default::default()
                }
                .into(),
            }
            .into(),
            "userEmpty",
        ),
    ];
    for (reply, what) in nonsense {
        let mut s = Qr::new();
        let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
        s.reply(t.id, &reply);
        assert!(
            matches!(
                s.failed(),
                Error::UnexpectedReply {
                    method: "auth.exportLoginToken",
                    ..
                }
            ),
            "{what}"
        );
    }
}

#[test]
fn q15_commands_in_the_wrong_phase_change_nothing() {
    let mut s = Qr::new();
    let wrong = |phase| UsageError::WrongPhase {
        command: "submit_password",
        phase,
    };
    assert_eq!(
        s.qr.submit_password(s.now, b"pw"),
        Err(wrong(Phase::Working))
    );
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply(t.id, &login_token(b"tok", UNIX0 + 30));
    s.events();
    assert_eq!(
        s.qr.submit_password(s.now, b"pw"),
        Err(wrong(Phase::AwaitingScan))
    );
    assert_eq!(s.qr.phase(), Phase::AwaitingScan);
    assert!(s.qr.url().is_some());
    assert!(s.qr.poll_work().is_none());
    s.no_transmit();
    assert_eq!(s.events(), []);
    // Answers for ids never sent are refused; the state stays.
    assert_eq!(
        s.qr.handle_response(s.now, RequestId(99), &[]),
        Err(UsageError::UnknownRequest(RequestId(99)))
    );
    assert_eq!(
        s.qr.handle_failure(s.now, RequestId(99), TransportFailure::Timeout),
        Err(UsageError::UnknownRequest(RequestId(99)))
    );
    // A late duplicate of an answered one is ignored.
    assert_eq!(
        s.qr.handle_response(s.now, t.id, &success(1).to_bytes()),
        Ok(())
    );
    assert_eq!(s.qr.phase(), Phase::AwaitingScan);
    assert_eq!(s.events(), []);
    // Bad configuration is refused up front.
    for (config, reason) in [
        (Config::new(0, "h"), "api_id must be positive"),
        (Config::new(1, ""), "api_hash is empty"),
    ] {
        assert_eq!(
            QrLogin::new(config, &[], &mut rng(0), s.now, UNIX0).err(),
            Some(UsageError::InvalidConfig(reason))
        );
    }
}

#[test]
fn q16_cancel_ends_at_once_and_late_answers_are_ignored() {
    let mut s = Qr::new();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.qr.cancel(s.now);
    assert_eq!(s.one_event(), QrEvent::Cancelled);
    assert_eq!(s.qr.poll_timeout(), None);
    s.reply(t.id, &success(1));
    s.no_transmit();
    assert_eq!(s.events(), []);
    s.qr.cancel(s.now);
    assert_eq!(s.events(), []);
    s.accepted();
    s.no_transmit();
}

#[test]
fn q17_an_abandoned_export_is_ignored_in_the_password_step() {
    let mut server = PasswordServer::new(b"pw");
    let mut s = Qr::new();
    let (first, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.qr.handle_failure(s.now, first.id, TransportFailure::Timeout)
        .unwrap();
    s.advance(Duration::from_millis(500));
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (get, _) = s.expect::<functions::account::GetPassword>();
    // The first export's answer turns up late: ignored.
    assert_eq!(
        s.qr.handle_response(s.now, first.id, &success(1).to_bytes()),
        Ok(())
    );
    assert_eq!(s.events(), []);
    s.reply(get.id, &server.account_password());
    assert!(matches!(s.one_event(), QrEvent::PasswordRequired(_)));
    // An id beyond anything sent is still refused.
    let beyond = RequestId(get.id.0 + 5);
    assert_eq!(
        s.qr.handle_response(s.now, beyond, &[]),
        Err(UsageError::UnknownRequest(beyond))
    );
    // Work the password step no longer waits for is refused, unchanged.
    s.qr.submit_password(s.now, b"pw").unwrap();
    let work = s.qr.poll_work().expect("work");
    s.qr.cancel(s.now);
    assert_eq!(s.one_event(), QrEvent::Cancelled);
    assert_eq!(
        s.qr.handle_work(s.now, work.run()),
        Err(UsageError::StaleWork)
    );
    s.no_transmit();
}

#[test]
fn q18_password_step_failures_are_wrapped() {
    let mut s = Qr::new();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.qr.handle_response(s.now, t.id, &[0xde, 0xad]).unwrap();
    assert!(matches!(
        s.failed(),
        Error::MalformedReply {
            method: "account.getPassword",
            ..
        }
    ));

    // AUTH_RESTART cannot restart a login without a phone: it fails.
    let mut s = Qr::new();
    let (t, _) = s.expect::<functions::auth::ExportLoginToken>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply_error(t.id, 500, "AUTH_RESTART");
    match s.failed() {
        Error::Rpc { method, error } => {
            assert_eq!(
                (method, error.name.as_str()),
                ("account.getPassword", "AUTH_RESTART")
            );
        }
        other => panic!("{other:?}"),
    }
}

/// Drives any [`Machine`] against a scripted server until its terminal event.
fn drive<M: Machine>(
    machine: &mut M,
    mut now: Instant,
    mut answer: impl FnMut(&Transmit) -> Vec<u8>,
    mut on_event: impl FnMut(&mut M, Instant, &M::Event) -> bool,
) -> usize {
    let mut events = 0;
    for _ in 0..100 {
        while let Some(t) = machine.poll_transmit() {
            let body = answer(&t);
            assert!(machine.handle_response(now, t.id, &body).is_ok());
        }
        while let Some(event) = machine.poll_event() {
            events += 1;
            if on_event(machine, now, &event) {
                return events;
            }
        }
        if let Some(at) = machine.poll_timeout() {
            now = now.max(at);
            machine.handle_timeout(now);
        }
    }
    panic!("the machine did not finish");
}

#[test]
fn q19_one_generic_driver_runs_the_qr_login() {
    let mut s = Qr::new();
    let mut exports = 0;
    let mut shown = Vec::new();
    let events = drive(
        &mut s.qr,
        s.now,
        |t| {
            let _ = tl::decode::<functions::auth::ExportLoginToken>(&t.body).expect("export");
            exports += 1;
            if exports < 3 {
                login_token(&[exports as u8; 8], UNIX0 + 30 * i64::from(exports)).to_bytes()
            } else {
                success(99).to_bytes()
            }
        },
        |qr, now, event| match event {
            QrEvent::Token(url) => {
                shown.push(url.url().to_owned());
                // The second token is "scanned".
                if shown.len() == 2 {
                    qr.handle_update(now, &types::UpdateLoginToken {}.into());
                }
                false
            }
            QrEvent::Done(a) => {
                assert_eq!(a.user_id, 99);
                true
            }
            other => panic!("{other:?}"),
        },
    );
    assert_eq!(events, 3);
    assert_eq!(
        shown,
        [
            "tg://login?token=AQEBAQEBAQE",
            "tg://login?token=AgICAgICAgI"
        ]
    );
}
