//! The async transport the driver sends calls through.

use std::future::Future;

use auth_core::{DcId, TransportFailure};

/// Carries TL-serialized API calls to a data center and brings back the answer.
///
/// Implement it over your MTProto session: wrap `body` as the session requires
/// (`invokeWithLayer`, `initConnection`, encryption, message ids), send it on the session of
/// `dc`, and return the unwrapped result object or `rpc_error` bytes. A call the session could
/// not deliver, or whose answer was lost, is a [`TransportFailure`]; the login retries it as
/// its configuration says.
///
/// Calls may overlap (an abandoned request can still be on its way when the next one is
/// sent), so `invoke` takes `&self`. [`MtprotoTransport`](crate::MtprotoTransport) implements
/// it over MTProto itself.
pub trait Transport: Send + Sync {
    /// Sends the call `body` to data center `dc` and waits for its answer.
    fn invoke(
        &self,
        dc: DcId,
        body: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportFailure>> + Send;
}
