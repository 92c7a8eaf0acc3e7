//! The core's login against the in-memory simulator for the code kinds that need more than
//! typing the code: a flash call with the patterns Telegram sends, and a Firebase SMS that
//! waits for the app's integrity proof (accepted, refused, or the check failed).

use std::time::Instant;

use auth_core::login::{CodeKind, Config, Login, LoginEvent};
use auth_core::{DcId, IntegrityProof, Phase, entropy::Entropy};
use auth_sim::{AccountConfig, CodeDelivery, Delivery, Sim, SimConfig, integrity_token};

const KEY: u64 = 0xF1A5;

/// A login on DC 2 and the simulator it talks to.
struct Run {
    sim: Sim,
    login: Login,
    now: Instant,
}

impl Run {
    fn new(phone: &str, delivery: Vec<CodeDelivery>, config: Config) -> Self {
        let mut sim = Sim::new(SimConfig::default());
        sim.add_account(AccountConfig::new(phone, DcId(2)).with_delivery(delivery))
            .expect("account");
        #[allow(clippy::disallowed_methods)] // the test's clock starts here
        let now = Instant::now();
        let login = Login::new(config, phone, &mut Entropy::deterministic([7; 32]), now)
            .expect("a valid login");
        Run { sim, login, now }
    }

    /// Sends every queued call to the simulator and hands back the answers; returns the
    /// events.
    fn pump(&mut self) -> Vec<LoginEvent> {
        while let Some(t) = self.login.poll_transmit() {
            let reply = self.sim.handle(self.now, t.dc, KEY, &t.body);
            self.login
                .handle_response(self.now, t.id, &reply)
                .expect("a request it sent");
        }
        std::iter::from_fn(|| self.login.poll_event()).collect()
    }

    fn logged_in(&mut self) {
        let events = self.pump();
        assert!(
            matches!(events.last(), Some(LoginEvent::Done(_))),
            "{events:?}"
        );
        assert!(self.sim.authorized_user(DcId(2), KEY).is_some());
    }
}

#[test]
fn flash_call_patterns_from_the_simulator_accept_the_calling_number() {
    for prefix in ["+99999", ""] {
        let mut config = Config::new(12345, "api-hash");
        config.code_settings.allow_flashcall = true;
        let mut run = Run::new(
            "9996621010",
            vec![CodeDelivery::FlashCall {
                prefix: prefix.into(),
            }],
            config,
        );
        run.pump();
        let Some(CodeKind::FlashCall { pattern }) = run.login.sent_code().map(|c| c.kind.clone())
        else {
            panic!("{:?}", run.login.sent_code());
        };
        assert!(pattern.ends_with('*') && pattern.matches('*').count() == 1);
        let caller = run.sim.last_code("9996621010").expect("called").to_owned();
        run.login
            .submit_code(run.now, &format!("+{caller}"))
            .unwrap();
        run.logged_in();
    }
}

fn firebase_run() -> Run {
    let mut config = Config::new(12345, "api-hash");
    config.code_settings.allow_firebase = true;
    let mut run = Run::new(
        "9996621011",
        vec![CodeDelivery::FirebaseSms, CodeDelivery::Sms],
        config,
    );
    let events = run.pump();
    assert!(
        matches!(events.as_slice(), [LoginEvent::IntegrityCheckRequired(_)]),
        "{events:?}"
    );
    assert_eq!(run.login.phase(), Phase::AwaitingIntegrityCheck);
    run
}

#[test]
fn firebase_sms_is_sent_after_an_accepted_proof() {
    let mut run = firebase_run();
    let Some(CodeKind::FirebaseSms {
        play_integrity: Some(play),
        ..
    }) = run.login.sent_code().map(|c| c.kind.clone())
    else {
        panic!("{:?}", run.login.sent_code());
    };
    let proof = IntegrityProof::play_integrity(integrity_token(&play.nonce));
    run.login.submit_integrity_proof(run.now, proof).unwrap();
    let events = run.pump();
    assert!(
        matches!(events.as_slice(), [LoginEvent::CodeSent(_)]),
        "{events:?}"
    );
    assert!(matches!(
        run.sim.take_deliveries().as_slice(),
        [Delivery::Sms { code, .. }] if code == "22222"
    ));
    run.login.submit_code(run.now, "22222").unwrap();
    run.logged_in();
}

#[test]
fn a_refused_proof_or_a_failed_check_falls_back_to_the_next_delivery() {
    for refused in [true, false] {
        let mut run = firebase_run();
        if refused {
            let proof = IntegrityProof::safety_net("not-a-real-attestation");
            run.login.submit_integrity_proof(run.now, proof).unwrap();
        } else {
            run.login
                .report_integrity_failure(run.now, "SAFETYNET_UNAVAILABLE")
                .unwrap();
        }
        let events = run.pump();
        match events.as_slice() {
            [LoginEvent::CodeSent(sent)] => {
                assert!(matches!(sent.kind, CodeKind::Sms { length: 5 }), "{sent:?}");
            }
            other => panic!("{other:?}"),
        }
        run.login.submit_code(run.now, "22222").unwrap();
        run.logged_in();
    }
}
