//! The example's notifiers: each alert posted as JSON to `--webhook`, or
//! printed on standard output, one line each.

use std::io::Write;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tower_ping::{async_trait, Alert, Notifier, NotifyError};

/// The alert as the webhook receives it and standard output shows it: its
/// `id` and `attempt`, its check (`uuid`, `name`, `slug`, `ping_key`,
/// `status`, `last_ping`) and the flip (`old_status`, `new_status`,
/// `reason`, `at`), as `Alert` writes them with the `serde` feature.
pub fn alert_json(alert: &Alert) -> Value {
    serde_json::to_value(alert).expect("an alert is JSON")
}

/// Posts each alert to a URL; delivered on a `2xx` answer.
pub struct Webhook {
    url: hyper::Uri,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Webhook {
    pub fn new(url: &str) -> Result<Self, String> {
        let url: hyper::Uri = url.parse().map_err(|e| format!("--webhook {url}: {e}"))?;
        if url.scheme_str() != Some("http") {
            return Err(format!("--webhook {url}: only http:// URLs"));
        }
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(Self { url, client })
    }
}

#[async_trait]
impl Notifier for Webhook {
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        let request = hyper::Request::post(self.url.clone())
            .header("content-type", "application/json")
            // Lets the receiver drop a duplicate after a crash.
            .header("idempotency-key", alert.id.to_string())
            .body(Full::from(alert_json(alert).to_string()))?;
        let response = self.client.request(request).await?;
        let status = response.status();
        // Read to the end, so the connection can serve the next alert.
        response.into_body().collect().await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the webhook answered {status}").into())
        }
    }
}

/// Prints each alert as one JSON line, so a newcomer sees the monitor work.
pub struct Print;

#[async_trait]
impl Notifier for Print {
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        let line = format!("{}\n", alert_json(alert));
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(line.as_bytes())?;
        stdout.flush()?;
        Ok(())
    }
}
