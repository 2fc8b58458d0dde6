// SPDX-License-Identifier: MIT
// Peer: Rust's std::process (std only).
//
// Usage: peer-rust MODE COUNT HEAP_MIB NFDS BYTES CHILD [ARGS...]
// Prints one line per sample: the nanoseconds that one spawn (and its wait,
// capture or communicate) took.
use std::fs::File;
use std::io::{Read, Write};
use std::process::{exit, Command, Stdio};
use std::time::Instant;

fn num(s: &str) -> usize {
    s.parse().unwrap_or_else(|_| {
        eprintln!("peer-rust: not a number: {}", s);
        exit(2)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 7 {
        eprintln!("usage: peer-rust MODE COUNT HEAP_MIB NFDS BYTES CHILD [ARGS...]");
        exit(2);
    }
    let mode = args[1].as_str();
    let (count, heap_mib, nfds, nbytes) = (num(&args[2]), num(&args[3]), num(&args[4]), num(&args[5]));
    let (prog, rest) = (&args[6], &args[7..]);

    let mut heap = vec![0u8; heap_mib << 20];
    for i in (0..heap.len()).step_by(4096) {
        heap[i] = 1;
    }
    let files: Vec<File> = (0..nfds).map(|_| File::open("/dev/null").expect("open")).collect();
    let input = if mode == "communicate" { vec![b'x'; nbytes] } else { Vec::new() };

    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let mut cmd = Command::new(prog);
        cmd.args(rest);
        let t0 = Instant::now();
        let got = match mode {
            "spawn" => {
                cmd.status().expect("spawn");
                0
            }
            "capture" => cmd.output().expect("spawn").stdout.len(),
            _ => {
                // output() cannot feed stdin, so a thread writes while
                // this one reads, which is what communicate means.
                let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("spawn");
                let mut stdin = child.stdin.take().unwrap();
                let mut stdout = child.stdout.take().unwrap();
                std::thread::scope(|s| {
                    s.spawn(|| {
                        let _ = stdin.write_all(&input);
                        drop(stdin);
                    });
                    let mut out = Vec::new();
                    stdout.read_to_end(&mut out).expect("read");
                    child.wait().expect("wait");
                    out.len()
                })
            }
        };
        samples.push(t0.elapsed().as_nanos());
        if mode != "spawn" && got != nbytes {
            eprintln!("peer-rust: read {} bytes, want {}", got, nbytes);
            exit(1);
        }
    }
    drop(files);
    drop(heap);
    let mut text = String::new();
    for s in samples {
        text.push_str(&s.to_string());
        text.push('\n');
    }
    std::io::stdout().write_all(text.as_bytes()).unwrap();
}
