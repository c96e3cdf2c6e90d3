//! The projects the server defines at start: those of `--projects FILE`,
//! or a demo project whose keys are made up at random (never a key anyone
//! could guess) and printed in the banner.

use serde_json::{Map, Value};
use tower_ping::uuid::Uuid;
use tower_ping::{KeyDigest, ManageStore, NewProject, Project};

/// The demo project's name: found again in a database on the next start.
pub const DEMO_NAME: &str = "tower-ping demo";

/// A project as defined, with its keys in plain text when the server made
/// them (the store keeps only their digests), and its read-only key when
/// known (made here, or given in `--projects`), for the metrics URL.
pub struct Defined {
    pub project: Project,
    pub keys: Option<(String, String)>,
    pub readonly_key: Option<String>,
}

/// Defines the projects of `file` (a JSON array), or the demo project.
pub async fn define<S: ManageStore>(store: &S, file: Option<&str>) -> Result<Vec<Defined>, String> {
    let Some(path) = file else {
        return Ok(vec![demo(store).await?]);
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("--projects {path}: {e}"))?;
    let news = parse(&text).map_err(|e| format!("--projects {path}: {e}"))?;
    let mut defined = Vec::with_capacity(news.len());
    for (mut new, readonly_key) in news {
        let name = new.name.clone();
        if new.badge_key.is_none() {
            // Badges and the status page on by default: a badge key made
            // once and kept by the store.
            let known = store
                .project(new.uuid)
                .await
                .map_err(|e| format!("project {name:?}: store error: {e}"))?;
            let kept = known.and_then(|p| p.badge_key);
            new = new.badge_key(kept.unwrap_or_else(|| random(22)));
        }
        let project = store
            .define_project(new)
            .await
            .map_err(|e| format!("project {name:?}: store error: {e}"))?
            .map_err(|e| format!("--projects {path}: project {name:?}: {e}"))?;
        defined.push(Defined {
            project,
            keys: None,
            readonly_key,
        });
    }
    Ok(defined)
}

/// The projects of a `--projects` file, checked key by key (a bad value is
/// an error naming the project and the key), with their read-only keys.
pub fn parse(text: &str) -> Result<Vec<(NewProject, Option<String>)>, String> {
    let items: Vec<Value> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON array: {e}"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let fields = item
                .as_object()
                .ok_or_else(|| format!("project #{}: not a JSON object", i + 1))?;
            let label = match fields.get("name") {
                Some(Value::String(name)) => format!("project {name:?}"),
                _ => format!("project #{}", i + 1),
            };
            one(fields).map_err(|e| format!("{label}: {e}"))
        })
        .collect()
}

const KEYS: &[&str] = &[
    "uuid",
    "name",
    "ping_key",
    "api_key",
    "api_key_readonly",
    "badge_key",
];

fn one(fields: &Map<String, Value>) -> Result<(NewProject, Option<String>), String> {
    if let Some(unknown) = fields.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key {unknown:?}"));
    }
    let text = |key: &str| match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.as_str())),
        Some(other) => Err(format!("{key} {other}: not a string")),
    };
    let required = |key: &str| text(key)?.ok_or_else(|| format!("{key}: required"));
    let uuid = required("uuid")?;
    let uuid = Uuid::parse_str(uuid).map_err(|e| format!("uuid {uuid:?}: {e}"))?;
    let mut project = NewProject::new(uuid, required("name")?, required("ping_key")?)
        .api_key(api_key("api_key", required("api_key")?)?);
    let readonly_key = text("api_key_readonly")?;
    if let Some(key) = readonly_key {
        project = project.api_key_readonly(api_key("api_key_readonly", key)?);
    }
    if let Some(key) = text("badge_key")? {
        project = project.badge_key(key);
    }
    project.validate().map_err(|e| e.to_string())?;
    Ok((project, readonly_key.map(str::to_owned)))
}

/// An API key: 32 characters, as healthchecks makes them.
fn api_key(field: &str, key: &str) -> Result<KeyDigest, String> {
    if key.chars().count() != 32 {
        return Err(format!(
            "{field}: an API key is 32 characters, not {}",
            key.chars().count()
        ));
    }
    Ok(KeyDigest::of(key))
}

/// The demo project: found again by its name (in a database) or made, its
/// ping key and badge key kept, its API keys made anew on every start.
async fn demo<S: ManageStore>(store: &S) -> Result<Defined, String> {
    let known = store
        .projects()
        .await
        .map_err(|e| format!("store error: {e}"))?
        .into_iter()
        .find(|p| p.name == DEMO_NAME);
    let (uuid, ping_key, badge_key) = match known {
        Some(p) => (
            p.uuid,
            p.ping_key,
            p.badge_key.unwrap_or_else(|| random(22)),
        ),
        None => (Uuid::new_v4(), random(22), random(22)),
    };
    let rw = format!("hcw_{}", random(28));
    let ro = format!("hcr_{}", random(28));
    let project = store
        .define_project(
            NewProject::new(uuid, DEMO_NAME, ping_key)
                .api_key(KeyDigest::of(&rw))
                .api_key_readonly(KeyDigest::of(&ro))
                .badge_key(badge_key),
        )
        .await
        .map_err(|e| format!("store error: {e}"))?
        .map_err(|e| format!("the demo project: {e}"))?;
    Ok(Defined {
        project,
        readonly_key: Some(ro.clone()),
        keys: Some((rw, ro)),
    })
}

/// `len` random lower-case letters and digits, from v4 UUIDs.
pub fn random(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    std::iter::repeat_with(|| *Uuid::new_v4().as_bytes())
        .flatten()
        // 252 = 7 * 36: taking bytes below it keeps every letter equally likely.
        .filter(|byte| *byte < 252)
        .take(len)
        .map(|byte| char::from(ALPHABET[usize::from(byte % 36)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_value_names_the_project_and_the_key() {
        let error = |json: &str| parse(json).unwrap_err();
        let bad_uuid = error(r#"[{"name": "p", "uuid": "nope", "ping_key": "k", "api_key": "x"}]"#);
        assert!(
            bad_uuid.starts_with(r#"project "p": uuid "nope": "#),
            "{bad_uuid}"
        );
        let short = error(
            r#"[{"name": "p", "uuid": "5ca1ab1e-0000-4000-8000-00000000c0de", "ping_key": "k", "api_key": "short"}]"#,
        );
        assert_eq!(
            short,
            r#"project "p": api_key: an API key is 32 characters, not 5"#
        );
        let bad_key = error(
            r#"[{"name": "p", "uuid": "5ca1ab1e-0000-4000-8000-00000000c0de", "ping_key": "my key", "api_key": "hcw_0000000000000000000000000001"}]"#,
        );
        assert!(bad_key.contains(r#"ping key "my key""#), "{bad_key}");
        assert!(error(r#"[{"uuid": "x"}]"#).starts_with("project #1: uuid \"x\": "));
        assert_eq!(
            error(r#"[{"name": "p", "pingkey": "k"}]"#),
            r#"project "p": unknown key "pingkey""#
        );
    }

    #[test]
    fn random_keys_are_lower_case_letters_and_digits() {
        let key = random(28);
        assert_eq!(key.len(), 28);
        assert!(key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_ne!(random(28), key);
    }
}
