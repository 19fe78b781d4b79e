//! The client against a scripted HTTP server on 127.0.0.1: the token flow, credentials kept out
//! of messages, tampered blobs, redirects elsewhere, and the referrers fallback. The real
//! registry is exercised end to end (tests/end_to_end/registry.rs).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use super::*;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) headers: BTreeMap<String, String>,
    pub(super) body: Vec<u8>,
}

/// Manifests by tag or digest: (media type, bytes).
type Documents = BTreeMap<String, (String, Vec<u8>)>;

type Handler = dyn Fn(&Seen) -> (u16, Vec<(String, String)>, Vec<u8>) + Send + Sync;

/// Serves `handler` on a free port until the test ends; returns the port and what it saw.
pub(super) fn serve(handler: Arc<Handler>) -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_owned();
            let path = parts.next().unwrap_or_default().to_owned();
            let mut headers = BTreeMap::new();
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
                }
            }
            let length: usize = headers
                .get("content-length")
                .and_then(|length| length.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let request = Seen {
                method,
                path,
                headers,
                body,
            };
            log.lock().unwrap().push(request.clone());
            let (status, headers, body) = handler(&request);
            let mut answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                answer.push_str(&format!("{name}: {value}\r\n"));
            }
            answer.push_str("\r\n");
            let _ = stream.write_all(answer.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (port, seen)
}

fn options(auth_file: Option<&std::path::Path>) -> RegistryOptions {
    RegistryOptions {
        insecure: true,
        auth: AuthSources {
            files: auth_file
                .map(|file| vec![file.to_path_buf()])
                .unwrap_or_default(),
            credential_helpers: false,
        },
        timeout: Duration::from_secs(10),
    }
}

pub(super) fn connect(port: u16, auth_file: Option<&std::path::Path>) -> Registry {
    let reference = Reference::parse(&format!("oci://127.0.0.1:{port}/team/app:1")).unwrap();
    Registry::connect(&reference, &options(auth_file)).unwrap()
}

fn auth_file(
    directory: &std::path::Path,
    port: u16,
    user: &str,
    password: &str,
) -> std::path::PathBuf {
    use base64::Engine as _;
    let file = directory.join("config.json");
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    std::fs::write(
        &file,
        format!(r#"{{"auths": {{"127.0.0.1:{port}": {{"auth": "{encoded}"}}}}}}"#),
    )
    .unwrap();
    file
}

fn json(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

#[test]
fn the_bearer_flow_sends_basic_credentials_only_to_the_token_service_and_uses_the_token() {
    let manifest = json(&serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest_of(b"{}"), "size": 2},
        "layers": []
    }));
    let served = manifest.clone();
    let port_cell = Arc::new(Mutex::new(0_u16));
    let port_for_handler = Arc::clone(&port_cell);
    let (port, seen) = serve(Arc::new(move |request: &Seen| {
        let port = *port_for_handler.lock().unwrap();
        if request.path.starts_with("/token") {
            // alice:s3cret
            if request.headers.get("authorization").map(String::as_str)
                == Some("Basic YWxpY2U6czNjcmV0")
            {
                return (200, vec![], br#"{"token": "tok-123"}"#.to_vec());
            }
            return (401, vec![], vec![]);
        }
        if request.headers.get("authorization").map(String::as_str) == Some("Bearer tok-123") {
            return (
                200,
                vec![("Content-Type".to_owned(), OCI_MANIFEST.to_owned())],
                served.clone(),
            );
        }
        (
            401,
            vec![(
                "WWW-Authenticate".to_owned(),
                format!(
                    r#"Bearer realm="http://127.0.0.1:{port}/token",service="test",scope="repository:team/app:pull""#
                ),
            )],
            vec![],
        )
    }));
    *port_cell.lock().unwrap() = port;
    let directory = tempfile::tempdir().unwrap();
    let file = auth_file(directory.path(), port, "alice", "s3cret");
    let registry = connect(port, Some(&file));
    let fetched = registry.fetch_manifest("1").unwrap();
    assert_eq!(fetched.bytes, manifest);
    assert_eq!(fetched.digest, digest_of(&manifest));
    let seen = seen.lock().unwrap().clone();
    let token_request = seen
        .iter()
        .find(|request| request.path.starts_with("/token"))
        .unwrap();
    assert!(
        token_request
            .path
            .contains("scope=repository%3Ateam%2Fapp%3Apull"),
        "{}",
        token_request.path
    );
    // The password went to the token service only, never to the registry's API.
    assert!(seen
        .iter()
        .filter(|request| request.path.starts_with("/v2/"))
        .all(|request| !request
            .headers
            .get("authorization")
            .is_some_and(|value| value.starts_with("Basic"))));

    // Wrong credentials: refused, and the message carries no secret.
    let file = auth_file(directory.path(), port, "alice", "wrong-pass");
    let error = connect(port, Some(&file))
        .fetch_manifest("1")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("refused") && error.contains("were refused"),
        "{error}"
    );
    assert!(
        !error.contains("wrong-pass") && !error.contains("alice"),
        "{error}"
    );
    // No credentials at all: the message says how to log in.
    let error = connect(port, None)
        .fetch_manifest("1")
        .unwrap_err()
        .to_string();
    assert!(error.contains("no auth file entry"), "{error}");
}

#[test]
fn a_token_service_on_another_host_is_refused() {
    let (port, seen) = serve(Arc::new(|_: &Seen| {
        (
            401,
            vec![(
                "WWW-Authenticate".to_owned(),
                r#"Bearer realm="http://elsewhere.example/token""#.to_owned(),
            )],
            vec![],
        )
    }));
    let directory = tempfile::tempdir().unwrap();
    let file = auth_file(directory.path(), port, "alice", "s3cret");
    let error = connect(port, Some(&file)).fetch_manifest("1").unwrap_err();
    assert!(matches!(error, RegistryError::Elsewhere { .. }), "{error}");
    assert!(error.to_string().contains("elsewhere.example"), "{error}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    let (port, _) = serve(Arc::new(|_: &Seen| {
        (
            307,
            vec![(
                "Location".to_owned(),
                "http://blobs.elsewhere.example/x?sig=1".to_owned(),
            )],
            vec![],
        )
    }));
    let error = connect(port, None)
        .open_blob(&digest_of(b"x"), 100)
        .unwrap_err();
    assert!(matches!(error, RegistryError::Elsewhere { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("blobs.elsewhere.example") && !message.contains("sig=1"),
        "{message}"
    );
}

#[test]
fn a_tampered_blob_fails_the_read_that_reaches_its_end_naming_it() {
    let (port, _) = serve(Arc::new(|_: &Seen| {
        (200, vec![], b"tampered bytes".to_vec())
    }));
    let registry = connect(port, None);
    let declared = digest_of(b"original bytes");
    let error = registry.fetch_blob(&declared, 1024).unwrap_err();
    let RegistryError::DigestMismatch {
        what,
        declared: named,
        found,
        ..
    } = &error
    else {
        panic!("{error}");
    };
    assert!(what.contains(&declared), "{what}");
    assert_eq!(named, &declared);
    assert_eq!(found, &digest_of(b"tampered bytes"));
    // Over the cap: refused by its Content-Length before a byte is read.
    let error = registry
        .fetch_blob(&digest_of(b"tampered bytes"), 4)
        .unwrap_err();
    assert!(matches!(error, RegistryError::TooLarge { .. }), "{error}");
    // The right bytes pass.
    assert_eq!(
        registry
            .fetch_blob(&digest_of(b"tampered bytes"), 1024)
            .unwrap(),
        b"tampered bytes"
    );
    // A manifest asked for by digest is checked too.
    let error = registry.fetch_manifest(&declared).unwrap_err();
    assert!(
        matches!(error, RegistryError::DigestMismatch { .. }),
        "{error}"
    );
}

#[test]
fn the_blob_reader_checks_a_capped_stream_without_a_length() {
    let mut reader = BlobReader::new(
        Box::new(std::io::Cursor::new(vec![7_u8; 100])),
        &digest_of(&[7; 100]),
        50,
        "blob x",
        "r",
    );
    let error = std::io::copy(&mut reader, &mut std::io::sink()).unwrap_err();
    assert!(error.to_string().contains("cap"), "{error}");
    let mut reader = BlobReader::new(
        Box::new(std::io::Cursor::new(vec![7_u8; 100])),
        &digest_of(&[7; 100]),
        100,
        "blob x",
        "r",
    );
    assert_eq!(
        std::io::copy(&mut reader, &mut std::io::sink()).unwrap(),
        100
    );
}

#[test]
fn push_uploads_missing_blobs_and_keeps_a_fallback_referrers_index() {
    // An in-memory registry without the referrers API (Distribution 2.8's behaviour).
    let server = MemoryRegistry::start(false);
    let seen = &server.seen;
    let registry = server.connect();
    let config = registry.push_blob(EMPTY_JSON).unwrap();
    let layer = registry.push_blob(b"layer bytes").unwrap();
    // Pushed again: a HEAD finds it, nothing is uploaded.
    registry.push_blob(b"layer bytes").unwrap();
    let uploads = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|request| request.method == "POST")
        .count();
    assert_eq!(uploads, 2);
    let image = ImageManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.to_owned(),
        artifact_type: None,
        config: Descriptor {
            media_type: "application/vnd.oci.image.config.v1+json".to_owned(),
            ..Descriptor::of("", EMPTY_JSON)
        },
        layers: vec![Descriptor::of(
            "application/vnd.oci.image.layer.v1.tar",
            b"layer bytes",
        )],
        subject: None,
        annotations: BTreeMap::new(),
    };
    assert_eq!(image.config.digest, config);
    assert_eq!(image.layers[0].digest, layer);
    let image_bytes = serde_json::to_vec(&image).unwrap();
    let pushed = registry
        .push_manifest("1", OCI_MANIFEST, &image_bytes)
        .unwrap();
    assert!(!pushed.subject_indexed);
    let resolved = registry.resolve_image(&Platform::host()).unwrap();
    assert_eq!(resolved.manifest.digest, pushed.digest);
    assert_eq!(resolved.parsed, image);

    assert!(registry.referrers(&pushed.digest, None).unwrap().is_empty());
    let mut attestation = ImageManifest {
        artifact_type: Some("application/vnd.in-toto+json".to_owned()),
        config: Descriptor::of(OCI_EMPTY, EMPTY_JSON),
        layers: vec![Descriptor::of(
            "application/vnd.dsse.envelope.v1+json",
            b"{\"payload\":1}",
        )],
        subject: Some(resolved.manifest.descriptor()),
        ..image.clone()
    };
    attestation
        .annotations
        .insert("org.example".to_owned(), "yes".to_owned());
    let first = registry.attach_referrer(&attestation).unwrap();
    let sbom = ImageManifest {
        artifact_type: Some("application/vnd.cyclonedx+json".to_owned()),
        ..attestation.clone()
    };
    let second = registry.attach_referrer(&sbom).unwrap();
    // Attached twice, listed once.
    registry.attach_referrer(&sbom).unwrap();
    let all = registry.referrers(&pushed.digest, None).unwrap();
    let digests: Vec<&str> = all
        .iter()
        .map(|descriptor| descriptor.digest.as_str())
        .collect();
    assert_eq!(digests, [first.as_str(), second.as_str()]);
    let only = registry
        .referrers(&pushed.digest, Some("application/vnd.cyclonedx+json"))
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].digest, second);
    assert_eq!(
        only[0].annotations.get("org.example").map(String::as_str),
        Some("yes")
    );
    // The fallback tag names an index.
    let fallback = registry
        .fetch_manifest(&Registry::fallback_tag(&pushed.digest))
        .unwrap();
    assert!(fallback.is_index());
}

#[test]
fn an_unreachable_registry_is_a_clear_error() {
    // A port nothing listens on.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let error = connect(port, None).fetch_manifest("1").unwrap_err();
    assert!(
        matches!(error, RegistryError::Unreachable { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}

#[test]
fn an_index_is_followed_to_the_platform_asked_for() {
    let amd = json(
        &serde_json::json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "c", "digest": digest_of(b"a"), "size": 1}, "layers": []}),
    );
    let arm = json(
        &serde_json::json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "c", "digest": digest_of(b"b"), "size": 1}, "layers": []}),
    );
    let index = json(
        &serde_json::json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": digest_of(&amd), "size": amd.len(), "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": OCI_MANIFEST, "digest": digest_of(&arm), "size": arm.len(), "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        ]}),
    );
    let documents: BTreeMap<String, Vec<u8>> = [
        ("1".to_owned(), index.clone()),
        (digest_of(&amd), amd.clone()),
        (digest_of(&arm), arm.clone()),
    ]
    .into_iter()
    .collect();
    let (port, _) = serve(Arc::new(move |request: &Seen| {
        let reference = request.path.rsplit('/').next().unwrap();
        match documents.get(reference) {
            Some(bytes) => (200, vec![], bytes.clone()),
            None => (404, vec![], vec![]),
        }
    }));
    let registry = connect(port, None);
    let resolved = registry
        .resolve_image(&Platform::parse("linux/arm64").unwrap())
        .unwrap();
    assert_eq!(resolved.manifest.bytes, arm);
    assert_eq!(resolved.index.as_ref().unwrap().0, digest_of(&index));
    let resolved = registry
        .resolve_image(&Platform::parse("linux/amd64").unwrap())
        .unwrap();
    assert_eq!(resolved.manifest.bytes, amd);
    let error = registry
        .resolve_image(&Platform::parse("windows/amd64").unwrap())
        .unwrap_err()
        .to_string();
    assert!(error.contains("linux/amd64, linux/arm64/v8"), "{error}");
}

/// A registry in memory on 127.0.0.1 for repository `team/app`: blobs (monolithic upload),
/// manifests by tag and digest, and, when `referrers_api`, the OCI 1.1 referrers API (a PUT of
/// a manifest with a subject answers `OCI-Subject`; `GET /referrers/DIGEST` lists them, with
/// their artifact type and annotations, and filters by `artifactType`). Without it, the
/// referrers endpoint answers 404 as Distribution 2.8 does. The stores are shared so that a
/// test can alter the blobs served.
pub(super) struct MemoryRegistry {
    pub(super) port: u16,
    pub(super) blobs: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    pub(super) seen: Arc<Mutex<Vec<Seen>>>,
}

impl MemoryRegistry {
    pub(super) fn start(referrers_api: bool) -> MemoryRegistry {
        let manifests: Arc<Mutex<Documents>> = Arc::default();
        let blobs: Arc<Mutex<BTreeMap<String, Vec<u8>>>> = Arc::default();
        let (manifest_store, blob_store) = (Arc::clone(&manifests), Arc::clone(&blobs));
        let (port, seen) = serve(Arc::new(move |request: &Seen| {
            let path = request.path.split('?').next().unwrap().to_owned();
            let query = request
                .path
                .split_once('?')
                .map(|(_, query)| query.to_owned())
                .unwrap_or_default();
            if let Some(digest) = path.strip_prefix("/v2/team/app/referrers/") {
                if !referrers_api {
                    return (
                        404,
                        vec![],
                        br#"{"errors":[{"code":"NOT_FOUND"}]}"#.to_vec(),
                    );
                }
                let wanted = query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("artifactType="))
                    .map(|value| value.replace("%2F", "/").replace("%2B", "+"));
                let mut listed: Vec<serde_json::Value> = Vec::new();
                let store = manifest_store.lock().unwrap();
                for (reference, (media_type, bytes)) in store.iter() {
                    if !reference.starts_with("sha256:") {
                        continue;
                    }
                    let Ok(manifest) = serde_json::from_slice::<ImageManifest>(bytes) else {
                        continue;
                    };
                    if manifest
                        .subject
                        .as_ref()
                        .map(|subject| subject.digest.as_str())
                        != Some(digest)
                    {
                        continue;
                    }
                    let artifact_type = manifest
                        .artifact_type
                        .clone()
                        .unwrap_or_else(|| manifest.config.media_type.clone());
                    if wanted
                        .as_ref()
                        .is_some_and(|wanted| *wanted != artifact_type)
                    {
                        continue;
                    }
                    listed.push(serde_json::json!({
                        "mediaType": media_type, "digest": reference, "size": bytes.len(),
                        "artifactType": artifact_type, "annotations": manifest.annotations,
                    }));
                }
                let index = serde_json::json!({
                    "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": listed,
                });
                return (
                    200,
                    vec![("Content-Type".to_owned(), OCI_INDEX.to_owned())],
                    serde_json::to_vec(&index).unwrap(),
                );
            }
            if let Some(digest) = path.strip_prefix("/v2/team/app/blobs/") {
                if digest == "uploads/" && request.method == "POST" {
                    return (
                        202,
                        vec![(
                            "Location".to_owned(),
                            "/v2/team/app/blobs/uploads/u1?state=x".to_owned(),
                        )],
                        vec![],
                    );
                }
                if digest.starts_with("uploads/") && request.method == "PUT" {
                    let digest = query
                        .split('&')
                        .find_map(|pair| pair.strip_prefix("digest="))
                        .unwrap()
                        .replace("%3A", ":");
                    assert_eq!(digest_of(&request.body), digest);
                    blob_store
                        .lock()
                        .unwrap()
                        .insert(digest, request.body.clone());
                    return (201, vec![], vec![]);
                }
                return match blob_store.lock().unwrap().get(digest) {
                    Some(bytes) => (
                        200,
                        vec![],
                        if request.method == "HEAD" {
                            vec![]
                        } else {
                            bytes.clone()
                        },
                    ),
                    None => (404, vec![], vec![]),
                };
            }
            if let Some(reference) = path.strip_prefix("/v2/team/app/manifests/") {
                if request.method == "PUT" {
                    let media_type = request
                        .headers
                        .get("content-type")
                        .cloned()
                        .unwrap_or_default();
                    let mut store = manifest_store.lock().unwrap();
                    store.insert(
                        digest_of(&request.body),
                        (media_type.clone(), request.body.clone()),
                    );
                    store.insert(reference.to_owned(), (media_type, request.body.clone()));
                    let has_subject = serde_json::from_slice::<serde_json::Value>(&request.body)
                        .ok()
                        .and_then(|value| value.get("subject").cloned())
                        .is_some();
                    let headers = if referrers_api && has_subject {
                        vec![("OCI-Subject".to_owned(), "indexed".to_owned())]
                    } else {
                        vec![]
                    };
                    return (201, headers, vec![]);
                }
                return match manifest_store.lock().unwrap().get(reference) {
                    Some((media_type, bytes)) => (
                        200,
                        vec![("Content-Type".to_owned(), media_type.clone())],
                        bytes.clone(),
                    ),
                    None => (
                        404,
                        vec![],
                        br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#
                            .to_vec(),
                    ),
                };
            }
            (404, vec![], vec![])
        }));
        MemoryRegistry { port, blobs, seen }
    }

    /// A client for `team/app:1`.
    pub(super) fn connect(&self) -> Registry {
        connect(self.port, None)
    }
}
