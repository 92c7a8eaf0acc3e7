//! The human side of a login: questions the driver asks, and what it tells.

use std::future::Future;

use auth_core::login::{CodeKind, LoginEvent, SentCode};
use auth_core::{Answer, EmailAlternative};
use auth_core::{PasswordInfo, TermsOfService, UsageError};
use zeroize::Zeroizing;

/// Asks the user what the login needs, and tells them what happened.
///
/// The questions are `async`: a terminal UI reads a line, a web backend waits for the next
/// request. While a question is open the driver keeps serving the network and the clock;
/// events that arise meanwhile (only `ResendAvailable`, in practice) are told by
/// [`notify`](Self::notify) once the question is answered.
///
/// An answer the login refuses before sending anything (a code of the wrong length, an empty
/// name) is reported with [`refused`](Self::refused), then the same question is asked again:
/// a prompt that cannot produce another answer should answer [`Answer::Cancel`].
///
/// Implementations may write the methods as `async fn`; the futures must be `Send` so that
/// the whole login can run on a multi-threaded runtime.
pub trait Prompt: Send {
    /// The code that was sent (see `sent.kind` for how, and its length). `attempts` counts
    /// wrong codes so far.
    fn code(
        &mut self,
        sent: &SentCode,
        attempts: u32,
    ) -> impl Future<Output = Answer<String>> + Send;

    /// The account's 2FA password. `attempts` counts wrong passwords so far. The core keeps
    /// the password until the server accepted or refused it (and checks it again by itself if
    /// the server renews the challenge), then wipes it. [`Answer::Recover`]: forgot it, send a
    /// recovery code to the recovery email.
    fn password(
        &mut self,
        info: &PasswordInfo,
        attempts: u32,
    ) -> impl Future<Output = Answer<Zeroizing<String>>> + Send;

    /// The code sent to the recovery email (`email_pattern`) after [`password`](Self::password)
    /// answered [`Answer::Recover`]. `attempts` counts wrong codes so far. Using the code
    /// removes the account's password and logs in; [`Answer::Resend`] mails a new code.
    ///
    /// The default cancels: a prompt that never answers `Recover` is never asked.
    fn recovery_code(
        &mut self,
        email_pattern: &str,
        attempts: u32,
    ) -> impl Future<Output = Answer<String>> + Send {
        let _ = (email_pattern, attempts);
        std::future::ready(Answer::Cancel)
    }

    /// No account has this number: show the terms (when the server sent them) and ask for the
    /// first and last name. Giving a name accepts the terms; [`Answer::Cancel`] declines.
    fn sign_up(
        &mut self,
        terms: Option<&TermsOfService>,
    ) -> impl Future<Output = Answer<(String, String)>> + Send;

    /// The account must set up a login email: ask for the address.
    fn email(
        &mut self,
        google_signin_allowed: bool,
        apple_signin_allowed: bool,
    ) -> impl Future<Output = Answer<String>> + Send;

    /// The code sent to the login email being set up (`email_pattern` is the partly masked
    /// address, `length` the number of digits).
    fn email_code(
        &mut self,
        email_pattern: &str,
        length: u32,
    ) -> impl Future<Output = Answer<String>> + Send;

    /// Asked before [`code`](Self::code) for a code sent to the login email
    /// (`CodeKind::Email`) and before [`email`](Self::email) (`CodeKind::SetUpEmailRequired`):
    /// whether to take another way (a Google/Apple ID token, or a login-email reset). `None`
    /// (the default) goes on to the question itself; a way the server does not allow is refused
    /// with [`refused`](Self::refused) and the questions are asked again.
    fn email_alternative(&mut self, kind: &CodeKind) -> Option<EmailAlternative> {
        let _ = kind;
        None
    }

    /// Progress: every event that does not end the login, in order, before any question it
    /// leads to (the terminal ones are [`login`](crate::login)'s result).
    fn notify(&mut self, event: &LoginEvent) {
        let _ = event;
    }

    /// The slow password work (PBKDF2) started (`true`) or ended (`false`): show progress.
    fn checking_password(&mut self, started: bool) {
        let _ = started;
    }

    /// The last answer was refused before anything was sent; the question comes again.
    fn refused(&mut self, error: &UsageError) {
        let _ = error;
    }
}
