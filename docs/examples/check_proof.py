"""Check a jointfund proof bundle with nothing but hashlib and cryptography:
python check_proof.py BUNDLE PARTNER=KEY_ID [PARTNER=KEY_ID ...]   (checkpoint keys you got out of band)"""
import base64, hashlib, json, sys  # noqa: E401
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


b = json.load(open(sys.argv[1]))
trusted = {kid: partner for partner, _, kid in (a.partition("=") for a in sys.argv[2:])}
path = [bytes.fromhex(h) for h in b["path"]]
if b["type"] == "inclusion":
    cp, record = b["checkpoint"], base64.b64decode(b["record_base64"])
    by = signer(cp, trusted)
    ok = by and b.get("record", record.decode()) == record.decode() and inclusion(
        H(b"\x00", record), b["leaf_index"], cp["tree_size"], path, bytes.fromhex(cp["root"]))
else:
    o, n = b["old"], b["new"]
    by = signer(o, trusted) and signer(n, trusted)
    ok = by and o["fund_id"] == n["fund_id"] and consistency(
        o["tree_size"], n["tree_size"], bytes.fromhex(o["root"]), bytes.fromhex(n["root"]), path)
print(f"OK, signed by {by}" if ok else "REJECTED")
sys.exit(0 if ok else 1)
