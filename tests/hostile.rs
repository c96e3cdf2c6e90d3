//! Hostile input, sent as raw bytes to a real server on loopback: one row per
//! attack, stating the answer the client gets and what is recorded.
//!
//! Some rows never reach the layer: hyper's own parser refuses them first
//! (`Expect::Hyper`, an answer without the layer's headers, or a closed
//! connection). That is acceptable, and stated per row, as long as nothing is
//! recorded and the app sees nothing.

mod common;
mod support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Method, Uri};
use axum::Router;
use common::pings_recorded;
use support::serve;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_ping::{Kind, LoggedPing, MemoryStore, NewCheck, PingLayer};
use uuid::Uuid;

const UUID: &str = "5ca1ab1e-0000-4000-8000-00000000c0de";
const RID: &str = "0f0f0f0f-1111-4222-8333-444455556666";
/// The layer's body timeout in these rows.
const BODY_TIMEOUT: Duration = Duration::from_millis(800);
/// How long a row may take at most: a bound on behaviour, not a speed test.
const ROW_BOUND: Duration = Duration::from_secs(20);

/// How the row's bytes go out.
enum Send {
    /// All at once, then the write half is closed.
    Close(Vec<u8>),
    /// All at once, then nothing more, the connection kept open.
    Hold(Vec<u8>),
    /// The head at once, then one body byte every `every`, `count` times.
    Trickle {
        head: Vec<u8>,
        every: Duration,
        count: usize,
    },
}

/// Who answers, and what.
#[derive(Debug, PartialEq)]
enum Expect {
    /// The layer, with its own headers: status and text.
    Layer(u16, &'static str),
    /// The app, which saw exactly this request target and body.
    App(&'static str, &'static [u8]),
    /// hyper's own parser, before the request reached any service.
    Hyper(u16),
    /// The connection closed with no answer at all.
    Closed,
}

struct Row {
    name: &'static str,
    send: Send,
    expect: Expect,
    /// Pings recorded by this row: 0 or 1.
    recorded: u64,
    /// Checks on the one recorded ping.
    ping: Option<fn(&LoggedPing)>,
}

fn request(head: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = head.replace('\n', "\r\n").into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn get(target: &str) -> Send {
    Send::Close(request(
        &format!("GET {target} HTTP/1.1\nhost: t\nconnection: close\n\n"),
        b"",
    ))
}

fn raw(bytes: &[u8]) -> Send {
    Send::Close(bytes.to_vec())
}

fn with_header(name: &str, value: &str) -> Send {
    let head =
        format!("GET /ping/{UUID} HTTP/1.1\nhost: t\n{name}: {value}\nconnection: close\n\n");
    Send::Close(request(&head, b""))
}

fn row(name: &'static str, send: Send, expect: Expect, recorded: u64) -> Row {
    Row {
        name,
        send,
        expect,
        recorded,
        ping: None,
    }
}

fn rows() -> Vec<Row> {
    use Expect::*;
    let long_slug = "a".repeat(60 * 1024);
    let many_params = "x=1&".repeat(10_000);
    vec![
        row("a plain ping: the control row", get(&format!("/ping/{UUID}")), Layer(200, "OK"), 1),
        // Lengths
        row(
            "a 60 KiB slug under a known-shape path",
            get(&format!("/ping/key/{long_slug}")),
            Layer(404, "not found"),
            0,
        ),
        row(
            "a 64 KiB path: past what http::Uri holds, hyper answers 414",
            get(&format!("/ping/key/{}", "a".repeat(64 * 1024))),
            Hyper(414),
            0,
        ),
        row(
            "a 1 MiB request line: hyper refuses it",
            get(&format!("/ping/{UUID}/{}", "a".repeat(1024 * 1024))),
            Hyper(431),
            0,
        ),
        Row {
            ping: Some(|ping| assert_eq!(ping.user_agent.as_deref().map(str::len), Some(200))),
            ..row(
                "a 64 KiB User-Agent: recorded, cut to 200 characters",
                with_header("user-agent", &"u".repeat(64 * 1024)),
                Layer(200, "OK"),
                1,
            )
        },
        row(
            "5,000 headers: hyper refuses them",
            Send::Close(request(
                &format!("GET /ping/{UUID} HTTP/1.1\nhost: t\n{}\n", "x-h: 1\n".repeat(5_000)),
                b"",
            )),
            Hyper(431),
            0,
        ),
        row(
            "10,000 query parameters around nothing we read",
            get(&format!("/ping/{UUID}?{many_params}")),
            Layer(200, "OK"),
            1,
        ),
        row(
            "10,000 query parameters, then a bad rid",
            get(&format!("/ping/{UUID}?{many_params}rid=nope")),
            Layer(400, "invalid uuid format"),
            0,
        ),
        // rid
        Row {
            ping: Some(|ping| assert_eq!(ping.rid, Some(RID.parse().unwrap()))),
            ..row(
                "rid repeated, the last one valid: it wins",
                get(&format!("/ping/{UUID}?rid=bad&rid={RID}")),
                Layer(200, "OK"),
                1,
            )
        },
        row(
            "rid repeated, the last one bad: it wins",
            get(&format!("/ping/{UUID}?rid={RID}&rid=bad")),
            Layer(400, "invalid uuid format"),
            0,
        ),
        row(
            "rid with trailing garbage",
            get(&format!("/ping/{UUID}?rid={RID}x")),
            Layer(400, "invalid uuid format"),
            0,
        ),
        row(
            "rid with an encoded newline (500 on healthchecks)",
            get(&format!("/ping/{UUID}?rid={RID}%0A")),
            Layer(400, "invalid uuid format"),
            0,
        ),
        row(
            "rid with an encoded NUL",
            get(&format!("/ping/{UUID}?rid={RID}%00")),
            Layer(400, "invalid uuid format"),
            0,
        ),
        row(
            "rid of 10,000 characters",
            get(&format!("/ping/{UUID}?rid={}", "f".repeat(10_000))),
            Layer(400, "invalid uuid format"),
            0,
        ),
        row("rid with a lone percent sign", get(&format!("/ping/{UUID}?rid=%")), Layer(400, "invalid uuid format"), 0),
        // Bytes hyper's parser refuses
        row(
            "a NUL byte in the path",
            raw(format!("GET /ping/{UUID}\0 HTTP/1.1\r\nhost: t\r\n\r\n").as_bytes()),
            Hyper(400),
            0,
        ),
        row(
            "a control byte in the path",
            raw(format!("GET /ping/{UUID}\x01/start HTTP/1.1\r\nhost: t\r\n\r\n").as_bytes()),
            Hyper(400),
            0,
        ),
        row(
            "a control byte in a header value",
            raw(format!("GET /ping/{UUID} HTTP/1.1\r\nhost: t\r\nuser-agent: a\x01b\r\n\r\n").as_bytes()),
            Hyper(400),
            0,
        ),
        row(
            "invalid UTF-8 in the path",
            raw(&[b"GET /ping/key/\xff\xfe HTTP/1.1\r\nhost: t\r\n\r\n".as_slice()].concat()),
            Hyper(400),
            0,
        ),
        // Paths near the grammar go to the app untouched
        row(
            "a percent-encoded NUL in the path",
            get(&format!("/ping/{UUID}%00")),
            App("/ping/5ca1ab1e-0000-4000-8000-00000000c0de%00", b""),
            0,
        ),
        row(
            "a .. segment before the uuid: not normalised, not a ping",
            get(&format!("/ping/../ping/{UUID}")),
            App("/ping/../ping/5ca1ab1e-0000-4000-8000-00000000c0de", b""),
            0,
        ),
        row(
            "a .. segment after the uuid",
            get(&format!("/ping/{UUID}/..")),
            App("/ping/5ca1ab1e-0000-4000-8000-00000000c0de/..", b""),
            0,
        ),
        row(
            "a . segment",
            get(&format!("/ping/./{UUID}")),
            App("/ping/./5ca1ab1e-0000-4000-8000-00000000c0de", b""),
            0,
        ),
        row(
            "an encoded slash before the signal",
            get(&format!("/ping/{UUID}%2Fstart")),
            App("/ping/5ca1ab1e-0000-4000-8000-00000000c0de%2Fstart", b""),
            0,
        ),
        row(
            "an encoded slash after the prefix",
            get(&format!("/ping%2F{UUID}")),
            App("/ping%2F5ca1ab1e-0000-4000-8000-00000000c0de", b""),
            0,
        ),
        row(
            "an upper-case uuid is no uuid",
            get(&format!("/ping/{}", UUID.to_uppercase())),
            App("/ping/5CA1AB1E-0000-4000-8000-00000000C0DE", b""),
            0,
        ),
        row(
            "a fourth segment",
            get("/ping/key/backup/start/x"),
            App("/ping/key/backup/start/x", b""),
            0,
        ),
        row(
            "an exit status over 255",
            get(&format!("/ping/{UUID}/256")),
            Layer(400, "invalid url format"),
            0,
        ),
        Row {
            ping: Some(|ping| assert_eq!((ping.kind, ping.exit_status), (Kind::Fail, Some(1)))),
            ..row(
                "an exit status with 10,000 leading zeros",
                get(&format!("/ping/{UUID}/{}1", "0".repeat(10_000))),
                Layer(200, "OK"),
                1,
            )
        },
        // Absolute-form and methods
        Row {
            ping: Some(|ping| assert_eq!(ping.scheme.as_str(), "http")),
            ..row(
                "absolute-form: the path decides, the host is not ours to judge",
                get(&format!("http://elsewhere.example/ping/{UUID}")),
                Layer(200, "OK"),
                1,
            )
        },
        Row {
            // The client names the scheme in absolute-form: see SECURITY.md.
            ping: Some(|ping| assert_eq!(ping.scheme.as_str(), "https")),
            ..row(
                "absolute-form https: the scheme recorded is the client's word",
                get(&format!("https://elsewhere.example/ping/{UUID}")),
                Layer(200, "OK"),
                1,
            )
        },
        row(
            "absolute-form to an app path",
            get("http://elsewhere.example/app?q=1"),
            App("http://elsewhere.example/app?q=1", b""),
            0,
        ),
        row(
            "CONNECT in authority-form",
            raw(b"CONNECT elsewhere.example:443 HTTP/1.1\r\nhost: elsewhere.example:443\r\n\r\n"),
            App("elsewhere.example:443", b""),
            0,
        ),
        row(
            "CONNECT to a ping path: hyper lets it through, the layer refuses it",
            raw(format!("CONNECT /ping/{UUID} HTTP/1.1\r\nhost: t\r\n\r\n").as_bytes()),
            Layer(405, "method not allowed"),
            0,
        ),
        row(
            "an unknown method",
            raw(format!("BREW /ping/{UUID} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n").as_bytes()),
            Layer(405, "method not allowed"),
            0,
        ),
        row(
            "a lower-case get is another method",
            raw(format!("get /ping/{UUID} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n").as_bytes()),
            Layer(405, "method not allowed"),
            0,
        ),
        row(
            "DELETE",
            raw(format!("DELETE /ping/{UUID} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n").as_bytes()),
            Layer(405, "method not allowed"),
            0,
        ),
        row(
            "OPTIONS: a preflight, nothing recorded",
            raw(format!("OPTIONS /ping/{UUID} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n").as_bytes()),
            Layer(204, ""),
            0,
        ),
        row(
            "an unknown method on an app path passes",
            raw(b"BREW /app HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n"),
            App("/app", b""),
            0,
        ),
        // Bodies
        row(
            "Content-Length longer than what is sent, then silence",
            Send::Hold(request(
                &format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ncontent-length: 100\n\n"),
                b"only ten b",
            )),
            Layer(408, "request body timed out"),
            0,
        ),
        Row {
            ping: Some(|ping| assert_eq!(ping.body, "hel")),
            ..row(
                "Content-Length shorter than what is sent: the rest is another request",
                Send::Close(request(
                    &format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ncontent-length: 3\n\n"),
                    b"hello",
                )),
                Layer(200, "OK"),
                1,
            )
        },
        row(
            "two different Content-Lengths",
            Send::Close(request(
                &format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ncontent-length: 3\ncontent-length: 5\n\n"),
                b"hello",
            )),
            Hyper(400),
            0,
        ),
        row(
            "a negative Content-Length",
            Send::Close(request(&format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ncontent-length: -1\n\n"), b"x")),
            Hyper(400),
            0,
        ),
        row(
            "a chunked body that never ends",
            Send::Hold(request(
                &format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ntransfer-encoding: chunked\n\n"),
                b"5\r\nhello\r\n",
            )),
            Layer(408, "request body timed out"),
            0,
        ),
        row(
            "a body slower than the body timeout",
            Send::Trickle {
                head: request(&format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ncontent-length: 40\n\n"), b""),
                every: Duration::from_millis(100),
                count: 40,
            },
            Layer(408, "request body timed out"),
            0,
        ),
        row(
            "a malformed chunk size mid-body",
            Send::Hold(request(
                &format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ntransfer-encoding: chunked\n\n"),
                b"5\r\nhello\r\nzz\r\n",
            )),
            Layer(400, "invalid request body"),
            0,
        ),
        row(
            "the client stops sending mid-body",
            Send::Close(request(
                &format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ncontent-length: 100\n\n"),
                b"only ten b",
            )),
            Layer(400, "invalid request body"),
            0,
        ),
        Row {
            ping: Some(|ping| assert_eq!(ping.body.len(), tower_ping::DEFAULT_BODY_LIMIT)),
            ..row(
                "a 1 MiB body: the first 10,000 bytes kept",
                // Held open: hyper (without `half_close`) drops a connection
                // whose client closed its write half before being answered.
                Send::Hold(request(
                    &format!("POST /ping/{UUID} HTTP/1.1\nhost: t\ncontent-length: 1048576\nconnection: close\n\n"),
                    &vec![b'b'; 1024 * 1024],
                )),
                Layer(200, "OK"),
                1,
            )
        },
        // Headers that try to choose what is recorded
        Row {
            ping: Some(|ping| assert_eq!(ping.remote_addr, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)))),
            ..row(
                "X-Forwarded-For is not trusted by default",
                with_header("x-forwarded-for", "203.0.113.9"),
                Layer(200, "OK"),
                1,
            )
        },
        Row {
            ping: Some(|ping| assert_eq!(ping.scheme.as_str(), "http")),
            ..row(
                "X-Forwarded-Proto is not trusted by default",
                with_header("x-forwarded-proto", "https"),
                Layer(200, "OK"),
                1,
            )
        },
        row(
            "HTTP/1.0 without Host",
            raw(format!("GET /ping/{UUID} HTTP/1.0\r\n\r\n").as_bytes()),
            Layer(200, "OK"),
            1,
        ),
    ]
}

/// What the app saw of one request.
type Seen = Arc<Mutex<Vec<(Method, Uri, Bytes)>>>;

async fn server() -> (SocketAddr, MemoryStore, Seen) {
    let store = MemoryStore::new();
    store
        .add_check(
            NewCheck::new("Backup")
                .uuid(UUID.parse::<Uuid>().unwrap())
                .ping_key("key"),
        )
        .unwrap();
    let seen = Seen::default();
    let app_seen = seen.clone();
    let app = Router::new()
        .fallback(move |method: Method, uri: Uri, body: Bytes| {
            let seen = app_seen.clone();
            async move {
                seen.lock().unwrap().push((method, uri, body));
                ([("x-app", "1")], "app")
            }
        })
        .layer(
            PingLayer::new(store.clone())
                .body_timeout(BODY_TIMEOUT)
                .max_concurrent_pings(64),
        );
    (serve(app).await, store, seen)
}

/// The client's view of one exchange.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn exchange(addr: SocketAddr, send: &Send) -> Option<Reply> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before every byte is written: that is
    // an answer too, so write errors are not the row's failure.
    let _ = match send {
        Send::Close(bytes) => match stream.write_all(bytes).await {
            Ok(()) => stream.shutdown().await,
            Err(error) => Err(error),
        },
        Send::Hold(bytes) => stream.write_all(bytes).await,
        Send::Trickle { head, every, count } => {
            let _ = stream.write_all(head).await;
            for _ in 0..*count {
                tokio::time::sleep(*every).await;
                if stream.write_all(b"x").await.is_err() {
                    break;
                }
            }
            Ok(())
        }
    };
    let mut received = Vec::new();
    let mut buf = [0; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => break,
            Err(_) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
        }
        if let Some(reply) = parse(&received) {
            return Some(reply);
        }
    }
    parse(&received)
}

/// The first complete response in `bytes`, if there is one.
fn parse(bytes: &[u8]) -> Option<Reply> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let body = bytes.get(end + 4..end + 4 + length)?.to_vec();
    Some(Reply {
        status,
        headers,
        body,
    })
}

const LAYER_CACHE_CONTROL: &str = "max-age=0, no-cache, no-store, must-revalidate, private";

#[tokio::test]
async fn hostile_requests_get_clear_answers_and_record_nothing_they_should_not() {
    let (addr, store, seen) = server().await;
    let rows = rows();
    let mut failures = Vec::new();
    for row in &rows {
        let pings_before = pings_recorded(&store);
        let seen_before = seen.lock().unwrap().len();
        let reply = tokio::time::timeout(ROW_BOUND, exchange(addr, &row.send))
            .await
            .unwrap_or_else(|_| panic!("{}: no answer within {ROW_BOUND:?}", row.name));

        let got = match &reply {
            None => Expect::Closed,
            Some(reply) if reply.header("x-app").is_some() => {
                let seen = seen.lock().unwrap();
                match seen.get(seen_before) {
                    Some((_, uri, body)) => match (&row.expect, body.as_ref()) {
                        (Expect::App(target, expected_body), body)
                            if *uri == **target && body == *expected_body =>
                        {
                            Expect::App(target, expected_body)
                        }
                        _ => {
                            failures.push(format!("{}: the app saw {uri} {body:?}", row.name));
                            continue;
                        }
                    },
                    None => {
                        failures.push(format!("{}: an app answer the app did not give", row.name));
                        continue;
                    }
                }
            }
            Some(reply) if reply.header("cache-control") == Some(LAYER_CACHE_CONTROL) => {
                let text = String::from_utf8_lossy(&reply.body).into_owned();
                Expect::Layer(reply.status, Box::leak(text.into_boxed_str()))
            }
            Some(reply) => Expect::Hyper(reply.status),
        };
        if got != row.expect {
            failures.push(format!(
                "{}: expected {:?}, got {got:?}",
                row.name, row.expect
            ));
            continue;
        }
        let recorded = pings_recorded(&store) - pings_before;
        if recorded != row.recorded {
            failures.push(format!(
                "{}: recorded {recorded} pings, expected {}",
                row.name, row.recorded
            ));
            continue;
        }
        let app_saw = seen.lock().unwrap().len() - seen_before;
        let app_expected = usize::from(matches!(row.expect, Expect::App(..)));
        if app_saw != app_expected {
            failures.push(format!("{}: the app saw {app_saw} requests", row.name));
            continue;
        }
        if let Some(check) = row.ping {
            let log = store.pings(UUID.parse().unwrap()).unwrap();
            check(log.last().expect("a recorded ping"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    assert!(rows.len() >= 40, "the table has {} rows", rows.len());
}
