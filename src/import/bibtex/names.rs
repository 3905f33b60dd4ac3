//! BibTeX name lists: `author = {Last, First and First von Last and
//! {Barnes and Noble, Inc.}}`. Names are split at ` and ` outside braces;
//! each name is read in one of BibTeX's three forms ("First von Last",
//! "von Last, First", "von Last, Jr, First") or in BibLaTeX's extended form
//! (`family=Ackooij, given=W., prefix=van`). The family name keeps its "von"
//! part, as BibTeX's sorting form does; a "Jr" part is appended to the given
//! names (`P. T., Jr.`), the way such names are written in reference lists.

use super::super::Author;
use super::latex::decode;

/// The authors in a raw (undecoded) name-list value. `others` is skipped.
pub(super) fn parse(raw: &str) -> Vec<Author> {
    split_names(raw)
        .iter()
        .filter_map(|tokens| one(tokens))
        .collect()
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Comma,
}

/// Splits a name list into names, each a sequence of words and commas, all
/// at brace level 0. `~` separates words like a space does, `\~` does not.
fn split_names(raw: &str) -> Vec<Vec<Token>> {
    let mut names: Vec<Vec<Token>> = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut word = String::new();
    let mut level = 0usize;
    let mut escaped = false;
    for c in raw.chars() {
        // `\~n` and `\,` are LaTeX, not separators.
        if std::mem::take(&mut escaped) {
            word.push(c);
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                word.push(c);
            }
            '{' => {
                level += 1;
                word.push(c);
            }
            '}' => {
                level = level.saturating_sub(1);
                word.push(c);
            }
            c if level == 0 && (c.is_whitespace() || c == '~') => {
                finish_word(&mut word, &mut current, &mut names);
            }
            ',' if level == 0 => {
                finish_word(&mut word, &mut current, &mut names);
                current.push(Token::Comma);
            }
            c => word.push(c),
        }
    }
    finish_word(&mut word, &mut current, &mut names);
    names.push(current);
    names
}

/// Ends the word being read: ` and ` ends the name, anything else is a word.
fn finish_word(word: &mut String, current: &mut Vec<Token>, names: &mut Vec<Vec<Token>>) {
    if word.is_empty() {
        return;
    }
    if word.eq_ignore_ascii_case("and") {
        names.push(std::mem::take(current));
        word.clear();
    } else {
        current.push(Token::Word(std::mem::take(word)));
    }
}

fn one(tokens: &[Token]) -> Option<Author> {
    let mut parts: Vec<Vec<&str>> = vec![Vec::new()];
    for token in tokens {
        match token {
            Token::Comma => parts.push(Vec::new()),
            Token::Word(w) => {
                if let Some(part) = parts.last_mut() {
                    part.push(w);
                }
            }
        }
    }
    if let Some(author) = extended(&parts) {
        return Some(author);
    }
    // Empty parts come from stray commas (`A and ,`, `Smith,`).
    let parts: Vec<&[&str]> = parts
        .iter()
        .map(Vec::as_slice)
        .filter(|p| !p.is_empty())
        .collect();
    let author = match parts.as_slice() {
        [] => return None,
        [[only]] if only.eq_ignore_ascii_case("others") => return None,
        [words] => first_von_last(words),
        [family, given] => Author {
            family: join(family),
            given: join(given),
        },
        [family, jr, given @ ..] => {
            let mut given: Vec<String> = given.iter().map(|g| join(g)).collect();
            given.push(join(jr));
            Author {
                family: join(family),
                given: given.join(", "),
            }
        }
    };
    (!author.family.is_empty() || !author.given.is_empty()).then_some(author)
}

/// "First von Last": the family name starts at the first lowercase word
/// ("von", "van der", "de la") and always includes the last word.
fn first_von_last(words: &[&str]) -> Author {
    let Some((_, front)) = words.split_last() else {
        return Author::default();
    };
    let split = front
        .iter()
        .position(|w| starts_lowercase(w))
        .unwrap_or(front.len());
    let (given, family) = words.split_at(split);
    Author {
        family: join(family),
        given: join(given),
    }
}

/// BibLaTeX's `family=..., given=..., prefix=..., suffix=...` form.
fn extended(parts: &[Vec<&str>]) -> Option<Author> {
    let mut found = false;
    let (mut family, mut given, mut prefix, mut suffix) =
        (String::new(), String::new(), String::new(), String::new());
    for part in parts {
        let text = part.join(" ");
        let (key, value) = text.split_once('=')?;
        let value = decode(value);
        match key.trim().to_ascii_lowercase().as_str() {
            "family" => family = value,
            "given" => given = value,
            "prefix" => prefix = value,
            "suffix" => suffix = value,
            // `useprefix`, `given-i` and other options carry no name text.
            _ => continue,
        }
        found = true;
    }
    if !found {
        return None;
    }
    if !prefix.is_empty() {
        family = format!("{prefix} {family}");
    }
    if !suffix.is_empty() {
        given = if given.is_empty() {
            suffix
        } else {
            format!("{given}, {suffix}")
        };
    }
    Some(Author {
        family: family.trim().to_string(),
        given,
    })
}

fn join(words: &[&str]) -> String {
    decode(&words.join(" "))
}

/// BibTeX's "von" test: the first letter at brace level 0 is lowercase. A
/// word starting with a plain brace group (`{Barnes}`) is never "von"; one
/// starting with an accent group (`{\'e}`) takes the accented letter's case.
fn starts_lowercase(word: &str) -> bool {
    if word.starts_with('{') && !word.starts_with("{\\") {
        return false;
    }
    decode(word)
        .chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &str) -> Vec<(String, String)> {
        parse(raw)
            .into_iter()
            .map(|a| (a.family, a.given))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(f, g)| (f.to_string(), g.to_string()))
            .collect()
    }

    #[test]
    fn the_three_bibtex_forms() {
        assert_eq!(
            names("Last, First and First Last and Ludwig van Beethoven and van der Berg, J.-P."),
            pairs(&[
                ("Last", "First"),
                ("Last", "First"),
                ("van Beethoven", "Ludwig"),
                ("van der Berg", "J.-P."),
            ])
        );
        assert_eq!(
            names("Costa, Jr., P. T. and McCrae, R. R."),
            pairs(&[("Costa", "P. T., Jr."), ("McCrae", "R. R.")])
        );
    }

    #[test]
    fn braces_protect_and_commas_and_others_is_skipped() {
        assert_eq!(
            names("{Barnes and Noble, Inc.} and {R Core Team} and others"),
            pairs(&[("Barnes and Noble, Inc.", ""), ("R Core Team", "")])
        );
        assert_eq!(
            names("{{Abou-Ras}}, D. and Schock, H.-W."),
            pairs(&[("Abou-Ras", "D."), ("Schock", "H.-W.")])
        );
    }

    #[test]
    fn and_in_any_case_and_across_lines() {
        assert_eq!(
            names("Lesk, M. E. AND Kernighan,\n   B. W."),
            pairs(&[("Lesk", "M. E."), ("Kernighan", "B. W.")])
        );
    }

    #[test]
    fn accents_decoded_and_accented_von() {
        assert_eq!(
            names("Aks{\\i}n, {\\\"O}zge and Jean Laid{\\'e} and Jean~C{\\'e}sar"),
            pairs(&[("Aksın", "Özge"), ("Laidé", "Jean"), ("César", "Jean")])
        );
        assert_eq!(
            names("Charles Louis Xavier Joseph de la Vall{\\'e}e Poussin"),
            pairs(&[("de la Vallée Poussin", "Charles Louis Xavier Joseph")])
        );
    }

    #[test]
    fn biblatex_extended_names() {
        assert_eq!(
            names("family=Ackooij, given=W., prefix=van, useprefix=true and Danti Lopez, I."),
            pairs(&[("van Ackooij", "W."), ("Danti Lopez", "I.")])
        );
        assert_eq!(names("given=A=B, family=C"), pairs(&[("C", "A=B")]));
    }

    #[test]
    fn degenerate_lists() {
        assert_eq!(names(""), pairs(&[]));
        assert_eq!(names(" and , and "), pairs(&[]));
        assert_eq!(names("A and ,"), pairs(&[("A", "")]));
        assert_eq!(names("Hoffmann"), pairs(&[("Hoffmann", "")]));
        assert_eq!(names("{} and {{}}"), pairs(&[]));
    }
}
