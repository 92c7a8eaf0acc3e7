//! Our client session and our server session, together in memory: requests and answers, and
//! each thing the server can do to a client (a new salt, a wrong clock, refusals, lost packets).
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

mod harness;

use std::time::{Duration, Instant};

use harness::{Link, Pair, answer_for, call, client_info, responses, wall};
use mtproto::handshake::{ClientHandshake, HandshakeConfig, ServerHandshake};
use mtproto::session::{
    ClientSession, Event, PacketError, RequestError, ServerEvent, ServerSession,
    ServerSessionConfig, SessionConfig, SessionKey,
};
use mtproto::transport::Framing;
use mtproto::{AuthKey, peek_auth_key_id};
use tg_crypto::entropy::Entropy;

#[test]
fn handshake_then_requests_over_every_framing_in_any_chunks() {
    for (n, framing) in Framing::ALL.into_iter().enumerate() {
        let seed = n as u8 + 1;
        let now = Instant::now();
        let mut link = Link::new(framing, seed);
        let config = harness::server_handshake_config();
        let mut client_hs = ClientHandshake::new(
            HandshakeConfig::with_keys(2, config.public_keys()),
            now,
            wall(),
            Entropy::deterministic([seed; 32]),
        )
        .unwrap();
        let mut server_hs =
            ServerHandshake::new(config, now, wall(), Entropy::deterministic([!seed; 32])).unwrap();
        let chunks = [1usize, 7, 3, 64, 2];
        while !client_hs.is_finished() {
            let packet = client_hs.poll_transmit(now).unwrap();
            let got = Link::carry(&mut link.client, &mut link.server, &packet, &chunks);
            assert_eq!(peek_auth_key_id(&got), Some(0));
            server_hs.handle_packet(now, &got).unwrap();
            let answer = server_hs.poll_transmit().unwrap();
            let got = Link::carry(&mut link.server, &mut link.client, &answer, &chunks);
            client_hs.handle_packet(now, &got).unwrap();
        }
        assert_eq!(link.server.framing(), Some(framing));
        let client_key = client_hs.poll_outcome().unwrap();
        let server_key = server_hs.poll_outcome().unwrap();
        let mut client = ClientSession::new(
            SessionConfig::new(228, client_info()),
            SessionKey::from(client_key),
            now,
            wall(),
            Entropy::deterministic([seed ^ 1; 32]),
        );
        let mut server = ServerSession::new(
            ServerSessionConfig {
                gzip_above: Some(64),
                ..ServerSessionConfig::default()
            },
            server_key.auth_key,
            server_key.salt,
            now,
            wall(),
            Entropy::deterministic([seed ^ 2; 32]),
        );
        let ids: Vec<_> = (0..20u32)
            .map(|i| client.send(now, call(i, i as usize * 5)).unwrap())
            .collect();
        let mut answered = Vec::new();
        for _ in 0..10 {
            while let Some(packet) = client.poll_transmit(now) {
                assert_eq!(peek_auth_key_id(&packet), Some(server.auth_key().id()));
                let got = Link::carry(&mut link.client, &mut link.server, &packet, &chunks);
                server.handle_packet(now, &got).unwrap();
            }
            while let Some(event) = server.poll_event() {
                if let ServerEvent::Request(request) = event {
                    assert_eq!(request.layer, Some(228), "the layer is reported");
                    assert_eq!(request.client.as_ref().map(|c| c.api_id), Some(17349));
                    server
                        .respond(request.id, &answer_for(&request.body))
                        .unwrap();
                }
            }
            while let Some(t) = server.poll_transmit(now) {
                let got = Link::carry(&mut link.server, &mut link.client, &t.packet, &chunks);
                client.handle_packet(now, &got).unwrap();
            }
            answered.extend(responses(
                &std::iter::from_fn(|| client.poll_event()).collect::<Vec<_>>(),
            ));
        }
        assert_eq!(answered.len(), ids.len(), "{framing:?}");
        for (i, id) in ids.iter().enumerate() {
            let body = &answered.iter().find(|(a, _)| a == id).unwrap().1;
            assert_eq!(
                *body,
                answer_for(&call(i as u32, i * 5)),
                "{framing:?} request {i}"
            );
        }
        assert!(client.is_idle());
    }
}

#[test]
fn the_first_calls_are_wrapped_in_init_connection() {
    let mut pair = Pair::new(1, 0);
    pair.client.send(pair.now, call(1, 1)).unwrap();
    pair.exchange();
    pair.client.send(pair.now, call(2, 1)).unwrap();
    pair.exchange();
    assert_eq!(pair.requests_seen.len(), 2);
    // The server unwrapped both to the bare call; the first declared the layer and client.
    assert_eq!(pair.requests_seen[0].body, call(1, 1));
    assert_eq!(pair.requests_seen[1].body, call(2, 1));
    let session = pair.requests_seen[0].session_id;
    assert_eq!(pair.server.session_layer(session), Some(228));
    assert_eq!(pair.server.session_client(session), Some(&client_info()));
    assert_eq!(pair.new_sessions, vec![session]);
    assert_eq!(session, pair.client.session_id());
    let events = pair.events();
    assert!(events.contains(&Event::ServerSessionCreated {
        unique_id: match events[0] {
            Event::ServerSessionCreated { unique_id } => unique_id,
            _ => panic!("new_session_created comes first: {events:?}"),
        }
    }));
    assert_eq!(responses(&events).len(), 2);
}

#[test]
fn rpc_errors_and_large_gzipped_answers_pass_through() {
    let mut pair = Pair::with_config(
        2,
        0,
        ServerSessionConfig {
            gzip_above: Some(100),
            ..ServerSessionConfig::default()
        },
    );
    pair.auto_answer = false;
    let small = pair.client.send(pair.now, call(1, 1)).unwrap();
    let large = pair.client.send(pair.now, call(2, 1)).unwrap();
    pair.exchange();
    let (first, second) = (pair.requests_seen[0].id, pair.requests_seen[1].id);
    pair.server
        .respond_error(first, 420, "FLOOD_WAIT_7")
        .unwrap();
    let big: Vec<u8> = (0..5000u32).flat_map(|i| (i % 13).to_le_bytes()).collect();
    pair.server.respond(second, &big).unwrap();
    assert_eq!(
        pair.server.respond(second, &big),
        Err(mtproto::UsageError::UnknownRequest),
        "answered once"
    );
    pair.exchange();
    let events = responses(&pair.events());
    let error = &events.iter().find(|(id, _)| *id == small).unwrap().1;
    assert_eq!(
        error[..4],
        0x2144_ca19u32.to_le_bytes(),
        "rpc_error bytes as they are"
    );
    assert_eq!(events.iter().find(|(id, _)| *id == large).unwrap().1, big);
}

#[test]
fn a_new_salt_is_learned_and_the_request_resent() {
    let mut pair = Pair::new(3, 0);
    pair.client.send(pair.now, call(1, 2)).unwrap();
    pair.exchange();
    pair.events();
    pair.server.rotate_salt(0x0102_0304_0506_0708);
    let id = pair.client.send(pair.now, call(2, 2)).unwrap();
    pair.exchange();
    let events = pair.events();
    assert!(
        events.contains(&Event::SaltChanged(0x0102_0304_0506_0708)),
        "{events:?}"
    );
    assert_eq!(responses(&events), vec![(id, answer_for(&call(2, 2)))]);
    assert_eq!(pair.client.salt(), 0x0102_0304_0506_0708);
    assert_eq!(
        pair.requests_seen.len(),
        2,
        "the refused message was not processed"
    );
}

#[test]
fn a_wrong_clock_is_corrected_both_ways() {
    for skew in [-3 * 3600, 2 * 3600] {
        let mut pair = Pair::new(4, skew);
        let id = pair.client.send(pair.now, call(1, 2)).unwrap();
        pair.exchange();
        let events = pair.events();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::TimeOffsetChanged(o) if o.abs() < 5)),
            "{skew}: {events:?}"
        );
        assert_eq!(responses(&events), vec![(id, answer_for(&call(1, 2)))]);
        assert_eq!(pair.requests_seen.len(), 1);
    }
}

#[test]
fn refusals_that_cannot_be_fixed_fail_the_request() {
    let mut pair = Pair::new(5, 0);
    pair.client.send(pair.now, call(1, 1)).unwrap();
    pair.exchange();
    pair.events();
    let session = pair.client.session_id();
    pair.server.inject_bad_msg(session, 64).unwrap();
    let id = pair.client.send(pair.now, call(2, 1)).unwrap();
    pair.exchange();
    assert_eq!(
        pair.events(),
        vec![Event::Failed {
            id,
            error: RequestError::Rejected { code: 64 }
        }]
    );
    assert_eq!(
        pair.server.inject_bad_msg(session, 99),
        Err(mtproto::UsageError::NotABadMsgCode(99))
    );
}

#[test]
fn seqno_refusals_are_fixed_and_resent() {
    for code in [32, 33, 16, 17, 20, 48] {
        let mut pair = Pair::new(6, 0);
        pair.client.send(pair.now, call(1, 1)).unwrap();
        pair.exchange();
        pair.events();
        pair.server
            .inject_bad_msg(pair.client.session_id(), code)
            .unwrap();
        let id = pair.client.send(pair.now, call(2, 1)).unwrap();
        pair.settle();
        let events = pair.events();
        assert_eq!(
            responses(&events),
            vec![(id, answer_for(&call(2, 1)))],
            "code {code}: {events:?}"
        );
    }
}

#[test]
fn a_lost_answer_is_asked_for_again_and_answered_once() {
    let mut pair = Pair::new(7, 0);
    let id = pair.client.send(pair.now, call(1, 3)).unwrap();
    let packet = pair.client.poll_transmit(pair.now).unwrap();
    pair.deliver_to_server(&packet);
    // The answer is lost on the way.
    while pair.server.poll_transmit(pair.now).is_some() {}
    assert_eq!(
        pair.client.poll_timeout(),
        Some(pair.now + Duration::from_secs(10))
    );
    pair.settle();
    assert_eq!(
        responses(&pair.events()),
        vec![(id, answer_for(&call(1, 3)))]
    );
    assert_eq!(
        pair.requests_seen.len(),
        1,
        "the repeat was recognised, not executed again"
    );
}

#[test]
fn a_lost_request_is_sent_again() {
    let mut pair = Pair::new(8, 0);
    let id = pair.client.send(pair.now, call(1, 3)).unwrap();
    assert!(pair.client.poll_transmit(pair.now).is_some());
    pair.settle();
    assert_eq!(
        responses(&pair.events()),
        vec![(id, answer_for(&call(1, 3)))]
    );
}

#[test]
fn updates_arrive_in_order_and_are_acknowledged() {
    let mut pair = Pair::new(9, 0);
    pair.client.send(pair.now, call(1, 1)).unwrap();
    pair.exchange();
    pair.events();
    let session = pair.client.session_id();
    for i in 0..5 {
        pair.server.push_update(session, &call(100 + i, 2)).unwrap();
    }
    pair.exchange();
    let updates: Vec<_> = pair
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Update(u) => Some(u),
            _ => None,
        })
        .collect();
    assert_eq!(
        updates,
        (0..5).map(|i| call(100 + i, 2)).collect::<Vec<_>>()
    );
    // The client acknowledges within its ack delay, so the server stops resending.
    pair.tick(Duration::from_secs(1));
    pair.exchange();
    assert_eq!(
        pair.server.poll_timeout(),
        None,
        "nothing left unacknowledged"
    );
    assert_eq!(
        pair.server.push_update(12345, &call(1, 1)),
        Err(mtproto::UsageError::UnknownSession)
    );
}

#[test]
fn an_unacknowledged_update_is_resent_and_delivered_once() {
    let mut pair = Pair::new(10, 0);
    pair.client.send(pair.now, call(1, 1)).unwrap();
    pair.exchange();
    pair.events();
    pair.server
        .push_update(pair.client.session_id(), &call(7, 1))
        .unwrap();
    let first = pair.server.poll_transmit(pair.now).unwrap();
    pair.deliver_to_client(&first.packet);
    // The client's acknowledgement is lost.
    pair.tick(Duration::from_secs(1));
    while pair.client.poll_transmit(pair.now).is_some() {}
    pair.tick(Duration::from_secs(10));
    pair.exchange();
    let updates = pair
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::Update(_)))
        .count();
    assert_eq!(updates, 1, "the repeat is recognised by its msg_id");
}

#[test]
fn closing_fails_what_is_pending_and_refuses_more() {
    let mut pair = Pair::new(11, 0);
    let a = pair.client.send(pair.now, call(1, 1)).unwrap();
    let b = pair.client.send(pair.now, call(2, 1)).unwrap();
    pair.client.close();
    assert_eq!(
        pair.events(),
        vec![
            Event::Failed {
                id: a,
                error: RequestError::Closed
            },
            Event::Failed {
                id: b,
                error: RequestError::Closed
            }
        ]
    );
    assert_eq!(
        pair.client.send(pair.now, call(3, 1)),
        Err(mtproto::UsageError::Closed)
    );
    assert_eq!(pair.client.poll_transmit(pair.now), None);
}

#[test]
fn after_a_reconnect_what_had_no_answer_is_answered_once() {
    let mut pair = Pair::new(12, 0);
    pair.auto_answer = false;
    let id = pair.client.send(pair.now, call(1, 1)).unwrap();
    pair.exchange();
    let request = pair.requests_seen[0].id;
    pair.server
        .respond(request, &answer_for(&call(1, 1)))
        .unwrap();
    // The connection drops with the answer on it.
    while pair.server.poll_transmit(pair.now).is_some() {}
    pair.client.handle_reconnect(pair.now);
    pair.exchange();
    assert_eq!(
        responses(&pair.events()),
        vec![(id, answer_for(&call(1, 1)))]
    );
    assert_eq!(pair.requests_seen.len(), 1);
}

#[test]
fn a_ping_is_answered_with_its_pong() {
    let mut pair = Pair::new(13, 0);
    let mut ping = 0x7abe_77ecu32.to_le_bytes().to_vec();
    ping.extend_from_slice(&77i64.to_le_bytes());
    let id = pair.client.send(pair.now, ping).unwrap();
    pair.exchange();
    let answers = responses(&pair.events());
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].0, id);
    assert_eq!(answers[0].1[..4], 0x3477_73c5u32.to_le_bytes());
    assert_eq!(answers[0].1[12..20], 77i64.to_le_bytes());
}

#[test]
fn bad_packets_are_refused_without_effect() {
    let mut pair = Pair::new(14, 0);
    pair.client.send(pair.now, call(1, 1)).unwrap();
    let packet = pair.client.poll_transmit(pair.now).unwrap();
    let mut tampered = packet.clone();
    tampered[40] ^= 1;
    assert!(matches!(
        pair.server.handle_packet(pair.now, &tampered),
        Err(PacketError::Crypto(_))
    ));
    assert!(pair.server.poll_event().is_none());
    // The right packet still works afterwards.
    pair.deliver_to_server(&packet);
    let answer = pair.server.poll_transmit(pair.now).unwrap();
    // A client on another key cannot read it.
    let mut stranger = ClientSession::new(
        SessionConfig::new(228, client_info()),
        SessionKey {
            auth_key: AuthKey::from_bytes([9; 256]),
            salt: 0,
            time_offset: 0,
        },
        pair.now,
        wall(),
        Entropy::deterministic([1; 32]),
    );
    assert!(matches!(
        stranger.handle_packet(pair.now, &answer.packet),
        Err(PacketError::Crypto(_))
    ));
    // A second client session on the same key gets a packet that is not its own.
    let (client_key, _) = harness::shared_key().clone();
    let mut other = ClientSession::new(
        SessionConfig::new(228, client_info()),
        SessionKey::from(client_key),
        pair.now,
        wall(),
        Entropy::deterministic([2; 32]),
    );
    assert!(matches!(
        other.handle_packet(pair.now, &answer.packet),
        Err(PacketError::WrongSession { .. })
    ));
    pair.deliver_to_client(&answer.packet);
    assert_eq!(responses(&pair.events()).len(), 1);
    // A replayed packet is ignored.
    pair.deliver_to_client(&answer.packet);
    assert!(pair.events().is_empty());
}

#[test]
fn misuse_is_refused() {
    let mut pair = Pair::new(15, 0);
    assert_eq!(
        pair.client.send(pair.now, vec![1, 2, 3]),
        Err(mtproto::UsageError::BadBody(3))
    );
    assert_eq!(
        pair.client.send(pair.now, Vec::new()),
        Err(mtproto::UsageError::BadBody(0))
    );
    assert_eq!(
        pair.client.send(pair.now, vec![0; (1 << 20) + 4]),
        Err(mtproto::UsageError::BodyTooLarge((1 << 20) + 4))
    );
    assert_eq!(
        pair.client.poll_transmit(pair.now),
        None,
        "nothing was queued"
    );
}

#[test]
fn a_new_session_fails_what_the_old_one_may_have_run_instead_of_sending_it_again() {
    // The client is 20 s ahead: within the server's window, so its first call is taken.
    let mut pair = Pair::new(6, 20);
    pair.auto_answer = false;
    let taken = pair.client.send(pair.now, call(1, 1)).unwrap();
    pair.exchange();
    assert_eq!(pair.requests_seen.len(), 1);
    pair.events();
    // The next one is refused as too far ahead (code 17): the corrected clock lies more than
    // 10 s behind the ids already used, so the client starts a new session.
    let session = pair.client.session_id();
    pair.server.inject_bad_msg(session, 17).unwrap();
    let refused = pair.client.send(pair.now, call(2, 1)).unwrap();
    pair.exchange();
    assert_ne!(pair.client.session_id(), session, "a new session");
    let events = pair.events();
    assert!(
        events.contains(&Event::Failed {
            id: taken,
            error: RequestError::SessionRestarted
        }),
        "the call the server took is not run twice: {events:?}"
    );
    let bodies: Vec<&[u8]> = pair.requests_seen.iter().map(|r| &r.body[..]).collect();
    assert_eq!(
        bodies,
        vec![&call(1, 1)[..], &call(2, 1)[..]],
        "only the refused call is sent again"
    );
    let second = pair.requests_seen[1].id;
    pair.server
        .respond(second, &answer_for(&call(2, 1)))
        .unwrap();
    pair.exchange();
    assert_eq!(
        responses(&pair.events()),
        vec![(refused, answer_for(&call(2, 1)))]
    );
}

/// Debug output that lists `bytes` (as `[171, 171, …]`) anywhere.
fn lists(shown: &str, bytes: &[u8]) -> bool {
    let listed = format!("{:?}", &bytes[..4]);
    shown.contains(listed.trim_end_matches(']'))
}

#[test]
fn wire_bytes_and_bodies_are_shown_as_lengths_only() {
    // A framing decoder with bytes buffered, and what it decodes.
    let mut link = Link::new(Framing::Intermediate, 7);
    let secret = vec![0xab; 40];
    let wire = link.client.encode_packet(&secret).unwrap();
    link.server.handle_bytes(&wire[..wire.len() - 1]);
    let buffered = format!("{:?}", link.server);
    assert!(!lists(&buffered, &secret), "{buffered}");
    assert!(buffered.contains("buffered"), "{buffered}");
    link.server.handle_bytes(&wire[wire.len() - 1..]);
    let inbound = link.server.poll_inbound().unwrap().unwrap();
    let shown = format!("{inbound:?}");
    assert!(!lists(&shown, &secret) && shown.contains("40"), "{shown}");

    // A request the server received, the packet it answers with, the answer the client gets.
    let mut pair = Pair::new(8, 0);
    pair.auto_answer = false;
    let id = pair.client.send(pair.now, vec![0xab; 16]).unwrap();
    pair.exchange();
    let request = pair.requests_seen[0].clone();
    let shown = format!("{request:?}");
    assert!(
        !lists(&shown, &[0xab; 4]) && shown.contains("len"),
        "{shown}"
    );
    pair.server.respond(request.id, &[0xcd; 24]).unwrap();
    let transmit = pair.server.poll_transmit(pair.now).unwrap();
    let shown = format!("{transmit:?}");
    assert!(!lists(&shown, &transmit.packet[8..]), "{shown}");
    pair.deliver_to_client(&transmit.packet);
    let events = pair.events();
    let shown = format!("{events:?}");
    assert!(
        events.contains(&Event::Response {
            id,
            body: vec![0xcd; 24]
        }) && !lists(&shown, &[0xcd; 4]),
        "{shown}"
    );
    let update = format!("{:?}", Event::Update(vec![0xef; 8]));
    assert!(!lists(&update, &[0xef; 4]), "{update}");
}
