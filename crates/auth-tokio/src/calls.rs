//! The calls a driver has out: one task each, and which request each task answers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use auth_core::machine::Machine;
use auth_core::{RequestId, TransportFailure};
use tokio::task::{Id, JoinError, JoinSet};

use crate::Transport;

/// What a finished call task yields.
pub(crate) type Joined = Result<(Id, Result<Vec<u8>, TransportFailure>), JoinError>;

/// Calls on their way, one task each, shared by the phone and QR drivers.
#[derive(Default)]
pub(crate) struct CallsInFlight {
    tasks: JoinSet<Result<Vec<u8>, TransportFailure>>,
    ids: HashMap<Id, RequestId>,
}

impl CallsInFlight {
    /// Whether no call is out.
    pub(crate) fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Starts a task for every call `machine` wants sent.
    pub(crate) fn send_all<M: Machine, T: Transport + 'static>(
        &mut self,
        machine: &mut M,
        transport: &Arc<T>,
    ) {
        while let Some(transmit) = machine.poll_transmit() {
            let transport = Arc::clone(transport);
            // The request's id, DC, method and size (a transmit never prints its body).
            let span = tracing::info_span!("auth_call", call = ?transmit);
            let id = transmit.id;
            let call = async move {
                let started = Instant::now();
                let answer = transport
                    .invoke(transmit.dc, transmit.into_plain_body())
                    .await;
                let elapsed_ms = started.elapsed().as_millis() as u64;
                tracing::debug!(elapsed_ms, delivered = answer.is_ok(), "call ended");
                answer
            };
            let task = self
                .tasks
                .spawn(tracing::Instrument::instrument(call, span));
            self.ids.insert(task.id(), id);
        }
    }

    /// The next call to finish (pending forever while none is out, for `select!` guards).
    pub(crate) async fn next(&mut self) -> Option<Joined> {
        self.tasks.join_next_with_id().await
    }

    /// Hands a finished call's answer (or failure) to `machine`. A task that panicked counts
    /// as a transport failure.
    pub(crate) fn deliver<M: Machine>(&mut self, machine: &mut M, joined: Joined) {
        let (task, outcome) = match joined {
            Ok((task, outcome)) => (task, outcome),
            Err(error) => (
                error.id(),
                Err(TransportFailure::Other(
                    "the transport's task panicked".into(),
                )),
            ),
        };
        let Some(id) = self.ids.remove(&task) else {
            return;
        };
        let mut hand_over = || {
            let now = Instant::now();
            // An error here means an id the machine never sent, which cannot happen: ignore it.
            let _ = match &outcome {
                Ok(body) => machine.handle_response(now, id, body),
                Err(failure) => machine.handle_failure(now, id, failure.clone()),
            };
        };
        // Handling an answer can be slow: an `account.password` with a prime the core does not
        // know makes it build the SRP challenge with a full primality test (tens of
        // milliseconds). On a multi-threaded runtime that runs off the async workers, as the
        // password check itself does; a current-thread runtime has no other thread to lend.
        match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => {
                tokio::task::block_in_place(hand_over);
            }
            _ => hand_over(),
        }
    }

    /// Lets the calls out finish on their own (the driver is going away).
    pub(crate) fn detach_all(&mut self) {
        self.tasks.detach_all();
    }
}
