//! Sliding-window rate limits (`420 FLOOD_WAIT_X`).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The moments at which one limited action happened, newest last.
#[derive(Debug, Default, Clone)]
pub(crate) struct Window {
    hits: VecDeque<Instant>,
}

impl Window {
    /// Forgets hits older than `length`, then says how many seconds to wait (at least 1) if
    /// `limit` hits remain inside the window.
    pub(crate) fn check(&mut self, now: Instant, limit: u32, length: Duration) -> Result<(), u32> {
        while let Some(&oldest) = self.hits.front() {
            if now.saturating_duration_since(oldest) >= length {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if self.hits.len() < limit {
            return Ok(());
        }
        // The window frees up when its oldest hit leaves it (with no hits at all, i.e. a zero
        // limit, only a whole window helps).
        let freed_in = match self.hits.front() {
            Some(&oldest) => length.saturating_sub(now.saturating_duration_since(oldest)),
            None => length,
        };
        Err(ceil_secs(freed_in))
    }

    /// Records one hit at `now` (keeping at most `cap` hits).
    pub(crate) fn record(&mut self, now: Instant, cap: u32) {
        self.hits.push_back(now);
        let cap = usize::try_from(cap).unwrap_or(usize::MAX).max(1);
        while self.hits.len() > cap {
            self.hits.pop_front();
        }
    }
}

/// Whole seconds, rounded up, at least 1, saturating at `u32::MAX`.
pub(crate) fn ceil_secs(d: Duration) -> u32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::disallowed_methods)] // a starting point for the test's own clock
    fn limit_then_wait_then_free() {
        let t0 = Instant::now();
        let mut w = Window::default();
        let len = Duration::from_secs(10);
        for i in 0..3 {
            assert_eq!(w.check(t0 + Duration::from_secs(i), 3, len), Ok(()));
            w.record(t0 + Duration::from_secs(i), 3);
        }
        assert_eq!(w.check(t0 + Duration::from_millis(3500), 3, len), Err(7));
        assert_eq!(w.check(t0 + Duration::from_secs(10), 3, len), Ok(()));
        assert_eq!(Window::default().check(t0, 0, len), Err(10));
        assert_eq!(ceil_secs(Duration::ZERO), 1);
    }
}
