//! [`Prompt`]: the human side of a login, asked by the [`login`](crate::login) driver.

use auth_core::login::{CodeKind, LoginEvent, SentCode};
use auth_core::{Answer, EmailAlternative, PasswordInfo, TermsOfService, UsageError};
use zeroize::Zeroizing;

/// The human side of a login. The driver calls the asking methods when the login waits for
/// the user, and blocks until they return; the tokio adapter's prompt has the same shape,
/// `async`.
///
/// Every non-terminal [`LoginEvent`] is passed to [`notify`](Self::notify) first (so a UI can
/// show `CodeInvalid`, `FloodWait`, `DcChanged`, ...), then the matching question is asked.
pub trait Prompt {
    /// The login code that was sent as `sent` describes. `attempts` counts wrong codes so far.
    /// [`Answer::Resend`] asks for it again by `sent.next`.
    fn code(&mut self, sent: &SentCode, attempts: u32) -> Answer<String>;

    /// The 2FA password. `attempts` counts wrong passwords so far. [`Answer::Recover`]: forgot
    /// it, send a recovery code to the recovery email.
    fn password(&mut self, info: &PasswordInfo, attempts: u32) -> Answer<Zeroizing<String>>;

    /// A first and last name for signing up, after showing `terms` (accepting them);
    /// [`Answer::Cancel`] declines.
    fn sign_up(&mut self, terms: Option<&TermsOfService>) -> Answer<(String, String)>;

    /// The code sent to the recovery email (`email_pattern`) after [`password`](Self::password)
    /// answered [`Answer::Recover`]. `attempts` counts wrong codes so far. Using the code
    /// removes the account's password and logs in; [`Answer::Resend`] mails a new code.
    ///
    /// The default cancels: a prompt that never answers `Recover` is never asked.
    fn recovery_code(&mut self, email_pattern: &str, attempts: u32) -> Answer<String> {
        let _ = (email_pattern, attempts);
        Answer::Cancel
    }

    /// Asked before [`code`](Self::code) for a code sent to the login email
    /// (`CodeKind::Email`) and before [`email`](Self::email) (`CodeKind::SetUpEmailRequired`):
    /// whether to take another way (a Google/Apple ID token, or a login-email reset). `None`
    /// (the default) goes on to the question itself; a way the server does not allow is refused
    /// with [`refused`](Self::refused) and the questions are asked again.
    fn email_alternative(&mut self, kind: &CodeKind) -> Option<EmailAlternative> {
        let _ = kind;
        None
    }

    /// An email address to set up as the login email.
    fn email(&mut self, google_signin_allowed: bool, apple_signin_allowed: bool) -> Answer<String>;

    /// The code sent to the email being set up (`email_pattern`, `length` digits).
    fn email_code(&mut self, email_pattern: &str, length: u32) -> Answer<String>;

    /// Progress: every event that does not end the login, before any question it leads to.
    fn notify(&mut self, event: &LoginEvent) {
        let _ = event;
    }

    /// The password check (PBKDF2, tens of milliseconds) starts (`true`) or ends (`false`).
    fn checking_password(&mut self, started: bool) {
        let _ = started;
    }

    /// The last answer was refused before anything was sent (a code of the wrong length, a
    /// blank name, an invalid email, resending too early, ...); the question is asked again.
    fn refused(&mut self, error: &UsageError) {
        let _ = error;
    }
}

impl<P: Prompt + ?Sized> Prompt for &mut P {
    fn code(&mut self, sent: &SentCode, attempts: u32) -> Answer<String> {
        (**self).code(sent, attempts)
    }
    fn password(&mut self, info: &PasswordInfo, attempts: u32) -> Answer<Zeroizing<String>> {
        (**self).password(info, attempts)
    }
    fn sign_up(&mut self, terms: Option<&TermsOfService>) -> Answer<(String, String)> {
        (**self).sign_up(terms)
    }
    fn recovery_code(&mut self, email_pattern: &str, attempts: u32) -> Answer<String> {
        (**self).recovery_code(email_pattern, attempts)
    }
    fn email(&mut self, google_signin_allowed: bool, apple_signin_allowed: bool) -> Answer<String> {
        (**self).email(google_signin_allowed, apple_signin_allowed)
    }
    fn email_code(&mut self, email_pattern: &str, length: u32) -> Answer<String> {
        (**self).email_code(email_pattern, length)
    }
    fn notify(&mut self, event: &LoginEvent) {
        (**self).notify(event);
    }
    fn checking_password(&mut self, started: bool) {
        (**self).checking_password(started);
    }
    fn refused(&mut self, error: &UsageError) {
        (**self).refused(error);
    }
}
