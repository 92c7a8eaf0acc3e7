//! Model test of the QR login: random interleavings of server replies (plausible, mismatched
//! and garbage), updates, timer ticks and commands. Invariants: a refused command changes
//! nothing; every call goes to the current home DC; each token shown is a valid URL whose
//! replacement time is bounded; nothing is sent, scheduled or told after the one terminal
//! event.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]
mod support;

use std::time::{Duration, Instant};

use auth_core::{
    Phase, RequestId, RpcError, TransportFailure,
    login::Config,
    qr::{MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME, QrEvent, QrLogin, QrUrl},
    tl::{Serialize, enums, types},
};
use proptest::prelude::*;
use support::{PasswordServer, authorization, rng};

/// The wall-clock time the tests start at.
const UNIX0: i64 = 1_767_225_600;

#[derive(Debug, Clone)]
enum Reply {
    /// `auth.loginToken` expiring this many seconds from now.
    Token(i64),
    MigrateTo(i32),
    Success,
    Password,
    Authorized,
    Error(&'static str),
    Garbage(Vec<u8>),
}

#[derive(Debug, Clone)]
enum Action {
    /// Answers the latest call still unanswered.
    Reply(Reply),
    Fail,
    Update,
    Tick(u64),
    Cancel,
    /// The user types a password: its check is handed out as work (and dropped here).
    Password,
}

fn action() -> impl Strategy<Value = Action> {
    let reply = prop_oneof![
        4 => (-40i64..700).prop_map(Reply::Token),
        2 => (-1i32..7).prop_map(Reply::MigrateTo),
        1 => Just(Reply::Success),
        2 => Just(Reply::Password),
        1 => Just(Reply::Authorized),
        3 => prop::sample::select(vec![
            "SESSION_PASSWORD_NEEDED",
            "AUTH_TOKEN_EXPIRED",
            "FLOOD_WAIT_3",
            "USER_MIGRATE_4",
            "API_ID_INVALID",
            "PASSWORD_HASH_INVALID",
            "SRP_ID_INVALID",
            "AUTH_RESTART",
        ])
        .prop_map(Reply::Error),
        1 => prop::collection::vec(any::<u8>(), 0..24).prop_map(Reply::Garbage),
    ];
    prop_oneof![
        6 => reply.prop_map(Action::Reply),
        1 => Just(Action::Fail),
        2 => Just(Action::Update),
        2 => (0u64..700).prop_map(Action::Tick),
        1 => Just(Action::Cancel),
        1 => Just(Action::Password),
    ]
}

fn body(reply: &Reply, server: &mut PasswordServer, unix: i64) -> Vec<u8> {
    match reply {
        Reply::Token(secs) => enums::auth::LoginToken::from(types::auth::LoginToken {
            expires: i32::try_from(unix + secs).unwrap_or(i32::MAX),
            token: b"tok".to_vec().into(),
        })
        .to_bytes(),
        Reply::MigrateTo(dc) => enums::auth::LoginToken::from(types::auth::LoginTokenMigrateTo {
            dc_id: *dc,
            token: b"imp".to_vec().into(),
        })
        .to_bytes(),
        Reply::Success => enums::auth::LoginToken::from(types::auth::LoginTokenSuccess {
            authorization: authorization(1),
        })
        .to_bytes(),
        Reply::Password => server.account_password().to_bytes(),
        Reply::Authorized => authorization(2).to_bytes(),
        Reply::Error(name) => RpcError::new(400, *name).to_bytes(),
        Reply::Garbage(bytes) => bytes.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn invariants_hold(actions in prop::collection::vec(action(), 1..30)) {
        let mut server = PasswordServer::new(b"pw");
        let t0 = Instant::now();
        let mut now = t0;
        let mut qr = QrLogin::new(Config::new(12345, "api-hash"), &[], &mut rng(4), now, UNIX0)
            .expect("valid config");
        let mut in_flight: Vec<RequestId> = Vec::new();
        let mut terminal = 0;
        for action in actions {
            while let Some(t) = qr.poll_transmit() {
                prop_assert!(terminal == 0, "sent after the end");
                prop_assert_eq!(t.dc, qr.home_dc());
                in_flight.push(t.id);
            }
            match action {
                Action::Reply(reply) => {
                    if let Some(id) = in_flight.pop() {
                        let unix = UNIX0 + i64::try_from((now - t0).as_secs()).unwrap_or(0);
                        let bytes = body(&reply, &mut server, unix);
                        prop_assert_eq!(qr.handle_response(now, id, &bytes), Ok(()));
                    }
                }
                Action::Fail => {
                    if let Some(id) = in_flight.pop() {
                        let r = qr.handle_failure(now, id, TransportFailure::Timeout);
                        prop_assert_eq!(r, Ok(()));
                    }
                }
                Action::Update => qr.handle_update(now, &types::UpdateLoginToken {}.into()),
                Action::Tick(secs) => {
                    now += Duration::from_secs(secs);
                    qr.handle_timeout(now);
                }
                Action::Cancel => qr.cancel(now),
                Action::Password => {
                    let phase = qr.phase();
                    let timeout = qr.poll_timeout();
                    if qr.submit_password(now, b"pw").is_err() {
                        prop_assert_eq!(qr.phase(), phase);
                        prop_assert_eq!(qr.poll_timeout(), timeout);
                        prop_assert!(qr.poll_transmit().is_none());
                        prop_assert!(qr.poll_work().is_none());
                    } else {
                        prop_assert_eq!(phase, Phase::AwaitingPassword);
                        prop_assert!(qr.poll_work().is_some(), "the check is handed out");
                    }
                }
            }
            while let Some(event) = qr.poll_event() {
                prop_assert!(terminal == 0, "{:?} after the end", event);
                if event.is_terminal() {
                    terminal += 1;
                }
                if let QrEvent::Token(url) = &event {
                    prop_assert_eq!(QrUrl::token_of(url.url()), Some(b"tok".to_vec()));
                    prop_assert!(url.expires_at() >= now + MIN_TOKEN_LIFETIME);
                    prop_assert!(url.expires_at() <= now + MAX_TOKEN_LIFETIME);
                }
            }
            prop_assert_eq!(qr.is_finished(), terminal == 1);
            prop_assert_eq!(qr.phase() == Phase::Finished, terminal == 1);
            if terminal == 1 {
                prop_assert_eq!(qr.poll_timeout(), None);
                prop_assert!(qr.poll_transmit().is_none());
            }
            prop_assert_eq!(qr.url().is_some(), qr.phase() == Phase::AwaitingScan);
        }
    }
}
