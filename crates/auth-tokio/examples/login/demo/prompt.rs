//! The demo's [`Prompt`]: answers from the flags first, then from the console; tells what
//! happened, with what the embedded simulator "delivered" on `[sim]` lines.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use auth_core::login::{CodeKind, LoginEvent as Event, NextCodeKind, RestartReason, SentCode};
use auth_core::{PasswordInfo, TermsOfService, UsageError};
use auth_sim::Sim;
use auth_tokio::{Answer, Prompt};
use tokio::sync::mpsc;
use zeroize::Zeroizing;

use super::cli::PhoneArgs;
use super::console::Console;

/// An answer that can come from a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flag {
    Code,
    Password,
    FirstName,
    Email,
    EmailCode,
}

impl Flag {
    pub fn name(self) -> &'static str {
        match self {
            Flag::Code => "--code",
            Flag::Password => "--password",
            Flag::FirstName => "--first-name",
            Flag::Email => "--email",
            Flag::EmailCode => "--email-code",
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            Flag::Code => "the login code",
            Flag::Password => "the 2FA password",
            Flag::FirstName => "a name to sign up with",
            Flag::Email => "a login email address",
            Flag::EmailCode => "the code sent to the login email",
        }
    }
}

/// Why the prompt stopped the login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// An answer is needed, no flag gave it, and nobody can type it.
    Missing(Flag),
    /// The answer a flag gave was refused.
    Refused { flag: Flag, reason: String },
}

/// Answers given as flags, each used once.
#[derive(Default)]
struct Flags {
    code: Option<String>,
    password: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    email_code: Option<String>,
}

pub struct CliPrompt {
    pub console: Console,
    flags: Flags,
    used: BTreeSet<Flag>,
    /// The embedded simulator, to show what it delivered.
    sim: Option<Arc<Mutex<Sim>>>,
    /// One line per call served (with `--show-calls`).
    calls: Option<mpsc::UnboundedReceiver<String>>,
    /// Why the prompt stopped the login, if it did.
    pub stop: Option<Stop>,
    /// What was wrong with the last answer.
    problem: Option<String>,
    /// Whether a code was sent (a login without one used a logout token).
    pub code_sent: bool,
    spinner: Option<tokio::task::JoinHandle<()>>,
}

impl CliPrompt {
    pub fn new(
        console: Console,
        args: &PhoneArgs,
        sim: Option<Arc<Mutex<Sim>>>,
        calls: Option<mpsc::UnboundedReceiver<String>>,
    ) -> Self {
        let flags = Flags {
            code: args.code.clone(),
            password: args.password.clone(),
            first_name: args.first_name.clone(),
            last_name: args.last_name.clone(),
            email: args.email.clone(),
            email_code: args.email_code.clone(),
        };
        CliPrompt {
            console,
            flags,
            used: BTreeSet::new(),
            sim,
            calls,
            stop: None,
            problem: None,
            code_sent: false,
            spinner: None,
        }
    }

    /// Prints the calls served and what was delivered since the last time.
    pub fn show_sim(&mut self) {
        self.show_calls();
        self.show_deliveries();
    }

    fn show_calls(&mut self) {
        let mut lines = Vec::new();
        if let Some(calls) = self.calls.as_mut() {
            while let Ok(line) = calls.try_recv() {
                lines.push(line);
            }
        }
        for line in lines {
            self.console.say(&line);
        }
    }

    fn show_deliveries(&mut self) {
        let Some(sim) = &self.sim else {
            return;
        };
        let deliveries = sim
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take_deliveries();
        for delivery in deliveries {
            self.console.say(&format!("[sim] {delivery}"));
        }
    }

    /// The flag's answer, if it has one left; `Some(Cancel)` when the question cannot be
    /// answered (the flag's answer was refused, or nobody can type one); `None`: ask.
    fn flag_answer(&mut self, flag: Flag) -> Option<Answer<String>> {
        let value = match flag {
            Flag::Code => self.flags.code.take(),
            Flag::Password => self.flags.password.take(),
            Flag::FirstName => self.flags.first_name.take(),
            Flag::Email => self.flags.email.take(),
            Flag::EmailCode => self.flags.email_code.take(),
        };
        if let Some(value) = value {
            self.used.insert(flag);
            return Some(Answer::Value(value));
        }
        if self.used.contains(&flag) {
            let reason = self
                .problem
                .take()
                .unwrap_or_else(|| "the answer was refused".into());
            self.stop = Some(Stop::Refused { flag, reason });
            return Some(Answer::Cancel);
        }
        if !self.console.interactive {
            self.stop = Some(Stop::Missing(flag));
            return Some(Answer::Cancel);
        }
        None
    }

    /// Asks on the console; end of input cancels.
    async fn ask(&mut self, question: &str) -> Answer<String> {
        match self.console.ask(question, false).await {
            Some(line) if line.trim().eq_ignore_ascii_case("cancel") => Answer::Cancel,
            Some(line) => Answer::Value(line),
            None => Answer::Cancel,
        }
    }
}

impl Prompt for CliPrompt {
    async fn code(&mut self, sent: &SentCode, _attempts: u32) -> Answer<String> {
        self.show_sim();
        if let Some(answer) = self.flag_answer(Flag::Code) {
            return answer;
        }
        let question = if sent.next.is_some() {
            "Code (or 'resend', 'cancel'): "
        } else {
            "Code (or 'cancel'): "
        };
        match self.ask(question).await {
            Answer::Value(line) if line.trim().eq_ignore_ascii_case("resend") => Answer::Resend,
            answer => answer,
        }
    }

    async fn password(&mut self, info: &PasswordInfo, _attempts: u32) -> Answer<Zeroizing<String>> {
        self.show_sim();
        if let Some(answer) = self.flag_answer(Flag::Password) {
            return match answer {
                Answer::Value(password) => Answer::Value(Zeroizing::new(password)),
                Answer::Resend => Answer::Resend,
                Answer::Recover => Answer::Recover,
                Answer::Cancel => Answer::Cancel,
            };
        }
        let question = match &info.hint {
            Some(hint) => format!("Password (hint: {hint}): "),
            None => "Password: ".to_owned(),
        };
        match self.console.ask(&question, true).await {
            Some(password) => Answer::Value(Zeroizing::new(password)),
            None => Answer::Cancel,
        }
    }

    async fn sign_up(&mut self, terms: Option<&TermsOfService>) -> Answer<(String, String)> {
        self.show_sim();
        if let Some(terms) = terms {
            self.console.say("Terms of service:");
            self.console.say(&format!("  {}", terms.text));
            if let Some(age) = terms.min_age_confirm {
                self.console
                    .say(&format!("  You must be at least {age} years old."));
            }
        }
        match self.flag_answer(Flag::FirstName) {
            Some(Answer::Value(first)) => {
                let last = self.flags.last_name.take().unwrap_or_default();
                let name = format!("{first} {last}");
                self.console.say(&format!(
                    "Accepting the terms, signing up as {}.",
                    name.trim()
                ));
                return Answer::Value((first, last));
            }
            Some(_) => return Answer::Cancel,
            None => {}
        }
        let first = match self.ask("First name (empty to decline the terms): ").await {
            Answer::Value(first) if !first.trim().is_empty() => first,
            _ => {
                self.console.say("Declined.");
                return Answer::Cancel;
            }
        };
        let last = match self.flags.last_name.take() {
            Some(last) => last,
            None => match self.ask("Last name (optional): ").await {
                Answer::Value(last) => last,
                _ => String::new(),
            },
        };
        Answer::Value((first, last))
    }

    async fn email(
        &mut self,
        _google_signin_allowed: bool,
        _apple_signin_allowed: bool,
    ) -> Answer<String> {
        self.show_sim();
        if let Some(answer) = self.flag_answer(Flag::Email) {
            return answer;
        }
        self.ask("Login email address: ").await
    }

    async fn email_code(&mut self, email_pattern: &str, length: u32) -> Answer<String> {
        self.show_sim();
        if let Some(answer) = self.flag_answer(Flag::EmailCode) {
            return answer;
        }
        self.ask(&format!("Code sent to {email_pattern} ({length} digits): "))
            .await
    }

    fn notify(&mut self, event: &Event) {
        self.show_calls();
        match event {
            Event::CodeSent(_) => self.code_sent = true,
            Event::CodeInvalid { .. } => self.problem = Some("wrong code".into()),
            Event::PasswordInvalid { .. } => self.problem = Some("wrong password".into()),
            Event::EmailCodeInvalid { .. } => self.problem = Some("wrong email code".into()),
            Event::SignUpRefused(e) | Event::EmailRefused(e) => {
                self.problem = Some(format!("refused by the server: {} {}", e.code, e.name));
            }
            _ => {}
        }
        if let Some(text) = describe(event) {
            self.console.say(&text);
        }
        self.show_deliveries();
    }

    fn checking_password(&mut self, started: bool) {
        if let Some(spinner) = self.spinner.take() {
            spinner.abort();
            eprint!("\r\x1b[K");
        }
        if !started {
            return;
        }
        if self.console.spinner {
            self.spinner = Some(tokio::spawn(async {
                for frame in ['|', '/', '-', '\\'].into_iter().cycle() {
                    eprint!("\r{frame} checking the password (PBKDF2, 100 000 rounds)...");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }));
        } else {
            self.console
                .say("Checking the password (PBKDF2, 100 000 rounds)...");
        }
    }

    fn refused(&mut self, error: &UsageError) {
        self.console.say(&format!("! {error}"));
        self.problem = Some(error.to_string());
    }
}

/// What an event means, in a sentence (terminal events are the caller's).
fn describe(event: &Event) -> Option<String> {
    Some(match event {
        Event::CodeSent(sent) => describe_sent(sent),
        Event::ResendAvailable => "The code can be sent again now: type 'resend'.".into(),
        Event::ResendFailed(e) => format!(
            "The code could not be sent again ({}); the one sent still works.",
            e.name
        ),
        Event::CodeInvalid { attempts } => format!("Wrong code ({attempts} so far)."),
        Event::CodeExpired => "The code expired: type 'resend' for a new one.".into(),
        Event::SignUpRequired { .. } => {
            "No account has this number yet: signing up makes one.".into()
        }
        Event::SignUpRefused(e) => format!("The name was refused ({}).", e.name),
        Event::PasswordRequired(_) => {
            "This account has two-step verification: its password is needed.".into()
        }
        Event::PasswordInvalid { attempts } => format!("Wrong password ({attempts} so far)."),
        Event::EmailSetupRequired { .. } => {
            "This account must set up a login email before it can log in.".into()
        }
        Event::EmailRefused(e) => format!("The email address was refused ({}).", e.name),
        Event::EmailCodeSent(code) => format!(
            "A {}-digit code was sent to {}.",
            code.length, code.email_pattern
        ),
        Event::EmailCodeInvalid { attempts } => format!("Wrong email code ({attempts} so far)."),
        Event::EmailResetRefused(e) => format!("The login email could not be reset ({}).", e.name),
        Event::DcChanged(dc) => format!("The account lives on {dc}: continuing there."),
        Event::Restarted(reason) => match reason {
            RestartReason::Migrated => {
                "The account moved data centers: a new code will be sent.".into()
            }
            RestartReason::ServerAsked => {
                "The server asked to start over: a new code will be sent.".into()
            }
            RestartReason::CodeExpired => "The code expired: a new one will be sent.".into(),
            _ => "The login started over: a new code will be sent.".into(),
        },
        Event::FloodWait { seconds, .. } => {
            format!("The server asked to wait {seconds} s: waiting...")
        }
        _ => return None,
    })
}

fn describe_sent(sent: &SentCode) -> String {
    let how = match &sent.kind {
        CodeKind::App { length } => {
            format!("A {length}-digit code was sent to your other Telegram sessions.")
        }
        CodeKind::Sms { length } => format!("A {length}-digit code was sent by SMS."),
        CodeKind::Call { length } => format!("A phone call will read out a {length}-digit code."),
        CodeKind::FlashCall { pattern } => {
            format!("A flash call is coming: enter the calling number ({pattern}).")
        }
        CodeKind::MissedCall { prefix, length } => {
            format!("A missed call is coming from {prefix}...: enter its last {length} digits.")
        }
        CodeKind::Email {
            email_pattern,
            length,
            ..
        } => {
            format!("A {length}-digit code was sent to your login email {email_pattern}.")
        }
        CodeKind::FragmentSms { url, length } => {
            format!("A {length}-digit code is waiting on {url}.")
        }
        other => format!("A code was sent ({other:?})."),
    };
    let Some(next) = sent.next else {
        return how;
    };
    let by = match next {
        NextCodeKind::Sms => "SMS",
        NextCodeKind::Call => "a phone call",
        NextCodeKind::FlashCall => "a flash call",
        NextCodeKind::MissedCall => "a missed call",
        NextCodeKind::FragmentSms => "fragment.com",
        _ => "another way",
    };
    match sent.timeout {
        Some(timeout) => format!(
            "{how} It can be sent again by {by} in {} s.",
            timeout.as_secs()
        ),
        None => format!("{how} It can be sent again by {by}."),
    }
}
