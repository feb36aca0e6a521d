#!/usr/bin/env python3
"""Independent verifier of DataExchange trade receipts, format "dataexchange.trade-receipt/1".

Written from src/DataExchange.Ledger/RECEIPTS.md and SIGNATURES.md (not from the C# code), so that a receipt is
checked by a second implementation: Python 3.11 standard library, plus the `openssl` command for signatures only.
Where the page leaves open which member a failure names, it names the one the C# verifier names, so that tests can
hold both to the same answer.

    verify_receipt.py RECEIPT.json [RECEIPT.json ...] --key FILE|DIR [--key ...] [--origin ORIGIN]

One line per receipt: "OK: ..." (exit 0), "INVALID: <json path>: <why>" (exit 1), or "ERROR: ..." for unreadable
input or bad arguments (exit 2). With several receipts each line is prefixed by the file name; the exit code is the
worst outcome.
"""
import base64
import binascii
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

FORMAT = "dataexchange.trade-receipt/1"
SM2_ID = b"sm2-sm3"
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")  # SPKI DER of an Ed25519 key, minus the 32 key bytes
SM2_CURVE_OID = bytes.fromhex("06082a811ccf5501822d")  # OID 1.2.156.10197.1.301 (sm2p256v1), DER-encoded
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_SAFE = 2**53 - 1


class Invalid(Exception):
    """The receipt is wrong; `path` names the member (a JSON path into the receipt)."""

    def __init__(self, path, message):
        super().__init__(f"{path}: {message}")


class Error(Exception):
    """The verifier could not do its job (arguments, files, tools): not a judgement on the receipt."""


# ---------------------------------------------------------------------------------------------------------- hashing
def _sm3(data):
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:  # this Python's OpenSSL lacks SM3 in hashlib: ask the openssl command
        out = subprocess.run(["openssl", "dgst", "-sm3", "-binary"], input=data, capture_output=True)
        if out.returncode != 0 or len(out.stdout) != 32:
            raise Error("SM3 is not available (hashlib and `openssl dgst -sm3` both failed)")
        return out.stdout


HASHES = {"HASH_ALGORITHM_SHA256": ("sha256:", lambda d: hashlib.sha256(d).digest()), "HASH_ALGORITHM_SM3": ("sm3:", _sm3)}


def leaf_hash(h, data):
    return h(b"\x00" + data)


def root_from_inclusion(h, index, size, leaf, proof):
    """RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or None when the proof cannot be for (index, size)."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


# ------------------------------------------------------------------------------------------- RFC 8785 (restricted)
def _no_float(text):
    raise ValueError(f"number {text} is not an integer")


def _no_constant(text):
    raise ValueError(f"{text} is not JSON")


class JsonObject(dict):
    """A parsed JSON object that remembers the first name it was given twice (json keeps the last value silently)."""

    repeated = None


def _pairs(pairs):
    obj = JsonObject()
    for k, v in pairs:
        if k in obj and obj.repeated is None:
            obj.repeated = k
        obj[k] = v
    return obj


def first_repeated(v, path=""):
    """The JSON path of a member given twice, or None: parsers differ on which one counts, so neither may."""
    if isinstance(v, JsonObject) and v.repeated is not None:
        return f"{path}.{v.repeated}" if path else v.repeated
    items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()
    for k, item in items:
        found = first_repeated(item, (f"{path}.{k}" if path else k) if isinstance(k, str) else f"{path}[{k}]")
        if found:
            return found
    return None


def parse_json(data, floats=False):
    """Strict JSON from UTF-8 bytes: no duplicate members, no NaN, and no fractions unless `floats` (ValueError)."""
    return json.loads(data.decode("utf-8"), object_pairs_hook=_pairs, parse_constant=_no_constant,
                      parse_float=float if floats else _no_float)


def _string(s):
    s.encode("utf-8")  # a lone surrogate (from a \ud800 escape) raises: it has no UTF-8 form
    return json.dumps(s, ensure_ascii=False)  # escapes exactly " \ \b \f \n \r \t and other C0 as \u00xx, as RFC 8785


def canonical(v):
    """RFC 8785 bytes of a value limited to the ledger's shape: integers within ±(2^53−1), never floats."""
    if v is None or v is True or v is False:
        return json.dumps(v)
    if isinstance(v, int):
        if abs(v) > MAX_SAFE:
            raise ValueError(f"integer {v} is beyond 2^53-1")
        return str(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list):
        return "[" + ",".join(canonical(x) for x in v) + "]"
    # Members sorted by UTF-16 code units (RFC 8785 §3.2.3); big-endian UTF-16 bytes sort the same way.
    keys = sorted(v, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
    return "{" + ",".join(_string(k) + ":" + canonical(v[k]) for k in keys) + "}"


def parse_canonical(data, path):
    """Parses bytes that must be exactly RFC 8785: re-encodes them and compares, so one value has one spelling."""
    try:
        value = parse_json(data)
        if first_repeated(value):
            raise ValueError(f"{first_repeated(value)} is given twice")
        again = canonical(value).encode("utf-8")
    except (ValueError, RecursionError) as e:
        raise Invalid(path, f"not canonical RFC 8785 JSON: {e}")
    if again != data:
        raise Invalid(path, "not canonical RFC 8785 JSON (re-encoding gives different bytes)")
    return value


# --------------------------------------------------------------------------------------------- proto3 JSON reading
def typed(value, kind, path, default):
    """A proto3 JSON scalar: null or absent is the default; int64 may be a decimal string or a number."""
    if value is None:
        return default
    if kind is int and isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value):
        return int(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid(path, f"must be a {dict(str='string', int='integer', bool='boolean', list='list').get(kind.__name__)}")
    return value


def is_default(v):
    """A proto3 JSON default (null, false, 0, "", "0", an *_UNSPECIFIED enum, [] or {}): a writer that writes defaults
    gives it for a field left empty, so such a member reads as absent, even one the format does not define."""
    if v is None or v is False or v == [] or v == {}:
        return True
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v == 0
    return isinstance(v, str) and (v in ("", "0") or v.endswith("_UNSPECIFIED"))


class Msg:
    """A proto3 JSON object: a missing (or null) member is its default; unknown members are refused."""

    def __init__(self, obj, path, members):
        if not isinstance(obj, dict):
            raise Invalid(path, "must be a JSON object")
        for k, v in obj.items():
            if k not in members and not is_default(v):
                raise Invalid(f"{path}.{k}" if path else k, "unknown member")
        self.obj, self.path = obj, path

    def at(self, k):
        return f"{self.path}.{k}" if self.path else k

    def str(self, k):
        return typed(self.obj.get(k), str, self.at(k), "")

    def int(self, k):
        return typed(self.obj.get(k), int, self.at(k), 0)

    def list(self, k):
        return typed(self.obj.get(k), list, self.at(k), [])

    def bytes(self, k):
        try:
            return base64.b64decode(self.str(k), validate=True)
        except ValueError:  # binascii.Error, or a non-ASCII string
            raise Invalid(self.at(k), "is not standard base64")

    def msg(self, k, members):
        v = self.obj.get(k)
        return Msg({} if v is None else v, self.at(k), members)


def parse_time(text, path, frac_max=9):
    """RFC 3339 date-time (Z or ±hh:mm) as integer nanoseconds since the epoch: times compare as instants."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,%d}))?([Zz]|[+-]\d\d:\d\d)" % frac_max, text or "")
    try:
        if not m:
            raise ValueError("not an RFC 3339 date-time")
        y, mo, d, hh, mi, ss = (int(x) for x in m.groups()[:6])
        t = datetime.datetime(y, mo, d, hh, mi, ss, tzinfo=datetime.timezone.utc)
    except ValueError as e:
        raise Invalid(path, f'"{text}": {e}')
    off = 0 if m[8] in "Zz" else (int(m[8][1:3]) * 60 + int(m[8][4:6])) * (1 if m[8][0] == "+" else -1)
    seconds = (t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(seconds=1) - off * 60
    return seconds * 10**9 + int((m[7] or "").ljust(9, "0"))


def valid_date(text):
    try:
        return bool(re.fullmatch(r"\d{4}-\d\d-\d\d", text)) and datetime.date.fromisoformat(text) is not None
    except (TypeError, ValueError):
        return False


def b64_exact(text, size=None):
    """The bytes of canonical padded base64 (of exactly `size` bytes when given), or None: one spelling per value."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error is a ValueError
        return None
    return raw if (size is None or len(raw) == size) and base64.b64encode(raw).decode() == text else None


def decimal(text):
    """A canonical non-negative decimal (no sign, no leading zeros), or None."""
    return int(text) if re.fullmatch(r"0|[1-9][0-9]{0,17}", text) else None


# ------------------------------------------------------------------------------------------------------------- keys
class Key:
    """A trusted note key: name, type byte and material as in SIGNATURES.md; id = SHA-256(name ‖ 0x0A ‖ type ‖ material)[:4]."""

    def __init__(self, name, typ, material):
        self.name, self.typ, self.material = name, typ, material
        self.id = hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + material).digest()[:4]
        self.label = f"{name}+{self.id.hex()}"
        spki = ED25519_SPKI_PREFIX + material if typ == 1 else material[len(SM2_ID):]
        self.pem = "-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(spki).decode() + "-----END PUBLIC KEY-----\n"


def key_from_spki(name, der):
    if der.startswith(ED25519_SPKI_PREFIX) and len(der) == 44:
        return Key(name, 0x01, der[12:])
    if SM2_CURVE_OID in der:
        return Key(name, 0xFF, SM2_ID + der)
    raise ValueError("neither an Ed25519 nor an SM2 public key")


def pem_der(text):
    m = re.search(r"-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", text, re.S)
    if not m:
        raise ValueError("no BEGIN PUBLIC KEY block")
    return base64.b64decode("".join(m[1].split()), validate=True)


def key_from_vkey(text):
    """name+<8 hex key id>+base64(type ‖ material); the embedded id must be the computed one."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]) or not parts[0]:
        raise ValueError("not name+keyid+base64")
    blob = base64.b64decode(parts[2], validate=True)
    if blob[:1] == b"\x01" and len(blob) == 33:
        key = Key(parts[0], 0x01, blob[1:])
    elif blob[:1] == b"\xff" and blob[1:].startswith(SM2_ID):
        key = Key(parts[0], 0xFF, blob[1:])
    else:
        raise ValueError("unsupported key type")
    if key.id.hex() != parts[1]:
        raise ValueError(f"key id {parts[1]} does not match the key ({key.id.hex()})")
    return key


def load_keys(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            names = sorted(os.listdir(p))
            chosen = [n for n in names if n.endswith(".vkey")] or [n for n in names if n.endswith(".pem")]
            files += [os.path.join(p, n) for n in chosen]
        else:
            files.append(p)
    keys = {}
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                text = fh.read()
            if "-----BEGIN" in text:
                key = key_from_spki(os.path.splitext(os.path.basename(f))[0], pem_der(text))
            else:
                key = key_from_vkey(text)
        except (OSError, ValueError) as e:
            raise Error(f"key {f}: {e}")
        keys[(key.name, key.id)] = key
    if not keys:
        raise Error("no key given (--key FILE or a folder of *.vkey / *.pem)")
    return list(keys.values())


class OpenSsl:
    """Signature checks through the `openssl` command; results are cached (many receipts share one checkpoint)."""

    def __init__(self, tmp):
        self.tmp, self.cache = tmp, {}

    def verify(self, key, message, sig):
        if key.typ == 1 and len(sig) != 64:
            return False
        token = (key.name, key.id, message, sig)
        if token not in self.cache:
            files = {n: os.path.join(self.tmp, n) for n in ("key.pem", "msg", "sig")}
            for n, data in (("key.pem", key.pem.encode()), ("msg", message), ("sig", sig)):
                with open(files[n], "wb") as fh:
                    fh.write(data)
            if key.typ == 1:
                cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", files["key.pem"], "-rawin", "-in", files["msg"], "-sigfile", files["sig"]]
            else:  # OpenSSL 3.0's default SM2 id is empty: pass 1234567812345678 explicitly (SIGNATURES.md)
                cmd = ["openssl", "dgst", "-sm3", "-verify", files["key.pem"], "-sigopt", "distid:1234567812345678", "-signature", files["sig"], files["msg"]]
            try:
                out = subprocess.run(cmd, capture_output=True, text=True)
            except OSError as e:
                raise Error(f"cannot run openssl: {e}")
            self.cache[token] = out.returncode == 0 and ("Verified OK" in out.stdout or "Verified Successfully" in out.stdout)
        return self.cache[token]


# ----------------------------------------------------------------------------------------------------- the receipt
RECEIPT = {"format", "trade", "origin", "hashAlgorithm", "treeSize", "checkpoint", "leaves", "streamHead", "record", "keys"}
CHECKPOINT = {"origin", "treeSize", "rootHash", "note", "hashAlgorithm", "createTime"}
LEAF = {"entry", "inclusionProof"}
ENTRY = {"leafIndex", "leaf", "streamId", "streamVersion", "eventId", "eventType", "recordTime", "effectiveDate",
         "payloadDigest", "payload", "leafHash", "leafDecodeError"}
HEAD = {"mapSize", "index", "entry", "proof"}
KEY = {"keyName", "keyId", "type", "publicKeyPem", "verifierKey", "validFromTreeSize", "validUntilTreeSize"}
LEAF_MEMBERS = {"event_id", "event_type", "leaf_index", "payload_digest", "recorded_at", "stream_id", "stream_version"}


def verify(doc, trusted, openssl, expected_origin=None):
    """The seven steps of RECEIPTS.md; returns a summary or raises Invalid naming the member."""
    # 1. Document.
    repeated = first_repeated(doc)
    if repeated:
        raise Invalid(repeated, "is given twice: JSON readers differ on which one counts")
    r = Msg(doc, "", RECEIPT)
    if r.obj.get("format") != FORMAT:
        raise Invalid("format", f"must be \"{FORMAT}\", found {json.dumps(r.obj.get('format'))}")
    alg = r.str("hashAlgorithm")
    if alg not in HASHES:
        raise Invalid("hashAlgorithm", f"must be HASH_ALGORITHM_SHA256 or HASH_ALGORITHM_SM3, found \"{alg}\"")
    prefix, h = HASHES[alg]
    trade = r.str("trade")
    if not (trade.startswith("trades/") and UUID_RE.fullmatch(trade[7:])):
        raise Invalid("trade", f'"{trade}" is not trades/ + a lowercase UUID')
    trade_id = trade[7:]

    # 2. Signatures: every trusted key signed the text before the last blank line (a checkpoint's text has none).
    cp = r.msg("checkpoint", CHECKPOINT)
    note = cp.str("note")
    split = note.rfind("\n\n")
    if split < 0:
        raise Invalid("checkpoint.note", "no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2:]
    if not block.endswith("\n"):
        raise Invalid("checkpoint.note", "the signature block is empty or lacks its final newline")
    lines = {}
    for line in block[:-1].split("\n"):
        m = re.fullmatch(r"\u2014 (\S+) (\S+)", line)
        blob = b64_exact(m[2]) if m else None
        if not blob or len(blob) < 5:
            raise Invalid("checkpoint.note", f'malformed signature line "{line}"')
        lines.setdefault(m[1], []).append((blob[:4], blob[4:]))
    try:
        signed = text.encode("utf-8")
    except UnicodeError:
        raise Invalid("checkpoint.note", "is not valid Unicode")
    # Every key name given must sign; several keys of one name are one signer before and after a rotation, so the one
    # whose id the note names is the one required.
    by_name = {}
    for key in trusted:
        by_name.setdefault(key.name, []).append(key)
    for name, keys in by_name.items():
        named = [k for k in keys if any(kid == k.id for kid, _ in lines.get(name, []))]
        if not named:
            others = [kid.hex() for kid, _ in lines.get(name, [])]
            label = " or ".join(k.label for k in keys)
            raise Invalid("checkpoint.note", f"not signed by {label}" + (f" (unknown key id(s) {', '.join(others)} for that name)" if others else ""))
        for key in named:
            if not all(openssl.verify(key, signed, sig) for kid, sig in lines[name] if kid == key.id):
                raise Invalid("checkpoint.note", f"the signature of {key.label} does not verify")

    # 3. Checkpoint: the signed lines rule; the unsigned members must repeat them.
    body = text[:-1].split("\n")
    if len(body) < 3:
        raise Invalid("checkpoint.note", "needs origin, size and root lines")
    size = decimal(body[1])
    root = b64_exact(body[2], len(h(b"")))
    if size is None or root is None:
        raise Invalid("checkpoint.note", "size or root line is not canonical")
    if expected_origin is not None and body[0] != expected_origin:
        raise Invalid("origin", f'the log is "{body[0]}", not the expected "{expected_origin}"')
    for path, value, want in (("origin", r.str("origin"), body[0]), ("checkpoint.origin", cp.str("origin"), body[0]),
                              ("treeSize", r.int("treeSize"), size), ("checkpoint.treeSize", cp.int("treeSize"), size),
                              ("checkpoint.rootHash", cp.bytes("rootHash"), root)):
        if value != want:
            raise Invalid(path, f"{value!r} differs from the signed note's {want!r}")
    if cp.str("hashAlgorithm") and cp.str("hashAlgorithm") != alg:
        raise Invalid("checkpoint.hashAlgorithm", f'"{cp.str("hashAlgorithm")}" differs from the receipt\'s "{alg}"')
    if cp.obj.get("createTime") is not None:
        parse_time(cp.str("createTime"), "checkpoint.createTime")
    ext = body[3:]
    m = len(ext) == 1 and re.fullmatch(r"stream-heads (\S+) (\S+)", ext[0])
    map_size, map_root = (decimal(m[1]), b64_exact(m[2], len(root))) if m else (None, None)
    if map_size is None or map_root is None:
        raise Invalid("checkpoint.note", "needs exactly one extension line \"stream-heads <M> <base64 root>\"")

    # 4. Leaves: canonical, as decoded, contiguous versions of this trade, payload digests, inclusion in the root.
    leaves = r.list("leaves")
    if not leaves:
        raise Invalid("leaves", "a receipt has at least one leaf")
    entries, last_index = [], -1
    for i, item in enumerate(leaves):
        leaf = Msg(item, f"leaves[{i}]", LEAF)
        e = leaf.msg("entry", ENTRY)
        raw = e.bytes("leaf")
        L = parse_leaf(raw, e.at("leaf"), prefix)
        decoded = [("leafIndex", e.int("leafIndex"), L["leaf_index"]), ("streamId", e.str("streamId"), L["stream_id"]),
                   ("streamVersion", e.int("streamVersion"), L["stream_version"]), ("eventId", e.str("eventId"), L["event_id"]),
                   ("eventType", e.str("eventType"), L["event_type"]), ("effectiveDate", e.str("effectiveDate"), L.get("effective_date", "")),
                   ("payloadDigest", e.str("payloadDigest"), L["payload_digest"]),
                   ("recordTime", parse_time(e.str("recordTime"), e.at("recordTime")), parse_time(L["recorded_at"], e.at("leaf")))]
        for name, value, want in decoded:
            if value != want:
                raise Invalid(e.at(name), f"{value!r} is not the leaf's {want!r}")
        if L["stream_id"] != trade_id:
            # Already the first leaf is another stream's: most likely the receipt was relabelled, so `trade` is at fault.
            raise Invalid("trade" if i == 0 else e.at("leaf"), f"leaf {i} is of stream {L['stream_id']}, not of {trade}")
        if L["stream_version"] != i + 1:
            raise Invalid(e.at("streamVersion"), f"version {L['stream_version']} where {i + 1} is due (versions run 1, 2, ... without gaps)")
        if not last_index < L["leaf_index"] < size:
            raise Invalid(e.at("leafIndex"), f"{L['leaf_index']} must exceed the previous leaf's {last_index} and be below the tree size {size}")
        last_index = L["leaf_index"]
        payload = e.bytes("payload")
        body_of_payload = parse_canonical(payload, e.at("payload"))
        if prefix + h(payload).hex() != L["payload_digest"]:
            raise Invalid(e.at("payload"), f"hashes to {prefix}{h(payload).hex()}, not the leaf's {L['payload_digest']}")
        proof = proof_hashes(leaf, "inclusionProof", len(root))
        if root_from_inclusion(h, L["leaf_index"], size, leaf_hash(h, raw), proof) != root:
            raise Invalid(leaf.at("inclusionProof"), f"does not lead from leaf {L['leaf_index']} to the checkpoint root")
        # Served beside the leaf (LogEntry): once the leaf is proven, these may only repeat what it says.
        if e.obj.get("leafHash") is not None and e.bytes("leafHash") != leaf_hash(h, raw):
            raise Invalid(e.at("leafHash"), "is not H(0x00 ‖ leaf)")
        if e.str("leafDecodeError"):
            raise Invalid(e.at("leafDecodeError"), "must be empty: the leaf decodes")
        entries.append((L, body_of_payload, f"leaves[{i}].entry"))

    # 5. Completeness: the stream-heads map signed with the checkpoint says this stream ends at our last leaf.
    sh = r.msg("streamHead", HEAD)
    head = parse_canonical(sh.bytes("entry"), "streamHead.entry")
    if not isinstance(head, dict) or set(head) != {"leaf_index", "stream_id", "stream_version"}:
        raise Invalid("streamHead.entry", "must hold exactly leaf_index, stream_id and stream_version")
    if head["stream_id"] != trade_id:
        raise Invalid("streamHead.entry", f"is the head of stream {head['stream_id']}, not of {trade_id}")
    if sh.int("mapSize") != map_size:
        raise Invalid("streamHead.mapSize", f"{sh.int('mapSize')} is not the note's stream-heads count {map_size}")
    if not 0 <= sh.int("index") < map_size:
        raise Invalid("streamHead.index", f"{sh.int('index')} is outside a map of {map_size}")
    proof = proof_hashes(sh, "proof", len(root))
    if root_from_inclusion(h, sh.int("index"), map_size, leaf_hash(h, sh.bytes("entry")), proof) != map_root:
        raise Invalid("streamHead.proof", "does not lead from the entry to the note's stream-heads root")
    # Only now is the entry known to be signed: if it disagrees, the receipt lacks events (or has too many).
    if (head["stream_version"], head["leaf_index"]) != (len(leaves), last_index):
        raise Invalid("leaves", f"the signed stream-heads map says the stream is at version {head['stream_version']} (leaf "
                      f"{head['leaf_index']}), the receipt ends at version {len(leaves)} (leaf {last_index}): events are missing")

    # 6. Replay the payloads and compare with the record, member by member.
    expected = replay(entries, trade_id)
    if r.obj.get("record") is None:
        raise Invalid("record", "missing: the receipt states no record")
    compare(RECORD, normalize(RECORD, r.obj.get("record"), "record"), expected, "record")

    # 7. Keys carried in the receipt must at least be self-consistent (trust comes from the --key files).
    # and each must be a key whose signature line the note carries.
    for i, item in enumerate(r.list("keys")):
        k = Msg(item, f"keys[{i}]", KEY)
        check_key(k)
        if not any(kid.hex() == k.str("keyId") for kid, _ in lines.get(k.str("keyName"), [])):
            raise Invalid(k.at("keyId"), f'the note carries no signature line of {k.str("keyName")}+{k.str("keyId")}')

    state = expected["state"]
    return f"{trade}: {len(leaves)} event(s), {state}, checkpoint {body[0]} size {size} signed by {', '.join(k.label for k in trusted)}"


def parse_leaf(raw, path, prefix):
    L = parse_canonical(raw, path)
    if not isinstance(L, dict) or not LEAF_MEMBERS <= set(L) or not set(L) <= LEAF_MEMBERS | {"effective_date"}:
        raise Invalid(path, "must hold exactly the leaf members (effective_date optional)")
    ok = (isinstance(L["leaf_index"], int) and L["leaf_index"] >= 0 and isinstance(L["stream_version"], int)
          and all(isinstance(L[k], str) for k in L if k not in ("leaf_index", "stream_version"))
          and UUID_RE.fullmatch(L["event_id"]) and L["event_type"] and L["stream_id"]
          and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", L["recorded_at"])
          and valid_date(L.get("effective_date", "2000-01-01"))
          and re.fullmatch(re.escape(prefix) + "[0-9a-f]{64}", L["payload_digest"]))
    if not ok:
        raise Invalid(path, "a leaf member has the wrong type or form (or the digest does not name the log's hash)")
    return L


def proof_hashes(msg, k, size):
    proof = msg.list(k)
    out = []
    for j, p in enumerate(proof):
        try:
            node = base64.b64decode(p, validate=True) if isinstance(p, str) else b""
        except ValueError:
            node = b""
        if len(node) != size:
            raise Invalid(f"{msg.at(k)}[{j}]", f"is not a {size}-byte hash in base64")
        out.append(node)
    return out


def check_key(k):
    name, typ = k.str("keyName"), k.str("type")
    try:
        key = key_from_spki(name, pem_der(k.str("publicKeyPem")))
    except ValueError as e:
        raise Invalid(k.at("publicKeyPem"), str(e))
    if typ != {1: "SIGNING_KEY_TYPE_ED25519", 0xFF: "SIGNING_KEY_TYPE_SM2_SM3"}[key.typ]:
        raise Invalid(k.at("type"), f'"{typ}" does not match the key in publicKeyPem')
    if k.str("keyId") != key.id.hex():
        raise Invalid(k.at("keyId"), f'"{k.str("keyId")}" is not the id of {name} and its key ({key.id.hex()})')
    try:
        vkey = key_from_vkey(k.str("verifierKey"))
    except ValueError as e:
        raise Invalid(k.at("verifierKey"), str(e))
    if (vkey.name, vkey.id, vkey.typ, vkey.material) != (key.name, key.id, key.typ, key.material):
        raise Invalid(k.at("verifierKey"), "does not name the same key as keyName and publicKeyPem")


# ----------------------------------------------------------------------------------------------------------- replay
def enum(prefix, names):
    """Payload enum names (PascalCase) → proto enum value names (PREFIX_UPPER_SNAKE)."""
    return {n: prefix + re.sub(r"(?<!^)(?=[A-Z])", "_", n).upper() for n in names}


TERRITORY = enum("TERRITORY_", ["MainlandChina", "GreaterBayArea", "HongKong", "Macao", "Global"])
REGION = enum("REGION_", ["MainlandChina", "HongKong", "Macao", "Other"])
MECHANISM = enum("EXPORT_MECHANISM_", ["None", "Exempt", "SecurityAssessment", "StandardContract", "Certification", "GbaStandardContract"])
ORIGIN = enum("TRADE_ORIGIN_", ["Executed", "Filed"])
STATE = enum("TRADE_STATE_", ["Contracted", "Delivered", "Received", "Settled", "Cancelled", "Disputed", "Refunded", "Refused"])

# The record's proto3 JSON shape: member → type; a dict is a message, a list [T] a repeated T, ("map",) a map<string,string>.
MONEY = {"currencyCode": "string", "amountMinor": "int"}
JURISDICTION = {"region": ["REGION_UNSPECIFIED", *REGION.values()], "city": "string"}
EVALUATION = {"ruleId": "string", "description": "string", "outcome": "string", "inputs": ("map",)}
RECORD = {
    "trade": "string", "filingNumber": "string", "listing": "string", "listingRevision": "int", "vendor": "string",
    "vendorJurisdiction": JURISDICTION, "buyer": "string", "buyerJurisdiction": JURISDICTION,
    "licence": {"purpose": "string", "termDays": "int", "exclusive": "bool", "onwardTransferAllowed": "bool",
                "territory": ["TERRITORY_UNSPECIFIED", *TERRITORY.values()]},
    "amount": MONEY, "settledAmount": MONEY, "contractDate": "string",
    "state": ["TRADE_STATE_UNSPECIFIED", *STATE.values()], "origin": ["TRADE_ORIGIN_UNSPECIFIED", *ORIGIN.values()],
    "externalReference": "string",
    "compliance": {"accepted": "bool", "crossBorder": "bool", "ruleSetVersion": "string",
                   "mechanism": ["EXPORT_MECHANISM_UNSPECIFIED", *MECHANISM.values()], "approval": "string",
                   "approvalReference": "string", "refusalReason": "string", "refusedByRule": "string",
                   "explanation": "string", "evaluations": [EVALUATION], "cumulativeIndividuals": "int",
                   "cumulativeSensitiveIndividuals": "int"},
    "version": "int", "createTime": "time", "updateTime": "time",
}


def normalize(shape, value, path):
    """A proto3 JSON value in one comparable form: defaults filled in, int64 strings as ints, times as nanoseconds."""
    if isinstance(shape, dict):
        # Absent and all-default compare alike (RECEIPTS.md: "verifiers treat both alike"), so absent reads as {}.
        m = Msg({} if value is None else value, path, shape)
        return {k: normalize(t, m.obj.get(k), m.at(k)) for k, t in shape.items()}
    if isinstance(shape, tuple):  # map<string, string>
        m = Msg({} if value is None else value, path, value or {})
        return {k: m.str(k) for k in m.obj}
    if isinstance(shape, list) and len(shape) == 1:
        return [normalize(shape[0], v, f"{path}[{i}]") for i, v in enumerate(typed(value, list, path, []))]
    if shape == "time":
        return None if value is None else parse_time(typed(value, str, path, ""), path)
    if shape in ("string", "int", "bool"):
        return typed(value, {"string": str, "int": int, "bool": bool}[shape], path, {"string": "", "int": 0, "bool": False}[shape])
    names = shape  # an enum: by name, or by number as proto3 JSON also allows
    v = names[0] if value is None else value
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(names):
        v = names[v]
    if v not in names:
        raise Invalid(path, f"{json.dumps(v)} is not one of {', '.join(names)}")
    return v


def show(v):
    text = "absent" if v is None else json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def compare(shape, actual, expected, path):
    if isinstance(shape, dict):
        for k, t in shape.items():
            compare(t, actual[k], expected[k], f"{path}.{k}")
    elif isinstance(shape, list) and len(shape) == 1:
        if len(actual) != len(expected):
            raise Invalid(path, f"has {len(actual)} item(s) but the payloads give {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            compare(shape[0], a, e, f"{path}[{i}]")
    elif actual != expected:
        if shape == "time":  # nanoseconds back to RFC 3339 for people
            actual, expected = (None if t is None else rfc3339(t) for t in (actual, expected))
        raise Invalid(path, f"is {show(actual)} but the payloads say {show(expected)}")


def rfc3339(ns):
    seconds, nanos = divmod(ns, 10**9)
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)).isoformat() + f".{nanos:09d}Z"


class Payload:
    """Typed access to one payload's members; any problem names the payload (leaves[i].entry.payload)."""

    def __init__(self, obj, path, event):
        self.obj, self.path, self.event = obj, path, event

    def get(self, dotted, kind, nullable=False):
        v = self.obj
        for part in dotted.split("."):
            if not isinstance(v, dict) or part not in v:
                if nullable and isinstance(v, dict):
                    return None  # a serializer may leave a null member out
                raise Invalid(self.path, f"{self.event} payload lacks {dotted}")
            v = v[part]
        if v is None and nullable:
            return None
        if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            raise Invalid(self.path, f"{self.event} payload member {dotted} is not a {kind.__name__}")
        return v

    def pick(self, dotted, table):
        v = self.get(dotted, str)
        if v not in table:
            raise Invalid(self.path, f"{self.event} payload member {dotted} has the unknown value \"{v}\"")
        return table[v]

    def uuid(self, dotted, nullable=False):
        v = self.get(dotted, str, nullable)
        if v is not None and not UUID_RE.fullmatch(v):
            raise Invalid(self.path, f"{self.event} payload member {dotted} is not a lowercase UUID")
        return v

    def money(self, dotted):
        return {"currencyCode": self.get(dotted + ".CurrencyCode", str), "amountMinor": self.get(dotted + ".AmountMinor", int)}

    def time(self, dotted):
        return parse_time(self.get(dotted, str), self.path)

    def jurisdiction(self, party):
        return {"region": self.pick(f"ComplianceInput.{party}.Region", REGION), "city": self.get(f"ComplianceInput.{party}.City", str, True) or ""}


def replay(entries, trade_id):
    rec, before_dispute = None, None
    for L, body, at in entries:
        event, path = L["event_type"], at + ".payload"
        if not isinstance(body, dict):
            raise Invalid(path, "a payload is a JSON object")
        p = Payload(body, path, event)
        if p.uuid("TradeId") != trade_id:
            raise Invalid(path, f"TradeId {body['TradeId']} is not the trade's {trade_id}")
        # The leaf's effective_date is the payload's top-level EffectiveDate (how the ledger builds leaves).
        eff = body.get("EffectiveDate")
        if L.get("effective_date") != (eff if isinstance(eff, str) and valid_date(eff) else None):
            raise Invalid(at + ".leaf", f"effective_date {L.get('effective_date')} is not the payload's EffectiveDate {eff}")
        at_time = p.time("At")
        if rec is None:
            if event not in ("trade_contracted", "trade_refused"):
                raise Invalid(at + ".eventType", f"{event} cannot start a trade (trade_contracted or trade_refused must)")
            rec = start(p, event == "trade_contracted")
        elif event in AFTER and rec["state"] not in [STATE[s] for s in AFTER[event]]:
            raise Invalid(at + ".eventType", f"{event} cannot follow a trade in state {rec['state']}")
        elif event == "trade_delivered":
            rec["state"] = STATE["Delivered"]
        elif event == "trade_receipt_acknowledged":
            rec["state"] = STATE["Received"]
        elif event == "trade_amount_adjusted":
            rec["amount"] = p.money("To")
        elif event == "trade_settled":
            rec["state"], rec["settledAmount"] = STATE["Settled"], p.money("Amount")
        elif event == "trade_cancelled":
            rec["state"] = STATE["Cancelled"]
        elif event == "trade_dispute_opened":
            rec["state"], before_dispute = STATE["Disputed"], p.pick("PreviousState", STATE)
        elif event == "trade_dispute_resolved" and before_dispute is not None:
            refund = p.pick("Resolution", {"UpheldRefund": True, "Dismissed": False})
            rec["state"], before_dispute = STATE["Refunded"] if refund else before_dispute, None
        else:
            raise Invalid(at + ".eventType", f"{event} cannot follow a trade in state {rec['state']}")
        rec["updateTime"] = at_time
        rec["version"] += 1
    return rec


# RECEIPTS.md "Replay": the states each later event may follow.
AFTER = {
    "trade_delivered": ["Contracted"],
    "trade_receipt_acknowledged": ["Delivered"],
    "trade_amount_adjusted": ["Received"],
    "trade_settled": ["Received"],
    "trade_cancelled": ["Contracted"],
    "trade_dispute_opened": ["Delivered", "Received", "Settled"],
    "trade_dispute_resolved": ["Disputed"],
}


def start(p, contracted):
    vendor = p.uuid("VendorId")
    approval = p.uuid("Compliance.ApprovalId", nullable=True)
    evaluations = p.get("Compliance.Evaluations", list)
    evals = []
    for j in range(len(evaluations)):
        e = f"Compliance.Evaluations.{j}"
        ev = evaluations[j]
        if not isinstance(ev, dict):
            raise Invalid(p.path, f"{p.event} payload member {e} is not an object")
        q = Payload(ev, p.path, p.event)
        inputs = q.get("Inputs", dict)
        if not all(isinstance(v, str) for v in inputs.values()):
            raise Invalid(p.path, f"{p.event} payload member {e}.Inputs has a non-string value")
        evals.append({"ruleId": q.get("RuleId", str), "description": q.get("Description", str), "outcome": q.get("Outcome", str), "inputs": inputs})
    at = p.time("At")
    return {
        "trade": "trades/" + p.uuid("TradeId"),
        "filingNumber": p.get("FilingNumber", str) if contracted else "",
        "listing": "listings/" + p.uuid("ListingId"),
        "listingRevision": p.get("ListingRevision", int),
        "vendor": "participants/" + vendor,
        "vendorJurisdiction": p.jurisdiction("Exporter"),
        "buyer": "participants/" + p.uuid("BuyerId"),
        "buyerJurisdiction": p.jurisdiction("Importer"),
        "licence": {"purpose": p.get("Licence.Purpose", str), "termDays": p.get("Licence.TermDays", int),
                    "exclusive": p.get("Licence.Exclusive", bool), "onwardTransferAllowed": p.get("Licence.OnwardTransferAllowed", bool),
                    "territory": p.pick("Licence.Territory", TERRITORY)},
        "amount": p.money("Amount"),
        "settledAmount": {"currencyCode": "", "amountMinor": 0},  # none yet: all defaults, as absent reads
        "contractDate": p.get("EffectiveDate", str),
        "state": STATE["Contracted" if contracted else "Refused"],
        "origin": p.pick("Origin", ORIGIN),
        "externalReference": p.get("ExternalReference", str, True) or "",
        "compliance": {
            "accepted": p.get("Compliance.Accepted", bool), "crossBorder": p.get("Compliance.CrossBorder", bool),
            "ruleSetVersion": p.get("Compliance.RuleSetVersion", str), "mechanism": p.pick("Compliance.Mechanism", MECHANISM),
            "approval": f"participants/{vendor}/exportApprovals/{approval}" if approval else "",
            "approvalReference": p.get("Compliance.ApprovalReference", str, True) or "",
            "refusalReason": p.get("Compliance.RefusalReason", str, True) or "",
            "refusedByRule": p.get("Compliance.RefusedByRule", str, True) or "",
            "explanation": p.get("Compliance.Explanation", str), "evaluations": evals,
            "cumulativeIndividuals": p.get("Compliance.VolumeAfter.Individuals", int),
            "cumulativeSensitiveIndividuals": p.get("Compliance.VolumeAfter.SensitiveIndividuals", int),
        },
        "version": 0, "createTime": at, "updateTime": at,
    }


# -------------------------------------------------------------------------------------------------------------- CLI
def main(argv):
    files, keys, origin = [], [], None
    args = iter(argv)
    for a in args:
        if a in ("--key", "--origin"):
            value = next(args, None)
            if value is None:
                raise Error(f"{a} needs a value")
            if a == "--key":
                keys.append(value)
            else:
                origin = value
        elif a.startswith("-"):
            raise Error(f"unknown option {a}; usage: verify_receipt.py RECEIPT.json [...] --key FILE|DIR [--key ...] [--origin ORIGIN]")
        else:
            files.append(a)
    if not files:
        raise Error("no receipt file given; usage: verify_receipt.py RECEIPT.json [...] --key FILE|DIR [--origin ORIGIN]")
    trusted = load_keys(keys)
    worst = 0
    with tempfile.TemporaryDirectory(prefix="verify-receipt-") as tmp:
        openssl = OpenSsl(tmp)
        for f in files:
            label = f"{f}: " if len(files) > 1 else ""
            try:
                with open(f, "rb") as fh:
                    raw = fh.read()
                try:
                    doc = parse_json(raw, floats=True)  # a fraction where an integer is due is the receipt's fault
                except (ValueError, RecursionError) as e:
                    raise Error(f"{f} is not JSON: {e}")
                line, code = "OK: " + verify(doc, trusted, openssl, origin), 0
            except Invalid as e:
                line, code = f"INVALID: {e}", 1
            except OSError as e:
                line, code = f"ERROR: cannot read {f}: {e.strerror or e}", 2
            except Error as e:
                line, code = f"ERROR: {e}", 2
            print(label + line.replace("\n", " "), flush=True)
            worst = max(worst, code)
    return worst


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Error as e:
        print(f"ERROR: {e}")
        sys.exit(2)
    except Exception as e:  # never a traceback: one line, exit 2
        print(f"ERROR: internal: {type(e).__name__}: {e}")
        sys.exit(2)
