//! The login driver: runs an [`auth_core::login::Login`] over a [`Transport`], asking a
//! [`Prompt`].

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Instant;

use auth_core::login::{CodeKind, Config, NO_INTEGRITY_CHECK};
use auth_core::{Authorization, Error, Login, LoginEvent, Phase, UsageError};
use rand_core::CryptoRng;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

use crate::calls::CallsInFlight;
use crate::{Answer, Prompt, Transport};
use auth_core::EmailAlternative;

/// How a login ended, when it did not log in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The login failed (the core's terminal `LoginEvent::Failed`: the server refused, the
    /// transport kept failing, ...). [`Error::class`] says what to do about it.
    #[error("login failed: {0}")]
    Failed(#[from] Error),
    /// The login was cancelled: by the cancellation token, by the prompt answering
    /// [`Answer::Cancel`], or by declining the terms of service.
    #[error("login cancelled")]
    Cancelled,
    /// The login could not start (`Login::new` refused the phone number or configuration).
    #[error("cannot start the login: {0}")]
    Usage(#[from] UsageError),
    /// The core waited for nothing: no call in flight, no timer, no question. A bug in
    /// `auth-core`.
    #[error("the login stalled in phase {0:?}")]
    Stalled(Phase),
}

/// Logs in with `phone`: sends the calls of the login through `transport`, asks `prompt` for
/// the code, password, name or email as the server requires, and returns the authorization.
///
/// `rng` is the OS generator (any `rand_core::CryptoRng`, e.g.
/// `rand_core::UnwrapErr(getrandom::SysRng)`): 32 bytes of it seed this login's secrets,
/// drawn before this function returns, so the future does not borrow it. Times come from
/// [`Instant::now`].
///
/// The loop drains the calls the login wants sent (each runs as its own task, so an abandoned
/// call never blocks the next), tells the prompt every event, asks it what the login waits
/// for, and otherwise waits for the next answer from the network, the user or the clock. The
/// slow password work the login hands out (`Login::poll_work`: PBKDF2) runs on
/// [`tokio::task::spawn_blocking`], bracketed by [`Prompt::checking_password`]; the core keeps
/// the password until the server accepted or refused it and checks a renewed challenge again
/// by itself. At the password question, [`Answer::Recover`] ("forgot it") requests a recovery
/// code by email; while that code is live, [`Prompt::recovery_code`] is asked instead, and
/// using the code removes the password and logs in.
///
/// **Cancellation.** Cancelling `cancel`, or dropping the returned future, ends the login; if
/// a code was sent, `auth.cancelCode` invalidates it. With the token the driver waits for that
/// call's answer and returns [`LoginError::Cancelled`]; on drop the call is spawned on the
/// current runtime and left to finish by itself.
///
/// # Errors
///
/// [`LoginError::Usage`] if the phone number or configuration is unusable,
/// [`LoginError::Cancelled`] and [`LoginError::Failed`] as above.
pub fn login<'p, T, P, R>(
    transport: Arc<T>,
    prompt: &'p mut P,
    config: Config,
    phone: &str,
    rng: &mut R,
    cancel: CancellationToken,
) -> impl Future<Output = Result<Authorization, LoginError>> + Send + use<'p, T, P, R>
where
    T: Transport + 'static,
    P: Prompt + ?Sized,
    R: CryptoRng + ?Sized,
{
    let login = Login::new(config, phone, rng, Instant::now());
    async move {
        let mut driver = Driver {
            login: login?,
            transport,
            calls: CallsInFlight::default(),
            cancel,
            cancelling: false,
        };
        driver.run(prompt).await
    }
}

/// The state of one running login; dropping it unfinished cancels the login.
struct Driver<T: Transport + 'static> {
    login: Login,
    transport: Arc<T>,
    /// Calls on their way, one task each.
    calls: CallsInFlight,
    cancel: CancellationToken,
    /// `Login::cancel` was called: not again (it would send a second `auth.cancelCode`).
    cancelling: bool,
}

impl<T: Transport + 'static> Driver<T> {
    async fn run<P: Prompt + ?Sized>(
        &mut self,
        prompt: &mut P,
    ) -> Result<Authorization, LoginError> {
        loop {
            self.flush_transmits();
            while let Some(event) = self.login.poll_event() {
                match event {
                    LoginEvent::Done(authorization) => return Ok(*authorization),
                    LoginEvent::Cancelled => return Err(LoginError::Cancelled),
                    LoginEvent::Failed(error) => return Err(LoginError::Failed(error)),
                    event => prompt.notify(&event),
                }
            }
            if let Some(work) = self.login.poll_work() {
                // The password's slow step, on a blocking thread, serving the network meanwhile.
                prompt.checking_password(true);
                let done = self
                    .ask(tokio::task::spawn_blocking(move || work.run()))
                    .await;
                prompt.checking_password(false);
                match done {
                    // Refused only if the login moved on meanwhile: nothing to do.
                    Some(Ok(done)) => drop(self.login.handle_work(Instant::now(), done)),
                    // The work panicked: nothing sensible is left to do.
                    Some(Err(_)) => drop(self.cancel_login()),
                    None => {}
                }
                continue;
            }
            let refused = match self.login.phase() {
                Phase::Working => {
                    if self.calls.is_empty() && self.login.poll_timeout().is_none() {
                        return Err(LoginError::Stalled(Phase::Working));
                    }
                    self.step(pin!(std::future::pending::<()>())).await;
                    None
                }
                Phase::AwaitingCode => self.ask_code(prompt).await?,
                Phase::AwaitingSignUp => self.ask_sign_up(prompt).await,
                Phase::AwaitingPassword => self.ask_password(prompt).await?,
                Phase::AwaitingEmail => self.ask_email(prompt).await,
                Phase::AwaitingEmailCode => self.ask_email_code(prompt).await,
                // No device-integrity check here: the server sends the code another way.
                Phase::AwaitingIntegrityCheck => self
                    .login
                    .report_integrity_failure(Instant::now(), NO_INTEGRITY_CHECK)
                    .err(),
                // Nor a store to pay in: the login ends with `Error::PaymentRequired`.
                Phase::AwaitingPayment => self.login.decline_payment(Instant::now()).err(),
                // Finished, and the phases a phone login never reaches.
                phase => return Err(LoginError::Stalled(phase)),
            };
            if let Some(error) = refused {
                prompt.refused(&error);
            }
        }
    }

    // ----- questions: each returns the refusal of the answer, if any -----

    async fn ask_code<P: Prompt + ?Sized>(
        &mut self,
        prompt: &mut P,
    ) -> Result<Option<UsageError>, LoginError> {
        let sent = self
            .login
            .sent_code()
            .cloned()
            .ok_or(LoginError::Stalled(Phase::AwaitingCode))?;
        if let Some(refused) = self.email_alternative(prompt, &sent.kind) {
            return Ok(refused);
        }
        let attempts = self.login.code_attempts();
        let Some(answer) = self.ask(prompt.code(&sent, attempts)).await else {
            return Ok(None);
        };
        let now = Instant::now();
        Ok(match answer {
            Answer::Value(code) => self.login.submit_code(now, &Zeroizing::new(code)).err(),
            Answer::Resend => self.login.resend_code(now, None).err(),
            Answer::Recover => self.login.request_password_recovery(now).err(),
            Answer::Cancel => self.cancel_login(),
        })
    }

    async fn ask_sign_up<P: Prompt + ?Sized>(&mut self, prompt: &mut P) -> Option<UsageError> {
        let terms = self.login.terms_of_service().cloned();
        let answer = self.ask(prompt.sign_up(terms.as_ref())).await?;
        match answer {
            Answer::Value((first, last)) => self.login.sign_up(Instant::now(), &first, &last).err(),
            Answer::Resend => Some(UsageError::ResendUnavailable),
            Answer::Recover => self.login.request_password_recovery(Instant::now()).err(),
            Answer::Cancel => {
                self.cancelling = true;
                self.login.decline_sign_up(Instant::now()).err()
            }
        }
    }

    /// Asks for the password and submits it (the core hands out checking it as work), or,
    /// while a recovery code is live, asks for that code.
    async fn ask_password<P: Prompt + ?Sized>(
        &mut self,
        prompt: &mut P,
    ) -> Result<Option<UsageError>, LoginError> {
        if let Some(pattern) = self.login.recovery_email_pattern() {
            let pattern = pattern.to_owned();
            return Ok(self.ask_recovery_code(prompt, &pattern).await);
        }
        let info = self
            .login
            .password_info()
            .cloned()
            .ok_or(LoginError::Stalled(Phase::AwaitingPassword))?;
        let attempts = self.login.password_attempts();
        Ok(match self.ask(prompt.password(&info, attempts)).await {
            Some(Answer::Value(password)) => self
                .login
                .submit_password(Instant::now(), password.as_bytes())
                .err(),
            Some(Answer::Resend) => Some(UsageError::ResendUnavailable),
            // Forgot it: a recovery code by email (refused without a recovery email).
            Some(Answer::Recover) => self.login.request_password_recovery(Instant::now()).err(),
            Some(Answer::Cancel) => self.cancel_login(),
            None => None,
        })
    }

    /// A recovery code went to the recovery email: asks for it (using it removes the
    /// password); `Resend` mails a new one.
    async fn ask_recovery_code<P: Prompt + ?Sized>(
        &mut self,
        prompt: &mut P,
        email_pattern: &str,
    ) -> Option<UsageError> {
        let attempts = self.login.recovery_attempts();
        match self
            .ask(prompt.recovery_code(email_pattern, attempts))
            .await?
        {
            Answer::Value(code) => self
                .login
                .submit_recovery_code(Instant::now(), &Zeroizing::new(code), None)
                .err(),
            Answer::Resend | Answer::Recover => {
                self.login.request_password_recovery(Instant::now()).err()
            }
            Answer::Cancel => self.cancel_login(),
        }
    }

    /// Offers the prompt another way past an email question ([`Prompt::email_alternative`]):
    /// `Some(refusal or None)` when it took one, `None` to ask the question itself.
    fn email_alternative<P: Prompt + ?Sized>(
        &mut self,
        prompt: &mut P,
        kind: &CodeKind,
    ) -> Option<Option<UsageError>> {
        if !matches!(
            kind,
            CodeKind::Email { .. } | CodeKind::SetUpEmailRequired { .. }
        ) {
            return None;
        }
        let now = Instant::now();
        Some(match prompt.email_alternative(kind)? {
            EmailAlternative::Token(token) => self.login.submit_email_token(now, token).err(),
            EmailAlternative::ResetLoginEmail => self.login.reset_login_email(now).err(),
        })
    }

    async fn ask_email<P: Prompt + ?Sized>(&mut self, prompt: &mut P) -> Option<UsageError> {
        if let Some(kind) = self.login.sent_code().map(|s| s.kind.clone())
            && let Some(refused) = self.email_alternative(prompt, &kind)
        {
            return refused;
        }
        let (google, apple) = match self.login.sent_code().map(|sent| &sent.kind) {
            Some(CodeKind::SetUpEmailRequired {
                google_signin_allowed,
                apple_signin_allowed,
            }) => (*google_signin_allowed, *apple_signin_allowed),
            _ => (false, false),
        };
        match self.ask(prompt.email(google, apple)).await? {
            Answer::Value(email) => self.login.submit_email(Instant::now(), &email).err(),
            Answer::Resend => Some(UsageError::ResendUnavailable),
            Answer::Recover => self.login.request_password_recovery(Instant::now()).err(),
            Answer::Cancel => self.cancel_login(),
        }
    }

    async fn ask_email_code<P: Prompt + ?Sized>(&mut self, prompt: &mut P) -> Option<UsageError> {
        let (pattern, length) = self
            .login
            .email_code()
            .map(|c| (c.email_pattern.clone(), c.length))
            .unwrap_or_default();
        match self.ask(prompt.email_code(&pattern, length)).await? {
            Answer::Value(code) => self
                .login
                .submit_email_code(Instant::now(), &Zeroizing::new(code))
                .err(),
            Answer::Resend => Some(UsageError::ResendUnavailable),
            Answer::Recover => self.login.request_password_recovery(Instant::now()).err(),
            Answer::Cancel => self.cancel_login(),
        }
    }

    // ----- waiting -----

    /// Waits for `question` while serving the network and the clock. `None` if the login was
    /// cancelled, or moved on, before the answer came (the question is then dropped).
    async fn ask<F: Future>(&mut self, question: F) -> Option<F::Output> {
        let mut question = pin!(question);
        let phase = self.login.phase();
        loop {
            if let Some(answer) = self.step(question.as_mut()).await {
                return Some(answer);
            }
            if self.cancelling || self.login.phase() != phase {
                return None;
            }
        }
    }

    /// Waits for the first of: cancellation, `fut`, a call's answer, the login's timer. Returns
    /// `fut`'s output if it came first; otherwise feeds what happened into the login.
    async fn step<F: Future>(&mut self, fut: Pin<&mut F>) -> Option<F::Output> {
        let cancel = self.cancel.clone();
        let deadline = self.login.poll_timeout();
        // Without a deadline the timer branch is off; `wake_at` only needs to be some instant.
        let wake_at = deadline.unwrap_or_else(Instant::now);
        let out = tokio::select! {
            biased;
            () = cancel.cancelled(), if !self.cancelling => {
                self.cancel_login();
                None
            }
            out = fut => Some(out),
            Some(joined) = self.calls.next() => {
                self.calls.deliver(&mut self.login, joined);
                None
            }
            () = tokio::time::sleep_until(wake_at.into()), if deadline.is_some() => {
                self.login.handle_timeout(Instant::now().max(wake_at));
                None
            }
        };
        self.flush_transmits();
        out
    }

    /// Starts a task for every call the machine wants sent.
    fn flush_transmits(&mut self) {
        self.calls.send_all(&mut self.login, &self.transport);
    }

    /// Cancels the login (once). Returns no refusal, for the question helpers.
    fn cancel_login(&mut self) -> Option<UsageError> {
        if !self.cancelling {
            self.cancelling = true;
            self.login.cancel(Instant::now());
        }
        None
    }
}

impl<T: Transport + 'static> Drop for Driver<T> {
    /// A login dropped unfinished is cancelled: `auth.cancelCode` is spawned on the current
    /// runtime (or, if it is already on its way, left to finish).
    fn drop(&mut self) {
        if self.login.is_finished() {
            return;
        }
        if self.cancelling {
            self.calls.detach_all();
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        self.login.cancel(Instant::now());
        while let Some(transmit) = self.login.poll_transmit() {
            let transport = Arc::clone(&self.transport);
            runtime.spawn(async move {
                let _ = transport
                    .invoke(transmit.dc, transmit.into_plain_body())
                    .await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use auth_core::entropy::Entropy;
    use auth_core::login::SentCode;
    use auth_core::{DcId, PasswordInfo, TermsOfService};
    use auth_sim::tcp::{ServerConfig, SimServer};
    use auth_sim::{AccountConfig, Sim};
    use mtproto::session::ClientInfo;

    use super::*;
    use crate::MtprotoTransport;

    /// Forgot the password, then gives the recovery codes in turn.
    struct Forgetful {
        codes: Vec<&'static str>,
        asked: Vec<String>,
    }

    impl Prompt for Forgetful {
        async fn code(&mut self, _: &SentCode, _: u32) -> Answer<String> {
            Answer::Value("22222".into())
        }
        async fn password(&mut self, _: &PasswordInfo, _: u32) -> Answer<Zeroizing<String>> {
            self.asked.push("password".into());
            Answer::Recover
        }
        async fn recovery_code(&mut self, pattern: &str, attempts: u32) -> Answer<String> {
            self.asked
                .push(format!("recovery_code {pattern} {attempts}"));
            if self.codes.is_empty() {
                Answer::Cancel
            } else {
                Answer::Value(self.codes.remove(0).into())
            }
        }
        async fn sign_up(&mut self, _: Option<&TermsOfService>) -> Answer<(String, String)> {
            Answer::Cancel
        }
        async fn email(&mut self, _: bool, _: bool) -> Answer<String> {
            Answer::Cancel
        }
        async fn email_code(&mut self, _: &str, _: u32) -> Answer<String> {
            Answer::Cancel
        }
    }

    #[tokio::test]
    async fn a_forgotten_password_is_recovered_by_email() {
        let mut sim = Sim::default();
        let phone = "9996623002";
        let account = AccountConfig::new(phone, DcId(2))
            .with_password("forgotten")
            .with_recovery_email("ada@example.com");
        let id = sim.add_account(account).expect("account");
        let server = SimServer::start(sim, ServerConfig::new(Entropy::deterministic([2; 32])))
            .expect("loopback ports");
        let pool = server.client_config(auth_core::LAYER, ClientInfo::new(1));
        let transport = MtprotoTransport::new(pool, &mut Entropy::deterministic([7; 32]));
        let transport = Arc::new(transport.expect("a server key"));
        let mut prompt = Forgetful {
            codes: vec!["12345", "22222"],
            asked: Vec::new(),
        };
        let config = Config::new(1, "api-hash");
        let cancel = CancellationToken::new();
        let auth = login(
            transport,
            &mut prompt,
            config,
            phone,
            &mut Entropy::deterministic([1; 32]),
            cancel,
        )
        .await;
        assert_eq!(auth.map(|a| a.user_id), Ok(id));
        assert_eq!(
            prompt.asked,
            [
                "password",
                "recovery_code a***@example.com 0",
                "recovery_code a***@example.com 1"
            ]
        );
        let has_password = server.with_sim(|sim| sim.account(phone).map(|a| a.has_password));
        assert_eq!(has_password, Some(false));
        server.shutdown();
    }
}
