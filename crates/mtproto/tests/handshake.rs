//! Our client and our server create keys together; the server refuses what it must.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant, SystemTime};

use mtproto::handshake::{
    ClientHandshake, HandshakeConfig, HandshakeError, NewAuthKey, ServerHandshake,
    ServerHandshakeConfig,
};
use mtproto::keys::RsaPrivateKey;
use tg_crypto::entropy::Entropy;

fn server_config() -> ServerHandshakeConfig {
    ServerHandshakeConfig::new(RsaPrivateKey::test_only_server_key())
}

/// Runs both halves against each other until both are finished.
fn run(
    client: &mut ClientHandshake,
    server: &mut ServerHandshake,
    now: Instant,
) -> Result<(NewAuthKey, NewAuthKey), HandshakeError> {
    for _ in 0..20 {
        while let Some(packet) = client.poll_transmit(now) {
            server.handle_packet(now, &packet)?;
        }
        while let Some(packet) = server.poll_transmit() {
            client.handle_packet(now, &packet)?;
        }
        if client.is_finished() && server.is_finished() {
            break;
        }
    }
    Ok((
        client.poll_outcome().unwrap(),
        server.poll_outcome().unwrap(),
    ))
}

fn pair(
    client_config: HandshakeConfig,
    server_config: ServerHandshakeConfig,
    seed: u8,
    skew: Duration,
) -> (ClientHandshake, ServerHandshake, Instant) {
    let now = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let client = ClientHandshake::new(
        client_config,
        now,
        wall + skew,
        Entropy::deterministic([seed; 32]),
    )
    .unwrap();
    let server = ServerHandshake::new(
        server_config,
        now,
        wall,
        Entropy::deterministic([seed ^ 0xff; 32]),
    )
    .unwrap();
    (client, server, now)
}

#[test]
fn both_halves_agree_on_key_salt_and_dc() {
    let config = server_config();
    let client_config = HandshakeConfig::with_keys(2, config.public_keys());
    let (mut client, mut server, now) = pair(client_config, config, 1, Duration::from_secs(3600));
    let (ours, theirs) = run(&mut client, &mut server, now).unwrap();
    assert_eq!(ours.auth_key, theirs.auth_key);
    assert_eq!(ours.salt, theirs.salt);
    assert_eq!(theirs.dc, Some(2));
    assert_eq!(
        ours.time_offset, -3600,
        "the client's clock is an hour ahead"
    );
    assert_eq!(theirs.expires_in, None);
}

#[test]
fn temporary_keys_on_test_dcs_and_retries() {
    let config = server_config().demand_retries(2).expect_dc(10_003);
    let mut client_config = HandshakeConfig::with_keys(3, config.public_keys());
    client_config.test_servers = true;
    client_config.temporary = Some(3600);
    let (mut client, mut server, now) = pair(client_config, config, 2, Duration::ZERO);
    let (ours, theirs) = run(&mut client, &mut server, now).unwrap();
    assert_eq!(ours.auth_key, theirs.auth_key);
    assert_eq!(theirs.dc, Some(10_003));
    assert_eq!(theirs.expires_in, Some(3600));
}

#[test]
fn a_wrong_dc_is_refused_with_444() {
    let config = server_config().expect_dc(2);
    let client_config = HandshakeConfig::with_keys(4, config.public_keys());
    let (mut client, mut server, now) = pair(client_config, config, 3, Duration::ZERO);
    let error = run(&mut client, &mut server, now).unwrap_err();
    assert_eq!(
        error,
        HandshakeError::WrongDc {
            expected: 2,
            found: 4
        }
    );
    assert_eq!(error.transport_code(), -444);
}

#[test]
fn a_server_may_accept_a_dc_both_as_production_and_as_test_dc() {
    let config = server_config().expect_dcs([2, 10_002]);
    for (seed, test_servers) in [(5, false), (6, true)] {
        let mut client_config = HandshakeConfig::with_keys(2, config.public_keys());
        client_config.test_servers = test_servers;
        let (mut client, mut server, now) =
            pair(client_config, config.clone(), seed, Duration::ZERO);
        let (_, theirs) = run(&mut client, &mut server, now).unwrap();
        assert_eq!(theirs.dc, Some(if test_servers { 10_002 } else { 2 }));
    }
    let client_config = HandshakeConfig::with_keys(3, config.public_keys());
    let (mut client, mut server, now) = pair(client_config, config, 7, Duration::ZERO);
    assert_eq!(
        run(&mut client, &mut server, now).unwrap_err(),
        HandshakeError::WrongDc {
            expected: 2,
            found: 3
        }
    );
}

#[test]
fn a_client_without_the_servers_key_stops_at_res_pq() {
    let (mut client, mut server, now) = pair(
        HandshakeConfig::production(2),
        server_config(),
        4,
        Duration::ZERO,
    );
    let error = run(&mut client, &mut server, now).unwrap_err();
    assert!(matches!(error, HandshakeError::NoKnownKey(ref f) if f.len() == 1));
    assert_eq!(error.transport_code(), -404);
}

#[test]
fn lost_answers_are_asked_for_again_and_repeated() {
    let config = server_config();
    let client_config = HandshakeConfig::with_keys(1, config.public_keys());
    let (mut client, mut server, now) = pair(client_config, config, 5, Duration::ZERO);
    let first = client.poll_transmit(now).unwrap();
    server.handle_packet(now, &first).unwrap();
    let answer = server.poll_transmit().unwrap();
    // The answer is lost; the client asks again after its timeout and gets the same answer.
    let later = client.poll_timeout().unwrap();
    assert_eq!(later, now + Duration::from_secs(10));
    client.handle_timeout(later).unwrap();
    let again = client.poll_transmit(later).unwrap();
    assert_eq!(again, first);
    server.handle_packet(later, &again).unwrap();
    assert_eq!(server.poll_transmit().unwrap(), answer);
    client.handle_packet(later, &answer).unwrap();
    // A repeat of an answer already handled is ignored.
    client.handle_packet(later, &answer).unwrap();
    let (ours, theirs) = run(&mut client, &mut server, later).unwrap();
    assert_eq!(ours.auth_key, theirs.auth_key);
}

#[test]
fn a_client_gives_up_after_its_attempts() {
    let (mut client, _, now) = pair(
        HandshakeConfig::production(2),
        server_config(),
        6,
        Duration::ZERO,
    );
    let mut t = now;
    let mut sent = 0;
    loop {
        if client.poll_transmit(t).is_some() {
            sent += 1;
        }
        t = client.poll_timeout().unwrap();
        if let Err(error) = client.handle_timeout(t) {
            assert_eq!(error, HandshakeError::TimedOut);
            break;
        }
    }
    assert_eq!(sent, 3);
    assert!(client.is_finished());
}

#[test]
fn a_client_stops_after_too_many_retries() {
    let config = server_config().demand_retries(6);
    let client_config = HandshakeConfig::with_keys(2, config.public_keys());
    let (mut client, mut server, now) = pair(client_config, config, 7, Duration::ZERO);
    assert_eq!(
        run(&mut client, &mut server, now).unwrap_err(),
        HandshakeError::TooManyRetries
    );
}

#[test]
fn nothing_secret_is_printed() {
    let config = server_config();
    let client_config = HandshakeConfig::with_keys(2, config.public_keys());
    let (mut client, mut server, now) = pair(client_config, config.clone(), 8, Duration::ZERO);
    let (ours, _) = run(&mut client, &mut server, now).unwrap();
    let bytes = ours.auth_key.to_bytes();
    let shown = format!("{ours:?} {client:?} {server:?} {config:?}");
    assert!(shown.contains(&format!("{:#018x}", ours.auth_key.id())));
    assert!(shown.contains("redacted"));
    // No run of the key's bytes, as Debug would list them or as hex.
    let listed = format!("{:?}", &bytes[..4]);
    assert!(!shown.contains(listed.trim_end_matches(']')));
    assert!(!shown.contains(&hex::encode(&bytes[..6])));
}
