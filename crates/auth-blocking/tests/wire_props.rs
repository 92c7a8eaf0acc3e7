//! Properties of the wire format: round trips, and no panic or over-allocation on any input.
use auth_blocking::wire::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn frames_round_trip_in_any_chunking(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 0..8),
        chunk in 1usize..97,
    ) {
        let mut bytes = Vec::new();
        for p in &payloads {
            encode_frame_into(p, &mut bytes).unwrap();
        }
        let mut d = FrameDecoder::new();
        let mut out = Vec::new();
        for c in bytes.chunks(chunk) {
            d.push(c);
            while let Some(f) = d.pop().unwrap() {
                out.push(f);
            }
        }
        prop_assert_eq!(out, payloads);
        prop_assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn envelopes_round_trip(key in 1u64.., id in any::<u64>(), body in prop::collection::vec(any::<u8>(), 0..600)) {
        let m = encode_message(key, id, &body).unwrap();
        let d = decode_message(&m).unwrap();
        prop_assert_eq!((d.auth_key_id, d.message_id), (key, id));
        prop_assert_eq!(d.body, body);
    }

    #[test]
    fn client_and_server_round_trip(
        key in 1u64..,
        start in 0u64..(1 << 62),
        bodies in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..5),
    ) {
        let mut ids = MessageIds::new(start);
        let mut client = ClientConnection::new(key).unwrap();
        let mut server = ServerConnection::new();
        for body in &bodies {
            server.push(&client.encode_request(ids.next_id(), body).unwrap());
            let request = server.poll_request().unwrap().unwrap();
            prop_assert_eq!(&request.body, body);
            let mut reply = body.clone();
            reply.reverse();
            client.push(&server.encode_reply(&request, &reply).unwrap());
            prop_assert_eq!(client.poll_reply().unwrap(), Some(Reply::Body(reply)));
        }
    }

    #[test]
    fn random_streams_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), chunk in 1usize..64) {
        let mut server = ServerConnection::new();
        let mut client = ClientConnection::new(1).unwrap();
        let mut frames = FrameDecoder::new();
        for c in bytes.chunks(chunk) {
            server.push(c);
            client.push(c);
            frames.push(c);
            while let Ok(Some(_)) = server.poll_request() {}
            while let Ok(Some(_)) = client.poll_reply() {}
            while let Ok(Some(f)) = frames.pop() {
                let _ = decode_message(&f);
                let _ = transport_error(&f);
            }
            // Never more than what was pushed; a failed decoder holds nothing.
            prop_assert!(frames.buffered() <= bytes.len());
            prop_assert!(frames.wanted() >= 1);
        }
    }

    #[test]
    fn oversized_headers_are_refused_before_the_payload(len in (MAX_FRAME_LEN as u32 + 1)..=u32::MAX) {
        let mut d = FrameDecoder::new();
        d.push(&len.to_le_bytes());
        prop_assert_eq!(d.pop(), Err(WireError::FrameTooLarge { len: u64::from(len) }));
        prop_assert_eq!(d.buffered(), 0);
        let mut s = ServerConnection::new();
        s.push(&INTERMEDIATE_TAG);
        s.push(&len.to_le_bytes());
        let refused = matches!(s.poll_request(), Err(WireError::FrameTooLarge { .. }));
        prop_assert!(refused);
    }
}

#[test]
fn max_frame_is_read_without_reserving_from_the_header() {
    let mut d = FrameDecoder::new();
    d.push(&(MAX_FRAME_LEN as u32).to_le_bytes());
    assert_eq!(d.pop(), Ok(None));
    assert_eq!(d.wanted(), MAX_FRAME_LEN);
    assert_eq!(d.buffered(), 4, "only the header is held");
    d.push(&vec![1; MAX_FRAME_LEN]);
    assert_eq!(d.pop().unwrap().map(|f| f.len()), Some(MAX_FRAME_LEN));
}

#[test]
fn client_recognises_a_transport_error() {
    let mut client = ClientConnection::new(3).unwrap();
    let _ = client.encode_request(4, b"call").unwrap();
    client.push(&transport_error_frame(TRANSPORT_ERROR_NOT_FOUND));
    assert_eq!(client.poll_reply(), Ok(Some(Reply::TransportError(-404))));
}
