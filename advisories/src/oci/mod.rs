//! A client of the OCI distribution API, so that airlock travels the road an isolated network
//! already runs: its own registry (Harbor, Zot, Artifactory, the CNCF distribution registry).
//! Images are pulled from it to be scanned, the advisory bundle is published to it as an
//! artifact, and attestations are attached to images through the referrers API.
//!
//! What it guarantees:
//! - It talks to the host the operator named and no other: a redirect or a token service on
//!   another host is refused, as is plain HTTP unless [`RegistryOptions::insecure`].
//! - Every response is capped ([`MAX_MANIFEST_BYTES`], the caller's blob cap), and every blob
//!   and manifest fetched by digest is checked against it: a blob whose bytes differ is an error
//!   naming it, never content handed on.
//! - Credentials come from the operator's Docker / Podman auth files ([`auth`]), are sent only
//!   to that host, and never appear in a message.
//!
//! Specifications: OCI Distribution 1.1 (pull, push, referrers with the tag-schema fallback),
//! OCI Image 1.1, Docker Registry HTTP API v2 (token authentication).

pub mod attach;
pub mod auth;
pub mod manifest;
pub mod reference;

use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{
    HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE,
};
use reqwest::{Method, StatusCode};
use sha2::{Digest as _, Sha256};

pub use auth::{AuthSources, Credentials, Lookup};
pub use manifest::{
    is_index, select_platform, Descriptor, ImageIndex, ImageManifest, Platform, ACCEPTED_MANIFESTS,
    DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, EMPTY_JSON, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST,
};
pub use reference::{Reference, SCHEME};

/// The largest manifest or index read (real ones are kilobytes; the spec suggests 4 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// The largest token response or error body read.
const MAX_SMALL_BODY_BYTES: u64 = 256 * 1024;
/// Image indexes nest at most this deep.
const MAX_INDEX_DEPTH: usize = 4;

/// A registry operation failed. Messages name the registry, the repository and the digest or
/// tag; never a credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The reference is not `oci://HOST[:PORT]/REPO:TAG` or `…@sha256:HEX`.
    #[error("`{reference}` is not a registry reference: {reason}")]
    InvalidReference {
        /// As written.
        reference: String,
        /// What is wrong.
        reason: String,
    },
    /// The registry could not be reached, or the connection failed.
    #[error("cannot reach {registry}: {reason}")]
    Unreachable {
        /// `HOST[:PORT]`.
        registry: String,
        /// The network's reason.
        reason: String,
    },
    /// The registry refused the credentials, or asked for some and none were found.
    #[error("{registry} refused access to {what} ({status}): {hint}")]
    Unauthorized {
        /// `HOST[:PORT]`.
        registry: String,
        /// The manifest, blob or upload.
        what: String,
        /// 401 or 403.
        status: u16,
        /// What to do about it.
        hint: String,
    },
    /// What was asked for does not exist.
    #[error("{registry} has no {what}")]
    NotFound {
        /// `HOST[:PORT]`.
        registry: String,
        /// `manifest REPO:TAG`, `blob REPO@sha256:…`.
        what: String,
    },
    /// Any other unexpected answer.
    #[error("{registry} answered {status} to {what}{detail}")]
    Status {
        /// `HOST[:PORT]`.
        registry: String,
        /// What was asked.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The registry's own error code and message, when it gave them.
        detail: String,
    },
    /// The bytes received are not those the digest names: altered in the registry or on the way.
    #[error("{what} from {registry} has digest {found}, but {declared} was asked for: the content was altered or is corrupt, so it is not used")]
    DigestMismatch {
        /// `HOST[:PORT]`.
        registry: String,
        /// `blob REPO@sha256:…`.
        what: String,
        /// The digest asked for.
        declared: String,
        /// The digest of the bytes.
        found: String,
    },
    /// A response is over its cap.
    #[error("{what} from {registry} is over the {limit}-byte cap")]
    TooLarge {
        /// `HOST[:PORT]`.
        registry: String,
        /// What was read.
        what: String,
        /// The cap.
        limit: u64,
    },
    /// A manifest, index or answer is not what the specification says.
    #[error("{what} from {registry}: {reason}")]
    Invalid {
        /// `HOST[:PORT]`.
        registry: String,
        /// What was read.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The registry sent the client to another host, or to plain HTTP.
    #[error("{registry} sent the request for {what} to {target}; airlock talks only to the host named ({reason})")]
    Elsewhere {
        /// `HOST[:PORT]`.
        registry: String,
        /// What was asked.
        what: String,
        /// Where it was sent (scheme, host and port; never a query).
        target: String,
        /// Why that is refused.
        reason: String,
    },
    /// An auth file could not be read.
    #[error("{}: {reason}", path.display())]
    AuthFile {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong (never a credential).
        reason: String,
    },
    /// A credential helper failed.
    #[error("credential helper `{helper}`: {reason}")]
    CredentialHelper {
        /// The helper's name.
        helper: String,
        /// What went wrong.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// A local file could not be read.
    #[error("{context}: {source}")]
    Io {
        /// What was being read.
        context: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// How the client talks to a registry; the operator's choices.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Plain HTTP (`--insecure-registry`): for test registries only. HTTPS otherwise.
    pub insecure: bool,
    /// Where credentials come from ([`AuthSources::from_environment`]).
    pub auth: AuthSources,
    /// The timeout of each request (connect, and each read).
    pub timeout: Duration,
}

impl RegistryOptions {
    /// The operator's auth files, HTTPS only, helpers not run.
    pub fn from_environment() -> RegistryOptions {
        RegistryOptions {
            insecure: false,
            auth: AuthSources::from_environment(false),
            timeout: Duration::from_secs(60),
        }
    }
}

/// A manifest or index as fetched: its bytes (exactly as the registry holds them, so the digest
/// holds), its media type and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedManifest {
    /// The media type (from the document, else `Content-Type`).
    pub media_type: String,
    /// `sha256:` of `bytes`.
    pub digest: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl FetchedManifest {
    /// Whether it is an index or manifest list.
    pub fn is_index(&self) -> bool {
        is_index(&self.media_type)
    }

    /// Its descriptor.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor {
            media_type: self.media_type.clone(),
            digest: self.digest.clone(),
            size: self.bytes.len() as u64,
            artifact_type: None,
            annotations: Default::default(),
            platform: None,
        }
    }
}

/// An image manifest chosen for a platform, with the index it was chosen from.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    /// The image manifest's bytes and digest (the image's identity).
    pub manifest: FetchedManifest,
    /// The same, parsed.
    pub parsed: ImageManifest,
    /// The index the reference named, when it named one (its digest, and the platform chosen).
    pub index: Option<(String, Platform)>,
}

/// A connection to one repository of one registry.
#[derive(Debug)]
pub struct Registry {
    reference: Reference,
    client: Client,
    base: String,
    insecure: bool,
    auth: AuthSources,
    /// The operator's per-request timeout (an upload gets more, by its size).
    timeout: Duration,
    /// The `Authorization` value that last worked (a bearer token, or basic).
    authorization: Mutex<Option<HeaderValue>>,
    /// Credentials, looked up once when the registry first asks.
    credentials: Mutex<Option<Arc<Lookup>>>,
}

impl Registry {
    /// A client for the repository `reference` names. Nothing is sent yet.
    pub fn connect(
        reference: &Reference,
        options: &RegistryOptions,
    ) -> Result<Registry, RegistryError> {
        let registry = reference.registry.clone();
        let host = reference.host().to_owned();
        let insecure = options.insecure;
        // Redirects are followed only to the same host (and scheme, unless insecure): a blob
        // store elsewhere is another network destination the operator did not name.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            let url = attempt.url();
            let same_host = url
                .host_str()
                .is_some_and(|target| target.eq_ignore_ascii_case(host.trim_matches(['[', ']'])));
            let scheme_ok = url.scheme() == "https" || (insecure && url.scheme() == "http");
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if same_host && scheme_ok {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let client = Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(policy)
            .user_agent(concat!("airlock/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| RegistryError::Client(error.to_string()))?;
        let scheme = if options.insecure { "http" } else { "https" };
        Ok(Registry {
            reference: reference.clone(),
            client,
            base: format!("{scheme}://{registry}"),
            insecure: options.insecure,
            auth: options.auth.clone(),
            timeout: options.timeout,
            authorization: Mutex::new(None),
            credentials: Mutex::new(None),
        })
    }

    /// The reference this client was made for.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    fn repository_url(&self, tail: &str) -> String {
        format!("{}/v2/{}/{tail}", self.base, self.reference.repository)
    }

    fn registry(&self) -> String {
        self.reference.registry.clone()
    }

    /// Sends a request built by `build`, answering an authentication challenge once. `what`
    /// names the request in errors.
    fn send(
        &self,
        what: &str,
        build: &dyn Fn(&Client) -> RequestBuilder,
    ) -> Result<Response, RegistryError> {
        let current = self
            .authorization
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let response = self.execute(what, build, current.as_ref())?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return self.check_final(what, response);
        }
        let challenge = response
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .and_then(auth::parse_challenge);
        let lookup = self.lookup_credentials()?;
        let credentials = match lookup.as_ref() {
            Lookup::Found(credentials) => Some(credentials),
            Lookup::HelperNotRun(_) | Lookup::None => None,
        };
        let header = match challenge {
            Some(auth::Challenge::Basic) => match credentials {
                Some(credentials) => header_value(&credentials.basic_header())?,
                None => return Err(self.unauthorized(what, 401, &lookup)),
            },
            Some(auth::Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let token = self.token(
                    what,
                    &realm,
                    service.as_deref(),
                    scope.as_deref(),
                    credentials,
                )?;
                header_value(&format!("Bearer {token}"))?
            }
            None => return Err(self.unauthorized(what, 401, &lookup)),
        };
        let response = self.execute(what, build, Some(&header))?;
        if matches!(
            response.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            return Err(self.unauthorized(what, response.status().as_u16(), &lookup));
        }
        *self
            .authorization
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(header);
        self.check_final(what, response)
    }

    fn execute(
        &self,
        what: &str,
        build: &dyn Fn(&Client) -> RequestBuilder,
        authorization: Option<&HeaderValue>,
    ) -> Result<Response, RegistryError> {
        let mut request = build(&self.client);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value.clone());
        }
        request.send().map_err(|error| RegistryError::Unreachable {
            registry: self.registry(),
            reason: describe(&error, what),
        })
    }

    /// A redirect that was not followed (to another host) is an error here.
    fn check_final(&self, what: &str, response: Response) -> Result<Response, RegistryError> {
        if response.status().is_redirection() {
            let target = response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|location| response.url().join(location).ok())
                .map(|url| format!("{}://{}", url.scheme(), url.authority()))
                .unwrap_or_else(|| "an unreadable location".to_owned());
            return Err(RegistryError::Elsewhere {
                registry: self.registry(),
                what: what.to_owned(),
                target,
                reason: "a redirect to another host or to plain HTTP is not followed".to_owned(),
            });
        }
        if response.status() == StatusCode::FORBIDDEN {
            let lookup = self.lookup_credentials()?;
            return Err(self.unauthorized(what, 403, &lookup));
        }
        Ok(response)
    }

    fn lookup_credentials(&self) -> Result<Arc<Lookup>, RegistryError> {
        let mut cached = self
            .credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(lookup) = cached.as_ref() {
            return Ok(Arc::clone(lookup));
        }
        let lookup = Arc::new(self.auth.lookup(&self.reference.registry)?);
        *cached = Some(Arc::clone(&lookup));
        Ok(lookup)
    }

    fn unauthorized(&self, what: &str, status: u16, lookup: &Lookup) -> RegistryError {
        let hint = match lookup {
            Lookup::Found(_) => format!(
                "the credentials of the auth file entry for {} were refused",
                self.reference.registry
            ),
            Lookup::HelperNotRun(helper) => format!(
                "no auth file entry for {} holds credentials; the credential helper `{helper}` is configured for it, and runs only with --credential-helpers",
                self.reference.registry
            ),
            Lookup::None => format!(
                "no auth file entry for {} (log in with `docker login` or `podman login`, or set DOCKER_CONFIG / REGISTRY_AUTH_FILE)",
                self.reference.registry
            ),
        };
        RegistryError::Unauthorized {
            registry: self.registry(),
            what: what.to_owned(),
            status,
            hint,
        }
    }

    /// The bearer token flow: GET the realm (on the registry's own host) with service and
    /// scope, with basic credentials when there are some.
    fn token(
        &self,
        what: &str,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
        credentials: Option<&Credentials>,
    ) -> Result<String, RegistryError> {
        let mut url = reqwest::Url::parse(realm).map_err(|_| RegistryError::Invalid {
            registry: self.registry(),
            what: what.to_owned(),
            reason: "the token realm is not a URL".to_owned(),
        })?;
        let same_host = url.host_str().is_some_and(|host| {
            host.eq_ignore_ascii_case(self.reference.host().trim_matches(['[', ']']))
        });
        let scheme_ok = url.scheme() == "https" || (self.insecure && url.scheme() == "http");
        if !same_host || !scheme_ok {
            return Err(RegistryError::Elsewhere {
                registry: self.registry(),
                what: what.to_owned(),
                target: format!("{}://{}", url.scheme(), url.authority()),
                reason: "the token service must be on the registry's own host, over HTTPS unless --insecure-registry".to_owned(),
            });
        }
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = service {
                query.append_pair("service", service);
            }
            if let Some(scope) = scope {
                query.append_pair("scope", scope);
            }
        }
        let token_url = url.clone();
        let mut request = self.client.get(token_url);
        if let Some(credentials) = credentials {
            request = request.header(AUTHORIZATION, header_value(&credentials.basic_header())?);
        }
        let response = request.send().map_err(|error| RegistryError::Unreachable {
            registry: self.registry(),
            reason: describe(&error, "the token service"),
        })?;
        let status = response.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            let lookup = self.lookup_credentials()?;
            return Err(self.unauthorized(what, status.as_u16(), &lookup));
        }
        if !status.is_success() {
            return Err(RegistryError::Status {
                registry: self.registry(),
                what: "the token request".to_owned(),
                status: status.as_u16(),
                detail: String::new(),
            });
        }
        let bytes = read_capped(
            response,
            MAX_SMALL_BODY_BYTES,
            "the token response",
            &self.registry(),
        )?;
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&bytes).map_err(|_| RegistryError::Invalid {
                registry: self.registry(),
                what: "the token response".to_owned(),
                reason: "not the token JSON".to_owned(),
            })?;
        answer
            .token
            .or(answer.access_token)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| RegistryError::Invalid {
                registry: self.registry(),
                what: "the token response".to_owned(),
                reason: "it holds no token".to_owned(),
            })
    }

    /// An error for an unexpected status, with the registry's own error code when it sent one.
    fn status_error(&self, what: &str, response: Response) -> RegistryError {
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return RegistryError::NotFound {
                registry: self.registry(),
                what: what.to_owned(),
            };
        }
        let detail = read_capped(response, MAX_SMALL_BODY_BYTES, what, &self.registry())
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .and_then(|body| {
                let first = body.get("errors")?.get(0)?.clone();
                let code = first.get("code")?.as_str()?.to_owned();
                let message = first
                    .get("message")
                    .and_then(|message| message.as_str())
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>();
                Some(format!(": {code} {message}"))
            })
            .unwrap_or_default();
        RegistryError::Status {
            registry: self.registry(),
            what: what.to_owned(),
            status: status.as_u16(),
            detail,
        }
    }

    /// GETs the manifest or index at `reference` (a tag or digest); a digest reference is
    /// checked against the bytes.
    pub fn fetch_manifest(&self, reference: &str) -> Result<FetchedManifest, RegistryError> {
        let what = format!("manifest {}:{reference}", self.reference.repository);
        let what = what.replace(":sha256:", "@sha256:");
        let url = self.repository_url(&format!("manifests/{reference}"));
        let accept = ACCEPTED_MANIFESTS.join(", ");
        let response = self.send(&what, &|client| client.get(&url).header(ACCEPT, &accept))?;
        if !response.status().is_success() {
            return Err(self.status_error(&what, response));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.split(';').next().unwrap_or(value).trim().to_owned());
        let bytes = read_capped(response, MAX_MANIFEST_BYTES, &what, &self.registry())?;
        let digest = digest_of(&bytes);
        if reference.starts_with("sha256:") && digest != reference {
            return Err(RegistryError::DigestMismatch {
                registry: self.registry(),
                what,
                declared: reference.to_owned(),
                found: digest,
            });
        }
        #[derive(serde::Deserialize)]
        struct Typed {
            #[serde(rename = "mediaType", default)]
            media_type: Option<String>,
            #[serde(default)]
            manifests: Option<serde_json::Value>,
        }
        let typed: Typed =
            serde_json::from_slice(&bytes).map_err(|error| RegistryError::Invalid {
                registry: self.registry(),
                what: what.clone(),
                reason: format!("not JSON: {error}"),
            })?;
        let media_type = typed
            .media_type
            .filter(|media_type| !media_type.is_empty())
            .or(content_type.filter(|media_type| ACCEPTED_MANIFESTS.contains(&media_type.as_str())))
            .unwrap_or_else(|| {
                if typed.manifests.is_some() {
                    OCI_INDEX.to_owned()
                } else {
                    OCI_MANIFEST.to_owned()
                }
            });
        Ok(FetchedManifest {
            media_type,
            digest,
            bytes,
        })
    }

    /// The image the reference names, for `platform`: an image manifest is taken as it is
    /// (its config must say the platform when the operator asked for one explicitly; that is
    /// the caller's check); an index is followed to the entry for `platform` (nested indexes
    /// too). No entry for it is an error listing the platforms there are.
    pub fn resolve_image(&self, platform: &Platform) -> Result<ResolvedImage, RegistryError> {
        let mut fetched = self.fetch_manifest(self.reference.manifest_reference())?;
        let mut index = None;
        for _ in 0..MAX_INDEX_DEPTH {
            if !fetched.is_index() {
                let parsed: ImageManifest = self.parse(&fetched, "manifest")?;
                return Ok(ResolvedImage {
                    manifest: fetched,
                    parsed,
                    index,
                });
            }
            let parsed: ImageIndex = self.parse(&fetched, "index")?;
            let Some(entry) = select_platform(&parsed, platform) else {
                let mut available: Vec<String> = parsed
                    .manifests
                    .iter()
                    .filter_map(|entry| entry.platform.as_ref().map(Platform::to_string))
                    .collect();
                available.sort();
                available.dedup();
                return Err(RegistryError::NotFound {
                    registry: self.registry(),
                    what: format!(
                        "image for platform {platform} in index {} (it lists {}; --platform picks one)",
                        fetched.digest,
                        if available.is_empty() { "none".to_owned() } else { available.join(", ") }
                    ),
                });
            };
            if !valid_digest(&entry.digest) {
                return Err(RegistryError::Invalid {
                    registry: self.registry(),
                    what: format!("index {}", fetched.digest),
                    reason: format!("`{}` is not a SHA-256 digest", entry.digest),
                });
            }
            if index.is_none() {
                index = Some((fetched.digest.clone(), platform.clone()));
            }
            fetched = self.fetch_manifest(&entry.digest)?;
        }
        Err(RegistryError::Invalid {
            registry: self.registry(),
            what: self.reference.to_string(),
            reason: format!("image indexes nest more than {MAX_INDEX_DEPTH} deep"),
        })
    }

    fn parse<T: serde::de::DeserializeOwned>(
        &self,
        fetched: &FetchedManifest,
        kind: &str,
    ) -> Result<T, RegistryError> {
        serde_json::from_slice(&fetched.bytes).map_err(|error| RegistryError::Invalid {
            registry: self.registry(),
            what: format!("{kind} {}", fetched.digest),
            reason: error.to_string(),
        })
    }

    /// A reader over the blob `digest`, at most `max_bytes` long. The bytes are hashed as they
    /// are read: the read that reaches the end fails (naming the blob) when the digest differs,
    /// or when the blob is longer than the cap, so a caller that reads to the end never
    /// accepts altered content.
    pub fn open_blob(&self, digest: &str, max_bytes: u64) -> Result<BlobReader, RegistryError> {
        let what = format!("blob {}@{digest}", self.reference.repository);
        if !valid_digest(digest) {
            return Err(RegistryError::Invalid {
                registry: self.registry(),
                what,
                reason: "not a SHA-256 digest (the only algorithm airlock checks)".to_owned(),
            });
        }
        let url = self.repository_url(&format!("blobs/{digest}"));
        let response = self.send(&what, &|client| client.get(&url))?;
        if !response.status().is_success() {
            return Err(self.status_error(&what, response));
        }
        if let Some(length) = response.content_length() {
            if length > max_bytes {
                return Err(RegistryError::TooLarge {
                    registry: self.registry(),
                    what,
                    limit: max_bytes,
                });
            }
        }
        Ok(BlobReader {
            inner: Box::new(response),
            hasher: Sha256::new(),
            read: 0,
            limit: max_bytes,
            declared: digest.to_owned(),
            what,
            registry: self.registry(),
            done: false,
        })
    }

    /// The whole of a small blob (a config), checked against its digest.
    pub fn fetch_blob(&self, digest: &str, max_bytes: u64) -> Result<Vec<u8>, RegistryError> {
        let mut reader = self.open_blob(digest, max_bytes)?;
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|error| blob_read_error(error, &reader))?;
        Ok(bytes)
    }

    /// Whether the registry already holds blob `digest` (HEAD).
    pub fn blob_exists(&self, digest: &str) -> Result<bool, RegistryError> {
        let what = format!("blob {}@{digest}", self.reference.repository);
        let url = self.repository_url(&format!("blobs/{digest}"));
        let response = self.send(&what, &|client| client.head(&url))?;
        match response.status() {
            status if status.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(self.status_error(&what, response)),
        }
    }

    /// Uploads a blob held in memory (monolithic: POST, then PUT with the digest), unless the
    /// registry already holds it. Returns its digest.
    pub fn push_blob(&self, bytes: &[u8]) -> Result<String, RegistryError> {
        let digest = digest_of(bytes);
        let shared: Arc<[u8]> = Arc::from(bytes);
        self.push_blob_with(&digest, bytes.len() as u64, &|| {
            reqwest::blocking::Body::from(shared.to_vec())
        })?;
        Ok(digest)
    }

    /// Uploads the file at `path` as a blob (streamed, never held in memory), unless the
    /// registry already holds it. Returns its descriptor (media type left empty).
    pub fn push_blob_file(&self, path: &std::path::Path) -> Result<Descriptor, RegistryError> {
        let io = |context: &str| {
            let context = format!("{}: {context}", path.display());
            move |source| RegistryError::Io { context, source }
        };
        let mut file = std::fs::File::open(path).map_err(io("cannot open"))?;
        let mut hasher = Sha256::new();
        let mut size = 0_u64;
        let mut buffer = vec![0_u8; 1024 * 1024];
        loop {
            let read = file.read(&mut buffer).map_err(io("cannot read"))?;
            if read == 0 {
                break;
            }
            hasher.update(buffer.get(..read).unwrap_or_default());
            size += read as u64;
        }
        let digest = format!("sha256:{}", hex::encode(hasher.finalize()));
        let path = path.to_path_buf();
        self.push_blob_with(&digest, size, &|| match std::fs::File::open(&path) {
            Ok(file) => reqwest::blocking::Body::sized(file, size),
            Err(_) => reqwest::blocking::Body::from(Vec::new()),
        })?;
        Ok(Descriptor {
            media_type: String::new(),
            digest,
            size,
            artifact_type: None,
            annotations: Default::default(),
            platform: None,
        })
    }

    fn push_blob_with(
        &self,
        digest: &str,
        size: u64,
        body: &dyn Fn() -> reqwest::blocking::Body,
    ) -> Result<(), RegistryError> {
        if self.blob_exists(digest)? {
            return Ok(());
        }
        let what = format!("blob upload {}@{digest}", self.reference.repository);
        let start = self.repository_url("blobs/uploads/");
        let response = self.send(&what, &|client| {
            client
                .post(&start)
                .header(reqwest::header::CONTENT_LENGTH, 0)
        })?;
        if response.status() != StatusCode::ACCEPTED {
            return Err(self.status_error(&what, response));
        }
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|location| response.url().join(location).ok())
            .ok_or_else(|| RegistryError::Invalid {
                registry: self.registry(),
                what: what.clone(),
                reason: "the upload answer has no Location".to_owned(),
            })?;
        let base = reqwest::Url::parse(&self.base)
            .map_err(|error| RegistryError::Client(error.to_string()))?;
        if location.scheme() != base.scheme() || location.authority() != base.authority() {
            return Err(RegistryError::Elsewhere {
                registry: self.registry(),
                what,
                target: format!("{}://{}", location.scheme(), location.authority()),
                reason: "an upload location on another host is not used".to_owned(),
            });
        }
        let mut upload = location;
        upload.query_pairs_mut().append_pair("digest", digest);
        // Sending the body counts in the request's timeout: a large bundle gets a second more
        // per MiB (at least 1 MiB/s is expected of the link).
        let timeout = self.timeout + Duration::from_secs(size / (1024 * 1024));
        let response = self.send(&what, &|client| {
            client
                .request(Method::PUT, upload.clone())
                .timeout(timeout)
                .header(CONTENT_TYPE, "application/octet-stream")
                .header(reqwest::header::CONTENT_LENGTH, size)
                .body(body())
        })?;
        if response.status() != StatusCode::CREATED {
            return Err(self.status_error(&what, response));
        }
        Ok(())
    }

    /// PUTs a manifest or index under `reference` (a tag, or its own digest) with `media_type`.
    /// Returns its digest and whether the registry said it indexed the manifest's `subject`
    /// (the `OCI-Subject` header of registries with the referrers API).
    pub fn push_manifest(
        &self,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<PushedManifest, RegistryError> {
        let digest = digest_of(bytes);
        if reference.starts_with("sha256:") && reference != digest {
            return Err(RegistryError::DigestMismatch {
                registry: self.registry(),
                what: "the manifest to push".to_owned(),
                declared: reference.to_owned(),
                found: digest,
            });
        }
        if !reference.starts_with("sha256:") && !reference::valid_tag(reference) {
            return Err(RegistryError::InvalidReference {
                reference: reference.to_owned(),
                reason: "not a tag".to_owned(),
            });
        }
        let what = format!("manifest upload {}:{reference}", self.reference.repository);
        let url = self.repository_url(&format!("manifests/{reference}"));
        let body = bytes.to_vec();
        let response = self.send(&what, &|client| {
            client
                .put(&url)
                .header(CONTENT_TYPE, media_type)
                .body(body.clone())
        })?;
        if response.status() != StatusCode::CREATED {
            return Err(self.status_error(&what, response));
        }
        let subject_indexed = response.headers().contains_key("oci-subject");
        Ok(PushedManifest {
            digest,
            subject_indexed,
        })
    }

    /// The manifests that name `digest` as their subject, of `artifact_type` when given: the
    /// referrers API (OCI 1.1), else the tag-schema fallback (the index tagged
    /// `sha256-<hex>`); none when neither exists.
    pub fn referrers(
        &self,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>, RegistryError> {
        if !valid_digest(digest) {
            return Err(RegistryError::Invalid {
                registry: self.registry(),
                what: format!("referrers of {digest}"),
                reason: "not a SHA-256 digest".to_owned(),
            });
        }
        let what = format!("referrers of {}@{digest}", self.reference.repository);
        let url = self.repository_url(&format!("referrers/{digest}"));
        let response = self.send(&what, &|client| client.get(&url).header(ACCEPT, OCI_INDEX))?;
        let index = if response.status().is_success()
            && response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with(OCI_INDEX))
        {
            let bytes = read_capped(response, MAX_MANIFEST_BYTES, &what, &self.registry())?;
            serde_json::from_slice::<ImageIndex>(&bytes).map_err(|error| {
                RegistryError::Invalid {
                    registry: self.registry(),
                    what: what.clone(),
                    reason: error.to_string(),
                }
            })?
        } else if matches!(response.status(), StatusCode::NOT_FOUND)
            || response.status().is_success()
        {
            self.fallback_index(digest)?
                .unwrap_or_else(ImageIndex::empty)
        } else {
            return Err(self.status_error(&what, response));
        };
        Ok(index
            .manifests
            .into_iter()
            .filter(|descriptor| {
                artifact_type
                    .is_none_or(|wanted| descriptor.artifact_type.as_deref() == Some(wanted))
            })
            .collect())
    }

    /// The tag of the fallback referrers index of `digest`: `sha256-<hex>`.
    pub fn fallback_tag(digest: &str) -> String {
        digest.replacen(':', "-", 1)
    }

    fn fallback_index(&self, digest: &str) -> Result<Option<ImageIndex>, RegistryError> {
        match self.fetch_manifest(&Registry::fallback_tag(digest)) {
            Ok(fetched) if fetched.is_index() => self.parse(&fetched, "referrers index").map(Some),
            Ok(fetched) => Err(RegistryError::Invalid {
                registry: self.registry(),
                what: format!("tag {}", Registry::fallback_tag(digest)),
                reason: format!(
                    "the referrers fallback tag names a {}, not an index",
                    fetched.media_type
                ),
            }),
            Err(RegistryError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Pushes `manifest` (whose `subject` names the image) and makes it findable: by the
    /// referrers API when the registry indexes subjects, else by adding it to the fallback
    /// index tagged `sha256-<hex>` of the subject (created when missing). Returns the
    /// referrer's digest.
    pub fn attach_referrer(&self, manifest: &ImageManifest) -> Result<String, RegistryError> {
        let subject = manifest
            .subject
            .as_ref()
            .ok_or_else(|| RegistryError::Invalid {
                registry: self.registry(),
                what: "the referrer to push".to_owned(),
                reason: "it has no subject".to_owned(),
            })?;
        let bytes = serde_json::to_vec(manifest)
            .map_err(|error| RegistryError::Client(error.to_string()))?;
        let media_type = if manifest.media_type.is_empty() {
            OCI_MANIFEST
        } else {
            manifest.media_type.as_str()
        };
        let pushed = self.push_manifest(&digest_of(&bytes), media_type, &bytes)?;
        if pushed.subject_indexed {
            return Ok(pushed.digest);
        }
        let mut index = self
            .fallback_index(&subject.digest)?
            .unwrap_or_else(ImageIndex::empty);
        let mut descriptor = Descriptor::of(media_type, &bytes);
        descriptor.artifact_type = manifest
            .artifact_type
            .clone()
            .or_else(|| Some(manifest.config.media_type.clone()));
        descriptor.annotations = manifest.annotations.clone();
        if !index
            .manifests
            .iter()
            .any(|entry| entry.digest == descriptor.digest)
        {
            index.manifests.push(descriptor);
        }
        if index.media_type.is_empty() {
            index.media_type = OCI_INDEX.to_owned();
        }
        let index_bytes =
            serde_json::to_vec(&index).map_err(|error| RegistryError::Client(error.to_string()))?;
        self.push_manifest(
            &Registry::fallback_tag(&subject.digest),
            OCI_INDEX,
            &index_bytes,
        )?;
        Ok(pushed.digest)
    }
}

/// What a manifest PUT gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedManifest {
    /// The manifest's digest.
    pub digest: String,
    /// The registry answered `OCI-Subject`: it indexes referrers itself.
    pub subject_indexed: bool,
}

/// A blob being read from the registry, hashed on the way: the read that reaches its end
/// fails when its digest is not the one asked for, or when it is over its cap.
pub struct BlobReader {
    inner: Box<dyn Read + Send>,
    hasher: Sha256,
    read: u64,
    limit: u64,
    declared: String,
    what: String,
    registry: String,
    done: bool,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("BlobReader")
            .field("what", &self.what)
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

impl BlobReader {
    /// A checking reader over any source (tests, and sources other than HTTP).
    pub fn new(
        inner: Box<dyn Read + Send>,
        digest: &str,
        limit: u64,
        what: &str,
        registry: &str,
    ) -> BlobReader {
        BlobReader {
            inner,
            hasher: Sha256::new(),
            read: 0,
            limit,
            declared: digest.to_owned(),
            what: what.to_owned(),
            registry: registry.to_owned(),
            done: false,
        }
    }

    /// The error a failed read of this blob stands for.
    fn error(&self, found: Option<String>) -> RegistryError {
        match found {
            Some(found) => RegistryError::DigestMismatch {
                registry: self.registry.clone(),
                what: self.what.clone(),
                declared: self.declared.clone(),
                found,
            },
            None => RegistryError::TooLarge {
                registry: self.registry.clone(),
                what: self.what.clone(),
                limit: self.limit,
            },
        }
    }
}

/// The `io::Error` a [`BlobReader`] fails with carries the [`RegistryError`].
fn blob_read_error(error: std::io::Error, reader: &BlobReader) -> RegistryError {
    match error.into_inner() {
        Some(inner) => match inner.downcast::<RegistryError>() {
            Ok(registry) => *registry,
            Err(other) => RegistryError::Unreachable {
                registry: reader.registry.clone(),
                reason: format!("reading {}: {other}", reader.what),
            },
        },
        None => RegistryError::Unreachable {
            registry: reader.registry.clone(),
            reason: format!("reading {} failed", reader.what),
        },
    }
}

impl Read for BlobReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        let read = self.inner.read(buffer)?;
        self.hasher.update(buffer.get(..read).unwrap_or_default());
        self.read += read as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(self.error(None)));
        }
        if read == 0 && !buffer.is_empty() {
            let found = format!("sha256:{}", hex::encode(self.hasher.clone().finalize()));
            if found != self.declared {
                return Err(std::io::Error::other(self.error(Some(found))));
            }
            self.done = true;
        }
        Ok(read)
    }
}

/// Whether `digest` is `sha256:` and 64 lower-case hex digits (so it can name no path, query
/// or other algorithm).
pub fn valid_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
    })
}

/// `sha256:` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn header_value(text: &str) -> Result<HeaderValue, RegistryError> {
    let mut value = HeaderValue::from_str(text).map_err(|_| {
        RegistryError::Client("a credential holds characters a header cannot carry".to_owned())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Reads a whole response under `limit` bytes.
fn read_capped(
    response: Response,
    limit: u64,
    what: &str,
    registry: &str,
) -> Result<Vec<u8>, RegistryError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(RegistryError::TooLarge {
            registry: registry.to_owned(),
            what: what.to_owned(),
            limit,
        });
    }
    let mut bytes = Vec::new();
    response
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| RegistryError::Unreachable {
            registry: registry.to_owned(),
            reason: format!("reading {what}: {error}"),
        })?;
    if bytes.len() as u64 > limit {
        return Err(RegistryError::TooLarge {
            registry: registry.to_owned(),
            what: what.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}

/// A network error with its causes (reqwest's top-level message alone is vague); the URL is
/// left out (`what` names the request instead).
fn describe(error: &reqwest::Error, what: &str) -> String {
    let mut message = format!("{what}: ");
    let mut cause = std::error::Error::source(error);
    let mut first = true;
    while let Some(inner) = cause {
        if !first {
            message.push_str(": ");
        }
        message.push_str(&inner.to_string());
        first = false;
        cause = inner.source();
    }
    if first {
        message.push_str(&error.to_string());
    }
    if error.is_timeout() {
        message.push_str(" (timed out)");
    }
    message
}

#[cfg(test)]
mod tests;
