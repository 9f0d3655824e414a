//! Replaces one generated section of a markdown file with a file's content:
//! `section <markdown file> <section name> <body file>` (used by `scripts/bench`
//! for the figures shell commands produce); `section --machine` prints the
//! machine line every benchmark names.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["--machine"] {
        println!("{}", zkmltrack_bench::machine());
        return;
    }
    let [doc, name, body] = args.as_slice() else {
        eprintln!("usage: section <markdown file> <section name> <body file>");
        std::process::exit(2);
    };
    let body = std::fs::read_to_string(body).unwrap_or_else(|e| panic!("cannot read {body}: {e}"));
    zkmltrack_bench::replace_section(Path::new(doc), name, &body);
}
