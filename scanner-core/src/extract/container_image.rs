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
