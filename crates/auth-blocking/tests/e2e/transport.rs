//! `MtprotoTransport` on its own and under a login: keys per DC, the session file, `-404`,
//! reconnects, pushed updates, and servers that misbehave.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use auth_blocking::{MtprotoTransport, Transport, login};
use auth_core::login::LoginEvent;
use auth_core::tl::{Serialize, functions};
use auth_core::{DcId, LAYER, RpcError, TransportFailure, entropy::Entropy};
use auth_sim::AccountConfig;
use auth_store::SessionFile;
use mtproto::pool::{DcTable, PoolConfig};
use mtproto::session::ClientInfo;

use crate::support::{Fixture, ScriptedPrompt, Step};

fn log_out() -> Vec<u8> {
    functions::auth::LogOut {}.to_bytes()
}

/// The name of the `rpc_error` in `reply`.
fn error_name(reply: &[u8]) -> String {
    RpcError::decode(reply).map_or_else(|e| format!("not an error: {e}"), |e| e.name)
}

#[test]
fn each_dc_gets_its_own_key_and_the_first_calls_carry_layer_and_app() {
    let mut f = Fixture::default_sim();
    for dc in 1..=5 {
        let reply = f.transport.invoke(DcId(dc), &log_out()).expect("served");
        assert_eq!(error_name(&reply), "AUTH_KEY_UNREGISTERED");
        assert!(f.transport.is_connected(DcId(dc)));
    }
    assert_eq!(f.server.key_count(), 5);
    for call in f.server.served() {
        assert_eq!(
            f.transport.auth_key_id(call.record.dc),
            Some(call.record.key)
        );
        assert_eq!(
            (call.layer, call.client.map(|c| c.api_id)),
            (Some(LAYER), Some(1))
        );
    }
    let unknown = f.transport.invoke(DcId(9), &log_out()).unwrap_err();
    assert!(
        unknown.to_string().contains("no address for DC 9"),
        "{unknown}"
    );
}

#[test]
fn a_session_file_keeps_the_keys_and_a_forgotten_key_is_replaced_there() {
    let f = Fixture::default_sim();
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("session.bin");
    let config = f.server.client_config(LAYER, ClientInfo::new(1));
    let open = |seed: u8| {
        let (store, corrupt) = SessionFile::open(&path).expect("opens");
        assert!(corrupt.is_none());
        let rng = &mut Entropy::deterministic([seed; 32]);
        MtprotoTransport::new(config.clone(), rng)
            .map(|t| t.with_session(store))
            .expect("a key")
    };
    let state = 0xedd4_882au32.to_le_bytes(); // updates.getState
    let mut first = open(1);
    let reply = first.invoke(DcId(2), &state).expect("served");
    assert_eq!(error_name(&reply), "AUTH_KEY_UNREGISTERED", "not logged in");
    let key = first.auth_key_id(DcId(2));
    drop(first);

    let mut second = open(2);
    assert_eq!(
        second.auth_key_id(DcId(2)),
        key,
        "restored before the first call"
    );
    second.invoke(DcId(2), &state).expect("served");
    assert_eq!(f.server.key_count(), 1, "no new key");

    f.server.forget_keys();
    let failure = second.invoke(DcId(2), &log_out()).unwrap_err();
    assert!(
        matches!(&failure, TransportFailure::Other(r) if r.contains("-404")),
        "{failure:?}"
    );
    second.invoke(DcId(2), &log_out()).expect("on the new key");
    let new = second.auth_key_id(DcId(2));
    assert!(new.is_some() && new != key);
    let store = second.into_session().expect("the file");
    let stored = store.session().key(DcId(2)).expect("a key in the file");
    assert_eq!(
        Some(mtproto::AuthKey::from_bytes(*stored.auth_key.as_bytes()).id()),
        new
    );
}

#[test]
fn a_login_survives_dropped_connections_before_every_call() {
    let mut f = Fixture::with_account("9996621234");
    let server = &f.server;
    // Every call finds its connection dropped by the server: the transport reconnects and
    // keeps the key, so the code sent on it still counts.
    struct Dropping<'a>(&'a mut MtprotoTransport, &'a auth_sim::tcp::SimServer);
    impl Transport for Dropping<'_> {
        fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure> {
            self.1.drop_connections();
            self.0.invoke(dc, body)
        }
    }
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2')]);
    let auth = login(
        &mut Dropping(&mut f.transport, server),
        &mut prompt,
        f.config.clone(),
        "9996621234",
        &mut Entropy::deterministic([1; 32]),
        None,
    )
    .expect("logged in");
    assert_eq!(f.methods(), ["auth.sendCode", "auth.signIn"]);
    assert_eq!(f.server.key_count(), 1, "one key throughout");
    assert_eq!(f.authorized_user(DcId(2)), Some(auth.user_id));
}

#[test]
fn minus_404_mid_login_makes_a_new_key_and_the_login_starts_over() {
    let mut f = Fixture::with_account("9996621234");
    // The server forgets every key while the code is asked for: the sign-in gets -404, a new
    // key is made, and the code (bound to the old key) has expired; asking for it again on the
    // new key starts the login over.
    struct Forgetting<'a>(&'a mut MtprotoTransport, &'a auth_sim::tcp::SimServer, bool);
    impl Transport for Forgetting<'_> {
        fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure> {
            let sign_in = functions::auth::SignIn::CONSTRUCTOR_ID.to_le_bytes();
            if !self.2 && body.starts_with(&sign_in) {
                self.2 = true;
                self.1.forget_keys();
            }
            self.0.invoke(dc, body)
        }
    }
    use auth_core::tl::Identifiable;
    let first_key = {
        let mut prompt = ScriptedPrompt::new([
            Step::TestCode('2'),
            Step::TestCode('2'),
            Step::Code(auth_blocking::Answer::Resend),
            Step::TestCode('2'),
        ]);
        let mut transport = Forgetting(&mut f.transport, &f.server, false);
        let auth = login(
            &mut transport,
            &mut prompt,
            f.config.clone(),
            "9996621234",
            &mut Entropy::deterministic([2; 32]),
            None,
        )
        .expect("logged in on the new key");
        let expired = prompt.saw(|e| *e == LoginEvent::CodeExpired);
        let restarted = prompt.saw(|e| matches!(e, LoginEvent::Restarted(_)));
        assert!(expired && restarted, "{:?}", prompt.events);
        auth
    };
    assert_eq!(
        f.server.key_count(),
        1,
        "the old key is gone, the new one logged in"
    );
    assert_eq!(f.authorized_user(DcId(2)), Some(first_key.user_id));
    let methods = f.methods();
    assert_eq!(
        methods.iter().filter(|m| **m == "auth.sendCode").count(),
        2,
        "{methods:?}"
    );
}

#[test]
fn the_exporting_session_gets_the_login_token_update() {
    let mut sim = auth_sim::Sim::default();
    sim.add_account(AccountConfig::new("9996620001", DcId(2)))
        .expect("account");
    let mut f = Fixture::new(sim);
    let export = functions::auth::ExportLoginToken {
        api_id: 1,
        api_hash: "hash".into(),
        except_ids: vec![],
    };
    let answer = f
        .transport
        .invoke(DcId(2), &export.to_bytes())
        .expect("served");
    let token = answer[9..41].to_vec(); // auth.loginToken expires:int token:bytes (32)
    assert_eq!(f.transport.next_update(Duration::from_millis(50)), None);
    f.server.with_sim(|sim| {
        sim.accept_login_token_as("9996620001", &token, Instant::now())
            .expect("accepted");
    });
    let (dc, update) = f
        .transport
        .next_update(Duration::from_secs(5))
        .expect("pushed");
    assert_eq!(dc, DcId(2));
    // updateShort{updateLoginToken, date}
    assert_eq!(
        update[..8],
        [0xc1, 0xde, 0xd4, 0x78, 0x91, 0xe6, 0x4f, 0x56]
    );
}

/// A one-DC server that runs `serve` on each connection it accepts within a second; its thread
/// returns how many it accepted.
fn fake_server(serve: fn(TcpStream)) -> (SocketAddr, JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    let handle = thread::spawn(move || {
        let mut accepted = 0;
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            match listener.accept() {
                Ok((stream, _)) => {
                    accepted += 1;
                    stream.set_nonblocking(false).expect("blocking");
                    serve(stream);
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
        accepted
    });
    (addr, handle)
}

/// A transport whose DC 1 is `addr`, with short timeouts.
fn to(addr: SocketAddr) -> MtprotoTransport {
    let key = mtproto::keys::RsaPrivateKey::test_only_server_key();
    let mut config = PoolConfig::new(
        DcTable::new().with(1, addr),
        vec![key.public_key().clone()],
        LAYER,
        ClientInfo::new(1),
    );
    config.request_timeout = Duration::from_millis(300);
    MtprotoTransport::new(config, &mut Entropy::deterministic([3; 32])).expect("a key")
}

/// Reads what the client sends first (the framing tag and `req_pq_multi`).
fn read_some(stream: &mut TcpStream) {
    let mut buf = [0u8; 256];
    let _ = stream.read(&mut buf);
}

#[test]
fn servers_that_misbehave_fail_the_call_and_never_hang_it() {
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let nobody = free.local_addr().expect("addr");
    drop(free);
    let refused = to(nobody).invoke(DcId(1), &log_out());
    assert!(
        matches!(&refused, Err(TransportFailure::Other(r)) if r.contains("cannot connect")),
        "{refused:?}"
    );

    let (silent, server) = fake_server(|mut s| {
        read_some(&mut s);
        thread::sleep(Duration::from_millis(600));
    });
    assert_eq!(
        to(silent).invoke(DcId(1), &log_out()),
        Err(TransportFailure::Timeout)
    );
    server.join().expect("server");

    let (rude, server) = fake_server(|mut s| read_some(&mut s));
    assert_eq!(
        to(rude).invoke(DcId(1), &log_out()),
        Err(TransportFailure::ConnectionLost)
    );
    assert_eq!(server.join().expect("server"), 2, "reconnected once");

    let (refusing, server) = fake_server(|mut s| {
        read_some(&mut s);
        // -404 in the intermediate framing: length 4, then the code.
        let _ = s.write_all(&[4, 0, 0, 0, 0x6c, 0xfe, 0xff, 0xff]);
        thread::sleep(Duration::from_millis(50));
    });
    assert_eq!(
        to(refusing).invoke(DcId(1), &log_out()),
        Err(TransportFailure::Other("transport error -404".into()))
    );
    server.join().expect("server");

    let (garbling, server) = fake_server(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(&[0xff; 16]);
        thread::sleep(Duration::from_millis(50));
    });
    assert_eq!(
        to(garbling).invoke(DcId(1), &log_out()),
        Err(TransportFailure::ConnectionLost),
        "a broken framing drops the connection, twice"
    );
    server.join().expect("server");
}

#[test]
fn timeouts_as_long_as_a_duration_can_be_do_not_overflow() {
    let f = Fixture::default_sim();
    let mut config = f.server.client_config(LAYER, ClientInfo::new(1));
    config.connect_timeout = Duration::MAX;
    config.request_timeout = Duration::MAX;
    config.session.resend_after = Duration::MAX;
    let mut transport =
        MtprotoTransport::new(config, &mut Entropy::deterministic([4; 32])).expect("a key");
    let reply = transport.invoke(DcId(2), &log_out()).expect("served");
    assert_eq!(error_name(&reply), "AUTH_KEY_UNREGISTERED");
}
