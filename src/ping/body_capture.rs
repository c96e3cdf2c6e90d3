//! Reading a ping's body: the first `limit` bytes are kept, the rest is
//! discarded frame by frame as it arrives, so memory stays bounded by the limit
//! whatever the client sends.

use std::future::poll_fn;
use std::pin::pin;

use bytes::{Buf, Bytes, BytesMut};
use http_body::Body;

/// Reads `body` to its end, keeping at most `limit` bytes (all of them when
/// `None`). Fails with the body's own error, and then nothing is kept.
pub(crate) async fn capture<B: Body>(body: B, limit: Option<usize>) -> Result<Bytes, B::Error> {
    let mut body = pin!(body);
    let mut kept = BytesMut::new();
    while let Some(frame) = poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let Ok(mut data) = frame?.into_data() else {
            continue; // trailers say nothing we record
        };
        let room = limit.map_or(usize::MAX, |limit| limit - kept.len());
        let mut take = room.min(data.remaining());
        while take > 0 {
            let chunk = data.chunk();
            let n = chunk.len().min(take);
            kept.extend_from_slice(&chunk[..n]);
            data.advance(n);
            take -= n;
        }
        // Whatever is left of `data` is dropped here, unbuffered.
    }
    Ok(kept.freeze())
}
