//! From request bytes to reply bytes: unwrapping `invokeWithLayer` / `initConnection`, the
//! authorization gate, decoding, and routing to the handlers.

use std::time::Instant;

use auth_core::RpcError;
use auth_core::before_auth::{allowed_before_auth, allowed_while_password_pending, method_id};
use auth_core::tl::{
    self, DecodeError, Deserialize, Identifiable, Layer, Reader, RemoteCall, enums, functions,
    types,
};

use crate::Sim;
use crate::keys::{KeyId, KeyStatus};
use crate::methods;
use crate::phone::dc_exists;
use crate::rpc::{Answer, Answered, bad, fetch_fail, migrate, password_needed, unregistered};

/// `invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X`.
const INVOKE_WITH_LAYER: u32 = 0xda9b_0d0d;
/// `initConnection#c1cd5ea9 {X:Type} flags:# api_id:int device_model:string …
/// proxy:flags.0?InputClientProxy params:flags.1?JSONValue query:!X = X`.
const INIT_CONNECTION: u32 = 0xc1cd_5ea9;
/// How many wrappers may nest around one call.
const MAX_WRAPPERS: u32 = 4;

const JSON_NULL: u32 = 0x3f6d_7b68;
const JSON_BOOL: u32 = 0xc734_5e6a;
const JSON_NUMBER: u32 = 0x2be0_dfa4;
const JSON_STRING: u32 = 0xb71e_767a;
const JSON_ARRAY: u32 = 0xf744_4763;
const JSON_OBJECT: u32 = 0x99c1_d49d;
const JSON_OBJECT_VALUE: u32 = 0xc0de_1bd9;

/// A served reply: its TL bytes and the result constructor's name.
pub(crate) struct Reply {
    pub(crate) name: &'static str,
    pub(crate) bytes: Vec<u8>,
}

/// The outcome of one call, with the (innermost) method it named.
pub(crate) struct Routed {
    pub(crate) method: &'static str,
    pub(crate) method_id: Option<u32>,
    pub(crate) result: Result<Reply, RpcError>,
}

/// Encodes a handler's answer; the type parameter ties it to the call's declared result type.
fn reply<F: RemoteCall>(answer: F::Return) -> Reply
where
    F::Return: Answer,
{
    Reply {
        name: answer.answer_name(),
        bytes: tl::Serialize::to_bytes(&answer),
    }
}

/// The answer to a real method the simulator does not implement.
pub(crate) fn not_simulated() -> RpcError {
    RpcError::new(501, "METHOD_NOT_SIMULATED")
}

/// Skips one boxed `JSONValue` (`initConnection.params`), with the reader's depth limit.
fn skip_json(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    r.enter()?;
    match r.u32()? {
        JSON_NULL => {}
        JSON_BOOL => {
            r.bool()?;
        }
        JSON_NUMBER => {
            r.f64()?;
        }
        JSON_STRING => {
            r.string()?;
        }
        JSON_ARRAY => {
            r.vector(skip_json)?;
        }
        JSON_OBJECT => {
            r.vector(|r| {
                let id = r.u32()?;
                if id != JSON_OBJECT_VALUE {
                    return Err(DecodeError::UnknownConstructor {
                        id,
                        expected: "JSONObjectValue",
                    });
                }
                r.string()?;
                skip_json(r)
            })?;
        }
        id => {
            return Err(DecodeError::UnknownConstructor {
                id,
                expected: "JSONValue",
            });
        }
    }
    r.leave();
    Ok(())
}

/// The query inside an `invokeWithLayer` or `initConnection` body, and the layer an
/// `invokeWithLayer` declares.
fn unwrap_query(id: u32, body: &[u8]) -> Result<(&[u8], Option<i32>), DecodeError> {
    let mut r = Reader::new(body.get(4..).unwrap_or_default());
    if id == INVOKE_WITH_LAYER {
        let layer = r.i32()?;
        return Ok((r.remaining(), Some(layer)));
    }
    let flags = r.u32()?;
    r.i32()?; // api_id
    for _ in 0..6 {
        // device_model, system_version, app_version, system_lang_code, lang_pack, lang_code
        r.string()?;
    }
    if flags & 1 != 0 {
        enums::InputClientProxy::deserialize(&mut r)?;
    }
    if flags & 2 != 0 {
        skip_json(&mut r)?;
    }
    Ok((r.remaining(), None))
}

/// Routes a decodable call to its handler.
macro_rules! route_calls {
    ($sim:ident, $now:ident, $at:ident, $id:ident, $body:ident; $($f:ty => $handler:ident,)*) => {
        $(
            if $id == <$f as Identifiable>::CONSTRUCTOR_ID {
                return match tl::decode_at::<$f>($sim.keys.layer($at), $body) {
                    Ok(req) => $sim.$handler($now, $at, req).map(reply::<$f>),
                    Err(_) => Err(fetch_fail()),
                };
            }
        )*
    };
}

impl Sim {
    /// Serves one call (possibly wrapped), returning what to log and send.
    pub(crate) fn route(&mut self, now: Instant, at: KeyId, body: &[u8], depth: u32) -> Routed {
        let Some(id) = method_id(body) else {
            return Routed {
                method: "?",
                method_id: None,
                result: Err(fetch_fail()),
            };
        };
        // A method of another layer is as unknown to this client's layer as garbage.
        let Some(method) = methods::name_at(id, self.keys.layer(at)) else {
            return Routed {
                method: "?",
                method_id: Some(id),
                result: Err(bad("INPUT_CONSTRUCTOR_INVALID")),
            };
        };
        let done = |result| Routed {
            method,
            method_id: Some(id),
            result,
        };
        if !dc_exists(at.dc) {
            return done(Err(bad("DC_ID_INVALID")));
        }
        if id == INVOKE_WITH_LAYER || id == INIT_CONNECTION {
            if depth >= MAX_WRAPPERS {
                return done(Err(fetch_fail()));
            }
            return match unwrap_query(id, body) {
                Ok((inner, Some(layer))) => match Layer::new(layer) {
                    Ok(layer) => {
                        self.keys.set_layer(at, layer);
                        self.route(now, at, inner, depth + 1)
                    }
                    Err(_) => done(Err(bad("CONNECTION_LAYER_INVALID"))),
                },
                Ok((inner, None)) => self.route(now, at, inner, depth + 1),
                Err(_) => done(Err(fetch_fail())),
            };
        }
        if let Err(e) = self.gate(at, id) {
            return done(Err(e));
        }
        done(self.call(now, at, id, body))
    }

    /// Refuses methods the key may not call in its state.
    fn gate(&self, at: KeyId, id: u32) -> Result<(), RpcError> {
        match self.keys.status(at) {
            KeyStatus::Unauthorized if !allowed_before_auth(id) => Err(unregistered()),
            KeyStatus::PasswordPending { .. } if !allowed_while_password_pending(id) => {
                Err(password_needed())
            }
            KeyStatus::Authorized { user_id }
                if !allowed_before_auth(id) && id != functions::auth::LogOut::CONSTRUCTOR_ID =>
            {
                match self.accounts.get(user_id).map(|a| a.home_dc) {
                    Some(home) if home != at.dc => Err(migrate("USER", home)),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Decodes and handles a call that passed the gate.
    fn call(&mut self, now: Instant, at: KeyId, id: u32, body: &[u8]) -> Result<Reply, RpcError> {
        self.refuse_frozen(at, id)?;
        route_calls!(self, now, at, id, body;
            functions::auth::SendCode => send_code,
            functions::auth::ResendCode => resend_code,
            functions::auth::CancelCode => cancel_code,
            functions::auth::SignIn => sign_in,
            functions::auth::SignUp => sign_up,
            functions::auth::ReportMissingCode => report_missing_code,
            functions::auth::RequestFirebaseSms => request_firebase_sms,
            functions::auth::LogOut => log_out,
            functions::auth::ExportAuthorization => export_authorization,
            functions::auth::ImportAuthorization => import_authorization,
            functions::auth::ImportBotAuthorization => import_bot_authorization,
            functions::auth::ExportLoginToken => export_login_token,
            functions::auth::AcceptLoginToken => accept_login_token,
            functions::auth::ImportLoginToken => import_login_token,
            functions::auth::CheckPassword => check_password,
            functions::auth::RequestPasswordRecovery => request_password_recovery,
            functions::auth::CheckRecoveryPassword => check_recovery_password,
            functions::auth::RecoverPassword => recover_password,
            functions::auth::ResetLoginEmail => reset_login_email,
            functions::account::GetPassword => get_password_with_settings,
            functions::account::SendVerifyEmailCode => send_verify_email_code_any,
            functions::account::VerifyEmail => verify_email_any,
            functions::account::UpdatePasswordSettings => update_password_settings,
            functions::account::ConfirmPasswordEmail => confirm_password_email,
            functions::account::ResendPasswordEmail => resend_password_email,
            functions::account::CancelPasswordEmail => cancel_password_email,
            functions::account::ResetPassword => reset_password,
            functions::account::DeclinePasswordReset => decline_password_reset,
            functions::help::GetNearestDc => get_nearest_dc,
            functions::help::GetTermsOfServiceUpdate => get_terms_of_service_update,
            functions::help::AcceptTermsOfService => accept_terms_of_service,
            functions::help::GetCountriesList => get_countries_list,
            functions::account::GetAuthorizations => get_authorizations,
            functions::account::ChangeAuthorizationSettings => change_authorization_settings,
            functions::account::ResetAuthorization => reset_authorization,
            functions::account::InvalidateSignInCodes => invalidate_sign_in_codes,
        );
        Err(not_simulated())
    }

    fn get_nearest_dc(
        &mut self,
        _now: Instant,
        at: KeyId,
        _req: functions::help::GetNearestDc,
    ) -> Answered<enums::NearestDc> {
        Ok(types::NearestDc {
            country: "XX".into(),
            this_dc: at.dc.0,
            nearest_dc: self.config.nearest_dc.unwrap_or(at.dc).0,
        }
        .into())
    }

    fn get_terms_of_service_update(
        &mut self,
        now: Instant,
        _at: KeyId,
        _req: functions::help::GetTermsOfServiceUpdate,
    ) -> Answered<enums::help::TermsOfServiceUpdate> {
        let expires = self.unix_time(now).saturating_add(3600);
        Ok(types::help::TermsOfServiceUpdateEmpty {
            expires: i32::try_from(expires).unwrap_or(i32::MAX),
        }
        .into())
    }

    fn accept_terms_of_service(
        &mut self,
        _now: Instant,
        _at: KeyId,
        _req: functions::help::AcceptTermsOfService,
    ) -> Answered<bool> {
        Ok(true)
    }
}
