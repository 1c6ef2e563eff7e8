#!/usr/bin/env python3
"""Loopback fake of the Anthropic Messages API (and an OpenAI-compatible chat endpoint).

Speaks the wire format of docs/ANTHROPIC_API.md sections 1-4 over HTTP/1.1 keep-alive on
127.0.0.1 (asyncio streams, one coroutine per connection, no threads), answers structured-output
requests from the request's own JSON schema, runs Message Batches, and injects faults on request.

Endpoints
  POST /v1/messages                  tool use (tools[0].input_schema) or output_config.format
  POST /v1/chat/completions          OpenAI shape, response_format json_schema
  POST /v1/messages/batches          create; GET /v1/messages/batches/{id}; GET .../{id}/results
  POST /_control                     JSON object with any setting below (runtime change)
  GET  /_stats                       {"requests": N, "by_path": {...}, "by_status": {...},
                                      "connections": opened, "open_connections": still open
                                      (this one included)}

Faults (each is a name usable in --faults, --script and /_control):
  ok          no fault                      429 / 529 / 500 / 503 / 400 / 401 / 403 / 404 / 408 / 409
  drop        read the request, close the connection without answering
  truncate    200 with a Content-Length larger than the body sent, then close
  badjson     200 whose body is not JSON
  badanswer   200, a well-formed message whose answer is {} (valid JSON that misses the schema's
              required fields: the client should re-ask it as a repair); usage as for an answer
  refusal     200, stop_reason "refusal" (openai: message.refusal)
  max_tokens  200, stop_reason "max_tokens", answer cut (openai: finish_reason "length")
  slow        answer after --slow-ms (default 5000 ms)
  early_hints a "103 Early Hints" interim response (with a link header) before the 200
  mixed_case  200 whose header names are in mixed case (Request-Id, Anthropic-Ratelimit-...), as
              HTTP/1.1 allows
  noretry429  429 with x-should-retry: false;  retry400  400 with x-should-retry: true
  dropitem    200; in an answer of K items (a schema {"items": [{"index", ...}]}, synthmod's
              rows_per_request) one item is left out; a one-item answer is {} as badanswer
  baditem     200; one of the K items keeps only its index (misses the required fields)

Multi-item requests: an answer schema whose `items` array (maxItems K) holds objects with an
`index` is answered with exactly K items, the i-th with index i.

Hostile errors (--hostile-errors): every error body's message carries terminal escapes (OSC, CSI),
CR LF, a bidi override and a NUL, its request_id an escape, and the request-id header another:
what a client must never let through to a terminal or a log.

Fault choice for /v1/messages and /v1/chat/completions: the next --script entry if any is left;
otherwise, with --faults, a deterministic draw from (seed, SHA-256 of the user message, the
number of times this message was seen): the same prompt sequence gets the same faults whatever
the arrival order, and a retry of a failed prompt gets a fresh draw.

Capacity: 7,000-9,000 requests/s on loopback from one Python thread (bench/RESULTS.md, Client).

Rate limits (--rl-requests, --rl-input-tokens per --rl-window-s): the anthropic-ratelimit-
{requests,input-tokens}-{limit,remaining,reset} headers report what is left of the current window
(reset: its end, RFC 3339); a request that would pass a limit gets 429 rate_limit_error with
retry-after (logged with fault "rate_limit"). Message Batches calls (create, poll, results)
count one request each against --rl-requests and report the same headers. Chat completions
send OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens} instead (reset a duration,
"2s"; tokens = prompt + completion, limited by --rl-input-tokens). Without them, fixed generous
headers are sent.

Usage and the prompt cache: input tokens are bytes / 4 of the user text, the system text and the
tools' JSON, + 8. A request whose tools or system block carries cache_control marks the prefix up
to it (tools, then system); when that prefix reaches the model's minimum cacheable length
(min_cache_tokens in --pricing, default data/pricing.toml; --cache-min overrides; 1024 for models
the table lacks) the first request with it reports it as cache_creation_input_tokens and later
ones as cache_read_input_tokens; below the minimum it is plain input, silently, as the API does.

Log (--log F): one JSON line per request, flushed before the response is written:
  {"t", "method", "path", "status", "fault", "user_sha256", "custom_ids", "key_present",
   "attempt"} -- never the key's value. Also "t_arrival" (Unix time the request was read in full;
  "t" is when the line is written, after a slow fault's wait) and, on a /v1/messages or
  /v1/chat/completions response whose full body is sent with status 200, "request_id" (the
  request-id / x-request-id header sent with it) and "usage" (the usage object of the body), so a
  soak can tie a journalled answer to its request and price every response that was delivered.
  On a /v1/messages or /v1/chat/completions request whose user message lists several items under
  "### Request i" headings (synthmod's rows_per_request prompt, common/llm/multi_item.cpp), also
  "item_sha256": the first 16 hex digits of the SHA-256 of each item's text (what follows its
  heading up to the next one), in the order the message lists them, so a test can see which row
  sat in which position. On a /v1/messages request with a tool or an output format, also
  "answer_fields": the property names the answer schema asks for, sorted (of one item, without
  "index", when the schema is synthmod's {"items": [...]}), so a test can see what was asked.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import signal
import sys
import time
import uuid

LOREM_SUBJECTS = [
    "my neighbour", "the new manager", "our landlord", "a guy at the gym", "my cousin",
    "the delivery driver", "this app", "the school board", "my sister", "the local bakery",
    "a stranger online", "the city council", "our team lead", "the support agent", "my roommate",
    "the bus company", "that influencer", "the pharmacy", "my old teacher", "the hotel staff",
]
LOREM_VERBS = [
    "keeps posting", "just announced", "finally fixed", "won't stop sharing", "quietly changed",
    "somehow lost", "proudly showed", "never answered", "accidentally leaked", "tried to sell",
    "spent all week on", "complained about", "recommended", "forgot about", "laughed at",
]
LOREM_OBJECTS = [
    "the parking rules", "a free vacation offer", "their phone number", "the weekend schedule",
    "a half-finished mural", "the quarterly report", "a crypto giveaway", "the recipe for soup",
    "my address", "a broken vending machine", "the playoff tickets", "an unpaid invoice",
    "the garden project", "a suspicious link", "the wifi password", "a lost dog poster",
    "the exam results", "a coupon code", "the late-night noise", "an old photo album",
]
LOREM_TAILS = [
    "and honestly I am tired of it.", "which nobody asked for.", "so I guess that is settled.",
    "and I cannot believe it happened twice.", "lol.", "and the comments are a mess.",
    "before anyone could stop it.", "again, for the third time this month.",
    "and it actually made my day.", "so please be careful out there.", "no idea why.",
    "and everyone just went along with it.", "and now I have questions.", "as usual.",
]

HOSTILE_MESSAGE = "\x1b]0;pwned\x07\x1b[31mbad <b>request</b>\r\nsecond line \u202e\x00 end"
RATE_HEADERS = ("requests", "tokens", "input-tokens", "output-tokens")
ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
    403: "permission_error", 404: "not_found_error", 408: "timeout_error", 409: "conflict_error",
    413: "request_too_large", 429: "rate_limit_error", 500: "api_error", 503: "api_error",
    504: "timeout_error", 529: "overloaded_error",
}
REASONS = {
    100: "Continue", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests",
    500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout",
    529: "Overloaded",
}
STATUS_FAULTS = {"400", "401", "403", "404", "408", "409", "429", "500", "503", "504", "529"}
OTHER_FAULTS = {"ok", "drop", "truncate", "badjson", "badanswer", "refusal", "max_tokens", "slow",
                "dropitem", "baditem",
                "noretry429", "retry400", "early_hints", "mixed_case"}


def h64(*parts):
    m = hashlib.sha256()
    for p in parts:
        m.update(str(p).encode("utf-8", "surrogatepass"))
        m.update(b"\x00")
    return int.from_bytes(m.digest()[:8], "big")


class Settings:
    KEYS = ("faults", "fault_rate", "seed", "script", "latency_ms", "slow_ms", "retry_after",
            "require_key", "openai_keyless", "batch_polls", "batch_errored", "batch_expired",
            "cache_min", "rl_requests", "rl_input_tokens", "rl_window_s", "hostile_errors")

    def __init__(self, args):
        self.faults = split_list(args.faults)
        self.fault_rate = args.fault_rate
        self.seed = args.seed
        self.script = split_list(args.script)
        self.latency_ms = args.latency_ms
        self.slow_ms = args.slow_ms
        self.retry_after = args.retry_after
        self.require_key = args.require_key
        self.openai_keyless = args.openai_keyless
        self.batch_polls = args.batch_polls
        self.batch_errored = args.batch_errored
        self.batch_expired = args.batch_expired
        self.cache_min = args.cache_min
        self.rl_requests = args.rl_requests
        self.rl_input_tokens = args.rl_input_tokens
        self.rl_window_s = args.rl_window_s
        self.hostile_errors = args.hostile_errors

    def update(self, obj):
        for k, v in obj.items():
            if k not in self.KEYS:
                raise ValueError("unknown setting " + k)
            if k in ("faults", "script") and isinstance(v, str):
                v = split_list(v)
            for f in (v if k in ("faults", "script") else []):
                check_fault(f)
            setattr(self, k, v)


def split_list(text):
    if not text:
        return []
    out = [s.strip() for s in text.split(",") if s.strip()]
    for f in out:
        check_fault(f)
    return out


def check_fault(name):
    if name not in STATUS_FAULTS and name not in OTHER_FAULTS:
        raise ValueError("unknown fault " + name)


# ---------------------------------------------------------------------------------------------
# Answers from a JSON schema


def text_for(rng, min_len=0, max_len=None):
    n = rng.randint(1, 3)
    parts = []
    for _ in range(n):
        s = "%s %s %s %s" % (rng.choice(LOREM_SUBJECTS), rng.choice(LOREM_VERBS),
                             rng.choice(LOREM_OBJECTS), rng.choice(LOREM_TAILS))
        parts.append(s[0].upper() + s[1:])
    text = " ".join(parts)
    while len(text) < min_len:
        text += " " + rng.choice(LOREM_TAILS)
    if max_len is not None and len(text) > max_len:
        text = text[:max_len]
    return text


def value_for(schema, rng, depth=0):
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema and schema["enum"]:
        return schema["enum"][rng.randrange(len(schema["enum"]))]
    for alt in ("anyOf", "oneOf"):
        if alt in schema and schema[alt]:
            options = [s for s in schema[alt] if s.get("type") != "null"] or schema[alt]
            return value_for(options[0], rng, depth + 1)
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "null")
    if t is None:
        t = "object" if "properties" in schema else "string"
    if t == "object":
        out = {}
        props = schema.get("properties", {})
        for name, sub in props.items():
            out[name] = value_for(sub, rng, depth + 1)
        return out
    if t == "array":
        items = schema.get("items")
        index = ((items or {}).get("properties") or {}).get("index") if isinstance(items, dict) \
            else None
        if isinstance(index, dict) and "maxItems" in schema:  # K items of a multi-item request
            out = []
            for i in range(int(schema["maxItems"])):
                v = value_for(items, rng, depth + 1)
                v["index"] = i
                out.append(v)
            return out
        lo = schema.get("minItems", 0)
        hi = max(lo, min(schema.get("maxItems", 2), 2))
        n = rng.randint(lo, hi)
        items = schema.get("items", {"type": "string"})
        if schema.get("uniqueItems") and isinstance(items, dict) and "enum" in items:
            pool = list(items["enum"])
            rng.shuffle(pool)
            return pool[:min(n, len(pool))]
        return [value_for(items, rng, depth + 1) for _ in range(n)]
    if t == "integer":
        lo = int(schema.get("minimum", 0))
        hi = int(schema.get("maximum", lo + 100))
        return rng.randint(lo, max(lo, hi))
    if t == "number":
        lo = float(schema.get("minimum", 0))
        hi = float(schema.get("maximum", lo + 1))
        return round(rng.uniform(lo, hi), 3)
    if t == "boolean":
        return rng.random() < 0.5
    if t == "null":
        return None
    return text_for(rng, schema.get("minLength", 0), schema.get("maxLength"))


def item_fault(value, fault, rng):
    """dropitem / baditem applied to an answer: one of a multi-item answer's items dropped or
    cut to its index; a one-item answer becomes {} (as badanswer)."""
    if fault not in ("dropitem", "baditem"):
        return value
    items = value.get("items") if isinstance(value, dict) else None
    if not isinstance(items, list) or not items:
        return {}
    j = rng.randrange(len(items))
    if fault == "dropitem":
        del items[j]
    else:
        items[j] = {"index": items[j].get("index", j)}
    return value


def user_text(messages):
    """Text of every user turn (string content or text blocks), joined."""
    out = []
    for m in messages or []:
        if not isinstance(m, dict) or m.get("role") != "user":
            continue
        c = m.get("content")
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, list):
            out.extend(b.get("text", "") for b in c if isinstance(b, dict) and b.get("type") == "text")
    return "\n".join(out)


ITEM_HEADING = re.compile(r"\n\n### Request \d+\n\n")


def item_keys(user):
    """SHA-256 prefixes (16 hex) of the items of a multi-item user message, in listed order;
    [] for a message without item headings."""
    texts = ITEM_HEADING.split(user)[1:]
    return [hashlib.sha256(t.encode("utf-8")).hexdigest()[:16] for t in texts]


def answer_fields(params):
    """Sorted property names of the answer a Messages request asks for (tool input schema or
    output_config format): one item's, without "index", for an {"items": [...]} schema."""
    schema = ((params.get("output_config") or {}).get("format") or {}).get("schema")
    for tool in params.get("tools") or []:
        schema = schema or tool.get("input_schema")
    props = (schema or {}).get("properties") or {}
    if set(props) == {"items"}:
        props = ((props["items"].get("items") or {}).get("properties")) or {}
    return sorted(k for k in props if k != "index")


def system_text(system):
    if isinstance(system, str):
        return system, False
    if isinstance(system, list):
        cached = any(isinstance(b, dict) and b.get("cache_control") for b in system)
        return "".join(b.get("text", "") for b in system if isinstance(b, dict)), cached
    return "", False


def cached_prefix(tools, sys_text, sys_cached):
    """The prompt-cache prefix a request marks (docs/ANTHROPIC_API.md section 5: tools, then
    system; a breakpoint caches everything before it): its text, or "" without a breakpoint."""
    tools_text = json.dumps(tools, sort_keys=True, separators=(",", ":")) if tools else ""
    if sys_cached:
        return tools_text + sys_text
    if any(isinstance(t, dict) and t.get("cache_control") for t in tools or []):
        return tools_text
    return ""


def load_cache_minimums(path):
    """min_cache_tokens per model id from a price table (data/pricing.toml), {} if unreadable."""
    try:
        import tomllib
        with open(path, "rb") as f:
            models = tomllib.load(f).get("models", {})
        return {k: int(v["min_cache_tokens"]) for k, v in models.items()
                if isinstance(v, dict) and "min_cache_tokens" in v}
    except (OSError, ValueError, ImportError):
        return {}


def rand_id(prefix, n=24):
    return prefix + uuid.uuid4().hex[:n]


# ---------------------------------------------------------------------------------------------


class Server:
    def __init__(self, args):
        self.args = args
        self.settings = Settings(args)
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.seen = {}          # user sha -> times seen (fault draws)
        self.cache = set()      # prefixes (tools + system) written to the "prompt cache"
        self.cache_minimums = load_cache_minimums(args.pricing)
        self.rl_window = None   # start of the current rate-limit window (whole seconds)
        self.rl_used = [0, 0]   # requests, input tokens (input + cache writes) in it
        self.batches = {}
        self.requests = 0
        self.by_path = {}
        self.by_status = {}
        self.connections = 0
        self.open_connections = 0

    # -- HTTP plumbing ---------------------------------------------------------------------

    async def handle(self, reader, writer):
        self.connections += 1
        self.open_connections += 1
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    continue
                try:
                    method, target, _version = line.decode("latin-1").split(" ", 2)
                except ValueError:
                    return
                headers = {}
                while True:
                    h = await reader.readline()
                    if not h or h in (b"\r\n", b"\n"):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                if headers.get("expect", "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = b""
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    while True:
                        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        body += await reader.readexactly(size)
                        await reader.readline()
                else:
                    n = int(headers.get("content-length", "0") or 0)
                    if n:
                        body = await reader.readexactly(n)
                keep = await self.dispatch(method, target, headers, body, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            self.open_connections -= 1
            try:
                writer.close()
            except Exception:
                pass

    async def wait_latency(self, writer):
        delay = getattr(writer, "fake_deadline", 0) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def record(self, entry):
        self.requests += 1
        self.by_path[entry["path"]] = self.by_path.get(entry["path"], 0) + 1
        st = str(entry["status"])
        self.by_status[st] = self.by_status.get(st, 0) + 1
        if self.log:
            entry["t"] = round(time.time(), 6)
            self.log.write(json.dumps(entry, separators=(",", ":")) + "\n")

    async def send(self, writer, status, body, headers=None, content_type="application/json",
                   declared_length=None, close=False):
        await self.wait_latency(writer)
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":"))
        if isinstance(body, str):
            body = body.encode("utf-8")
        out = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")),
               "content-type: " + content_type,
               "content-length: %d" % (declared_length if declared_length is not None else len(body))]
        for k, v in (headers or {}).items():
            out.append("%s: %s" % (k, v))
        if close:
            out.append("connection: close")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()

    # -- routing ---------------------------------------------------------------------------

    async def dispatch(self, method, target, headers, body, writer):
        path = target.split("?", 1)[0]
        key = headers.get("x-api-key")
        auth = headers.get("authorization", "")
        entry = {"method": method, "path": path, "status": 0, "fault": "ok", "user_sha256": None,
                 "custom_ids": None, "key_present": key is not None,
                 "bearer_present": auth.lower().startswith("bearer "), "attempt": 0,
                 "t_arrival": round(time.time(), 6)}

        if path == "/_control" and method == "POST":
            try:
                self.settings.update(json.loads(body or b"{}"))
            except (ValueError, TypeError) as e:
                entry["status"] = 400
                self.record(entry)
                await self.send(writer, 400, {"error": str(e)})
                return True
            entry["status"] = 200
            self.record(entry)
            await self.send(writer, 200, {"ok": True})
            return True
        if path == "/_stats":
            await self.send(writer, 200, {"requests": self.requests, "by_path": self.by_path,
                                          "by_status": self.by_status,
                                          "connections": self.connections,
                                          "open_connections": self.open_connections})
            return True

        # --latency-ms counts from the request's arrival: the answer is prepared first and sent
        # when the latency has passed, so a burst of answers due together costs only the writes.
        writer.fake_deadline = time.monotonic() + self.settings.latency_ms / 1000.0

        if path == "/v1/chat/completions" and method == "POST":
            return await self.chat(headers, body, writer, entry)
        if not path.startswith("/v1/messages"):
            entry["status"] = 404
            self.record(entry)
            await self.send_error(writer, 404, "not_found_error", "Not found: " + path)
            return True

        # Anthropic auth: x-api-key (or, as newer SDKs may send it, Authorization: Bearer) and an
        # anthropic-version header (synthmod sends 2023-06-01; newer SDKs send later dates).
        if key is None and entry["bearer_present"]:
            key = auth[7:]
        bad = self.auth_problem(key)
        if bad:
            entry["status"] = 401
            self.record(entry)
            await self.send_error(writer, 401, "authentication_error", bad)
            return True
        if not headers.get("anthropic-version"):
            entry["status"] = 400
            self.record(entry)
            await self.send_error(writer, 400, "invalid_request_error",
                                  "anthropic-version: header is required")
            return True

        if path == "/v1/messages" and method == "POST":
            return await self.messages(headers, body, writer, entry)
        if path.startswith("/v1/messages/batches") and self.rl_active():
            wait = self.rl_admit(0)  # a Batches API call: one request, no tokens metered
            if wait:
                entry["status"], entry["fault"] = 429, "rate_limit"
                self.record(entry)
                await self.send_error(writer, 429, "rate_limit_error",
                                      "Number of requests has exceeded your rate limit",
                                      {"retry-after": str(wait)})
                return True
        if path == "/v1/messages/batches" and method == "POST":
            return await self.batch_create(headers, body, writer, entry)
        parts = path.split("/")  # ['', 'v1', 'messages', 'batches', id, ('results')]
        if len(parts) >= 5 and parts[3] == "batches" and method == "GET":
            batch = self.batches.get(parts[4])
            if batch is None:
                entry["status"] = 404
                self.record(entry)
                await self.send_error(writer, 404, "not_found_error", "batch not found")
                return True
            if len(parts) == 5:
                return await self.batch_get(headers, batch, writer, entry)
            if len(parts) == 6 and parts[5] == "results":
                return await self.batch_results(batch, writer, entry)
        entry["status"] = 404
        self.record(entry)
        await self.send_error(writer, 404, "not_found_error", "Not found: " + path)
        return True

    def auth_problem(self, key):
        if key is None or key == "":
            return "x-api-key header is required"
        if key == "bad" or (self.settings.require_key and key != self.settings.require_key):
            return "invalid x-api-key"
        return None

    def rl_active(self):
        return bool(self.settings.rl_requests or self.settings.rl_input_tokens)

    def rl_roll(self):
        """Starts a new window when the current one is over (windows of whole seconds, so the
        RFC 3339 reset, whole seconds as the API sends it, is exact)."""
        w = max(1, int(self.settings.rl_window_s))
        start = int(time.time()) // w * w
        if self.rl_window != start:
            self.rl_window, self.rl_used = start, [0, 0]
        return start + w

    def rl_admit(self, input_tokens):
        """Counts a request against the limits; returns seconds to wait if it passes one."""
        reset = self.rl_roll()
        st = self.settings
        if (st.rl_requests and self.rl_used[0] + 1 > st.rl_requests) or \
                (st.rl_input_tokens and self.rl_used[1] + input_tokens > st.rl_input_tokens):
            return max(1, int(reset - time.time() + 0.999))
        self.rl_used[0] += 1
        self.rl_used[1] += input_tokens
        return 0

    def openai_rate_headers(self):
        """x-ratelimit-{limit,remaining,reset}-{requests,tokens}: what is left of the window, the
        reset as a duration ("2s"), as OpenAI sends them (the input-token limit stands for
        OpenAI's token limit)."""
        end = self.rl_roll()
        wait = "%ds" % max(0, int(end - time.time() + 0.999))
        st, h = self.settings, {}
        for kind, limit, used in (("requests", st.rl_requests, self.rl_used[0]),
                                  ("tokens", st.rl_input_tokens, self.rl_used[1])):
            if limit:
                h["x-ratelimit-limit-" + kind] = str(limit)
                h["x-ratelimit-remaining-" + kind] = str(max(0, limit - used))
                h["x-ratelimit-reset-" + kind] = wait
        return h

    def common_headers(self, extra=None):
        reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
        h = {"request-id": rand_id("req_"), "anthropic-organization-id": "00000000-fake-org"}
        if self.rl_active():  # the limits of --rl-*, counted per window, as they stand now
            end = self.rl_roll()
            reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end))
            st = self.settings
            for kind, limit, used in (("requests", st.rl_requests, self.rl_used[0]),
                                      ("input-tokens", st.rl_input_tokens, self.rl_used[1])):
                if limit:
                    h["anthropic-ratelimit-%s-limit" % kind] = str(limit)
                    h["anthropic-ratelimit-%s-remaining" % kind] = str(max(0, limit - used))
                    h["anthropic-ratelimit-%s-reset" % kind] = reset
            if extra:
                h.update(extra)
            return h
        for kind in RATE_HEADERS:
            h["anthropic-ratelimit-%s-limit" % kind] = "4000" if kind == "requests" else "400000"
            h["anthropic-ratelimit-%s-remaining" % kind] = "3999" if kind == "requests" else "399000"
            h["anthropic-ratelimit-%s-reset" % kind] = reset
        if extra:
            h.update(extra)
        return h

    async def send_error(self, writer, status, etype, message, extra=None):
        hdrs = self.common_headers(extra)
        request_id = hdrs["request-id"]
        if self.settings.hostile_errors:
            message, request_id = HOSTILE_MESSAGE, "req_\x1b[2J"
            hdrs["request-id"] = "req_\x1b[31mred"
        body = {"type": "error", "error": {"type": etype, "message": message},
                "request_id": request_id}
        await self.send(writer, status, body, hdrs)

    def choose_fault(self, sha):
        n = self.seen.get(sha, 0)
        self.seen[sha] = n + 1
        s = self.settings
        if s.script:
            return s.script.pop(0), n
        if s.faults and s.fault_rate > 0:
            if (h64(s.seed, sha, n, "p") % 1_000_000) / 1_000_000.0 < s.fault_rate:
                return s.faults[h64(s.seed, sha, n, "f") % len(s.faults)], n
        return "ok", n

    async def status_fault(self, fault, writer, entry, openai=False):
        """Writes the response for a non-200 fault; returns True if it handled `fault`."""
        extra = {}
        if fault == "noretry429":
            status, extra = 429, {"x-should-retry": "false"}
        elif fault == "retry400":
            status, extra = 400, {"x-should-retry": "true"}
        elif fault in STATUS_FAULTS:
            status = int(fault)
        else:
            return False
        if status == 429 and self.settings.retry_after is not None:
            extra["retry-after"] = str(self.settings.retry_after)
        entry["status"] = status
        self.record(entry)
        etype = ERROR_TYPES.get(status, "api_error")
        msg = {429: "This request would exceed the rate limit for your organization of 50 "
                    "requests per minute.",
               529: "Overloaded", 500: "Internal server error"}.get(status, "Injected " + fault)
        if openai:
            await self.send(writer, status, {"error": {"message": msg, "type": etype,
                                                       "param": None, "code": None}}, extra)
        else:
            await self.send_error(writer, status, etype, msg, extra)
        return True

    async def transport_fault(self, fault, writer, entry, body_bytes):
        """drop / truncate / badjson / slow; returns True (connection state) or None."""
        if fault == "drop":
            entry["status"] = 0
            self.record(entry)
            await self.wait_latency(writer)
            return False
        if fault == "truncate":
            entry["status"] = 200
            self.record(entry)
            await self.send(writer, 200, body_bytes[: len(body_bytes) // 2], self.common_headers(),
                             declared_length=len(body_bytes), close=True)
            return False
        if fault == "badjson":
            entry["status"] = 200
            self.record(entry)
            await self.send(writer, 200, b'{"id": "msg_broken", "content": [{"type": "te',
                            self.common_headers())
            return True
        return None

    # -- Messages --------------------------------------------------------------------------

    def cache_min(self, model):
        """The model's minimum cacheable prefix: exact id, else the longest id + "-" prefix."""
        if self.settings.cache_min is not None:
            return self.settings.cache_min
        if model in self.cache_minimums:
            return self.cache_minimums[model]
        best = max((k for k in self.cache_minimums if model.startswith(k + "-")), key=len,
                   default=None)
        return self.cache_minimums[best] if best else 1024

    def message_for(self, params, fault, model_default="claude-fake"):
        """A Message object answering `params` (a Messages request body), with `fault` applied."""
        user = user_text(params.get("messages"))
        sys_text, sys_cached = system_text(params.get("system"))
        rng = random.Random(h64("answer", user, sys_text))
        tools = params.get("tools") or []
        fmt = ((params.get("output_config") or {}).get("format") or {})
        content = []
        stop = "end_turn"
        answer_len = 0
        if fault == "refusal":
            stop = "refusal"
            content.append({"type": "text", "text": "I can't help with that."})
            answer_len = 6
        elif fmt.get("type") == "json_schema":
            value = value_for(fmt.get("schema", {}), rng)
            answer_len = len(json.dumps(value))
            text = json.dumps(item_fault(value, fault, rng))
            if fault == "max_tokens":
                text, stop = text[: len(text) // 2], "max_tokens"
            if fault == "badanswer":
                text = "{}"
            content.append({"type": "text", "text": text})
        elif tools:
            tool = tools[0]
            choice = params.get("tool_choice") or {}
            if choice.get("type") == "tool":
                tool = next((t for t in tools if t.get("name") == choice.get("name")), tool)
            value = value_for(tool.get("input_schema", {}), rng)
            answer_len = len(json.dumps(value))
            value = item_fault(value, fault, rng)
            if fault == "badanswer":
                value = {}
            if fault == "max_tokens":
                stop = "max_tokens"
                content.append({"type": "text", "text": "Let me think about th"})
            else:
                stop = "tool_use"
                content.append({"type": "tool_use", "id": rand_id("toolu_"),
                                "name": tool.get("name", "answer"), "input": value})
        else:
            text = text_for(rng)
            answer_len = len(text)
            if fault == "max_tokens":
                text, stop = text[: len(text) // 2], "max_tokens"
            content.append({"type": "text", "text": text})
        # Tokens: bytes / 4 of the user text, the system text and the tools' JSON, + 8 of framing.
        # The marked prefix is cached when it reaches the model's minimum (read from the price
        # table; --cache-min for models it lacks): the first request writes it, later ones read.
        prefix = cached_prefix(tools, sys_text, sys_cached)
        prefix_tokens = len(prefix) // 4
        rest_tokens = (len(sys_text) + (len(json.dumps(tools, sort_keys=True,
                       separators=(",", ":"))) if tools else 0)) // 4 - prefix_tokens
        cache_write = cache_read = 0
        if prefix_tokens and prefix_tokens >= self.cache_min(params.get("model", "")):
            key = (params.get("model", ""), prefix)
            if key in self.cache:
                cache_read = prefix_tokens
            else:
                self.cache.add(key)
                cache_write = prefix_tokens
            prefix_tokens = 0
        usage = {"input_tokens": max(1, len(user) // 4 + prefix_tokens + max(0, rest_tokens) + 8),
                 "output_tokens": max(1, answer_len // 4),
                 "cache_creation_input_tokens": cache_write,
                 "cache_read_input_tokens": cache_read,
                 "cache_creation": {"ephemeral_5m_input_tokens": cache_write,
                                    "ephemeral_1h_input_tokens": 0},
                 "service_tier": "standard"}
        if fault == "max_tokens":
            usage["output_tokens"] = int(params.get("max_tokens", 1))
        return {"id": rand_id("msg_"), "type": "message", "role": "assistant",
                "model": params.get("model", model_default), "content": content,
                "stop_reason": stop, "stop_sequence": None, "usage": usage}

    async def messages(self, headers, body, writer, entry):
        try:
            params = json.loads(body)
            if not isinstance(params, dict) or "model" not in params or "max_tokens" not in params \
                    or not isinstance(params.get("messages"), list):
                raise ValueError("model, max_tokens and messages are required")
        except ValueError as e:
            entry["status"] = 400
            self.record(entry)
            await self.send_error(writer, 400, "invalid_request_error", "invalid body: %s" % e)
            return True
        user = user_text(params.get("messages"))
        sha = hashlib.sha256(user.encode("utf-8")).hexdigest()
        entry["user_sha256"] = sha
        if keys := item_keys(user):
            entry["item_sha256"] = keys
        if fields := answer_fields(params):
            entry["answer_fields"] = fields
        fault, attempt = self.choose_fault(sha)
        entry["fault"], entry["attempt"] = fault, attempt
        if await self.status_fault(fault, writer, entry):
            return True
        if fault == "slow":
            await asyncio.sleep(self.settings.slow_ms / 1000.0)
        msg = self.message_for(params, fault)
        if self.rl_active():  # ITPM counts input + cache writes (ANTHROPIC_API.md section 3)
            u = msg["usage"]
            wait = self.rl_admit(u["input_tokens"] + u["cache_creation_input_tokens"])
            if wait:
                entry["status"], entry["fault"] = 429, "rate_limit"
                self.record(entry)
                await self.send_error(writer, 429, "rate_limit_error",
                                      "Number of request tokens has exceeded your rate limit",
                                      {"retry-after": str(wait)})
                return True
        data = json.dumps(msg, separators=(",", ":")).encode()
        keep = await self.transport_fault(fault, writer, entry, data)
        if keep is not None:
            return keep
        entry["status"] = 200
        hdrs = self.common_headers()
        entry["request_id"] = hdrs["request-id"]
        entry["usage"] = msg["usage"]
        self.record(entry)
        if fault == "early_hints":  # interim response: its headers are not the answer's
            writer.write(b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n")
        if fault == "mixed_case":
            hdrs = {k.title(): v for k, v in hdrs.items()}
        await self.send(writer, 200, data, hdrs)
        return True

    # -- OpenAI chat completions -------------------------------------------------------------

    async def chat(self, headers, body, writer, entry):
        auth = headers.get("authorization", "")
        key = auth[7:] if auth.lower().startswith("bearer ") else None
        # --openai-keyless: a local server started without a key (vLLM without --api-key)
        # accepts a request that carries none.
        bad = None if key is None and self.settings.openai_keyless else self.auth_problem(key)
        if bad:
            entry["status"] = 401
            self.record(entry)
            await self.send(writer, 401, {"error": {"message": "Incorrect API key provided",
                                                    "type": "invalid_request_error",
                                                    "param": None, "code": "invalid_api_key"}})
            return True
        try:
            params = json.loads(body)
            msgs = params["messages"]
        except (ValueError, KeyError, TypeError):
            entry["status"] = 400
            self.record(entry)
            await self.send(writer, 400, {"error": {"message": "invalid body",
                                                    "type": "invalid_request_error"}})
            return True
        user = user_text(msgs)
        sys_text = "".join(m.get("content", "") for m in msgs
                           if isinstance(m, dict) and m.get("role") == "system"
                           and isinstance(m.get("content"), str))
        sha = hashlib.sha256(user.encode("utf-8")).hexdigest()
        entry["user_sha256"] = sha
        if keys := item_keys(user):
            entry["item_sha256"] = keys
        fault, attempt = self.choose_fault(sha)
        entry["fault"], entry["attempt"] = fault, attempt
        if await self.status_fault(fault, writer, entry, openai=True):
            return True
        if fault == "slow":
            await asyncio.sleep(self.settings.slow_ms / 1000.0)
        rng = random.Random(h64("answer", user, sys_text))
        rf = params.get("response_format") or {}
        schema = (rf.get("json_schema") or {}).get("schema")
        text = json.dumps(item_fault(value_for(schema, rng), fault, rng)) if schema \
            else text_for(rng)
        finish, refusal = "stop", None
        if fault == "max_tokens":
            text, finish = text[: len(text) // 2], "length"
        if fault == "badanswer" and schema:
            text = "{}"
        if fault == "refusal":
            text, refusal = None, "I'm sorry, I can't help with that."
        resp = {"id": rand_id("chatcmpl-"), "object": "chat.completion", "created": int(time.time()),
                "model": params.get("model", "fake"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text,
                                                     "refusal": refusal},
                             "logprobs": None, "finish_reason": finish}],
                "usage": {"prompt_tokens": max(1, (len(user) + len(sys_text)) // 4),
                          "completion_tokens": max(1, len(text or "") // 4),
                          "total_tokens": 0}}
        resp["usage"]["total_tokens"] = resp["usage"]["prompt_tokens"] + \
            resp["usage"]["completion_tokens"]
        extra = {}
        if self.rl_active():  # OpenAI's shape: x-ratelimit-*, tokens = prompt + completion
            wait = self.rl_admit(resp["usage"]["total_tokens"])
            extra = self.openai_rate_headers()
            if wait:
                entry["status"], entry["fault"] = 429, "rate_limit"
                self.record(entry)
                extra["retry-after"] = str(wait)
                await self.send(writer, 429, {"error": {"message": "Rate limit reached",
                                                        "type": "requests",
                                                        "code": "rate_limit_exceeded"}}, extra)
                return True
        data = json.dumps(resp, separators=(",", ":")).encode()
        keep = await self.transport_fault(fault, writer, entry, data)
        if keep is not None:
            return keep
        entry["status"] = 200
        entry["request_id"] = rand_id("req_")
        entry["usage"] = resp["usage"]
        self.record(entry)
        extra["x-request-id"] = entry["request_id"]
        await self.send(writer, 200, data, extra)
        return True

    # -- Message Batches -----------------------------------------------------------------------

    def batch_object(self, batch, host):
        ended = batch["polls"] > self.settings.batch_polls
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if ended:
            for r in batch["results"]:
                counts[r["result"]["type"]] += 1
        else:
            counts["processing"] = len(batch["results"])
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        return {"id": batch["id"], "type": "message_batch",
                "processing_status": "ended" if ended else "in_progress",
                "request_counts": counts, "created_at": iso(batch["created"]),
                "expires_at": iso(batch["created"] + 86400),
                "ended_at": iso(time.time()) if ended else None, "cancel_initiated_at": None,
                "archived_at": None,
                "results_url": ("http://%s/v1/messages/batches/%s/results" % (host, batch["id"]))
                if ended else None}

    async def batch_create(self, headers, body, writer, entry):
        try:
            reqs = json.loads(body)["requests"]
            ids = [r["custom_id"] for r in reqs]
            if len(set(ids)) != len(ids):
                raise ValueError("custom_id values must be unique within a batch")
            for r in reqs:
                if not isinstance(r.get("params"), dict):
                    raise ValueError("params required")
        except (ValueError, KeyError, TypeError) as e:
            entry["status"] = 400
            self.record(entry)
            await self.send_error(writer, 400, "invalid_request_error", "invalid batch: %s" % e)
            return True
        entry["custom_ids"] = ids
        fault = self.settings.script.pop(0) if self.settings.script else "ok"
        entry["fault"] = fault
        if await self.status_fault(fault, writer, entry):
            return True
        bid = rand_id("msgbatch_")
        s = self.settings
        results = []
        for r in reqs:
            cid = r["custom_id"]
            draw = (h64(s.seed, bid, cid) % 1_000_000) / 1_000_000.0
            if draw < s.batch_errored:
                res = {"type": "errored", "error": {"type": "error", "error": {
                    "type": "invalid_request_error", "message": "Injected batch error"},
                    "request_id": None}}
            elif draw < s.batch_errored + s.batch_expired:
                res = {"type": "expired"}
            else:
                msg = self.message_for(r["params"], "ok")
                msg["usage"]["service_tier"] = "batch"
                res = {"type": "succeeded", "message": msg}
            results.append({"custom_id": cid, "result": res})
        random.Random(h64(bid)).shuffle(results)  # results are unordered
        batch = {"id": bid, "results": results, "polls": 0, "created": time.time()}
        self.batches[bid] = batch
        entry["status"] = 200
        self.record(entry)
        await self.send(writer, 200, self.batch_object(batch, headers.get("host", "127.0.0.1")),
                        self.common_headers())
        return True

    async def batch_get(self, headers, batch, writer, entry):
        batch["polls"] += 1
        entry["status"] = 200
        self.record(entry)
        await self.send(writer, 200, self.batch_object(batch, headers.get("host", "127.0.0.1")),
                        self.common_headers())
        return True

    async def batch_results(self, batch, writer, entry):
        if batch["polls"] <= self.settings.batch_polls:
            entry["status"] = 400
            self.record(entry)
            await self.send_error(writer, 400, "invalid_request_error", "batch has not ended")
            return True
        entry["status"] = 200
        self.record(entry)
        data = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in batch["results"])
        await self.send(writer, 200, data, self.common_headers(), content_type="application/x-jsonl")
        return True


async def main_async(args):
    server = Server(args)
    srv = await asyncio.start_server(server.handle, "127.0.0.1", args.port, backlog=1024)
    port = srv.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    else:
        print(port, flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # a clean exit flushes the log
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with srv:
        await stop.wait()
    if server.log:
        server.log.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--faults", default="")
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--script", default="")
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--slow-ms", type=float, default=5000)
    p.add_argument("--retry-after", default=None, help="retry-after header value for 429s")
    p.add_argument("--require-key")
    p.add_argument("--openai-keyless", action="store_true",
                   help="chat completions without an Authorization header are accepted")
    p.add_argument("--batch-polls", type=int, default=1, help="polls answered in_progress")
    p.add_argument("--batch-errored", type=float, default=0.0)
    p.add_argument("--batch-expired", type=float, default=0.0)
    p.add_argument("--pricing", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "..", "data", "pricing.toml"),
                   help="price table whose min_cache_tokens say when the prompt cache engages")
    p.add_argument("--rl-requests", type=int, default=0,
                   help="requests allowed per --rl-window-s window (0: no limit)")
    p.add_argument("--rl-input-tokens", type=int, default=0,
                   help="input tokens (input + cache writes) allowed per window (0: no limit)")
    p.add_argument("--rl-window-s", type=int, default=60,
                   help="rate-limit window in whole seconds; headers report what remains in it")
    p.add_argument("--hostile-errors", action="store_true",
                   help="error messages and request ids carry terminal escapes and controls")
    p.add_argument("--cache-min", type=int, default=None,
                   help="minimum cacheable prefix (tokens) for every model, instead of the table's "
                        "(models the table lacks: 1024)")
    args = p.parse_args()
    try:
        split_list(args.faults)
        split_list(args.script)
    except ValueError as e:
        p.error(str(e))
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
