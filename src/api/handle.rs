//! Answering one API request, top-down: a preflight or a method the
//! endpoint does not take is answered at once; then the body is read and
//! parsed (before the key, as healthchecks does), the key checked, and the
//! endpoint served through the store.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::{Method, Request, Response, StatusCode};
use http_body::Body;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::answer::{self, ApiError};
use crate::api::auth::{self, Key};
use crate::api::body::{BoxError, Page, PageFuture, Reply};
use crate::api::json::{ChannelJson, CheckJson, FlipJson, PingJson, Urls};
use crate::api::query::{pairs, FlipWindow};
use crate::api::read_body::read_body;
use crate::api::route::{ApiPath, CheckRef, Endpoint};
use crate::api::shared::Shared;
use crate::api::spec::read_definition;
use crate::store::badge_url::ALL_CHECKS;
use crate::store::channel::Channel;
use crate::store::check::Check;
use crate::store::manage_store::{CheckQuery, Created, FlipQuery, ManageStore, Resumed};
use crate::store::project::{Access, Project};

/// The most pings `GET checks/<uuid>/pings/` lists, as healthchecks.
const MAX_PINGS: usize = 1000;

/// Answers `request`, which `path` names: every answer with its CORS
/// headers.
pub(crate) async fn answer<S, B>(
    shared: Arc<Shared<S>>,
    path: ApiPath,
    request: Request<B>,
) -> Response<Reply>
where
    S: ManageStore,
    B: Body,
{
    let allow = path.endpoint.allow();
    let response = match respond(&shared, &path, request).await {
        Ok(response) => response,
        Err(error) => error.response(),
    };
    answer::with_cors(response, allow)
}

async fn respond<S, B>(
    shared: &Arc<Shared<S>>,
    path: &ApiPath,
    request: Request<B>,
) -> Result<Response<Reply>, ApiError>
where
    S: ManageStore,
    B: Body,
{
    let method = request.method().clone();
    if method == Method::OPTIONS {
        return Ok(answer::preflight());
    }
    if !path.endpoint.methods().contains(&method) {
        return Err(ApiError::MethodNotAllowed(path.endpoint.allow()));
    }
    if path.endpoint == Endpoint::Status {
        return Ok(answer::text(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"OK"),
        ));
    }
    let (parts, body) = request.into_parts();
    let json = match method {
        Method::POST => parse_json(&read_body(body, &shared.settings).await?)?,
        _ => Map::new(),
    };
    let key = Key::of(&parts.headers, (method == Method::POST).then_some(&json));
    let writes = method != Method::GET
        || matches!(
            path.endpoint,
            Endpoint::Pings(_) | Endpoint::PingBody(..) | Endpoint::Channels
        );
    let (project, access) = auth::authenticate(shared, key, writes).await?;
    let cx = Context {
        shared,
        path,
        project,
        access,
        now: (shared.settings.clock)(),
    };
    let query = parts.uri.query();
    match (&path.endpoint, method) {
        (Endpoint::Checks, Method::GET) => cx.list_checks(query).await,
        (Endpoint::Checks, _) => cx.create_check(&json).await,
        (Endpoint::Check(check), Method::GET) => cx.get_check(check).await,
        (Endpoint::Check(check), Method::POST) => cx.update_check(check, &json).await,
        (Endpoint::Check(check), _) => cx.delete_check(check).await,
        (Endpoint::Pause(uuid), _) => cx.pause(*uuid).await,
        (Endpoint::Resume(uuid), _) => cx.resume(*uuid).await,
        (Endpoint::Pings(uuid), _) => cx.pings(*uuid).await,
        (Endpoint::PingBody(uuid, n), _) => cx.ping_body(*uuid, *n).await,
        (Endpoint::Flips(check), _) => cx.flips(check, query).await,
        (Endpoint::Channels, _) => cx.channels().await,
        (Endpoint::Badges, _) => cx.badges().await,
        (Endpoint::Status, _) => unreachable!("answered above"),
    }
}

/// A request body as a JSON object: healthchecks' two refusals. An empty
/// body is an empty object.
fn parse_json(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::BadRequest(
            "json validation error: value is not an object".into(),
        )),
        Err(_) => Err(ApiError::BadRequest("could not parse request body".into())),
    }
}

/// One authenticated request.
struct Context<'a, S: ManageStore> {
    shared: &'a Arc<Shared<S>>,
    path: &'a ApiPath,
    project: Project,
    access: Access,
    now: std::time::SystemTime,
}

impl<S: ManageStore> Context<'_, S> {
    fn store(&self) -> &S {
        &self.shared.store
    }

    /// A store error: to the hook, `503` to the client.
    fn failed(&self, error: S::Error) -> ApiError {
        (self.shared.on_store_error)(&error);
        ApiError::StoreUnavailable
    }

    fn urls(&self) -> Urls<'_> {
        let settings = &self.shared.settings;
        Urls {
            site_root: &settings.site_root,
            ping_prefix: &settings.ping_prefix,
            api_prefix: &settings.prefix,
            version: self.path.version,
        }
    }

    /// The app's channels, which a read-write key sees on every check.
    async fn channel_list(&self) -> Result<Vec<Channel>, ApiError> {
        match self.access {
            Access::ReadWrite => self.store().channels().await.map_err(|e| self.failed(e)),
            _ => Ok(Vec::new()),
        }
    }

    fn check_json(&self, check: &Check, channels: &[Channel]) -> Response<Reply> {
        answer::json(
            StatusCode::OK,
            &CheckJson::new(check, self.now, self.access, &self.urls(), channels),
        )
    }

    /// The check `reference` names, if it is this project's: another
    /// project's check is not found, as if it did not exist.
    async fn find(&self, reference: &CheckRef) -> Result<Check, ApiError> {
        let found = match reference {
            CheckRef::Uuid(uuid) => self
                .store()
                .check(*uuid)
                .await
                .map_err(|e| self.failed(e))?,
            CheckRef::UniqueKey(key) => self.by_unique_key(key).await?,
        };
        found
            .filter(|check| check.project == Some(self.project.uuid))
            .ok_or(ApiError::NotFound)
    }

    /// The project's check whose unique key is `key`.
    async fn by_unique_key(&self, key: &str) -> Result<Option<Check>, ApiError> {
        let mut query = CheckQuery::new(self.shared.settings.page_size).project(self.project.uuid);
        loop {
            let page = self
                .store()
                .checks(query.clone())
                .await
                .map_err(|e| self.failed(e))?;
            if let Some(check) = page.checks.into_iter().find(|c| c.unique_key() == key) {
                return Ok(Some(check));
            }
            match page.next {
                Some(next) => query = query.after(Some(next)),
                None => return Ok(None),
            }
        }
    }

    /// `GET checks/`: the project's checks, by `tag` (every one given) and
    /// `slug`, written a page at a time.
    async fn list_checks(&self, query: Option<&str>) -> Result<Response<Reply>, ApiError> {
        let mut filter = CheckQuery::new(self.shared.settings.page_size).project(self.project.uuid);
        let mut tags = Vec::new();
        for (key, value) in pairs(query) {
            match key.as_str() {
                "tag" => tags.push(value),
                "slug" if !value.is_empty() => filter = filter.slug(value),
                _ => {}
            }
        }
        let filter = filter.tags(tags);
        let channels: Arc<[Channel]> = self.channel_list().await?.into();
        let page = self
            .store()
            .checks(filter.clone())
            .await
            .map_err(|e| self.failed(e))?;
        let lister = Lister {
            shared: self.shared.clone(),
            channels,
            access: self.access,
            version: self.path.version,
            now: self.now,
        };
        let mut first = BytesMut::from(&b"{\"checks\": ["[..]);
        lister.write(&page.checks, false, &mut first);
        match page.next {
            None => {
                first.extend_from_slice(b"]}");
                Ok(answer::text(
                    StatusCode::OK,
                    "application/json",
                    first.freeze(),
                ))
            }
            Some(next) => {
                let pages = lister.next_page(filter.after(Some(next)), !page.checks.is_empty());
                Ok(answer::paged(first.freeze(), pages))
            }
        }
    }

    /// `POST checks/`: a new check, or with `unique` the one it names.
    async fn create_check(&self, json: &Map<String, Value>) -> Result<Response<Reply>, ApiError> {
        let channels = self.store().channels().await.map_err(|e| self.failed(e))?;
        let definition = read_definition(json, self.path.version, None, &channels)
            .map_err(ApiError::BadRequest)?;
        let created = self
            .store()
            .create_check(self.project.uuid, definition.spec, &definition.unique)
            .await
            .map_err(|e| self.failed(e))?;
        let (status, check) = match created {
            Created::Created(check) => (StatusCode::CREATED, check),
            Created::Updated(check) => (StatusCode::OK, check),
            Created::LimitReached => return Err(ApiError::LimitReached),
            // The project went away between the key check and now.
            _ => return Err(ApiError::WrongKey),
        };
        Ok(answer::json(
            status,
            &CheckJson::new(&check, self.now, self.access, &self.urls(), &channels),
        ))
    }

    async fn get_check(&self, reference: &CheckRef) -> Result<Response<Reply>, ApiError> {
        let check = self.find(reference).await?;
        let channels = self.channel_list().await?;
        Ok(self.check_json(&check, &channels))
    }

    /// `POST checks/<uuid>`: the fields given, nothing else.
    async fn update_check(
        &self,
        reference: &CheckRef,
        json: &Map<String, Value>,
    ) -> Result<Response<Reply>, ApiError> {
        let check = self.find(reference).await?;
        let channels = self.store().channels().await.map_err(|e| self.failed(e))?;
        let definition = read_definition(json, self.path.version, Some(&check), &channels)
            .map_err(ApiError::BadRequest)?;
        let updated = self
            .store()
            .update_check(check.uuid, definition.spec)
            .await
            .map_err(|e| self.failed(e))?
            .ok_or(ApiError::NotFound)?;
        Ok(self.check_json(&updated, &channels))
    }

    async fn delete_check(&self, reference: &CheckRef) -> Result<Response<Reply>, ApiError> {
        let check = self.find(reference).await?;
        let channels = self.channel_list().await?;
        let removed = self
            .store()
            .remove(check.uuid)
            .await
            .map_err(|e| self.failed(e))?
            .ok_or(ApiError::NotFound)?;
        Ok(self.check_json(&removed, &channels))
    }

    /// `POST checks/<uuid>/pause`: pausing a paused check is no error.
    async fn pause(&self, uuid: uuid::Uuid) -> Result<Response<Reply>, ApiError> {
        self.find(&CheckRef::Uuid(uuid)).await?;
        let channels = self.channel_list().await?;
        let paused = self
            .store()
            .pause(uuid)
            .await
            .map_err(|e| self.failed(e))?
            .ok_or(ApiError::NotFound)?;
        Ok(self.check_json(&paused, &channels))
    }

    /// `POST checks/<uuid>/resume`: `409` unless the check is paused.
    async fn resume(&self, uuid: uuid::Uuid) -> Result<Response<Reply>, ApiError> {
        self.find(&CheckRef::Uuid(uuid)).await?;
        let channels = self.channel_list().await?;
        match self
            .store()
            .resume(uuid)
            .await
            .map_err(|e| self.failed(e))?
        {
            Resumed::Resumed(check) => Ok(self.check_json(&check, &channels)),
            Resumed::NotPaused(_) => Err(ApiError::NotPaused),
            _ => Err(ApiError::NotFound),
        }
    }

    /// `GET checks/<uuid>/pings/`: newest first.
    async fn pings(&self, uuid: uuid::Uuid) -> Result<Response<Reply>, ApiError> {
        self.find(&CheckRef::Uuid(uuid)).await?;
        let pings = self
            .store()
            .pings(uuid, MAX_PINGS)
            .await
            .map_err(|e| self.failed(e))?
            .ok_or(ApiError::NotFound)?;
        let urls = self.urls();
        let pings: Vec<PingJson> = pings
            .iter()
            .map(|p| PingJson::new(p, uuid, &urls))
            .collect();
        Ok(answer::json(StatusCode::OK, &Listing { pings }))
    }

    /// `GET checks/<uuid>/pings/<n>/body`: the body as kept, as bytes.
    async fn ping_body(&self, uuid: uuid::Uuid, n: u64) -> Result<Response<Reply>, ApiError> {
        self.find(&CheckRef::Uuid(uuid)).await?;
        let body = self
            .store()
            .ping_body(uuid, n)
            .await
            .map_err(|e| self.failed(e))?
            .ok_or(ApiError::NotFound)?;
        Ok(answer::text(StatusCode::OK, "text/plain", body))
    }

    /// `GET checks/<ref>/flips/`: newest first, in the window the query
    /// names.
    async fn flips(
        &self,
        reference: &CheckRef,
        query: Option<&str>,
    ) -> Result<Response<Reply>, ApiError> {
        let window = FlipWindow::read(&pairs(query), self.now).map_err(ApiError::BadRequest)?;
        let check = self.find(reference).await?;
        let flips = self
            .store()
            .flips(
                FlipQuery::new(usize::MAX)
                    .check(check.uuid)
                    .between(window.since, window.until)
                    .newest_first(),
            )
            .await
            .map_err(|e| self.failed(e))?;
        let flips: Vec<FlipJson> = flips.iter().map(FlipJson::new).collect();
        Ok(answer::json(StatusCode::OK, &FlipListing { flips }))
    }

    /// `GET badges/`: the URLs of the project's badges, for each tag its
    /// checks have and for all of them (`*`), keys sorted. A project
    /// without a badge key has none.
    async fn badges(&self) -> Result<Response<Reply>, ApiError> {
        let mut tags = BTreeSet::new();
        let mut query = CheckQuery::new(self.shared.settings.page_size).project(self.project.uuid);
        loop {
            let page = self
                .store()
                .check_summaries(query.clone())
                .await
                .map_err(|e| self.failed(e))?;
            for summary in &page.summaries {
                tags.extend(
                    summary
                        .tags
                        .split(' ')
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned),
                );
            }
            match page.next {
                Some(next) => query = query.after(Some(next)),
                None => break,
            }
        }
        let root = &self.shared.settings.site_root;
        let mut badges = serde_json::Map::new();
        for tag in tags.iter().map(String::as_str).chain([ALL_CHECKS]) {
            if let Some(urls) = self.project.badge_urls(root, tag) {
                let urls = serde_json::to_value(urls).expect("URLs are plain JSON");
                badges.insert(tag.to_owned(), urls);
            }
        }
        Ok(answer::json(
            StatusCode::OK,
            &serde_json::json!({ "badges": badges }),
        ))
    }

    /// `GET channels/`: the app's channels.
    async fn channels(&self) -> Result<Response<Reply>, ApiError> {
        let channels = self.store().channels().await.map_err(|e| self.failed(e))?;
        let channels: Vec<ChannelJson<'_>> = channels.iter().map(ChannelJson::new).collect();
        Ok(answer::json(StatusCode::OK, &ChannelListing { channels }))
    }
}

#[derive(Serialize)]
struct Listing {
    pings: Vec<PingJson>,
}

#[derive(Serialize)]
struct FlipListing {
    flips: Vec<FlipJson>,
}

#[derive(Serialize)]
struct ChannelListing<'a> {
    channels: Vec<ChannelJson<'a>>,
}

/// Writes a listing of checks a page at a time: the memory a listing holds
/// is one page, whatever the project's size.
struct Lister<S: ManageStore> {
    shared: Arc<Shared<S>>,
    channels: Arc<[Channel]>,
    access: Access,
    version: crate::api::route::Version,
    now: std::time::SystemTime,
}

impl<S: ManageStore> Lister<S> {
    /// Appends `checks` as JSON to `out`, after a separator when `more`.
    fn write(&self, checks: &[Check], mut more: bool, out: &mut BytesMut) {
        let settings = &self.shared.settings;
        let urls = Urls {
            site_root: &settings.site_root,
            ping_prefix: &settings.ping_prefix,
            api_prefix: &settings.prefix,
            version: self.version,
        };
        for check in checks {
            if more {
                out.extend_from_slice(b", ");
            }
            more = true;
            let json = CheckJson::new(check, self.now, self.access, &urls, &self.channels);
            let bytes = serde_json::to_vec(&json).expect("checks are plain JSON");
            out.extend_from_slice(&bytes);
        }
    }

    /// The page `query` names, and those after it; `more` when checks were
    /// written before it.
    fn next_page(self, query: CheckQuery, more: bool) -> PageFuture {
        Box::pin(async move {
            let page = self
                .shared
                .store
                .checks(query.clone())
                .await
                .map_err(|error| {
                    (self.shared.on_store_error)(&error);
                    Box::new(error) as BoxError
                })?;
            let mut bytes = BytesMut::new();
            self.write(&page.checks, more, &mut bytes);
            let more = more || !page.checks.is_empty();
            let next = match page.next {
                Some(cursor) => Some(self.next_page(query.after(Some(cursor)), more)),
                None => {
                    bytes.extend_from_slice(b"]}");
                    None
                }
            };
            Ok(Page {
                bytes: bytes.freeze(),
                next,
            })
        })
    }
}
