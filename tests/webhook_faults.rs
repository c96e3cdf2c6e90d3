//! The example server's `--webhook` against a receiver that misbehaves: one
//! that never answers, one that closes the connection without answering,
//! one that redirects, one that answers after the call timeout. Whatever
//! the receiver does, each alert is delivered at least once, a check's
//! alerts in order (none posted before the one ahead of it was taken), and
//! the server keeps answering pings and `/healthz` meanwhile.
//!
//! The receiver is raw HTTP/1.1 over TCP, so that it can do what a
//! framework would not (close without a status line). The alert JSON is
//! read for `id`, `uuid`, `new_status` and `old_status` only. Short call
//! timeouts and retry waits keep each test to a few seconds.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

use support::{client, http, Server};

/// What the receiver does with a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `204 No Content`.
    Accept,
    /// Reads the post and never answers (until the client goes away).
    Hang,
    /// Reads the post and closes the connection without a byte.
    Close,
    /// `status` with `Location:` another path of the receiver.
    Redirect(u16),
    /// `204`, but only after this long.
    Late(Duration),
}

/// One request the receiver read.
#[derive(Debug, Clone)]
struct Post {
    path: String,
    mode: Mode,
    alert: Value,
    at: Instant,
}

/// The path a redirect points at: a request there is a followed redirect.
const MOVED: &str = "/moved";

#[derive(Clone)]
struct Receiver {
    addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    posts: Arc<Mutex<Vec<Post>>>,
}

impl Receiver {
    async fn start(mode: Mode) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            addr: listener.local_addr().unwrap(),
            mode: Arc::new(Mutex::new(mode)),
            posts: Arc::default(),
        };
        let serving = receiver.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serving.clone().connection(stream));
            }
        });
        receiver
    }

    fn url(&self) -> String {
        format!("http://{}/alerts", self.addr)
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn posts(&self) -> Vec<Post> {
        self.posts.lock().unwrap().clone()
    }

    /// The alerts answered `204` in time, in the order they came.
    fn accepted(&self) -> Vec<Value> {
        self.posts()
            .into_iter()
            .filter(|p| p.mode == Mode::Accept && p.path == "/alerts")
            .map(|p| p.alert)
            .collect()
    }

    /// Waits until `done` holds for the posts; panics after `limit`.
    async fn wait_until(&self, what: &str, limit: Duration, done: impl Fn(&[Post]) -> bool) {
        let started = Instant::now();
        while !done(&self.posts()) {
            assert!(
                started.elapsed() < limit,
                "{what}: not within {limit:?}; posts: {:?}",
                self.posts()
                    .iter()
                    .map(|p| (&p.path, p.mode, &p.alert["id"], &p.alert["new_status"]))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Serves one connection: requests one after the other (keep-alive).
    async fn connection(self, mut stream: TcpStream) {
        let mut buf = Vec::new();
        loop {
            let Some((path, body)) = read_request(&mut stream, &mut buf).await else {
                return;
            };
            let mode = *self.mode.lock().unwrap();
            let alert = serde_json::from_slice(&body).unwrap_or(Value::Null);
            self.posts.lock().unwrap().push(Post {
                path: path.clone(),
                mode,
                alert,
                at: Instant::now(),
            });
            let answer = match mode {
                Mode::Accept => "HTTP/1.1 204 No Content\r\n\r\n".to_owned(),
                Mode::Late(after) => {
                    tokio::time::sleep(after).await;
                    "HTTP/1.1 204 No Content\r\n\r\n".to_owned()
                }
                Mode::Hang => {
                    // Until the client gives up and closes.
                    let mut rest = [0u8; 64];
                    while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
                    return;
                }
                Mode::Close => return,
                Mode::Redirect(status) => format!(
                    "HTTP/1.1 {status} Redirect\r\nLocation: http://{}{MOVED}\r\n\
                     Content-Length: 0\r\n\r\n",
                    self.addr
                ),
            };
            if stream.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

/// Reads one request from `stream` (what is left of the last read in
/// `buf`): its path and body; `None` at the end of the connection.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let path = head.split_whitespace().nth(1)?.to_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + length].to_vec();
    buf.drain(..head_end + length);
    Some((path, body))
}

/// A check up since start-up with a day's timeout: only pings move it.
struct Setup {
    server: Server,
    uuid: Uuid,
    _dir: support::TempDb,
}

fn start(receiver: &Receiver) -> Setup {
    let dir = support::TempDb::new();
    let uuid = Uuid::new_v4();
    let seeds = dir.file("checks.json");
    std::fs::write(
        &seeds,
        json!([{"uuid": uuid, "name": "Job", "status": "up", "timeout": 86400}]).to_string(),
    )
    .unwrap();
    let server = Server::start(&[
        "--checks",
        seeds.to_str().unwrap(),
        "--webhook",
        &receiver.url(),
        "--notify-timeout-ms",
        &CALL_TIMEOUT.as_millis().to_string(),
        "--retry-ms",
        "100",
        "--retry-max-ms",
        "200",
    ]);
    Setup {
        server,
        uuid,
        _dir: dir,
    }
}

const CALL_TIMEOUT: Duration = Duration::from_millis(300);

/// A failure, then a success: two alerts of one check, down then up.
async fn flap(setup: &Setup) {
    let (client, base) = (client(), setup.server.base());
    let fail = format!("{base}/ping/{}/fail", setup.uuid);
    assert_eq!(
        http(&client, "GET", &fail, b"").await.map(|s| s.as_u16()),
        Some(200)
    );
    let ok = format!("{base}/ping/{}", setup.uuid);
    assert_eq!(
        http(&client, "GET", &ok, b"").await.map(|s| s.as_u16()),
        Some(200)
    );
}

/// Pings and `/healthz`, each answered `200` within a second, a few times
/// over: the server is not held up by its notifier.
async fn responsive(setup: &Setup) {
    let (client, base) = (client(), setup.server.base());
    for n in 0..5 {
        for url in [
            format!("{base}/ping/{}/log", setup.uuid),
            format!("{base}/healthz"),
        ] {
            let started = Instant::now();
            let status =
                tokio::time::timeout(Duration::from_secs(1), http(&client, "GET", &url, b""))
                    .await
                    .unwrap_or_else(|_| panic!("{url} not answered within 1 s (round {n})"));
            assert_eq!(status.map(|s| s.as_u16()), Some(200), "{url}");
            assert!(started.elapsed() < Duration::from_secs(1));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The two alerts of [`flap`], once the receiver takes them: each taken at
/// least once, the down first, and the up never posted before the down was
/// taken.
fn assert_delivered_in_order(receiver: &Receiver, uuid: Uuid) {
    let accepted = receiver.accepted();
    let mut ids: Vec<u64> = Vec::new();
    for alert in &accepted {
        assert_eq!(alert["uuid"], uuid.to_string(), "{alert}");
        let id = alert["id"].as_u64().expect("an id");
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    assert_eq!(ids.len(), 2, "two alerts taken: {accepted:?}");
    assert!(ids[0] < ids[1], "taken in the order of their ids: {ids:?}");
    let first = accepted
        .iter()
        .find(|a| a["id"] == ids[0])
        .expect("the first alert");
    let second = accepted
        .iter()
        .find(|a| a["id"] == ids[1])
        .expect("the second alert");
    assert_eq!(
        (first["old_status"].as_str(), first["new_status"].as_str()),
        (Some("up"), Some("down"))
    );
    assert_eq!(
        (second["old_status"].as_str(), second["new_status"].as_str()),
        (Some("down"), Some("up"))
    );
    // The up alert is not posted, in any mode, before the down was taken.
    let posts = receiver.posts();
    let down_taken = posts
        .iter()
        .position(|p| p.mode == Mode::Accept && p.alert["id"] == ids[0])
        .expect("the down alert taken");
    assert!(
        posts[..down_taken].iter().all(|p| p.alert["id"] == ids[0]),
        "a later alert posted before the first was taken: {:?}",
        posts
            .iter()
            .map(|p| (p.mode, &p.alert["id"]))
            .collect::<Vec<_>>()
    );
}

/// Waits until both alerts are taken.
async fn both_taken(receiver: &Receiver) {
    receiver
        .wait_until("both alerts taken", Duration::from_secs(10), |posts| {
            let mut ids: Vec<&Value> = posts
                .iter()
                .filter(|p| p.mode == Mode::Accept && p.path == "/alerts")
                .map(|p| &p.alert["id"])
                .collect();
            ids.dedup();
            ids.len() >= 2
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_never_answers_is_cut_off_and_tried_again() {
    let receiver = Receiver::start(Mode::Hang).await;
    let setup = start(&receiver);
    flap(&setup).await;
    // The first alert posted, cut off at the call timeout, posted again.
    receiver
        .wait_until("two hung posts", Duration::from_secs(5), |posts| {
            posts.iter().filter(|p| p.mode == Mode::Hang).count() >= 2
        })
        .await;
    let hung: Vec<Post> = receiver.posts();
    let gap = hung[1].at - hung[0].at;
    assert!(
        gap >= CALL_TIMEOUT,
        "posted again {gap:?} after, before the call timeout ran out"
    );
    assert_eq!(
        hung[0].alert["id"], hung[1].alert["id"],
        "the same alert again"
    );
    responsive(&setup).await;

    receiver.set(Mode::Accept);
    both_taken(&receiver).await;
    assert_delivered_in_order(&receiver, setup.uuid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_closes_the_connection_is_tried_again() {
    let receiver = Receiver::start(Mode::Close).await;
    let setup = start(&receiver);
    flap(&setup).await;
    receiver
        .wait_until("three closed posts", Duration::from_secs(5), |posts| {
            posts.iter().filter(|p| p.mode == Mode::Close).count() >= 3
        })
        .await;
    responsive(&setup).await;
    // Nothing was taken, so every flip is still to be delivered.
    let flips = support::get_json(&client(), &format!("{}/flips", setup.server.base())).await;
    let flips = flips.as_array().unwrap();
    assert!(!flips.is_empty());
    assert!(flips.iter().all(|f| f["delivered"] == false), "{flips:?}");

    receiver.set(Mode::Accept);
    both_taken(&receiver).await;
    assert_delivered_in_order(&receiver, setup.uuid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_redirects_is_not_followed_and_the_alert_is_tried_again() {
    for status in [302, 307, 308] {
        let receiver = Receiver::start(Mode::Redirect(status)).await;
        let setup = start(&receiver);
        flap(&setup).await;
        receiver
            .wait_until("three redirected posts", Duration::from_secs(5), |posts| {
                posts
                    .iter()
                    .filter(|p| p.mode == Mode::Redirect(status))
                    .count()
                    >= 3
            })
            .await;
        responsive(&setup).await;
        // A redirect is a failed call: not followed, retried at the URL
        // given, the alert not marked delivered.
        assert!(
            receiver.posts().iter().all(|p| p.path == "/alerts"),
            "{status}: the redirect was followed"
        );
        let flips = support::get_json(&client(), &format!("{}/flips", setup.server.base())).await;
        assert!(
            flips
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["delivered"] == false),
            "{status}: {flips}"
        );

        receiver.set(Mode::Accept);
        both_taken(&receiver).await;
        assert_delivered_in_order(&receiver, setup.uuid);
        assert!(receiver.posts().iter().all(|p| p.path != MOVED));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_answers_after_the_call_timeout_gets_the_alert_again() {
    let late = CALL_TIMEOUT * 2;
    let receiver = Receiver::start(Mode::Late(late)).await;
    let setup = start(&receiver);
    flap(&setup).await;
    // Each late answer counts as a failure: the same alert comes again,
    // and the next alert waits.
    receiver
        .wait_until("two late posts", Duration::from_secs(5), |posts| {
            posts
                .iter()
                .filter(|p| matches!(p.mode, Mode::Late(_)))
                .count()
                >= 2
        })
        .await;
    let posts = receiver.posts();
    assert_eq!(posts[0].alert["id"], posts[1].alert["id"]);
    responsive(&setup).await;

    receiver.set(Mode::Accept);
    both_taken(&receiver).await;
    assert_delivered_in_order(&receiver, setup.uuid);
    // The late answers were received by the webhook too: at least once
    // means the same alert (the same `id`) may arrive more than once.
    let down = &receiver.accepted()[0]["id"];
    let received = receiver
        .posts()
        .iter()
        .filter(|p| &p.alert["id"] == down)
        .count();
    assert!(received >= 3, "{received}");
}
