"""Deterministic deposit addresses, as plain Python (docs/certctrl-money.md §8): BIP-39 seeds (through the pinned
`mnemonic` package: its word lists and checksum), BIP-32 derivation on secp256k1 (`cryptography` for scalar
multiplication, the point addition of public derivation here), BIP-44 paths, and the address formats of the
chains whose stablecoins we take: Ethereum (Keccak-256, EIP-55 checksum) and Tron (0x41 + the same 20 bytes,
Base58Check).

Checked against BIP-32's published test vectors 1–3, BIP-39's seed vector and the well-known addresses of the
all-`abandon` mnemonic (tests/unit/certctrl/test_hdwallet.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from mnemonic import Mnemonic

# secp256k1
P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HARDENED = 0x80000000
XPRV, XPUB = bytes.fromhex("0488ade4"), bytes.fromhex("0488b21e")
COIN_TYPES = {"ethereum": 60, "tron": 195}  # SLIP-44
PATH = re.compile(r"^m(/\d+'?)*$")
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class KeyError_(ValueError):
    """An invalid key, path, mnemonic or encoding."""


# --- hashes --------------------------------------------------------------------------------------------------

def _rol64(value: int, shift: int) -> int:
    shift %= 64
    return ((value << shift) | (value >> (64 - shift))) & 0xFFFFFFFFFFFFFFFF


def _keccak_f(lanes: list[list[int]]) -> list[list[int]]:
    lfsr = 1
    for _ in range(24):
        c = [lanes[x][0] ^ lanes[x][1] ^ lanes[x][2] ^ lanes[x][3] ^ lanes[x][4] for x in range(5)]
        d = [c[(x + 4) % 5] ^ _rol64(c[(x + 1) % 5], 1) for x in range(5)]
        lanes = [[lanes[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        x, y = 1, 0
        current = lanes[x][y]
        for t in range(24):
            x, y = y, (2 * x + 3 * y) % 5
            current, lanes[x][y] = lanes[x][y], _rol64(current, (t + 1) * (t + 2) // 2)
        for y in range(5):
            row = [lanes[x][y] for x in range(5)]
            for x in range(5):
                lanes[x][y] = row[x] ^ ((~row[(x + 1) % 5]) & row[(x + 2) % 5])
        for j in range(7):
            lfsr = ((lfsr << 1) ^ ((lfsr >> 7) * 0x71)) % 256
            if lfsr & 2:
                lanes[0][0] ^= 1 << ((1 << j) - 1)
    return lanes


def _sponge(data: bytes, *, rate: int, suffix: int, size: int) -> bytes:
    state = bytearray(200)
    padded = bytearray(data) + bytes([suffix]) + bytes((-(len(data) + 1)) % rate)
    padded[-1] |= 0x80
    for start in range(0, len(padded), rate):
        for i in range(rate):
            state[i] ^= padded[start + i]
        lanes = [[int.from_bytes(state[8 * (x + 5 * y):8 * (x + 5 * y) + 8], "little") for y in range(5)]
                 for x in range(5)]
        lanes = _keccak_f(lanes)
        for x in range(5):
            for y in range(5):
                state[8 * (x + 5 * y):8 * (x + 5 * y) + 8] = lanes[x][y].to_bytes(8, "little")
    return bytes(state[:size])


def keccak256(data: bytes) -> bytes:
    """Ethereum's Keccak-256 (the original padding 0x01, not SHA3-256's 0x06)."""
    return _sponge(data, rate=136, suffix=0x01, size=32)


def sha3_256(data: bytes) -> bytes:
    """The same sponge with SHA-3's padding: lets the tests check the permutation against hashlib."""
    return _sponge(data, rate=136, suffix=0x06, size=32)


_RMD_R = (
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8, 3,
    10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12, 1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2, 4, 0,
    5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13
)
_RMD_RP = (
    5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12, 6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2, 15,
    5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13, 8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14, 12, 15,
    10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11
)
_RMD_S = (
    11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8, 7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
    11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5, 11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
    9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6
)
_RMD_SP = (
    8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6, 9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
    9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5, 15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
    8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11
)
_RMD_K = (0x00000000, 0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xA953FD4E)
_RMD_KP = (0x50A28BE6, 0x5C4DD124, 0x6D703EF3, 0x7A6D76E9, 0x00000000)
_M32 = 0xFFFFFFFF


def _rmd_f(j: int, x: int, y: int, z: int) -> int:
    if j < 16:
        return x ^ y ^ z
    if j < 32:
        return (x & y) | (~x & z & _M32)
    if j < 48:
        return (x | (~y & _M32)) ^ z
    if j < 64:
        return (x & z) | (y & ~z & _M32)
    return x ^ (y | (~z & _M32))


def _rol32(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (32 - shift))) & _M32


def ripemd160_pure(data: bytes) -> bytes:
    """RIPEMD-160 in Python: Lambda's OpenSSL 3 may not offer it through hashlib."""
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
    message = data + b"\x80" + bytes((55 - len(data)) % 64) + (8 * len(data)).to_bytes(8, "little")
    for block in range(0, len(message), 64):
        words = [int.from_bytes(message[block + 4 * i:block + 4 * i + 4], "little") for i in range(16)]
        a, b, c, d, e = h
        ap, bp, cp, dp, ep = h
        for j in range(80):
            t = (_rol32((a + _rmd_f(j, b, c, d) + words[_RMD_R[j]] + _RMD_K[j // 16]) & _M32, _RMD_S[j]) + e) & _M32
            a, e, d, c, b = e, d, _rol32(c, 10), b, t
            t = (_rol32((ap + _rmd_f(79 - j, bp, cp, dp) + words[_RMD_RP[j]] + _RMD_KP[j // 16]) & _M32,
                        _RMD_SP[j]) + ep) & _M32
            ap, ep, dp, cp, bp = ep, dp, _rol32(cp, 10), bp, t
        t = (h[1] + c + dp) & _M32
        h[1] = (h[2] + d + ep) & _M32
        h[2] = (h[3] + e + ap) & _M32
        h[3] = (h[4] + a + bp) & _M32
        h[4] = (h[0] + b + cp) & _M32
        h[0] = t
    return b"".join(v.to_bytes(4, "little") for v in h)


def hash160(data: bytes) -> bytes:
    digest = hashlib.sha256(data).digest()
    try:
        return hashlib.new("ripemd160", digest).digest()
    except ValueError:
        return ripemd160_pure(digest)


# --- Base58Check ---------------------------------------------------------------------------------------------

def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = B58.find(char)
        if index < 0:
            raise KeyError_("not Base58")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def b58check_encode(payload: bytes) -> str:
    return b58encode(payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4])


def b58check_decode(text: str) -> bytes:
    raw = b58decode(text)
    payload, checksum = raw[:-4], raw[-4:]
    if len(raw) < 5 or hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        raise KeyError_("bad Base58Check checksum")
    return payload


# --- secp256k1 -----------------------------------------------------------------------------------------------

def public_key(secret: int) -> bytes:
    """The compressed public key (33 bytes) of a private scalar."""
    if not 0 < secret < N:
        raise KeyError_("private key out of range")
    key = ec.derive_private_key(secret, ec.SECP256K1())
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def _decompress(point: bytes) -> tuple[int, int]:
    if len(point) != 33 or point[0] not in (2, 3):
        raise KeyError_("not a compressed secp256k1 point")
    x = int.from_bytes(point[1:], "big")
    if x >= P:
        raise KeyError_("not a secp256k1 point")
    y_squared = (pow(x, 3, P) + 7) % P
    y = pow(y_squared, (P + 1) // 4, P)
    if y * y % P != y_squared:
        raise KeyError_("not a secp256k1 point")
    if y % 2 != point[0] % 2:
        y = P - y
    return x, y


def _compress(x: int, y: int) -> bytes:
    return bytes([2 + (y & 1)]) + x.to_bytes(32, "big")


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    if a[0] == b[0]:
        if (a[1] + b[1]) % P == 0:
            return None  # the point at infinity
        slope = 3 * a[0] * a[0] * pow(2 * a[1], -1, P) % P
    else:
        slope = (b[1] - a[1]) * pow(b[0] - a[0], -1, P) % P
    x = (slope * slope - a[0] - b[0]) % P
    return x, (slope * (a[0] - x) - a[1]) % P


def uncompressed(point: bytes) -> bytes:
    """64 bytes X || Y (what Ethereum and Tron hash)."""
    x, y = _decompress(point)
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


# --- BIP-32 --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExtendedKey:
    """A BIP-32 node: `secret` for a private node (None for a public one), `point` (compressed public key)."""

    chain_code: bytes
    point: bytes
    secret: int | None = None
    depth: int = 0
    parent_fingerprint: bytes = b"\0\0\0\0"
    child_number: int = 0

    def __repr__(self) -> str:
        return f"ExtendedKey(depth={self.depth}, child={self.child_number}, private={self.secret is not None})"

    @property
    def fingerprint(self) -> bytes:
        return hash160(self.point)[:4]

    def public(self) -> ExtendedKey:
        return ExtendedKey(self.chain_code, self.point, None, self.depth, self.parent_fingerprint, self.child_number)

    def child(self, index: int) -> ExtendedKey:
        """CKDpriv for a private node, CKDpub for a public one (hardened children need the private key)."""
        if not 0 <= index < 2**32:
            raise KeyError_("child index out of range")
        if index >= HARDENED:
            if self.secret is None:
                raise KeyError_("a public key has no hardened children")
            data = b"\0" + self.secret.to_bytes(32, "big") + index.to_bytes(4, "big")
        else:
            data = self.point + index.to_bytes(4, "big")
        digest = hmac.new(self.chain_code, data, hashlib.sha512).digest()
        tweak, chain = int.from_bytes(digest[:32], "big"), digest[32:]
        if tweak >= N:
            raise KeyError_("invalid child (skip this index)")
        if self.secret is not None:
            secret = (tweak + self.secret) % N
            if secret == 0:
                raise KeyError_("invalid child (skip this index)")
            return ExtendedKey(chain, public_key(secret), secret, self.depth + 1, self.fingerprint, index)
        if tweak == 0:
            raise KeyError_("invalid child (skip this index)")
        total = _add(_decompress(public_key(tweak)), _decompress(self.point))
        if total is None:
            raise KeyError_("invalid child (skip this index)")
        return ExtendedKey(chain, _compress(*total), None, self.depth + 1, self.fingerprint, index)

    def derive(self, path: str) -> ExtendedKey:
        """`m/44'/60'/0'/0/7` (relative to this node: `m` is this node)."""
        if not PATH.match(path):
            raise KeyError_(f"not a derivation path: {path!r}")
        node = self
        for part in path.split("/")[1:]:
            node = node.child(int(part.rstrip("'")) + (HARDENED if part.endswith("'") else 0))
        return node

    def serialize(self, *, private: bool) -> str:
        if private and self.secret is None:
            raise KeyError_("a public node has no xprv")
        key = b"\0" + self.secret.to_bytes(32, "big") if private and self.secret is not None else self.point
        return b58check_encode((XPRV if private else XPUB) + bytes([self.depth]) + self.parent_fingerprint
                               + self.child_number.to_bytes(4, "big") + self.chain_code + key)


def master(seed: bytes) -> ExtendedKey:
    if not 16 <= len(seed) <= 64:
        raise KeyError_("a BIP-32 seed is 16 to 64 bytes")
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    secret = int.from_bytes(digest[:32], "big")
    if not 0 < secret < N:
        raise KeyError_("invalid master key (use another seed)")
    return ExtendedKey(digest[32:], public_key(secret), secret)


def parse_extended(text: str) -> ExtendedKey:
    """An xprv or xpub (mainnet versions), validated (checksum, key range, point on the curve)."""
    raw = b58check_decode(text.strip())
    if len(raw) != 78 or raw[:4] not in (XPRV, XPUB):
        raise KeyError_("not an xprv or xpub")
    depth, fingerprint, child, chain, key = raw[4], raw[5:9], int.from_bytes(raw[9:13], "big"), raw[13:45], raw[45:]
    if raw[:4] == XPRV:
        if key[0] != 0:
            raise KeyError_("malformed xprv")
        secret = int.from_bytes(key[1:], "big")
        return ExtendedKey(chain, public_key(secret), secret, depth, fingerprint, child)
    _decompress(key)
    return ExtendedKey(chain, key, None, depth, fingerprint, child)


# --- BIP-39, BIP-44 ------------------------------------------------------------------------------------------

def new_mnemonic(words: int = 24) -> str:
    if words not in (12, 15, 18, 21, 24):
        raise KeyError_("a mnemonic has 12, 15, 18, 21 or 24 words")
    return Mnemonic("english").generate(strength=words * 32 // 3)


def normalized_mnemonic(text: str) -> str:
    """The words, NFKD and single-spaced, after checking the word list and the checksum."""
    words = " ".join(unicodedata.normalize("NFKD", text).lower().split())
    if not Mnemonic("english").check(words):
        raise KeyError_("not a valid BIP-39 mnemonic (unknown word or bad checksum)")
    return words


def seed_from_mnemonic(words: str, passphrase: str = "") -> bytes:
    """PBKDF2-HMAC-SHA512, 2048 rounds, salt 'mnemonic' + passphrase (BIP-39)."""
    phrase = unicodedata.normalize("NFKD", words)
    salt = unicodedata.normalize("NFKD", "mnemonic" + passphrase)
    return hashlib.pbkdf2_hmac("sha512", phrase.encode(), salt.encode(), 2048)


def account_path(chain: str, account: int) -> str:
    """BIP-44's account node `m/44'/<coin>'/<account>'`; deposit addresses are its `0/<index>` children."""
    if chain not in COIN_TYPES:
        raise KeyError_(f"unknown chain {chain!r}")
    if not 0 <= account < HARDENED:
        raise KeyError_("account out of range")
    return f"m/44'/{COIN_TYPES[chain]}'/{account}'"


def deposit_key(account_node: ExtendedKey, index: int) -> ExtendedKey:
    """The external chain's child `index` (`.../0/<index>`): public derivation, so an xpub is enough."""
    if not 0 <= index < HARDENED:
        raise KeyError_("address index out of range")
    return account_node.child(0).child(index)


# --- addresses -----------------------------------------------------------------------------------------------

def eip55(raw20: bytes) -> str:
    hex_address = raw20.hex()
    digest = keccak256(hex_address.encode()).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c
                          for i, c in enumerate(hex_address))


def ethereum_address(point: bytes) -> str:
    return eip55(keccak256(uncompressed(point))[-20:])


def tron_address(point: bytes) -> str:
    return b58check_encode(b"\x41" + keccak256(uncompressed(point))[-20:])


def address(chain: str, point: bytes) -> str:
    if chain == "ethereum":
        return ethereum_address(point)
    if chain == "tron":
        return tron_address(point)
    raise KeyError_(f"unknown chain {chain!r}")


def normalize_address(chain: str, text: str) -> str:
    """An address as we store and compare it: EIP-55 for Ethereum (a mixed-case input must carry a valid
    checksum), Base58Check with the 0x41 prefix for Tron."""
    text = (text or "").strip()
    if chain == "ethereum":
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
            raise KeyError_("not an Ethereum address")
        canonical = eip55(bytes.fromhex(text[2:]))
        if text != text.lower() and text[2:] != text[2:].upper() and text != canonical:
            raise KeyError_("bad EIP-55 checksum")
        return canonical
    if chain == "tron":
        payload = b58check_decode(text)
        if len(payload) != 21 or payload[0] != 0x41:
            raise KeyError_("not a Tron address")
        return b58check_encode(payload)
    raise KeyError_(f"unknown chain {chain!r}")
