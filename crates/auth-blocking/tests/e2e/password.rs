//! 2FA paths (SRP-heavy: kept few).
use auth_blocking::{Answer, Transport, login};
use auth_core::{
    DcId, TransportFailure,
    entropy::Entropy,
    login::LoginEvent,
    tl::{Identifiable, Serialize, functions},
};
use auth_sim::{AccountConfig, Sim};

use crate::support::{Fixture, ScriptedPrompt, Step};

const PHONE: &str = "9996621111";

fn fixture() -> Fixture {
    let mut sim = Sim::default();
    sim.add_account(
        AccountConfig::new(PHONE, DcId(2))
            .with_password("hunter2")
            .with_hint("the usual"),
    )
    .expect("account");
    Fixture::new(sim)
}

fn password(p: &str) -> Step {
    Step::Password(Answer::Value(p.into()))
}

#[test]
fn two_factor_login() {
    let mut f = fixture();
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2'), password("hunter2")]);
    let auth = f.login(&mut prompt, PHONE).expect("logged in");
    assert_eq!(prompt.asked, ["code 0", "password 0"]);
    assert_eq!(prompt.password_infos[0].hint.as_deref(), Some("the usual"));
    assert_eq!(prompt.checking, [true, false]);
    assert!(prompt.saw(|e| matches!(e, LoginEvent::PasswordRequired(_))));
    assert_eq!(f.authorized_user(DcId(2)), Some(auth.user_id));
    assert_eq!(
        f.methods(),
        [
            "auth.sendCode",
            "auth.signIn",
            "account.getPassword",
            "auth.checkPassword"
        ]
    );
}

#[test]
fn wrong_password_then_right() {
    let mut f = fixture();
    let mut prompt = ScriptedPrompt::new([
        Step::TestCode('2'),
        password("hunter3"),
        password("hunter2"),
    ]);
    f.login(&mut prompt, PHONE).expect("logged in");
    assert_eq!(prompt.asked, ["code 0", "password 0", "password 1"]);
    assert!(prompt.saw(|e| *e == LoginEvent::PasswordInvalid { attempts: 1 }));
    assert_eq!(prompt.checking, [true, false, true, false]);
    assert_eq!(
        f.server
            .with_sim(|sim| sim.counters(PHONE).failed_password_attempts),
        1
    );
}

/// Fetches a fresh password challenge on the same key just before the first
/// `auth.checkPassword`, making the client's `srp_id` stale (SRP_ID_INVALID).
struct StaleOnce<'a> {
    inner: &'a mut auth_blocking::MtprotoTransport,
    done: bool,
}

impl Transport for StaleOnce<'_> {
    fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure> {
        let check_id = functions::auth::CheckPassword::CONSTRUCTOR_ID.to_le_bytes();
        if !self.done && body.starts_with(&check_id) {
            self.done = true;
            self.inner
                .invoke(dc, &functions::account::GetPassword {}.to_bytes())?;
        }
        self.inner.invoke(dc, body)
    }
}

#[test]
fn renewed_challenge_is_checked_with_the_same_password_without_asking() {
    let mut f = fixture();
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2'), password("hunter2")]);
    let mut transport = StaleOnce {
        inner: &mut f.transport,
        done: false,
    };
    login(
        &mut transport,
        &mut prompt,
        f.config.clone(),
        PHONE,
        &mut Entropy::deterministic([3; 32]),
        None,
    )
    .expect("logged in");
    // The core checked the kept password against the renewed challenge: asked once, checked
    // twice.
    assert_eq!(prompt.asked, ["code 0", "password 0"], "asked once");
    assert_eq!(prompt.checking, [true, false, true, false], "checked twice");
}
