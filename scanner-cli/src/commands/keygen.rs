//! `airlock keygen NAME`: a new Ed25519 key pair for signing bundles (and, later, attestations).

use super::Outcome;
use crate::cli::KeygenArgs;
use crate::output::write_report;

pub fn run(args: &KeygenArgs) -> anyhow::Result<Outcome> {
    let (private_path, public_path, public) = advisories::signing::write_key_pair(&args.name)?;
    let text = format!(
        "wrote {} (private, PKCS#8 PEM, owner-only) and {} (public, SPKI PEM)\nkey {}\n",
        private_path.display(),
        public_path.display(),
        public.fingerprint()
    );
    write_report(None, text.as_bytes())?;
    Ok(Outcome::Clean)
}
