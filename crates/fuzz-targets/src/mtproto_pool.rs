//! `mtproto_pool`: the client's connection pool under a fuzzed network — connections that open,
//! fail or drop at any moment, server bytes (raw, framed, or messages encrypted with the key
//! the pool restored, about the messages it really sent), transport errors, time passing.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use arbitrary::Unstructured;
use mtproto::crypto::Direction;
use mtproto::keys::RsaPrivateKey;
use mtproto::pool::{CallId, ConnectionId, DcTable, Event, Io, Pool, PoolConfig};
use mtproto::session::SessionKey;
use mtproto::transport::Transport;
use mtproto::{UsageError, peek_auth_key_id};
use tg_crypto::entropy::Entropy;

use crate::mtproto_session::{
    SALT, WALL_SECS, client_info, key, msg_id, seal, sent_ids, server_body, wall, words,
};

/// The DC whose key the pool restored (so the harness can speak its session); DC 1 has no
/// key (a handshake against fuzzed answers); DC 4 has no address.
const KEYED_DC: i32 = 2;

/// The server's side of one connection the harness accepted.
struct Open {
    dc: i32,
    server: Transport,
}

/// What the harness checks the pool against.
#[derive(Default)]
struct World {
    pending: Vec<(ConnectionId, i32)>,
    open: BTreeMap<ConnectionId, Open>,
    closed: BTreeSet<ConnectionId>,
    sent: BTreeSet<CallId>,
    ended: BTreeSet<CallId>,
    /// The keyed DC's session id and msg_ids, from the packets the pool sent there.
    session: Option<i64>,
    ids: Vec<i64>,
}

impl World {
    /// Does what the pool asks and checks it: connections are asked for once, bytes go only to
    /// open ones, packets on the keyed DC decrypt with its key.
    fn serve(&mut self, pool: &mut Pool) {
        while let Some(io) = pool.poll_io() {
            match io {
                Io::Connect { connection, dc, .. } => {
                    assert!(matches!(dc, 1 | KEYED_DC), "a DC with an address");
                    assert!(
                        !self.closed.contains(&connection) && !self.open.contains_key(&connection)
                    );
                    self.pending.push((connection, dc));
                }
                Io::Send { connection, bytes } => {
                    let open = self
                        .open
                        .get_mut(&connection)
                        .expect("sent on an open connection");
                    open.server.handle_bytes(&bytes);
                    while let Ok(Some(mtproto::transport::Inbound::Packet(packet))) =
                        open.server.poll_inbound()
                    {
                        if open.dc == KEYED_DC && peek_auth_key_id(&packet) == Some(key().id()) {
                            let plain = mtproto::crypto::decrypt_message(
                                &key(),
                                Direction::ClientToServer,
                                &packet,
                            )
                            .expect("the pool's packets decrypt");
                            self.session = plain
                                .get(8..16)
                                .map(|s| i64::from_le_bytes(s.try_into().unwrap_or_default()));
                            self.ids.extend(sent_ids(&packet));
                        }
                    }
                }
                Io::Close { connection } => {
                    self.pending.retain(|(c, _)| *c != connection);
                    self.open.remove(&connection);
                    self.closed.insert(connection);
                }
            }
        }
        while let Some(event) = pool.poll_event() {
            match event {
                Event::Response { call, .. } | Event::Failed { call, .. } => {
                    assert!(self.sent.contains(&call), "an answer to a call never made");
                    assert!(self.ended.insert(call), "a call ended twice");
                }
                Event::KeyChanged { dc, .. } | Event::Update { dc, .. } => {
                    assert!(matches!(dc, 1 | KEYED_DC));
                }
            }
        }
    }

    /// An open connection of the fuzzer's choice.
    fn pick_open(&self, u: &mut Unstructured<'_>) -> Option<ConnectionId> {
        let open: Vec<ConnectionId> = self.open.keys().copied().collect();
        u.choose(&open).ok().copied()
    }
}

/// Up to 32 steps of: a call (to a DC with a key, without one, or without an address), a
/// connection opened, refused or dropped, server bytes of four kinds, a transport error, time
/// passing. Every call ends at most once and only calls that were made end; bytes go only to
/// connections that are open; and once the request timeout has passed, every call has ended.
pub fn mtproto_pool(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let start = Instant::now();
    let mut now = start;
    let server_key = RsaPrivateKey::test_only_server_key().public_key().clone();
    let config = PoolConfig::new(
        DcTable::consecutive(IpAddr::V4(Ipv4Addr::LOCALHOST), 20_000, 3),
        vec![server_key],
        228,
        client_info(),
    );
    let timeout = config.request_timeout;
    let Ok(mut pool) = Pool::new(config, now, wall(), Entropy::deterministic([3; 32])) else {
        panic!("a valid configuration");
    };
    let restored = SessionKey {
        auth_key: key(),
        salt: SALT,
        time_offset: 0,
    };
    assert_eq!(pool.restore_key(KEYED_DC, restored), Ok(()));
    let mut world = World::default();
    let mut seed = 0u8;
    for _ in 0..32 {
        let Ok(step) = u.int_in_range(0..=8u8) else {
            break;
        };
        match step {
            0 => {
                let dc = *u.choose(&[1, KEYED_DC, KEYED_DC, 4]).unwrap_or(&KEYED_DC);
                match pool.send(now, dc, words(&mut u)) {
                    Ok(call) => assert!(world.sent.insert(call)),
                    Err(error) => assert_eq!(error, UsageError::UnknownDc(4)),
                }
            }
            1 | 2 => {
                if let Ok(&(connection, dc)) = u.choose(&world.pending) {
                    world.pending.retain(|(c, _)| *c != connection);
                    if step == 1 {
                        seed = seed.wrapping_add(1);
                        let server = Transport::server(Entropy::deterministic([seed; 32]));
                        world.open.insert(connection, Open { dc, server });
                        pool.handle_connected(now, connection);
                    } else {
                        pool.handle_connect_failed(now, connection, "refused");
                    }
                }
            }
            3 => {
                if let Some(connection) = world.pick_open(&mut u) {
                    world.open.remove(&connection);
                    world.closed.insert(connection);
                    pool.handle_closed(now, connection);
                }
            }
            4..=7 => {
                let Some(connection) = world.pick_open(&mut u) else {
                    continue;
                };
                let bytes = match step {
                    4 => u.arbitrary::<Vec<u8>>().unwrap_or_default(),
                    5 | 6 => {
                        let packet = if step == 5 {
                            words(&mut u)
                        } else {
                            let session = world.session.unwrap_or(1);
                            let secs = WALL_SECS + (now - start).as_secs() as i64;
                            let id = msg_id(&mut u, secs) | 1;
                            let body = server_body(&mut u, &world.ids);
                            seal(Direction::ServerToClient, (SALT, session, id, 1), &body, 16)
                        };
                        let open = world.open.get_mut(&connection).expect("picked among open");
                        // The server side has seen the client's first bytes once it was sent to.
                        open.server.encode_packet(&packet).unwrap_or_default()
                    }
                    _ => {
                        let code = *u.choose(&[-404, -429, -444, -1]).unwrap_or(&-404);
                        let open = world.open.get_mut(&connection).expect("picked among open");
                        open.server.encode_transport_error(code).unwrap_or_default()
                    }
                };
                pool.handle_bytes(now, connection, &bytes);
            }
            _ => {
                now += Duration::from_secs(u64::from(u.int_in_range(0..=40u8).unwrap_or(1)));
                pool.handle_timeout(now);
            }
        }
        world.serve(&mut pool);
    }
    // Whatever happened, no call outlives its timeout.
    now += timeout + Duration::from_secs(1);
    pool.handle_timeout(now);
    world.serve(&mut pool);
    assert_eq!(world.ended, world.sent, "every call ended once");
}
