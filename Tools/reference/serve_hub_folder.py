#!/usr/bin/env python3
"""Serve a local HF model folder on 127.0.0.1 the way the Hub's resolve endpoint answers.

For checking `bert download` (and huggingface_hub itself) without the internet:

    /work/venv/bin/python Tools/reference/serve_hub_folder.py Tests/Fixtures/tiny-bert \\
        --repo org/tiny-bert --port 8765 &
    HF_ENDPOINT=http://127.0.0.1:8765 HF_HUB_CACHE=/tmp/hub bert download org/tiny-bert

HEAD/GET /{repo}/resolve/{main|commit}/{file}: regular files answer 200 with X-Repo-Commit
and a quoted 40-hex ETag; *.safetensors (LFS) answer 302 to /cdn/{sha256} with X-Linked-Etag
and X-Linked-Size, as the Hub does
(the CDN host is `localhost`, another name than 127.0.0.1, so clients do not follow it on HEAD); /cdn/ honours `Range: bytes=N-` with 206. Missing files
are 404 with X-Error-Code: EntryNotFound. The commit is the sha1 of the folder's files.
"""

import argparse
import hashlib
import http.server
import os


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--repo", required=True)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    files = {}
    for name in sorted(os.listdir(args.folder)):
        path = os.path.join(args.folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                files[name] = f.read()
    commit = hashlib.sha1(b"".join(hashlib.sha1(v).digest() for v in files.values())).hexdigest()
    by_sha = {hashlib.sha256(v).hexdigest(): v for v in files.values()}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            print("serve_hub_folder:", self.command, self.path, self.headers.get("Range", ""),
                  flush=True)

        def answer(self, status, headers, body=b""):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.close_connection = True

        def ranged(self, body, headers):
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes="):
                start = int(rng[6:].split("-")[0])
                self.answer(206, headers + [("Content-Range",
                            f"bytes {start}-{len(body) - 1}/{len(body)}")], body[start:])
            else:
                self.answer(200, headers, body)

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            path = self.path.split("?")[0]
            if path.startswith("/cdn/"):
                body = by_sha.get(path[5:])
                return self.ranged(body, []) if body is not None else self.answer(404, [])
            prefix = f"/{args.repo}/resolve/"
            if not path.startswith(prefix):
                return self.answer(404, [("X-Error-Code", "RepoNotFound")])
            revision, _, name = path[len(prefix):].partition("/")
            if revision not in ("main", commit):
                return self.answer(404, [("X-Error-Code", "RevisionNotFound")])
            body = files.get(name)
            if body is None:
                return self.answer(404, [("X-Error-Code", "EntryNotFound"),
                                         ("X-Repo-Commit", commit)])
            if name.endswith(".safetensors"):
                sha = hashlib.sha256(body).hexdigest()
                # Another host name, as the Hub's CDN is: HEAD must not follow it.
                return self.answer(302, [
                    ("Location", f"http://localhost:{args.port}/cdn/{sha}"), ("X-Repo-Commit", commit),
                    ("X-Linked-Etag", f'"{sha}"'), ("X-Linked-Size", str(len(body))),
                    ("ETag", '"redirect"')])
            etag = hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()  # git blob id
            self.ranged(body, [("X-Repo-Commit", commit), ("ETag", f'"{etag}"')])

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"serving {args.folder} as {args.repo} at commit {commit} on port {args.port}",
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
