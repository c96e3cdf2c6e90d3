//! Reading a request body of the API: whole, bounded in size and in time.

use std::future::poll_fn;
use std::pin::pin;

use bytes::{Buf, Bytes, BytesMut};
use http_body::Body;

use crate::api::answer::ApiError;
use crate::api::settings::Settings;
use crate::ping::time_limit::within;

/// The body, at most the settings' limit (`413` past it), within their
/// body timeout (`408` past it); a body that fails is `400`.
pub(crate) async fn read_body<B: Body>(body: B, settings: &Settings) -> Result<Bytes, ApiError> {
    match within(
        settings.body_timeout,
        read_at_most(body, settings.body_limit),
    )
    .await
    {
        Some(read) => read,
        None => Err(ApiError::BodyTimedOut),
    }
}

async fn read_at_most<B: Body>(body: B, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = pin!(body);
    let mut kept = BytesMut::new();
    while let Some(frame) = poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let frame =
            frame.map_err(|_| ApiError::BadRequest("could not read request body".into()))?;
        let Ok(mut data) = frame.into_data() else {
            continue;
        };
        if kept.len() + data.remaining() > limit {
            return Err(ApiError::TooLarge);
        }
        while data.has_remaining() {
            let chunk = data.chunk();
            kept.extend_from_slice(chunk);
            let n = chunk.len();
            data.advance(n);
        }
    }
    Ok(kept.freeze())
}
