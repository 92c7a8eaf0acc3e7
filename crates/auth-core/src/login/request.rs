//! The calls a login makes, kept as data so they can be re-sent after a flood wait, a
//! transport failure or a DC migration.

use zeroize::Zeroizing;

use crate::{
    input::IntegrityProof,
    password::recover_password_call,
    srp::{NewPasswordHash, PasswordCheck},
    tl::{
        self, EncodeError, Identifiable, SecretBytes, SecretString, Serialize, enums, functions,
        types,
    },
};

use super::Config;

/// Why `account.getPassword` is being fetched: decides which event follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PasswordFetch {
    /// The first time: ask the user.
    First,
    /// After a wrong password: ask again.
    AfterInvalid,
    /// After a stale SRP id: recompute with the same password.
    Renew,
}

/// An email verification to send, secret parts zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Verification {
    Code(Zeroizing<String>),
    Google(Zeroizing<String>),
    Apple(Zeroizing<String>),
}

impl Verification {
    fn to_tl(&self) -> enums::EmailVerification {
        match self {
            Verification::Code(c) => types::EmailVerificationCode {
                code: SecretString::from(c.as_str()),
            }
            .into(),
            Verification::Google(t) => types::EmailVerificationGoogle {
                token: SecretString::from(t.as_str()),
            }
            .into(),
            Verification::Apple(t) => types::EmailVerificationApple {
                token: SecretString::from(t.as_str()),
            }
            .into(),
        }
    }
}

/// A new password for `auth.recoverPassword` (its hash is zeroized on drop).
#[derive(Clone)]
pub(crate) struct RecoveryPassword(pub(crate) NewPasswordHash);

impl PartialEq for RecoveryPassword {
    fn eq(&self, other: &Self) -> bool {
        self.0.algo == other.0.algo && self.0.hash == other.0.hash
    }
}

impl Eq for RecoveryPassword {}

/// One call of the login flow.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Request {
    SendCode,
    ResendCode {
        reason: Option<String>,
    },
    CancelCode,
    SignIn {
        code: Option<Zeroizing<String>>,
        email: Option<Verification>,
    },
    SignUp {
        first_name: String,
        last_name: String,
    },
    GetPassword(PasswordFetch),
    CheckPassword(Box<PasswordCheck>),
    SendEmailCode {
        email: String,
    },
    VerifyEmail(Verification),
    ResetLoginEmail,
    PasswordRecovery,
    CheckRecoveryCode(Zeroizing<String>),
    RecoverPassword {
        code: Zeroizing<String>,
        new_password: Option<Box<RecoveryPassword>>,
    },
    /// `auth.initFirebasePnvLogin` (layer 230).
    FirebaseStart,
    /// `auth.finishFirebasePnvLogin` with Google's token.
    FirebaseFinish(Zeroizing<String>),
    /// `auth.firebasePnvSignUp`: a Firebase login's sign-up (no phone, no code hash).
    FirebaseSignUp {
        first_name: String,
        last_name: String,
    },
    /// `auth.requestFirebaseSms` with the app's integrity proof.
    FirebaseSms(IntegrityProof),
    /// `auth.checkPaidAuth` after the app paid with this payment form.
    CheckPaidAuth {
        form_id: i64,
    },
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the request's body needs from the login.
pub(crate) struct Context<'a> {
    pub config: &'a Config,
    pub phone: &'a str,
    pub phone_code_hash: &'a str,
    pub except_ids: &'a [i64],
}

impl Request {
    /// The schema name and id of the call, for errors and logs.
    pub(crate) fn method(&self) -> (&'static str, u32) {
        fn of<F: Identifiable>() -> (&'static str, u32) {
            (F::NAME, F::CONSTRUCTOR_ID)
        }
        use functions::{account, auth};
        match self {
            Request::SendCode => of::<auth::SendCode>(),
            Request::ResendCode { .. } => of::<auth::ResendCode>(),
            Request::CancelCode => of::<auth::CancelCode>(),
            Request::SignIn { .. } => of::<auth::SignIn>(),
            Request::SignUp { .. } => of::<auth::SignUp>(),
            Request::GetPassword(_) => of::<account::GetPassword>(),
            Request::CheckPassword(_) => of::<auth::CheckPassword>(),
            Request::SendEmailCode { .. } => of::<account::SendVerifyEmailCode>(),
            Request::VerifyEmail(_) => of::<account::VerifyEmail>(),
            Request::ResetLoginEmail => of::<auth::ResetLoginEmail>(),
            Request::PasswordRecovery => of::<auth::RequestPasswordRecovery>(),
            Request::CheckRecoveryCode(_) => of::<auth::CheckRecoveryPassword>(),
            Request::RecoverPassword { .. } => of::<auth::RecoverPassword>(),
            Request::FirebaseStart => of::<auth::InitFirebasePnvLogin>(),
            Request::FirebaseFinish(_) => of::<auth::FinishFirebasePnvLogin>(),
            Request::FirebaseSignUp { .. } => of::<auth::FirebasePnvSignUp>(),
            Request::FirebaseSms(_) => of::<auth::RequestFirebaseSms>(),
            Request::CheckPaidAuth { .. } => of::<auth::CheckPaidAuth>(),
        }
    }

    /// The schema name of the call, for errors and logs.
    pub(crate) fn name(&self) -> &'static str {
        self.method().0
    }

    /// Whether this request belongs to the password step (its SRP state and recovery code are
    /// the key's).
    pub(crate) fn is_password_step(&self) -> bool {
        matches!(
            self,
            Request::GetPassword(_)
                | Request::CheckPassword(_)
                | Request::PasswordRecovery
                | Request::CheckRecoveryCode(_)
                | Request::RecoverPassword { .. }
        )
    }

    /// Whether this request needs the `phone_code_hash` of a sent code.
    pub(crate) fn uses_code_hash(&self) -> bool {
        !matches!(
            self,
            Request::SendCode
                | Request::GetPassword(_)
                | Request::CheckPassword(_)
                | Request::PasswordRecovery
                | Request::CheckRecoveryCode(_)
                | Request::RecoverPassword { .. }
                | Request::FirebaseStart
                | Request::FirebaseFinish(_)
                | Request::FirebaseSignUp { .. }
        )
    }

    /// The TL-serialized call, in a buffer sized once and wiped on drop (it can hold codes,
    /// tokens and password proofs).
    pub(crate) fn body(&self, cx: &Context<'_>) -> Result<Zeroizing<Vec<u8>>, EncodeError> {
        let phone_number = cx.phone.to_owned();
        let phone_code_hash = SecretString::from(cx.phone_code_hash);
        let bytes = match self {
            Request::SendCode => functions::auth::SendCode {
                phone_number,
                api_id: cx.config.api_id,
                api_hash: cx.config.api_hash.clone(),
                settings: cx.config.tl_code_settings(),
            }
            .try_to_bytes(),
            Request::ResendCode { reason } => functions::auth::ResendCode {
                phone_number,
                phone_code_hash,
                reason: reason.clone(),
            }
            .try_to_bytes(),
            Request::CancelCode => functions::auth::CancelCode {
                phone_number,
                phone_code_hash,
            }
            .try_to_bytes(),
            Request::SignIn { code, email } => functions::auth::SignIn {
                phone_number,
                phone_code_hash,
                phone_code: code.as_ref().map(|c| SecretString::from(c.as_str())),
                email_verification: email.as_ref().map(Verification::to_tl),
            }
            .try_to_bytes(),
            Request::SignUp {
                first_name,
                last_name,
            } => functions::auth::SignUp {
                no_joined_notifications: cx.config.no_joined_notifications,
                phone_number,
                phone_code_hash,
                first_name: first_name.clone(),
                last_name: last_name.clone(),
            }
            .try_to_bytes(),
            Request::GetPassword(_) => functions::account::GetPassword {}.try_to_bytes(),
            Request::CheckPassword(check) => functions::auth::CheckPassword {
                password: types::InputCheckPasswordSRP {
                    srp_id: check.srp_id,
                    a: check.a.to_vec(),
                    m1: SecretBytes::from(&check.m1[..]),
                }
                .into(),
            }
            .try_to_bytes(),
            Request::SendEmailCode { email } => functions::account::SendVerifyEmailCode {
                purpose: setup_purpose(phone_number, phone_code_hash),
                email: email.clone(),
            }
            .try_to_bytes(),
            Request::VerifyEmail(v) => functions::account::VerifyEmail {
                purpose: setup_purpose(phone_number, phone_code_hash),
                verification: v.to_tl(),
            }
            .try_to_bytes(),
            Request::ResetLoginEmail => functions::auth::ResetLoginEmail {
                phone_number,
                phone_code_hash,
            }
            .try_to_bytes(),
            Request::PasswordRecovery => functions::auth::RequestPasswordRecovery {}.try_to_bytes(),
            Request::CheckRecoveryCode(code) => functions::auth::CheckRecoveryPassword {
                code: SecretString::from(code.as_str()),
            }
            .try_to_bytes(),
            Request::RecoverPassword { code, new_password } => recover_password_call(
                SecretString::from(code.as_str()),
                new_password.as_deref().map(|p| &p.0),
            )
            .try_to_bytes(),
            Request::FirebaseStart => functions::auth::InitFirebasePnvLogin {
                except_ids: (!cx.except_ids.is_empty()).then(|| cx.except_ids.to_vec()),
                api_id: cx.config.api_id,
                api_hash: cx.config.api_hash.clone(),
            }
            .try_to_bytes(),
            Request::FirebaseFinish(token) => functions::auth::FinishFirebasePnvLogin {
                google_token: SecretString::from(token.as_str()),
            }
            .try_to_bytes(),
            Request::FirebaseSignUp {
                first_name,
                last_name,
            } => functions::auth::FirebasePnvSignUp {
                no_joined_notifications: cx.config.no_joined_notifications,
                first_name: first_name.clone(),
                last_name: last_name.clone(),
            }
            .try_to_bytes(),
            Request::FirebaseSms(proof) => {
                let mut call = functions::auth::RequestFirebaseSms {
                    phone_number,
                    phone_code_hash,
                    ..Default::default()
                };
                let token = Some(SecretString::from(proof.text()));
                match proof {
                    IntegrityProof::SafetyNet(_) => call.safety_net_token = token,
                    IntegrityProof::PlayIntegrity(_) => call.play_integrity_token = token,
                    IntegrityProof::IosPushSecret(_) => call.ios_push_secret = token,
                }
                call.try_to_bytes()
            }
            Request::CheckPaidAuth { form_id } => functions::auth::CheckPaidAuth {
                phone_number,
                phone_code_hash,
                form_id: *form_id,
            }
            .try_to_bytes(),
        };
        bytes.map(Zeroizing::new)
    }
}

fn setup_purpose(phone_number: String, phone_code_hash: SecretString) -> enums::EmailVerifyPurpose {
    tl::types::EmailVerifyPurposeLoginSetup {
        phone_number,
        phone_code_hash,
    }
    .into()
}
