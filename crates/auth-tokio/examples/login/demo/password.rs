//! `login password`: log in, then set, change or remove the account's 2FA password (and set a
//! recovery email) with `auth_core::password::PasswordSettings`, driven over the same
//! transport. The slow steps (proving the current password, hashing the new one) run on
//! `spawn_blocking`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use auth_core::password::{
    PasswordChange, PasswordSettings, SettingsEvent, SettingsOutcome as Outcome,
};
use auth_core::{Machine, SessionConfig, normalize_phone};
use auth_sim::Sim;
use auth_tokio::{CancellationToken, MtprotoTransport, Transport, login};
use zeroize::Zeroizing;

use super::accounts::{self, AccountSpec};
use super::backend::{self, Backend};
use super::cli::{CommonArgs, PasswordArgs};
use super::console::Console;
use super::prompt::CliPrompt;
use super::{FAILED, LOGGED_IN, USAGE, failure};

/// What to change, decided once the current settings are known.
enum Plan {
    Set {
        password: Zeroizing<String>,
        hint: String,
        email: Option<String>,
    },
    Remove,
    RecoveryEmail(String),
}

/// Why managing stopped early: the exit status and the line to print.
type Stop = (u8, String);

/// Runs `login password`.
pub async fn run(
    args: PasswordArgs,
    common: CommonArgs,
    mut console: Console,
    cancel: CancellationToken,
) -> u8 {
    let phone = match (&args.login.phone, console.interactive) {
        (Some(phone), _) => phone.clone(),
        (None, true) => match console.ask("Phone number: ", false).await {
            Some(phone) => phone,
            None => return FAILED,
        },
        (None, false) => {
            console.error("error: a phone number is needed: pass --phone");
            return USAGE;
        }
    };
    if let Err(e) = normalize_phone(&phone) {
        console.error(&format!("error: {e}"));
        return FAILED;
    }
    let extra =
        (args.login.sim_password.is_some() || args.login.sim_email_setup).then(|| AccountSpec {
            phone: phone.clone(),
            password: args.login.sim_password.clone(),
            email_setup: args.login.sim_email_setup,
        });
    if extra.is_some() && (common.connect.is_some() || common.telegram_test) {
        console.error(
            "error: --sim-password and --sim-email-setup set up the embedded simulator; \
             not with --connect or --telegram-test",
        );
        return USAGE;
    }
    let make_sim = || accounts::demo_sim(extra.as_slice()).map_err(|e| e.to_string());
    let backend = match Backend::open(&common, make_sim, None, &mut console).await {
        Ok(backend) => backend,
        Err(status) => return status,
    };
    let sim = backend.sim();
    let transport = Arc::clone(&backend.transport);
    let mut prompt = CliPrompt::new(console, &args.login, sim.clone(), None);
    let config = backend.login_config();
    // The OS generator seeds the login's secrets (a failure panics: no randomness, no login).
    let mut rng = backend::os_rng();
    let result = login(
        Arc::clone(&transport),
        &mut prompt,
        config,
        &phone,
        &mut rng,
        cancel.clone(),
    );
    let status = match result.await {
        Ok(auth) => {
            prompt.show_sim();
            prompt
                .console
                .say(&format!("logged in as user {}", auth.user_id));
            let mut manager = Manager {
                args: &args,
                console: &mut prompt.console,
                sim: sim.as_ref(),
                current: args.login.password.clone().map(Zeroizing::new),
                plan: None,
            };
            match manager.manage(&transport, auth.dc, &cancel).await {
                Ok(()) => LOGGED_IN,
                Err((status, line)) => {
                    prompt.console.error(&line);
                    status
                }
            }
        }
        Err(error) => {
            prompt.show_sim();
            let (status, reason) = failure(&error, prompt.stop.as_ref());
            prompt.console.error(&reason);
            status
        }
    };
    backend.shutdown();
    status
}

/// Runs the settings machine, answering its events from the flags or the console.
struct Manager<'a> {
    args: &'a PasswordArgs,
    console: &'a mut Console,
    sim: Option<&'a Arc<Mutex<Sim>>>,
    /// The current password, to prove.
    current: Option<Zeroizing<String>>,
    plan: Option<Plan>,
}

impl Manager<'_> {
    async fn manage(
        &mut self,
        transport: &MtprotoTransport,
        dc: auth_core::DcId,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let mut rng = backend::os_rng();
        let mut settings = PasswordSettings::new(&SessionConfig::new(dc), &mut rng, Instant::now())
            .map_err(|e| (FAILED, format!("error: {e}")))?;
        loop {
            if cancel.is_cancelled() {
                return Err((FAILED, "error: cancelled".into()));
            }
            let mut progressed = false;
            while let Some(t) = settings.poll_transmit() {
                let id = t.id;
                progressed = true;
                let answer = transport.invoke(t.dc, t.into_plain_body()).await;
                let now = Instant::now();
                // An error means an id the machine never sent: cannot happen here.
                let _ = match answer {
                    Ok(body) => settings.handle_response(now, id, &body),
                    Err(failure) => settings.handle_failure(now, id, failure),
                };
            }
            // Proving the current password and hashing the new one: slow, off the runtime.
            while let Some(work) = settings.poll_work() {
                progressed = true;
                self.console.say(if self.current.is_some() {
                    "Checking the password (PBKDF2, 100 000 rounds)..."
                } else {
                    "Hashing the new password (PBKDF2, 100 000 rounds)..."
                });
                let done = tokio::task::spawn_blocking(move || work.run())
                    .await
                    .map_err(|e| (FAILED, format!("error: {e}")))?;
                // Refused only for work the machine no longer waits for.
                let _ = settings.handle_work(Instant::now(), done);
            }
            while let Some(event) = settings.poll_event() {
                progressed = true;
                if let Some(outcome) = self.on_event(&mut settings, event).await? {
                    self.console.say(outcome);
                    return Ok(());
                }
            }
            if progressed {
                continue; // send what the answers and commands queued
            }
            let Some(at) = settings.poll_timeout() else {
                return Err((FAILED, "error: the password settings stalled".into()));
            };
            tokio::time::sleep_until(at.into()).await;
            settings.handle_timeout(Instant::now());
        }
    }

    /// Handles one event; `Some(line)` when the machine finished well.
    async fn on_event(
        &mut self,
        settings: &mut PasswordSettings,
        event: SettingsEvent,
    ) -> Result<Option<&'static str>, Stop> {
        match event {
            SettingsEvent::Ready { has_password, info } => {
                self.console.say(&match (has_password, &info.hint) {
                    (true, Some(hint)) => format!("2FA password: set (hint: {hint})"),
                    (true, None) => "2FA password: set".to_owned(),
                    (false, _) => "2FA password: not set".to_owned(),
                });
                self.plan = Some(self.decide(has_password).await?);
                if has_password && self.current.is_none() {
                    self.current = Some(self.ask_secret("Current password: ").await?);
                }
                self.submit(settings)?;
            }
            SettingsEvent::PasswordInvalid { attempts } => {
                self.console
                    .say(&format!("Wrong current password ({attempts} so far)."));
                if !self.console.interactive {
                    return Err((
                        FAILED,
                        "error: wrong password (given with --password)".into(),
                    ));
                }
                self.current = Some(self.ask_secret("Current password: ").await?);
                self.submit(settings)?;
            }
            SettingsEvent::EmailRefused(e) => {
                return Err((
                    FAILED,
                    format!("error: the recovery email was refused ({})", e.name),
                ));
            }
            SettingsEvent::EmailUnconfirmed(code) => {
                self.console.say(&format!(
                    "Saved. A {}-digit code was sent to {} to confirm it.",
                    code.length, code.email_pattern
                ));
                self.show_mailed_code();
                let code = self
                    .email_code(self.args.recovery_email_code.clone())
                    .await?;
                settings
                    .confirm_email(Instant::now(), &code)
                    .map_err(|e| (FAILED, format!("error: {e}")))?;
            }
            SettingsEvent::EmailCodeInvalid { attempts } => {
                self.console
                    .say(&format!("Wrong email code ({attempts} so far)."));
                let code = self.email_code(None).await?;
                settings
                    .confirm_email(Instant::now(), &code)
                    .map_err(|e| (FAILED, format!("error: {e}")))?;
            }
            SettingsEvent::EmailCodeResent => self.show_mailed_code(),
            SettingsEvent::DcChanged(dc) => self
                .console
                .say(&format!("The account lives on {dc}: continuing there.")),
            SettingsEvent::FloodWait { seconds, .. } => self
                .console
                .say(&format!("The server asked to wait {seconds} s: waiting...")),
            SettingsEvent::Done(outcome) => {
                return Ok(Some(match (outcome, &self.plan) {
                    (Outcome::Updated, Some(Plan::Remove)) => "password removed",
                    (Outcome::Updated, Some(Plan::RecoveryEmail(_))) => "recovery email set",
                    (Outcome::Updated, _) => "password set",
                    (Outcome::EmailConfirmed, _) => "saved; recovery email confirmed",
                    (Outcome::EmailCancelled, _) => "saved; recovery email not confirmed",
                    (Outcome::EmailExpired, _) => "saved; the recovery email's code expired",
                    (_, _) => "saved",
                }));
            }
            SettingsEvent::Cancelled => return Err((FAILED, "error: cancelled".into())),
            SettingsEvent::Failed(e) => return Err((FAILED, format!("error: {e}"))),
            _ => {}
        }
        Ok(None)
    }

    /// What to change: from the flags, else asked.
    async fn decide(&mut self, has_password: bool) -> Result<Plan, Stop> {
        let args = self.args;
        if args.remove {
            return Ok(Plan::Remove);
        }
        let new_password = match (&args.new_password, &args.recovery_email) {
            (Some(new), _) => Zeroizing::new(new.clone()),
            (None, Some(email)) => return Ok(Plan::RecoveryEmail(email.clone())),
            (None, None) if !self.console.interactive => {
                return Err((
                    USAGE,
                    "error: pass --new-password, --remove or --recovery-email".into(),
                ));
            }
            (None, None) => {
                self.ask_secret("New password (empty to remove the password): ")
                    .await?
            }
        };
        if new_password.is_empty() {
            return if has_password {
                Ok(Plan::Remove)
            } else {
                Err((
                    FAILED,
                    "error: no password is set: nothing to remove".into(),
                ))
            };
        }
        Ok(Plan::Set {
            password: new_password,
            hint: args.hint.clone().unwrap_or_default(),
            email: args.recovery_email.clone(),
        })
    }

    /// Makes the planned change, proving the current password; the machine hands out the
    /// slow steps as work, which `manage` runs off the runtime.
    fn submit(&mut self, settings: &mut PasswordSettings) -> Result<(), Stop> {
        let change = match &self.plan {
            Some(Plan::Set {
                password,
                hint,
                email,
            }) => PasswordChange::set(password.as_bytes(), hint, email.as_deref()),
            Some(Plan::Remove) => PasswordChange::Remove,
            Some(Plan::RecoveryEmail(email)) => PasswordChange::RecoveryEmail(email.clone()),
            None => return Err((FAILED, "error: nothing to change".into())),
        };
        let current = self.current.as_ref().map(|c| c.as_bytes());
        settings
            .update(Instant::now(), current, change)
            .map_err(|e| (FAILED, format!("error: {e}")))
    }

    /// Prints the recovery email's code the embedded simulator "mailed".
    fn show_mailed_code(&mut self) {
        let email = match &self.plan {
            Some(Plan::Set {
                email: Some(email), ..
            })
            | Some(Plan::RecoveryEmail(email)) => email.clone(),
            _ => return,
        };
        let code = self.sim.and_then(|sim| {
            let sim = sim.lock().unwrap_or_else(PoisonError::into_inner);
            sim.last_email_code(&email).map(str::to_owned)
        });
        if let Some(code) = code {
            self.console
                .say(&format!("[sim] email to {email}: code {code}"));
        }
    }

    /// The recovery email's code: `given`, else asked.
    async fn email_code(&mut self, given: Option<String>) -> Result<String, Stop> {
        if let Some(code) = given {
            return Ok(code);
        }
        if !self.console.interactive {
            return Err((
                USAGE,
                "error: the recovery email's code is needed: pass --recovery-email-code".into(),
            ));
        }
        match self
            .console
            .ask("Code from the recovery email: ", false)
            .await
        {
            Some(code) => Ok(code),
            None => Err((FAILED, "error: no code given".into())),
        }
    }

    async fn ask_secret(&mut self, question: &str) -> Result<Zeroizing<String>, Stop> {
        if !self.console.interactive {
            return Err((
                USAGE,
                format!(
                    "error: {} is needed and standard input is not a terminal",
                    question.trim_end_matches([':', ' '])
                ),
            ));
        }
        match self.console.ask(question, true).await {
            Some(answer) => Ok(Zeroizing::new(answer)),
            None => Err((FAILED, "error: no answer given".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A shared output buffer.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    /// Runs `login password ARGS` without a terminal; returns status, output and errors.
    async fn run_password(args: &[&str]) -> (u8, String, String) {
        let (out, err) = (Captured::default(), Captured::default());
        let console = Console::new(
            Box::new(out.clone()),
            Box::new(err.clone()),
            Box::new(|_, _| None),
            false,
        );
        let argv = ["login", "password"].iter().chain(args).copied();
        let status = super::super::run(argv, console, CancellationToken::new()).await;
        (status, out.text(), err.text())
    }

    #[tokio::test]
    async fn changes_the_password_and_confirms_a_recovery_email() {
        let (status, out, err) = run_password(&[
            "--phone",
            "+999 66 3 0002",
            "--code",
            "33333",
            "--password",
            "hunter2",
            "--new-password",
            "swordfish",
            "--hint",
            "fish",
            "--recovery-email",
            "bob@example.com",
            "--recovery-email-code",
            "33333",
        ])
        .await;
        assert_eq!((status, err.as_str()), (LOGGED_IN, ""), "{out}");
        assert!(out.contains("2FA password: set (hint: classic)"), "{out}");
        assert!(
            out.contains("[sim] email to bob@example.com: code 33333"),
            "{out}"
        );
        assert!(out.ends_with("saved; recovery email confirmed\n"), "{out}");
    }

    #[tokio::test]
    async fn sets_a_first_password_and_refuses_what_cannot_work() {
        let (status, out, _) = run_password(&[
            "--phone",
            "+999 66 2 0001",
            "--code",
            "22222",
            "--new-password",
            "first",
        ])
        .await;
        assert_eq!(status, LOGGED_IN, "{out}");
        assert!(out.contains("2FA password: not set"), "{out}");
        assert!(out.ends_with("password set\n"), "{out}");

        // Nothing to do, and nobody to ask.
        let (status, _, err) =
            run_password(&["--phone", "+999 66 2 0001", "--code", "22222"]).await;
        assert_eq!(status, USAGE);
        assert!(
            err.contains("pass --new-password, --remove or --recovery-email"),
            "{err}"
        );

        // A wrong password ends the run (here already at the login).
        let (status, _, err) = run_password(&[
            "--phone",
            "+999 66 3 0002",
            "--code",
            "33333",
            "--password",
            "wrong",
            "--remove",
        ])
        .await;
        assert_eq!(status, FAILED);
        assert!(err.contains("wrong password"), "{err}");
    }
}
