//! The Groovy lexer, written with winnow: it turns a Jenkinsfile into a tree of tokens in
//! which every bracket pair `()` / `[]` / `{}` is one [`Tok`] holding its contents (like a
//! Rust token tree). Comments and whitespace are dropped; newlines and `;` stay, because they
//! separate Groovy statements. Strings are decoded (escapes, GString `${..}` kept as written).
//!
//! The lexer is where a file "does not lex at all": an unterminated string or comment, an
//! unbalanced bracket, or nesting deeper than [`MAX_DEPTH`] is refused with its position.
//! Everything the later stages see is balanced and bounded, so they may recurse freely.

use annexa_model::Span;
use winnow::combinator::{alt, peek};
use winnow::error::{ContextError, ErrMode, ModalResult};
use winnow::prelude::*;
use winnow::stream::{LocatingSlice, Location, Stateful, Stream};
use winnow::token::{any, literal, take_until, take_while};

/// Deepest bracket / `${..}` nesting accepted. Real Jenkinsfiles stay below 20; the bound keeps
/// hostile input (10 000 nested braces) from exhausting the stack in the recursive parsers.
pub const MAX_DEPTH: usize = 100;

/// The delimiter of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delim {
    Paren,
    Bracket,
    Brace,
}

/// How a string literal was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrKind {
    Single,
    Double,
    TripleSingle,
    TripleDouble,
    Slashy,
    DollarSlashy,
}

/// A decoded string literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrLit {
    /// The value with escapes decoded; `${..}` interpolations are kept as written.
    pub value: String,
    pub kind: StrKind,
    /// Whether the literal is a GString with `${..}` or `$name` in it.
    pub interpolated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokKind<'a> {
    /// An identifier or keyword.
    Word(&'a str),
    Num,
    Str(Box<StrLit>),
    Punct(&'a str),
    /// A newline or `;`: the end of a statement, unless the statement continues.
    Newline,
    /// A bracket pair and what is inside; the token's span covers both brackets.
    Group(Delim, Vec<Tok<'a>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tok<'a> {
    pub kind: TokKind<'a>,
    pub span: Span,
}

impl<'a> Tok<'a> {
    pub fn word(&self) -> Option<&'a str> {
        match self.kind {
            TokKind::Word(w) => Some(w),
            _ => None,
        }
    }

    pub fn is_punct(&self, p: &str) -> bool {
        matches!(self.kind, TokKind::Punct(x) if x == p)
    }

    pub fn group(&self, d: Delim) -> Option<&[Tok<'a>]> {
        match &self.kind {
            TokKind::Group(x, items) if *x == d => Some(items),
            _ => None,
        }
    }

    pub fn str_lit(&self) -> Option<&StrLit> {
        match &self.kind {
            TokKind::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Why the text does not lex, with the byte offset where it went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Default)]
struct State {
    depth: usize,
    /// Whether the previous token ends a value, so that a `/` after it divides; elsewhere a
    /// `/` opens a slashy string (Groovy's own rule).
    prev_value: bool,
    error: Option<LexError>,
}

type In<'a> = Stateful<LocatingSlice<&'a str>, State>;

fn rest<'a>(i: &In<'a>) -> &'a str {
    *i.input
}

/// Consume one character.
fn bump(i: &mut In<'_>) -> char {
    i.next_token().unwrap_or('\0')
}

fn pos(i: &In<'_>) -> usize {
    i.current_token_start()
}

/// Record a refusal and stop: the first error recorded wins.
fn fail<T>(i: &mut In<'_>, offset: usize, message: impl Into<String>) -> ModalResult<T> {
    if i.state.error.is_none() {
        i.state.error = Some(LexError {
            offset,
            message: message.into(),
        });
    }
    Err(ErrMode::Cut(ContextError::new()))
}

/// Lex a whole file into its top-level tokens.
pub fn lex(text: &str) -> Result<Vec<Tok<'_>>, LexError> {
    let mut input = In {
        input: LocatingSlice::new(text),
        state: State::default(),
    };
    // A shebang line (`#!groovy`) is not Groovy syntax but is allowed on the first line.
    if text.starts_with("#!") {
        let _: ModalResult<&str> = take_while(0.., |c| c != '\n').parse_next(&mut input);
    }
    match sequence(&mut input, None) {
        Ok(toks) => Ok(toks),
        Err(_) => Err(input.state.error.take().unwrap_or(LexError {
            offset: pos(&input),
            message: "not understood".into(),
        })),
    }
}

/// Tokens up to the closing bracket `close` (consumed), or to the end of the input.
fn sequence<'a>(i: &mut In<'a>, close: Option<(char, usize)>) -> ModalResult<Vec<Tok<'a>>> {
    let mut out = Vec::new();
    loop {
        trivia(i)?;
        let at = pos(i);
        match rest(i).chars().next() {
            None => {
                return match close {
                    None => Ok(out),
                    Some((c, open)) => fail(
                        i,
                        open,
                        format!(
                            "this bracket is never closed (expected `{c}` before the end of the file)"
                        ),
                    ),
                };
            }
            Some(c @ (')' | ']' | '}')) => {
                return match close {
                    Some((want, _)) if want == c => {
                        bump(i);
                        Ok(out)
                    }
                    Some((want, _)) => fail(i, at, format!("unexpected `{c}` (expected `{want}`)")),
                    None => fail(i, at, format!("unexpected `{c}` with no bracket open")),
                };
            }
            Some(_) => out.push(token(i)?),
        }
    }
}

/// Spaces, comments and line continuations.
fn trivia(i: &mut In<'_>) -> ModalResult<()> {
    loop {
        let _: &str = take_while(0.., [' ', '\t', '\r', '\u{feff}', '\u{c}']).parse_next(i)?;
        let r = rest(i);
        if r.starts_with("//") {
            let _: &str = take_while(0.., |c| c != '\n').parse_next(i)?;
        } else if r.starts_with("/*") {
            let at = pos(i);
            let body: ModalResult<&str> = (literal("/*"), take_until(0.., "*/"), literal("*/"))
                .take()
                .parse_next(i);
            if body.is_err() {
                return fail(i, at, "this block comment is never closed (`*/` missing)");
            }
        } else if r.starts_with("\\\n") || r.starts_with("\\\r\n") {
            let _: &str = alt((literal("\\\n"), literal("\\\r\n"))).parse_next(i)?;
        } else {
            return Ok(());
        }
    }
}

const PUNCTS: &[&str] = &[
    "==~", "<=>", "...", "?.", "*.", ".&", "->", "==", "!=", "<=", ">=", "&&", "||", "?:", "++",
    "--", "+=", "-=", "*=", "/=", "=~", "..", "<<", ">>", "**", "::",
];

fn token<'a>(i: &mut In<'a>) -> ModalResult<Tok<'a>> {
    let start = pos(i);
    let r = rest(i);
    let c = r.chars().next().unwrap_or(' ');
    let (kind, value) = match c {
        '\n' => {
            bump(i);
            (TokKind::Newline, false)
        }
        ';' => (TokKind::Punct(i.next_slice(1)), false),
        '(' | '[' | '{' => {
            let delim = match c {
                '(' => Delim::Paren,
                '[' => Delim::Bracket,
                _ => Delim::Brace,
            };
            let close = match c {
                '(' => ')',
                '[' => ']',
                _ => '}',
            };
            bump(i);
            let items = nested(i, start, |i| sequence(i, Some((close, start))))?;
            (TokKind::Group(delim, items), true)
        }
        '\'' | '"' => (TokKind::Str(Box::new(string(i)?)), true),
        '$' if r.starts_with("$/") => (TokKind::Str(Box::new(dollar_slashy(i)?)), true),
        '/' if !i.state.prev_value => (TokKind::Str(Box::new(slashy(i)?)), true),
        c if c.is_ascii_digit() => {
            number(i)?;
            (TokKind::Num, true)
        }
        c if c.is_alphabetic() || c == '_' || c == '$' => {
            let w: &str = take_while(1.., |c: char| c.is_alphanumeric() || c == '_' || c == '$')
                .parse_next(i)?;
            // After `return` and friends a `/` starts a string, not a division.
            let value = !matches!(w, "return" | "case" | "in" | "assert" | "throw");
            (TokKind::Word(w), value)
        }
        _ => {
            let p = match PUNCTS.iter().find(|p| r.starts_with(**p)) {
                Some(p) => literal(*p).parse_next(i)?,
                None => {
                    let n = c.len_utf8();
                    i.next_slice(n)
                }
            };
            (TokKind::Punct(p), false)
        }
    };
    i.state.prev_value = value;
    Ok(Tok {
        kind,
        span: Span { start, end: pos(i) },
    })
}

/// Run `inner` one nesting level deeper, refusing beyond [`MAX_DEPTH`].
fn nested<'a, T>(
    i: &mut In<'a>,
    at: usize,
    inner: impl FnOnce(&mut In<'a>) -> ModalResult<T>,
) -> ModalResult<T> {
    if i.state.depth >= MAX_DEPTH {
        return fail(
            i,
            at,
            format!("brackets nested deeper than {MAX_DEPTH} levels; refused"),
        );
    }
    i.state.depth += 1;
    i.state.prev_value = false;
    let out = inner(i);
    i.state.depth -= 1;
    out
}

fn number(i: &mut In<'_>) -> ModalResult<()> {
    let _: &str = take_while(1.., |c: char| c.is_ascii_alphanumeric() || c == '_').parse_next(i)?;
    // A fraction, but not a range (`1..3`) or a method call (`1.times`).
    let r = rest(i);
    if r.starts_with('.') && r[1..].starts_with(|c: char| c.is_ascii_digit()) {
        let _: &str = literal(".").parse_next(i)?;
        let _: &str =
            take_while(1.., |c: char| c.is_ascii_alphanumeric() || c == '_').parse_next(i)?;
    }
    Ok(())
}

/// Quoted strings: `'..'`, `".."`, `'''..'''`, `"""..."""`.
fn string(i: &mut In<'_>) -> ModalResult<StrLit> {
    let start = pos(i);
    let r = rest(i);
    let (kind, close, gstring): (StrKind, &str, bool) = if r.starts_with("'''") {
        (StrKind::TripleSingle, "'''", false)
    } else if r.starts_with("\"\"\"") {
        (StrKind::TripleDouble, "\"\"\"", true)
    } else if r.starts_with('\'') {
        (StrKind::Single, "'", false)
    } else {
        (StrKind::Double, "\"", true)
    };
    let multiline = close.len() == 3;
    let _ = i.next_slice(close.len());
    let mut value = String::new();
    let mut interpolated = false;
    loop {
        let r = rest(i);
        if r.starts_with(close) {
            let _ = i.next_slice(close.len());
            break;
        }
        let Some(c) = r.chars().next() else {
            return fail(i, start, "this string is never closed");
        };
        match c {
            '\n' if !multiline => {
                return fail(i, start, "this string is not closed on its line");
            }
            '\\' => escape(i, &mut value)?,
            '$' if gstring && r.starts_with("${") => {
                interpolated = true;
                value.push_str(interpolation(i)?);
            }
            '$' if gstring && r[1..].starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                interpolated = true;
                value.push(bump(i));
            }
            _ => value.push(any.parse_next(i)?),
        }
    }
    Ok(StrLit {
        value,
        kind,
        interpolated,
    })
}

/// `${ .. }` inside a GString: the tokens inside are lexed (so braces and strings in them
/// nest correctly) and the text is kept as written.
fn interpolation<'a>(i: &mut In<'a>) -> ModalResult<&'a str> {
    let start = pos(i);
    let r = rest(i);
    let _ = i.next_slice(2);
    let saved = i.state.prev_value;
    nested(i, start, |i| sequence(i, Some(('}', start))))?;
    i.state.prev_value = saved;
    let len = pos(i) - start;
    Ok(&r[..len])
}

fn escape(i: &mut In<'_>, value: &mut String) -> ModalResult<()> {
    let at = pos(i);
    let _ = i.next_slice(1);
    let Some(c) = any::<_, ContextError>.parse_next(i).ok() else {
        return fail(i, at, "a string ends in the middle of an escape");
    };
    match c {
        'n' => value.push('\n'),
        't' => value.push('\t'),
        'r' => value.push('\r'),
        'b' => value.push('\u{8}'),
        'f' => value.push('\u{c}'),
        '0' => value.push('\0'),
        // A backslash before a line break continues the line.
        '\n' => {}
        'u' => {
            let hex: ModalResult<&str> =
                take_while(4, |c: char| c.is_ascii_hexdigit()).parse_next(i);
            match hex
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                Some(ch) => value.push(ch),
                None => value.push_str("\\u"),
            }
        }
        other => value.push(other),
    }
    Ok(())
}

/// `/ .. /`: only `\/` is an escape; `${..}` interpolates.
fn slashy(i: &mut In<'_>) -> ModalResult<StrLit> {
    let start = pos(i);
    let _ = i.next_slice(1);
    let mut value = String::new();
    let mut interpolated = false;
    loop {
        let r = rest(i);
        if r.starts_with("\\/") {
            let _ = i.next_slice(2);
            value.push('/');
        } else if r.starts_with('/') {
            let _ = i.next_slice(1);
            break;
        } else if r.starts_with("${") {
            interpolated = true;
            value.push_str(interpolation(i)?);
        } else if let Some(c) = r.chars().next() {
            value.push(c);
            let _ = i.next_slice(c.len_utf8());
        } else {
            return fail(i, start, "this slashy string (`/../`) is never closed");
        }
    }
    Ok(StrLit {
        value,
        kind: StrKind::Slashy,
        interpolated,
    })
}

/// `$/ .. /$`: `$$` and `$/` are escapes; `${..}` interpolates.
fn dollar_slashy(i: &mut In<'_>) -> ModalResult<StrLit> {
    let start = pos(i);
    let _ = i.next_slice(2);
    let mut value = String::new();
    let mut interpolated = false;
    loop {
        let r = rest(i);
        if r.starts_with("/$") {
            let _ = i.next_slice(2);
            break;
        } else if r.starts_with("$$") || r.starts_with("$/") {
            let _ = i.next_slice(1);
            let c: char = peek(any).parse_next(i)?;
            let _ = i.next_slice(1);
            value.push(c);
        } else if r.starts_with("${") {
            interpolated = true;
            value.push_str(interpolation(i)?);
        } else if let Some(c) = r.chars().next() {
            value.push(c);
            let _ = i.next_slice(c.len_utf8());
        } else {
            return fail(
                i,
                start,
                "this dollar-slashy string (`$/../$`) is never closed",
            );
        }
    }
    Ok(StrLit {
        value,
        kind: StrKind::DollarSlashy,
        interpolated,
    })
}
