//! airlock's own models of the SBOM document formats, one module per format with its encoder and
//! decoder side by side: the CLI's writers fill a model from typed components and encode it in
//! one pass, the SBOM extractor decodes the same model, so what airlock writes is what it reads.
//!
//! They were written from the official schemas (CycloneDX 1.2–1.7 JSON schema and XSD, SPDX
//! 3.0.1 JSON-LD) because the `cyclonedx-bom` and `spdx-rs` crates stop at CycloneDX 1.5 and SPDX
//! 2.3. Only what airlock writes or reads is modelled; decoding ignores every other field, since
//! tools differ in what they add.

pub mod cyclonedx;
pub mod spdx3;
mod xml;

pub use xml::XmlError;
