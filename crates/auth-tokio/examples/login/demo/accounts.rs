//! The demo's simulated accounts, and `--account PHONE[,password=PW][,email-setup]` specs
//! (shared by the `login` and `sim_server` examples, each using part of it).
#![allow(dead_code)]

use auth_core::DcId;
use auth_sim::{AccountConfig, BotConfig, Sim, SimConfig, SimError, test_number_dc};

/// An account the embedded simulator knows from the start.
pub struct DemoAccount {
    pub phone: &'static str,
    pub dc: i32,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub password: Option<&'static str>,
    pub email_setup: bool,
    pub about: &'static str,
}

/// Test numbers (`99966XYYYY`: DC X, code X repeated), so the codes are easy to type.
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        phone: "+999 66 2 0001",
        dc: 2,
        first_name: "Alice",
        last_name: "Plain",
        password: None,
        email_setup: false,
        about: "DC 2, code 22222, no password",
    },
    DemoAccount {
        phone: "+999 66 3 0002",
        dc: 3,
        first_name: "Bob",
        last_name: "Secure",
        password: Some("hunter2"),
        email_setup: false,
        about: "DC 3 (the login migrates there), code 33333, 2FA password \"hunter2\" (hint: classic)",
    },
    DemoAccount {
        phone: "+999 66 1 0003",
        dc: 1,
        first_name: "Carol",
        last_name: "Mail",
        password: None,
        email_setup: true,
        about: "DC 1, must set up a login email first (any address; its code is shown)",
    },
];

/// The embedded simulator's bot (`login bot --token ...`): its token and home DC.
pub const DEMO_BOT_TOKEN: &str = "4242:demo-bot-token";
pub const DEMO_BOT_DC: i32 = 4;

/// The demo accounts as `--help` lists them.
pub fn help_text() -> String {
    let mut text = String::from("Demo accounts of the embedded simulator:\n");
    for a in DEMO_ACCOUNTS {
        let name = format!("{} {}", a.first_name, a.last_name);
        text.push_str(&format!("  {:<16} {name:<12} {}\n", a.phone, a.about));
    }
    text.push_str(
        "  Any other test number 99966XYYYY (X = 1 to 5) lives on DC X, gets the code X repeated\n  \
         (e.g. 22222) and signs up as a new account after the terms of service.\n",
    );
    text.push_str(&format!(
        "  Bot token {DEMO_BOT_TOKEN} (Demo Bot, DC {DEMO_BOT_DC}): login bot --token {DEMO_BOT_TOKEN}\n"
    ));
    text
}

/// One account to register: the demo's, a `--account` spec, or the `--sim-*` knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpec {
    pub phone: String,
    pub password: Option<String>,
    pub email_setup: bool,
}

impl AccountSpec {
    /// Parses `PHONE[,password=PW][,email-setup]`.
    pub fn parse(spec: &str) -> Result<AccountSpec, String> {
        let mut parts = spec.split(',');
        let phone = parts.next().unwrap_or_default().trim();
        if auth_sim::normalize_phone(phone).is_none() {
            return Err(format!("{phone:?} is not a phone number"));
        }
        let mut account = AccountSpec {
            phone: phone.to_owned(),
            password: None,
            email_setup: false,
        };
        for part in parts {
            match part.trim().split_once('=') {
                Some(("password", pw)) if !pw.is_empty() => account.password = Some(pw.to_owned()),
                None if part.trim() == "email-setup" => account.email_setup = true,
                _ => {
                    return Err(format!(
                        "unknown account option {part:?} (password=PW or email-setup)"
                    ));
                }
            }
        }
        Ok(account)
    }

    fn config(&self, home_dc: DcId) -> AccountConfig {
        let mut config = AccountConfig::new(self.phone.clone(), home_dc);
        if let Some(password) = &self.password {
            config = config.with_password(password.clone());
        }
        if self.email_setup {
            config = config.with_email_setup_required();
        }
        config
    }
}

/// The demo's simulator: the demo accounts, with `extra` ones added (an extra account with a
/// demo account's number replaces it).
pub fn demo_sim(extra: &[AccountSpec]) -> Result<Sim, SimError> {
    // The simulator's unix time starts from this machine's clock, so QR-login token expiry
    // and other dates the demo shows are real ones.
    let unix_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let mut sim = Sim::new(SimConfig {
        unix_time_base: unix_now,
        ..SimConfig::default()
    });
    let digits = |phone: &str| auth_sim::normalize_phone(phone).unwrap_or_default();
    for a in DEMO_ACCOUNTS {
        if extra.iter().any(|e| digits(&e.phone) == digits(a.phone)) {
            continue;
        }
        let mut config =
            AccountConfig::new(a.phone, DcId(a.dc)).with_name(a.first_name, a.last_name);
        if let Some(password) = a.password {
            config = config.with_password(password).with_hint("classic");
        }
        if a.email_setup {
            config = config.with_email_setup_required();
        }
        sim.add_account(config)?;
    }
    sim.add_bot(
        BotConfig::new(DEMO_BOT_TOKEN, DcId(DEMO_BOT_DC)).with_name("Demo Bot", "demo_bot"),
    )?;
    for spec in extra {
        // A test number's own DC, else the DC a new number is served on.
        let home = test_number_dc(&digits(&spec.phone))
            .or(sim.config().nearest_dc)
            .unwrap_or(DcId::DEFAULT);
        sim.add_account(spec.config(home))?;
    }
    Ok(sim)
}
