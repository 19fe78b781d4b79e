//! What a container image says about itself (its config digest, its layers, the operating
//! system `/etc/os-release` names) and, for a component read from a file inside an image, which
//! layer introduced that file. Filled by the image reader ([`crate::image`]).

/// Facts of an image's root component, or of a component found inside an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFacts {
    /// The digest of the image's config (`sha256:…`), its image id (root component only).
    pub config_digest: Option<String>,
    /// The digests of the layers, bottom first, as stored (root component only).
    pub layers: Vec<String>,
    /// `PRETTY_NAME` of `/etc/os-release` (else `ID VERSION_ID`) (root component only).
    pub operating_system: Option<String>,
    /// The config's `os/architecture` (`linux/amd64`) (root component only).
    pub platform: Option<String>,
    /// The digest of the layer that introduced the file this component was read from
    /// (components found inside an image).
    pub layer: Option<String>,
}

impl ImageFacts {
    /// Folds what another file said in: each fact is kept from the first file that stated it.
    pub fn merge(&mut self, other: ImageFacts) {
        let ImageFacts {
            config_digest,
            layers,
            operating_system,
            platform,
            layer,
        } = other;
        if self.config_digest.is_none() {
            self.config_digest = config_digest;
        }
        if self.layers.is_empty() {
            self.layers = layers;
        }
        if self.operating_system.is_none() {
            self.operating_system = operating_system;
        }
        if self.platform.is_none() {
            self.platform = platform;
        }
        if self.layer.is_none() {
            self.layer = layer;
        }
    }
}
