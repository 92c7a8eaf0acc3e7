//! Property: over any framing and read chunking, with packets duplicated, reordered and dropped,
//! salts rotated, refusals injected and the client's clock hours off, every request ends exactly
//! once — answered with its own answer, or failed with a typed error — and no update arrives twice.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

mod harness;

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use harness::{Link, Pair, answer_for, call};
use mtproto::session::{Event, PacketError, RequestError, RequestId};
use mtproto::transport::Framing;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Action {
    Send(u8),
    ToServer { drop: bool, duplicate: bool },
    ToClient { drop: bool, duplicate: bool },
    ReorderToServer,
    ReorderToClient,
    Tick(u8),
    RotateSalt(i64),
    Inject(i32),
    PushUpdate,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => (0u8..40).prop_map(Action::Send),
        6 => (prop::bool::weighted(0.15), prop::bool::weighted(0.1))
            .prop_map(|(drop, duplicate)| Action::ToServer { drop, duplicate }),
        6 => (prop::bool::weighted(0.15), prop::bool::weighted(0.1))
            .prop_map(|(drop, duplicate)| Action::ToClient { drop, duplicate }),
        1 => Just(Action::ReorderToServer),
        1 => Just(Action::ReorderToClient),
        2 => (1u8..40).prop_map(Action::Tick),
        1 => any::<i64>().prop_map(Action::RotateSalt),
        1 => prop::sample::select(vec![16, 17, 20, 32, 33, 48, 35, 64]).prop_map(Action::Inject),
        1 => Just(Action::PushUpdate),
    ]
}

/// The next packet off a queue to deliver, after the network's mischief: a duplicate goes to the
/// back of the queue (to arrive later), a dropped packet is not delivered.
fn next_packet(queue: &mut VecDeque<Vec<u8>>, drop: bool, duplicate: bool) -> Option<Vec<u8>> {
    let packet = queue.pop_front()?;
    if duplicate {
        queue.push_back(packet.clone());
    }
    (!drop).then_some(packet)
}

struct World {
    pair: Pair,
    link: Link,
    chunks: Vec<usize>,
    to_server: VecDeque<Vec<u8>>,
    to_client: VecDeque<Vec<u8>>,
    sent: BTreeMap<RequestId, Vec<u8>>,
    ended: BTreeMap<RequestId, Vec<Event>>,
    updates_pushed: u32,
    updates: Vec<Vec<u8>>,
    injected: Vec<i32>,
}

impl World {
    fn collect(&mut self) {
        while let Some(p) = self.pair.client.poll_transmit(self.pair.now) {
            self.to_server.push_back(p);
        }
        while let Some(t) = self.pair.server.poll_transmit(self.pair.now) {
            self.to_client.push_back(t.packet);
        }
        for event in self.pair.events() {
            match &event {
                Event::Response { id, .. } | Event::Failed { id, .. } => {
                    self.ended.entry(*id).or_default().push(event.clone());
                }
                Event::Update(u) => self.updates.push(u.clone()),
                _ => {}
            }
        }
    }

    fn deliver_to_server(&mut self, drop: bool, duplicate: bool) {
        let Some(packet) = next_packet(&mut self.to_server, drop, duplicate) else {
            return;
        };
        let got = Link::carry(
            &mut self.link.client,
            &mut self.link.server,
            &packet,
            &self.chunks,
        );
        assert_eq!(got, packet);
        // Our server takes every packet of our client (old or repeated ones are answered with
        // notifications, not errors).
        self.pair.deliver_to_server(&got);
    }

    fn deliver_to_client(&mut self, drop: bool, duplicate: bool) {
        let Some(packet) = next_packet(&mut self.to_client, drop, duplicate) else {
            return;
        };
        let got = Link::carry(
            &mut self.link.server,
            &mut self.link.client,
            &packet,
            &self.chunks,
        );
        match self.pair.client.handle_packet(self.pair.now, &got) {
            // A packet that waited too long, or one for a session the client has left: refusing
            // them is right.
            Ok(()) | Err(PacketError::MsgIdOutOfWindow(_) | PacketError::WrongSession { .. }) => {}
            Err(e) => panic!("the client refused a packet of our server: {e}"),
        }
    }

    fn apply(&mut self, action: &Action, step: usize) {
        match *action {
            Action::Send(words) => {
                let body = call(step as u32, usize::from(words));
                let id = self.pair.client.send(self.pair.now, body.clone()).unwrap();
                self.sent.insert(id, body);
            }
            Action::ToServer { drop, duplicate } => self.deliver_to_server(drop, duplicate),
            Action::ToClient { drop, duplicate } => self.deliver_to_client(drop, duplicate),
            Action::ReorderToServer if self.to_server.len() > 1 => self.to_server.swap(0, 1),
            Action::ReorderToClient if self.to_client.len() > 1 => self.to_client.swap(0, 1),
            Action::ReorderToServer | Action::ReorderToClient => {}
            Action::Tick(secs) => {
                self.pair.now += Duration::from_secs(u64::from(secs));
                self.pair.client.handle_timeout(self.pair.now);
                self.pair.server.handle_timeout(self.pair.now);
            }
            Action::RotateSalt(salt) => self.pair.server.rotate_salt(salt),
            Action::Inject(code) => {
                let session = self.pair.client.session_id();
                if self.pair.server.inject_bad_msg(session, code).is_ok() {
                    self.injected.push(code);
                }
            }
            Action::PushUpdate => {
                let session = self.pair.client.session_id();
                let update = call(0x0100_0000 + self.updates_pushed, 1);
                if self.pair.server.push_update(session, &update).is_ok() {
                    self.updates_pushed += 1;
                }
            }
        }
        self.pair.server_events();
        self.collect();
    }

    /// Delivers everything in order, ticking when idle, until the client has nothing in flight.
    fn calm_down(&mut self) {
        for _ in 0..400 {
            while !self.to_server.is_empty() || !self.to_client.is_empty() {
                self.deliver_to_server(false, false);
                self.pair.server_events();
                self.collect();
                self.deliver_to_client(false, false);
                self.collect();
            }
            if self.pair.client.is_idle() {
                return;
            }
            self.apply(&Action::Tick(5), 0);
        }
        panic!("requests still in flight after the network calmed down");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_request_ends_exactly_once(
        framing in prop::sample::select(Framing::ALL.to_vec()),
        skew in prop_oneof![Just(0i64), -4 * 3600..4 * 3600i64],
        chunks in prop::collection::vec(1usize..80, 1..5),
        seed in any::<u8>(),
        actions in prop::collection::vec(action(), 1..120),
    ) {
        let mut world = World {
            pair: Pair::new(seed, skew),
            link: Link::new(framing, seed),
            chunks,
            to_server: VecDeque::new(),
            to_client: VecDeque::new(),
            sent: BTreeMap::new(),
            ended: BTreeMap::new(),
            updates_pushed: 0,
            updates: Vec::new(),
            injected: Vec::new(),
        };
        let first_session = world.pair.client.session_id();
        for (step, action) in actions.iter().enumerate() {
            world.apply(action, step + 1);
        }
        world.calm_down();

        for (id, body) in &world.sent {
            let ended = world.ended.get(id).map(Vec::as_slice).unwrap_or_default();
            prop_assert_eq!(ended.len(), 1, "request {:?} ended {} times", id, ended.len());
            match &ended[0] {
                Event::Response { body: answer, .. } => prop_assert_eq!(answer, &answer_for(body)),
                Event::Failed { error: RequestError::Rejected { code }, .. } => {
                    prop_assert!(world.injected.contains(code), "refused with {} uninjected", code);
                }
                Event::Failed { error: RequestError::SessionRestarted, .. } => {
                    prop_assert_ne!(world.pair.client.session_id(), first_session);
                }
                Event::Failed { error, .. } => {
                    prop_assert_eq!(error, &RequestError::TooManyAttempts);
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
        prop_assert_eq!(world.ended.len(), world.sent.len());
        let mut seen = world.updates.clone();
        seen.sort();
        seen.dedup();
        prop_assert_eq!(seen.len(), world.updates.len(), "an update arrived twice");
    }
}
