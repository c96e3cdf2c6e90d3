//! The whole service on arbitrary requests over a memory store, which may be
//! told to fail or panic, behind a bound on pings in flight that may be zero:
//! a request that is not a ping reaches the inner service exactly as sent, and
//! a ping gets one of the SPEC's answers, recorded when and only when it says
//! so. A panic that escapes the layer aborts the run.
#![no_main]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use arbitrary::Arbitrary;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use libfuzzer_sys::fuzz_target;
use tower::{service_fn, ServiceExt};
use tower_layer::Layer;
use tower_ping::{
    async_trait, classify, CheckStore, Creation, Lookup, MemoryCheckId, MemoryStore, NewCheck,
    Ping, PingLayer, PingQuery, Prefix, Route, Target,
};

const UUID: &str = "5ca1ab1e-0000-4000-8000-00000000c0de";
const KEY: &str = "fuzz-key";
const BODY_LIMIT: usize = 16;

#[derive(Arbitrary, Debug)]
enum MethodShape<'a> {
    Get,
    Head,
    Post,
    Options,
    Put,
    Other(&'a str),
}

/// Paths near the grammar are rare in random text, so most inputs start
/// from a known check and let the fuzzer vary the rest.
#[derive(Arbitrary, Debug)]
enum PathShape<'a> {
    Raw(&'a str),
    Uuid(&'a str),
    Slug(&'a str),
    Key(&'a str),
}

/// What the store does when the layer calls it.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum StoreFault {
    None,
    ResolveError,
    RecordError,
    ResolvePanic,
    RecordPanic,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    fault: StoreFault,
    /// Turns every ping away at the bound.
    bound_zero: bool,
    method: MethodShape<'a>,
    path: PathShape<'a>,
    query: Option<&'a str>,
    headers: Vec<(&'a str, &'a [u8])>,
    body: Vec<&'a [u8]>,
    body_fails: bool,
}

/// A body of given frames, optionally failing after the last.
struct Frames(VecDeque<Bytes>, bool);

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(match self.0.pop_front() {
            Some(data) => Some(Ok(http_body::Frame::data(data))),
            None if std::mem::take(&mut self.1) => Some(Err(std::io::Error::other("cut"))),
            None => None,
        })
    }
}

/// What the inner service saw of one request.
#[derive(Debug, PartialEq)]
struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, ()>,
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime =
        tokio::runtime::Builder::new_current_thread().build().unwrap();
}

fn build(input: &Input<'_>) -> Option<Request<Frames>> {
    let method = match input.method {
        MethodShape::Get => Method::GET,
        MethodShape::Head => Method::HEAD,
        MethodShape::Post => Method::POST,
        MethodShape::Options => Method::OPTIONS,
        MethodShape::Put => Method::PUT,
        MethodShape::Other(name) => Method::from_bytes(name.as_bytes()).ok()?,
    };
    let mut target = match input.path {
        PathShape::Raw(path) => path.to_owned(),
        PathShape::Uuid(rest) => format!("/ping/{UUID}{rest}"),
        PathShape::Slug(rest) => format!("/ping/{KEY}/backup{rest}"),
        PathShape::Key(rest) => format!("/ping/{KEY}/{rest}"),
    };
    if let Some(query) = input.query {
        target = format!("{target}?{query}");
    }
    let uri = Uri::try_from(target).ok()?;
    let mut request = Request::new(Frames(
        input
            .body
            .iter()
            .map(|chunk| Bytes::copy_from_slice(chunk))
            .collect(),
        input.body_fails,
    ));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    for (name, value) in &input.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) else {
            continue;
        };
        request.headers_mut().append(name, value);
    }
    Some(request)
}

const INJECTED: &str = "injected panic";

#[derive(Debug)]
struct Injected;

impl std::fmt::Display for Injected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected error")
    }
}

impl std::error::Error for Injected {}

struct FaultyStore(MemoryStore, StoreFault);

#[async_trait]
impl CheckStore for FaultyStore {
    type CheckId = MemoryCheckId;
    type Error = Injected;

    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<MemoryCheckId>, Injected> {
        match self.1 {
            StoreFault::ResolveError => Err(Injected),
            StoreFault::ResolvePanic => std::panic::panic_any(INJECTED),
            _ => Ok(self.0.resolve(target).await.unwrap()),
        }
    }

    async fn record(&self, check: MemoryCheckId, ping: Ping) -> Result<(), Injected> {
        match self.1 {
            StoreFault::RecordError => Err(Injected),
            StoreFault::RecordPanic => std::panic::panic_any(INJECTED),
            _ => Ok(self.0.record(check, ping).await.unwrap()),
        }
    }

    async fn create(&self, ping_key: &str, slug: &str, ping: Ping) -> Result<Creation, Injected> {
        match self.1 {
            StoreFault::RecordError => Err(Injected),
            StoreFault::RecordPanic => std::panic::panic_any(INJECTED),
            _ => Ok(self.0.create(ping_key, slug, ping).await.unwrap()),
        }
    }
}

/// libfuzzer-sys aborts on any panic before it unwinds; the injected ones
/// must unwind, to the layer, which answers 500. Any other panic, or an
/// injected one that escapes the layer, still aborts the run.
fn let_injected_panics_unwind() {
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&INJECTED) {
            abort(info);
        }
    }));
}

fn store() -> MemoryStore {
    let store = MemoryStore::new();
    store.add_check(
        NewCheck::new("Backup")
            .uuid(UUID.parse().unwrap())
            .ping_key(KEY),
    ).unwrap();
    // Two checks sharing a slug: only UUIDs can say they are two.
    for _ in 0..2 {
        let twin = NewCheck::new("Twin").uuid(tower_ping::uuid::Uuid::new_v4()).ping_key(KEY);
        store.add_check(twin).unwrap();
    }
    store
}

fuzz_target!(init: let_injected_panics_unwind(), |input: Input<'_>| {
    let Some(request) = build(&input) else {
        return;
    };
    let sent_method = request.method().clone();
    let sent_uri = request.uri().clone();
    let sent_headers = request.headers().clone();
    let sent_body: Bytes = input.body.concat().into();
    let route = classify(&Prefix::default(), sent_uri.path());

    let store = store();
    let before = store.checks();
    let seen = Arc::new(Mutex::new(None));
    let inner_seen = seen.clone();
    let inner = service_fn(move |request: Request<Frames>| {
        let seen = inner_seen.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await.map(|b| b.to_bytes()).map_err(drop);
            *seen.lock().unwrap() = Some(Seen {
                method: parts.method,
                uri: parts.uri,
                headers: parts.headers,
                body,
            });
            let mut response = Response::new(Full::new(Bytes::from_static(b"inner")));
            response
                .headers_mut()
                .insert("x-inner", HeaderValue::from_static("1"));
            Ok::<_, Infallible>(response)
        }
    });
    let mut layer = PingLayer::new(FaultyStore(store.clone(), input.fault))
        .body_limit(BODY_LIMIT)
        .on_store_error(|_, _| {});
    if input.bound_zero {
        layer = layer.max_concurrent_pings(0);
    }
    let service = layer.layer(inner);
    let (status, headers, text) = RUNTIME.with(|runtime| {
        runtime.block_on(async {
            let response = service.oneshot(request).await.unwrap();
            let (parts, body) = response.into_parts();
            let text = body.collect().await.unwrap().to_bytes();
            (parts.status, parts.headers, text)
        })
    });
    let seen = seen.lock().unwrap().take();

    if route == Route::Pass {
        let expected = Seen {
            method: sent_method,
            uri: sent_uri,
            headers: sent_headers,
            body: if input.body_fails {
                Err(())
            } else {
                Ok(sent_body)
            },
        };
        assert_eq!(
            seen.as_ref(),
            Some(&expected),
            "not a ping: passed through unchanged"
        );
        assert_eq!(status, StatusCode::OK);
        assert!(headers.contains_key("x-inner"));
        assert_eq!(text, "inner");
        assert_eq!(
            store.checks(),
            before,
            "nothing recorded for a request that is not a ping"
        );
        return;
    }

    assert!(seen.is_none(), "a ping never reaches the inner service");
    let text = std::str::from_utf8(&text).expect("the layer's answers are text");
    // A store fault can only show when the store was called: not past the bound.
    let panics = !input.bound_zero
        && matches!(input.fault, StoreFault::ResolvePanic | StoreFault::RecordPanic);
    let fails = !input.bound_zero
        && matches!(input.fault, StoreFault::ResolveError | StoreFault::RecordError);
    let allowed = match status.as_u16() {
        200 => text == "OK",
        201 => text == "Created",
        204 => text.is_empty(),
        400 => [
            "invalid url format",
            "invalid uuid format",
            "invalid request body",
        ]
        .contains(&text),
        404 => text == "not found",
        405 => text == "method not allowed",
        409 => text == "ambiguous slug",
        500 => text == "internal error" && panics,
        503 if text == "too many pings" => input.bound_zero,
        503 => text == "store unavailable" && fails,
        _ => false,
    };
    assert!(allowed, "a ping answered {status} {text:?}");
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(headers["access-control-allow-origin"], "*");

    let after = store.checks();
    let recorded: Vec<_> = after
        .iter()
        .filter(|check| {
            before
                .iter()
                .all(|old| old.uuid != check.uuid || old.state != check.state)
        })
        .collect();
    match status.as_u16() {
        200 | 201 => {
            assert_eq!(recorded.len(), 1, "one check took the ping");
            assert_eq!(
                after.len(),
                before.len() + usize::from(status == StatusCode::CREATED)
            );
            let check = recorded[0];
            let ping = store
                .pings(check.uuid)
                .unwrap()
                .pop()
                .expect("the ping is logged");
            assert_eq!(ping.method, sent_method);
            let kept = &sent_body[..sent_body.len().min(BODY_LIMIT)];
            assert_eq!(ping.body, kept);
            let query = PingQuery::parse(sent_uri.query()).expect("rid was valid");
            assert_eq!(ping.rid, query.rid);
        }
        _ => assert_eq!(after, before, "nothing recorded for a {status}"),
    }
});
