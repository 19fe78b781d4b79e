//! A real OCI registry for the tests: Debian's `docker-registry` (the CNCF distribution
//! registry), started on 127.0.0.1 on a free port with its storage in a temporary directory and
//! a configuration the test writes; killed when the handle drops. Images are pushed to it with
//! Debian's `skopeo`. A test skips (saying why) only when one of them is not installed;
//! `.ci/run` installs both.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the registry.
const REGISTRY_BINARY: &str = "/usr/bin/docker-registry";

/// A running registry.
pub struct TestRegistry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// The registry's storage root (`docker/registry/v2/…`), for tests that alter blobs.
    pub storage: PathBuf,
    /// Basic credentials, when it was started with htpasswd auth.
    pub credentials: Option<(String, String)>,
    _directory: tempfile::TempDir,
}

/// Why the registry tests cannot run here, if they cannot.
pub fn unavailable() -> Option<String> {
    if !Path::new(REGISTRY_BINARY).is_file() {
        return Some(format!(
            "{REGISTRY_BINARY} is not installed (Debian package docker-registry; .ci/run installs it)"
        ));
    }
    if Command::new("skopeo")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_or(true, |status| !status.success())
    {
        return Some(
            "skopeo is not installed (Debian package skopeo; .ci/run installs it)".to_owned(),
        );
    }
    None
}

/// Says why a test did not run (cargo shows it with the test's output).
#[allow(clippy::print_stderr)]
fn skipped(reason: &str) {
    eprintln!("SKIPPED: {reason}");
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// A bcrypt hash of `password` for htpasswd, made with Python's `crypt` (glibc's libxcrypt
/// does bcrypt); `None` when this machine's Python cannot.
fn bcrypt(password: &str) -> Option<String> {
    let output = Command::new("python3")
        .args([
            "-W",
            "ignore",
            "-c",
            "import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))",
            password,
        ])
        .output()
        .ok()?;
    let hash = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && hash.starts_with("$2")).then_some(hash)
}

impl TestRegistry {
    /// Starts a registry without authentication; `None` (with the reason printed) when the
    /// registry or skopeo is not installed.
    pub fn start() -> Option<TestRegistry> {
        TestRegistry::start_with(None)
    }

    /// Starts a registry that asks for `user`/`password` (htpasswd, HTTP basic); `None` with
    /// the reason printed when it cannot run here.
    pub fn start_with_auth(user: &str, password: &str) -> Option<TestRegistry> {
        TestRegistry::start_with(Some((user, password)))
    }

    fn start_with(auth: Option<(&str, &str)>) -> Option<TestRegistry> {
        if let Some(reason) = unavailable() {
            skipped(&reason);
            return None;
        }
        let directory = tempfile::tempdir().expect("a temporary directory");
        let storage = directory.path().join("storage");
        let port = free_port();
        let address = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {address}\n",
            storage.display()
        );
        if let Some((user, password)) = auth {
            let Some(hash) = bcrypt(password) else {
                skipped("no bcrypt for an htpasswd file here (python3's crypt module)");
                return None;
            };
            let htpasswd = directory.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{user}:{hash}\n")).expect("htpasswd written");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: airlock-test\n    path: {}\n",
                htpasswd.display()
            ));
        }
        let config_path = directory.path().join("config.yml");
        std::fs::write(&config_path, config).expect("config written");
        let child = Command::new(REGISTRY_BINARY)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        let registry = TestRegistry {
            child,
            address,
            storage,
            credentials: auth.map(|(user, password)| (user.to_owned(), password.to_owned())),
            _directory: directory,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&registry.address).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {}",
                registry.address
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    /// `oci://127.0.0.1:PORT/NAME`.
    pub fn reference(&self, name: &str) -> String {
        format!("oci://{}/{name}", self.address)
    }

    /// Pushes `source` (a skopeo transport: `docker-archive:FILE`, `oci:DIR:TAG`) as
    /// `NAME` (`repo:tag`) with skopeo; `all` copies every image of an index.
    pub fn push(&self, source: &str, name: &str, all: bool) {
        let mut command = Command::new("skopeo");
        command.args(["copy", "--insecure-policy", "--dest-tls-verify=false"]);
        if all {
            command.arg("--all");
        }
        if let Some((user, password)) = &self.credentials {
            command.arg(format!("--dest-creds={user}:{password}"));
        }
        let output = command
            .arg(source)
            .arg(format!("docker://{}/{name}", self.address))
            .output()
            .expect("skopeo runs");
        assert!(
            output.status.success(),
            "skopeo copy {source}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The file holding blob `digest` in the registry's storage.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
