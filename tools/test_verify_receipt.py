"""Unit checks of tools/verify_receipt.py that need no server: RFC 6962 known answers, RFC 8785 edge cases, and a
receipt built here from scratch (own Ed25519 and SM2 keys, signed with the openssl command) that verifies and that
fails, naming the member, once altered.

    python3 -m unittest discover -s tools -p 'test_verify_receipt.py'
"""
import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_receipt as vr  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify_receipt.py")
SHA = vr.HASHES["HASH_ALGORITHM_SHA256"][1]


def mth(h, leaves):
    """RFC 9162 §2.1.1 Merkle tree hash, the plain recursive definition (the reference the verifier is checked against)."""
    if not leaves:
        return h(b"")
    if len(leaves) == 1:
        return h(b"\x00" + leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return h(b"\x01" + mth(h, leaves[:k]) + mth(h, leaves[k:]))


def path(h, m, leaves):
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    if len(leaves) <= 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return path(h, m, leaves[:k]) + [mth(h, leaves[k:])]
    return path(h, m - k, leaves[k:]) + [mth(h, leaves[:k])]


class MerkleKnownAnswers(unittest.TestCase):
    # RFC 6962 reference tree, as in transparency-dev/merkle (and tests/DataExchange.Ledger.Tests/MerkleKnownAnswerTests.cs).
    LEAVES = [bytes.fromhex(x) for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
    ROOTS = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
             "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
             "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
             "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
             "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
             "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
             "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
    PROOFS = [(0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
              (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
              (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
              (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
              (0, 1, [])]

    def test_published_proofs_lead_to_published_roots(self):
        for index, size, proof in self.PROOFS:
            leaf = vr.leaf_hash(SHA, self.LEAVES[index])
            got = vr.root_from_inclusion(SHA, index, size, leaf, [bytes.fromhex(p) for p in proof])
            self.assertEqual(self.ROOTS[size - 1], got.hex(), (index, size))

    def test_every_leaf_of_every_size_up_to_8(self):
        for size in range(1, 9):
            self.assertEqual(self.ROOTS[size - 1], mth(SHA, self.LEAVES[:size]).hex())
            for index in range(size):
                proof = path(SHA, index, self.LEAVES[:size])
                leaf = vr.leaf_hash(SHA, self.LEAVES[index])
                self.assertEqual(self.ROOTS[size - 1], vr.root_from_inclusion(SHA, index, size, leaf, proof).hex())
                # Wrong index, a flipped bit, a dropped or an extra node: never the root. (A wrong size can give the
                # same root, e.g. (0, 3) and (0, 4) walk the same path: the signed checkpoint fixes the size.)
                root = bytes.fromhex(self.ROOTS[size - 1])
                if size > 1:
                    self.assertNotEqual(root, vr.root_from_inclusion(SHA, (index + 1) % size, size, leaf, proof))
                    bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:]] + proof[1:]
                    self.assertNotEqual(root, vr.root_from_inclusion(SHA, index, size, leaf, bad))
                    self.assertNotEqual(root, vr.root_from_inclusion(SHA, index, size, leaf, proof[:-1]))
                self.assertNotEqual(root, vr.root_from_inclusion(SHA, index, size, leaf, proof + [root]))

    def test_index_outside_the_tree_has_no_root(self):
        self.assertIsNone(vr.root_from_inclusion(SHA, 1, 1, b"x" * 32, []))
        self.assertIsNone(vr.root_from_inclusion(SHA, 0, 0, b"x" * 32, []))

    def test_sm3_known_answer(self):
        # GB/T 32905-2016 Appendix A example 1.
        self.assertEqual("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", vr._sm3(b"abc").hex())


class CanonicalJson(unittest.TestCase):
    def canon(self, text):
        return vr.parse_canonical(text.encode("utf-8"), "x")

    def rejects(self, text):
        with self.assertRaises(vr.Invalid) as caught:
            vr.parse_canonical(text.encode("utf-8") if isinstance(text, str) else text, "p.q")
        self.assertTrue(str(caught.exception).startswith("p.q: "))

    def test_canonical_forms_are_accepted(self):
        for text in ['{"a":1,"b":[true,false,null],"c":{"d":"e"}}', '{}', '[]', '"\\u001f\\n\\"\\\\"', '-9007199254740991',
                     '{"\\n":1,"a":2}', '"é€😀\u007f"', '{"😀":2,"\ue000":1}', 'null']:
            self.assertEqual(text, vr.canonical(self.canon(text)))

    def test_members_sort_by_utf16_code_units(self):
        # U+1F600 is D83D DE00 in UTF-16, so it sorts before U+E000 although its code point is larger.
        self.assertEqual('{"😀":2,"\ue000":1}', vr.canonical({"\ue000": 1, "😀": 2}))
        self.rejects('{"\ue000":1,"😀":2}')
        self.rejects('{"b":1,"a":2}')

    def test_non_canonical_spellings_are_rejected(self):
        for text in ['{"a": 1}', ' {"a":1}', '{"a":1}\n', '{"a":1.0}', '{"a":1e2}', '{"a":-0}', '{"a":01}', '"\\u0041"',
                     '"\\/"', '"\\u00e9"', '"\\u001F"', '{"a":9007199254740992}', '{"a":1,"a":1}', '{"a":NaN}',
                     '"\\ud800"', '{"a":1', '', '\ufeff{}']:
            self.rejects(text)
        self.rejects(b'"\xff"')  # not UTF-8


def openssl(*args, data=None):
    out = subprocess.run(["openssl", *args], input=data, capture_output=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.decode())
    return out.stdout


class Exchange:
    """A stand-in exchange: two signing keys made with openssl, a log of leaves, and receipts per RECEIPTS.md."""

    ORIGIN = "test.example/ledger/trades"

    def __init__(self, folder, alg="HASH_ALGORITHM_SHA256"):
        self.folder, self.alg = folder, alg
        self.prefix, self.h = vr.HASHES[alg]
        self.keys = []
        for name, genargs in (("dx-ed25519", ["-algorithm", "ed25519"]), ("dx-sm2", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"])):
            private = os.path.join(folder, name + ".key")
            openssl("genpkey", *genargs, "-out", private)
            pem = openssl("pkey", "-in", private, "-pubout").decode()
            key = vr.key_from_spki(name, vr.pem_der(pem))
            vkey = f"{name}+{key.id.hex()}+{base64.b64encode(bytes([key.typ]) + key.material).decode()}"
            with open(os.path.join(folder, name + ".vkey"), "w") as fh:
                fh.write(vkey + "\n")
            with open(os.path.join(folder, name + ".pem"), "w") as fh:
                fh.write(pem)
            self.keys.append((key, private, pem, vkey))
        self.leaves, self.heads = [], {}  # heads: stream id → [first leaf, last leaf, version]

    def append(self, stream, event_type, payload, when="2026-03-04T05:06:07.123456Z"):
        version = self.heads.get(stream, [len(self.leaves), 0, 0])[2] + 1
        body = vr.canonical(payload).encode()
        leaf = {"event_id": str(uuid.uuid4()), "event_type": event_type, "leaf_index": len(self.leaves),
                "payload_digest": self.prefix + self.h(body).hex(), "recorded_at": when, "stream_id": stream, "stream_version": version}
        if isinstance(payload.get("EffectiveDate"), str):
            leaf["effective_date"] = payload["EffectiveDate"]
        self.leaves.append((vr.canonical(leaf).encode(), body, leaf))
        first = self.heads.get(stream, [len(self.leaves) - 1])[0]
        self.heads[stream] = [first, len(self.leaves) - 1, version]

    def sign(self, text):
        lines = []
        for key, private, _, _ in self.keys:
            with open(os.path.join(self.folder, "note.txt"), "wb") as fh:
                fh.write(text.encode())
            if key.typ == 1:
                sig = openssl("pkeyutl", "-sign", "-inkey", private, "-rawin", "-in", os.path.join(self.folder, "note.txt"))
            else:
                sig = openssl("dgst", "-sm3", "-sign", private, "-sigopt", "distid:1234567812345678", os.path.join(self.folder, "note.txt"))
            lines.append(f"\u2014 {key.name} {base64.b64encode(key.id + sig).decode()}\n")
        return text + "\n" + "".join(lines)

    def receipt(self, trade_id, record):
        size, raw = len(self.leaves), [leaf for leaf, _, _ in self.leaves]
        root = mth(self.h, raw)
        streams = sorted(self.heads.items(), key=lambda kv: kv[1][0])
        entries = [vr.canonical({"leaf_index": last, "stream_id": s, "stream_version": v}).encode() for s, (_, last, v) in streams]
        index = [s for s, _ in streams].index(trade_id)
        text = f"{self.ORIGIN}\n{size}\n{base64.b64encode(root).decode()}\nstream-heads {len(entries)} {base64.b64encode(mth(self.h, entries)).decode()}\n"
        b64 = lambda b: base64.b64encode(b).decode()
        leaves = []
        for i, (leaf, body, d) in enumerate(self.leaves):
            if d["stream_id"] != trade_id:
                continue
            entry = {"leafIndex": str(i), "leaf": b64(leaf), "streamId": d["stream_id"], "streamVersion": str(d["stream_version"]),
                     "eventId": d["event_id"], "eventType": d["event_type"], "recordTime": d["recorded_at"],
                     "payloadDigest": d["payload_digest"], "payload": b64(body)}
            if "effective_date" in d:
                entry["effectiveDate"] = d["effective_date"]
            leaves.append({"entry": entry, "inclusionProof": [b64(p) for p in path(self.h, i, raw)]})
        return {
            "trade": "trades/" + trade_id, "origin": self.ORIGIN, "hashAlgorithm": self.alg, "treeSize": str(size),
            "checkpoint": {"origin": self.ORIGIN, "treeSize": str(size), "rootHash": b64(root), "note": self.sign(text),
                           "hashAlgorithm": self.alg, "createTime": "2026-03-04T05:06:08Z"},
            "leaves": leaves, "format": vr.FORMAT, "record": record,
            "streamHead": {"mapSize": str(len(entries)), "index": str(index), "entry": b64(entries[index]),
                           "proof": [b64(p) for p in path(self.h, index, entries)]},
            "keys": [{"keyName": k.name, "keyId": k.id.hex(), "type": "SIGNING_KEY_TYPE_ED25519" if k.typ == 1 else "SIGNING_KEY_TYPE_SM2_SM3",
                      "publicKeyPem": pem, "verifierKey": vkey, "validFromTreeSize": "1"} for k, _, pem, vkey in self.keys],
        }


def contracted(trade, vendor, buyer, at):
    party = lambda pid, region, city: {"City": city, "IsCriticalInformationInfrastructureOperator": False, "ParticipantId": pid, "Region": region}
    return {
        "Amount": {"AmountMinor": 1999, "CurrencyCode": "CNY"}, "At": at, "BuyerId": buyer, "By": buyer,
        "Compliance": {"Accepted": True, "ApprovalId": None, "ApprovalReference": None, "CrossBorder": True,
                       "Evaluations": [{"Description": "Scope", "Inputs": {"exporter_region": "MainlandChina", "n": "0"},
                                        "Outcome": "CROSS_BORDER", "RuleId": "XB-0-SCOPE"}],
                       "Explanation": "Exempt: no personal information.", "Mechanism": "Exempt", "RefusalReason": None,
                       "RefusedByRule": None, "RuleSetVersion": "2024-03", "VolumeAfter": {"Individuals": 0, "SensitiveIndividuals": 0}},
        "ComplianceInput": {"Exporter": party(vendor, "MainlandChina", "Shenzhen"), "Importer": party(buyer, "HongKong", None)},
        "EffectiveDate": "2026-03-04", "ExternalReference": None, "FilingNumber": "DX-2026-000001",
        "Licence": {"Exclusive": False, "OnwardTransferAllowed": False, "Purpose": "Research", "TermDays": 365, "Territory": "GreaterBayArea"},
        "ListingId": str(uuid.uuid4()), "ListingRevision": 2, "Origin": "Executed", "TradeId": trade, "VendorId": vendor,
    }


class BuiltReceipt(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="receipt-test-")
        ex = cls.ex = Exchange(cls.tmp.name)
        cls.trade, other = str(uuid.uuid4()), str(uuid.uuid4())
        vendor, buyer = str(uuid.uuid4()), str(uuid.uuid4())
        ex.append(str(uuid.uuid4()), "listing_created", {"ListingId": "x"})
        p = contracted(cls.trade, vendor, buyer, "2026-03-04T05:06:07.1234567+00:00")
        ex.append(cls.trade, "trade_contracted", p)
        ex.append(other, "trade_contracted", contracted(other, vendor, buyer, "2026-03-04T05:06:07+00:00"))
        ex.append(cls.trade, "trade_delivered", {"At": "2026-03-05T01:00:00+08:00", "By": vendor, "Note": {"Commitment": "sha256:" + "0" * 64}, "TradeId": cls.trade})
        ex.append(cls.trade, "trade_receipt_acknowledged", {"At": "2026-03-06T00:00:00+00:00", "By": buyer, "Note": "plain", "TradeId": cls.trade})
        ex.append(cls.trade, "trade_amount_adjusted", {"At": "2026-03-06T00:00:01+00:00", "By": buyer, "From": p["Amount"],
                                                       "To": {"AmountMinor": 1500, "CurrencyCode": "CNY"}, "Reason": {"Commitment": "x"}, "TradeId": cls.trade})
        ex.append(cls.trade, "trade_settled", {"Amount": {"AmountMinor": 1500, "CurrencyCode": "CNY"}, "At": "2026-03-07T00:00:00.5+00:00",
                                               "By": buyer, "PaymentReference": {"Commitment": "x"}, "TradeId": cls.trade})
        ex.append(other, "trade_cancelled", {"At": "2026-03-07T00:00:00+00:00", "By": buyer, "Reason": "r", "TradeId": other})
        record = {
            "trade": "trades/" + cls.trade, "filingNumber": "DX-2026-000001", "listing": "listings/" + p["ListingId"],
            "listingRevision": "2", "vendor": "participants/" + vendor,
            "vendorJurisdiction": {"region": "REGION_MAINLAND_CHINA", "city": "Shenzhen"}, "buyer": "participants/" + buyer,
            "buyerJurisdiction": {"region": "REGION_HONG_KONG"},
            "licence": {"purpose": "Research", "termDays": 365, "territory": "TERRITORY_GREATER_BAY_AREA"},
            "amount": {"currencyCode": "CNY", "amountMinor": "1500"}, "settledAmount": {"currencyCode": "CNY", "amountMinor": "1500"},
            "contractDate": "2026-03-04", "state": "TRADE_STATE_SETTLED", "origin": "TRADE_ORIGIN_EXECUTED",
            "compliance": {"accepted": True, "crossBorder": True, "ruleSetVersion": "2024-03", "mechanism": "EXPORT_MECHANISM_EXEMPT",
                           "explanation": "Exempt: no personal information.",
                           "evaluations": [{"ruleId": "XB-0-SCOPE", "description": "Scope", "outcome": "CROSS_BORDER",
                                            "inputs": {"exporter_region": "MainlandChina", "n": "0"}}]},
            "version": "5", "createTime": "2026-03-04T05:06:07.123456700Z", "updateTime": "2026-03-07T00:00:00.500Z",
        }
        cls.receipt = ex.receipt(cls.trade, record)
        cls.trusted, cls.openssl = vr.load_keys([cls.tmp.name]), vr.OpenSsl(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_cli(self, receipt, *keys):
        path = os.path.join(self.tmp.name, "receipt.json")
        with open(path, "w") as fh:
            fh.write(receipt if isinstance(receipt, str) else json.dumps(receipt))
        out = subprocess.run([sys.executable, SCRIPT, path, *(sum((["--key", k] for k in keys or [self.tmp.name]), []))],
                             capture_output=True, text=True)
        self.assertEqual("", out.stderr)
        self.assertEqual(1, out.stdout.count("\n"), out.stdout)
        return out.returncode, out.stdout.strip()

    def check(self, mutate, expected_path):
        """In-process (the CLI's output is checked elsewhere): the alteration fails, naming the member."""
        bad = copy.deepcopy(self.receipt)
        mutate(bad)
        bad = json.loads(json.dumps(bad))
        with self.assertRaises(vr.Invalid) as caught:
            vr.verify(bad, self.trusted, self.openssl)
        self.assertTrue(str(caught.exception).startswith(expected_path), str(caught.exception))

    def test_the_untouched_receipt_verifies_with_vkeys_pems_and_files(self):
        self.assertEqual(0, self.run_cli(self.receipt)[0], self.run_cli(self.receipt)[1])
        pems = os.path.join(self.tmp.name, "pems")
        os.makedirs(pems, exist_ok=True)
        for key, _, pem, _ in self.ex.keys:
            with open(os.path.join(pems, key.name + ".pem"), "w") as fh:
                fh.write(pem)
        code, line = self.run_cli(self.receipt, pems)
        self.assertEqual(0, code, line)
        self.assertIn("dx-sm2+", line)
        code, line = self.run_cli(self.receipt, os.path.join(self.tmp.name, "dx-sm2.vkey"), os.path.join(pems, "dx-ed25519.pem"))
        self.assertEqual(0, code, line)

    def test_sm3_log(self):
        with tempfile.TemporaryDirectory() as folder:
            ex = Exchange(folder, "HASH_ALGORITHM_SM3")
            t = str(uuid.uuid4())
            p = contracted(t, str(uuid.uuid4()), str(uuid.uuid4()), "2026-03-04T05:06:07+00:00")
            ex.append(t, "trade_contracted", p)
            r = ex.receipt(t, None)
            line = None
            try:
                vr.verify(r, vr.load_keys([folder]), vr.OpenSsl(folder))
            except vr.Invalid as e:
                line = str(e)
            self.assertTrue(line.startswith("record: missing"), line)

    def test_alterations_are_rejected_naming_the_member(self):
        def entry(i):
            return lambda r: r["leaves"][i]["entry"]

        def payload_edit(i, fn, redigest=False):
            def go(r):
                e = r["leaves"][i]["entry"]
                body = json.loads(base64.b64decode(e["payload"]))
                fn(body)
                raw = vr.canonical(body).encode()
                e["payload"] = base64.b64encode(raw).decode()
                if redigest:
                    e["payloadDigest"] = "sha256:" + hashlib.sha256(raw).hexdigest()
            return go

        def note_line(n, fn):
            def go(r):
                lines = r["checkpoint"]["note"].split("\n")
                lines[n] = fn(lines[n])
                r["checkpoint"]["note"] = "\n".join(lines)
            return go

        def set_(path, value):
            def go(r):
                *parents, last = path
                for p in parents:
                    r = r[p]
                if value is KeyError:
                    del r[last]
                else:
                    r[last] = value
            return go

        flip = lambda b64, at=0: base64.b64encode((lambda b: b[:at] + bytes([b[at] ^ 1]) + b[at + 1:])(base64.b64decode(b64))).decode()
        cases = {
            "format changed": (set_(["format"], "dataexchange.trade-receipt/2"), "format"),
            "format missing": (set_(["format"], KeyError), "format"),
            "trade not a uuid": (set_(["trade"], "trades/X"), "trade"),
            "record amount": (set_(["record", "amount", "amountMinor"], "1999"), "record.amount.amountMinor"),
            "record state": (set_(["record", "state"], "TRADE_STATE_RECEIVED"), "record.state"),
            "record city": (set_(["record", "vendorJurisdiction", "city"], "Beijing"), "record.vendorJurisdiction.city"),
            "record buyer city added": (set_(["record", "buyerJurisdiction", "city"], "Hong Kong"), "record.buyerJurisdiction.city"),
            "record exclusive": (set_(["record", "licence", "exclusive"], True), "record.licence.exclusive"),
            "record evaluation input": (set_(["record", "compliance", "evaluations", 0, "inputs", "n"], "1"), "record.compliance.evaluations[0].inputs"),
            "record update time": (set_(["record", "updateTime"], "2026-03-07T00:00:00.501Z"), "record.updateTime"),
            "record unknown member": (set_(["record", "colour"], "red"), "record.colour"),
            "record settled amount dropped": (set_(["record", "settledAmount"], KeyError), "record.settledAmount"),
            "record version": (set_(["record", "version"], 4), "record.version"),
            "payload byte": (lambda r: entry(1)(r).update(payload=flip(entry(1)(r)["payload"], 5)), "leaves[1].entry.payload"),
            "payload re-digested": (payload_edit(2, lambda b: b.update(TradeId=str(uuid.uuid4())), True), "leaves[2].entry.payloadDigest"),
            "payload not canonical": (lambda r: entry(0)(r).update(payload=base64.b64encode(b" " + base64.b64decode(entry(0)(r)["payload"])).decode()), "leaves[0].entry.payload"),
            "last leaf dropped": (lambda r: r["leaves"].pop(), "leaves: "),
            "middle leaf dropped": (lambda r: r["leaves"].pop(1), "leaves[1].entry.streamVersion"),
            "decoded version": (set_(["leaves", 1, "entry", "streamVersion"], "3"), "leaves[1].entry.streamVersion"),
            "decoded record time": (set_(["leaves", 1, "entry", "recordTime"], "2026-03-04T05:06:07.123457Z"), "leaves[1].entry.recordTime"),
            "decoded event type": (set_(["leaves", 1, "entry", "eventType"], "trade_cancelled"), "leaves[1].entry.eventType"),
            "proof hash": (lambda r: r["leaves"][2]["inclusionProof"].__setitem__(0, flip(r["leaves"][2]["inclusionProof"][0])), "leaves[2].inclusionProof"),
            "unsigned root": (set_(["checkpoint", "rootHash"], base64.b64encode(b"\0" * 32).decode()), "checkpoint.rootHash"),
            "unsigned size": (set_(["checkpoint", "treeSize"], "7"), "checkpoint.treeSize"),
            "receipt size": (set_(["treeSize"], "9"), "treeSize"),
            "origin": (set_(["origin"], "other.example/log"), "origin"),
            "note root": (note_line(2, lambda l: base64.b64encode(b"\1" * 32).decode()), "checkpoint.note"),
            "note size": (note_line(1, lambda l: "9"), "checkpoint.note"),
            "signature byte": (note_line(5, lambda l: l[:-6] + ("A" if l[-6] != "A" else "B") + l[-5:]), "checkpoint.note"),
            "note key id": (note_line(5, lambda l: l.split(" ")[0] + " " + l.split(" ")[1] + " " + flip(l.split(" ")[2])), "checkpoint.note"),
            "key id in keys": (set_(["keys", 1, "keyId"], "00000000"), "keys[1].keyId"),
            "key type in keys": (set_(["keys", 0, "type"], "SIGNING_KEY_TYPE_SM2_SM3"), "keys[0].type"),
            "verifier key name": (lambda r: r["keys"][0].update(verifierKey="x" + r["keys"][0]["verifierKey"]), "keys[0].verifierKey"),
            "stream head entry": (set_(["streamHead", "entry"], base64.b64encode(b'{"leaf_index":6,"stream_id":"x","stream_version":5}').decode()), "streamHead.entry"),
            "stream head version": (lambda r: r["streamHead"].update(entry=base64.b64encode(base64.b64decode(r["streamHead"]["entry"]).replace(b'"stream_version":5', b'"stream_version":6')).decode()), "streamHead.proof"),
            "stream head index": (set_(["streamHead", "index"], "0"), "streamHead.proof"),
            "stream head size": (set_(["streamHead", "mapSize"], "4"), "streamHead.mapSize"),
            "stream head proof": (lambda r: r["streamHead"]["proof"].__setitem__(0, flip(r["streamHead"]["proof"][0])), "streamHead.proof"),
            "amount as a fraction": (set_(["record", "amount", "amountMinor"], 1500.5), "record.amount.amountMinor"),
            "record time not a time": (set_(["record", "createTime"], "yesterday"), "record.createTime"),
            "note not unicode": (note_line(0, lambda l: l + "\ud800"), "checkpoint.note"),
            "proof not base64": (lambda r: r["leaves"][0]["inclusionProof"].__setitem__(0, "é"), "leaves[0].inclusionProof[0]"),
            "hash algorithm": (set_(["hashAlgorithm"], "HASH_ALGORITHM_SM3"), "checkpoint.hashAlgorithm"),
            "both hash algorithms": (lambda r: r.update(hashAlgorithm="HASH_ALGORITHM_SM3") or r["checkpoint"].update(hashAlgorithm="HASH_ALGORITHM_SM3"), "leaves[0].entry.leaf"),
        }
        for name, (mutate, expected) in cases.items():
            with self.subTest(name):
                self.check(mutate, expected)

    def test_expected_origin(self):
        path = os.path.join(self.tmp.name, "r.json")
        with open(path, "w") as fh:
            json.dump(self.receipt, fh)
        ok = subprocess.run([sys.executable, SCRIPT, path, "--key", self.tmp.name, "--origin", Exchange.ORIGIN], capture_output=True, text=True)
        self.assertEqual(0, ok.returncode, ok.stdout)
        bad = subprocess.run([sys.executable, SCRIPT, path, "--key", self.tmp.name, "--origin", "x"], capture_output=True, text=True)
        self.assertEqual((1, "INVALID: origin: "), (bad.returncode, bad.stdout[:17]))

    def test_errors_are_one_line_exit_2(self):
        for args in ([], ["/nonexistent.json", "--key", self.tmp.name], [SCRIPT, "--key", self.tmp.name], ["--bogus"],
                     [SCRIPT, "--key"], [SCRIPT, "--key", "/nonexistent"]):
            out = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)
            self.assertEqual((2, ""), (out.returncode, out.stderr), args)
            self.assertRegex(out.stdout, r"^ERROR: [^\n]*\n$")

    def test_a_repeated_member_is_invalid_not_unreadable(self):
        text = json.dumps(self.receipt)
        code, line = self.run_cli(text[:-1] + ', "format": "dataexchange.trade-receipt/1"}')
        self.assertEqual((1, "INVALID: format: "), (code, line[:17]), line)

    def test_several_receipts_in_one_run(self):
        good, bad = (os.path.join(self.tmp.name, n) for n in ("good.json", "bad.json"))
        with open(good, "w") as fh:
            json.dump(self.receipt, fh)
        with open(bad, "w") as fh:
            json.dump(dict(self.receipt, format="x"), fh)
        out = subprocess.run([sys.executable, SCRIPT, good, bad, good, "--key", self.tmp.name], capture_output=True, text=True)
        self.assertEqual(1, out.returncode)
        lines = out.stdout.splitlines()
        self.assertEqual(3, len(lines))
        self.assertTrue(lines[0].startswith(f"{good}: OK: trades/{self.trade}: 5 event(s), TRADE_STATE_SETTLED"), lines[0])
        self.assertTrue(lines[1].startswith(f"{bad}: INVALID: format: "), lines[1])


if __name__ == "__main__":
    unittest.main()
