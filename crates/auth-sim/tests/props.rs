//! Property: random sequences of calls — valid calls with random arguments, mutated calls and
//! random bytes — never panic, and every reply decodes as the call's declared result type or as
//! an `rpc_error`.

use std::time::{Duration, Instant};

use auth_core::tl::{self, RemoteCall, Serialize, enums, functions, types};
use auth_core::{DcId, RpcError};
use auth_sim::{AccountConfig, BotConfig, PasswordHash, Sim, SimConfig};
use proptest::prelude::*;

/// Phone numbers: the 2FA account, the email-setup account, test numbers, an ordinary number,
/// then malformed ones (picked less often).
const PHONES: &[&str] = &[
    "9996641234",
    "9996631234",
    "9996621234",
    "+999 66 3 1111",
    "15550100",
    "",
    "abc",
    "1234567890123456",
];
const EMAILS: &[&str] = &["ada@example.com", "bad", "", "x@y.z"];
const BOT_TOKENS: &[&str] = &["42:secret", "42:wrong", "", "7:x"];

#[derive(Debug, Clone)]
enum Op {
    SendCode {
        phone: usize,
        token: Option<usize>,
        api_id: i32,
    },
    SignIn {
        phone: usize,
        hash: usize,
        right: bool,
        by_email: bool,
    },
    SignUp {
        phone: usize,
        hash: usize,
        name: String,
    },
    Resend {
        phone: usize,
        hash: usize,
    },
    Cancel {
        phone: usize,
        hash: usize,
    },
    ResetEmail {
        phone: usize,
        hash: usize,
    },
    SendVerify {
        phone: usize,
        hash: usize,
        email: usize,
    },
    Verify {
        phone: usize,
        hash: usize,
        right: bool,
    },
    LogOut,
    Export {
        to: i32,
    },
    Import {
        which: usize,
        tamper: bool,
    },
    GetPassword,
    CheckPassword {
        which: usize,
    },
    RequestRecovery,
    CheckRecovery {
        right: bool,
    },
    Recover {
        right: bool,
    },
    Bot {
        token: usize,
    },
    Help {
        which: u8,
    },
    Garbage {
        bytes: Vec<u8>,
    },
    Mutated {
        base: u8,
        at: usize,
        byte: u8,
        cut: bool,
    },
}

impl Op {
    /// Which recent `auth.sentCode` the op refers to (the newest for ops without a hash).
    fn hash_index(&self) -> usize {
        match self {
            Op::SignIn { hash, .. }
            | Op::SignUp { hash, .. }
            | Op::Resend { hash, .. }
            | Op::Cancel { hash, .. }
            | Op::ResetEmail { hash, .. }
            | Op::SendVerify { hash, .. }
            | Op::Verify { hash, .. } => *hash,
            _ => 0,
        }
    }
}

/// One step: an operation on a (DC, key), or time passing.
#[derive(Debug, Clone)]
enum Step {
    /// `stick`: reuse the DC, key and number of a recent `auth.sentCode` (the one whose hash
    /// the op picks, or the newest), so that logins make progress.
    Call {
        dc: DcPick,
        key: u64,
        op: Op,
        stick: bool,
    },
    Advance(u64),
}

/// Which DC a call goes to.
#[derive(Debug, Clone, Copy)]
enum DcPick {
    /// The home DC of the phone number involved (or of the last number sent a code).
    Home,
    /// This DC (possibly one that does not exist).
    Fixed(i32),
}

fn phone_idx() -> impl Strategy<Value = usize> {
    prop_oneof![8 => 0usize..5, 1 => 5usize..8]
}

/// An index counted from the newest seen item: mostly the newest.
fn recent() -> impl Strategy<Value = usize> {
    prop_oneof![6 => Just(0usize), 3 => 1usize..4, 1 => 4usize..32]
}

fn op() -> impl Strategy<Value = Op> {
    let idx = phone_idx;
    let hash = recent;
    prop_oneof![
        5 => (idx(), proptest::option::of(recent()), prop_oneof![9 => Just(1i32), 1 => -1i32..1])
            .prop_map(|(phone, token, api_id)| Op::SendCode { phone, token, api_id }),
        5 => (idx(), hash(), prop::bool::weighted(0.8), any::<bool>())
            .prop_map(|(phone, hash, right, by_email)| Op::SignIn { phone, hash, right, by_email }),
        2 => (idx(), hash(), "[ a-zA-Z]{0,6}")
            .prop_map(|(phone, hash, name)| Op::SignUp { phone, hash, name }),
        1 => (idx(), hash()).prop_map(|(phone, hash)| Op::Resend { phone, hash }),
        1 => (idx(), hash()).prop_map(|(phone, hash)| Op::Cancel { phone, hash }),
        1 => (idx(), hash()).prop_map(|(phone, hash)| Op::ResetEmail { phone, hash }),
        1 => (idx(), hash(), 0usize..4).prop_map(|(phone, hash, email)| Op::SendVerify { phone, hash, email }),
        1 => (idx(), hash(), prop::bool::weighted(0.8)).prop_map(|(phone, hash, right)| Op::Verify { phone, hash, right }),
        1 => Just(Op::LogOut),
        1 => (-1i32..7).prop_map(|to| Op::Export { to }),
        1 => (recent(), any::<bool>()).prop_map(|(which, tamper)| Op::Import { which, tamper }),
        2 => Just(Op::GetPassword),
        2 => recent().prop_map(|which| Op::CheckPassword { which }),
        1 => Just(Op::RequestRecovery),
        1 => prop::bool::weighted(0.8).prop_map(|right| Op::CheckRecovery { right }),
        1 => prop::bool::weighted(0.8).prop_map(|right| Op::Recover { right }),
        1 => (0usize..4).prop_map(|token| Op::Bot { token }),
        1 => (0u8..4).prop_map(|which| Op::Help { which }),
        2 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(|bytes| Op::Garbage { bytes }),
        2 => (0u8..4, any::<usize>(), any::<u8>(), any::<bool>())
            .prop_map(|(base, at, byte, cut)| Op::Mutated { base, at, byte, cut }),
    ]
}

fn dc_pick() -> impl Strategy<Value = DcPick> {
    prop_oneof![
        8 => Just(DcPick::Home),
        2 => (1i32..6).prop_map(DcPick::Fixed),
        1 => prop_oneof![Just(0i32), Just(6), Just(-3)].prop_map(DcPick::Fixed),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => (dc_pick(), 0u64..2, op(), prop::bool::weighted(0.8))
            .prop_map(|(dc, key, op, stick)| Step::Call { dc, key, op, stick }),
        1 => prop_oneof![4 => 0u64..20, 1 => 0u64..4000].prop_map(Step::Advance),
    ]
}

/// The simulator and what the test has seen so far (to reuse hashes, tokens, ids).
struct World {
    sim: Sim,
    now: Instant,
    /// Every `auth.sentCode` seen: (DC, key, number, hash).
    hashes: Vec<(i32, u64, String, String)>,
    tokens: Vec<Vec<u8>>,
    exported: Vec<(i64, Vec<u8>)>,
    srp_ids: Vec<i64>,
    calls: usize,
    /// The home DC of the number last sent a code.
    last_home: i32,
}

/// The `i`-th newest item (wrapping).
fn pick<T: Clone>(items: &[T], i: usize) -> Option<T> {
    let n = items.len();
    (n > 0).then(|| items[n - 1 - i % n].clone())
}

impl World {
    fn new(config: SimConfig) -> Self {
        let mut sim = Sim::new(config);
        let hash = PasswordHash {
            salt1: vec![1; 40],
            salt2: vec![2; 16],
            v: vec![9; 256],
        };
        sim.add_account(
            AccountConfig::new("9996641234", DcId(4))
                .with_password_hash(hash)
                .with_recovery_email("ada@example.com"),
        )
        .expect("2FA account");
        sim.add_account(
            AccountConfig::new("9996631234", DcId(3))
                .with_email_setup_required()
                .with_google_signin("g", "ada@gmail.com"),
        )
        .expect("email account");
        sim.add_bot(BotConfig::new("42:secret", DcId(2)))
            .expect("bot");
        #[allow(clippy::disallowed_methods)]
        let now = Instant::now();
        World {
            sim,
            now,
            hashes: Vec::new(),
            tokens: Vec::new(),
            exported: Vec::new(),
            srp_ids: Vec::new(),
            calls: 0,
            last_home: 2,
        }
    }

    /// Sends raw bytes; the reply must be an `rpc_error` or decode as `R`.
    fn raw<R: tl::Deserialize>(&mut self, dc: i32, key: u64, body: &[u8]) -> Option<R> {
        let reply = self.sim.handle(self.now, DcId(dc), key, body);
        self.calls += 1;
        if RpcError::is_rpc_error(&reply) {
            let e = RpcError::decode(&reply).expect("a well-formed rpc_error");
            assert!(!e.name.is_empty());
            return None;
        }
        Some(tl::decode::<R>(&reply).expect("the declared result type"))
    }

    fn call<F: RemoteCall>(&mut self, dc: i32, key: u64, f: &F) -> Option<F::Return> {
        self.raw::<F::Return>(dc, key, &f.to_bytes())
    }

    /// The DC a step goes to.
    fn dc(&mut self, pick: DcPick, op: &Op) -> i32 {
        let phone = match op {
            Op::SendCode { phone, .. }
            | Op::SignIn { phone, .. }
            | Op::SignUp { phone, .. }
            | Op::Resend { phone, .. }
            | Op::Cancel { phone, .. }
            | Op::ResetEmail { phone, .. }
            | Op::SendVerify { phone, .. }
            | Op::Verify { phone, .. } => Some(Self::phone(*phone)),
            _ => None,
        };
        match pick {
            DcPick::Fixed(dc) => dc,
            DcPick::Home => {
                let home = phone.and_then(|p| {
                    let account = self.sim.account(&p).map(|a| a.home_dc);
                    let digits = auth_sim::normalize_phone(&p);
                    account.or_else(|| digits.and_then(|d| auth_sim::test_number_dc(&d)))
                });
                match (home, op) {
                    (Some(dc), Op::SendCode { .. }) => {
                        self.last_home = dc.0;
                        dc.0
                    }
                    (Some(dc), _) => dc.0,
                    (None, _) => self.last_home,
                }
            }
        }
    }

    fn phone(i: usize) -> String {
        PHONES[i % PHONES.len()].to_owned()
    }

    fn hash(&self, i: usize) -> String {
        pick(&self.hashes, i).map_or_else(|| "nohash".into(), |(_, _, _, h)| h)
    }

    fn code(&self, phone: &str, right: bool) -> String {
        let emailed = self.sim.last_email_code("ada@example.com");
        match self.sim.last_code(phone).or(emailed) {
            Some(c) if right => c.to_owned(),
            _ => "00000".into(),
        }
    }

    fn harvest_authorization(&mut self, a: Option<enums::auth::Authorization>) {
        if let Some(enums::auth::Authorization::Authorization(a)) = a
            && let Some(t) = a.future_auth_token
        {
            self.tokens.push(t.to_vec());
        }
    }

    fn harvest_sent(&mut self, at: (i32, u64, &str), s: Option<enums::auth::SentCode>) {
        match s {
            Some(enums::auth::SentCode::SentCode(s)) => {
                let (dc, key, phone) = at;
                self.hashes.push((
                    dc,
                    key,
                    phone.to_owned(),
                    s.phone_code_hash.as_str().to_owned(),
                ));
            }
            Some(enums::auth::SentCode::Success(s)) => {
                self.harvest_authorization(Some(s.authorization));
            }
            _ => {}
        }
    }

    /// Runs `op` on (`dc`, `key`); `number` overrides the op's phone number.
    fn run(&mut self, dc: i32, key: u64, op: Op, number: Option<String>) {
        let phone_of = |i: usize| number.clone().unwrap_or_else(|| Self::phone(i));
        match op {
            Op::SendCode {
                phone,
                token,
                api_id,
            } => {
                let settings = types::CodeSettings {
                    logout_tokens: token
                        .map(|t| pick(&self.tokens, t).into_iter().map(Into::into).collect()),
                    ..types::CodeSettings::default()
                };
                let phone = phone_of(phone);
                let r = self.call(dc, key, &send_code(&phone, api_id, settings));
                self.harvest_sent((dc, key, &phone), r);
            }
            Op::SignIn {
                phone,
                hash,
                right,
                by_email,
            } => {
                let phone = phone_of(phone);
                let code = self.code(&phone, right);
                let call = functions::auth::SignIn {
                    phone_number: phone,
                    phone_code_hash: self.hash(hash).into(),
                    phone_code: (!by_email).then(|| code.clone()).map(Into::into),
                    email_verification: by_email
                        .then(|| types::EmailVerificationCode { code: code.into() }.into()),
                };
                let r = self.call(dc, key, &call);
                self.harvest_authorization(r);
            }
            Op::SignUp { phone, hash, name } => {
                let call = functions::auth::SignUp {
                    no_joined_notifications: false,
                    phone_number: phone_of(phone),
                    phone_code_hash: self.hash(hash).into(),
                    first_name: name,
                    last_name: String::new(),
                };
                let r = self.call(dc, key, &call);
                self.harvest_authorization(r);
            }
            Op::Resend { phone, hash } => {
                let phone = phone_of(phone);
                let call = functions::auth::ResendCode {
                    phone_number: phone.clone(),
                    phone_code_hash: self.hash(hash).into(),
                    reason: None,
                };
                let r = self.call(dc, key, &call);
                self.harvest_sent((dc, key, &phone), r);
            }
            Op::Cancel { phone, hash } => {
                let call = functions::auth::CancelCode {
                    phone_number: phone_of(phone),
                    phone_code_hash: self.hash(hash).into(),
                };
                self.call(dc, key, &call);
            }
            Op::ResetEmail { phone, hash } => {
                let phone = phone_of(phone);
                let call = functions::auth::ResetLoginEmail {
                    phone_number: phone.clone(),
                    phone_code_hash: self.hash(hash).into(),
                };
                let r = self.call(dc, key, &call);
                self.harvest_sent((dc, key, &phone), r);
            }
            Op::SendVerify { phone, hash, email } => {
                let call = functions::account::SendVerifyEmailCode {
                    purpose: setup(phone_of(phone), self.hash(hash)),
                    email: EMAILS[email % EMAILS.len()].into(),
                };
                self.call(dc, key, &call);
            }
            Op::Verify { phone, hash, right } => {
                let code = match self.sim.last_email_code("ada@example.com") {
                    Some(c) if right => c.to_owned(),
                    _ => "1".into(),
                };
                let phone = phone_of(phone);
                let call = functions::account::VerifyEmail {
                    purpose: setup(phone.clone(), self.hash(hash)),
                    verification: types::EmailVerificationCode { code: code.into() }.into(),
                };
                if let Some(enums::account::EmailVerified::Login(l)) = self.call(dc, key, &call) {
                    self.harvest_sent((dc, key, &phone), Some(l.sent_code));
                }
            }
            Op::LogOut => {
                if let Some(enums::auth::LoggedOut::LoggedOut(out)) =
                    self.call(dc, key, &functions::auth::LogOut {})
                {
                    self.tokens
                        .extend(out.future_auth_token.map(|t| t.to_vec()));
                }
            }
            Op::Export { to } => {
                let call = functions::auth::ExportAuthorization { dc_id: to };
                if let Some(enums::auth::ExportedAuthorization::ExportedAuthorization(e)) =
                    self.call(dc, key, &call)
                {
                    self.exported.push((e.id, e.bytes.to_vec()));
                }
            }
            Op::Import { which, tamper } => {
                let (id, mut bytes) = pick(&self.exported, which).unwrap_or((1, vec![1]));
                if tamper {
                    bytes.push(0);
                }
                let r = self.call(
                    dc,
                    key,
                    &functions::auth::ImportAuthorization {
                        id,
                        bytes: bytes.into(),
                    },
                );
                self.harvest_authorization(r);
            }
            Op::GetPassword => {
                if let Some(enums::account::Password::Password(p)) =
                    self.call(dc, key, &functions::account::GetPassword {})
                {
                    self.srp_ids.extend(p.srp.map(|s| s.srp_id));
                }
            }
            Op::CheckPassword { which } => {
                let call = functions::auth::CheckPassword {
                    password: types::InputCheckPasswordSRP {
                        srp_id: pick(&self.srp_ids, which).unwrap_or(5),
                        a: vec![0x33; 256],
                        m1: vec![1; 32].into(),
                    }
                    .into(),
                };
                self.call(dc, key, &call);
            }
            Op::RequestRecovery => {
                self.call(dc, key, &functions::auth::RequestPasswordRecovery {});
            }
            Op::CheckRecovery { right } => {
                let code = self.recovery_code(right);
                self.call(
                    dc,
                    key,
                    &functions::auth::CheckRecoveryPassword { code: code.into() },
                );
            }
            Op::Recover { right } => {
                let code = self.recovery_code(right);
                let call = functions::auth::RecoverPassword {
                    code: code.into(),
                    new_settings: None,
                };
                let r = self.call(dc, key, &call);
                self.harvest_authorization(r);
            }
            Op::Bot { token } => {
                let call = functions::auth::ImportBotAuthorization {
                    flags: 0,
                    api_id: 1,
                    api_hash: "h".into(),
                    bot_auth_token: BOT_TOKENS[token % BOT_TOKENS.len()].into(),
                };
                self.call(dc, key, &call);
            }
            Op::Help { which } => match which {
                0 => drop(self.call(dc, key, &functions::help::GetNearestDc {})),
                1 => drop(self.call(dc, key, &functions::help::GetTermsOfServiceUpdate {})),
                2 => drop(self.call(
                    dc,
                    key,
                    &functions::help::GetCountriesList {
                        lang_code: "en".into(),
                        hash: 0,
                    },
                )),
                _ => drop(self.call(dc, key, &functions::account::GetAuthorizations {})),
            },
            Op::Garbage { bytes } => self.garbage(dc, key, &bytes),
            Op::Mutated {
                base,
                at,
                byte,
                cut,
            } => {
                let mut bytes = match base {
                    0 => send_code("9996621234", 1, types::CodeSettings::default()).to_bytes(),
                    1 => functions::auth::SignIn {
                        phone_number: "9996621234".into(),
                        phone_code_hash: self.hash(at).into(),
                        phone_code: Some("22222".into()),
                        email_verification: None,
                    }
                    .to_bytes(),
                    2 => functions::account::GetPassword {}.to_bytes(),
                    _ => functions::auth::CheckPassword {
                        password: types::InputCheckPasswordEmpty {}.into(),
                    }
                    .to_bytes(),
                };
                let i = at % bytes.len().max(1);
                if cut {
                    bytes.truncate(i);
                } else if let Some(b) = bytes.get_mut(i) {
                    *b ^= byte | 1;
                }
                self.garbage(dc, key, &bytes);
            }
        }
    }

    fn recovery_code(&self, right: bool) -> String {
        match self.sim.last_email_code("ada@example.com") {
            Some(c) if right => c.to_owned(),
            _ => "0".into(),
        }
    }

    /// Any bytes: the reply is an `rpc_error` or a well-formed object of the auth schema.
    fn garbage(&mut self, dc: i32, key: u64, bytes: &[u8]) {
        let reply = self.sim.handle(self.now, DcId(dc), key, bytes);
        self.calls += 1;
        if RpcError::is_rpc_error(&reply) {
            RpcError::decode(&reply).expect("a well-formed rpc_error");
        } else if tl::decode::<bool>(&reply).is_err() {
            tl::reencode_boxed(tl::Layer::DEFAULT, &reply).expect("a well-formed reply");
        }
    }
}

fn send_code(phone: &str, api_id: i32, settings: types::CodeSettings) -> functions::auth::SendCode {
    functions::auth::SendCode {
        phone_number: phone.into(),
        api_id,
        api_hash: "hash".into(),
        settings: settings.into(),
    }
}

fn setup(phone: String, hash: String) -> enums::EmailVerifyPurpose {
    types::EmailVerifyPurposeLoginSetup {
        phone_number: phone,
        phone_code_hash: hash.into(),
    }
    .into()
}

fn config() -> impl Strategy<Value = SimConfig> {
    (
        any::<[u8; 32]>(),
        1u32..8,
        1u64..900,
        1usize..8,
        any::<bool>(),
    )
        .prop_map(|(seed, limit, ttl, code_length, reset_wait)| SimConfig {
            seed,
            send_code_limit: limit,
            send_code_window: Duration::from_secs(600),
            code_ttl: Duration::from_secs(ttl),
            code_length,
            email_reset_wait: reset_wait.then(|| Duration::from_secs(30)),
            log_capacity: 50,
            ..SimConfig::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_calls_never_panic_and_replies_decode(
        config in config(),
        steps in proptest::collection::vec(step(), 1..80),
    ) {
        let mut world = World::new(config);
        for step in steps {
            match step {
                Step::Advance(secs) => world.now += Duration::from_secs(secs),
                Step::Call { dc, key, op, stick } => {
                    match pick(&world.hashes, op.hash_index()).filter(|_| stick) {
                        Some((dc, key, phone, _)) => world.run(dc, key, op, Some(phone)),
                        None => {
                            let dc = world.dc(dc, &op);
                            world.run(dc, key, op, None);
                        }
                    }
                }
            }
        }
        prop_assert_eq!(world.sim.calls().len(), world.calls.min(50));
    }
}
