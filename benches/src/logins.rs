//! Logins for the benchmarks: a simulator with many accounts, one phone login driven over it
//! in memory, and a recording of such logins so the machine and the simulator can be timed
//! apart (each replayed against the other's recorded bytes).

use std::time::{Duration, Instant};

use auth_core::DcId;
use auth_core::entropy::Entropy;
use auth_core::login::{Config, Login, LoginEvent as Event};
use auth_core::tl::{self, Serialize, enums, functions};
use auth_sim::{AccountConfig, Sim, SimConfig};

/// The app credentials of every benchmark login.
pub const API_ID: i32 = 12345;
/// See [`API_ID`].
pub const API_HASH: &str = "tgauth-bench";

/// The test number of login `i`: `99966 2 YYYY` (DC 2, code 22222), `i` modulo 10 000.
pub fn phone(i: u64) -> String {
    format!("999662{:04}", i % 10_000)
}

/// The code of every benchmark number (DC 2's digit, five times).
pub const CODE: &str = "22222";

/// A simulator with accounts (no 2FA) for the numbers of logins `0..accounts`, and no
/// per-number flood limit (the benchmarks log the same numbers in many times).
pub fn sim(accounts: u64) -> Sim {
    let mut sim = Sim::new(SimConfig {
        send_code_limit: 1_000_000,
        ..SimConfig::default()
    });
    for i in 0..accounts.min(10_000) {
        sim.add_account(AccountConfig::new(phone(i), DcId(2)).with_name("Bench", "User"))
            .expect("a valid test account");
    }
    sim
}

/// The entropy of every benchmark login: deterministic, so runs repeat.
fn rng() -> Entropy {
    Entropy::deterministic([7; 32])
}

/// The login configuration of every benchmark login.
pub fn config() -> Config {
    Config::new(API_ID, API_HASH)
}

/// Logs in `phone` on client key `key` of `sim`, all at `now`; returns the user id.
///
/// # Panics
///
/// If the login does not go sendCode → code → signIn → logged in (a benchmark setup error).
pub fn log_in(sim: &mut Sim, now: Instant, phone: &str, key: u64) -> i64 {
    let mut login = Login::new(config(), phone, &mut rng(), now).expect("valid login");
    loop {
        while let Some(t) = login.poll_transmit() {
            let reply = sim.handle(now, t.dc, key, &t.body);
            login
                .handle_response(now, t.id, &reply)
                .expect("a known request");
        }
        match login.poll_event() {
            Some(Event::CodeSent(_)) => login.submit_code(now, CODE).expect("a valid code"),
            Some(Event::Done(auth)) => return auth.user_id,
            Some(other) => panic!("unexpected event {other:?}"),
            None => panic!("the login stalled in {:?}", login.phase()),
        }
    }
}

/// What one login sent and got back.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The number.
    pub phone: String,
    /// The client key.
    pub key: u64,
    /// When it happened.
    pub now: Instant,
    /// The DC each request went to.
    pub dc: DcId,
    /// `auth.sendCode`, then `auth.signIn`, as sent.
    pub requests: [Vec<u8>; 2],
    /// `auth.sentCode`, then `auth.authorization`, as answered.
    pub replies: [Vec<u8>; 2],
}

/// The clock of recorded login `i`: one millisecond apart.
fn at(t0: Instant, i: u64) -> Instant {
    t0 + Duration::from_millis(i)
}

/// Runs `count` logins (login `i`: [`phone`]`(i)`, key `i + 1`) on a fresh [`sim`] and records
/// their bytes. Replaying the requests in order on another fresh `sim(count)` gives the same
/// replies (the simulator is deterministic).
pub fn record(count: u64, t0: Instant) -> Vec<Recorded> {
    let mut sim = sim(count);
    (0..count)
        .map(|i| {
            let (phone, key, now) = (phone(i), i + 1, at(t0, i));
            let mut login = Login::new(config(), &phone, &mut rng(), now).expect("valid login");
            let mut exchange = |login: &mut Login| {
                let t = login.poll_transmit().expect("a request");
                let reply = sim.handle(now, t.dc, key, &t.body);
                login.handle_response(now, t.id, &reply).expect("known");
                (t.dc, t.body, reply)
            };
            let (dc, send_code, sent) = exchange(&mut login);
            login.poll_event();
            login.submit_code(now, CODE).expect("a valid code");
            let (_, sign_in, authorization) = exchange(&mut login);
            assert!(matches!(login.poll_event(), Some(Event::Done(_))));
            Recorded {
                phone,
                key,
                now,
                dc,
                requests: [send_code.to_vec(), sign_in.to_vec()],
                replies: [sent, authorization],
            }
        })
        .collect()
}

/// The same logins live: machine and simulator (a fresh `sim(logins.len())`, built before the
/// clock starts). Returns the time the logins took.
pub fn replay_full(logins: &[Recorded]) -> Duration {
    let mut sim = sim(logins.len() as u64);
    let start = Instant::now();
    for r in logins {
        std::hint::black_box(log_in(&mut sim, r.now, &r.phone, r.key));
    }
    start.elapsed()
}

/// The machine alone: each login fed the recorded replies.
pub fn replay_machine(logins: &[Recorded]) -> Duration {
    let start = Instant::now();
    for r in logins {
        machine_login(r);
    }
    start.elapsed()
}

/// One login of the machine alone; returns the user id.
pub fn machine_login(r: &Recorded) -> i64 {
    let mut login = Login::new(config(), &r.phone, &mut rng(), r.now).expect("valid login");
    let t = login.poll_transmit().expect("auth.sendCode");
    login
        .handle_response(r.now, t.id, &r.replies[0])
        .expect("known");
    login.poll_event();
    login.submit_code(r.now, CODE).expect("a valid code");
    let t = login.poll_transmit().expect("auth.signIn");
    login
        .handle_response(r.now, t.id, &r.replies[1])
        .expect("known");
    match login.poll_event() {
        Some(Event::Done(auth)) => auth.user_id,
        other => panic!("expected Done, got {other:?}"),
    }
}

/// The simulator alone: the recorded requests on a fresh `sim(logins.len())` (built before the
/// clock starts).
pub fn replay_sim(logins: &[Recorded]) -> Duration {
    let mut sim = sim(logins.len() as u64);
    let start = Instant::now();
    for r in logins {
        for request in &r.requests {
            std::hint::black_box(sim.handle(r.now, r.dc, r.key, request));
        }
    }
    start.elapsed()
}

/// The TL work of one login as the machine does it: encode `auth.sendCode` and `auth.signIn`,
/// decode `auth.sentCode` and `auth.authorization`, re-encode the user (the machine keeps its
/// bytes).
#[derive(Debug, Clone)]
pub struct TlWork {
    send_code: functions::auth::SendCode,
    sign_in: functions::auth::SignIn,
    replies: [Vec<u8>; 2],
}

impl TlWork {
    /// The typed requests of a recorded login.
    pub fn new(r: &Recorded) -> Self {
        TlWork {
            send_code: tl::decode(&r.requests[0]).expect("auth.sendCode"),
            sign_in: tl::decode(&r.requests[1]).expect("auth.signIn"),
            replies: r.replies.clone(),
        }
    }

    /// Does the work; returns the bytes produced (so nothing is optimised away).
    pub fn run(&self) -> usize {
        let mut n = self.send_code.to_bytes().len();
        let sent: enums::auth::SentCode = tl::decode(&self.replies[0]).expect("auth.sentCode");
        n += self.sign_in.to_bytes().len();
        let auth: enums::auth::Authorization =
            tl::decode(&self.replies[1]).expect("auth.authorization");
        if let enums::auth::Authorization::Authorization(a) = &auth {
            n += a.user.to_bytes().len();
        }
        std::hint::black_box((sent, auth));
        n
    }
}

/// [`TlWork::run`] for each login.
pub fn replay_tl(work: &[TlWork]) -> Duration {
    let start = Instant::now();
    for w in work {
        std::hint::black_box(w.run());
    }
    start.elapsed()
}

/// Whether replaying the recorded requests on a fresh simulator gives the recorded replies
/// (what makes the machine-only and simulator-only replays the two halves of a login).
pub fn replay_is_faithful(logins: &[Recorded]) -> bool {
    let mut sim = sim(logins.len() as u64);
    logins.iter().all(|r| {
        r.requests
            .iter()
            .zip(&r.replies)
            .all(|(request, reply)| sim.handle(r.now, r.dc, r.key, request) == *reply)
    })
}
