//! A small harness: a simulator, a clock the test moves by hand, and typed shortcuts.

use std::time::{Duration, Instant};

use auth_core::entropy::Entropy;
use auth_core::srp::{SrpAlgo, SrpChallenge};
use auth_core::tl::{RemoteCall, enums, functions, types};
use auth_core::{DcId, RpcError};
use auth_sim::{Sim, SimConfig};

/// The API credentials the tests use.
pub const API_ID: i32 = 12345;
pub const API_HASH: &str = "0123456789abcdef";

/// A simulator and the time the next call happens at.
pub struct H {
    pub sim: Sim,
    pub now: Instant,
}

/// One `Instant` to start the test clock (the simulator never reads the clock itself).
#[allow(clippy::disallowed_methods)]
pub fn start() -> Instant {
    Instant::now()
}

impl H {
    pub fn new() -> Self {
        Self::with(SimConfig::default())
    }

    pub fn with(config: SimConfig) -> Self {
        H {
            sim: Sim::new(config),
            now: start(),
        }
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    pub fn call<F: RemoteCall>(&mut self, dc: i32, key: u64, f: &F) -> Result<F::Return, RpcError>
    where
        F::Return: auth_core::tl::DeserializeAt,
    {
        self.sim.invoke(self.now, DcId(dc), key, f)
    }

    pub fn send_code_with(
        &mut self,
        dc: i32,
        key: u64,
        phone: &str,
        settings: types::CodeSettings,
    ) -> Result<enums::auth::SentCode, RpcError> {
        self.call(
            dc,
            key,
            &functions::auth::SendCode {
                phone_number: phone.into(),
                api_id: API_ID,
                api_hash: API_HASH.into(),
                settings: settings.into(),
            },
        )
    }

    pub fn send_code(
        &mut self,
        dc: i32,
        key: u64,
        phone: &str,
    ) -> Result<enums::auth::SentCode, RpcError> {
        self.send_code_with(dc, key, phone, types::CodeSettings::default())
    }

    /// `auth.sendCode` that must answer `auth.sentCode`.
    pub fn sent(&mut self, dc: i32, key: u64, phone: &str) -> types::auth::SentCode {
        sent_code(self.send_code(dc, key, phone))
    }

    pub fn sign_in(
        &mut self,
        dc: i32,
        key: u64,
        phone: &str,
        hash: &str,
        code: &str,
    ) -> Result<enums::auth::Authorization, RpcError> {
        self.call(
            dc,
            key,
            &functions::auth::SignIn {
                phone_number: phone.into(),
                phone_code_hash: hash.into(),
                phone_code: Some(code.into()),
                email_verification: None,
            },
        )
    }

    pub fn sign_up(
        &mut self,
        dc: i32,
        key: u64,
        phone: &str,
        hash: &str,
        first: &str,
    ) -> Result<enums::auth::Authorization, RpcError> {
        self.call(
            dc,
            key,
            &functions::auth::SignUp {
                no_joined_notifications: false,
                phone_number: phone.into(),
                phone_code_hash: hash.into(),
                first_name: first.into(),
                last_name: "Sim".into(),
            },
        )
    }

    /// Logs in (signing up if needed) with the code the simulator delivered; no 2FA.
    pub fn login(&mut self, dc: i32, key: u64, phone: &str) -> types::auth::Authorization {
        let sent = self.sent(dc, key, phone);
        let code = self
            .sim
            .last_code(phone)
            .expect("a code was sent")
            .to_owned();
        match self.sign_in(dc, key, phone, &sent.phone_code_hash, &code) {
            Ok(enums::auth::Authorization::Authorization(a)) => a,
            Ok(enums::auth::Authorization::SignUpRequired(_)) => {
                authorization(self.sign_up(dc, key, phone, &sent.phone_code_hash, "New"))
            }
            Err(e) => panic!("login failed: {e}"),
        }
    }

    /// `account.getPassword`, then the client side of SRP with `password`, then
    /// `auth.checkPassword`.
    pub fn check_password(
        &mut self,
        dc: i32,
        key: u64,
        password: &str,
    ) -> Result<enums::auth::Authorization, RpcError> {
        let enums::account::Password::Password(pw) = self
            .call(dc, key, &functions::account::GetPassword {})
            .expect("getPassword");
        let srp = pw.srp.expect("a password is set");
        let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(algo) =
            srp.current_algo
        else {
            panic!("unexpected algo");
        };
        let algo = SrpAlgo {
            salt1: algo.salt1,
            salt2: algo.salt2,
            g: algo.g,
            p: algo.p,
        };
        let mut entropy = Entropy::deterministic([42; 32]);
        let challenge = SrpChallenge::new(
            &algo,
            &srp.srp_b,
            srp.srp_id,
            &pw.secure_random,
            &mut entropy,
        )
        .expect("the simulator's parameters are valid");
        let check = challenge.check(password.as_bytes()).expect("check");
        self.call(
            dc,
            key,
            &functions::auth::CheckPassword {
                password: types::InputCheckPasswordSRP {
                    srp_id: check.srp_id,
                    a: check.a.to_vec(),
                    m1: check.m1.to_vec().into(),
                }
                .into(),
            },
        )
    }
}

/// The `auth.sentCode` inside a `sendCode` / `resendCode` answer.
pub fn sent_code(r: Result<enums::auth::SentCode, RpcError>) -> types::auth::SentCode {
    match r {
        Ok(enums::auth::SentCode::SentCode(s)) => s,
        other => panic!("expected auth.sentCode, got {other:?}"),
    }
}

/// The `auth.authorization` inside an answer.
pub fn authorization(
    r: Result<enums::auth::Authorization, RpcError>,
) -> types::auth::Authorization {
    match r {
        Ok(enums::auth::Authorization::Authorization(a)) => a,
        other => panic!("expected auth.authorization, got {other:?}"),
    }
}

/// The user inside an authorization, decoded from the bytes the simulator sent.
pub fn user(a: &types::auth::Authorization) -> types::User {
    match a.user.decode() {
        Ok(enums::User::User(u)) => u,
        other => panic!("expected user, got {other:?}"),
    }
}

/// The error name of a failed call (panics on success).
pub fn err<T: std::fmt::Debug>(r: Result<T, RpcError>) -> String {
    match r {
        Err(e) => e.name,
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// The error of a failed call (panics on success).
pub fn rpc_err<T: std::fmt::Debug>(r: Result<T, RpcError>) -> RpcError {
    match r {
        Err(e) => e,
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}
