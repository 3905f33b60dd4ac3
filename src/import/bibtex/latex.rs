//! A small LaTeX-to-text decoder for BibTeX values: accents, special
//! letters, dashes, quotes, common symbols and Greek letters become Unicode;
//! case-protecting braces and `$` disappear; formatting commands (`\emph`,
//! `\textbf`, ...) keep their text. An unknown command is dropped and its
//! argument kept, which is right for the font and markup commands that make
//! up nearly all of them.

/// Deepest accent argument (`\'{\'{...}}`) decoded recursively; beyond it the
/// argument is kept as written, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 16;

/// Decodes a field value for display: LaTeX markup to text, whitespace runs
/// (line breaks in wrapped values) to single spaces, trimmed.
pub(super) fn decode(raw: &str) -> String {
    if !raw.contains(['\\', '{', '}', '$', '~', '-', '`', '\'']) {
        return collapse_spaces(raw);
    }
    let text = Text::new(raw);
    let mut out = String::with_capacity(raw.len());
    run(&text, 0, text.chars.len(), 0, &mut out);
    collapse_spaces(&out)
}

/// For URLs, DOIs and identifiers: only escapes (`\_`, `\%`, `\&`, `\#`,
/// `\$`, `\~`) and braces are undone, because `~`, `--` and `%` are
/// literal there. Whitespace runs become one space (several URLs in one
/// field stay apart).
pub(super) fn verbatim(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '\\' => match chars.peek() {
                Some(&next) if "_%&#$~{}".contains(next) => {
                    out.push(next);
                    chars.next();
                }
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    collapse_spaces(&out)
}

fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A value's characters, with each `{`'s matching `}` found once up front:
/// looking a group's end up is then constant time, so deeply nested or
/// unclosed groups (`$^{$^{...`) decode in linear time, not quadratic.
struct Text {
    chars: Vec<char>,
    /// For a `{` with a matching `}`, the index of that `}`; else `NONE`.
    close: Vec<usize>,
}

const NONE: usize = usize::MAX;

impl Text {
    fn new(raw: &str) -> Text {
        let chars: Vec<char> = raw.chars().collect();
        let mut close = vec![NONE; chars.len()];
        let mut open = Vec::new();
        for (i, c) in chars.iter().enumerate() {
            match c {
                '{' => open.push(i),
                '}' => {
                    if let Some(o) = open.pop()
                        && let Some(slot) = close.get_mut(o)
                    {
                        *slot = i;
                    }
                }
                _ => {}
            }
        }
        Text { chars, close }
    }

    /// The character at `i` if it is before `end`.
    fn at(&self, i: usize, end: usize) -> Option<char> {
        if i < end {
            self.chars.get(i).copied()
        } else {
            None
        }
    }

    fn collect(&self, from: usize, to: usize) -> String {
        self.chars
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .collect()
    }
}

/// Decodes `text` from `i` to `end` into `out`. Whitespace is copied
/// (collapsed by the caller).
fn run(text: &Text, mut i: usize, end: usize, depth: usize, out: &mut String) {
    let mut math = false;
    while let Some(c) = text.at(i, end) {
        i += 1;
        match c {
            '\\' => i = command(text, i, end, depth, out),
            '{' | '}' => {}
            '$' => math = !math,
            '_' | '^' if math => match script(text, i, end, c == '^') {
                Some((decoded, after)) => {
                    out.push_str(&decoded);
                    i = after;
                }
                None => out.push(c),
            },
            '~' => out.push(' '),
            '-' if !math => {
                let mut run = 1;
                while text.at(i, end) == Some('-') {
                    run += 1;
                    i += 1;
                }
                match run {
                    2 => out.push('–'),
                    3 => out.push('—'),
                    n => out.extend(std::iter::repeat_n('-', n)),
                }
            }
            '`' if text.at(i, end) == Some('`') => {
                i += 1;
                out.push('“');
            }
            '\'' if text.at(i, end) == Some('\'') => {
                i += 1;
                out.push('”');
            }
            c => out.push(c),
        }
    }
}

/// `$x_2$`, `$10^{-3}$`: the sub- or superscript at `i` in Unicode when every
/// character has a sub/superscript form, and the index after it.
fn script(text: &Text, i: usize, end: usize, sup: bool) -> Option<(String, usize)> {
    let (from_i, to_i, after) = match text.at(i, end)? {
        '{' => group(text, i, end)?,
        _ => (i, i + 1, i + 1),
    };
    let arg = text.chars.get(from_i..to_i)?;
    if arg.is_empty() {
        return None;
    }
    let (from, to) = if sup {
        ("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
    } else {
        ("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
    };
    arg.iter()
        .map(|c| {
            let at = from.chars().position(|f| f == *c)?;
            to.chars().nth(at)
        })
        .collect::<Option<String>>()
        .map(|decoded| (decoded, after))
}

/// Handles the command whose backslash was just read; `i` is the index after
/// the backslash. Returns the index after the command and its argument.
fn command(text: &Text, mut i: usize, end: usize, depth: usize, out: &mut String) -> usize {
    let Some(first) = text.at(i, end) else {
        return i;
    };
    if !first.is_ascii_alphabetic() {
        // A control symbol: `\&`, `\"`, `\\`, ...
        i += 1;
        if let Some(mark) = accent_mark(first) {
            return accent(text, i, end, depth, first, mark, out);
        }
        match first {
            '\\' | ' ' | ',' | ';' | ':' => out.push(' '),
            '-' | '/' | '@' | '!' => {}
            other => out.push(other),
        }
        return i;
    }
    let start = i;
    while text.at(i, end).is_some_and(|c| c.is_ascii_alphabetic()) {
        i += 1;
    }
    let name = text.collect(start, i);
    // TeX ends a control word at the first non-letter and swallows the spaces
    // after it (`\ss e`, `\it b`).
    while text.at(i, end).is_some_and(char::is_whitespace) {
        i += 1;
    }
    if name.len() == 1
        && let Some(letter) = name.chars().next()
        && let Some(mark) = accent_mark(letter)
    {
        return accent(text, i, end, depth, letter, mark, out);
    }
    if let Some(symbol) = symbol(&name) {
        out.push_str(symbol);
        return i;
    }
    match name.as_str() {
        // Their argument is not text to show.
        "begin" | "end" | "label" | "ref" | "cite" | "citep" | "citet" | "pageref" | "phantom"
        | "vphantom" | "hphantom" => skip_group(text, i, end),
        // `\href{url}{text}` shows the text.
        "href" => skip_group(text, i, end),
        // A URL argument is literal: no dashes or `~` conversion.
        "url" | "path" | "doi" => match group(text, i, end) {
            Some((from, to, after)) => {
                out.push_str(&verbatim(&text.collect(from, to)));
                after
            }
            None => i,
        },
        _ => i,
    }
}

/// `{...}` starting at `i` (after optional spaces): where its contents start
/// and end, and the index after the closing brace. `None` when there is no
/// complete group there.
fn group(text: &Text, i: usize, end: usize) -> Option<(usize, usize, usize)> {
    let mut i = i;
    while text.at(i, end).is_some_and(char::is_whitespace) {
        i += 1;
    }
    if text.at(i, end) != Some('{') {
        return None;
    }
    let close = *text.close.get(i)?;
    // A group inside a decoded range closes inside it, as braces nest.
    (close < end).then(|| (i + 1, close, close + 1))
}

fn skip_group(text: &Text, i: usize, end: usize) -> usize {
    group(text, i, end).map_or(i, |(_, _, after)| after)
}

/// Applies an accent to the next character or group. `i` is the index after
/// the accent command.
fn accent(
    text: &Text,
    i: usize,
    end: usize,
    depth: usize,
    symbol: char,
    mark: char,
    out: &mut String,
) -> usize {
    let mut j = i;
    while text.at(j, end).is_some_and(char::is_whitespace) {
        j += 1;
    }
    let (arg, after) = match text.at(j, end) {
        Some('{') => match group(text, j, end) {
            Some((from, to, after)) => {
                let mut decoded = String::new();
                if depth < MAX_DEPTH {
                    run(text, from, to, depth + 1, &mut decoded);
                } else {
                    decoded = text.collect(from, to);
                }
                (decoded, after)
            }
            None => (String::new(), j + 1),
        },
        Some('\\') => {
            let mut decoded = String::new();
            let after = if depth < MAX_DEPTH {
                command(text, j + 1, end, depth + 1, &mut decoded)
            } else {
                j + 1
            };
            (decoded, after)
        }
        Some('}') | None => (String::new(), j),
        Some(c) => (c.to_string(), j + 1),
    };
    let mut rest = arg.chars();
    match rest.next() {
        Some(base) => {
            out.push_str(&compose(symbol, base, mark));
            out.extend(rest);
        }
        // `\~{}` and friends stand for the accent character itself.
        None if "~^'`\"".contains(symbol) => out.push(symbol),
        None => {}
    }
    after
}

/// The combining mark for an accent command (`\'`, `\"`, `\c`, `\v`, ...).
fn accent_mark(symbol: char) -> Option<char> {
    Some(match symbol {
        '\'' => '\u{301}',
        '`' => '\u{300}',
        '^' => '\u{302}',
        '"' => '\u{308}',
        '~' => '\u{303}',
        '=' => '\u{304}',
        '.' => '\u{307}',
        'u' => '\u{306}',
        'v' => '\u{30C}',
        'H' => '\u{30B}',
        'c' => '\u{327}',
        'd' => '\u{323}',
        'b' => '\u{331}',
        'r' => '\u{30A}',
        'k' => '\u{328}',
        't' => '\u{361}',
        _ => return None,
    })
}

/// The precomposed letter when Unicode has one, else base + combining mark.
fn compose(symbol: char, base: char, mark: char) -> String {
    // `\'{\i}` is written with a dotless i so the accent replaces the dot.
    let base = match base {
        'ı' => 'i',
        'ȷ' => 'j',
        other => other,
    };
    match ACCENTED.binary_search_by(|&(s, b, _)| (s, b).cmp(&(symbol, base))) {
        Ok(found) => ACCENTED
            .get(found)
            .map_or_else(String::new, |&(_, _, c)| c.to_string()),
        Err(_) => [base, mark].iter().collect(),
    }
}

/// Replacement text for commands that stand for a character or word.
fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "ss" => "ß",
        "SS" => "SS",
        "o" => "ø",
        "O" => "Ø",
        "aa" => "å",
        "AA" => "Å",
        "ae" => "æ",
        "AE" => "Æ",
        "oe" => "œ",
        "OE" => "Œ",
        "l" => "ł",
        "L" => "Ł",
        "i" => "ı",
        "j" => "ȷ",
        "dh" => "ð",
        "DH" => "Ð",
        "th" => "þ",
        "TH" => "Þ",
        "ng" => "ŋ",
        "NG" => "Ŋ",
        "dj" => "đ",
        "DJ" => "Đ",
        "textendash" => "–",
        "textemdash" => "—",
        "ldots" | "dots" | "textellipsis" => "…",
        "textquoteleft" | "lq" => "‘",
        "textquoteright" | "rq" => "’",
        "textquotedblleft" => "“",
        "textquotedblright" => "”",
        "guillemotleft" | "guillemetleft" => "«",
        "guillemotright" | "guillemetright" => "»",
        "textexclamdown" => "¡",
        "textquestiondown" => "¿",
        "quad" | "qquad" | "space" | "enspace" | "thinspace" | "nobreakspace" => " ",
        "textregistered" => "®",
        "texttrademark" => "™",
        "copyright" | "textcopyright" => "©",
        "textdegree" => "°",
        "S" | "textsection" => "§",
        "P" | "textparagraph" => "¶",
        "pounds" | "textsterling" => "£",
        "euro" | "texteuro" => "€",
        "textasciitilde" => "~",
        "textasciicircum" => "^",
        "textbackslash" | "backslash" => "\\",
        "textbar" => "|",
        "textless" => "<",
        "textgreater" => ">",
        "textunderscore" => "_",
        "textbullet" => "•",
        "textperiodcentered" => "·",
        "textperthousand" => "‰",
        "textmu" => "µ",
        "textpm" | "pm" => "±",
        "mp" => "∓",
        "texttimes" | "times" => "×",
        "div" => "÷",
        "cdot" => "·",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "sim" => "∼",
        "simeq" => "≃",
        "equiv" => "≡",
        "propto" => "∝",
        "ll" => "≪",
        "gg" => "≫",
        "infty" => "∞",
        "rightarrow" | "to" => "→",
        "leftarrow" | "gets" => "←",
        "leftrightarrow" => "↔",
        "Rightarrow" => "⇒",
        "Leftarrow" => "⇐",
        "Leftrightarrow" => "⇔",
        "uparrow" => "↑",
        "downarrow" => "↓",
        "partial" => "∂",
        "nabla" => "∇",
        "sum" => "∑",
        "prod" => "∏",
        "int" => "∫",
        "sqrt" => "√",
        "in" => "∈",
        "notin" => "∉",
        "subset" => "⊂",
        "cup" => "∪",
        "cap" => "∩",
        "forall" => "∀",
        "exists" => "∃",
        "emptyset" => "∅",
        "ell" => "ℓ",
        "hbar" => "ℏ",
        "circ" => "∘",
        "bullet" => "•",
        "prime" => "′",
        "ast" => "∗",
        "star" => "⋆",
        "perp" => "⊥",
        "parallel" => "∥",
        "angle" => "∠",
        "langle" => "⟨",
        "rangle" => "⟩",
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" => "ϵ",
        "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "vartheta" => "ϑ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "varpi" => "ϖ",
        "rho" => "ρ",
        "varrho" => "ϱ",
        "sigma" => "σ",
        "varsigma" => "ς",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" => "ϕ",
        "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "LaTeX" => "LaTeX",
        "TeX" => "TeX",
        "BibTeX" => "BibTeX",
        _ => return None,
    })
}

/// (accent command, base letter, precomposed letter), sorted for binary
/// search; generated from Unicode NFC composition for ASCII letters.
#[rustfmt::skip]
const ACCENTED: [(char, char, char); 306] = [
    ('"', 'A', 'Ä'), ('"', 'E', 'Ë'), ('"', 'H', 'Ḧ'), ('"', 'I', 'Ï'), ('"', 'O', 'Ö'),
    ('"', 'U', 'Ü'), ('"', 'W', 'Ẅ'), ('"', 'X', 'Ẍ'), ('"', 'Y', 'Ÿ'), ('"', 'a', 'ä'),
    ('"', 'e', 'ë'), ('"', 'h', 'ḧ'), ('"', 'i', 'ï'), ('"', 'o', 'ö'), ('"', 't', 'ẗ'),
    ('"', 'u', 'ü'), ('"', 'w', 'ẅ'), ('"', 'x', 'ẍ'), ('"', 'y', 'ÿ'), ('\'', 'A', 'Á'),
    ('\'', 'C', 'Ć'), ('\'', 'E', 'É'), ('\'', 'G', 'Ǵ'), ('\'', 'I', 'Í'), ('\'', 'K', 'Ḱ'),
    ('\'', 'L', 'Ĺ'), ('\'', 'M', 'Ḿ'), ('\'', 'N', 'Ń'), ('\'', 'O', 'Ó'), ('\'', 'P', 'Ṕ'),
    ('\'', 'R', 'Ŕ'), ('\'', 'S', 'Ś'), ('\'', 'U', 'Ú'), ('\'', 'W', 'Ẃ'), ('\'', 'Y', 'Ý'),
    ('\'', 'Z', 'Ź'), ('\'', 'a', 'á'), ('\'', 'c', 'ć'), ('\'', 'e', 'é'), ('\'', 'g', 'ǵ'),
    ('\'', 'i', 'í'), ('\'', 'k', 'ḱ'), ('\'', 'l', 'ĺ'), ('\'', 'm', 'ḿ'), ('\'', 'n', 'ń'),
    ('\'', 'o', 'ó'), ('\'', 'p', 'ṕ'), ('\'', 'r', 'ŕ'), ('\'', 's', 'ś'), ('\'', 'u', 'ú'),
    ('\'', 'w', 'ẃ'), ('\'', 'y', 'ý'), ('\'', 'z', 'ź'), ('.', 'A', 'Ȧ'), ('.', 'B', 'Ḃ'),
    ('.', 'C', 'Ċ'), ('.', 'D', 'Ḋ'), ('.', 'E', 'Ė'), ('.', 'F', 'Ḟ'), ('.', 'G', 'Ġ'),
    ('.', 'H', 'Ḣ'), ('.', 'I', 'İ'), ('.', 'M', 'Ṁ'), ('.', 'N', 'Ṅ'), ('.', 'O', 'Ȯ'),
    ('.', 'P', 'Ṗ'), ('.', 'R', 'Ṙ'), ('.', 'S', 'Ṡ'), ('.', 'T', 'Ṫ'), ('.', 'W', 'Ẇ'),
    ('.', 'X', 'Ẋ'), ('.', 'Y', 'Ẏ'), ('.', 'Z', 'Ż'), ('.', 'a', 'ȧ'), ('.', 'b', 'ḃ'),
    ('.', 'c', 'ċ'), ('.', 'd', 'ḋ'), ('.', 'e', 'ė'), ('.', 'f', 'ḟ'), ('.', 'g', 'ġ'),
    ('.', 'h', 'ḣ'), ('.', 'm', 'ṁ'), ('.', 'n', 'ṅ'), ('.', 'o', 'ȯ'), ('.', 'p', 'ṗ'),
    ('.', 'r', 'ṙ'), ('.', 's', 'ṡ'), ('.', 't', 'ṫ'), ('.', 'w', 'ẇ'), ('.', 'x', 'ẋ'),
    ('.', 'y', 'ẏ'), ('.', 'z', 'ż'), ('=', 'A', 'Ā'), ('=', 'E', 'Ē'), ('=', 'G', 'Ḡ'),
    ('=', 'I', 'Ī'), ('=', 'O', 'Ō'), ('=', 'U', 'Ū'), ('=', 'Y', 'Ȳ'), ('=', 'a', 'ā'),
    ('=', 'e', 'ē'), ('=', 'g', 'ḡ'), ('=', 'i', 'ī'), ('=', 'o', 'ō'), ('=', 'u', 'ū'),
    ('=', 'y', 'ȳ'), ('H', 'O', 'Ő'), ('H', 'U', 'Ű'), ('H', 'o', 'ő'), ('H', 'u', 'ű'),
    ('^', 'A', 'Â'), ('^', 'C', 'Ĉ'), ('^', 'E', 'Ê'), ('^', 'G', 'Ĝ'), ('^', 'H', 'Ĥ'),
    ('^', 'I', 'Î'), ('^', 'J', 'Ĵ'), ('^', 'O', 'Ô'), ('^', 'S', 'Ŝ'), ('^', 'U', 'Û'),
    ('^', 'W', 'Ŵ'), ('^', 'Y', 'Ŷ'), ('^', 'Z', 'Ẑ'), ('^', 'a', 'â'), ('^', 'c', 'ĉ'),
    ('^', 'e', 'ê'), ('^', 'g', 'ĝ'), ('^', 'h', 'ĥ'), ('^', 'i', 'î'), ('^', 'j', 'ĵ'),
    ('^', 'o', 'ô'), ('^', 's', 'ŝ'), ('^', 'u', 'û'), ('^', 'w', 'ŵ'), ('^', 'y', 'ŷ'),
    ('^', 'z', 'ẑ'), ('`', 'A', 'À'), ('`', 'E', 'È'), ('`', 'I', 'Ì'), ('`', 'N', 'Ǹ'),
    ('`', 'O', 'Ò'), ('`', 'U', 'Ù'), ('`', 'W', 'Ẁ'), ('`', 'Y', 'Ỳ'), ('`', 'a', 'à'),
    ('`', 'e', 'è'), ('`', 'i', 'ì'), ('`', 'n', 'ǹ'), ('`', 'o', 'ò'), ('`', 'u', 'ù'),
    ('`', 'w', 'ẁ'), ('`', 'y', 'ỳ'), ('b', 'B', 'Ḇ'), ('b', 'D', 'Ḏ'), ('b', 'K', 'Ḵ'),
    ('b', 'L', 'Ḻ'), ('b', 'N', 'Ṉ'), ('b', 'R', 'Ṟ'), ('b', 'T', 'Ṯ'), ('b', 'Z', 'Ẕ'),
    ('b', 'b', 'ḇ'), ('b', 'd', 'ḏ'), ('b', 'h', 'ẖ'), ('b', 'k', 'ḵ'), ('b', 'l', 'ḻ'),
    ('b', 'n', 'ṉ'), ('b', 'r', 'ṟ'), ('b', 't', 'ṯ'), ('b', 'z', 'ẕ'), ('c', 'C', 'Ç'),
    ('c', 'D', 'Ḑ'), ('c', 'E', 'Ȩ'), ('c', 'G', 'Ģ'), ('c', 'H', 'Ḩ'), ('c', 'K', 'Ķ'),
    ('c', 'L', 'Ļ'), ('c', 'N', 'Ņ'), ('c', 'R', 'Ŗ'), ('c', 'S', 'Ş'), ('c', 'T', 'Ţ'),
    ('c', 'c', 'ç'), ('c', 'd', 'ḑ'), ('c', 'e', 'ȩ'), ('c', 'g', 'ģ'), ('c', 'h', 'ḩ'),
    ('c', 'k', 'ķ'), ('c', 'l', 'ļ'), ('c', 'n', 'ņ'), ('c', 'r', 'ŗ'), ('c', 's', 'ş'),
    ('c', 't', 'ţ'), ('d', 'A', 'Ạ'), ('d', 'B', 'Ḅ'), ('d', 'D', 'Ḍ'), ('d', 'E', 'Ẹ'),
    ('d', 'H', 'Ḥ'), ('d', 'I', 'Ị'), ('d', 'K', 'Ḳ'), ('d', 'L', 'Ḷ'), ('d', 'M', 'Ṃ'),
    ('d', 'N', 'Ṇ'), ('d', 'O', 'Ọ'), ('d', 'R', 'Ṛ'), ('d', 'S', 'Ṣ'), ('d', 'T', 'Ṭ'),
    ('d', 'U', 'Ụ'), ('d', 'V', 'Ṿ'), ('d', 'W', 'Ẉ'), ('d', 'Y', 'Ỵ'), ('d', 'Z', 'Ẓ'),
    ('d', 'a', 'ạ'), ('d', 'b', 'ḅ'), ('d', 'd', 'ḍ'), ('d', 'e', 'ẹ'), ('d', 'h', 'ḥ'),
    ('d', 'i', 'ị'), ('d', 'k', 'ḳ'), ('d', 'l', 'ḷ'), ('d', 'm', 'ṃ'), ('d', 'n', 'ṇ'),
    ('d', 'o', 'ọ'), ('d', 'r', 'ṛ'), ('d', 's', 'ṣ'), ('d', 't', 'ṭ'), ('d', 'u', 'ụ'),
    ('d', 'v', 'ṿ'), ('d', 'w', 'ẉ'), ('d', 'y', 'ỵ'), ('d', 'z', 'ẓ'), ('k', 'A', 'Ą'),
    ('k', 'E', 'Ę'), ('k', 'I', 'Į'), ('k', 'O', 'Ǫ'), ('k', 'U', 'Ų'), ('k', 'a', 'ą'),
    ('k', 'e', 'ę'), ('k', 'i', 'į'), ('k', 'o', 'ǫ'), ('k', 'u', 'ų'), ('r', 'A', 'Å'),
    ('r', 'U', 'Ů'), ('r', 'a', 'å'), ('r', 'u', 'ů'), ('r', 'w', 'ẘ'), ('r', 'y', 'ẙ'),
    ('u', 'A', 'Ă'), ('u', 'E', 'Ĕ'), ('u', 'G', 'Ğ'), ('u', 'I', 'Ĭ'), ('u', 'O', 'Ŏ'),
    ('u', 'U', 'Ŭ'), ('u', 'a', 'ă'), ('u', 'e', 'ĕ'), ('u', 'g', 'ğ'), ('u', 'i', 'ĭ'),
    ('u', 'o', 'ŏ'), ('u', 'u', 'ŭ'), ('v', 'A', 'Ǎ'), ('v', 'C', 'Č'), ('v', 'D', 'Ď'),
    ('v', 'E', 'Ě'), ('v', 'G', 'Ǧ'), ('v', 'H', 'Ȟ'), ('v', 'I', 'Ǐ'), ('v', 'K', 'Ǩ'),
    ('v', 'L', 'Ľ'), ('v', 'N', 'Ň'), ('v', 'O', 'Ǒ'), ('v', 'R', 'Ř'), ('v', 'S', 'Š'),
    ('v', 'T', 'Ť'), ('v', 'U', 'Ǔ'), ('v', 'Z', 'Ž'), ('v', 'a', 'ǎ'), ('v', 'c', 'č'),
    ('v', 'd', 'ď'), ('v', 'e', 'ě'), ('v', 'g', 'ǧ'), ('v', 'h', 'ȟ'), ('v', 'i', 'ǐ'),
    ('v', 'j', 'ǰ'), ('v', 'k', 'ǩ'), ('v', 'l', 'ľ'), ('v', 'n', 'ň'), ('v', 'o', 'ǒ'),
    ('v', 'r', 'ř'), ('v', 's', 'š'), ('v', 't', 'ť'), ('v', 'u', 'ǔ'), ('v', 'z', 'ž'),
    ('~', 'A', 'Ã'), ('~', 'E', 'Ẽ'), ('~', 'I', 'Ĩ'), ('~', 'N', 'Ñ'), ('~', 'O', 'Õ'),
    ('~', 'U', 'Ũ'), ('~', 'V', 'Ṽ'), ('~', 'Y', 'Ỹ'), ('~', 'a', 'ã'), ('~', 'e', 'ẽ'),
    ('~', 'i', 'ĩ'), ('~', 'n', 'ñ'), ('~', 'o', 'õ'), ('~', 'u', 'ũ'), ('~', 'v', 'ṽ'),
    ('~', 'y', 'ỹ'),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_in_every_spelling() {
        for (raw, want) in [
            ("M{\\\"u}ller", "Müller"),
            ("M\\\"{u}ller", "Müller"),
            ("M\\\"uller", "Müller"),
            ("{\\'e}t{\\'e}", "été"),
            ("Fran\\c{c}ois", "François"),
            ("{\\c C}a", "Ça"),
            ("\\v{S}koda \\v s", "Škoda š"),
            ("Gro\\ss e", "Große"),
            ("Bj{\\o}rn", "Bjørn"),
            ("\\aa ngstr\\\"om", "ångström"),
            ("\\AA{}", "Å"),
            ("\\L\\'od\\'z", "Łódź"),
            ("Espelos{\\'\\i}n", "Espelosín"),
            ("Asanov\\'\\i{}c", "Asanovíc"),
            ("\\'{\\i}", "í"),
            (
                "\\~n \\^o \\`a \\=a \\.z \\u{g} \\H{o} \\k{a} \\r{u}",
                "ñ ô à ā ż ğ ő ą ů",
            ),
            ("\\d{h}", "ḥ"),
            // No precomposed letter: base plus combining mark.
            ("\\v{q}", "q\u{30C}"),
        ] {
            assert_eq!(decode(raw), want, "{raw}");
        }
    }

    #[test]
    fn punctuation_escapes_and_spaces() {
        assert_eq!(decode("1--2, A---B, a~b"), "1–2, A—B, a b");
        assert_eq!(decode("\\& \\% \\$ \\_ \\# \\{x\\}"), "& % $ _ # {x}");
        assert_eq!(decode("``quoted'' text"), "“quoted” text");
        assert_eq!(decode("  wrapped\n   value\t here "), "wrapped value here");
        assert_eq!(
            decode("a\\&b\\%c\\$d\\#e\\_f\\textasciitilde{}\\textasciicircum{}\\textbackslash{}"),
            "a&b%c$d#e_f~^\\"
        );
        assert_eq!(decode("---~"), "—");
        assert_eq!(decode("10\\,000 and\\\\next"), "10 000 and next");
    }

    #[test]
    fn commands_and_case_braces() {
        assert_eq!(decode("The {DNA} of {{Things}}"), "The DNA of Things");
        assert_eq!(
            decode("\\emph{x} \\textit{y} \\textbf {z} {\\em w} {\\bf v}"),
            "x y z w v"
        );
        assert_eq!(decode("\\unknowncommand{kept}"), "kept");
        assert_eq!(decode("a\\begin{it}b\\end{it}c"), "abc");
        assert_eq!(decode("\\href{http://x.org}{the text}"), "the text");
        assert_eq!(
            decode("see \\url{http://x.org/a~b--c}"),
            "see http://x.org/a~b--c"
        );
        assert_eq!(decode("\\ldots{} \\textregistered"), "… ®");
        assert_eq!(decode("\\langle x\\rangle"), "⟨x⟩");
        assert_eq!(decode("trailing \\"), "trailing");
    }

    #[test]
    fn math_loses_its_dollars() {
        assert_eq!(decode("$\\alpha$-synuclein"), "α-synuclein");
        assert_eq!(decode("$e=mc^2$"), "e=mc²");
        assert_eq!(decode("{Cu$_2$O} and H$_{2}$O"), "Cu₂O and H₂O");
        assert_eq!(decode("$x_{ij}$ and $\\le\\omega$"), "x_ij and ≤ω");
        assert_eq!(decode("$10^{-3}$"), "10⁻³");
    }

    #[test]
    fn verbatim_only_unescapes() {
        assert_eq!(verbatim("{10.1007/999-9\\_3}"), "10.1007/999-9_3");
        assert_eq!(
            verbatim("http://x.org/a~b%20c--d"),
            "http://x.org/a~b%20c--d"
        );
        assert_eq!(verbatim(" a \n b "), "a b");
    }

    #[test]
    fn deep_or_unclosed_accent_groups_do_not_overflow() {
        let deep = "\\'{".repeat(5000);
        let _ = decode(&deep);
        let nested = format!("{}e{}", "\\'{".repeat(10), "}".repeat(10));
        assert!(decode(&nested).starts_with('é'));
    }
}
