//! Property: the core's login ([`auth_core::login::Login`]) driven by random user actions
//! against an in-memory simulator always ends in a terminal state this file documents, and
//! that state agrees with the simulator's view of the key.
//!
//! * `Done(auth)`: the simulator has the key on `auth.dc` logged in as `auth.user_id`, the
//!   account of the number typed (created by the sign-up if it was new), and the user's bytes
//!   are a `user` of the layer the session declared;
//! * `Cancelled`: no key of the test is logged in anywhere;
//! * `Failed(FloodWait)`: the only failure expected — too many codes for a number, or too
//!   many wrong passwords; the key is not logged in.
//!
//! The session declares a random layer of [`SUPPORTED_LAYERS`] (each call wrapped in
//! `invokeWithLayer`, as a session sends it), the login decodes at that layer, and the
//! simulator answers in it. Along the way a command the login cannot take in its phase is
//! refused with a usage error and sends nothing. When the actions run out the login is
//! cancelled. Passwords are checked
//! against one precomputed hash (a single PBKDF2 run for the whole file, plus one per password
//! action).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use auth_core::entropy::Entropy;
use auth_core::login::{Config, Login, LoginEvent};
use auth_core::srp::{SrpAlgo, SrpVerifier, TELEGRAM_P};
use auth_core::tl::{self, Layer, SUPPORTED_LAYERS, enums};
use auth_core::{DcId, Error, Phase};
use auth_sim::{AccountConfig, PasswordHash, SRP_G, Sim, SimConfig};
use proptest::prelude::*;

/// The client key the login uses, on every DC.
const KEY: u64 = 0xC0DE;
const PASSWORD: &str = "correct horse";

/// The numbers: an account without 2FA (DC 2), one with a password (DC 3, so the login
/// migrates from DC 2), and a number without an account (DC 1: sign-up).
const PHONES: &[&str] = &["+999 66 2 1001", "999-66-3-1002", "9996611003"];

#[derive(Debug, Clone, Copy)]
enum Action {
    RightCode,
    WrongCode,
    Resend,
    Cancel,
    SignUp { blank: bool },
    DeclineSignUp,
    Password { right: bool },
    Wait { seconds: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => Just(Action::RightCode),
        3 => Just(Action::WrongCode),
        2 => Just(Action::Resend),
        1 => Just(Action::Cancel),
        2 => any::<bool>().prop_map(|blank| Action::SignUp { blank }),
        1 => Just(Action::DeclineSignUp),
        2 => any::<bool>().prop_map(|right| Action::Password { right }),
        2 => prop_oneof![Just(5u64), Just(70), Just(11 * 60)]
            .prop_map(|seconds| Action::Wait { seconds }),
    ]
}

/// The password's stored form, computed once.
fn password_hash() -> PasswordHash {
    static HASH: OnceLock<PasswordHash> = OnceLock::new();
    HASH.get_or_init(|| {
        let algo = SrpAlgo {
            salt1: vec![0x51; 40],
            salt2: vec![0x52; 16],
            g: SRP_G,
            p: TELEGRAM_P.to_vec(),
        };
        let verifier = SrpVerifier::from_password(&algo, PASSWORD.as_bytes()).expect("valid group");
        PasswordHash {
            salt1: algo.salt1,
            salt2: algo.salt2,
            v: verifier.password_hash().to_vec(),
        }
    })
    .clone()
}

fn sim(seed: u8) -> Sim {
    let mut sim = Sim::new(SimConfig {
        seed: [seed; 32],
        ..SimConfig::default()
    });
    sim.add_account(AccountConfig::new(PHONES[0], DcId(2)).with_name("Ada", "L"))
        .expect("plain account");
    sim.add_account(
        AccountConfig::new(PHONES[1], DcId(3))
            .with_name("Bob", "")
            .with_password_hash(password_hash()),
    )
    .expect("2FA account");
    sim
}

/// How a run ended.
#[derive(Debug)]
enum End {
    LoggedIn { dc: DcId, user_id: i64 },
    Cancelled,
    Failed(Error),
}

struct Run {
    sim: Sim,
    login: Login,
    layer: Layer,
    now: Instant,
    digits: String,
}

/// `invokeWithLayer(layer, body)`, as the session sends the login's calls.
fn with_layer(layer: Layer, body: &[u8]) -> Vec<u8> {
    let mut out = 0xda9b_0d0du32.to_le_bytes().to_vec();
    out.extend_from_slice(&layer.get().to_le_bytes());
    out.extend_from_slice(body);
    out
}

impl Run {
    /// Sends every queued call to the simulator (wrapped in the session's layer) and feeds
    /// the answers back; runs the slow password work.
    fn pump(&mut self) {
        loop {
            while let Some(t) = self.login.poll_transmit() {
                let body = with_layer(self.layer, &t.body);
                let reply = self.sim.handle(self.now, t.dc, KEY, &body);
                self.login
                    .handle_response(self.now, t.id, &reply)
                    .expect("the answer is to a request the login sent");
            }
            let Some(work) = self.login.poll_work() else {
                return;
            };
            self.login
                .handle_work(self.now, work.run())
                .expect("the work the login waits for");
        }
    }

    /// Drains events; the terminal one, if any.
    fn events(&mut self) -> Option<End> {
        let mut end = None;
        while let Some(event) = self.login.poll_event() {
            assert!(end.is_none(), "an event after the terminal one: {event:?}");
            end = match event {
                LoginEvent::Done(auth) => {
                    // The user is the bytes the simulator sent, in the session's layer.
                    assert_eq!(auth.layer, self.layer);
                    assert!(self.layer.defines(auth.user.constructor_id()));
                    let user = tl::decode_at::<enums::User>(self.layer, auth.user.bytes())
                        .expect("a user of the session's layer");
                    assert_eq!(user.id(), auth.user_id);
                    Some(End::LoggedIn {
                        dc: auth.dc,
                        user_id: auth.user_id,
                    })
                }
                LoginEvent::Cancelled => Some(End::Cancelled),
                LoginEvent::Failed(e) => Some(End::Failed(e)),
                _ => None,
            };
        }
        end
    }

    /// Applies `action`; a command the phase does not take must change nothing.
    fn act(&mut self, action: &Action) {
        let phase = self.login.phase();
        let now = self.now;
        let code_length = self
            .login
            .sent_code()
            .and_then(|s| s.kind.length())
            .unwrap_or(5) as usize;
        let result = match action {
            Action::RightCode => {
                let code = self.sim.last_code(&self.digits).unwrap_or("").to_owned();
                self.login.submit_code(now, &code)
            }
            Action::WrongCode => self.login.submit_code(now, &"0".repeat(code_length)),
            Action::Resend => self.login.resend_code(now, None),
            Action::Cancel => {
                self.login.cancel(now);
                Ok(())
            }
            Action::SignUp { blank: true } => self.login.sign_up(now, "  ", "x"),
            Action::SignUp { blank: false } => self.login.sign_up(now, "Carol", "Q"),
            Action::DeclineSignUp => self.login.decline_sign_up(now),
            Action::Password { right } => {
                let password = if *right { PASSWORD } else { "wrong" };
                self.login.submit_password(now, password.as_bytes())
            }
            Action::Wait { seconds } => {
                self.now += Duration::from_secs(*seconds);
                self.login.handle_timeout(self.now);
                Ok(())
            }
        };
        if let Err(e) = result {
            assert_eq!(self.login.phase(), phase, "{e} changed the phase");
            assert!(self.login.poll_transmit().is_none(), "{e} sent something");
        }
    }
}

fn run(phone: usize, seed: u8, layer: i32, actions: &[Action]) -> Result<End, TestCaseError> {
    #[allow(clippy::disallowed_methods)] // the test owns the clock
    let now = Instant::now();
    let phone = PHONES[phone];
    let layer = Layer::new(layer).expect("a supported layer");
    let mut config = Config::new(12345, "api-hash");
    config.session.layer = layer.get();
    let login = Login::new(config, phone, &mut Entropy::deterministic([seed; 32]), now)
        .expect("valid phone and config");
    let mut run = Run {
        sim: sim(seed),
        digits: login.phone().to_owned(),
        login,
        layer,
        now,
    };
    let mut actions = actions.iter();
    let mut steps = 0;
    let end = loop {
        steps += 1;
        prop_assert!(steps < 200, "stalled in {:?}", run.login.phase());
        run.pump();
        if let Some(end) = run.events() {
            break end;
        }
        match run.login.phase() {
            Phase::Working => {
                let at = run.login.poll_timeout();
                prop_assert!(at.is_some(), "working with nothing to send or wait for");
                if let Some(at) = at {
                    run.now = run.now.max(at);
                    run.login.handle_timeout(run.now);
                }
            }
            Phase::Finished => prop_assert!(false, "finished without a terminal event"),
            _ => match actions.next() {
                Some(action) => run.act(action),
                None => run.login.cancel(run.now),
            },
        }
    };
    prop_assert!(run.login.is_finished());
    prop_assert!(run.login.poll_transmit().is_none());
    prop_assert!(run.login.poll_event().is_none());
    let logged_in: Vec<(i32, i64)> = (1..=5)
        .filter_map(|dc| Some((dc, run.sim.authorized_user(DcId(dc), KEY)?)))
        .collect();
    match &end {
        End::LoggedIn { dc, user_id } => {
            prop_assert_eq!(logged_in, vec![(dc.0, *user_id)]);
            let account = run.sim.account(&run.digits);
            prop_assert_eq!(account.map(|a| a.user_id), Some(*user_id));
        }
        End::Cancelled => prop_assert_eq!(logged_in, vec![]),
        End::Failed(Error::FloodWait { .. }) => prop_assert_eq!(logged_in, vec![]),
        End::Failed(e) => prop_assert!(false, "unexpected failure: {e}"),
    }
    Ok(end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn login_ends_as_documented_and_matches_the_simulator(
        phone in 0..PHONES.len(),
        seed in any::<u8>(),
        layer in SUPPORTED_LAYERS,
        actions in proptest::collection::vec(action(), 0..12),
    ) {
        run(phone, seed, layer, &actions)?;
    }
}

/// Each documented ending, reached on purpose.
#[test]
fn each_ending_is_reached() {
    use Action::*;
    let sim_user = |phone: &str| sim(0).account(phone).map(|a| a.user_id);
    // Sign-up after a wrong code and a refused blank name: logged in as the new account
    // (checked against the simulator inside `run`).
    let end = run(
        2,
        0,
        220,
        &[
            WrongCode,
            RightCode,
            SignUp { blank: true },
            SignUp { blank: false },
        ],
    );
    assert!(
        matches!(end, Ok(End::LoggedIn { dc: DcId(1), .. })),
        "{end:?}"
    );
    // 2FA: a wrong password, then the right one, on DC 3.
    let end = run(
        1,
        0,
        227,
        &[
            RightCode,
            Password { right: false },
            Password { right: true },
        ],
    );
    let bob = sim_user(PHONES[1]);
    assert!(
        matches!(end, Ok(End::LoggedIn { dc: DcId(3), user_id }) if Some(user_id) == bob),
        "{end:?}"
    );
    // A plain account with its code.
    let end = run(0, 0, 230, &[Resend, RightCode]);
    let ada = sim_user(PHONES[0]);
    assert!(
        matches!(end, Ok(End::LoggedIn { dc: DcId(2), user_id }) if Some(user_id) == ada),
        "{end:?}"
    );
    // Declined terms, and actions running out, both cancel.
    let end = run(2, 0, 228, &[RightCode, DeclineSignUp]);
    assert!(matches!(end, Ok(End::Cancelled)), "{end:?}");
    let end = run(0, 0, 226, &[WrongCode, Wait { seconds: 70 }]);
    assert!(matches!(end, Ok(End::Cancelled)), "{end:?}");
    // Six wrong passwords: the simulator's limit is five an hour.
    let mut actions = vec![RightCode];
    actions.extend([Password { right: false }; 6]);
    let end = run(1, 0, 224, &actions);
    assert!(
        matches!(end, Ok(End::Failed(Error::FloodWait { .. }))),
        "{end:?}"
    );
}
