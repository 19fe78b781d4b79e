//! The legacy `*.egg-info` of setuptools: `PKG-INFO` (core metadata, read by
//! [`super::core_metadata`]), `requires.txt` (one requirement per line, grouped under
//! `[extra]`, `[extra:marker]` or `[:marker]` sections) and `installed-files.txt` (the files
//! installed, relative to the `*.egg-info` directory, without hashes).

/// One requirement of `requires.txt` as a PEP 508 string (the section's extra and marker
/// folded into its marker), with its line.
pub fn requirements(text: &str) -> Vec<(String, u32)> {
    let mut section_marker: Option<String> = None;
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            let (extra, marker) = match section.split_once(':') {
                Some((extra, marker)) => (extra.trim(), Some(marker.trim())),
                None => (section.trim(), None),
            };
            section_marker = match (extra.is_empty(), marker.filter(|m| !m.is_empty())) {
                (true, None) => None,
                (true, Some(marker)) => Some(marker.to_owned()),
                (false, marker) => Some(crate::extract::python::extra_marker(marker, extra)),
            };
            continue;
        }
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let requirement = match &section_marker {
            Some(marker) if line.contains(';') => format!("{line} and ({marker})"),
            Some(marker) => format!("{line}; {marker}"),
            None => line.to_owned(),
        };
        found.push((requirement, number));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_become_markers() {
        let found = requirements("a>=1\n\n[socks]\nb\n[:python_version < \"3.9\"]\nc\n");
        assert_eq!(
            found,
            [
                ("a>=1".to_owned(), 1),
                ("b; extra == 'socks'".to_owned(), 4),
                ("c; python_version < \"3.9\"".to_owned(), 6)
            ]
        );
    }
}
