//! The container image row: an OCI image layout or a `docker save` / `podman save` archive.
//! The scan driver reads an image itself ([`crate::image`]): it streams the layers into the
//! merged filesystem and runs every other format on the files inside, each finding naming its
//! layer. This row's parser reads an image archive held in memory (fuzzing, the malformed-input
//! suite, an image smaller than the whole-file cap handed to the parser directly): it gives the
//! image's root component and the problems of its manifests and layers, without the extractors
//! of the files inside.

use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Sample, Syntax, FORMATS,
};
use crate::image::{Image, ImageOptions, MAX_KEPT_BYTES};
use crate::location::Location;

/// The row's id.
pub const ID: ExtractorId = "container/image";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Container images: docker save / podman save archives (manifest.json) and OCI image layouts (oci-layout, index.json; a directory or a tar), layers plain, gzip or zstd, read by content; every format is run on the merged filesystem",
    FileMatch::Extensions(&["tar"]),
    &ContainerImage,
)
.fuzzed_as(
    "container_image",
    &[Sample::new("image.tar", Syntax::Binary)],
);

struct ContainerImage;

impl Parse for ContainerImage {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let options = ImageOptions {
            extractors: FORMATS,
            skip_default_directories: true,
            sha512: false,
            kept_bytes: MAX_KEPT_BYTES,
        };
        match Image::read_memory(input.bytes, input.path, &options) {
            Ok(Some(image)) => {
                let mut extraction = image.extraction(&[]);
                extraction.diagnostics.extend(image.diagnostics);
                Ok(extraction)
            }
            // A tar that holds no image is another format's (a model checkpoint): nothing here.
            Ok(None) => Ok(Extraction::default()),
            Err(error) => Err(ExtractError::Parse {
                location: Location::file(input.path),
                message: format!("cannot read the container image: {error}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/container-image")
            .join(name);
        std::fs::read(path).unwrap()
    }

    /// The two fixture images (`make-images.py`) are the same image: same config, same
    /// layers, the root named by the tag, nothing to report.
    #[test]
    fn a_docker_archive_and_an_oci_layout_give_the_same_root() {
        let roots: Vec<_> = ["docker-save.tar", "oci-layout.tar"]
            .iter()
            .map(|name| {
                let bytes = fixture(name);
                let extraction = FORMAT.extract(&Input::new(name, &bytes)).unwrap();
                assert!(
                    extraction.diagnostics.is_empty(),
                    "{name}: {:?}",
                    extraction.diagnostics
                );
                let root = extraction.components.into_iter().next().unwrap();
                assert_eq!(root.key.name.original(), "example/agent");
                assert_eq!(root.facts.image_tag.as_deref(), Some("1.0"));
                let image = root.facts.image.unwrap();
                assert_eq!(image.layers.len(), 2);
                assert_eq!(
                    image.operating_system.as_deref(),
                    Some("Debian GNU/Linux 12 (bookworm)")
                );
                (root.key.version, image.layers, image.platform)
            })
            .collect();
        assert_eq!(roots[0], roots[1]);
    }

    #[test]
    fn a_tar_that_is_no_image_gives_nothing_and_a_truncated_image_an_error() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(3);
        builder
            .append_data(&mut header, "model.pkl", b"abc".as_slice())
            .unwrap();
        let plain = builder.into_inner().unwrap();
        let extraction = FORMAT.extract(&Input::new("m.tar", &plain)).unwrap();
        assert!(extraction.components.is_empty());
        // The docker archive without its last half: manifest.json names blobs that are cut.
        let bytes = fixture("docker-save.tar");
        let half = &bytes[..bytes.len() / 2];
        match FORMAT.extract(&Input::new("cut.tar", half)) {
            Ok(extraction) => assert!(extraction.components.is_empty()),
            Err(error) => assert!(error.to_string().contains("cut.tar"), "{error}"),
        }
    }
}
