//! Parses every file given on the command line and prints the failures.
//! `cargo run -p plimsoll-dockerfile --example parse_corpus -- FILES...`
fn main() {
    let mut ok = 0;
    let mut bad = 0;
    for p in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        let src = String::from_utf8_lossy(&bytes);
        match plimsoll_dockerfile::parse(&src) {
            Ok(d) => {
                ok += 1;
                for i in &d.instructions {
                    if let Some(t) = i.shell_text() {
                        let _ = plimsoll_dockerfile::shell::tokenize(t);
                    }
                }
            }
            Err(e) => {
                bad += 1;
                println!("{p}:{e}");
            }
        }
    }
    println!("ok {ok} failed {bad}");
}
