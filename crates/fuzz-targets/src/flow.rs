//! `login_flow`: the login machine fed arbitrary server replies, user commands and ticks.

use std::time::{Duration, Instant};

use auth_core::{
    IntegrityProof, RpcError, TransportFailure,
    entropy::Entropy,
    login::{Config, Login, LoginEvent as Event},
    tl::{Serialize, enums, types},
};

/// Server replies worth building on purpose: random bytes rarely form valid TL.
fn structured_reply(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    Ok(match u.int_in_range(0..=9)? {
        0 => u.arbitrary::<Vec<u8>>()?,
        1 => enums::auth::SentCode::from(types::auth::SentCode {
            r#type: u.arbitrary()?,
            phone_code_hash: u.arbitrary()?,
            next_type: u.arbitrary()?,
            timeout: u.arbitrary()?,
        })
        .to_bytes(),
        2 => u.arbitrary::<enums::auth::SentCode>()?.to_bytes(),
        3 => u.arbitrary::<enums::auth::Authorization>()?.to_bytes(),
        4 => u.arbitrary::<enums::account::Password>()?.to_bytes(),
        5 => u.arbitrary::<enums::account::SentEmailCode>()?.to_bytes(),
        6 => u.arbitrary::<enums::account::EmailVerified>()?.to_bytes(),
        7 => u.arbitrary::<bool>()?.to_bytes(),
        _ => {
            let name = *u.choose(&[
                "PHONE_CODE_INVALID",
                "PHONE_CODE_EXPIRED",
                "SESSION_PASSWORD_NEEDED",
                "PASSWORD_HASH_INVALID",
                "SRP_ID_INVALID",
                "FLOOD_WAIT_1",
                "FLOOD_WAIT_99999",
                "PHONE_MIGRATE_3",
                "USER_MIGRATE_5",
                "NETWORK_MIGRATE_0",
                "AUTH_RESTART",
                "CODE_INVALID",
                "EMAIL_INVALID",
                "SEND_CODE_UNAVAILABLE",
                "PHONE_NUMBER_BANNED",
                "INTERNAL",
                "AUTH_KEY_UNSYNCHRONIZED",
                "Timeout",
            ])?;
            RpcError::new(u.arbitrary()?, name).to_bytes()
        }
    })
}

fn step(
    login: &mut Login,
    now: &mut Instant,
    u: &mut arbitrary::Unstructured<'_>,
) -> arbitrary::Result<()> {
    let pending = login.poll_transmit();
    match u.int_in_range(0..=13)? {
        0..=4 => {
            if let Some(t) = pending {
                let body = structured_reply(u)?;
                login
                    .handle_response(*now, t.id, &body)
                    .expect("the id came from the login");
            }
        }
        5 => {
            if let Some(t) = pending {
                login
                    .handle_failure(*now, t.id, TransportFailure::Timeout)
                    .expect("known id");
            }
        }
        6 => {
            let code: String = u.arbitrary()?;
            let _ = login.submit_code(*now, &code);
        }
        7 => {
            let _ = login.resend_code(*now, None);
        }
        8 => login.cancel(*now),
        9 => {
            let first: String = u.arbitrary()?;
            let _ = login.sign_up(*now, &first, "");
        }
        10 => {
            let password: Vec<u8> = u.arbitrary()?;
            let _ = login.submit_password(*now, &password);
            // A challenge needs a valid 2048-bit group, which arbitrary replies almost never
            // carry: the work is rare, and fails fast on anything else.
            if let Some(work) = login.poll_work() {
                login
                    .handle_work(*now, work.run())
                    .expect("the work came from the login");
            }
        }
        11 => {
            let email: String = u.arbitrary()?;
            let _ = login.submit_email(*now, &email);
            let code: String = u.arbitrary()?;
            let _ = login.submit_email_code(*now, &code);
        }
        12 => {
            // A Firebase SMS's integrity proof (or its failure), or a paid login's payment.
            let text: String = u.arbitrary()?;
            let _ = match u.int_in_range(0..=4)? {
                0 => login.submit_integrity_proof(*now, IntegrityProof::play_integrity(text)),
                1 => login.submit_integrity_proof(*now, IntegrityProof::ios_push_secret(text)),
                2 => login.report_integrity_failure(*now, &text),
                3 => login.check_paid_auth(*now, u.arbitrary()?),
                _ => login.decline_payment(*now),
            };
        }
        _ => {
            *now += Duration::from_millis(u64::from(u.arbitrary::<u16>()?) * 10);
            login.handle_timeout(*now);
        }
    }
    Ok(())
}

/// Drives one login with the fuzzer's choices. Invariants: at most one terminal event, and it
/// is the last event; nothing is sent once the login finished; `phase` agrees with events.
pub fn login_flow(data: &[u8]) {
    let mut u = arbitrary::Unstructured::new(data);
    let mut now = Instant::now();
    let Ok(mut login) = Login::new(
        Config::new(1, "h"),
        "9996621234",
        &mut Entropy::deterministic([1; 32]),
        now,
    ) else {
        unreachable!("a valid phone and config");
    };
    let mut finished = false;
    for _ in 0..64 {
        if u.is_empty() {
            break;
        }
        if step(&mut login, &mut now, &mut u).is_err() {
            break;
        }
        let events: Vec<Event> = std::iter::from_fn(|| login.poll_event()).collect();
        let terminal = events.iter().filter(|e| e.is_terminal()).count();
        assert!(terminal <= 1, "two terminal events: {events:?}");
        if finished {
            assert!(events.is_empty(), "events after the end: {events:?}");
            assert!(login.poll_transmit().is_none(), "a transmit after the end");
            assert!(login.poll_timeout().is_none());
        }
        if terminal == 1 {
            assert!(
                events.last().is_some_and(Event::is_terminal),
                "terminal event not last: {events:?}"
            );
            finished = true;
        }
        assert_eq!(login.is_finished(), finished);
    }
}
