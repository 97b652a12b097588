#!/usr/bin/env python3
"""Reference fixtures for AIDA's Gemma 3 engine (tests/fixtures/llm/). Run by
scripts/make-llm-reference.sh; CI never runs it, the tests only read its output.

- tokenizer.jsonl: {"text", "ids"} for 200+ varied strings, ids from Hugging Face transformers'
  GGUF tokenizer conversion, cross-checked against llama.cpp's llama-tokenize.
- nll.json: mean natural-log NLL of each long text (> 1024 tokens) scored as one sequence
  [BOS, t1..tN] by transformers float32 on the dequantized GGUF weights.
- greedy.json: llama.cpp's greedy continuation (64 tokens) of a > 1000-token prompt, as ids.
"""
import json
import os
import random
import subprocess
import sys
from pathlib import Path

GGUF = Path(sys.argv[1])
LLAMA_BIN = Path(sys.argv[2])
OUT = Path(sys.argv[3])
TEXTS = OUT / "texts"


def strings():
    """Varied strings: prose, code, logs, whitespace runs, unicode, numbers, HTML, specials-free."""
    base = [
        "Hello world",
        " Hello world",
        "Hello  world",
        "hello\nworld",
        "\n\n\nthree newlines",
        "tabs\tand\t\tmore\ttabs",
        "    indented code",
        "trailing spaces   ",
        "",
        " ",
        "a",
        "ñandú café naïve",
        "Grüße aus München",
        "日本語のテキスト",
        "中文测试句子。",
        "Привет, мир!",
        "مرحبا بالعالم",
        "🙂🚀🔥 emoji run",
        "x² + y² = z²",
        "3.14159 2.71828 1e-6 0x1F 1_000_000",
        "2026-11-24T01:13:43Z",
        "<div class=\"alert\">Pod OOMKilled</div>",
        "<table><tr><td>cell</td></tr></table>",
        "kubectl get pods -n payments --field-selector=status.phase!=Running",
        "Back-off restarting failed container api in pod api-7d9f8c6b5-x2x7q_payments",
        "container \"worker\" in pod \"etl-28790515-abcde\" is waiting to start: image can't be pulled",
        "Liveness probe failed: HTTP probe failed with statuscode: 503",
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available",
        "rate(container_cpu_usage_seconds_total{namespace=\"prod\"}[5m]) > 0.9",
        "fn main() { println!(\"{}\", 1 + 2); }",
        "def f(x):\n    return x ** 2\n",
        "SELECT * FROM incidents WHERE status = 'open';",
        "{\"category\": \"oom_killed\", \"confidence\": 0.92}",
        "C:\\Users\\admin\\AppData",
        "https://example.com/path?q=1&r=two#frag",
        "user@example.org",
        "ALL CAPS SENTENCE HERE",
        "MiXeD CaSe WoRdS",
        "don't won't can't it's",
        "--flag=value -x -vvv",
        "a,b;c:d.e!f?g",
        "((nested (parens)))",
        "[1, 2, 3] {a: b}",
        "~!@#$%^&*()_+`-=",
        "\u00a0non-breaking\u00a0space",
        "zero\u200bwidth",
        "line\r\nwindows",
        "    \n    \n",
        "word" * 20,
        "the " * 30,
        "OOMKilled OOMKilled OOMKilled",
        "Error: connect ECONNREFUSED 10.0.0.12:5432",
        "java.lang.OutOfMemoryError: Java heap space",
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "x509: certificate has expired or is not yet valid",
    ]
    rng = random.Random(1234)
    corpus = []
    for p in sorted(Path(__file__).resolve().parent.parent.glob("docs/*.md")) + sorted(
        Path(__file__).resolve().parent.parent.glob("src/**/*.rs")
    ):
        corpus.append(p.read_text(encoding="utf-8"))
    corpus = "\n".join(corpus)
    while len(base) < 220:
        n = rng.choice([5, 20, 60, 150, 400])
        start = rng.randrange(0, max(1, len(corpus) - n))
        base.append(corpus[start : start + n])
    return base


def llama_tokenize(text, bos=True):
    out = subprocess.run(
        [str(LLAMA_BIN / "llama-tokenize"), "-m", str(GGUF), "--ids", "--log-disable",
         "--stdin"] + ([] if bos else ["--no-bos"]),
        input=text.encode(), capture_output=True, check=True,
    ).stdout.decode()
    line = [l for l in out.splitlines() if l.startswith("[")][-1]
    return json.loads(line)


def main():
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    OUT.mkdir(parents=True, exist_ok=True)
    d, f = str(GGUF.parent), GGUF.name
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    rows, mismatch = [], 0
    for s in strings():
        ids = tok(s)["input_ids"]
        try:
            ll = llama_tokenize(s)
        except Exception as e:  # noqa: BLE001
            ll = None
            print("llama-tokenize failed on", repr(s[:40]), e, file=sys.stderr)
        if ll is not None and ll != ids:
            mismatch += 1
            print("transformers/llama.cpp differ on", repr(s[:60]), file=sys.stderr)
        rows.append({"text": s, "ids": ids, "llama_cpp_agrees": ll == ids})
    with open(OUT / "tokenizer.jsonl", "w") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"tokenizer: {len(rows)} strings, {mismatch} differ between transformers and llama.cpp")

    model = AutoModelForCausalLM.from_pretrained(
        d, gguf_file=f, torch_dtype=torch.float32, attn_implementation="eager"
    )
    model.eval()
    torch.set_num_threads(2)
    nll = {}
    for p in sorted(TEXTS.glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        ids = tok(text)["input_ids"]
        x = torch.tensor([ids])
        with torch.no_grad():
            logits = model(x).logits[0, :-1].float()
        lp = torch.log_softmax(logits, -1)
        tgt = x[0, 1:]
        nl = -lp.gather(1, tgt[:, None])[:, 0]
        nll[p.name] = {"tokens": len(ids) - 1, "nll_mean": nl.mean().item()}
        print(p.name, nll[p.name])
    (OUT / "nll.json").write_text(json.dumps(nll, indent=1) + "\n")

    # llama.cpp greedy continuation of the long prose text.
    prompt = (TEXTS / "prose.txt").read_text(encoding="utf-8")
    out = subprocess.run(
        [str(LLAMA_BIN / "llama-completion"), "-m", str(GGUF), "-f", str(TEXTS / "prose.txt"),
         "-n", "64", "--temp", "0", "-t", "2", "--no-display-prompt", "-no-cnv",
         "--ignore-eos", "-c", "4096"],
        capture_output=True, check=True, stdin=subprocess.DEVNULL,
    ).stdout.decode("utf-8", errors="replace")
    # llama.cpp prints text, not ids: re-tokenize the continuation alone (no BOS), as generated
    # tokens never merge with the prompt's last token.
    cont = llama_tokenize(out, bos=False)[:64]
    greedy = {"text": "prose.txt", "continuation": out, "continuation_ids": cont}
    (OUT / "greedy.json").write_text(json.dumps(greedy, indent=1, ensure_ascii=False) + "\n")
    print("greedy:", len(cont), "tokens;", repr(out[:80]))


if __name__ == "__main__":
    main()
