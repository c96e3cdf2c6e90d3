//! The layer in front of a plain hyper 1 service, without axum.
//!
//! ```text
//! cargo run --example hyper_server -- [--listen 127.0.0.1:8001]
//! ```
//!
//! The peer address reaches the layer as a plain `SocketAddr` request
//! extension, inserted per connection before the layer runs.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::ServiceBuilder;
use tower_ping::{MemoryStore, NewCheck, PingLayer};

/// The app: every request that is not a ping ends up here.
async fn app(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let text = format!(
        "hello from hyper: {} {}\n",
        request.method(),
        request.uri().path()
    );
    Ok(Response::new(Full::from(text)))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => "127.0.0.1:8001".to_owned(),
        [flag, addr] if flag == "--listen" => addr.clone(),
        _ => {
            eprintln!("usage: hyper_server [--listen ADDR]");
            std::process::exit(2);
        }
    };
    let store = MemoryStore::new();
    let uuid = store
        .add_check(NewCheck::new("Nightly backup").ping_key("demo-ping-key"))
        .unwrap();
    let layer = PingLayer::new(store);

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let addr = listener.local_addr()?;
    println!("tower-ping hyper example listening on http://{addr}");
    println!("try:  curl -fsS http://{addr}/ping/{uuid}/start");
    println!("      curl -fsS http://{addr}/ping/demo-ping-key/nightly-backup");

    loop {
        let (stream, peer) = listener.accept().await?;
        let service = ServiceBuilder::new()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert::<SocketAddr>(peer);
                request
            })
            .layer(layer.clone())
            .service_fn(app);
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            if let Err(error) = connection.await {
                eprintln!("connection from {peer}: {error}");
            }
        });
    }
}
