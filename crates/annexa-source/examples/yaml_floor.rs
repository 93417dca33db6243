//! The benchmark floor: read and parse every file given on the command line (or listed, one
//! per line, in the file named by `@LIST`) with the same YAML loader annexa uses, on as many
//! threads as annexa uses, and nothing else. Prints the number of files and how many parsed.

use std::sync::atomic::{AtomicUsize, Ordering};

fn main() {
    let mut files: Vec<String> = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.strip_prefix('@') {
            Some(list) => files.extend(
                std::fs::read_to_string(list)
                    .expect("read list")
                    .lines()
                    .map(String::from),
            ),
            None => files.push(arg),
        }
    }
    let ok = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        for part in files.chunks(chunk) {
            let ok = &ok;
            s.spawn(move || {
                for f in part {
                    let Ok(text) = std::fs::read_to_string(f) else {
                        continue;
                    };
                    if yaml_serde::from_str::<yaml_serde::Value>(&text).is_ok() {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    println!(
        "{} files, {} parsed",
        files.len(),
        ok.load(Ordering::Relaxed)
    );
}
