"""sentence-transformers side of scripts/bench-retrieval.sh: embeds the same texts as AIDA's
candle embedder (one JSON string per line) and prints sentences/s as JSON."""
import json
import sys
import time

from sentence_transformers import SentenceTransformer

model_dir, texts_path = sys.argv[1], sys.argv[2]
texts = [json.loads(line) for line in open(texts_path, encoding="utf-8") if line.strip()]
model = SentenceTransformer(model_dir, device="cpu")
model.max_seq_length = int(sys.argv[3]) if len(sys.argv) > 3 else 256
model.encode(texts[:64], batch_size=32)  # warm-up
start = time.perf_counter()
model.encode(texts, batch_size=32, normalize_embeddings=True)
seconds = time.perf_counter() - start
import torch  # noqa: E402

print(json.dumps({"texts": len(texts), "seconds": seconds, "sentences_per_s": len(texts) / seconds,
                  "torch": torch.__version__, "threads": torch.get_num_threads(),
                  "max_seq_length": model.max_seq_length}))
