//! End-to-end: changing the login email after login, and fetching the country list to format
//! a phone number, driven by `auth_blocking::run` over MTProto on loopback against the simulator.

mod served;

use std::ops::ControlFlow;
use std::time::Instant;

use auth_blocking::{MtprotoTransport, run};
use auth_core::{
    Call, CallEvent, DcId, EmailChangeEvent as ChangeEvent, LoginEmailChange, SessionConfig,
    countries::Countries,
    entropy::Entropy,
    login::{Config, Login, LoginEvent as Event},
};
use auth_sim::{AccountConfig, CodeDelivery, Sim};

const PHONE: &str = "+999 66 2 5151";

fn server() -> auth_sim::tcp::SimServer {
    let mut sim = Sim::default();
    sim.add_account(
        AccountConfig::new(PHONE, DcId(2))
            .with_login_email("old@example.com")
            .with_delivery(vec![CodeDelivery::Sms]),
    )
    .expect("account");
    served::start(sim)
}

/// Logs in with the code emailed to the login email (test number: the DC digit repeated).
fn log_in(transport: &mut MtprotoTransport) {
    let mut login = Login::new(
        Config::new(1, "h"),
        PHONE,
        &mut Entropy::deterministic([5; 32]),
        Instant::now(),
    )
    .expect("valid");
    let mut logged_in = false;
    run(transport, &mut login, |login, event| {
        match event {
            Event::CodeSent(sent) => {
                let code = "2".repeat(sent.kind.length().unwrap_or(5) as usize);
                login.submit_code(Instant::now(), &code).expect("sendable");
            }
            Event::Done(_) => logged_in = true,
            Event::Failed(e) => panic!("login failed: {e}"),
            _ => {}
        }
        ControlFlow::Continue(())
    })
    .expect("the login runs");
    assert!(logged_in);
}

#[test]
fn the_login_email_changes_after_a_wrong_then_right_code() {
    let server = server();
    let mut transport = served::client(&server, 21);
    log_in(&mut transport);

    let mut change = LoginEmailChange::new(
        &SessionConfig::new(DcId(2)),
        "new@example.com",
        Instant::now(),
    )
    .expect("an address");
    let mut events = Vec::new();
    let mut wrong_sent = false;
    run(&mut transport, &mut change, |change, event| {
        match &event {
            ChangeEvent::CodeSent(_) | ChangeEvent::CodeInvalid { .. } => {
                let code = if wrong_sent {
                    server
                        .with_sim(|sim| sim.last_email_code("new@example.com").map(str::to_owned))
                        .expect("a code was mailed to the new address")
                } else {
                    wrong_sent = true;
                    "00000".to_owned()
                };
                change.submit_code(Instant::now(), &code).expect("sendable");
            }
            ChangeEvent::Failed(e) => panic!("change failed: {e}"),
            _ => {}
        }
        events.push(event);
        ControlFlow::Continue(())
    })
    .expect("the change runs");
    assert!(matches!(events[0], ChangeEvent::CodeSent(_)), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ChangeEvent::CodeInvalid { attempts: 1 })),
        "{events:?}"
    );
    assert_eq!(
        events.last(),
        Some(&ChangeEvent::Done("new@example.com".into()))
    );
    let info = server.with_sim(|sim| sim.account(PHONE)).expect("account");
    assert_eq!(info.login_email.as_deref(), Some("new@example.com"));
}

#[test]
fn the_country_list_formats_a_typed_number_and_is_cached_by_hash() {
    let server = server();
    let mut transport = served::client(&server, 22);
    let mut countries = Countries::new();
    for round in 0..2 {
        let mut call = Call::new(
            &SessionConfig::new(DcId(2)),
            countries.request("en"),
            Instant::now(),
        )
        .expect("a valid session");
        let mut reply = None;
        run(&mut transport, &mut call, |_, event| {
            match event {
                CallEvent::Done(list) => reply = Some(list),
                CallEvent::Failed(e) => panic!("the list is allowed before login: {e}"),
                _ => {}
            }
            ControlFlow::Continue(())
        })
        .expect("the call runs");
        let changed = countries.handle_reply(&reply.expect("done"));
        // The first fetch brings the list; the second carries its hash and is not modified.
        assert_eq!(changed, round == 0, "round {round}");
    }
    assert_ne!(countries.hash(), 0);
    let phone = countries.format("999662515");
    assert!(!phone.is_complete(), "{phone:?}");
    let phone = countries.format(PHONE);
    assert!(phone.is_complete(), "{phone:?}");
    let country = phone.country.expect("a test number is in the list");
    assert_eq!(country.calling_code, "999");
    assert_eq!(phone.digits, "9996625151");
    assert!(
        phone.formatted.starts_with("+999 66 2"),
        "{}",
        phone.formatted
    );
}
