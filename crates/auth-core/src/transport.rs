//! What crosses the boundary between a state machine and the caller's MTProto session.

use zeroize::Zeroizing;

use crate::DcId;

/// Identifies one request a machine asked the caller to send; answers quote it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// One API call to send: the TL-serialized function `body`, on the session of data center `dc`.
///
/// The caller wraps it as its session requires (`invokeWithLayer`, `initConnection`,
/// encryption, message ids) and later hands the unwrapped result (or `rpc_error`) back with
/// `handle_response(now, id, body)`, or reports `handle_failure(now, id, failure)`. Dropping a
/// transmit unsent leaves its machine waiting until the request deadline.
#[derive(Clone, PartialEq, Eq)]
#[must_use = "send it on the session of its DC, or the machine waits for an answer that never comes"]
pub struct Transmit {
    /// Quote this id when answering.
    pub id: RequestId,
    /// The data center whose session must carry the call.
    pub dc: DcId,
    /// The TL-serialized function call. It can hold codes, tokens and password proofs, so it
    /// is zeroized on drop; a session that needs the bytes elsewhere should wipe its copies
    /// too (or move the vector out with `std::mem::take`).
    pub body: Zeroizing<Vec<u8>>,
}

impl Transmit {
    /// The body as a plain vector, moved out (not copied), for a transport that takes one.
    /// From here on the transport holds the only copy: it should wipe it once sent.
    pub fn into_plain_body(mut self) -> Vec<u8> {
        std::mem::take(&mut *self.body)
    }
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body can hold codes and password proofs: print only its method and size.
        let method = crate::before_auth::method_id(&self.body)
            .and_then(|id| crate::tl::DEFINITIONS.iter().find(|d| d.id == id))
            .map_or("?", |d| d.name);
        f.debug_struct("Transmit")
            .field("id", &self.id)
            .field("dc", &self.dc)
            .field("method", &method)
            .field("len", &self.body.len())
            .finish()
    }
}

/// Why the caller's session could not deliver a request or its answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportFailure {
    /// No answer arrived in time.
    #[error("timed out")]
    Timeout,
    /// The connection dropped before the answer arrived.
    #[error("connection lost")]
    ConnectionLost,
    /// Anything else, described.
    #[error("{0}")]
    Other(String),
}
