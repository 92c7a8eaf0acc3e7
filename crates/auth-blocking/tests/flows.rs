//! End-to-end: the small machines of the core (bot login, logout, authorization transfer,
//! confirming and rejecting a new login, invalidating login codes, a frozen account) and the
//! before-login guard, driven by `auth_blocking::run` over MTProto on loopback against the simulator.

mod served;

use std::ops::ControlFlow;
use std::time::Instant;

use auth_blocking::{MtprotoTransport, RunError, Transport, run};
use auth_core::{
    Authorization, DcId, Error, LAYER, RpcError, RpcErrorKind, SessionConfig, UsageError,
    auth_transfer::{AuthTransfer, TransferEvent},
    before_auth::Guard,
    bot::{BotEvent, BotLogin},
    entropy::Entropy,
    frozen::Frozen,
    login::{Config, Login, LoginEvent},
    login_codes::{SERVICE_USER_ID, find_login_codes, invalidate_codes},
    logout::{Logout, LogoutEvent},
    logout_tokens::LogoutTokens,
    machine::{Call, CallEvent, Machine},
    new_logins::{NewLogin, confirm_login, list_authorizations, reject_login},
    tl::{DeserializeAt, RemoteCall, Serialize, enums, functions},
};
use auth_sim::{AccountConfig, BotConfig, CodeDelivery, Sim};

const PHONE: &str = "+999 66 2 4321";
const BOT_TOKEN: &str = "777123:Sim-Bot_token";

/// A simulator on free ports with one account (DC 2; codes by SMS only, so no resend timer)
/// and one bot (DC 4).
fn server() -> (auth_sim::tcp::SimServer, i64) {
    let mut sim = Sim::default();
    let user = sim
        .add_account(
            AccountConfig::new(PHONE, DcId(2))
                .with_name("Ada", "Flows")
                .with_delivery(vec![CodeDelivery::Sms]),
        )
        .expect("account");
    sim.add_bot(BotConfig::new(BOT_TOKEN, DcId(4)))
        .expect("bot");
    (served::start(sim), user)
}

/// A client (one auth key per DC) of `server`.
fn client(server: &auth_sim::tcp::SimServer, key_seed: u64) -> MtprotoTransport {
    served::client(server, key_seed)
}

fn config() -> Config {
    Config::new(1, "api-hash")
}

fn session(dc: i32) -> SessionConfig {
    SessionConfig::new(DcId(dc))
}

/// A test repeats itself: a deterministic generator (production passes the OS's).
fn rng(seed: u8) -> Entropy {
    Entropy::deterministic([seed; 32])
}

/// Logs in by phone with the generic driver, typing the test number's code (DC digit
/// repeated) when asked.
fn phone_login(transport: &mut MtprotoTransport, config: Config) -> (Authorization, Vec<String>) {
    let mut login = Login::new(config, PHONE, &mut rng(3), Instant::now()).expect("valid");
    let mut seen = Vec::new();
    let mut result = None;
    run(transport, &mut login, |login, event| {
        seen.push(
            format!("{event:?}")
                .split(['(', ' '])
                .next()
                .unwrap_or("")
                .to_owned(),
        );
        match event {
            LoginEvent::CodeSent(sent) => {
                let length = sent.kind.length().unwrap_or(5) as usize;
                login
                    .submit_code(Instant::now(), &"2".repeat(length))
                    .expect("code accepted for sending");
            }
            LoginEvent::Done(auth) => result = Some(*auth),
            LoginEvent::Failed(e) => panic!("login failed: {e}"),
            _ => {}
        }
        ControlFlow::Continue(())
    })
    .expect("the login runs");
    (result.expect("logged in"), seen)
}

/// Runs a bare call to its end.
fn call<F: RemoteCall>(
    transport: &mut MtprotoTransport,
    mut call: Call<F>,
) -> Result<F::Return, Error>
where
    F::Return: DeserializeAt,
{
    let mut done = None;
    run(transport, &mut call, |_, event| {
        match event {
            CallEvent::Done(value) => done = Some(Ok(value)),
            CallEvent::Failed(error) => done = Some(Err(error)),
            _ => {}
        }
        ControlFlow::Continue(())
    })
    .expect("the call runs");
    done.expect("a result")
}

fn events<M: Machine>(transport: &mut MtprotoTransport, machine: &mut M) -> Vec<M::Event> {
    let mut events = Vec::new();
    run(transport, machine, |_, e| {
        events.push(e);
        ControlFlow::Continue(())
    })
    .expect("runs to its end");
    assert!(machine.is_finished());
    events
}

#[test]
fn bot_login_follows_the_bot_to_its_dc() {
    let (server, _) = server();
    let mut transport = client(&server, 1);
    let mut bot = BotLogin::new(config(), BOT_TOKEN, Instant::now()).expect("well formed");
    let events = events(&mut transport, &mut bot);
    assert_eq!(events[0], BotEvent::DcChanged(DcId(4)));
    match &events[1] {
        BotEvent::Done(auth) => {
            assert_eq!(
                (auth.user_id, auth.dc, auth.is_bot),
                (777_123, DcId(4), true)
            );
        }
        other => panic!("{other:?}"),
    }
    let key = transport.auth_key_id(DcId(4)).expect("a key");
    assert_eq!(
        server.with_sim(|s| s.authorized_user(DcId(4), key)),
        Some(777_123)
    );
}

#[test]
fn bot_login_with_a_wrong_or_malformed_token() {
    let (server, _) = server();
    let mut transport = client(&server, 2);
    let mut on_dc4 = config();
    on_dc4.session.dc = DcId(4);
    let mut bot =
        BotLogin::new(on_dc4.clone(), "777123:wrong-secret", Instant::now()).expect("well formed");
    match events(&mut transport, &mut bot).as_slice() {
        [BotEvent::Failed(Error::BotTokenRejected(e))] => {
            assert_eq!(e.name, "ACCESS_TOKEN_INVALID")
        }
        other => panic!("{other:?}"),
    }
    let refused = BotLogin::new(on_dc4, "777123-no-colon", Instant::now());
    assert!(matches!(refused, Err(UsageError::InvalidBotToken(_))));
    assert_eq!(
        server.with_sim(|s| s.calls().len()),
        1,
        "the malformed token was never sent"
    );
}

#[test]
fn logout_token_lets_the_next_login_skip_the_code() {
    let (server, user) = server();
    let mut transport = client(&server, 3);
    let (auth, seen) = phone_login(&mut transport, config());
    assert_eq!(auth.user_id, user);
    assert!(seen.contains(&"CodeSent".to_owned()), "{seen:?}");

    let mut tokens = LogoutTokens::new();
    let mut logout = Logout::new(&session(auth.dc.0), Instant::now()).expect("a session");
    for event in events(&mut transport, &mut logout) {
        match event {
            LogoutEvent::Done(Some(token)) => assert!(tokens.push(token.as_bytes())),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(tokens.len(), 1);
    let key = transport.auth_key_id(DcId(2)).expect("a key");
    assert_eq!(server.with_sim(|s| s.authorized_user(DcId(2), key)), None);

    let mut config = config();
    config.logout_tokens = tokens;
    let (again, seen) = phone_login(&mut transport, config);
    assert_eq!(again.user_id, user);
    assert!(!seen.contains(&"CodeSent".to_owned()), "no code: {seen:?}");
    let last = server
        .with_sim(|s| s.calls().last().cloned())
        .expect("calls");
    assert_eq!(
        (last.method, last.result),
        ("auth.sendCode", Ok("auth.sentCodeSuccess"))
    );
}

#[test]
fn authorization_transfer_from_dc2_to_dc4() {
    let (server, user) = server();
    let mut transport = client(&server, 4);
    phone_login(&mut transport, config());
    let mut transfer = AuthTransfer::new(&session(2), DcId(4), Instant::now()).expect("two DCs");
    let events = events(&mut transport, &mut transfer);
    assert_eq!(events[0], TransferEvent::Exported);
    match &events[1] {
        TransferEvent::Done(auth) => assert_eq!((auth.user_id, auth.dc), (user, DcId(4))),
        other => panic!("{other:?}"),
    }
    let key = transport.auth_key_id(DcId(4)).expect("a key");
    assert_eq!(
        server.with_sim(|s| s.authorized_user(DcId(4), key)),
        Some(user)
    );
    let methods: Vec<_> = server.with_sim(|s| s.calls().map(|c| (c.dc, c.method)).collect());
    assert_eq!(
        &methods[methods.len() - 2..],
        [
            (DcId(2), "auth.exportAuthorization"),
            (DcId(4), "auth.importAuthorization")
        ]
    );
}

/// `invokeWithLayer(LAYER, query)`.
fn with_layer(query: &[u8]) -> Vec<u8> {
    let mut out = 0xda9b_0d0du32.to_le_bytes().to_vec();
    out.extend_from_slice(&LAYER.to_le_bytes());
    out.extend_from_slice(query);
    out
}

#[test]
fn guard_refuses_like_the_server_before_login() {
    let (server, _) = server();
    let mut transport = client(&server, 5);
    let mut guard = Guard::new();
    let bodies = [
        functions::account::GetAuthorizations {}.to_bytes(),
        with_layer(&functions::account::GetAuthorizations {}.to_bytes()),
        functions::auth::LogOut {}.to_bytes(),
        functions::help::GetNearestDc {}.to_bytes(),
        with_layer(&functions::help::GetNearestDc {}.to_bytes()),
    ];
    let served = |server: &auth_sim::tcp::SimServer| server.with_sim(|s| s.calls().len());
    let mut refused = 0;
    for body in &bodies {
        let before = served(&server);
        match guard.check(body) {
            Err(local) => {
                refused += 1;
                assert_eq!(served(&server), before, "refused locally");
                // The server would have said the same.
                let reply = transport.invoke(DcId(2), body).expect("delivered");
                assert_eq!(RpcError::decode(&reply).expect("rpc_error"), local);
            }
            Ok(()) => {
                let reply = transport.invoke(DcId(2), body).expect("delivered");
                assert!(!RpcError::is_rpc_error(&reply), "answered");
            }
        }
    }
    assert_eq!(refused, 3);
    assert_eq!(
        guard.check(&bodies[0]).map_err(|e| e.kind()),
        Err(RpcErrorKind::AuthKeyUnregistered)
    );

    phone_login(&mut transport, config());
    guard.authorized();
    for body in &bodies[..2] {
        assert_eq!(guard.check(body), Ok(()));
        let reply = transport.invoke(DcId(2), body).expect("delivered");
        assert!(!RpcError::is_rpc_error(&reply), "answered once logged in");
    }
}

#[test]
fn a_new_session_is_confirmed_or_rejected_from_an_old_one() {
    let (server, user) = server();
    let mut old = client(&server, 6);
    phone_login(&mut old, config());
    let mut new = client(&server, 7);
    phone_login(&mut new, config());

    // The old session is told (the simulator queues what it would push).
    let updates = server.with_sim(|s| s.take_new_authorization_updates(user));
    let [update] = updates.as_slice() else {
        panic!("{updates:?}")
    };
    let login = NewLogin::from_update(update).expect("updateNewAuthorization");
    assert!(login.unconfirmed);
    assert_eq!(
        login.device,
        Some(format!(
            "auth-sim key {:#x}",
            new.auth_key_id(DcId(2)).expect("a key")
        ))
    );
    let confirmed = call(
        &mut old,
        confirm_login(&session(2), login.hash, Instant::now()).expect("a session"),
    );
    assert_eq!(confirmed, Ok(true));
    let enums::account::Authorizations::Authorizations(list) = call(
        &mut old,
        list_authorizations(&session(2), Instant::now()).expect("a session"),
    )
    .expect("listed");
    assert_eq!(list.authorizations.len(), 2);
    assert!(
        list.authorizations
            .iter()
            .all(|enums::Authorization::Authorization(a)| !a.unconfirmed)
    );

    // A third login is not recognised: log it out.
    let mut stranger = client(&server, 8);
    phone_login(&mut stranger, config());
    let updates = server.with_sim(|s| s.take_new_authorization_updates(user));
    let login = NewLogin::from_update(&updates[0]).expect("update");
    let rejected = call(
        &mut old,
        reject_login(&session(2), login.hash, Instant::now()).expect("a session"),
    );
    assert_eq!(rejected, Ok(true));
    let key = stranger.auth_key_id(DcId(2)).expect("a key");
    assert_eq!(server.with_sim(|s| s.authorized_user(DcId(2), key)), None);
    assert_eq!(server.with_sim(|s| s.authorizations(user).len()), 2);
}

#[test]
fn forwarded_login_codes_are_invalidated() {
    let (server, _) = server();
    let mut owner = client(&server, 9);
    phone_login(&mut owner, config());

    // Someone else asks for a code for the number...
    let mut thief = client(&server, 10);
    let mut login = Login::new(config(), PHONE, &mut rng(4), Instant::now()).expect("valid");
    run(&mut thief, &mut login, |_, event| match event {
        LoginEvent::CodeSent(_) => ControlFlow::Break(()),
        other => panic!("{other:?}"),
    })
    .expect("code sent");
    // ... the code arrives in the owner's service chat, and the owner forwards it.
    let code = server
        .with_sim(|s| s.last_code(PHONE).map(str::to_owned))
        .expect("a code");
    let text = format!("Login code: {code}. Do not give this code to anyone!");
    let codes = find_login_codes(SERVICE_USER_ID, &text);
    assert_eq!(codes.len(), 1);
    let invalidated = call(
        &mut owner,
        invalidate_codes(&session(2), &codes, Instant::now()).expect("a session"),
    );
    assert_eq!(invalidated, Ok(true));

    login
        .submit_code(Instant::now(), &code)
        .expect("sent for checking");
    let mut seen = Vec::new();
    run(&mut thief, &mut login, |_, event| {
        seen.push(event);
        ControlFlow::Break(())
    })
    .expect("answered");
    assert_eq!(seen, [LoginEvent::CodeExpired], "the code no longer works");
}

#[test]
fn a_frozen_account_is_told_so() {
    let (server, user) = server();
    let mut transport = client(&server, 11);
    phone_login(&mut transport, config());
    assert!(server.with_sim(|s| s.set_frozen(user, true)));
    let result = call(
        &mut transport,
        list_authorizations(&session(2), Instant::now()).expect("a session"),
    );
    let error = result.expect_err("refused");
    assert!(error.is_frozen());
    assert_eq!(error.frozen(), Some(Frozen::MethodInvalid));
    let calls = server.with_sim(|s| {
        s.calls()
            .filter(|c| c.method == "account.getAuthorizations")
            .count()
    });
    assert_eq!(calls, 1, "refused once, not retried as a flood wait");
    // Logging out still works.
    let mut logout = Logout::new(&session(2), Instant::now()).expect("a session");
    assert!(matches!(
        events(&mut transport, &mut logout).as_slice(),
        [LogoutEvent::Done(_)]
    ));
}

#[test]
fn a_machine_waiting_for_a_command_is_stalled() {
    let (server, _) = server();
    let mut transport = client(&server, 12);
    let mut login = Login::new(config(), PHONE, &mut rng(5), Instant::now()).expect("valid");
    let result = run(&mut transport, &mut login, |_, _| ControlFlow::Continue(()));
    assert!(matches!(result, Err(RunError::Stalled)), "{result:?}");
}
