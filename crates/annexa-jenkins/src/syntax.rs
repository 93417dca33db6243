//! Groovy statements and calls over the token tree: the part of Groovy's grammar the
//! declarative pipeline is written in. A block is split into statements at newlines (unless
//! the statement visibly continues); a statement is read as a method call — `name(args)
//! { closure }`, `name args` (a command expression), `name { closure }` — an assignment, or
//! something else (kept as tokens, searched but not interpreted).

use annexa_model::Span;

use crate::lex::{Delim, StrLit, Tok, TokKind};

/// One statement: its tokens without the newlines inside it.
pub type Stmt<'t, 'a> = Vec<&'t Tok<'a>>;

/// Tokens after which a newline does not end the statement.
const CONTINUES_AFTER: &[&str] = &[
    ",", "=", "+", "-", "*", "/", "&&", "||", "?", ":", ".", "?.", "*.", "->", "==", "!=", "+=",
    "-=", "<<", "?:", "&", "|", "<", ">", "<=", ">=", "=~", "==~", "!",
];

/// Tokens before which a newline does not end the statement.
const CONTINUES_BEFORE: &[&str] = &[".", "?.", "*.", "&&", "||", "?", ":", "?:"];

/// Split a block's tokens into statements.
pub fn statements<'t, 'a>(toks: &'t [Tok<'a>]) -> Vec<Stmt<'t, 'a>> {
    let mut out: Vec<Stmt<'t, 'a>> = Vec::new();
    let mut cur: Stmt<'t, 'a> = Vec::new();
    for (n, t) in toks.iter().enumerate() {
        if t.is_punct(";") {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if t.kind != TokKind::Newline {
            cur.push(t);
            continue;
        }
        if cur.is_empty() {
            continue;
        }
        let after = cur
            .last()
            .is_some_and(|l| matches!(l.kind, TokKind::Punct(p) if CONTINUES_AFTER.contains(&p)));
        let next = toks[n + 1..].iter().find(|t| t.kind != TokKind::Newline);
        // `} else {`, `} catch (e) {`, a method chain on the next line, and a brace on its
        // own line (`stage('x')\n{`, Allman style) continue the statement.
        let before = next.is_some_and(|t| match &t.kind {
            TokKind::Punct(p) => CONTINUES_BEFORE.contains(p),
            TokKind::Word(w) => matches!(*w, "else" | "catch" | "finally"),
            TokKind::Group(Delim::Brace, _) => true,
            _ => false,
        });
        if !(after || before) {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The span from the first to the last token.
pub fn span_of(toks: &[&Tok<'_>]) -> Option<Span> {
    Some(Span {
        start: toks.first()?.span.start,
        end: toks.last()?.span.end,
    })
}

/// One argument: `name: value` or a positional value.
#[derive(Clone, Debug)]
pub struct Arg<'t, 'a> {
    pub name: Option<&'t str>,
    pub value: Vec<&'t Tok<'a>>,
}

impl<'t, 'a> Arg<'t, 'a> {
    pub fn span(&self) -> Option<Span> {
        span_of(&self.value)
    }

    /// The value when it is a single string literal.
    pub fn str_lit(&self) -> Option<(&'t StrLit, Span)> {
        match self.value.as_slice() {
            [t] => t.str_lit().map(|s| (s, t.span)),
            _ => None,
        }
    }

    /// The value when it is one word (`true`, `any`, a variable).
    pub fn word(&self) -> Option<&'a str> {
        match self.value.as_slice() {
            [t] => t.word(),
            _ => None,
        }
    }

    /// The value read as a call (`credentials('id')`), if it is one.
    pub fn call(&self) -> Option<Call<'t, 'a>> {
        Call::parse(&self.value)
    }

    /// The items of a list literal `[a, b]`, or the value itself as a one-item list.
    pub fn list(&self) -> Vec<Arg<'t, 'a>> {
        match self.value.as_slice() {
            [t] => match t.group(Delim::Bracket) {
                Some(items) => split_args(&items.iter().collect::<Vec<_>>()),
                None => vec![self.clone()],
            },
            _ => vec![self.clone()],
        }
    }
}

/// Split argument tokens at top-level commas; `name: value` pieces become named arguments.
pub fn split_args<'t, 'a>(toks: &[&'t Tok<'a>]) -> Vec<Arg<'t, 'a>> {
    let toks: Vec<&'t Tok<'a>> = toks
        .iter()
        .copied()
        .filter(|t| t.kind != TokKind::Newline)
        .collect();
    toks.split(|t| t.is_punct(","))
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let name = match piece {
                [k, colon, _, ..] if colon.is_punct(":") => match &k.kind {
                    TokKind::Word(w) => Some(*w),
                    TokKind::Str(s) => Some(s.value.as_str()),
                    _ => None,
                },
                _ => None,
            };
            let value = if name.is_some() {
                piece[2..].to_vec()
            } else {
                piece.to_vec()
            };
            Arg { name, value }
        })
        .collect()
}

/// A method call statement or expression.
#[derive(Clone, Debug)]
pub struct Call<'t, 'a> {
    /// The method name, dotted when qualified (`docker.image`, `infra.checkoutSCM`).
    pub name: String,
    /// The name and the parenthesised arguments: one line, for locations.
    pub head: Span,
    pub args: Vec<Arg<'t, 'a>>,
    /// The trailing closure's statements' tokens.
    pub closure: Option<&'t [Tok<'a>]>,
    /// The whole call.
    pub span: Span,
    /// Tokens after the call (`.trim()`), if any.
    pub rest: Vec<&'t Tok<'a>>,
}

const NOT_CALLS: &[&str] = &[
    "if",
    "else",
    "for",
    "while",
    "switch",
    "try",
    "catch",
    "finally",
    "return",
    "def",
    "import",
    "new",
    "throw",
    "class",
    "package",
    "case",
    "do",
    "assert",
    "break",
    "continue",
    "final",
    "static",
    "private",
    "public",
    "protected",
    "true",
    "false",
    "null",
    "this",
    "super",
];

impl<'t, 'a> Call<'t, 'a> {
    pub fn named(&self, name: &str) -> Option<&Arg<'t, 'a>> {
        self.args.iter().find(|a| a.name == Some(name))
    }

    pub fn positional(&self, n: usize) -> Option<&Arg<'t, 'a>> {
        self.args.iter().filter(|a| a.name.is_none()).nth(n)
    }

    /// The first positional argument, else the named one: `sh 'x'` / `sh(script: 'x')`.
    pub fn arg(&self, name: &str) -> Option<&Arg<'t, 'a>> {
        self.positional(0).or_else(|| self.named(name))
    }

    /// Read a statement (or an expression) as a call.
    pub fn parse(toks: &[&'t Tok<'a>]) -> Option<Call<'t, 'a>> {
        let toks: Vec<&'t Tok<'a>> = toks
            .iter()
            .copied()
            .filter(|t| t.kind != TokKind::Newline)
            .collect();
        let first = toks.first()?;
        let w = first.word()?;
        if NOT_CALLS.contains(&w) {
            return None;
        }
        let mut name = w.to_owned();
        let mut n = 1;
        while n + 1 < toks.len()
            && (toks[n].is_punct(".") || toks[n].is_punct("?."))
            && toks[n + 1].word().is_some()
        {
            name.push('.');
            name.push_str(toks[n + 1].word().unwrap_or_default());
            n += 2;
        }
        let head_start = first.span.start;
        let mut head_end = toks[n - 1].span.end;
        let mut args = Vec::new();
        let mut closure = None;
        let mut rest = Vec::new();
        match toks.get(n) {
            None => {}
            Some(t) if t.group(Delim::Paren).is_some() => {
                let inner = t.group(Delim::Paren).unwrap_or_default();
                args = split_args(&inner.iter().collect::<Vec<_>>());
                head_end = t.span.end;
                n += 1;
                if let Some(b) = toks.get(n).and_then(|t| t.group(Delim::Brace)) {
                    closure = Some(b);
                    n += 1;
                }
                rest = toks[n..].to_vec();
            }
            Some(t) if t.group(Delim::Brace).is_some() => {
                closure = t.group(Delim::Brace);
                rest = toks[n + 1..].to_vec();
            }
            // `x = ..`, `x += ..`, `x.y = ..`, `x[0]`, `x ? a : b`: not calls.
            Some(t)
                if matches!(t.kind, TokKind::Punct(_))
                    && !t.is_punct("-")
                    && !t.is_punct("!")
                    && !t.is_punct("/") =>
            {
                return None;
            }
            Some(t) if t.group(Delim::Bracket).is_some() && toks.len() == n + 1 => {
                // `x[..]` alone is an index expression, but `sshagent ['id']` cannot be
                // told apart from it; a command with one list argument is the useful reading.
                args = split_args(&toks[n..]);
                head_end = t.span.end;
            }
            Some(_) => {
                // A command expression: `sh 'make'`, `label 'x'`, `values 'a', 'b'`. A
                // trailing closure is its last argument.
                let mut end = toks.len();
                if let Some(b) = toks.last().and_then(|t| t.group(Delim::Brace))
                    && end > n + 1
                {
                    closure = Some(b);
                    end -= 1;
                }
                args = split_args(&toks[n..end]);
                if let Some(l) = toks.get(end - 1) {
                    head_end = l.span.end.max(head_end);
                }
            }
        }
        let span = span_of(&toks)?;
        Some(Call {
            name,
            head: Span {
                start: head_start,
                end: head_end,
            },
            args,
            closure,
            span,
            rest,
        })
    }
}

/// `NAME = value` (with an optional `def` or type before it): the name and the value tokens.
pub fn assignment<'t, 'a>(stmt: &[&'t Tok<'a>]) -> Option<(&'t Tok<'a>, Vec<&'t Tok<'a>>)> {
    let eq = stmt.iter().position(|t| t.is_punct("="))?;
    let before = &stmt[..eq];
    let name = *before.last()?;
    name.word()?;
    if before.iter().any(|t| t.word().is_none()) || before.len() > 3 {
        return None;
    }
    Some((name, stmt[eq + 1..].to_vec()))
}

/// A method definition `def name(..) { .. }` / `String name(..) { .. }`: its name.
pub fn function_definition<'a>(stmt: &[&Tok<'a>]) -> Option<&'a str> {
    match stmt {
        [.., name, params, body]
            if stmt.len() >= 4
                && params.group(Delim::Paren).is_some()
                && body.group(Delim::Brace).is_some()
                && stmt[..stmt.len() - 2].iter().all(|t| t.word().is_some()) =>
        {
            name.word()
        }
        _ => None,
    }
}
