//! [`Transport`]: how the driver reaches the server.

use std::time::Instant;

use auth_core::{DcId, Transmit, TransportFailure};

/// Carries one API call to a data center and brings back its answer, blocking.
///
/// A library author implements this over their MTProto session: wrap `body` (a TL-serialized
/// function such as `auth.sendCode`) as the session requires — `invokeWithLayer`,
/// `initConnection`, encryption, message ids — send it on the session of `dc` (creating it on
/// first use), wait for the answer and return the **unwrapped** result object or `rpc_error`
/// bytes (no `rpc_result`, no `gzip_packed`). Use one auth key per DC for the whole login: a
/// `phone_code_hash` only works on the key that asked for it.
///
/// [`MtprotoTransport`](crate::MtprotoTransport) implements it over MTProto itself.
pub trait Transport {
    /// Sends `body` to `dc` and returns the answer's TL bytes.
    ///
    /// # Errors
    ///
    /// [`TransportFailure`] when no answer could be obtained; the login retries per its
    /// configuration, then fails with it.
    fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure> {
        (**self).invoke(dc, body)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure> {
        (**self).invoke(dc, body)
    }
}

/// Sends one transmit inside a tracing span with its id, DC, method and size (a transmit
/// never prints its body), and traces how long the call took and whether it was delivered.
pub(crate) fn invoke_traced<T: Transport + ?Sized>(
    transport: &mut T,
    t: &Transmit,
) -> Result<Vec<u8>, TransportFailure> {
    tracing::info_span!("auth_call", call = ?t).in_scope(|| {
        let started = Instant::now();
        let answer = transport.invoke(t.dc, &t.body);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(elapsed_ms, delivered = answer.is_ok(), "call ended");
        answer
    })
}
