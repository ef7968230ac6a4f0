//! Just enough of PDF's object syntax to find where each entry of a
//! dictionary, or each item of an array, begins and ends in the bytes.
//!
//! hayro-syntax reads values but cannot give back their bytes, and an
//! incremental update must copy a dictionary's other entries exactly as they
//! were (references, real numbers, strings): so the copy is of the bytes.

/// One entry of a dictionary, as it stands in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    /// The key without its solidus, still escaped (`#20`).
    pub key: &'a [u8],
    /// The value's bytes, from its first to its last character.
    pub value: &'a [u8],
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(byte: u8) -> bool {
    matches!(
        byte,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(byte: u8) -> bool {
    !is_whitespace(byte) && !is_delimiter(byte)
}

/// The position of the next character that is neither white space nor part
/// of a comment.
pub(crate) fn skip_space(data: &[u8], mut pos: usize) -> usize {
    while pos < data.len() {
        if is_whitespace(data[pos]) {
            pos += 1;
        } else if data[pos] == b'%' {
            while pos < data.len() && !matches!(data[pos], b'\r' | b'\n') {
                pos += 1;
            }
        } else {
            break;
        }
    }
    pos
}

fn regular_end(data: &[u8], mut pos: usize) -> usize {
    while pos < data.len() && is_regular(data[pos]) {
        pos += 1;
    }
    pos
}

fn is_unsigned_integer(token: &[u8]) -> bool {
    !token.is_empty() && token.iter().all(u8::is_ascii_digit)
}

/// The end (exclusive) of the one object starting at `pos`; a reference
/// `12 0 R` counts as one object.
pub(crate) fn object_end(data: &[u8], pos: usize) -> Option<usize> {
    match *data.get(pos)? {
        b'/' => Some(regular_end(data, pos + 1)),
        b'(' => literal_string_end(data, pos),
        b'<' if data.get(pos + 1) == Some(&b'<') => {
            let mut at = skip_space(data, pos + 2);
            loop {
                if data.get(at..at + 2)? == b">>" {
                    return Some(at + 2);
                }
                // A key, then its value.
                if data[at] != b'/' {
                    return None;
                }
                at = skip_space(data, regular_end(data, at + 1));
                at = skip_space(data, object_end(data, at)?);
            }
        }
        b'<' => {
            let close = data[pos..].iter().position(|&b| b == b'>')?;
            Some(pos + close + 1)
        }
        b'[' => {
            let mut at = skip_space(data, pos + 1);
            loop {
                if *data.get(at)? == b']' {
                    return Some(at + 1);
                }
                at = skip_space(data, object_end(data, at)?);
            }
        }
        byte if is_regular(byte) => {
            let end = regular_end(data, pos);
            if is_unsigned_integer(&data[pos..end])
                && let Some(reference_end) = reference_end(data, end)
            {
                return Some(reference_end);
            }
            Some(end)
        }
        _ => None,
    }
}

/// After an object number ending at `pos`: the end of ` 0 R`, if that is
/// what follows.
fn reference_end(data: &[u8], pos: usize) -> Option<usize> {
    let generation_start = skip_space(data, pos);
    if generation_start == pos {
        return None;
    }
    let generation_end = regular_end(data, generation_start);
    if !is_unsigned_integer(&data[generation_start..generation_end]) {
        return None;
    }
    let r = skip_space(data, generation_end);
    if r == generation_end || data.get(r) != Some(&b'R') {
        return None;
    }
    let after = r + 1;
    (after == data.len() || !is_regular(data[after])).then_some(after)
}

fn literal_string_end(data: &[u8], pos: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = pos;
    while at < data.len() {
        match data[at] {
            b'\\' => at += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// The entries of the dictionary whose `<<` is at `pos`, in file order.
pub(crate) fn dict_entries(data: &[u8], pos: usize) -> Option<Vec<Entry<'_>>> {
    if data.get(pos..pos + 2)? != b"<<" {
        return None;
    }
    let mut entries = Vec::new();
    let mut at = skip_space(data, pos + 2);
    loop {
        if data.get(at..at + 2)? == b">>" {
            return Some(entries);
        }
        if data[at] != b'/' {
            return None;
        }
        let key_end = regular_end(data, at + 1);
        let key = &data[at + 1..key_end];
        let value_start = skip_space(data, key_end);
        let value_end = object_end(data, value_start)?;
        entries.push(Entry {
            key,
            value: &data[value_start..value_end],
        });
        at = skip_space(data, value_end);
    }
}

/// The items of the array whose `[` is at `pos`, in order.
pub(crate) fn array_items(data: &[u8], pos: usize) -> Option<Vec<&[u8]>> {
    if *data.get(pos)? != b'[' {
        return None;
    }
    let mut items = Vec::new();
    let mut at = skip_space(data, pos + 1);
    loop {
        if *data.get(at)? == b']' {
            return Some(items);
        }
        let end = object_end(data, at)?;
        items.push(&data[at..end]);
        at = skip_space(data, end);
    }
}

/// The items of an array given without its brackets (as hayro-syntax's
/// `Array::data` gives it).
pub(crate) fn items(inner: &[u8]) -> Option<Vec<&[u8]>> {
    let mut items = Vec::new();
    let mut at = skip_space(inner, 0);
    while at < inner.len() {
        let end = object_end(inner, at)?;
        items.push(&inner[at..end]);
        at = skip_space(inner, end);
    }
    Some(items)
}

/// The value of `key` in a dictionary's entries.
pub(crate) fn lookup<'a>(entries: &[Entry<'a>], key: &[u8]) -> Option<&'a [u8]> {
    entries
        .iter()
        .find(|entry| entry.key == key)
        .map(|entry| entry.value)
}

/// `12 0 R` read as (12, 0).
pub(crate) fn parse_reference(value: &[u8]) -> Option<(u32, u16)> {
    let text = std::str::from_utf8(value).ok()?;
    let mut parts = text.split_ascii_whitespace();
    let number = parts.next()?.parse().ok()?;
    let generation = parts.next()?.parse().ok()?;
    (parts.next()? == "R" && parts.next().is_none()).then_some((number, generation))
}

/// A non-negative integer object.
pub(crate) fn parse_unsigned(value: &[u8]) -> Option<u64> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_their_exact_bytes() {
        let dict = b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595.2756 841.8898] /Annots[4 0 R 5 0 R]/T (a\\) (b)) /X<</Y<00ff>>> /N 12 >>";
        let entries = dict_entries(dict, 0).unwrap();
        let pairs: Vec<(&[u8], &[u8])> = entries.iter().map(|e| (e.key, e.value)).collect();
        assert_eq!(
            pairs,
            vec![
                (&b"Type"[..], &b"/Page"[..]),
                (b"Parent", b"3 0 R"),
                (b"MediaBox", b"[0 0 595.2756 841.8898]"),
                (b"Annots", b"[4 0 R 5 0 R]"),
                (b"T", b"(a\\) (b))"),
                (b"X", b"<</Y<00ff>>>"),
                (b"N", b"12"),
            ]
        );
        let annots = lookup(&entries, b"Annots").unwrap();
        assert_eq!(
            array_items(annots, 0).unwrap(),
            vec![&b"4 0 R"[..], b"5 0 R"]
        );
        assert_eq!(
            items(b" 4 0 R 5 0 R ").unwrap(),
            vec![&b"4 0 R"[..], b"5 0 R"]
        );
        assert_eq!(parse_reference(b"3 0 R"), Some((3, 0)));
        assert_eq!(parse_reference(b"3 0"), None);
    }

    #[test]
    fn numbers_next_to_each_other_are_not_a_reference() {
        let array = b"[1 2 3 4]";
        assert_eq!(
            array_items(array, 0).unwrap(),
            vec![&b"1"[..], b"2", b"3", b"4"]
        );
    }

    #[test]
    fn comments_are_space() {
        let dict = b"<< /A 1 % a comment >>\n /B 2 >>";
        let entries = dict_entries(dict, 0).unwrap();
        assert_eq!(entries.len(), 2);
    }

    #[test]
    fn truncated_input_is_refused_not_a_panic() {
        for dict in [
            &b"<< /A"[..],
            b"<< /A [1 2",
            b"<< /A (x",
            b"<",
            b"[",
            b"<< /A <00",
        ] {
            assert!(dict_entries(dict, 0).is_none() || array_items(dict, 0).is_none());
        }
    }
}
