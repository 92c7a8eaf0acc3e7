//! [`run`]: drives any [`Machine`] of the core (bot login, logout, authorization transfer, a
//! bare `Call`, even the phone login) over a [`Transport`], on the calling thread.

use std::ops::ControlFlow;
use std::thread;
use std::time::Instant;

use auth_core::UsageError;
use auth_core::machine::Machine;

use crate::Transport;

/// Why [`run`] stopped before the machine finished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The machine refused an answer or work result (one it never handed out: a bug in the
    /// transport or driver).
    #[error("the machine refused an answer: {0}")]
    Machine(UsageError),
    /// The machine waits for nothing: no call to send, no timer, not finished (it waits for a
    /// command that the event handler did not give).
    #[error("the machine stalled: nothing to send, no timer, not finished")]
    Stalled,
}

/// Runs `machine` over `transport` until it finishes or `on_event` says to stop.
///
/// The loop: call `handle_timeout` if a timer fell due; send every queued call on `transport`
/// and feed back its answer (`handle_response`) or failure (`handle_failure`); run the slow
/// work the machine hands out (`poll_work`, on this thread); hand every event to `on_event` (which may give the machine commands, e.g. the code the user typed: the loop
/// then continues with what they queued); return once the machine is finished or `on_event`
/// returned [`ControlFlow::Break`]; otherwise sleep until `poll_timeout`. The clock is
/// `Instant::now()`.
///
/// # Errors
///
/// [`RunError::Machine`] if the machine refuses an answer, [`RunError::Stalled`] if it waits for
/// nothing.
///
/// ```no_run
/// use std::ops::ControlFlow;
/// use std::time::Instant;
/// use auth_blocking::{MtprotoTransport, run};
/// use auth_core::logout::{Logout, LogoutEvent};
/// use auth_core::logout_tokens::LogoutTokens;
/// use auth_core::{DcId, SessionConfig};
/// use auth_store::SessionFile;
/// use mtproto::pool::PoolConfig;
/// use mtproto::session::ClientInfo;
///
/// let (session, _) = SessionFile::open("session.bin")?;
/// let mut os = rand_core::UnwrapErr(getrandom::SysRng);
/// let pool = PoolConfig::telegram_test(auth_core::LAYER, ClientInfo::new(12345));
/// let mut transport = MtprotoTransport::new(pool, &mut os)?.with_session(session);
/// let mut tokens = LogoutTokens::new();
/// let mut logout = Logout::new(&SessionConfig::new(DcId(2)), Instant::now())?;
/// run(&mut transport, &mut logout, |_, event| {
///     if let LogoutEvent::Done(Some(token)) = event {
///         tokens.push(token.as_bytes());
///     }
///     ControlFlow::Continue(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run<M, T>(
    transport: &mut T,
    machine: &mut M,
    mut on_event: impl FnMut(&mut M, M::Event) -> ControlFlow<()>,
) -> Result<(), RunError>
where
    M: Machine,
    T: Transport + ?Sized,
{
    loop {
        let now = Instant::now();
        if machine.poll_timeout().is_some_and(|at| at <= now) {
            machine.handle_timeout(now);
        }
        let mut progressed = false;
        while let Some(t) = machine.poll_transmit() {
            progressed = true;
            let answer = crate::transport::invoke_traced(transport, &t);
            let now = Instant::now();
            match answer {
                Ok(body) => machine.handle_response(now, t.id, &body),
                Err(failure) => machine.handle_failure(now, t.id, failure),
            }
            .map_err(RunError::Machine)?;
        }
        while let Some(work) = machine.poll_work() {
            progressed = true;
            machine
                .handle_work(Instant::now(), work.run())
                .map_err(RunError::Machine)?;
        }
        while let Some(event) = machine.poll_event() {
            progressed = true;
            if on_event(machine, event).is_break() {
                return Ok(());
            }
        }
        if machine.is_finished() {
            return Ok(());
        }
        if progressed {
            continue;
        }
        let Some(at) = machine.poll_timeout() else {
            return Err(RunError::Stalled);
        };
        let now = Instant::now();
        if at > now {
            thread::sleep(at - now);
        }
    }
}
