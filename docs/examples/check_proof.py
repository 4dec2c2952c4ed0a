"""Check a jointfund proof bundle with nothing but hashlib and cryptography:
python check_proof.py BUNDLE PARTNER=KEY_ID [PARTNER=KEY_ID ...]   (checkpoint keys you got out of band)
or a record against a static C2SP tlog-tiles mirror (a directory or URL), with no jointfund server at all:
python check_proof.py --mirror DIR_OR_URL SEQ PARTNER=VKEY [PARTNER=VKEY ...]   (every key named must sign)"""

import base64, hashlib, json, struct, sys, urllib.request  # noqa: E401
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

H = lambda *parts: hashlib.sha256(b"".join(parts)).digest()  # noqa: E731


def signer(cp, trusted):  # the partner whose trusted key signed the documented checkpoint text, else None
    key = load_pem_public_key(cp["public_key_pem"].encode())
    kid = hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]
    text = f"jointfund checkpoint v1\n{cp['fund_id']}\n{cp['tree_size']}\n{cp['root']}\n{cp['signed_at']}\n"
    try:
        key.verify(bytes.fromhex(cp["signature"]), text.encode())
    except Exception:  # noqa: BLE001 - any failure is a bad signature
        return None
    # The key that verified must be the one key_id names, and one you trust for the partner the bundle names.
    return trusted.get(kid) if kid == cp["key_id"] and trusted.get(kid) == cp["partner"] else None


def inclusion(leaf, index, size, path, root):  # RFC 9162 2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = H(b"\x01", p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = H(b"\x01", r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def consistency(m, n, old, new, path):  # RFC 9162 2.1.4.2
    if m == n:
        return not path and old == new
    if not 0 < m < n or not path:
        return False
    path = [old] + path if m & (m - 1) == 0 else path
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = H(b"\x01", c, fr), H(b"\x01", c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = H(b"\x01", sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old and sr == new


def fetch(source, rel):  # a file of the mirror, from a directory or over HTTP(S)
    if "://" in source:
        with urllib.request.urlopen(source.rstrip("/") + "/" + rel, timeout=30) as r:
            return r.read()
    return open(source.rstrip("/") + "/" + rel, "rb").read()


def tile(level, n, width):  # tlog-tiles path: tile/L/x001/x234/067[.p/W]
    digits = f"{n:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    parts = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return (
        f"tile/{level}/"
        + "/".join("x" + p for p in parts[:-1])
        + "/" * (len(parts) > 1)
        + parts[-1]
        + (f".p/{width}" if width < 256 else "")
    )


def mth(hashes):  # RFC 6962 Merkle Tree Hash of a list of hashes
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return H(b"\x01", mth(hashes[:k]), mth(hashes[k:]))


def mirror(source, seq, keys):
    text, _, sigs = fetch(source, "checkpoint").decode().rpartition("\n\n")
    text += "\n"
    origin, size, root = text.split("\n")[:3]
    size, root, signed = int(size), base64.b64decode(root), {}
    for line in sigs.splitlines():  # signed-note: "— name base64(key ID || signature)"; unknown keys ignored
        name, raw = line[2:].split(" ")[0], base64.b64decode(line[2:].split(" ")[1])
        for partner, vkey in keys.items():
            vname, vid, vkb = vkey.split("+", 2)
            pub = base64.b64decode(vkb)[1:]
            if (name, raw[:4].hex()) == (vname, vid) == (vname, H(vname.encode(), b"\n\x01", pub)[:4].hex()):
                try:
                    Ed25519PublicKey.from_public_bytes(pub).verify(raw[4:], text.encode())
                    signed[partner] = True
                except Exception:  # noqa: BLE001 - a known key whose signature fails rejects the note
                    return None, "a trusted key's signature does not verify"
    if set(signed) != set(keys):
        return None, "not signed by every key you named: " + ", ".join(sorted(set(keys) - set(signed)))
    if not 1 <= seq <= size:
        return None, f"record {seq} is not in the signed log of {size} records"

    def level(lv, lo, hi):  # node hashes of level lv, indexes [lo, hi), from the tiles
        count, out = size >> (8 * lv), []
        for n in range(lo // 256, (hi - 1) // 256 + 1):
            width = 256 if (n + 1) * 256 <= count else count % 256
            data = fetch(source, tile(lv, n, width))
            out += [data[i : i + 32] for i in range(0, len(data), 32)][max(lo - n * 256, 0) : hi - n * 256]
        return out

    def subroot(lo, hi):  # any RFC 6962 subtree: aligned perfect subtrees come from one tile level
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            w = 1 << (8 * ((n.bit_length() - 1) // 8))
            return mth(level((n.bit_length() - 1) // 8, lo // w, hi // w))
        k = 1 << ((n - 1).bit_length() - 1)
        return H(b"\x01", subroot(lo, lo + k), subroot(lo + k, hi))

    index, path, lo, hi = seq - 1, [], 0, size
    while hi - lo > 1:  # RFC 6962 PATH, top-down
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if index - lo < k:
            path, hi = [subroot(lo + k, hi)] + path, lo + k
        else:
            path, lo = [subroot(lo, lo + k)] + path, lo + k
    n, width = index // 256, min(256, size - index // 256 * 256)
    data, entries = fetch(source, tile("entries", n, width)), []
    while data:
        (length,), data = struct.unpack(">H", data[:2]), data[2:]
        entries, data = entries + [data[:length]], data[length:]
    record = entries[index % 256]
    leaf = H(b"\x00", record) if record else level(0, index, index + 1)[0]
    if not inclusion(leaf, index, size, path, root):
        return None, "the record is not in the signed tree"
    return " and ".join(
        sorted(keys)
    ), record.decode() if record else "(a private record: only its hash is published)"


if sys.argv[1] == "--mirror":
    by, what = mirror(sys.argv[2], int(sys.argv[3]), dict(a.partition("=")[::2] for a in sys.argv[4:]))
    print(f"OK, record {sys.argv[3]} signed by {by}: {what}" if by else f"REJECTED: {what}")
    sys.exit(0 if by else 1)
b = json.load(open(sys.argv[1]))
trusted = {kid: partner for partner, _, kid in (a.partition("=") for a in sys.argv[2:])}
path = [bytes.fromhex(h) for h in b["path"]]
if b["type"] == "inclusion":
    cp, record = b["checkpoint"], base64.b64decode(b["record_base64"])
    by = signer(cp, trusted)
    ok = (
        by
        and b.get("record", record.decode()) == record.decode()
        and inclusion(H(b"\x00", record), b["leaf_index"], cp["tree_size"], path, bytes.fromhex(cp["root"]))
    )
else:
    o, n = b["old"], b["new"]
    by = signer(o, trusted) and signer(n, trusted)
    ok = (
        by
        and o["fund_id"] == n["fund_id"]
        and consistency(
            o["tree_size"], n["tree_size"], bytes.fromhex(o["root"]), bytes.fromhex(n["root"]), path
        )
    )
print(f"OK, signed by {by}" if ok else "REJECTED")
sys.exit(0 if ok else 1)
