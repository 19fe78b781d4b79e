//! Path configuration files (`*.pth` in a `site-packages` directory), as the `site` module of
//! the Python standard library reads them at every interpreter start: each line is a directory
//! to add to `sys.path`, a comment (`#`), or, when it starts with `import ` or `import\t`, a
//! line of Python that is executed. Those lines are what an attacker plants; setuptools'
//! `distutils-precedence.pth` is one too, legitimately.

/// The longest line text kept in a report.
const SHOWN_CHARACTERS: usize = 160;

/// True when `bytes` (a file's first bytes) are a path configuration file rather than a
/// serialized model: text, and not a protocol 0/1 pickle (which is text too, and is what a
/// PyTorch `.pth` checkpoint would be).
pub fn looks_like_path_configuration(bytes: &[u8]) -> bool {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        // A prefix may end inside a character.
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(bytes.get(..error.valid_up_to()).unwrap_or_default())
                .unwrap_or_default()
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        && crate::extract::model::sniff::identify(bytes)
            == crate::extract::model::sniff::Content::Unknown
}

/// The executed lines of a `.pth` file: (1-based line number, the line cut to a readable
/// length).
pub fn executable_lines(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.starts_with("import ") || line.starts_with("import\t"))
        .map(|(index, line)| {
            let mut shown: String = line.trim_end().chars().take(SHOWN_CHARACTERS).collect();
            if line.trim_end().chars().count() > SHOWN_CHARACTERS {
                shown.push('…');
            }
            (u32::try_from(index + 1).unwrap_or(u32::MAX), shown)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_path_configuration_and_pickles_are_not() {
        let precedence = b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n";
        assert!(looks_like_path_configuration(precedence));
        assert!(looks_like_path_configuration(b"/opt/lib\n# comment\n"));
        assert!(!looks_like_path_configuration(b"\x80\x02}q\x00."));
        assert!(!looks_like_path_configuration(b"PK\x03\x04"));
        assert!(!looks_like_path_configuration(b"cos\nsystem\n(S'id'\ntR."));
        assert_eq!(
            executable_lines("/opt/lib\nimport os; os.system('x')\n #import no\nimport\tsys\n"),
            [
                (2, "import os; os.system('x')".to_owned()),
                (4, "import\tsys".to_owned())
            ]
        );
    }
}
