//! What the example server holds for clients, over raw TCP on loopback: a
//! connection that sends nothing, or trickles its head (slowloris), is
//! closed at the header timeout; one that goes quiet, at the idle timeout;
//! at the connection limit, connections waiting for a request make room for
//! one that has a request to make. Real-time waits of a few hundred
//! milliseconds: these are the server's own timers.

mod support;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::Server;

const HEAD: Duration = Duration::from_millis(400);
const IDLE: Duration = Duration::from_millis(700);
/// What a close may take beyond its timeout on a loaded machine.
const SLACK: Duration = Duration::from_millis(1500);

fn start(extra: &[&str]) -> Server {
    let head = HEAD.as_millis().to_string();
    let idle = IDLE.as_millis().to_string();
    let mut args = vec![
        "--header-read-timeout-ms",
        head.as_str(),
        "--idle-timeout-ms",
        idle.as_str(),
    ];
    args.extend_from_slice(extra);
    Server::start(&args)
}

/// Reads until the server closes the connection (or `limit` passes):
/// what it sent, and how long after the start that was.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, started.elapsed()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("still open after {limit:?}"),
        }
    }
}

const GET_HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_timeout() {
    let server = start(&[]);
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let (_, took) = until_closed(&mut silent, HEAD + SLACK * 2).await;
    assert!(
        took >= HEAD - Duration::from_millis(50),
        "closed after {took:?}"
    );
    assert!(took < HEAD + SLACK, "closed after {took:?}");
}

#[tokio::test]
async fn a_head_trickled_byte_by_byte_is_cut_off_at_the_header_timeout() {
    let server = start(&[]);
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let started = Instant::now();
    // A byte of a never-ending header every 50 ms: the connection is busy,
    // but its head never completes.
    let trickle = tokio::spawn(async move {
        let mut sent = write
            .write_all(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
            .await
            .is_ok();
        while sent && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            sent = write.write_all(b"a").await.is_ok();
        }
        started.elapsed()
    });
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the slow head is cut off");
    assert!(closed < HEAD + SLACK, "cut off after {closed:?}");
    let gave_up = trickle.await.unwrap();
    assert!(
        gave_up < Duration::from_secs(10),
        "writes went on for {gave_up:?}"
    );
}

#[tokio::test]
async fn a_keep_alive_connection_is_closed_once_idle() {
    // A header timeout longer than the idle one: the idle one closes it.
    let server = Server::start(&[
        "--header-read-timeout-ms",
        "5000",
        "--idle-timeout-ms",
        &IDLE.as_millis().to_string(),
    ]);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(GET_HEALTHZ).await.unwrap();
    let mut buf = [0u8; 256];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
    let (_, took) = until_closed(&mut stream, Duration::from_secs(4)).await;
    assert!(
        took >= IDLE - Duration::from_millis(50),
        "closed after {took:?}"
    );
    assert!(took < IDLE + SLACK, "closed after {took:?}");
}

#[tokio::test]
async fn at_the_connection_limit_waiting_connections_make_room_for_a_request() {
    let server = start(&["--max-connections", "4"]);
    // Twelve connections that never send a byte: three times the limit.
    let mut idle = Vec::new();
    for _ in 0..12 {
        idle.push(TcpStream::connect(server.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A client with a request is answered at once, not after the idle ones
    // time out.
    let started = Instant::now();
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client.write_all(GET_HEALTHZ).await.unwrap();
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(HEAD, client.read(&mut buf))
        .await
        .expect("answered before the idle connections timed out")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
    assert!(started.elapsed() < HEAD, "took {:?}", started.elapsed());
}

#[test]
fn help_lists_every_flag_with_its_default() {
    let output = std::process::Command::new(support::example_binary("server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for (flag, default) in [
        ("--header-read-timeout-ms", "(10000)"),
        ("--idle-timeout-ms", "(10000)"),
        ("--max-connections", "1024"),
        ("--body-timeout-ms", "(10000)"),
        ("--max-concurrent-pings", "(256)"),
    ] {
        let line = help
            .lines()
            .position(|l| l.trim_start().starts_with(flag))
            .unwrap_or_else(|| panic!("{flag} missing from --help:\n{help}"));
        let text: String = help.lines().skip(line).take(4).collect();
        assert!(text.contains(default), "{flag} without {default}:\n{help}");
    }
}
