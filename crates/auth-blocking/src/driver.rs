//! The [`login`] driver: runs an [`auth_core::login::Login`] to its end over a [`Transport`],
//! asking a [`Prompt`], on the calling thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use auth_core::login::{CodeKind, Config, Login, LoginEvent, NO_INTEGRITY_CHECK};
use auth_core::{Authorization, Error, Phase, UsageError};
use rand_core::CryptoRng;

use crate::{Answer, EmailAlternative, Prompt, Transport};

/// How often a sleeping driver looks at its [`CancelToken`].
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Asks a running [`login`] to stop, from any thread. Clones share the flag.
///
/// The driver looks at it between steps (a blocking prompt or transport call is not
/// interrupted) and while it waits out a timer; then it calls `Login::cancel` and drives the
/// login until `Cancelled`, so a sent code is invalidated with `auth.cancelCode`.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the login to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Why [`login`] returned without an authorization.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The login failed (the core's terminal `LoginEvent::Failed`; its
    /// [`class`](Error::class) says whether to show it, try later or report a bug).
    #[error("login failed: {0}")]
    Failed(Error),
    /// The user (through the prompt) or the [`CancelToken`] cancelled it.
    #[error("login cancelled")]
    Cancelled,
    /// The login could not start (`Login::new` refused the phone number or configuration).
    #[error("cannot start the login: {0}")]
    Usage(UsageError),
    /// The core waited for nothing: no request, no timer, no question. A bug in `auth-core`.
    #[error("the login stalled in phase {0:?}")]
    Stalled(Phase),
}

/// Logs in `phone`: drives a [`Login`] over `transport`, asking `prompt`, until it ends.
///
/// The loop: send every queued call on `transport` and feed back its answer (or failure);
/// hand every event to [`Prompt::notify`], returning on a terminal one; if the login waits
/// for the user, ask the matching [`Prompt`] question and pass the answer to the matching
/// command (an answer the command refuses goes to [`Prompt::refused`] and the question is
/// asked again); otherwise sleep until `Login::poll_timeout` and call `handle_timeout`. The
/// clock is `Instant::now()`.
///
/// The slow password work the login hands out (`Login::poll_work`) runs on this thread,
/// bracketed by [`Prompt::checking_password`]; when the server renews the challenge the core
/// hands out new work by itself, so the password is asked once.
///
/// At the password question, [`Answer::Recover`] ("forgot it") requests a recovery code by
/// email; while that code is live, [`Prompt::recovery_code`] is asked instead of the password,
/// and using the code removes the password and logs in.
///
/// `rng` is the OS generator (any `rand_core::CryptoRng`): 32 bytes of it seed this login's
/// secrets. `config.logout_tokens` should hold the
/// device's stored tokens (e.g. [`TokenFile::tokens`](auth_store::TokenFile::tokens)); the
/// returned [`Authorization::future_auth_token`] should be stored with them
/// ([`TokenFile::remember`](auth_store::TokenFile::remember)).
///
/// # Errors
///
/// [`LoginError`]: failed, cancelled, or refused at the start.
///
/// ```no_run
/// use auth_blocking::{login, MtprotoTransport, Prompt};
/// use auth_store::TokenFile;
/// use mtproto::pool::PoolConfig;
/// use mtproto::session::ClientInfo;
///
/// fn run(prompt: &mut impl Prompt) -> Result<(), Box<dyn std::error::Error>> {
///     let (mut tokens, _) = TokenFile::open("tokens.bin")?;
///     let mut config = auth_core::login::Config::new(12345, "api-hash");
///     config.logout_tokens = tokens.tokens().clone();
///     let mut os = rand_core::UnwrapErr(getrandom::SysRng);
///     let pool = PoolConfig::telegram_test(auth_core::LAYER, ClientInfo::new(12345));
///     let mut transport = MtprotoTransport::new(pool, &mut os)?;
///     let auth = login(&mut transport, prompt, config, "+999 66 2 1234", &mut os, None)?;
///     tokens.remember(&auth)?;
///     Ok(())
/// }
/// ```
pub fn login<T, P, R>(
    transport: &mut T,
    prompt: &mut P,
    config: Config,
    phone: &str,
    rng: &mut R,
    cancel: Option<&CancelToken>,
) -> Result<Authorization, LoginError>
where
    T: Transport + ?Sized,
    P: Prompt + ?Sized,
    R: CryptoRng + ?Sized,
{
    let mut login = Login::new(config, phone, rng, Instant::now()).map_err(LoginError::Usage)?;
    let mut driver = Driver {
        cancel,
        cancelling: false,
    };
    loop {
        driver.check_cancel(&mut login);
        // A timer that fell due while the prompt had the thread (e.g. resend available).
        let now = Instant::now();
        if login.poll_timeout().is_some_and(|at| at <= now) {
            login.handle_timeout(now);
        }
        while let Some(t) = login.poll_transmit() {
            let answer = crate::transport::invoke_traced(transport, &t);
            let now = Instant::now();
            match answer {
                Ok(body) => login.handle_response(now, t.id, &body),
                Err(failure) => login.handle_failure(now, t.id, failure),
            }
            .map_err(LoginError::Usage)?;
        }
        // The password's slow step (PBKDF2), on this thread.
        let mut worked = false;
        while let Some(work) = login.poll_work() {
            worked = true;
            prompt.checking_password(true);
            let done = work.run();
            prompt.checking_password(false);
            login
                .handle_work(Instant::now(), done)
                .map_err(LoginError::Usage)?;
        }
        while let Some(event) = login.poll_event() {
            match event {
                LoginEvent::Done(auth) => return Ok(*auth),
                LoginEvent::Cancelled => return Err(LoginError::Cancelled),
                LoginEvent::Failed(e) => return Err(LoginError::Failed(e)),
                event => prompt.notify(&event),
            }
        }
        if worked {
            continue; // send what the work's result queued
        }
        match login.phase() {
            Phase::Working => driver.wait(&mut login)?,
            Phase::Finished => return Err(LoginError::Stalled(Phase::Finished)),
            _ if driver.cancelling => return Err(LoginError::Stalled(login.phase())),
            _ => driver.ask(&mut login, prompt)?,
        }
    }
}

/// What the driver remembers between steps.
struct Driver<'c> {
    cancel: Option<&'c CancelToken>,
    /// `Login::cancel` was called.
    cancelling: bool,
}

impl Driver<'_> {
    fn cancel_requested(&self) -> bool {
        self.cancel.is_some_and(CancelToken::is_cancelled)
    }

    fn check_cancel(&mut self, login: &mut Login) {
        if !self.cancelling && self.cancel_requested() {
            self.cancel_now(login);
        }
    }

    fn cancel_now(&mut self, login: &mut Login) {
        self.cancelling = true;
        login.cancel(Instant::now());
    }

    /// Sleeps until the login's next timer (waking to look at the cancel token).
    fn wait(&mut self, login: &mut Login) -> Result<(), LoginError> {
        let Some(at) = login.poll_timeout() else {
            return Err(LoginError::Stalled(login.phase()));
        };
        loop {
            let now = Instant::now();
            if now >= at {
                login.handle_timeout(now);
                return Ok(());
            }
            if !self.cancelling && self.cancel_requested() {
                return Ok(()); // the loop cancels
            }
            let left = at - now;
            thread::sleep(if self.cancel.is_some() {
                left.min(CANCEL_POLL)
            } else {
                left
            });
        }
    }

    /// Asks the question the login's phase calls for and applies the answer.
    fn ask<P: Prompt + ?Sized>(
        &mut self,
        login: &mut Login,
        prompt: &mut P,
    ) -> Result<(), LoginError> {
        let stalled = || LoginError::Stalled(login.phase());
        let result = match login.phase() {
            Phase::AwaitingCode => {
                let sent = login.sent_code().cloned().ok_or_else(stalled)?;
                if let Some(result) = email_alternative(login, prompt, &sent.kind) {
                    if let Err(e) = result {
                        prompt.refused(&e);
                    }
                    return Ok(());
                }
                let answer = prompt.code(&sent, login.code_attempts());
                self.apply(login, answer, |login, code| {
                    login.submit_code(Instant::now(), &code)
                })
            }
            Phase::AwaitingSignUp => match prompt.sign_up(login.terms_of_service()) {
                Answer::Cancel if !self.cancel_requested() => {
                    self.cancelling = true;
                    login.decline_sign_up(Instant::now())
                }
                answer => self.apply(login, answer, |login, (first, last)| {
                    login.sign_up(Instant::now(), &first, &last)
                }),
            },
            Phase::AwaitingEmail => {
                if let Some(kind) = login.sent_code().map(|s| s.kind.clone())
                    && let Some(result) = email_alternative(login, prompt, &kind)
                {
                    if let Err(e) = result {
                        prompt.refused(&e);
                    }
                    return Ok(());
                }
                let (google, apple) = match login.sent_code().map(|s| &s.kind) {
                    Some(CodeKind::SetUpEmailRequired {
                        google_signin_allowed,
                        apple_signin_allowed,
                    }) => (*google_signin_allowed, *apple_signin_allowed),
                    _ => (false, false),
                };
                let answer = prompt.email(google, apple);
                self.apply(login, answer, |login, email| {
                    login.submit_email(Instant::now(), &email)
                })
            }
            Phase::AwaitingEmailCode => {
                let code = login.email_code().cloned().ok_or_else(stalled)?;
                let answer = prompt.email_code(&code.email_pattern, code.length);
                self.apply(login, answer, |login, code| {
                    login.submit_email_code(Instant::now(), &code)
                })
            }
            Phase::AwaitingPassword => return self.password_step(login, prompt),
            // No device-integrity check here: the server sends the code another way.
            Phase::AwaitingIntegrityCheck => {
                login.report_integrity_failure(Instant::now(), NO_INTEGRITY_CHECK)
            }
            // Nor a store to pay in: the login ends with `Error::PaymentRequired`.
            Phase::AwaitingPayment => login.decline_payment(Instant::now()),
            // Working, Finished, and phases a phone login never reaches.
            phase => return Err(LoginError::Stalled(phase)),
        };
        if let Err(e) = result {
            prompt.refused(&e);
        }
        Ok(())
    }

    /// Applies an answer: a value with `submit`, `Resend` with `resend_code` (refused in any
    /// phase but the code's), `Recover` with `request_password_recovery` (refused but at the
    /// password), `Cancel` (or a cancel requested meanwhile) with `cancel`.
    fn apply<V>(
        &mut self,
        login: &mut Login,
        answer: Answer<V>,
        submit: impl FnOnce(&mut Login, V) -> Result<(), UsageError>,
    ) -> Result<(), UsageError> {
        match answer {
            _ if self.cancel_requested() => {
                self.cancel_now(login);
                Ok(())
            }
            Answer::Cancel => {
                self.cancel_now(login);
                Ok(())
            }
            Answer::Resend => login.resend_code(Instant::now(), None),
            Answer::Recover => login.request_password_recovery(Instant::now()),
            Answer::Value(v) => submit(login, v),
        }
    }

    fn password_step<P: Prompt + ?Sized>(
        &mut self,
        login: &mut Login,
        prompt: &mut P,
    ) -> Result<(), LoginError> {
        if let Some(pattern) = login.recovery_email_pattern().map(str::to_owned) {
            self.recovery_step(login, prompt, &pattern);
            return Ok(());
        }
        let info = login
            .password_info()
            .cloned()
            .ok_or(LoginError::Stalled(Phase::AwaitingPassword))?;
        let answer = prompt.password(&info, login.password_attempts());
        let result = self.apply(login, answer, |login, password| {
            login.submit_password(Instant::now(), password.as_bytes())
        });
        if let Err(e) = result {
            prompt.refused(&e);
        }
        Ok(())
    }

    /// A recovery code went to the recovery email: asks for it (using it removes the
    /// password); `Resend` mails a new one.
    fn recovery_step<P: Prompt + ?Sized>(
        &mut self,
        login: &mut Login,
        prompt: &mut P,
        email_pattern: &str,
    ) {
        let result = match prompt.recovery_code(email_pattern, login.recovery_attempts()) {
            Answer::Resend | Answer::Recover if !self.cancel_requested() => {
                login.request_password_recovery(Instant::now())
            }
            answer => self.apply(login, answer, |login, code| {
                login.submit_recovery_code(Instant::now(), &code, None)
            }),
        };
        if let Err(e) = result {
            prompt.refused(&e);
        }
    }
}

/// Offers the prompt another way past an email question ([`Prompt::email_alternative`]);
/// `None` when there is no email question or the prompt declines.
fn email_alternative<P: Prompt + ?Sized>(
    login: &mut Login,
    prompt: &mut P,
    kind: &CodeKind,
) -> Option<Result<(), UsageError>> {
    if !matches!(
        kind,
        CodeKind::Email { .. } | CodeKind::SetUpEmailRequired { .. }
    ) {
        return None;
    }
    Some(match prompt.email_alternative(kind)? {
        EmailAlternative::Token(token) => login.submit_email_token(Instant::now(), token),
        EmailAlternative::ResetLoginEmail => login.reset_login_email(Instant::now()),
    })
}
