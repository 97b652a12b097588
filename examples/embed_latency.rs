//! scratch: single-query embedding latency by token length
use std::time::Instant;
use aida::knowledge::Embedder;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let e = Embedder::load(std::path::Path::new(&dir)).unwrap();
    let base = "KubePodCrashLooping pod api-7d9f is restarting frequently because the container exits with code 137 after the readiness probe fails and the memory limit is reached on node worker-3 in namespace payments";
    let words: Vec<&str> = base.split(' ').collect();
    for n in [4usize, 8, 16, 32] {
        let n = n.min(words.len());
        let text = words[..n].join(" ");
        let toks = e.token_count(&text).unwrap();
        e.embed_one(&text).unwrap();
        let mut ts = Vec::new();
        for _ in 0..30 { let t = Instant::now(); e.embed_one(&text).unwrap(); ts.push(t.elapsed().as_secs_f64()*1000.0); }
        ts.sort_by(|a,b| a.partial_cmp(b).unwrap());
        println!("{toks} tokens: p50 {:.2} ms min {:.2}", ts[15], ts[0]);
    }
}
