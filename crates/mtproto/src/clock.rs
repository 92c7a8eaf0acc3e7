//! Time as the protocol sees it: unix time from a caller-given anchor, and message ids.
//!
//! The crate never reads a clock. Each state machine is given, once, the caller's `Instant` and
//! wall-clock time at the same moment; afterwards every `now: Instant` the caller passes is turned
//! into unix time by the elapsed monotonic time since that anchor.

use std::time::{Duration, Instant, SystemTime};

/// Maps the caller's monotonic `now` to unix time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    anchor: Instant,
    unix_at_anchor: Duration,
}

impl Clock {
    pub(crate) fn new(now: Instant, wall: SystemTime) -> Self {
        Clock {
            anchor: now,
            unix_at_anchor: wall
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default(),
        }
    }

    /// Local unix time at `now` (never before the anchor: an earlier `now` counts as the anchor).
    pub(crate) fn unix(&self, now: Instant) -> Duration {
        self.unix_at_anchor + now.saturating_duration_since(self.anchor)
    }

    /// Local unix time at `now`, whole seconds.
    pub(crate) fn unix_secs(&self, now: Instant) -> i64 {
        i64::try_from(self.unix(now).as_secs()).unwrap_or(i64::MAX)
    }

    /// The `msg_id` time part for `now` shifted by `offset` seconds: unix time × 2^32, the
    /// fraction of the second in the low 32 bits.
    pub(crate) fn msg_id_time(&self, now: Instant, offset: i64) -> i64 {
        let unix = self.unix(now);
        let secs = i64::try_from(unix.as_secs())
            .unwrap_or(i64::MAX)
            .saturating_add(offset)
            .clamp(0, i64::from(i32::MAX));
        let frac = (u64::from(unix.subsec_nanos()) << 32) / 1_000_000_000;
        (secs << 32) | i64::try_from(frac).unwrap_or(0)
    }
}

/// The unix second a `msg_id` was created at (its high 32 bits).
pub(crate) fn msg_id_secs(msg_id: i64) -> i64 {
    msg_id >> 32
}

/// Hands out strictly increasing message ids with fixed low two bits.
#[derive(Debug, Clone, Default)]
pub(crate) struct MsgIdGenerator {
    last: i64,
}

impl MsgIdGenerator {
    /// The last id handed out (0 before the first).
    pub(crate) fn last(&self) -> i64 {
        self.last
    }

    /// The next id at or after `time` (a [`Clock::msg_id_time`] value) whose low two bits are
    /// `low` (0 for the client; 1 for a server's response, 3 for its other messages).
    pub(crate) fn next(&mut self, time: i64, low: i64) -> i64 {
        let mut id = (time & !3) | low;
        // The low 32 bits must not be empty (a replay defence of the protocol).
        if id & 0xffff_fffc == 0 {
            id |= 4;
        }
        if id <= self.last {
            id = ((self.last & !3) + 4) | low;
        }
        self.last = id;
        id
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn unix_follows_the_monotonic_clock() {
        let now = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = Clock::new(now, wall);
        assert_eq!(clock.unix_secs(now), 1_700_000_000);
        assert_eq!(clock.unix_secs(now + Duration::from_secs(5)), 1_700_000_005);
        let t = clock.msg_id_time(now + Duration::from_millis(500), 10);
        assert_eq!(msg_id_secs(t), 1_700_000_010);
        assert_eq!(t & 0xffff_ffff, 1 << 31);
    }

    #[test]
    fn ids_increase_strictly_with_their_low_bits() {
        let mut ids = MsgIdGenerator::default();
        let t = 1_700_000_000i64 << 32;
        let a = ids.next(t, 0);
        let b = ids.next(t, 0);
        let c = ids.next(t - 1000, 1);
        assert!(a < b && b < c);
        assert_eq!(a % 4, 0);
        assert_eq!(b % 4, 0);
        assert_eq!(c % 4, 1);
        assert_ne!(a & 0xffff_ffff, 0);
    }
}
