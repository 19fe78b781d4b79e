//! `pyvenv.cfg` at the root of a virtual environment (PEP 405): `key = value` lines written by
//! `venv` (`version`, or `version_info` since Python 3.11 in some builds) and by `virtualenv`
//! and `uv` (`version_info`). Only the interpreter version is read.

/// The interpreter version the environment was made with, if the file states one.
pub fn interpreter_version(text: &str) -> Option<String> {
    let mut found = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let valid = !value.is_empty()
            && value.len() <= 64
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
        match key.trim() {
            // `version_info` is the fuller one (`3.12.3.final.0` from virtualenv).
            "version_info" if valid => return Some(value.to_owned()),
            "version" if valid => found = Some(value.to_owned()),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            interpreter_version(
                "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.3\n"
            ),
            Some("3.12.3".to_owned())
        );
        assert_eq!(
            interpreter_version("version = 3.11\nversion_info = 3.11.9.final.0\n"),
            Some("3.11.9.final.0".to_owned())
        );
        assert_eq!(
            interpreter_version("home = /usr\nversion = $(rm -rf /)\n"),
            None
        );
    }
}
