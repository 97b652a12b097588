//! Fuzzer-style edits of valid documents: the inputs most likely to reach deep into a parser are
//! almost-valid ones, which arbitrary strings rarely are.
use proptest::prelude::*;

/// Fragments that mean something to one of the parsers (JSON, TOML, YAML, markdown, log markers).
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "\\",
    "\\u",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "null",
    "true",
    "-1",
    "0",
    "1e999",
    "-9223372036854775809",
    "18446744073709551616",
    "\u{0}",
    "\u{feff}",
    "é",
    "😀",
    "\u{202e}",
    "---\n",
    "...\n",
    "# ",
    "## ",
    "```\n",
    "- ",
    "> ",
    "|",
    "=",
    "==",
    "!=",
    "[llm]\n",
    "[[x]]\n",
    "'''",
    "\"\"\"",
    "&a ",
    "*a",
    "!!binary ",
    "%YAML 1.2\n",
    "==== START logs for container ",
    "==== END logs for container ",
    " of pod ",
    "\"alerts\":",
    "\"labels\":",
    "\"items\":",
    "\"path\":",
    "\"response\":",
];

#[derive(Debug, Clone)]
pub enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Repeat(usize, usize, usize),
    Truncate(usize),
    Swap(usize, usize),
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(TOKENS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
        1 => "[ -~]{1,8}",
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), 1..16usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        4 => (any::<usize>(), fragment()).prop_map(|(i, s)| Edit::Insert(i, s)),
        1 => (any::<usize>(), 1..32usize, 2..5usize).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
        1 => any::<usize>().prop_map(Edit::Truncate),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
    ]
}

/// One to four edits.
pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..5)
}

/// The largest char boundary at or below `at`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `at` scaled to a char boundary of `text` (proptest draws positions before it knows the text).
fn position(text: &str, at: &usize) -> usize {
    boundary(text, at % (text.len() + 1))
}

/// `text` with `edits` applied in order (positions scale to the text as it is then).
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_string();
    for edit in edits {
        match edit {
            Edit::Delete(at, n) => {
                let start = position(&text, at);
                let end = boundary(&text, start + n);
                text.replace_range(start..end, "");
            }
            Edit::Insert(at, s) => {
                let at = position(&text, at);
                text.insert_str(at, s);
            }
            Edit::Repeat(at, n, times) => {
                let start = position(&text, at);
                let end = boundary(&text, start + n);
                let piece = text[start..end].repeat(*times);
                text.replace_range(start..end, &piece);
            }
            Edit::Truncate(at) => {
                let at = position(&text, at);
                text.truncate(at);
            }
            Edit::Swap(a, b) => {
                let (a, b) = (position(&text, a), position(&text, b));
                let (lo, hi) = (a.min(b), a.max(b));
                let (left, right) = text.split_at(lo);
                let (middle, tail) = right.split_at(hi - lo);
                text = format!("{tail}{middle}{left}");
            }
        }
    }
    text
}

/// A valid document from `valid`, edited.
pub fn mutated<S>(valid: S) -> impl Strategy<Value = String>
where
    S: Strategy<Value = String>,
{
    (valid, edits()).prop_map(|(text, edits)| apply(&text, &edits))
}

/// Arbitrary text: any Unicode, or a string over `alphabet`-like printable ASCII and newlines.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\n\t]{0,200}",
        prop::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat()),
    ]
}

#[test]
fn edits_keep_char_boundaries() {
    let text = "é😀a\nb";
    for i in 0..12 {
        let idx = i * 7;
        let _ = apply(
            text,
            &[
                Edit::Delete(idx, 3),
                Edit::Insert(idx, "ü".into()),
                Edit::Repeat(idx, 2, 3),
                Edit::Swap(idx, usize::MAX),
                Edit::Truncate(idx),
            ],
        );
    }
}
