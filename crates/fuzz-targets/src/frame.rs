//! `transport_frame`: the adapters' frame decoder fed arbitrary byte streams in arbitrary chunks.

use auth_blocking::wire::{self, FrameDecoder, MAX_FRAME_LEN, ServerConnection};

/// Splits the input into a chunk-size stream and a payload; decodes the payload as a client
/// stream (with the `0xeeeeeeee` tag) in those chunks. Invariants: frames never exceed the
/// limit; re-framing the decoded frames reproduces the consumed bytes; after an error the
/// decoder stays failed; the server side never panics on the same bytes.
pub fn transport_frame(data: &[u8]) {
    let (sizes, stream) = data.split_at(data.len().min(8));
    let mut decoder = FrameDecoder::expecting_tag();
    let mut reframed = wire::INTERMEDIATE_TAG.to_vec();
    let mut offset = 0;
    let mut chunk = 0;
    let mut failed = false;
    while offset < stream.len() {
        let size = usize::from(sizes.get(chunk % sizes.len().max(1)).copied().unwrap_or(7)).max(1);
        chunk += 1;
        let end = (offset + size).min(stream.len());
        decoder.push(&stream[offset..end]);
        offset = end;
        loop {
            match decoder.pop() {
                Ok(Some(frame)) => {
                    assert!(!failed, "a frame after an error");
                    assert!(frame.len() <= MAX_FRAME_LEN);
                    reframed
                        .extend(wire::encode_frame(&frame).expect("a decoded frame re-encodes"));
                    // An envelope inside may be anything; decoding it must not panic.
                    let _ = wire::decode_message(&frame);
                    let _ = wire::transport_error(&frame);
                }
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    assert!(decoder.error().is_some(), "the error is remembered");
                    break;
                }
            }
        }
    }
    if !failed {
        let consumed = stream.len() - decoder.buffered();
        if consumed == 0 {
            // Not even the tag yet: no frame can have come out.
            assert_eq!(reframed.len(), wire::INTERMEDIATE_TAG.len());
        } else {
            assert_eq!(
                &reframed[..],
                &stream[..consumed],
                "frames do not reproduce the stream"
            );
        }
    }
    let mut server = ServerConnection::new();
    server.push(stream);
    while let Ok(Some(request)) = server.poll_request() {
        let _ = server.encode_reply(&request, b"reply");
    }
}
