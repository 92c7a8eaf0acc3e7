//! The ids of the last messages received from the peer: a message whose id is among them, or
//! below all of them once the window is full, is a replay and is ignored (mtproto/description,
//! "Important checks").

use std::collections::BTreeSet;

/// How many ids each side remembers.
pub(crate) const WINDOW: usize = 1024;

/// What [`ReceivedIds::insert`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// A new id, now remembered.
    New,
    /// An id already received.
    Duplicate,
    /// An id below every remembered one of a full window: it cannot be told from a replay.
    TooOld,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ReceivedIds {
    ids: BTreeSet<i64>,
}

impl ReceivedIds {
    pub(crate) fn insert(&mut self, msg_id: i64) -> Seen {
        if self.ids.contains(&msg_id) {
            return Seen::Duplicate;
        }
        if self.ids.len() >= WINDOW {
            if self.ids.first().is_some_and(|&lowest| msg_id < lowest) {
                return Seen::TooOld;
            }
            self.ids.pop_first();
        }
        self.ids.insert(msg_id);
        Seen::New
    }

    pub(crate) fn contains(&self, msg_id: i64) -> bool {
        self.ids.contains(&msg_id)
    }

    /// The status byte of `msgs_state_info` for one id (service_messages_about_messages).
    pub(crate) fn state(&self, msg_id: i64) -> u8 {
        match (self.ids.first(), self.ids.last()) {
            _ if self.ids.contains(&msg_id) => 4,
            (Some(&lowest), _) if msg_id < lowest => 1,
            (_, Some(&highest)) if msg_id > highest => 3,
            (None, None) => 3,
            _ => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_old_ids_are_refused() {
        let mut ids = ReceivedIds::default();
        assert_eq!(ids.insert(100), Seen::New);
        assert_eq!(ids.insert(100), Seen::Duplicate);
        // Out of order is fine while the window has room.
        assert_eq!(ids.insert(50), Seen::New);
        for i in 0..WINDOW as i64 {
            ids.insert(1000 + i);
        }
        assert_eq!(ids.insert(60), Seen::TooOld);
        assert_eq!(ids.insert(999_999), Seen::New);
        assert!(ids.contains(999_999));
        assert!(!ids.contains(1000), "the lowest was forgotten");
        assert_eq!(ids.state(999_999), 4);
        assert_eq!(ids.state(5), 1);
        assert_eq!(ids.state(10_000_000), 3);
        assert_eq!(ids.state(1500), 4);
    }
}
